/*
 * limit.c - `limit [states N|auto]`: the state limit in force and what it
 * refused, or a new limit for the running daemon, as `limit states` in
 * pfsyncd.conf(5) (a reload puts the file's back, as for pfsync0 WORDS).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/stats.h"

#include "backend/backend.h"
#include "cmd_priv.h"
#include "daemon.h"

/* With conntrack, the writes the kernel refused at nf_conntrack_max
 * too. */
void cmd_limit_show(struct cmd_req *r)
{
	const uint64_t *v = pfs_engine_lim_stats(r->d->engine);
	struct pfsd_rnd *o = &r->rnd;

	pfsd_rnd_uint(o, "limit_states", "limit states: %u ",
		      (unsigned)r->d->state_limit);
	pfsd_rnd_str(o, "limit_states_from", "(%s)\n",
		     r->d->state_limit_why != NULL ? r->d->state_limit_why
						   : "none");
	pfsd_rnd_u64(o, pfs_lim_stat_name(PFS_LIM_PEER),
		     "\t%" PRIu64 " peer states refused at the limit\n",
		     v[PFS_LIM_PEER]);
	pfsd_rnd_u64(o, pfs_lim_stat_name(PFS_LIM_LOCAL),
		     "\t%" PRIu64 " local states refused at the limit\n",
		     v[PFS_LIM_LOCAL]);
	if (pfsd_backend_kernel(r->d->bk))
		pfsd_rnd_u64(o, "ct_table_full",
			     "\t%" PRIu64 " kernel writes refused: conntrack "
			     "table full\n",
			     pfsd_backend_table_full(r->d->bk));
}

int cmd_limit(struct cmd_req *r)
{
	struct pfsd_conf nc = r->d->conf;
	unsigned n = 0;
	char msg[256];

	if (r->argc != 1 && (r->argc != 3 || strcmp(r->argv[1], "states") != 0))
		return cmd_fail(r, EINVAL, "usage: limit [states N|auto]");
	if (r->argc == 3 && strcmp(r->argv[2], "auto") != 0 &&
	    (cmd_parse_uint(r->argv[2], PFSD_LIMIT_STATES_MAX, &n) == -1 ||
	     n == 0))
		return cmd_fail(r, EINVAL,
				"limit states: '%s' is not 1..%u or auto",
				r->argv[2], PFSD_LIMIT_STATES_MAX);
	if (r->argc == 3) {
		nc.limit_states = n;
		if (pfsd_daemon_apply(r->d, &nc, msg, sizeof(msg)) == -1)
			return cmd_fail(r, EINVAL, "%s", msg);
	}
	pfsd_rnd_object(&r->rnd, NULL);
	cmd_limit_show(r);
	pfsd_rnd_close(&r->rnd);
	return 0;
}
