/*
 * bulk.c - `bulk` (ask the peers for a full update) and `bulk-done`
 * (status 0 only when no bulk update is awaited, for keepalived's
 * track_script and scripts: pfsyncctl exits 1 otherwise).
 */
#include <errno.h>

#include "pfsync/engine.h"

#include "cmd_priv.h"
#include "backend/backend.h"
#include "daemon.h"

const char *cmd_bulk_word(const struct pfsd_daemon *d)
{
	if (pfs_engine_bulk_sending(d->engine))
		return "sending";
	return pfsd_daemon_synced(d) ? "done" : "pending";
}

int cmd_bulk_done(struct cmd_req *r)
{
	bool done = pfsd_daemon_synced(r->d);

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: bulk-done");
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_json_str(&r->rnd, "bulk", cmd_bulk_word(r->d));
	pfsd_rnd_bool(&r->rnd, "done", done, "bulk update done\n", "");
	pfsd_rnd_close(&r->rnd);
	if (!done && pfs_engine_synced(r->d->engine) &&
	    pfsd_backend_bulk_busy(r->d->bk))
		return cmd_fail(r, EAGAIN,
				"bulk update received, own entries still "
				"being made liberal");
	if (!done && pfs_engine_synced(r->d->engine))
		return cmd_fail(r, EAGAIN,
				"bulk update received, %zu states still "
				"being written to the kernel",
				pfsd_backend_waiting(r->d->bk));
	if (!done)
		return cmd_fail(
		    r, EAGAIN, "bulk update pending (try %u/%u)",
		    pfsd_daemon_bulk_try(r->d, pfsd_daemon_now_ms()),
		    PFS_BULK_MAX_TRIES);
	return 0;
}

int cmd_bulk(struct cmd_req *r)
{
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: bulk");
	pfsd_daemon_bulk(r->d);
	pfsd_rnd_text(&r->rnd, "bulk update requested\n");
	return 0;
}
