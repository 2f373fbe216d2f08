/*
 * test_commands.c - the daemon's control commands on a memory table (an
 * engine whose output is recorded, no sockets), the tap's IPv4 header,
 * the raw-socket IP parser and the timeout classes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfsync/ctlmsg.h"
#include "pfsync/engine.h"
#include "pfsync/format.h"
#include "pfsync/table.h"

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "cmd/cmd_priv.h"
#include "control.h"
#include "daemon.h"
#include "metrics/latency.h"
#include "loop.h"
#include "print_v3.h"
#include "t.h"
#include "net/transport.h"
#include "net/tun.h"

static unsigned out_pkts;
static uint8_t out_last_action;

static int rec_output(void *ctx, const uint8_t *local, size_t local_len,
		      const uint8_t *wire, size_t wire_len, uint32_t dst)
{
	(void)ctx;
	(void)wire;
	(void)wire_len;
	(void)dst;
	out_pkts++;
	if (local_len > 2)
		out_last_action = local[2];
	return 0;
}

static const struct pfs_engine_ops rec_ops = {.output = rec_output};

static struct pfsd_daemon *fake_daemon(void)
{
	struct pfsd_daemon *d = calloc(1, sizeof(*d));
	struct pfs_engine_conf ec;

	pfsd_conf_default(&d->conf);
	d->hostid = 0x0a000001;
	d->loop = pfsd_loop_new();
	d->table = pfs_table_new(0, T_HASHKEY);
	pfs_engine_conf_default(&ec);
	ec.hostid = d->hostid;
	ec.tap = true;
	d->engine = pfs_engine_new(&ec, d->table, &rec_ops, d, pfsd_now_ms());
	return d;
}

static void fake_free(struct pfsd_daemon *d)
{
	pfs_engine_free(d->engine);
	pfs_table_free(d->table);
	pfsd_loop_free(d->loop);
	free(d);
}

/* The client of run(): root unless a test says otherwise. */
static struct pfsd_ctl_who run_who = {.uid = 0, .known = true};

/* Run one command line; returns status, output in *o (caller frees).
 * A streamed answer is read to its end, part after part, as the control
 * server does. */
static int run(struct pfsd_daemon *d, unsigned flags, struct pfsd_out *o,
	       char *err, const char *line)
{
	char buf[256], *argv[16], *tok;
	int argc = 0, rc;

	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok(buf, " "); tok != NULL && argc < 16;
	     tok = strtok(NULL, " "))
		argv[argc++] = tok;
	rc = pfsd_cmd_handle(d, &run_who, argc, argv, flags, o, err, 256);
	if (o->more == NULL)
		return rc;
	while (o->more(o->more_arg, o) == 1)
		;
	o->more_free(o->more_arg);
	o->more = NULL;
	return rc;
}

static void test_add_list_kill(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o;
	char err[256], cmd[64];
	uint64_t id;

	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:1234 10.0.0.2:80"), 0);
	T_EQ(o.len, 17);
	id = strtoull(o.buf, NULL, 16);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 1);
	T_CHECK(pfs_table_find_id(d->table, id, 0x0a000001) != NULL);
	T_EQ(run(d, 0, &o, err, "states"), 0);
	T_CHECK(o.buf != NULL &&
		strcmp(o.buf, "all tcp 10.0.0.1:1234 -> 10.0.0.2:80       "
			      "ESTABLISHED:ESTABLISHED\n") == 0);
	free(o.buf);
	T_EQ(run(d, PFS_CTL_F_JSON, &o, err, "states"), 0);
	T_CHECK(o.buf != NULL && o.buf[0] == '[' &&
		strstr(o.buf, "\"proto\":\"tcp\"") != NULL);
	free(o.buf);
	out_pkts = 0;
	snprintf(cmd, sizeof(cmd), "kill %016llx", (unsigned long long)id);
	T_EQ(run(d, 0, &o, err, cmd), 0);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 0);
	pfs_engine_flush(d->engine, pfsd_now_ms());
	T_CHECK(out_pkts >= 1);
	T_EQ(run(d, 0, &o, err, "kill 0123456789abcdef"), ENOENT);
	T_CHECK(strcmp(err, "kill: no state with id 0123456789abcdef") == 0);
	free(o.buf);
	fake_free(d);
}

/* Ids are unique per creator: ID/CREATOR names one state exactly. */
static void test_kill_by_creator(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfs_state st, *mine;
	struct pfsd_out o;
	char err[256], cmd[64];
	uint64_t id;

	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:1234 10.0.0.2:80"), 0);
	id = strtoull(o.buf, NULL, 16);
	free(o.buf);
	mine = pfs_table_find_id(d->table, id, 0x0a000001);
	T_CHECK(mine != NULL);
	if (mine == NULL) {
		fake_free(d);
		return;
	}
	st = *mine; /* a peer's state with the same id, another flow */
	st.creatorid = 0x0b000002;
	st.lan.port = 4321;
	T_CHECK(pfs_table_insert(d->table, &st) != NULL);
	snprintf(cmd, sizeof(cmd), "kill %llx/0b000002",
		 (unsigned long long)id);
	T_EQ(run(d, 0, &o, err, cmd), 0);
	free(o.buf);
	T_CHECK(pfs_table_find_id(d->table, id, 0x0b000002) == NULL);
	T_CHECK(pfs_table_find_id(d->table, id, 0x0a000001) != NULL);
	snprintf(cmd, sizeof(cmd), "update %llx/0a000001 state 9:9",
		 (unsigned long long)id);
	T_EQ(run(d, 0, &o, err, cmd), 0);
	free(o.buf);
	mine = pfs_table_find_id(d->table, id, 0x0a000001);
	T_CHECK(mine != NULL && mine->src.state == 9);
	T_EQ(run(d, 0, &o, err, "kill 1/0c000003"), ENOENT);
	T_CHECK(strcmp(err, "kill: no state with id 1/0c000003") == 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "kill 1/123456789"), EINVAL); /* > 32 bits */
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "kill 1/"), EINVAL);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "kill -1"), EINVAL);
	free(o.buf);
	fake_free(d);
}

static void test_update_advances(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o;
	struct pfs_state *st;
	char err[256], cmd[80];
	uint64_t id;
	uint32_t seq;

	T_EQ(run(d, 0, &o, err, "add tcp [fd00::1]:1 [fd00::2]:2 in"), 0);
	id = strtoull(o.buf, NULL, 16);
	free(o.buf);
	st = pfs_table_find_id(d->table, id, d->hostid);
	T_CHECK(st != NULL);
	if (st == NULL)
		return;
	T_EQ(st->af, AF_INET6);
	T_EQ(st->direction, PFS_DIR_IN);
	seq = st->src.seqlo;
	snprintf(cmd, sizeof(cmd), "update %llx state FIN_WAIT_2:TIME_WAIT",
		 (unsigned long long)id);
	T_EQ(run(d, 0, &o, err, cmd), 0);
	free(o.buf);
	T_EQ(st->src.seqlo, seq + 1448);
	T_EQ(st->src.state, PFS_TCPS_FIN_WAIT_2);
	T_EQ(st->dst.state, PFS_TCPS_TIME_WAIT);
	T_EQ(st->timeout, PFS_TM_TCP_CLOSED);
	fake_free(d);
}

static void test_errors_and_flush(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out o;
	char err[256];

	T_EQ(run(d, 0, &o, err, "add sctp 1.2.3.4 5.6.7.8"), EINVAL);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "add tcp 1.2.3.4:1 [fd00::1]:2"), EINVAL);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "add udp 1.2.3.4:1 5.6.7.8:2 state X:Y"),
	     EINVAL);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "frobnicate"), EINVAL);
	T_CHECK(strstr(err, "unknown command") != NULL);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "add udp 1.2.3.4:1 5.6.7.8:2 if eth0"), 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "add 47 1.2.3.4 5.6.7.8 no-sync"), 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err,
		 "add tcp 1.2.3.4:1 5.6.7.9:2 state PROXY:SRC:PROXY:DST"),
	     0);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 3);
	T_EQ(run(d, 0, &o, err, "flush"), 0);
	T_CHECK(o.buf != NULL && strcmp(o.buf, "3 states flushed\n") == 0);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 0);
	fake_free(d);
}

static void test_tun_header(void)
{
	uint8_t h[PFSD_TUN_IPHDR];
	uint32_t sum = 0;
	size_t i;

	pfsd_tun_ip_header(h, 36, 0x1234, 0x0a000001, 0xe00000f0);
	T_EQ(h[0], 0x45);
	T_EQ(h[1], 0x10);
	T_EQ(h[2] << 8 | h[3], 56);
	T_EQ(h[6], 0x40);
	T_EQ(h[8], 255);
	T_EQ(h[9], 240);
	T_EQ(h[16], 224);
	T_EQ(h[19], 240);
	for (i = 0; i < sizeof(h); i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	T_EQ(sum, 0xffff); /* a valid header sums to all ones */
}

static void test_parse_ip(void)
{
	uint8_t p[64];
	const uint8_t *pl;
	size_t plen;
	uint32_t src;
	uint8_t ttl;

	pfsd_tun_ip_header(p, 10, 1, 0x0a000002, 0xe00000f0);
	memset(p + 20, 0xab, 10);
	T_EQ(pfsd_transport_parse_ip(p, 30, &src, &ttl, &pl, &plen), 0);
	T_EQ(src, 0x0a000002);
	T_EQ(ttl, 255);
	T_EQ(plen, 10);
	T_CHECK(pl == p + 20);
	/* trailing bytes beyond tot_len are not payload */
	T_EQ(pfsd_transport_parse_ip(p, 40, &src, &ttl, &pl, &plen), 0);
	T_EQ(plen, 10);
	T_EQ(pfsd_transport_parse_ip(p, 19, &src, &ttl, &pl, &plen), -1);
	p[9] = 6;
	T_EQ(pfsd_transport_parse_ip(p, 30, &src, &ttl, &pl, &plen), -1);
	p[9] = 240;
	p[0] = 0x4f; /* ihl 60 > 30 bytes read */
	T_EQ(pfsd_transport_parse_ip(p, 30, &src, &ttl, &pl, &plen), -1);
}

static void test_timeout_classes(void)
{
	T_EQ(pfs_state_timeout_class(IPPROTO_TCP, 4, 4),
	     PFS_TM_TCP_ESTABLISHED);
	T_EQ(pfs_state_timeout_class(IPPROTO_TCP, 2, 0), PFS_TM_TCP_OPENING);
	T_EQ(pfs_state_timeout_class(IPPROTO_TCP, 9, 4), PFS_TM_TCP_FIN_WAIT);
	T_EQ(pfs_state_timeout_class(IPPROTO_UDP, 1, 0),
	     PFS_TM_UDP_FIRST_PACKET);
	T_EQ(pfs_state_timeout_class(IPPROTO_UDP, 2, 2), PFS_TM_UDP_MULTIPLE);
	T_EQ(pfs_state_timeout_class(47, 1, 1), PFS_TM_OTHER_SINGLE);
	T_EQ(pfs_timeout_default(PFS_TM_TCP_ESTABLISHED), 86400);
	T_EQ(pfs_timeout_default(PFS_TM_MAX), 0);
}

/* ctl_print_state of the state as it would travel (times relative). */
static char *decode_text(const struct pfs_state *st, uint32_t now)
{
	struct pfs_state w = *st;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	w.creation = now - st->creation;
	w.expire = st->expire > now ? st->expire - now : 0;
	ctl_print_state(f, &w, CTL_PRINT_V, "");
	fclose(f);
	return text;
}

/* `states -v` and `decode -v` print the same text for the same state:
 * inbound rdr-less UDP on an interface, and outbound TCP on IPv6. */
static void test_states_text_matches_decode(void)
{
	static const char *const adds[] = {
	    "add udp 10.9.0.1:5353 10.9.0.2:53 in if eth1 "
	    "state SINGLE:MULTIPLE",
	    "add tcp [fd00::1]:40000 [fd00::2]:443 state SYN_SENT:LISTEN",
	};
	struct pfsd_daemon *d = fake_daemon();
	const struct pfs_state *st;
	struct pfsd_out o;
	char err[256], *want;
	uint32_t now;
	size_t i, cur;

	for (i = 0; i < 2; i++) {
		T_EQ(run(d, 0, &o, err, "flush"), 0);
		free(o.buf);
		T_EQ(run(d, 0, &o, err, adds[i]), 0);
		free(o.buf);
		cur = 0;
		st = pfs_table_next(d->table, &cur);
		T_CHECK(st != NULL);
		if (st == NULL)
			break;
		/* the second must not tick between the two prints */
		for (;;) {
			now = pfsd_daemon_now_sec();
			T_EQ(run(d, PFS_CTL_F_VERBOSE, &o, err, "states"), 0);
			if (now == pfsd_daemon_now_sec())
				break;
			free(o.buf);
		}
		want = decode_text(st, now);
		T_CHECK(o.buf != NULL && strcmp(o.buf, want) == 0);
		if (o.buf != NULL && strcmp(o.buf, want) != 0)
			fprintf(stderr, "states:\n%sdecode:\n%s", o.buf, want);
		free(want);
		free(o.buf);
	}
	T_EQ(run(d, 0, &o, err, "states"), 0);
	T_CHECK(o.buf != NULL &&
		strcmp(o.buf, "all tcp [fd00::1]:40000 -> [fd00::2]:443       "
			      "SYN_SENT:LISTEN\n") == 0);
	free(o.buf);
	fake_free(d);
}

/* bulk-retry in force sets the pace of "try N/12": one try per interval
 * since the request (it was the engine's silent-wait count, 1/12 for as
 * long as the engine timer had not run, whatever bulk-retry said). */
static void test_bulk_try_follows_retry(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfs_engine_conf ec = *pfs_engine_conf(d->engine);
	uint64_t now = pfsd_now_ms();
	struct pfsd_out o;
	char err[256];

	ec.bulk_retry_ms = 1000;
	T_EQ(pfs_engine_set_conf(d->engine, &ec, now), 0);
	d->conf.syncdev[0] = 'x';
	pfs_engine_bulk_request(d->engine, now);
	d->bulk_started = now - 2500;
	T_EQ(run(d, 0, &o, err, "bulk-done"), EAGAIN);
	T_CHECK(strcmp(err, "bulk update pending (try 3/12)") == 0);
	T_EQ(o.len, 0);
	free(o.buf);
	T_EQ(run(d, PFS_CTL_F_JSON, &o, err, "bulk-done"), EAGAIN);
	T_CHECK(o.buf != NULL &&
		strcmp(o.buf, "{\"bulk\":\"pending\",\"done\":false}\n") == 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "metrics"), 0);
	T_CHECK(o.buf != NULL &&
		strstr(o.buf, "\npfsync_bulk_request_try 3\n") != NULL);
	free(o.buf);
	d->bulk_started = now - 60000; /* past the last try */
	T_EQ(run(d, 0, &o, err, "bulk-done"), EAGAIN);
	T_CHECK(strcmp(err, "bulk update pending (try 12/12)") == 0);
	free(o.buf);
	ec.bulk_retry_ms = 30000; /* a reload to a slower retry */
	T_EQ(pfs_engine_set_conf(d->engine, &ec, now), 0);
	T_EQ(run(d, 0, &o, err, "bulk-done"), EAGAIN);
	T_CHECK(strcmp(err, "bulk update pending (try 3/12)") == 0);
	free(o.buf);
	fake_free(d);
}

/* Each show command works for a client that may only show. */
static void check_shows(struct pfsd_daemon *d)
{
	/* (stats reads the transport, which this daemon has none of) */
	static const char *const shows[] = {"states", "version", "latency",
					    "bulk-done", "metrics"};
	struct pfsd_out o;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(shows) / sizeof(shows[0]); i++) {
		T_EQ(run(d, 0, &o, err, shows[i]), 0);
		T_CHECK(o.len > 0);
		free(o.buf);
	}
}

/* Each change is refused to a client that may only show, with a clear
 * message, and leaves the table as it was. */
static void check_changes_refused(struct pfsd_daemon *d, const char *why)
{
	static const char *const changes[] = {
	    "add tcp 10.0.0.1:1 10.0.0.2:2",
	    "update 1",
	    "kill 1",
	    "flush",
	    "churn 10",
	    "churn stop",
	    "bulk",
	    "latency reset",
	    "pfsync0 maxupd 100",
	    "pfsync0 down",
	    "reload",
	};
	struct pfsd_out o;
	char err[256], want[128];
	size_t i, n = pfs_table_count(d->table);

	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		T_EQ(run(d, 0, &o, err, changes[i]), EPERM);
		T_EQ(o.len, 0);
		snprintf(want, sizeof(want), "%.*s: permission denied (%s",
			 (int)strcspn(changes[i], " "), changes[i], why);
		T_CHECK(strncmp(err, want, strlen(want)) == 0);
		free(o.buf);
	}
	T_EQ(pfs_table_count(d->table), n);
	T_EQ(d->conf.maxupd, 128);
	T_CHECK(d->churn == NULL);
}

/* Changes need root or the daemon's uid (SO_PEERCRED); shows do not. */
static void test_access_by_uid(void)
{
	struct pfsd_daemon *d = fake_daemon();
	uint32_t other = geteuid() == 65534 ? 65533 : 65534;
	struct pfsd_out o;
	char err[256], why[64];

	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.9:9 10.0.0.8:8"), 0);
	free(o.buf);
	run_who = (struct pfsd_ctl_who){.uid = other, .known = true};
	check_shows(d);
	/* the daemon's uid is named when it is not root and an account of
	 * its own (conf.user "": pfsyncd) */
	if (geteuid() == 0)
		snprintf(why, sizeof(why),
			 "uid %u may only show; changes need root)", other);
	else
		snprintf(why, sizeof(why),
			 "uid %u may only show; changes need "
			 "root or uid %u)",
			 other, (unsigned)geteuid());
	check_changes_refused(d, why);
	run_who = (struct pfsd_ctl_who){.uid = 0, .known = false};
	check_shows(d);
	check_changes_refused(d, "client uid unknown");
	run_who = (struct pfsd_ctl_who){.uid = geteuid(), .known = true};
	if (geteuid() != 0) {
		/* a shared account (nobody): its uid may only show */
		snprintf(d->conf.user, sizeof(d->conf.user), "nobody");
		T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:1 10.0.0.2:2"),
		     EPERM);
		free(o.buf);
		d->conf.user[0] = '\0';
	}
	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:1 10.0.0.2:2"), 0);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 2);
	run_who = (struct pfsd_ctl_who){.uid = 0, .known = true};
	T_EQ(run(d, 0, &o, err, "flush"), 0);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 0);
	fake_free(d);
}

/* One description, two renderings: latency -v's text and JSON carry the
 * same numbers (a quantile's bound is capped at the largest delay seen),
 * and the text is the one pfsyncctl always printed. */
static void test_latency_text_and_json(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfsd_out t, j;
	char err[256];

	pfsd_latency_record(&d->lat, 5);
	pfsd_latency_record(&d->lat, 5);
	pfsd_latency_record(&d->lat, 100);
	pfsd_latency_record(&d->lat, 3000);
	T_EQ(run(d, PFS_CTL_F_VERBOSE, &t, err, "latency"), 0);
	T_EQ(run(d, PFS_CTL_F_JSON, &j, err, "latency"), 0);
	T_CHECK(t.buf != NULL &&
		strcmp(t.buf,
		       "latency: 4 stamped changes applied, mean 777 us, "
		       "max 3000 us\n"
		       "\tp50 <= 5 us\n"
		       "\tp90 <= 3000 us\n"
		       "\tp99 <= 3000 us\n"
		       "\tp999 <= 3000 us\n"
		       "\t<=          5 us            2\n"
		       "\t<=        103 us            1\n"
		       "\t<=       3071 us            1\n") == 0);
	T_CHECK(j.buf != NULL &&
		strcmp(j.buf, "{\"count\":4,\"mean_us\":777,\"max_us\":3000,"
			      "\"p50_us\":5,\"p90_us\":3000,\"p99_us\":3000,"
			      "\"p999_us\":3000,"
			      "\"buckets\":[[5,2],[103,1],[3071,1]]}\n") == 0);
	free(t.buf);
	free(j.buf);
	/* nothing measured: one text line; JSON keeps every key */
	pfsd_latency_reset(&d->lat);
	T_EQ(run(d, 0, &t, err, "latency"), 0);
	T_CHECK(t.buf != NULL &&
		strcmp(t.buf, "latency: 0 stamped changes applied\n") == 0);
	free(t.buf);
	T_EQ(run(d, PFS_CTL_F_JSON, &j, err, "latency"), 0);
	T_CHECK(j.buf != NULL &&
		strcmp(j.buf, "{\"count\":0,\"mean_us\":0,\"max_us\":0,"
			      "\"p50_us\":0,\"p90_us\":0,\"p99_us\":0,"
			      "\"p999_us\":0,\"buckets\":[]}\n") == 0);
	free(j.buf);
	fake_free(d);
}

/* The security line of `pfsync0` (cmd_iface_security), text or JSON. */
static char *security(struct pfsd_daemon *d, bool json)
{
	struct pfsd_out o = {0};
	struct cmd_req r = {.d = d, .json = json};

	pfsd_rnd_init(&r.rnd, &o, json);
	pfsd_rnd_object(&r.rnd, NULL);
	cmd_iface_security(&r);
	pfsd_rnd_close(&r.rnd);
	return o.buf;
}

static void check_security(struct pfsd_daemon *d, const char *text,
			   const char *json)
{
	char *t = security(d, false), *j = security(d, true);

	T_CHECK(t != NULL && strcmp(t, text) == 0);
	T_CHECK(j != NULL && strcmp(j, json) == 0);
	if (t != NULL && strcmp(t, text) != 0)
		fprintf(stderr, "got %s", t);
	free(t);
	free(j);
}

/* Unsealed with the conntrack backend, the line says who can write the
 * kernel's table; sealed, or with the memory backend, it does not. */
static void test_iface_security(void)
{
	struct pfsd_daemon *d = fake_daemon();
	int dummy;

	strcpy(d->conf.syncdev, "sync0");
	check_security(d, "\tsecurity: unsealed\n",
		       "{\"security\":\"unsealed\",\"security_warning\":\"\"}\n");
	d->bk = pfsd_backend_new(PFSD_BACKEND_CONNTRACK); /* not started */
	T_CHECK(d->bk != NULL);
	T_CHECK(pfsd_daemon_unsealed(d));
	check_security(d,
		       "\tsecurity: unsealed (any host on sync0 can insert "
		       "states)\n",
		       "{\"security\":\"unsealed\",\"security_warning\":"
		       "\"any host on sync0 can insert states\"}\n");
	d->crypt = (struct pfsd_crypt *)(void *)&dummy; /* only its presence */
	T_CHECK(!pfsd_daemon_unsealed(d));
	check_security(d, "\tsecurity: sealed\n",
		       "{\"security\":\"sealed\",\"security_warning\":\"\"}\n");
	d->crypt = NULL;
	d->conf.syncdev[0] = '\0'; /* receive off: nothing is taken in */
	T_CHECK(!pfsd_daemon_unsealed(d));
	check_security(d, "\tsecurity: unsealed\n",
		       "{\"security\":\"unsealed\",\"security_warning\":\"\"}\n");
	pfsd_backend_free(d->bk);
	fake_free(d);
}

/* limit: the limit in force and its refusals; a local add at the limit
 * fails as pf's would (ENOMEM) and is counted; bad words are refused
 * before anything changes. */
static void test_limit_show(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct pfs_engine_conf ec = *pfs_engine_conf(d->engine);
	struct pfsd_out o;
	char err[256];

	ec.max_states = 2;
	T_EQ(pfs_engine_set_conf(d->engine, &ec, pfsd_now_ms()), 0);
	d->state_limit = 2;
	d->state_limit_why = "configured";
	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:1 10.0.0.2:80"), 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:2 10.0.0.2:80"), 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "add tcp 10.0.0.1:3 10.0.0.2:80"), ENOMEM);
	free(o.buf);
	T_EQ(pfs_table_count(d->table), 2);
	T_EQ(run(d, 0, &o, err, "limit"), 0);
	T_CHECK(o.buf != NULL &&
		strcmp(o.buf, "limit states: 2 (configured)\n"
			      "\t0 peer states refused at the limit\n"
			      "\t1 local states refused at the limit\n") == 0);
	free(o.buf);
	T_EQ(run(d, PFS_CTL_F_JSON, &o, err, "limit"), 0);
	T_CHECK(o.buf != NULL &&
		strcmp(o.buf, "{\"limit_states\":2,\"limit_states_from\":"
			      "\"configured\",\"state_limit\":0,"
			      "\"state_limit_local\":1}\n") == 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "limit states 0"), EINVAL);
	T_CHECK(strcmp(err, "limit states: '0' is not 1..1073741824 or "
			    "auto") == 0);
	free(o.buf);
	T_EQ(run(d, 0, &o, err, "limit frags 10"), EINVAL);
	T_CHECK(strcmp(err, "usage: limit [states N|auto]") == 0);
	free(o.buf);
	T_EQ(d->state_limit, 2);
	fake_free(d);
}

int main(void)
{
	T_RUN(test_add_list_kill);
	T_RUN(test_kill_by_creator);
	T_RUN(test_update_advances);
	T_RUN(test_errors_and_flush);
	T_RUN(test_states_text_matches_decode);
	T_RUN(test_tun_header);
	T_RUN(test_parse_ip);
	T_RUN(test_timeout_classes);
	T_RUN(test_bulk_try_follows_retry);
	T_RUN(test_access_by_uid);
	T_RUN(test_latency_text_and_json);
	T_RUN(test_iface_security);
	T_RUN(test_limit_show);
	return t_done();
}
