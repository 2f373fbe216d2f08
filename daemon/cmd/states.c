/*
 * states.c - `states`: the state table, one state a line in the shared
 * pfctl-style text (pfsync/format.h, as decode -v prints it; -v adds the
 * detail), or a JSON array of objects.  The answer is streamed
 * (control.h): STATES_PART states per part, walked with a table cursor,
 * so a table of millions is listed in constant memory.  States removed
 * between parts are skipped; states added meanwhile may or may not be
 * listed (pfs_table_next).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/format.h"
#include "pfsync/table.h"

#include "cmd_priv.h"
#include "daemon.h"

#define STATES_PART 2048

struct states_walk {
	struct pfsd_rnd rnd; /* out is swapped for each part */
	struct pfs_table *table;
	bool verbose;
	size_t cursor;
	uint32_t now;
};

static void states_host(struct pfsd_rnd *o, const char *key, uint8_t af,
			const struct pfs_host *h)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, h->addr.a, a,
		      sizeof(a)) == NULL)
		strcpy(a, "?");
	pfsd_rnd_object(o, key);
	pfsd_rnd_json_str(o, "addr", a);
	pfsd_rnd_json_uint(o, "port", h->port);
	pfsd_rnd_close(o);
}

/* The fields JSON has beside the text line. */
static void states_fields(struct pfsd_rnd *o, const struct pfs_state *st,
			  uint32_t now)
{
	char id[24], cr[16], pb[16], s1[16], s2[16];

	snprintf(id, sizeof(id), "%016" PRIx64, st->id);
	snprintf(cr, sizeof(cr), "%08x", st->creatorid);
	pfs_format_proto(pb, sizeof(pb), st->proto);
	pfs_format_peer_state(s1, sizeof(s1), st->proto, st->src.state);
	pfs_format_peer_state(s2, sizeof(s2), st->proto, st->dst.state);
	pfsd_rnd_json_str(o, "id", id);
	pfsd_rnd_json_str(o, "creatorid", cr);
	pfsd_rnd_json_str(o, "ifname", st->ifname[0] ? st->ifname : "all");
	pfsd_rnd_json_uint(o, "af", st->af);
	pfsd_rnd_json_str(o, "proto", pb);
	pfsd_rnd_json_str(o, "direction",
			  st->direction == PFS_DIR_IN ? "in" : "out");
	states_host(o, "lan", st->af, &st->lan);
	states_host(o, "gwy", st->af, &st->gwy);
	states_host(o, "ext", st->af, &st->ext);
	pfsd_rnd_json_str(o, "src_state", s1);
	pfsd_rnd_json_str(o, "dst_state", s2);
	pfsd_rnd_json_uint(o, "src_seqlo", st->src.seqlo);
	pfsd_rnd_json_uint(o, "src_seqhi", st->src.seqhi);
	pfsd_rnd_json_uint(o, "timeout", st->timeout);
	pfsd_rnd_json_i64(o, "age", (int64_t)now - st->creation);
	pfsd_rnd_json_i64(o, "expires_in", (int64_t)st->expire - now);
	pfsd_rnd_array(o, "packets");
	pfsd_rnd_json_u64(o, NULL, st->packets[0]);
	pfsd_rnd_json_u64(o, NULL, st->packets[1]);
	pfsd_rnd_close(o);
}

static void states_one(struct states_walk *w, const struct pfs_state *st)
{
	char line[PFS_FORMAT_LINE_LEN], detail[PFS_FORMAT_DETAIL_LEN];

	pfsd_rnd_object(&w->rnd, NULL);
	if (!w->rnd.json) {
		pfs_format_state_line(line, sizeof(line), st);
		pfsd_rnd_text(&w->rnd, "%s\n", line);
	}
	if (!w->rnd.json && w->verbose) {
		pfs_format_state_detail(detail, sizeof(detail), st, w->now);
		pfsd_rnd_text(&w->rnd, "%s\n", detail);
	}
	states_fields(&w->rnd, st, w->now);
	pfsd_rnd_close(&w->rnd);
}

static int states_more(void *arg, struct pfsd_out *o)
{
	struct states_walk *w = arg;
	const struct pfs_state *st;
	unsigned n = 0;

	w->rnd.out = o;
	while (n++ < STATES_PART &&
	       (st = pfs_table_next(w->table, &w->cursor)) != NULL)
		states_one(w, st);
	if (n <= STATES_PART) { /* the table's end */
		pfsd_rnd_close(&w->rnd);
		return 0;
	}
	return 1;
}

int cmd_states(struct cmd_req *r)
{
	struct states_walk *w;

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: states");
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return cmd_fail(r, ENOMEM, "states: out of memory");
	w->rnd = r->rnd;
	w->table = r->d->table;
	w->verbose = r->verbose;
	w->now = pfsd_daemon_now_sec();
	pfsd_rnd_array(&w->rnd, NULL);
	pfsd_out_stream(w->rnd.out, states_more, free, w);
	return 0;
}
