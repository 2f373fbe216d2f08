/*
 * test_metrics.c - the Prometheus rendering (metrics.c) of a daemon with
 * a memory table, peers and a latency histogram; its syntax checked line
 * by line against the text exposition format; the peers table; the HTTP
 * listener answering a real scrape on loopback; `bulk-done` and
 * `metrics` through the command handler.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "cmd/cmd.h"
#include "backend/memstate.h"
#include "control.h"
#include "daemon.h"
#include "loop.h"
#include "metrics/metrics.h"
#include "metrics/metrics_http.h"
#include "net/peers.h"
#include "t.h"

static int null_output(void *ctx, const uint8_t *local, size_t local_len,
		       const uint8_t *wire, size_t wire_len, uint32_t dst)
{
	(void)ctx, (void)local, (void)local_len, (void)wire, (void)wire_len;
	(void)dst;
	return 0;
}

static const struct pfs_engine_ops null_ops = {.output = null_output};

static struct pfsd_daemon *fake_daemon(void)
{
	struct pfsd_daemon *d = calloc(1, sizeof(*d));
	struct pfs_engine_conf ec;

	pfsd_conf_default(&d->conf);
	strcpy(d->conf.syncdev, "sync\"0");
	d->hostid = 0x0a000001;
	d->loop = pfsd_loop_new();
	d->table = pfs_table_new(0, T_HASHKEY);
	pfs_engine_conf_default(&ec);
	ec.hostid = d->hostid;
	d->engine = pfs_engine_new(&ec, d->table, &null_ops, d, pfsd_now_ms());
	return d;
}

static void fake_free(struct pfsd_daemon *d)
{
	pfs_engine_free(d->engine);
	pfs_table_free(d->table);
	pfsd_loop_free(d->loop);
	free(d);
}

static void add_state(struct pfsd_daemon *d, uint64_t id, uint32_t creator)
{
	struct pfs_state st;

	pfsd_memstate_new(d->engine, d->hostid, pfsd_daemon_now_sec(), &st,
			  IPPROTO_UDP, 1, 1);
	st.id = id;
	st.creatorid = creator;
	st.af = AF_INET;
	st.lan.port = (uint16_t)id;
	st.ext.port = 53;
	st.lan.addr.a[0] = 10;
	st.ext.addr.a[0] = 10;
	st.ext.addr.a[3] = 2;
	T_CHECK(pfs_table_insert(d->table, &st) != NULL);
}

/* The value of the sample line that starts with `key ` ("" if none). */
static double sample(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* A metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* ; returns its end. */
static const char *name_end(const char *p)
{
	if (!isalpha((unsigned char)*p) && *p != '_' && *p != ':')
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	return p;
}

/* {name="value",...}: returns the end, NULL on a syntax error. */
static const char *labels_end(const char *p)
{
	if (*p != '{')
		return p;
	for (p++; *p != '}';) {
		p = name_end(p);
		if (p == NULL || p[0] != '=' || p[1] != '"')
			return NULL;
		for (p += 2; *p != '"'; p++) {
			if (*p == '\n' || *p == '\0')
				return NULL;
			if (*p == '\\' && strchr("\\\"n", p[1]) == NULL)
				return NULL;
			if (*p == '\\')
				p++;
		}
		p++;
		if (*p == ',')
			p++;
	}
	return p + 1;
}

/* One line of the text format; `typed` holds the names with # TYPE so
 * far (space separated), so a sample must follow its TYPE. */
static int line_ok(const char *l, size_t len, char *typed, size_t cap)
{
	char name[128], *end;
	const char *p;

	if (strncmp(l, "# HELP ", 7) == 0)
		return name_end(l + 7) != NULL;
	if (strncmp(l, "# TYPE ", 7) == 0) {
		p = name_end(l + 7);
		if (p == NULL || (size_t)(p - l - 7) >= sizeof(name))
			return 0;
		snprintf(name, sizeof(name), " %.*s ", (int)(p - l - 7), l + 7);
		if (strstr(typed, name) != NULL) /* one TYPE per family */
			return 0;
		strncat(typed, name + 1, cap - strlen(typed) - 1);
		return strncmp(p, " counter", 8) == 0 ||
		       strncmp(p, " gauge", 6) == 0 ||
		       strncmp(p, " histogram", 10) == 0;
	}
	p = name_end(l);
	if (p == NULL)
		return 0;
	snprintf(name, sizeof(name), " %.*s ", (int)(p - l), l);
	/* a histogram's _bucket/_sum/_count belong to its family */
	end = strstr(name, "_bucket ");
	if (end == NULL)
		end = strstr(name, "_sum ");
	if (end == NULL)
		end = strstr(name, "_count ");
	if (strstr(typed, name) == NULL && end != NULL)
		strcpy(end, " ");
	if (strstr(typed, name) == NULL)
		return 0;
	p = labels_end(p);
	if (p == NULL || *p != ' ')
		return 0;
	strtod(p + 1, &end);
	return end != p + 1 && end == l + len;
}

static int format_ok(const char *text)
{
	char typed[8192] = " ";
	const char *l = text, *nl;

	while (*l != '\0') {
		nl = strchr(l, '\n');
		if (nl == NULL)
			return 0; /* the last line ends with a newline too */
		if (!line_ok(l, (size_t)(nl - l), typed, sizeof(typed))) {
			fprintf(stderr, "bad line: %.*s\n", (int)(nl - l), l);
			return 0;
		}
		l = nl + 1;
	}
	return 1;
}

/* The peers' dialects: a v6 DEL_C of an unknown state (pfsync-modern.md
 * §1.2-§1.4: header version 6, len 36; section {7, 3 words, count 1}). */
static void test_dialects(void)
{
	static const uint8_t del6[36] = {
	    6, 0, 0, 36, [20] = 7, 3, 0, 1, [24] = 0, 0, 0, 0, 0, 0, 0, 9,
	    0, 0, 0, 9};
	struct pfsd_daemon *d = fake_daemon();
	struct pfs_rx_meta m = {0x0a4d0006, true, 255};
	struct pfs_engine_conf ec = *pfs_engine_conf(d->engine);
	struct pfsd_out o = {0};

	ec.syncdev = true;
	T_EQ(pfs_engine_set_conf(d->engine, &ec, pfsd_now_ms()), 0);
	pfs_engine_input(d->engine, del6, sizeof(del6), &m, pfsd_now_ms());
	pfsd_metrics_render(d, &o, 9500, 1700000000000ull);
	T_CHECK(o.buf != NULL && format_ok(o.buf));
	if (o.buf != NULL) {
		T_EQ(sample(o.buf, "pfsync_peer_dialect_info{peer=\"10.77.0.6\","
				   "dialect=\"v6\",answered=\"v6\"}"),
		     1);
		T_EQ(sample(o.buf, "pfsyncd_bridged_total"), 0);
	}
	free(o.buf);
	fake_free(d);
}

static void test_render(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o = {0};
	const char *t;

	add_state(d, 1, 0x0a000001);
	add_state(d, 2, 0x0b000002);
	add_state(d, 3, 0x0b000002);
	pfsd_latency_record(&d->lat, 10);   /* <= 15 us */
	pfsd_latency_record(&d->lat, 1000); /* <= 1023 us */
	pfsd_latency_record(&d->lat, 1000);
	pfsd_peers_seen(&d->peers, 0x0a4d0002, 5000);
	pfsd_peers_seen(&d->peers, 0x0a4d0002, 7000);
	d->applied[PFS_OP_UPDATE] = 7;
	pfsd_metrics_render(d, &o, 9500, 1700000000000ull);
	T_CHECK(o.buf != NULL && !o.oom);
	if (o.buf == NULL) {
		fake_free(d);
		return;
	}
	t = o.buf;
	T_CHECK(format_ok(t));
	T_EQ(sample(t, "pfsync_states"), 3);
	T_EQ(sample(t, "pfsync_states_by_creator{creator=\"0a000001\"}"), 1);
	T_EQ(sample(t, "pfsync_states_by_creator{creator=\"0b000002\"}"), 2);
	T_EQ(sample(t, "pfsync_received_packets_total{family=\"ipv4\"}"), 0);
	T_EQ(sample(t, "pfsync_discarded_packets_total{reason=\"badttl\"}"), 0);
	T_EQ(sample(t, "pfsyncd_peer_changes_applied_total{op=\"update\"}"), 7);
	T_EQ(sample(t, "pfsyncd_guard_refusals_total{reason=\"clr_own\"}"),
	     0);
	T_EQ(sample(t, "pfsyncd_guard_refusals_total"
		       "{reason=\"peer_expired\"}"),
	     0);
	T_EQ(sample(t, "pfsyncd_peeraddr_total{event=\"refused\"}"), 0);
	T_EQ(sample(t, "pfsync_bulk_synced"), 1);
	T_EQ(sample(t, "pfsync_bulk_state{state=\"done\"}"), 1);
	T_EQ(sample(t, "pfsync_bulk_request_try"), 0);
	/* last packet 2.5 s before wall 1700000000.000 */
	T_CHECK(sample(t, "pfsync_peer_last_seen_timestamp_seconds"
			  "{peer=\"10.77.0.2\"}") == 1699999997.5);
	T_EQ(sample(t, "pfsync_peer_received_packets_total"
		       "{peer=\"10.77.0.2\"}"),
	     2);
	T_EQ(sample(t, "pfsyncd_apply_latency_seconds_bucket{le=\"1.5e-05\"}"),
	     1);
	T_EQ(sample(t, "pfsyncd_apply_latency_seconds_bucket"
		       "{le=\"0.000511\"}"),
	     1);
	T_EQ(sample(t, "pfsyncd_apply_latency_seconds_bucket"
		       "{le=\"0.001023\"}"),
	     3);
	T_EQ(sample(t, "pfsyncd_apply_latency_seconds_bucket{le=\"+Inf\"}"), 3);
	T_CHECK(sample(t, "pfsyncd_apply_latency_seconds_sum") == 0.00201);
	T_EQ(sample(t, "pfsyncd_apply_latency_seconds_count"), 3);
	/* the quote in the syncdev name is escaped */
	T_CHECK(strstr(t, "syncdev=\"sync\\\"0\"") != NULL);
	free(o.buf);
	fake_free(d);
}

/* Cumulative buckets never decrease, and +Inf is the count. */
static void test_histogram_monotonic(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o = {0};
	const char *p;
	double prev = 0, v;
	uint32_t x = 1;
	int i;

	for (i = 0; i < 5000; i++) {
		x = x * 1103515245u + 12345u;
		pfsd_latency_record(&d->lat, x >> (x & 31));
	}
	pfsd_metrics_render(d, &o, 0, 0);
	for (p = strstr(o.buf, "_bucket{"); p != NULL;
	     p = strstr(p + 1, "_bucket{")) {
		v = strtod(strchr(p, ' ') + 1, NULL);
		T_CHECK(v >= prev);
		prev = v;
	}
	T_EQ(prev, 5000);
	free(o.buf);
	fake_free(d);
}

static void test_peers_bounded(void)
{
	struct pfsd_peers ps;
	uint32_t i;

	memset(&ps, 0, sizeof(ps));
	for (i = 0; i < PFSD_PEERS_MAX; i++)
		pfsd_peers_seen(&ps, 100 + i, 1000 + i);
	pfsd_peers_seen(&ps, 100, 5000); /* the first is fresh again */
	pfsd_peers_seen(&ps, 999, 6000); /* evicts 101, the stalest */
	T_EQ(ps.n, PFSD_PEERS_MAX);
	T_EQ(ps.evicted, 1);
	T_CHECK(pfsd_peers_find(&ps, 101) == NULL);
	T_CHECK(pfsd_peers_find(&ps, 999) != NULL);
	T_EQ(pfsd_peers_find(&ps, 100)->packets, 2);
	T_EQ(pfsd_peers_find(&ps, 100)->first_ms, 1000);
}

static void test_parse_addr(void)
{
	struct sockaddr_storage ss;
	socklen_t len;

	T_EQ(pfsd_mhttp_parse_addr("127.0.0.1:9721", &ss, &len), 0);
	T_EQ(ss.ss_family, AF_INET);
	T_EQ(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9721);
	T_EQ(pfsd_mhttp_parse_addr("[::1]:80", &ss, &len), 0);
	T_EQ(ss.ss_family, AF_INET6);
	T_EQ(pfsd_mhttp_parse_addr("::1:80", &ss, &len), -1);
	T_EQ(pfsd_mhttp_parse_addr("127.0.0.1", &ss, &len), -1);
	T_EQ(pfsd_mhttp_parse_addr("127.0.0.1:", &ss, &len), -1);
	T_EQ(pfsd_mhttp_parse_addr("127.0.0.1:65536", &ss, &len), -1);
	T_EQ(pfsd_mhttp_parse_addr("127.0.0.1:-1", &ss, &len), -1);
	T_EQ(pfsd_mhttp_parse_addr("host:80", &ss, &len), -1);
	T_EQ(errno, EINVAL);
}

/* --- a real scrape over loopback, driven by the daemon's loop ----------- */

struct scrape {
	struct pfsd_loop *loop;
	char buf[65536];
	size_t len;
};

static void scrape_rx(void *arg, int fd, uint32_t events)
{
	struct scrape *s = arg;
	ssize_t n;

	(void)events;
	n = recv(fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len,
		 MSG_DONTWAIT);
	if (n > 0) {
		s->len += (size_t)n;
		s->buf[s->len] = '\0';
		return;
	}
	if (n == -1 && errno == EAGAIN)
		return;
	pfsd_loop_stop(s->loop); /* EOF: the answer is complete */
}

static void render_daemon(void *ctx, struct pfsd_out *o)
{
	pfsd_metrics_render_now(ctx, o);
}

/* One request over TCP; the answer (headers and body) in s->buf. */
static void scrape_one(struct pfsd_daemon *d, unsigned port, const char *req,
		       struct scrape *s)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(s, 0, sizeof(*s));
	s->loop = d->loop;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_EQ(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	T_EQ(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	T_EQ(pfsd_loop_add_fd(d->loop, fd, EPOLLIN, scrape_rx, s), 0);
	T_EQ(pfsd_loop_run(d->loop), 0);
	pfsd_loop_del_fd(d->loop, fd);
	close(fd);
}

static void test_http(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_mhttp *h;
	struct scrape s;
	char *body;

	add_state(d, 1, 0x0a000001);
	h = pfsd_mhttp_new(d->loop, "127.0.0.1:0", render_daemon, d);
	T_CHECK(h != NULL);
	if (h == NULL) {
		fake_free(d);
		return;
	}
	scrape_one(d, pfsd_mhttp_port(h),
		   "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &s);
	T_CHECK(strncmp(s.buf, "HTTP/1.0 200 OK\r\n", 17) == 0);
	T_CHECK(strstr(s.buf, "Content-Type: text/plain; version=0.0.4") !=
		NULL);
	body = strstr(s.buf, "\r\n\r\n");
	T_CHECK(body != NULL && format_ok(body + 4));
	T_CHECK(body != NULL && sample(body + 4, "pfsync_states") == 1);
	scrape_one(d, pfsd_mhttp_port(h), "GET /nope HTTP/1.0\r\n\r\n", &s);
	T_CHECK(strncmp(s.buf, "HTTP/1.0 404 ", 13) == 0);
	scrape_one(d, pfsd_mhttp_port(h), "POST / HTTP/1.0\r\n\r\n", &s);
	T_CHECK(strncmp(s.buf, "HTTP/1.0 405 ", 13) == 0);
	pfsd_mhttp_free(h);
	fake_free(d);
}

/* The per-creator walk runs at most once per PFSD_METRICS_WALK_MS (the
 * clock is the render's argument): a render within it reuses the counts,
 * while the total is always the table's. */
static void test_walk_reused(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o = {0};
	const char *a = "pfsync_states_by_creator{creator=\"0a000001\"}";
	const char *b = "pfsync_states_by_creator{creator=\"0b000002\"}";

	add_state(d, 1, 0x0a000001);
	pfsd_metrics_render(d, &o, 10000, 0);
	T_CHECK(o.buf != NULL && sample(o.buf, a) == 1);
	free(o.buf);
	add_state(d, 2, 0x0b000002);
	memset(&o, 0, sizeof(o));
	pfsd_metrics_render(d, &o, 10000 + PFSD_METRICS_WALK_MS - 1, 0);
	T_CHECK(o.buf != NULL && sample(o.buf, "pfsync_states") == 2);
	T_CHECK(o.buf != NULL && sample(o.buf, b) == -1); /* not walked */
	free(o.buf);
	memset(&o, 0, sizeof(o));
	pfsd_metrics_render(d, &o, 10000 + PFSD_METRICS_WALK_MS, 0);
	T_CHECK(o.buf != NULL && sample(o.buf, a) == 1 && sample(o.buf, b) == 1);
	free(o.buf);
	add_state(d, 3, 0x0b000002);
	memset(&o, 0, sizeof(o));
	pfsd_metrics_render(d, &o, 5000, 0); /* a clock behind: walked */
	T_CHECK(o.buf != NULL && sample(o.buf, b) == 2);
	free(o.buf);
	fake_free(d);
}

static void stop_cb(void *arg)
{
	pfsd_loop_stop(arg);
}

/* Handle one batch of the loop's events (the after hook stops it; a
 * timer wakes it when nothing is ready).  Callers pump until what they
 * wait for has happened, so no assertion depends on timing. */
static void pump(struct pfsd_loop *l)
{
	int id = pfsd_loop_timer_add(l, pfsd_now_ms() + 10, stop_cb, l);

	T_CHECK(id > 0);
	pfsd_loop_set_after(l, stop_cb, l);
	T_EQ(pfsd_loop_run(l), 0);
	pfsd_loop_set_after(l, NULL, NULL);
	pfsd_loop_timer_cancel(l, id);
}

/* Pump until h has `want` connections of which `answering` answering. */
static bool pump_until(struct pfsd_loop *l, struct pfsd_mhttp *h,
		       size_t want, size_t answering)
{
	size_t ans = 0;
	int i;

	for (i = 0; i < 1000; i++) {
		if (pfsd_mhttp_clients(h, &ans) == want && ans == answering)
			return true;
		pump(l);
	}
	return false;
}

/* A client of the listener on loopback; a small receive buffer, so that
 * a large answer stays under way while it does not read. */
static int client(unsigned port, const char *req)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_EQ(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (req != NULL)
		T_EQ(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	return fd;
}

/* Is fd still open on the server's side: nothing but data to read now? */
static bool open_still(int fd)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Has the server closed fd: EOF (or a reset) once what it had queued is
 * read?  Blocking reads, bounded by a receive timeout in case it has not. */
static bool closed_by_server(int fd)
{
	struct timeval tv = {.tv_sec = 10};
	char buf[65536];
	ssize_t n;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	return n == 0 || (n == -1 && errno == ECONNRESET);
}

/* An answer far larger than loopback buffers hold (4 MB at most). */
static void render_big(void *ctx, struct pfsd_out *o)
{
	static char line[1024];

	(void)ctx;
	memset(line, '#', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	for (int i = 0; i < 6 * 1024; i++)
		pfsd_out_write(o, line, sizeof(line) - 1);
}

#define REQ "GET /metrics HTTP/1.0\r\n\r\n"

/* A connection that sends no request, or stops reading its answer, is
 * closed PFSD_MHTTP_TIMEOUT_MS later (the clock is expire's argument). */
static void test_http_timeout(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_mhttp *h;
	uint64_t t0 = pfsd_now_ms(), t1;
	int idle, stuck;

	h = pfsd_mhttp_new(d->loop, "127.0.0.1:0", render_big, d);
	T_CHECK(h != NULL);
	if (h == NULL) {
		fake_free(d);
		return;
	}
	idle = client(pfsd_mhttp_port(h), NULL);
	stuck = client(pfsd_mhttp_port(h), REQ);
	T_CHECK(pump_until(d->loop, h, 2, 1));
	t1 = pfsd_now_ms();
	T_EQ(pfsd_mhttp_expire(h, t0 + PFSD_MHTTP_TIMEOUT_MS - 1), 0);
	T_EQ(pfsd_mhttp_clients(h, NULL), 2);
	T_CHECK(open_still(idle));
	T_EQ(pfsd_mhttp_expire(h, t1 + PFSD_MHTTP_TIMEOUT_MS), 2);
	T_EQ(pfsd_mhttp_clients(h, NULL), 0);
	T_EQ(pfsd_mhttp_stats(h)->timeouts, 2);
	T_CHECK(closed_by_server(idle));
	T_CHECK(closed_by_server(stuck));
	close(idle);
	close(stuck);
	pfsd_mhttp_free(h);
	fake_free(d);
}

/* A newcomer takes the place of the oldest connection still reading its
 * request, never of one being answered; with every slot answering it is
 * turned away. */
static void test_http_eviction(void)
{
	struct pfsd_daemon *d = fake_daemon();
	int fd[PFSD_MHTTP_MAX_CLIENTS + 2], i, late;
	struct pfsd_mhttp *h;
	unsigned port;

	h = pfsd_mhttp_new(d->loop, "127.0.0.1:0", render_big, d);
	T_CHECK(h != NULL);
	if (h == NULL) {
		fake_free(d);
		return;
	}
	port = pfsd_mhttp_port(h);
	fd[0] = client(port, REQ); /* answered first: the oldest */
	T_CHECK(pump_until(d->loop, h, 1, 1));
	for (i = 1; i < PFSD_MHTTP_MAX_CLIENTS; i++) {
		fd[i] = client(port, NULL);
		T_CHECK(pump_until(d->loop, h, (size_t)i + 1, 1));
	}
	fd[i] = client(port, NULL);
	for (int k = 0; k < 1000 && pfsd_mhttp_stats(h)->evicted == 0; k++)
		pump(d->loop);
	T_EQ(pfsd_mhttp_stats(h)->evicted, 1);
	/* the one answered is still there, its answer under way */
	T_CHECK(pump_until(d->loop, h, PFSD_MHTTP_MAX_CLIENTS, 1));
	T_CHECK(closed_by_server(fd[1]));  /* the oldest one reading */
	for (i = 2; i <= PFSD_MHTTP_MAX_CLIENTS; i++)
		T_EQ(send(fd[i], REQ, strlen(REQ), 0), (ssize_t)strlen(REQ));
	T_CHECK(pump_until(d->loop, h, PFSD_MHTTP_MAX_CLIENTS,
			   PFSD_MHTTP_MAX_CLIENTS));
	late = client(port, REQ);
	for (int k = 0; k < 1000 && pfsd_mhttp_stats(h)->refused == 0; k++)
		pump(d->loop);
	T_EQ(pfsd_mhttp_stats(h)->refused, 1);
	T_EQ(pfsd_mhttp_stats(h)->evicted, 1);
	T_CHECK(closed_by_server(late));
	T_CHECK(pump_until(d->loop, h, PFSD_MHTTP_MAX_CLIENTS,
			   PFSD_MHTTP_MAX_CLIENTS));
	close(late);
	for (i = 0; i <= PFSD_MHTTP_MAX_CLIENTS; i++)
		close(fd[i]);
	pfsd_mhttp_free(h);
	fake_free(d);
}

static int run(struct pfsd_daemon *d, const char *word, struct pfsd_out *o,
	       char *err)
{
	struct pfsd_ctl_who root = {.uid = 0, .known = true};
	char buf[32], *argv[1] = {buf};

	snprintf(buf, sizeof(buf), "%s", word);
	memset(o, 0, sizeof(*o));

	return pfsd_cmd_handle(d, &root, 1, argv, 0, o, err, 256);
}

static void test_commands(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o;
	char err[256];

	T_EQ(run(d, "bulk-done", &o, err), 0);
	T_CHECK(o.buf != NULL && strcmp(o.buf, "bulk update done\n") == 0);
	free(o.buf);
	d->conf.syncdev[0] = 'x'; /* a bulk request needs a syncdev */
	d->bulk_started = pfsd_now_ms();
	pfs_engine_bulk_request(d->engine, d->bulk_started);
	T_EQ(run(d, "bulk-done", &o, err), EAGAIN);
	T_CHECK(strncmp(err, "bulk update pending", 19) == 0);
	free(o.buf);
	T_EQ(run(d, "metrics", &o, err), 0);
	T_CHECK(o.buf != NULL && format_ok(o.buf));
	T_CHECK(o.buf != NULL && sample(o.buf, "pfsync_bulk_synced") == 0);
	T_CHECK(o.buf != NULL && sample(o.buf, "pfsync_bulk_request_try") == 1);
	free(o.buf);
	fake_free(d);
}

int main(void)
{
	T_RUN(test_render);
	T_RUN(test_dialects);
	T_RUN(test_histogram_monotonic);
	T_RUN(test_peers_bounded);
	T_RUN(test_parse_addr);
	T_RUN(test_http);
	T_RUN(test_walk_reused);
	T_RUN(test_http_timeout);
	T_RUN(test_http_eviction);
	T_RUN(test_commands);
	return t_done();
}
