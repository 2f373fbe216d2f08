/*
 * metrics_http.c - the HTTP listener for metrics scrapes (see
 * metrics_http.h).  Each connection reads one request head, queues one
 * whole answer (rendered at once), writes it as the socket takes it, and
 * closes.  A connection has PFSD_MHTTP_TIMEOUT_MS to send its head, and
 * as long again after each write that moved its answer on; one timer
 * on the loop closes those past their deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/log.h"
#include "metrics/metrics_http.h"

struct mhttp_client {
	struct pfsd_mhttp *h;
	int fd;
	bool answering; /* the answer is queued: write, then close */
	uint64_t deadline_ms; /* closed when still open then */
	char in[PFSD_MHTTP_REQ_MAX];
	size_t in_len;
	struct pfsd_out out;
	size_t out_off;
};

struct pfsd_mhttp {
	struct pfsd_loop *loop;
	int fd;
	pfsd_mhttp_render render;
	void *ctx;
	struct mhttp_client *cl[PFSD_MHTTP_MAX_CLIENTS]; /* oldest first */
	size_t ncl;
	int timer; /* loop timer id at the earliest deadline, 0 = none */
	struct pfsd_mhttp_stats stats;
};

static int mhttp_port(const char *s, unsigned long *port)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*port = strtoul(s, &end, 10);
	return errno != 0 || *end != '\0' || *port > 65535 ? -1 : 0;
}

int pfsd_mhttp_parse_addr(const char *s, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || mhttp_port(colon + 1, &port) == -1)
		goto bad;
	hl = (size_t)(colon - s);
	if (hl < 2 || hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		goto bad;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static void mhttp_close(struct mhttp_client *c)
{
	struct pfsd_mhttp *h = c->h;
	size_t i;

	for (i = 0; i < h->ncl && h->cl[i] != c; i++)
		;
	if (i < h->ncl) {
		memmove(&h->cl[i], &h->cl[i + 1],
			(h->ncl - i - 1) * sizeof(h->cl[0]));
		h->ncl--;
	}
	pfsd_loop_del_fd(h->loop, c->fd);
	close(c->fd);
	free(c->out.buf);
	free(c);
}

static void mhttp_on_timer(void *arg);

/* The timer at the earliest deadline, none without clients. */
static void mhttp_arm(struct pfsd_mhttp *h)
{
	uint64_t at = UINT64_MAX;
	size_t i;

	for (i = 0; i < h->ncl; i++)
		if (h->cl[i]->deadline_ms < at)
			at = h->cl[i]->deadline_ms;
	if (h->ncl == 0) {
		if (h->timer > 0)
			pfsd_loop_timer_cancel(h->loop, h->timer);
		h->timer = 0;
	} else if (h->timer > 0)
		pfsd_loop_timer_move(h->loop, h->timer, at);
	else
		h->timer = pfsd_loop_timer_add(h->loop, at, mhttp_on_timer, h);
	if (h->timer < 0)
		h->timer = 0; /* no timer: the next event arms it again */
}

size_t pfsd_mhttp_expire(struct pfsd_mhttp *h, uint64_t now_ms)
{
	size_t i = 0, n = 0;

	while (i < h->ncl) {
		if (h->cl[i]->deadline_ms > now_ms) {
			i++;
			continue;
		}
		mhttp_close(h->cl[i]); /* the list closes up over it */
		n++;
	}
	h->stats.timeouts += n;
	mhttp_arm(h);
	return n;
}

static void mhttp_on_timer(void *arg)
{
	struct pfsd_mhttp *h = arg;

	h->timer = 0; /* fired: the id is spent */
	(void)pfsd_mhttp_expire(h, pfsd_now_ms());
}

/* Does the request (len bytes) start with `p`? */
static bool mhttp_starts(const char *req, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(req, p, n) == 0;
}

int pfsd_mhttp_route(const char *req, size_t len)
{
	if (len >= PFSD_MHTTP_REQ_MAX)
		return 400;
	if (!mhttp_starts(req, len, "GET "))
		return 405;
	if (mhttp_starts(req, len, "GET /metrics ") ||
	    mhttp_starts(req, len, "GET / "))
		return 200;
	return 404;
}

static const char *mhttp_status(int code)
{
	switch (code) {
	case 200:
		return "200 OK";
	case 404:
		return "404 Not Found";
	case 405:
		return "405 Method Not Allowed";
	default:
		return "400 Bad Request";
	}
}

/* The status and body for the request in c->in. */
static void mhttp_answer(struct mhttp_client *c)
{
	struct pfsd_out body = {0};
	const char *ctype = PFSD_METRICS_CTYPE;
	int code = pfsd_mhttp_route(c->in, c->in_len);

	if (code == 200)
		c->h->render(c->h->ctx, &body);
	else {
		ctype = "text/plain; charset=utf-8";
		pfsd_out_printf(&body, "%s\n", mhttp_status(code));
	}
	pfsd_out_printf(&c->out,
			"HTTP/1.0 %s\r\nContent-Type: %s\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n",
			mhttp_status(code), ctype, body.len);
	pfsd_out_write(&c->out, body.buf, body.len);
	free(body.buf);
	c->answering = true;
	c->deadline_ms = pfsd_now_ms() + PFSD_MHTTP_TIMEOUT_MS;
}

/* Write what the socket takes; -1 once done or failed (close it). */
static int mhttp_write(struct mhttp_client *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.buf + c->out_off,
			 c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
		c->deadline_ms = pfsd_now_ms() + PFSD_MHTTP_TIMEOUT_MS;
	}
	return -1;
}

/* Read until the end of the request head (or the buffer is full). */
static int mhttp_read(struct mhttp_client *c)
{
	ssize_t n;

	for (;;) {
		n = recv(c->fd, c->in + c->in_len,
			 sizeof(c->in) - 1 - c->in_len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		if (strstr(c->in, "\r\n\r\n") != NULL ||
		    strstr(c->in, "\n\n") != NULL)
			return 1;
		if (c->in_len == sizeof(c->in) - 1) {
			c->in_len = sizeof(c->in); /* too long: 400 */
			return 1;
		}
	}
}

static void mhttp_on_client(void *arg, int fd, uint32_t events)
{
	struct mhttp_client *c = arg;
	int rc;

	(void)fd;
	if (!c->answering && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		rc = mhttp_read(c);
		if (rc == -1) {
			mhttp_close(c);
			return;
		}
		if (rc == 0)
			return;
		mhttp_answer(c);
		if (c->out.oom ||
		    pfsd_loop_mod_fd(c->h->loop, c->fd, EPOLLOUT) == -1) {
			mhttp_close(c);
			return;
		}
	}
	if (c->answering && mhttp_write(c) == -1)
		mhttp_close(c);
}

/*
 * Room for one more: the oldest connection still reading its head goes
 * (an idle or slow one); an answer under way is never cut.  False when
 * every slot is answering: the newcomer is turned away instead.
 */
static bool mhttp_make_room(struct pfsd_mhttp *h)
{
	size_t i;

	if (h->ncl < PFSD_MHTTP_MAX_CLIENTS)
		return true;
	for (i = 0; i < h->ncl && h->cl[i]->answering; i++)
		;
	if (i == h->ncl) {
		h->stats.refused++;
		return false;
	}
	mhttp_close(h->cl[i]);
	h->stats.evicted++;
	return true;
}

static void mhttp_on_accept(void *arg, int fd, uint32_t events)
{
	struct pfsd_mhttp *h = arg;
	struct mhttp_client *c;
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd == -1)
		return;
	if (!mhttp_make_room(h)) {
		close(cfd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(cfd);
		return;
	}
	c->h = h;
	c->fd = cfd;
	c->deadline_ms = pfsd_now_ms() + PFSD_MHTTP_TIMEOUT_MS;
	if (pfsd_loop_add_fd(h->loop, cfd, EPOLLIN, mhttp_on_client, c) == -1) {
		close(cfd);
		free(c);
		return;
	}
	h->cl[h->ncl++] = c;
	mhttp_arm(h);
}

static int mhttp_listen(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (pfsd_mhttp_parse_addr(addr, &ss, &len) == -1)
		return -1;
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 16) == -1) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct pfsd_mhttp *pfsd_mhttp_new(struct pfsd_loop *loop, const char *addr,
				  pfsd_mhttp_render render, void *ctx)
{
	struct pfsd_mhttp *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->loop = loop;
	h->render = render;
	h->ctx = ctx;
	h->fd = mhttp_listen(addr);
	if (h->fd == -1 ||
	    pfsd_loop_add_fd(loop, h->fd, EPOLLIN, mhttp_on_accept, h) == -1) {
		int e = errno;

		if (h->fd != -1)
			close(h->fd);
		free(h);
		errno = e;
		return NULL;
	}
	return h;
}

void pfsd_mhttp_free(struct pfsd_mhttp *h)
{
	if (h == NULL)
		return;
	while (h->ncl > 0)
		mhttp_close(h->cl[0]);
	if (h->timer > 0)
		pfsd_loop_timer_cancel(h->loop, h->timer);
	pfsd_loop_del_fd(h->loop, h->fd);
	close(h->fd);
	free(h);
}

size_t pfsd_mhttp_clients(const struct pfsd_mhttp *h, size_t *answering)
{
	size_t i, n = 0;

	for (i = 0; i < h->ncl; i++)
		n += h->cl[i]->answering;
	if (answering != NULL)
		*answering = n;
	return h->ncl;
}

const struct pfsd_mhttp_stats *pfsd_mhttp_stats(const struct pfsd_mhttp *h)
{
	return &h->stats;
}

unsigned pfsd_mhttp_port(const struct pfsd_mhttp *h)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(h->fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
