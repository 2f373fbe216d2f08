/*
 * bench_mem.c - memory per state without a kernel, at 1 M states (or the
 * count given): what pfsyncd holds for each entry on the side whose
 * states they are (A) and on the side that learns them (B).
 *
 *   - sizeof(struct pfs_state) and the table's bytes per state (states
 *     and both indexes, pfs_table_memory);
 *   - A: an engine set up as the daemon's (stock settings: reliable on,
 *     tombstones 600 s) inserts N local states, one at a time as the
 *     conntrack backend does; B: an engine that applies A's packets.
 *     Each runs in a process of its own, joined by a socketpair (B's
 *     answers: the reliable layer's handshake, heartbeats, NACKs), so each
 *     RSS growth per state is that side's own.  A also runs with reliable
 *     off, which shows the share of its resend ring (bounded: at most
 *     32 MiB, whatever N).
 * Neither the kernel's conntrack table nor the daemon's fixed buffers
 * (sockets, the writer's queue) are counted: they do not grow with N.
 * Figures are printed, never asserted.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"
#include "sim.h"

/* a fixed hash key (pfsyncd draws a random one): the same layout each run */
#define BENCH_HASHKEY ((const uint8_t *)"pfsyncd benchkey")

#define HOST_A 0x0a000001u
#define HOST_B 0x0a000002u
#define ADDR_A 0x0a1e0001u
#define ADDR_B 0x0a1e0002u
#define T0     1000000ull

struct side {
	int fd;
	bool nonblock; /* B: answers may be dropped (as on a network) */
	uint64_t now;
};

static long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * sysconf(_SC_PAGESIZE);
}

static int mem_output(void *ctx, const uint8_t *local, size_t llen,
		      const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct side *s = ctx;

	(void)local;
	(void)llen;
	(void)dst;
	if (wire == NULL || s->fd < 0)
		return 0;
	while (send(s->fd, wire, wlen, s->nonblock ? MSG_DONTWAIT : 0) < 0)
		if (errno != EINTR)
			return s->nonblock ? 0 : -1;
	return 0;
}

static const struct pfs_engine_ops mem_ops = {.output = mem_output};

static struct pfs_engine *mem_engine(struct pfs_table *t, uint32_t hostid,
				     bool reliable, struct side *s)
{
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.hostid = hostid;
	c.syncdev = true;
	c.syncpeer = hostid == HOST_A ? ADDR_B : ADDR_A;
	c.tap = true;
	c.reliable = reliable;
	c.tomb_s = 600;
	c.bulk_pkts = 64;
	c.bulk_tick_ms = 1;
	return pfs_engine_new(&c, t, &mem_ops, s, T0);
}

/* Apply what waits on the socket; wait up to ms for the first packet. */
static size_t mem_drain(struct pfs_engine *e, struct side *s, uint32_t from,
			int ms)
{
	struct pfs_rx_meta m = {from, true, PFS_V3_TTL};
	struct pollfd p = {s->fd, POLLIN, 0};
	uint8_t buf[PFS_V3_MTU_MAX];
	size_t n = 0;
	ssize_t len;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	while ((len = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		pfs_engine_input(e, buf, (size_t)len, &m, s->now);
		n++;
	}
	return len == 0 ? n + 1 : n; /* EOF counts as progress */
}

static void mem_timers(struct pfs_engine *e, uint64_t now)
{
	if (pfs_engine_next_timeout(e) <= now)
		pfs_engine_timer(e, now);
}

static void mem_report(const char *what, long before, uint32_t n,
		       const struct pfs_table *t)
{
	long grown = rss_bytes() - before;

	printf("  %-28s %zu states, RSS +%.1f MiB: %.0f B/state "
	       "(table %.0f)\n",
	       what, pfs_table_count(t), (double)grown / 1048576.0,
	       (double)grown / n,
	       (double)pfs_table_memory(t) / (double)pfs_table_count(t));
	fflush(stdout);
}

/* A: n local states inserted one by one, the clock 1 ms per 100. */
static void mem_run_a(int fd, uint32_t n, bool reliable)
{
	struct side s = {fd, false, T0};
	struct pfs_table *t = pfs_table_new(0, BENCH_HASHKEY);
	struct pfs_engine *e = mem_engine(t, HOST_A, reliable, &s);
	struct pfs_state st;
	long before;
	uint32_t i;

	for (i = 0; i < 50 && fd >= 0; i++) { /* the reliable handshake */
		s.now += 10;
		mem_timers(e, s.now);
		(void)mem_drain(e, &s, ADDR_B, 10);
	}
	before = rss_bytes();
	for (i = 1; i <= n; i++) {
		st = sim_state(i, HOST_A);
		st.creation = (uint32_t)(s.now / 1000);
		st.expire = st.creation + 86400;
		(void)pfs_engine_insert(e, &st, s.now);
		if (i % 100 == 0) {
			s.now++;
			mem_timers(e, s.now);
			if (fd >= 0)
				(void)mem_drain(e, &s, ADDR_B, 0);
		}
	}
	pfs_engine_flush(e, s.now);
	for (i = 0; i < 20 && fd >= 0; i++) { /* B's last answers */
		s.now += 10;
		mem_timers(e, s.now);
		(void)mem_drain(e, &s, ADDR_B, 5);
	}
	mem_report(reliable ? "A (local, reliable on)"
			    : "A (local, reliable off)",
		   before, n, t);
	if (fd >= 0)
		close(fd);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* B: applies what A sends until A closes the socket. */
static void mem_run_b(int fd, uint32_t n)
{
	struct side s = {fd, true, T0};
	struct pfs_table *t = pfs_table_new(0, BENCH_HASHKEY);
	struct pfs_engine *e = mem_engine(t, HOST_B, true, &s);
	long before = rss_bytes();
	struct pollfd p = {fd, POLLIN, 0};
	uint8_t buf[PFS_V3_MTU_MAX];
	struct pfs_rx_meta m = {ADDR_A, true, PFS_V3_TTL};
	ssize_t len;

	for (;;) {
		if (poll(&p, 1, 10) == 0) {
			s.now += 10;
			mem_timers(e, s.now);
			continue;
		}
		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0)
			break;
		pfs_engine_input(e, buf, (size_t)len, &m, s.now);
	}
	mem_report("B (a peer's, reliable on)", before, n, t);
	close(fd);
	pfs_engine_free(e);
	pfs_table_free(t);
}

static void mem_pair(uint32_t n)
{
	int sv[2];
	pid_t a, b;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		perror("socketpair");
		exit(1);
	}
	a = fork();
	if (a == 0) {
		close(sv[1]);
		mem_run_a(sv[0], n, true);
		_exit(0);
	}
	b = fork();
	if (b == 0) {
		close(sv[0]);
		mem_run_b(sv[1], n);
		_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	(void)waitpid(a, NULL, 0);
	(void)waitpid(b, NULL, 0);
}

static void mem_alone(uint32_t n)
{
	pid_t a = fork();

	if (a == 0) {
		mem_run_a(-1, n, false);
		_exit(0);
	}
	(void)waitpid(a, NULL, 0);
}

int main(int argc, char *argv[])
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;

	if (n == 0)
		n = 1000000;
	printf("memory per state, N=%u: sizeof(struct pfs_state) %zu\n", n,
	       sizeof(struct pfs_state));
	fflush(stdout);
	mem_pair(n);
	mem_alone(n);
	return 0;
}
