/*
 * reload.c - `reload`: what SIGHUP does, asked over the control socket.
 *
 * This is systemd's ExecReload: the daemon runs as its own user without
 * CAP_KILL, so kill(1) from the unit (as root without that capability)
 * may not signal it, and kill(1) is procps's, not always installed.  The
 * file and the key are checked first, so that a broken one fails the
 * command and `systemctl reload` says so; the reload itself then runs
 * on SIGHUP's path (with sd_notify's RELOADING=1 and READY=1), raised
 * to ourselves and taken by the loop once this answer is queued: it may
 * replace the control socket the answer goes out on.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cmd_priv.h"
#include "config.h"
#include "net/crypt.h"
#include "daemon.h"

int cmd_reload(struct cmd_req *r)
{
	struct pfsd_conf c;
	char err[512];

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: reload");
	if (r->d->conf_path[0] == '\0') {
		pfsd_rnd_object(&r->rnd, NULL);
		pfsd_rnd_str(&r->rnd, "reload", "%s\n",
			     "no config file: nothing to reload");
		pfsd_rnd_close(&r->rnd);
		return 0;
	}
	if (pfsd_conf_parse_file(r->d->conf_path, &c, err, sizeof(err)) == -1)
		return cmd_fail(r, EINVAL,
				"reload: %s; keeping the running config", err);
	if (c.key[0] != '\0' && pfsd_crypt_check(&c, err, sizeof(err)) == -1)
		return cmd_fail(r, EPERM,
				"reload: %s; keeping the running config", err);
	if (raise(SIGHUP) != 0)
		return cmd_fail(r, errno, "reload: %s", strerror(errno));
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_str(&r->rnd, "reload", "reloading %s\n", r->d->conf_path);
	pfsd_rnd_close(&r->rnd);
	return 0;
}
