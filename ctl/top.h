/*
 * top.h - `pfsyncctl top`: a live view of a running pfsyncd in the
 * terminal, redrawn every DELAY seconds: packet and change rates, the
 * table size and a bar per creator, the bulk update state with a bar of
 * its tries, and each peer's last-seen time.
 *
 *   top [-d SECONDS] [-n COUNT]
 *
 * Each frame comes from the daemon's `metrics` answer (the Prometheus
 * text of metrics.h), so top shows exactly what a scraper sees; rates are
 * the differences of two answers over the time between them.  On a
 * terminal each frame replaces the last; otherwise frames follow one
 * another, separated by a blank line.
 */
#ifndef CTL_TOP_H
#define CTL_TOP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_TOP_CREATORS 32
#define CTL_TOP_PEERS	 16

struct ctl_top_sample {
	uint64_t t_ms; /* monotonic time of the answer */
	double rx, tx, drops, send_errors;
	double applied[3]; /* insert, update, delete */
	double states;
	char bulk[12]; /* pending, sending, done, or "" */
	double bulk_try;
	char hostid[12], syncdev[20], version[16];
	size_t ncr;
	struct {
		char id[12];
		double n;
	} cr[CTL_TOP_CREATORS];
	size_t npeers;
	struct {
		char addr[48];
		double last_seen; /* Unix time */
		double packets;
	} peer[CTL_TOP_PEERS];
};

/* Fill *s from a metrics answer (NUL-terminated text).  0, or -1 if the
 * text lacks the pfsync_states line (not a pfsyncd answer). */
int ctl_top_parse(const char *text, struct ctl_top_sample *s);

/*
 * Draw one frame for cur (rates against prev, NULL for the first frame),
 * `now` the Unix time for the peers' ages, `width` the terminal's columns.
 */
void ctl_top_draw(FILE *out, const struct ctl_top_sample *prev,
		  const struct ctl_top_sample *cur, double now, unsigned width);

/* argv[0] is "top".  Returns the exit status. */
int ctl_top_main(const char *sock, int argc, char *argv[]);

#endif
