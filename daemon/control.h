/*
 * control.h - pfsyncd's control socket server: accepts pfsyncctl
 * connections on a Unix stream socket, reads framed requests
 * (pfsync/ctlmsg.h) without blocking, calls the command handler, and writes
 * its output back as DATA messages and one END, with backpressure (a slow
 * client is not allowed to grow the queue without bound: its connection
 * is closed past PFSD_CTL_MAX_QUEUE bytes).
 */
#ifndef PFSYNCD_CONTROL_H
#define PFSYNCD_CONTROL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define PFSD_CTL_MAX_QUEUE (64u << 20)

/*
 * A streamed answer: called again whenever the client has read most of
 * what was queued, to append the next part to o; returns 1 while there
 * is more, 0 when the answer is complete.  free releases arg (also when
 * the client goes away first).
 */
struct pfsd_out;
typedef int (*pfsd_out_more_fn)(void *arg, struct pfsd_out *o);

/* Growable output buffer a handler writes its answer into. */
struct pfsd_out {
	char *buf;
	size_t len;
	size_t cap;
	int oom; /* an append failed */
	pfsd_out_more_fn more; /* set by pfsd_out_stream */
	void (*more_free)(void *arg);
	void *more_arg;
};

/* Stream the rest of the answer: what the handler wrote goes first, then
 * more(arg, ...) parts as the client reads them (constant memory for any
 * size), then the END with the handler's status. */
void pfsd_out_stream(struct pfsd_out *o, pfsd_out_more_fn more,
		     void (*free_arg)(void *arg), void *arg);

void pfsd_out_printf(struct pfsd_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pfsd_out_vprintf(struct pfsd_out *o, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void pfsd_out_write(struct pfsd_out *o, const void *p, size_t n);
/* Append s as a JSON string literal (quotes and escapes added). */
void pfsd_out_json_str(struct pfsd_out *o, const char *s);

/* Who sent a request: the client's credentials when it connected
 * (SO_PEERCRED), for the handler's access check. */
struct pfsd_ctl_who {
	uint32_t uid;
	uint32_t gid;
	int32_t pid;
	bool known; /* false when the kernel did not tell */
};

/*
 * Runs one command.  argv[0] is the command word.  Writes output into
 * *out; returns 0 or a positive errno value, with an optional message in
 * err (errlen bytes).
 */
typedef int (*pfsd_ctl_handler)(void *ctx, const struct pfsd_ctl_who *who,
				int argc, char *argv[], unsigned flags,
				struct pfsd_out *out, char *err,
				size_t errlen);

struct pfsd_control;

/* Listen on path (replacing a stale socket) with mode; NULL on error. */
struct pfsd_control *pfsd_control_new(struct pfsd_loop *loop,
				      const char *path, unsigned mode,
				      pfsd_ctl_handler handler, void *ctx);
void pfsd_control_free(struct pfsd_control *c);
/* Clients closed to make room for a new one (all slots were taken). */
uint64_t pfsd_control_evicted(const struct pfsd_control *c);

#endif
