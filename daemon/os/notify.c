/*
 * notify.c - sd_notify by hand (see notify.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "os/notify.h"

/* $NOTIFY_SOCKET as an address: "/path" or "@abstract". -1 if unusable. */
static int notify_addr(const char *name, struct sockaddr_un *sun,
		       socklen_t *len)
{
	size_t n = strlen(name);

	if (n < 2 || n >= sizeof(sun->sun_path) ||
	    (name[0] != '/' && name[0] != '@')) {
		errno = EINVAL;
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@')
		sun->sun_path[0] = '\0'; /* abstract: no NUL at the end */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (name[0] == '/'));
	return 0;
}

/*
 * The socket, connected once before the daemon drops its privileges
 * (pfsd_notify_open): connect() is where the path's permission is
 * checked, so the unprivileged daemon keeps its way to the service
 * manager.  One per process, as $NOTIFY_SOCKET is.
 */
static int notify_fd = -1;

int pfsd_notify_open(void)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (notify_fd != -1 || name == NULL || name[0] == '\0')
		return 0;
	if (notify_addr(name, &sun, &len) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len) == -1) {
		close(fd);
		return -1;
	}
	notify_fd = fd;
	return 1;
}

int pfsd_notify(const char *text)
{
	const char *name = getenv("NOTIFY_SOCKET");
	ssize_t w;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (notify_fd == -1 && pfsd_notify_open() == -1)
		return -1;
	w = send(notify_fd, text, strlen(text), MSG_NOSIGNAL);
	return w == (ssize_t)strlen(text) ? 1 : -1;
}

/* Digits only, no sign or blank, no overflow; -1 otherwise. */
static int notify_ulong(const char *s, unsigned long *v)
{
	unsigned long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (~0UL - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	*v = n;
	return 0;
}

unsigned long pfsd_notify_watchdog_parse(const char *usec, const char *pid,
					 long self)
{
	unsigned long us, p;

	if (notify_ulong(usec, &us) == -1 || us == 0)
		return 0;
	if (pid != NULL &&
	    (notify_ulong(pid, &p) == -1 || p != (unsigned long)self))
		return 0;
	return us / 2000 > 0 ? us / 2000 : 1;
}

unsigned long pfsd_notify_watchdog_ms(void)
{
	return pfsd_notify_watchdog_parse(getenv("WATCHDOG_USEC"),
					  getenv("WATCHDOG_PID"),
					  (long)getpid());
}

int pfsd_notifyf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pfsd_notify(buf);
}
