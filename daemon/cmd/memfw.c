/*
 * memfw.c - the memory backend's changes from the control socket: add,
 * update (one simulated packet), kill, flush, churn (memfw.h).  With the
 * conntrack backend the kernel's table is the truth and conntrack(8)
 * changes it: dispatch.c refuses these words there.  New states are
 * made by memstate.h, as the churn generator's are.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "backend/churn.h"
#include "cmd_priv.h"
#include "daemon.h"
#include "backend/memstate.h"

#define MEMFW_SEQ_STEP 1448  /* bytes one simulated packet carries */
#define MEMFW_WINDOW   65535 /* the window a state starts with */

struct memfw_add {
	uint8_t proto, af, dir;
	struct pfs_host src, dst;
	char ifname[PFS_IFNAMSIZ];
	bool nosync, have_states;
	uint8_t s1, s2;
};

/* The optional words after `add PROTO SRC DST`. */
static int memfw_add_opts(struct cmd_req *r, int i, struct memfw_add *a)
{
	for (; i < r->argc; i++) {
		const char *w = r->argv[i];

		if (strcmp(w, "in") == 0 || strcmp(w, "out") == 0) {
			a->dir = w[0] == 'i' ? PFS_DIR_IN : PFS_DIR_OUT;
		} else if (strcmp(w, "no-sync") == 0) {
			a->nosync = true;
		} else if (strcmp(w, "if") == 0 && i + 1 < r->argc &&
			   strlen(r->argv[i + 1]) < PFS_IFNAMSIZ) {
			snprintf(a->ifname, sizeof(a->ifname), "%s",
				 r->argv[++i]);
		} else if (strcmp(w, "state") == 0 && i + 1 < r->argc) {
			if (cmd_parse_pair(r->argv[++i], &a->s1, &a->s2) == -1)
				return cmd_fail(r, EINVAL,
						"add: bad state pair \"%s\"",
						r->argv[i]);
			a->have_states = true;
		} else {
			return cmd_fail(r, EINVAL, "add: unexpected \"%s\"", w);
		}
	}
	return 0;
}

static int memfw_add_parse(struct cmd_req *r, struct memfw_add *a)
{
	uint8_t af2;

	memset(a, 0, sizeof(*a));
	a->dir = PFS_DIR_OUT;
	strcpy(a->ifname, "all");
	if (r->argc < 4)
		return cmd_fail(r, EINVAL,
				"usage: add PROTO SRC DST [in|out] "
				"[if IFNAME] [no-sync] "
				"[state SRC:DST]");
	if (cmd_parse_proto(r->argv[1], &a->proto) == -1)
		return cmd_fail(r, EINVAL, "add: bad protocol \"%s\"",
				r->argv[1]);
	if (cmd_parse_host(r->argv[2], &a->af, &a->src) == -1 ||
	    cmd_parse_host(r->argv[3], &af2, &a->dst) == -1 || af2 != a->af)
		return cmd_fail(r, EINVAL, "add: bad address pair %s %s",
				r->argv[2], r->argv[3]);
	return memfw_add_opts(r, 4, a);
}

int cmd_memfw_add(struct cmd_req *r)
{
	struct pfs_state st;
	struct memfw_add a;
	char id[24];
	int e;

	if ((e = memfw_add_parse(r, &a)) != 0)
		return e;
	if (!a.have_states)
		a.s1 = a.s2 = a.proto == IPPROTO_TCP	? PFS_TCPS_ESTABLISHED
			      : a.proto == IPPROTO_ICMP ? 0
							: PFS_UDPS_MULTIPLE;
	pfsd_memstate_new(r->d->engine, r->d->hostid, pfsd_daemon_now_sec(),
			  &st, a.proto, a.s1, a.s2);
	st.af = a.af;
	st.direction = a.dir;
	/* conntrack's original tuple: OUT (lan, ext), IN (ext, lan) */
	st.lan = a.dir == PFS_DIR_IN ? a.dst : a.src;
	st.ext = a.dir == PFS_DIR_IN ? a.src : a.dst;
	st.gwy = st.lan;
	memcpy(st.ifname, a.ifname, sizeof(st.ifname));
	if (a.nosync)
		st.sync_flags |= PFS_SF_NOSYNC;
	if (pfs_engine_insert(r->d->engine, &st, pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "add: %s",
				errno == EEXIST
				    ? "a state with this flow exists"
				    : strerror(errno));
	pfsd_daemon_kick(r->d);
	snprintf(id, sizeof(id), "%016" PRIx64, st.id);
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_str(&r->rnd, "id", "%s\n", id);
	pfsd_rnd_close(&r->rnd);
	return 0;
}

/* One packet from src: src sends a segment, dst acknowledges it. */
static void memfw_one_packet(struct pfs_state *st, uint32_t now)
{
	if (st->proto == IPPROTO_TCP) {
		st->src.seqlo += MEMFW_SEQ_STEP;
		st->src.seqhi =
		    st->src.seqlo +
		    (st->dst.max_win != 0 ? st->dst.max_win : MEMFW_WINDOW);
		st->dst.seqhi =
		    st->dst.seqlo +
		    (st->src.max_win != 0 ? st->src.max_win : MEMFW_WINDOW);
	}
	st->packets[0]++;
	st->bytes[0] += MEMFW_SEQ_STEP;
	st->timeout =
	    pfs_state_timeout_class(st->proto, st->src.state, st->dst.state);
	st->expire = now + pfs_timeout_default(st->timeout);
}

int cmd_memfw_update(struct cmd_req *r)
{
	struct pfs_state *cur, st;
	struct cmd_ref ref;

	if ((r->argc != 2 && r->argc != 4) ||
	    (r->argc == 4 && strcmp(r->argv[2], "state") != 0))
		return cmd_fail(r, EINVAL,
				"usage: update ID[/CREATOR] [state SRC:DST]");
	if (cmd_parse_ref(r->argv[1], &ref) == -1)
		return cmd_fail(r, EINVAL, "update: bad id \"%s\"", r->argv[1]);
	cur = cmd_parse_find(r->d->table, r->d->hostid, &ref);
	if (cur == NULL)
		return cmd_fail(r, ENOENT, "update: no state with id %s",
				r->argv[1]);
	st = *cur;
	if (r->argc == 4 &&
	    cmd_parse_pair(r->argv[3], &st.src.state, &st.dst.state) == -1)
		return cmd_fail(r, EINVAL, "update: bad state pair \"%s\"",
				r->argv[3]);
	memfw_one_packet(&st, pfsd_daemon_now_sec());
	if (pfs_engine_update(r->d->engine, &st, pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "update: %s", strerror(errno));
	pfsd_daemon_kick(r->d);
	return 0;
}

int cmd_memfw_kill(struct cmd_req *r)
{
	struct pfs_state *st;
	struct cmd_ref ref;

	if (r->argc != 2)
		return cmd_fail(r, EINVAL, "usage: kill ID[/CREATOR]");
	if (cmd_parse_ref(r->argv[1], &ref) == -1)
		return cmd_fail(r, EINVAL, "kill: bad id \"%s\"", r->argv[1]);
	st = cmd_parse_find(r->d->table, r->d->hostid, &ref);
	if (st == NULL)
		return cmd_fail(r, ENOENT, "kill: no state with id %s",
				r->argv[1]);
	if (pfs_engine_kill(r->d->engine, st->id, st->creatorid,
			    pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "kill: %s", strerror(errno));
	pfsd_daemon_kick(r->d);
	return 0;
}

int cmd_memfw_flush(struct cmd_req *r)
{
	uint64_t before = pfs_table_count(r->d->table), n;
	const char *ifname = r->argc == 2 ? r->argv[1] : "";

	if (r->argc > 2 || strlen(ifname) >= PFS_IFNAMSIZ)
		return cmd_fail(r, EINVAL, "usage: flush [IFNAME]");
	if (pfs_engine_clear(r->d->engine, ifname, pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "flush: %s", strerror(errno));
	pfsd_daemon_kick(r->d);
	n = before - pfs_table_count(r->d->table);
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_u64(&r->rnd, "flushed", "%" PRIu64 " state%s flushed\n", n,
		     n == 1 ? "" : "s");
	pfsd_rnd_close(&r->rnd);
	return 0;
}

#define MEMFW_CHURN_USAGE "usage: churn RATE [SECONDS] [max N] [stamp] [fill]"

static void memfw_kick(void *d)
{
	pfsd_daemon_kick(d);
}

/* churn RATE [SECONDS] [max N] [stamp] [fill]; churn stop */
int cmd_memfw_churn(struct cmd_req *r)
{
	unsigned rate, secs = 10, max = 10000;
	bool stamp = false, fill = false;
	int i = 2;
	const struct pfsd_churn_env env = {
	    .loop = r->d->loop,
	    .engine = r->d->engine,
	    .table = r->d->table,
	    .hostid = r->d->hostid,
	    .kick = memfw_kick,
	    .arg = r->d,
	};

	if (r->argc == 2 && strcmp(r->argv[1], "stop") == 0) {
		pfsd_churn_free(r->d->churn);
		r->d->churn = NULL;
		return 0;
	}
	if (r->argc < 2 || cmd_parse_uint(r->argv[1], 10000000, &rate) == -1)
		return cmd_fail(r, EINVAL, MEMFW_CHURN_USAGE);
	if (i < r->argc && strcmp(r->argv[i], "max") != 0 &&
	    strcmp(r->argv[i], "stamp") != 0 &&
	    strcmp(r->argv[i], "fill") != 0 &&
	    cmd_parse_uint(r->argv[i++], 86400, &secs) == -1)
		return cmd_fail(r, EINVAL, "churn: bad SECONDS \"%s\"",
				r->argv[i - 1]);
	if (i + 1 < r->argc && strcmp(r->argv[i], "max") == 0) {
		if (cmd_parse_uint(r->argv[i + 1], PFSD_STATE_LIMIT, &max) ==
		    -1)
			return cmd_fail(r, EINVAL, "churn: bad max \"%s\"",
					r->argv[i + 1]);
		i += 2;
	}
	if (i < r->argc && strcmp(r->argv[i], "stamp") == 0) {
		stamp = true;
		i++;
	}
	if (i < r->argc && strcmp(r->argv[i], "fill") == 0) {
		fill = true;
		i++;
	}
	if (i != r->argc)
		return cmd_fail(r, EINVAL, MEMFW_CHURN_USAGE);
	pfsd_churn_free(r->d->churn);
	r->d->churn = pfsd_churn_start(&env, rate, secs, max);
	if (r->d->churn == NULL)
		return cmd_fail(r, errno, "churn: %s", strerror(errno));
	pfsd_churn_set_stamp(r->d->churn, stamp);
	pfsd_churn_set_fill(r->d->churn, fill);
	pfsd_rnd_text(&r->rnd,
		      "churn: %u changes/s for %u s, at most %u states\n", rate,
		      secs, max);
	return 0;
}
