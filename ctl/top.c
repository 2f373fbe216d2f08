/*
 * top.c - `pfsyncctl top` (see top.h): fetch `metrics`, parse the
 * Prometheus text back into a sample, draw the difference of two samples.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "top.h"

#define TOP_BAR 30 /* the widest bar, in columns */

/* --- parsing the metrics text --------------------------------------------- */

/* The value of label `key` in a "{a=\"x\",b=\"y\"}" string, into buf. */
static bool top_label(const char *labels, const char *key, char *buf,
		      size_t cap)
{
	char pat[32];
	const char *p, *q;
	size_t n;

	snprintf(pat, sizeof(pat), "%s=\"", key);
	p = strstr(labels, pat);
	if (p == NULL || cap == 0)
		return false;
	p += strlen(pat);
	q = strchr(p, '"');
	if (q == NULL)
		return false;
	n = (size_t)(q - p) < cap - 1 ? (size_t)(q - p) : cap - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

static void top_creator(struct ctl_top_sample *s, const char *labels, double v)
{
	if (s->ncr == CTL_TOP_CREATORS ||
	    !top_label(labels, "creator", s->cr[s->ncr].id,
		       sizeof(s->cr[0].id)))
		return;
	s->cr[s->ncr++].n = v;
}

/* The peer entry for the "peer" label, added if new; NULL if full. */
static int top_peer(struct ctl_top_sample *s, const char *labels)
{
	char addr[48];
	size_t i;

	if (!top_label(labels, "peer", addr, sizeof(addr)))
		return -1;
	for (i = 0; i < s->npeers; i++)
		if (strcmp(s->peer[i].addr, addr) == 0)
			return (int)i;
	if (s->npeers == CTL_TOP_PEERS)
		return -1;
	memset(&s->peer[s->npeers], 0, sizeof(s->peer[0]));
	strcpy(s->peer[s->npeers].addr, addr);
	return (int)s->npeers++;
}

static void top_info(struct ctl_top_sample *s, const char *labels)
{
	top_label(labels, "hostid", s->hostid, sizeof(s->hostid));
	top_label(labels, "syncdev", s->syncdev, sizeof(s->syncdev));
	top_label(labels, "version", s->version, sizeof(s->version));
}

/* One sample line: name, its labels ("" if none) and value. */
static void top_line(struct ctl_top_sample *s, const char *name,
		     const char *labels, double v)
{
	static const char *const ops[3] = {"\"insert\"", "\"update\"",
					   "\"delete\""};
	int i;

	if (strcmp(name, "pfsync_received_packets_total") == 0)
		s->rx += v;
	else if (strcmp(name, "pfsync_sent_packets_total") == 0)
		s->tx += v;
	else if (strcmp(name, "pfsync_discarded_packets_total") == 0 ||
		 strcmp(name, "pfsync_discarded_states_total") == 0)
		s->drops += v;
	else if (strcmp(name, "pfsync_send_errors_total") == 0)
		s->send_errors += v;
	else if (strcmp(name, "pfsyncd_peer_changes_applied_total") == 0) {
		for (i = 0; i < 3; i++)
			if (strstr(labels, ops[i]) != NULL)
				s->applied[i] = v;
	} else if (strcmp(name, "pfsync_states") == 0)
		s->states = v;
	else if (strcmp(name, "pfsync_states_by_creator") == 0)
		top_creator(s, labels, v);
	else if (strcmp(name, "pfsync_bulk_state") == 0 && v == 1)
		top_label(labels, "state", s->bulk, sizeof(s->bulk));
	else if (strcmp(name, "pfsync_bulk_request_try") == 0)
		s->bulk_try = v;
	else if (strcmp(name, "pfsync_peer_last_seen_timestamp_seconds") == 0) {
		if ((i = top_peer(s, labels)) >= 0)
			s->peer[i].last_seen = v;
	} else if (strcmp(name, "pfsync_peer_received_packets_total") == 0) {
		if ((i = top_peer(s, labels)) >= 0)
			s->peer[i].packets = v;
	} else if (strcmp(name, "pfsyncd_info") == 0)
		top_info(s, labels);
}

int ctl_top_parse(const char *text, struct ctl_top_sample *s)
{
	char name[96], labels[256];
	const char *l, *sp, *br, *end;
	bool seen = false;
	size_t n;

	memset(s, 0, sizeof(*s));
	for (l = text; *l != '\0'; l = *end ? end + 1 : end) {
		end = strchr(l, '\n');
		if (end == NULL)
			end = l + strlen(l);
		sp = memchr(l, ' ', (size_t)(end - l));
		if (*l == '#' || sp == NULL)
			continue;
		br = memchr(l, '{', (size_t)(sp - l));
		n = (size_t)((br ? br : sp) - l);
		if (n >= sizeof(name))
			continue;
		memcpy(name, l, n);
		name[n] = '\0';
		labels[0] = '\0';
		if (br != NULL) {
			/* label values hold no space (addresses, hex, words) */
			n = (size_t)(sp - br) < sizeof(labels) - 1
				? (size_t)(sp - br)
				: sizeof(labels) - 1;
			memcpy(labels, br, n);
			labels[n] = '\0';
		}
		top_line(s, name, labels, strtod(sp + 1, NULL));
		seen |= strcmp(name, "pfsync_states") == 0;
	}
	return seen ? 0 : -1;
}

/* --- drawing ---------------------------------------------------------- */

static void top_bar(FILE *out, double part, double whole, unsigned width)
{
	unsigned n = 0, i;

	if (whole > 0 && part > 0)
		n = (unsigned)(part / whole * width + 0.5);
	if (n > width)
		n = width;
	fputc('[', out);
	for (i = 0; i < width; i++)
		fputc(i < n ? '#' : '.', out);
	fputc(']', out);
}

/* Per second between two samples; 0 without a previous one. */
static double top_rate(double cur, double prev, double dt)
{
	return dt > 0 && cur >= prev ? (cur - prev) / dt : 0;
}

static void top_draw_bulk(FILE *out, const struct ctl_top_sample *c,
			  unsigned bar)
{
	fprintf(out, "bulk update: %s", c->bulk[0] ? c->bulk : "?");
	if (strcmp(c->bulk, "pending") == 0) {
		fprintf(out, "  try %.0f/12 ", c->bulk_try);
		top_bar(out, c->bulk_try, 12, bar);
	} else if (strcmp(c->bulk, "done") == 0) {
		fputs("  ", out);
		top_bar(out, 1, 1, bar);
	}
	fputc('\n', out);
}

static void top_draw_rates(FILE *out, const struct ctl_top_sample *p,
			   const struct ctl_top_sample *c)
{
	double dt = p ? (double)(c->t_ms - p->t_ms) / 1000.0 : 0;
	const struct ctl_top_sample *q = p ? p : c;

	fprintf(out,
		"packets/s: in %8.1f  out %8.1f  dropped %6.1f  "
		"send errors %.1f\n",
		top_rate(c->rx, q->rx, dt), top_rate(c->tx, q->tx, dt),
		top_rate(c->drops, q->drops, dt),
		top_rate(c->send_errors, q->send_errors, dt));
	fprintf(out, "applied/s: inserts %6.1f  updates %8.1f  deletes %6.1f\n",
		top_rate(c->applied[0], q->applied[0], dt),
		top_rate(c->applied[1], q->applied[1], dt),
		top_rate(c->applied[2], q->applied[2], dt));
}

static void top_draw_creators(FILE *out, const struct ctl_top_sample *c,
			      unsigned bar)
{
	double max = 0;
	size_t i;

	fprintf(out, "states: %.0f\n", c->states);
	for (i = 0; i < c->ncr; i++)
		if (c->cr[i].n > max)
			max = c->cr[i].n;
	for (i = 0; i < c->ncr; i++) {
		fprintf(out, "  %-8s %s %9.0f ", c->cr[i].id,
			strcmp(c->cr[i].id, c->hostid) == 0 ? "(us)" : "    ",
			c->cr[i].n);
		top_bar(out, c->cr[i].n, max, bar);
		fputc('\n', out);
	}
}

static void top_draw_peers(FILE *out, const struct ctl_top_sample *p,
			   const struct ctl_top_sample *c, double now)
{
	double dt = p ? (double)(c->t_ms - p->t_ms) / 1000.0 : 0;
	double before;
	size_t i, j;

	fprintf(out, "peers: %zu\n", c->npeers);
	for (i = 0; i < c->npeers; i++) {
		before = c->peer[i].packets;
		for (j = 0; p != NULL && j < p->npeers; j++)
			if (strcmp(p->peer[j].addr, c->peer[i].addr) == 0)
				before = p->peer[j].packets;
		fprintf(out,
			"  %-15s last seen %6.1f s ago  %10.0f packets "
			"%8.1f/s\n",
			c->peer[i].addr,
			now > c->peer[i].last_seen ? now - c->peer[i].last_seen
						   : 0.0,
			c->peer[i].packets,
			top_rate(c->peer[i].packets, before, dt));
	}
}

void ctl_top_draw(FILE *out, const struct ctl_top_sample *prev,
		  const struct ctl_top_sample *cur, double now, unsigned width)
{
	unsigned bar = width > 40 + TOP_BAR ? TOP_BAR : width / 4;

	fprintf(out, "pfsyncd %s  hostid 0x%s  syncdev %s\n",
		cur->version[0] ? cur->version : "?",
		cur->hostid[0] ? cur->hostid : "?",
		cur->syncdev[0] ? cur->syncdev : "none");
	top_draw_bulk(out, cur, bar);
	top_draw_rates(out, prev, cur);
	top_draw_creators(out, cur, bar);
	top_draw_peers(out, prev, cur, now);
}

/* --- the loop ------------------------------------------------------------ */

static uint64_t top_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double top_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Ask for `metrics` into a memory file and parse the answer. */
static int top_fetch(const char *sock, struct ctl_top_sample *s)
{
	char *argv[] = {"metrics"}, err[256], *text = NULL;
	int fd, rc = -1;
	off_t len;

	fd = memfd_create("pfsyncctl-top", MFD_CLOEXEC);
	if (fd == -1) {
		fprintf(stderr, "pfsyncctl: memfd: %s\n", strerror(errno));
		return -1;
	}
	if (ctl_client_request(sock, 0, 1, argv, fd, err, sizeof(err)) != 0) {
		fprintf(stderr, "pfsyncctl: %s\n", err);
		goto cleanup;
	}
	len = lseek(fd, 0, SEEK_CUR);
	text = calloc(1, (size_t)len + 1);
	if (text == NULL || pread(fd, text, (size_t)len, 0) != len)
		goto cleanup;
	rc = ctl_top_parse(text, s);
	if (rc == -1)
		fprintf(stderr, "pfsyncctl: not a pfsyncd metrics answer\n");
	s->t_ms = top_now_ms();
cleanup:
	free(text);
	close(fd);
	return rc;
}

static unsigned top_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

static int top_opts(int argc, char *argv[], double *delay, long *count)
{
	char *end;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		errno = 0;
		if (strcmp(argv[i], "-d") == 0) {
			*delay = strtod(argv[i + 1], &end);
			if (errno || *end || *delay < 0.1 || *delay > 3600)
				return -1;
		} else if (strcmp(argv[i], "-n") == 0) {
			*count = strtol(argv[i + 1], &end, 10);
			if (errno || *end || *count < 1)
				return -1;
		} else
			return -1;
	}
	return i == argc ? 0 : -1;
}

int ctl_top_main(const char *sock, int argc, char *argv[])
{
	struct ctl_top_sample s[2];
	bool tty = isatty(STDOUT_FILENO);
	double delay = 1.0;
	long count = 0, n;
	struct timespec ts;

	if (top_opts(argc, argv, &delay, &count) == -1) {
		fputs("usage: pfsyncctl top [-d seconds] [-n count]\n", stderr);
		return 1;
	}
	if (top_fetch(sock, &s[0]) == -1)
		return 1;
	ts.tv_sec = (time_t)delay;
	ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
	for (n = 1; count == 0 || n <= count; n++) {
		nanosleep(&ts, NULL);
		if (top_fetch(sock, &s[n % 2]) == -1)
			return 1;
		fputs(tty ? "\033[H\033[2J" : (n > 1 ? "\n" : ""), stdout);
		ctl_top_draw(stdout, &s[(n + 1) % 2], &s[n % 2], top_wall(),
			     top_width());
		fflush(stdout);
	}
	return 0;
}
