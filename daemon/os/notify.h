/*
 * notify.h - the service manager's readiness protocol (sd_notify(3)),
 * written by hand: one datagram of "KEY=VALUE" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).
 * Without $NOTIFY_SOCKET every call does nothing, so the daemon behaves
 * the same outside systemd.  No libsystemd.
 *
 * pfsyncd sends READY=1 once its sockets are open, STATUS= with the bulk
 * state whenever it changes, RELOADING=1 / READY=1 around a SIGHUP reload
 * and STOPPING=1 on the way out (Type=notify in pfsyncd.service), and
 * WATCHDOG=1 from its event loop when the unit has WatchdogSec=, so a
 * daemon whose loop stalls is restarted.
 */
#ifndef PFSYNCD_NOTIFY_H
#define PFSYNCD_NOTIFY_H

/* Connect to $NOTIFY_SOCKET now, while the path may still be reached
 * (before the privilege drop); 1 done, 0 no $NOTIFY_SOCKET, -1 error. */
int pfsd_notify_open(void);
/* Send the text as one datagram; 1 sent, 0 no $NOTIFY_SOCKET, -1 error. */
int pfsd_notify(const char *text);
/* printf-style pfsd_notify. */
int pfsd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The watchdog: how often to send WATCHDOG=1, in ms (half of
 * $WATCHDOG_USEC, at least 1), or 0 when none is asked of this process
 * (unset, malformed, or $WATCHDOG_PID names another).  _parse is the
 * same from the two values (NULL: unset) and our pid.
 */
unsigned long pfsd_notify_watchdog_ms(void);
unsigned long pfsd_notify_watchdog_parse(const char *usec, const char *pid,
					 long self);

#endif
