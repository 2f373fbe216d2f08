/*
 * client.c - one request/answer exchange with pfsyncd over its control
 * socket (framing in pfsync/ctlmsg.h).  Blocking I/O: pfsyncctl does one
 * thing and waits for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "pfsync/ctlmsg.h"

#define CLIENT_MSG_CAP (PFS_CTL_HDR_LEN + PFS_CTL_MAX_BODY)

static void client_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void client_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		client_err(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		client_err(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		client_err(err, errlen,
			   "cannot connect to %s: %s (is pfsyncd running?)",
			   path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Write all n bytes; -1 on error. */
static int client_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = send(fd, c, n, MSG_NOSIGNAL);
		if (w == -1 && errno == ENOTSOCK)
			w = write(fd, c, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes: 1, 0 on a clean EOF before any byte, -1 else. */
static int client_read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, p + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 && got == 0)
			return 0;
		if (r <= 0) {
			if (r == 0)
				errno = EPROTO;
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

static int client_send(int fd, uint16_t flags, int argc, char *argv[],
		       uint8_t *msg, char *err, size_t errlen)
{
	ssize_t n;

	n = pfs_ctl_encode_request(msg, CLIENT_MSG_CAP, flags, argc, argv);
	if (n < 0) {
		client_err(err, errlen, "request too long (at most %d words)",
			   PFS_CTL_MAX_ARGS);
		return -1;
	}
	if (client_write_all(fd, msg, (size_t)n) == -1) {
		client_err(err, errlen, "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Handle an END body: the final status, with a message for a failure. */
static int client_end(const uint8_t *body, size_t len, char *err, size_t errlen)
{
	int32_t status;

	if (pfs_ctl_decode_end(body, len, &status, err, errlen) == -1) {
		client_err(err, errlen, "malformed answer from pfsyncd");
		return -1;
	}
	if (status != 0 && err[0] == '\0')
		client_err(err, errlen, "%s", strerror(status));
	return status;
}

/* Read one whole message into msg: 1, 0 on EOF before it, -1 on error. */
static int client_read_msg(int fd, uint8_t *msg, struct pfs_ctl_hdr *h)
{
	int rc;

	rc = client_read_full(fd, msg, PFS_CTL_HDR_LEN);
	if (rc != 1)
		return rc;
	if (pfs_ctl_hdr_decode(msg, PFS_CTL_HDR_LEN, h) == -1)
		return -1;
	rc = client_read_full(fd, msg + PFS_CTL_HDR_LEN, h->len);
	if (rc == 0) {
		errno = EPROTO; /* EOF inside a message */
		rc = -1;
	}
	return rc;
}

/* Copy DATA to outfd until END; returns END's status, or -1. */
static int client_answer(int fd, int outfd, uint8_t *msg, char *err,
			 size_t errlen)
{
	const uint8_t *body = msg + PFS_CTL_HDR_LEN;
	struct pfs_ctl_hdr h;
	int rc;

	for (;;) {
		rc = client_read_msg(fd, msg, &h);
		if (rc == 0) {
			client_err(err, errlen,
				   "pfsyncd closed the "
				   "connection without an answer");
			return -1;
		}
		if (rc == -1) {
			client_err(err, errlen, "reading the answer: %s",
				   strerror(errno));
			return -1;
		}
		if (h.type == PFS_CTL_END)
			return client_end(body, h.len, err, errlen);
		if (h.type != PFS_CTL_DATA) {
			client_err(err, errlen,
				   "unexpected message type %u "
				   "from pfsyncd",
				   h.type);
			return -1;
		}
		if (client_write_all(outfd, body, h.len) == -1) {
			client_err(err, errlen, "write: %s", strerror(errno));
			return -1;
		}
	}
}

int ctl_client_request(const char *path, uint16_t flags, int argc, char *argv[],
		       int outfd, char *err, size_t errlen)
{
	uint8_t *msg;
	int fd, rc = -1;

	err[0] = '\0';
	msg = malloc(CLIENT_MSG_CAP);
	if (msg == NULL) {
		client_err(err, errlen, "out of memory");
		return -1;
	}
	fd = client_connect(path, err, errlen);
	if (fd == -1)
		goto cleanup;
	if (client_send(fd, flags, argc, argv, msg, err, errlen) == 0)
		rc = client_answer(fd, outfd, msg, err, errlen);
	close(fd);
cleanup:
	free(msg);
	return rc;
}
