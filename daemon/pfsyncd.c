/*
 * pfsyncd.c - main: options, config, daemonizing, signals, the loop.
 *
 *   pfsyncd [-d] [-n] [-f file] [-v]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config.h"
#include "daemon.h"
#include "os/log.h"
#include "metrics/metrics.h"
#include "os/privdrop.h"
#include "os/seccomp.h"
#include "loop.h"
#include "os/notify.h"
#include "version.h"

struct main_opts {
	bool foreground;
	bool check;
	bool path_given;
	int verbose;
	const char *path;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: pfsyncd [-d] [-n] [-f file] [-v]\n");
	exit(1);
}

static void main_opts(int argc, char *argv[], struct main_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->path = PFSD_CONF_PATH;
	while ((ch = getopt(argc, argv, "dnf:v")) != -1) {
		switch (ch) {
		case 'd':
			o->foreground = true;
			break;
		case 'n':
			o->check = true;
			break;
		case 'f':
			o->path = optarg;
			o->path_given = true;
			break;
		case 'v':
			o->verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* SIGHUP reloads; SIGTERM and SIGINT end the loop (cleanup in main). */
static void main_on_signal(void *arg, int signo)
{
	struct pfsd_daemon *d = arg;

	if (signo == SIGHUP) {
		log_info("SIGHUP: reloading");
		(void)pfsd_notify("RELOADING=1");
		pfsd_daemon_reload(d);
		(void)pfsd_notify("READY=1");
		pfsd_daemon_notify_status(d);
		return;
	}
	log_info("%s: exiting", strsignal(signo));
	(void)pfsd_notify("STOPPING=1");
	pfsd_loop_stop(d->loop);
}

/* After setup: no new privileges, another user, two capabilities, a
 * syscall filter. */
static int main_sandbox(const struct pfsd_conf *c)
{
	char err[256];

	if (pfsd_notify_open() == -1) /* while its path is reachable */
		log_warn("sd_notify %s", getenv("NOTIFY_SOCKET"));
	if (pfsd_privdrop(c, err, sizeof(err)) == -1 ||
	    (c->seccomp != PFSD_SECCOMP_OFF &&
	     pfsd_seccomp_install(c->seccomp == PFSD_SECCOMP_LOG, err,
				  sizeof(err)) == -1)) {
		log_warnx("%s", err);
		return -1;
	}
	if (!pfsd_privdrop_dedicated(c) &&
	    strcmp(pfsd_privdrop_user(c), "root") != 0)
		log_warnx("user %s is shared with other programs: they may "
			  "read what it may (the key on reload); changes over "
			  "the control socket are root's only",
			  pfsd_privdrop_user(c));
	log_info("running as %s%s", pfsd_privdrop_user(c),
		 c->seccomp == PFSD_SECCOMP_OFF	  ? ", no seccomp filter"
		 : c->seccomp == PFSD_SECCOMP_LOG ? ", seccomp filter logging"
						  : ", seccomp filter on");
	return 0;
}

/* WATCHDOG=1 every half WatchdogSec= from the loop: a stalled loop
 * sends none, and systemd restarts the daemon. */
struct main_wd {
	struct pfsd_loop *loop;
	uint64_t ms;
};

static void main_watchdog(void *arg)
{
	struct main_wd *wd = arg;

	(void)pfsd_notify("WATCHDOG=1");
	if (pfsd_loop_timer_add(wd->loop, pfsd_now_ms() + wd->ms,
				main_watchdog, wd) < 0)
		log_warn("watchdog timer");
}

static void main_metrics(void *ctx, struct pfsd_out *o)
{
	pfsd_metrics_render_now(ctx, o);
}

/* The views of the daemon it serves: commands and metrics. */
static const struct pfsd_daemon_serve main_serve = {
	.command = pfsd_cmd_handle,
	.metrics = main_metrics,
};

static int main_run(const struct pfsd_conf *c, const char *path)
{
	struct pfsd_daemon *d;
	struct pfsd_loop *loop;
	struct main_wd wd;
	int rc;

	loop = pfsd_loop_new();
	if (loop == NULL)
		fatal("event loop");
	d = pfsd_daemon_new(loop, c, path, &main_serve);
	if (d == NULL) {
		pfsd_loop_free(loop);
		return 1;
	}
	if (pfsd_loop_signal(loop, SIGHUP, main_on_signal, d) == -1 ||
	    pfsd_loop_signal(loop, SIGTERM, main_on_signal, d) == -1 ||
	    pfsd_loop_signal(loop, SIGINT, main_on_signal, d) == -1)
		fatal("signals");
	if (main_sandbox(c) == -1) {
		pfsd_daemon_free(d);
		pfsd_loop_free(loop);
		return 1;
	}
	log_info("pfsyncd %s started", PFSD_VERSION);
	/* sockets open, signals routed: ready for systemd (Type=notify) */
	if (pfsd_notify("READY=1") == -1)
		log_warn("sd_notify %s", getenv("NOTIFY_SOCKET"));
	pfsd_daemon_notify_status(d);
	wd.loop = loop;
	wd.ms = pfsd_notify_watchdog_ms();
	if (wd.ms != 0)
		main_watchdog(&wd);
	rc = pfsd_loop_run(loop);
	if (rc == -1)
		log_warn("event loop");
	pfsd_daemon_free(d);
	pfsd_loop_free(loop);
	return rc == -1 ? 1 : 0;
}

int main(int argc, char *argv[])
{
	struct main_opts o;
	struct pfsd_conf c;
	char err[512];
	int level;

	main_opts(argc, argv, &o);
	if (!o.path_given && access(o.path, F_OK) == -1) {
		/* No /etc/pfsyncd.conf: run on defaults, nothing to reload. */
		pfsd_conf_default(&c);
		o.path = NULL;
	} else if (pfsd_conf_parse_file(o.path, &c, err, sizeof(err)) == -1) {
		fprintf(stderr, "pfsyncd: %s\n", err);
		return 1;
	}
	if (o.check) {
		pfsd_conf_print(&c, stdout);
		return 0;
	}
	level = o.verbose > 0 ? LOG_DEBUG : c.log_level;
	log_init(o.foreground, level, "pfsyncd");
	if (geteuid() != 0)
		fatalx("need root privileges");
	/* Keep the cwd (relative config and socket paths); no stdio. */
	if (!o.foreground && daemon(1, 0) == -1)
		fatal("daemon");
	/* SIGPIPE would kill us on a closed control client. */
	signal(SIGPIPE, SIG_IGN);
	return main_run(&c, o.path);
}
