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

#include "notify.h"

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

int pfsd_notify(const char *text)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	ssize_t w;
	int fd;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (notify_addr(name, &sun, &len) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	w = sendto(fd, text, strlen(text), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun, len);
	close(fd);
	return w == (ssize_t)strlen(text) ? 1 : -1;
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
