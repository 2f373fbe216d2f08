/*
 * metrics_http.h - a minimal HTTP/1.0 listener that serves the metrics
 * (metrics.h) to a Prometheus scraper: `GET /metrics` (or `/`) answers
 * 200 with the text, other paths 404, other methods 405; every answer
 * closes the connection.  Non-blocking on the daemon's loop, at most
 * PFSD_MHTTP_MAX_CLIENTS connections: a new one takes the place of the
 * oldest that is still reading its request, and is turned away when
 * every one is being answered (an answer is never cut for a newcomer).
 * A connection is closed when it has not sent its request head
 * PFSD_MHTTP_TIMEOUT_MS after it was accepted, or its answer made no
 * progress for as long.  Requests larger than PFSD_MHTTP_REQ_MAX are
 * refused (400).
 *
 * It has no authentication: bind it to a loopback address (or one only
 * the monitoring network reaches) - `metrics-listen 127.0.0.1:9721`.
 */
#ifndef PFSYNCD_METRICS_HTTP_H
#define PFSYNCD_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "control.h"
#include "loop.h"

#define PFSD_MHTTP_MAX_CLIENTS 8
#define PFSD_MHTTP_REQ_MAX     4096
#define PFSD_MHTTP_TIMEOUT_MS  5000
/* The content type served: Prometheus' text format, as metrics.h renders. */
#define PFSD_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

/* Fill *o with the body to serve. */
typedef void (*pfsd_mhttp_render)(void *ctx, struct pfsd_out *o);

struct pfsd_mhttp;

struct pfsd_mhttp_stats {
	uint64_t timeouts; /* closed past their deadline */
	uint64_t evicted;  /* closed, still reading, to make room */
	uint64_t refused;  /* turned away: every slot answering */
};

/*
 * "A.B.C.D:PORT" or "[IPV6]:PORT" (port 1..65535) into *ss / *len.
 * 0, or -1 with errno EINVAL.
 */
int pfsd_mhttp_parse_addr(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len);

/*
 * The answer to a request head of len bytes (not NUL-terminated): 200
 * for GET /metrics or GET /, 404 for another path, 405 for another
 * method, 400 when it is PFSD_MHTTP_REQ_MAX bytes or more.
 */
int pfsd_mhttp_route(const char *req, size_t len);

/* Listen on addr (as parsed above); NULL with errno on failure. */
struct pfsd_mhttp *pfsd_mhttp_new(struct pfsd_loop *loop, const char *addr,
				  pfsd_mhttp_render render, void *ctx);
void pfsd_mhttp_free(struct pfsd_mhttp *h);

/* Close the connections whose deadline is at or before now_ms (the
 * listener's timer does this at pfsd_now_ms()); how many. */
size_t pfsd_mhttp_expire(struct pfsd_mhttp *h, uint64_t now_ms);
/* Connections open, and how many of them are being answered. */
size_t pfsd_mhttp_clients(const struct pfsd_mhttp *h, size_t *answering);
const struct pfsd_mhttp_stats *pfsd_mhttp_stats(const struct pfsd_mhttp *h);

/* The port actually bound (useful with port 0 in tests). */
unsigned pfsd_mhttp_port(const struct pfsd_mhttp *h);

#endif
