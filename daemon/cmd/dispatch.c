/*
 * dispatch.c - the control commands' table: each word, its handler, who
 * may run it and with which backend; the access check by the client's
 * uid (cmd.h); the request's reply set up for text or JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pfsync/ctlmsg.h"

#include "backend/backend.h"
#include "cmd.h"
#include "cmd_priv.h"
#include "daemon.h"
#include "os/privdrop.h"

/* Who may run a command: anyone who may connect (SHOW), only root or the
 * daemon's dedicated uid (CHANGE), or SHOW without arguments and CHANGE with
 * them (pfsync0 WORDS, latency reset, churn ...). */
enum dsp_access { DSP_SHOW, DSP_CHANGE, DSP_SHOW_BARE };

static const struct {
	const char *word;
	int (*fn)(struct cmd_req *r);
	enum dsp_access access;
	bool memory_only; /* changes the table directly: not the kernel's */
} dsp_table[] = {
    {"stats", cmd_stats, DSP_SHOW, false},
    {"states", cmd_states, DSP_SHOW, false},
    {"bulk", cmd_bulk, DSP_CHANGE, false},
    {"add", cmd_memfw_add, DSP_CHANGE, true},
    {"update", cmd_memfw_update, DSP_CHANGE, true},
    {"kill", cmd_memfw_kill, DSP_CHANGE, true},
    {"flush", cmd_memfw_flush, DSP_CHANGE, true},
    {"churn", cmd_memfw_churn, DSP_CHANGE, true},
    {"version", cmd_info_version, DSP_SHOW, false},
    {"latency", cmd_info_latency, DSP_SHOW_BARE, false},
    {"bulk-done", cmd_bulk_done, DSP_SHOW, false},
    {"metrics", cmd_info_metrics, DSP_SHOW, false},
    {"doctor", cmd_doctor, DSP_SHOW, false},
    {"filter", cmd_filter, DSP_SHOW, false},
    {"limit", cmd_limit, DSP_SHOW_BARE, false},
    {"reload", cmd_reload, DSP_CHANGE, false},
};
#define DSP_N (sizeof(dsp_table) / sizeof(dsp_table[0]))

int cmd_fail(struct cmd_req *r, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return e;
}

/* Besides root, the uid that may change things: the daemon's own when it
 * is an account of its own, not a shared one such as nobody (whatever
 * else runs as nobody must not steer the sync); else none (0). */
static uint32_t dsp_owner(const struct cmd_req *r)
{
	uid_t me = geteuid();

	return me != 0 && pfsd_privdrop_dedicated(&r->d->conf) ? (uint32_t)me
							       : 0;
}

/* A client whose credentials are unknown may not change anything. */
static bool dsp_may_change(const struct cmd_req *r,
			   const struct pfsd_ctl_who *who)
{
	return who != NULL && who->known &&
	       (who->uid == 0 || who->uid == dsp_owner(r));
}

static int dsp_deny(struct cmd_req *r, const struct pfsd_ctl_who *who)
{
	char need[48] = "root";
	uint32_t owner = dsp_owner(r);

	if (owner != 0)
		snprintf(need, sizeof(need), "root or uid %u", (unsigned)owner);
	if (who == NULL || !who->known)
		return cmd_fail(r, EPERM,
				"%s: permission denied (client uid unknown; "
				"changes need %s)",
				r->argv[0], need);
	return cmd_fail(r, EPERM,
			"%s: permission denied (uid %u may only show; "
			"changes need %s)",
			r->argv[0], (unsigned)who->uid, need);
}

static int dsp_check(struct cmd_req *r, const struct pfsd_ctl_who *who,
		     enum dsp_access access)
{
	if (access == DSP_SHOW || (access == DSP_SHOW_BARE && r->argc == 1))
		return 0;
	return dsp_may_change(r, who) ? 0 : dsp_deny(r, who);
}

static int dsp_run(struct cmd_req *r, const struct pfsd_ctl_who *who)
{
	size_t i;
	int e;

	if (strcmp(r->argv[0], r->d->conf.ifname) == 0) {
		e = dsp_check(r, who, DSP_SHOW_BARE);
		return e != 0 ? e : cmd_iface(r);
	}
	for (i = 0; i < DSP_N; i++) {
		if (strcmp(r->argv[0], dsp_table[i].word) != 0)
			continue;
		if (pfsd_backend_kernel(r->d->bk) && dsp_table[i].memory_only)
			return cmd_fail(r, EOPNOTSUPP,
					"%s: not with the conntrack backend "
					"(use conntrack(8))",
					r->argv[0]);
		e = dsp_check(r, who, dsp_table[i].access);
		return e != 0 ? e : dsp_table[i].fn(r);
	}
	return cmd_fail(r, EINVAL, "unknown command \"%s\"", r->argv[0]);
}

int pfsd_cmd_handle(void *ctx, const struct pfsd_ctl_who *who, int argc,
		    char *argv[], unsigned flags, struct pfsd_out *out,
		    char *err, size_t errlen)
{
	struct cmd_req r = {
	    .d = ctx,
	    .argc = argc,
	    .argv = argv,
	    .json = (flags & PFS_CTL_F_JSON) != 0,
	    .verbose = (flags & PFS_CTL_F_VERBOSE) != 0,
	    .err = err,
	    .errlen = errlen,
	};

	pfsd_rnd_init(&r.rnd, out, r.json);
	if (argc < 1)
		return cmd_fail(&r, EINVAL, "no command");
	return dsp_run(&r, who);
}
