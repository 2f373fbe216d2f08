/*
 * control.c - the control socket server of pfsyncd.
 *
 * A non-blocking Unix stream listener; access control is the socket's file
 * mode.  Each client has a read buffer that assembles one framed message
 * (pfsync/ctlmsg.h) at a time and an output queue of encoded DATA and END
 * messages, drained when the socket is writable.  A malformed frame is
 * answered with END(EPROTO) and the connection is closed once that is
 * flushed.  A client whose queue grows past PFSD_CTL_MAX_QUEUE (it does not
 * read, or asked for too much) is dropped: backpressure, not memory growth.
 * When all CTL_MAX_CLIENTS slots are taken, a new client takes the slot
 * of the one that has made no progress for the longest time.  The last
 * CTL_ROOT_SLOTS slots are root's: other uids only ever evict each other,
 * so a user who may only show, connecting in a loop, cannot close
 * keepalived's check (root) before it is answered.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "os/log.h"
#include "pfsync/ctlmsg.h"

#define CTL_MAX_CLIENTS 64
#define CTL_ROOT_SLOTS	4
#define CTL_IN_CAP	(PFS_CTL_HDR_LEN + PFS_CTL_MAX_BODY)
/* Room for the NUL-terminated copies of every argument of one request. */
#define CTL_ARG_STORE (PFS_CTL_MAX_BODY + PFS_CTL_MAX_ARGS)

struct ctl_client {
	struct pfsd_control *ctl;
	struct ctl_client *next;
	int fd;
	bool closing; /* close once the queue is flushed */
	uint32_t events;
	uint8_t *in; /* CTL_IN_CAP bytes */
	size_t in_len;
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	uint64_t last_ms; /* last request or reply progress */
	/* a streamed answer in progress: no new request is read meanwhile */
	pfsd_out_more_fn more;
	void (*more_free)(void *arg);
	void *more_arg;
	int more_status;
	struct pfsd_ctl_who who; /* the client's credentials */
};

/* Queue the next streamed part once less than this waits to be sent. */
#define CTL_STREAM_LOW (256u << 10)

struct pfsd_control {
	struct pfsd_loop *loop;
	int fd;
	char *path;
	pfsd_ctl_handler handler;
	void *ctx;
	struct ctl_client *clients;
	int nclients;
	int nroot;	  /* of them, clients with uid 0 */
	uint64_t evicted; /* clients closed to make room */
};

/* --- the growable output buffer of a handler ------------------------------ */

static bool out_reserve(struct pfsd_out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 256;
	char *p;

	if (o->oom)
		return false;
	if (o->cap - o->len > n)
		return true;
	while (cap - o->len <= n) {
		if (cap > SIZE_MAX / 2)
			goto oom;
		cap *= 2;
	}
	p = realloc(o->buf, cap);
	if (p == NULL)
		goto oom;
	o->buf = p;
	o->cap = cap;
	return true;
oom:
	o->oom = 1;
	return false;
}

void pfsd_out_write(struct pfsd_out *o, const void *p, size_t n)
{
	if (n == 0 || !out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void pfsd_out_vprintf(struct pfsd_out *o, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0 || !out_reserve(o, (size_t)n))
		return;
	vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	o->len += (size_t)n;
}

void pfsd_out_printf(struct pfsd_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pfsd_out_vprintf(o, fmt, ap);
	va_end(ap);
}

void pfsd_out_stream(struct pfsd_out *o, pfsd_out_more_fn more,
		     void (*free_arg)(void *arg), void *arg)
{
	o->more = more;
	o->more_free = free_arg;
	o->more_arg = arg;
}

/* JSON string escapes (RFC 8259 section 7); other bytes pass as UTF-8. */
void pfsd_out_json_str(struct pfsd_out *o, const char *s)
{
	const unsigned char *p;

	pfsd_out_write(o, "\"", 1);
	for (p = (const unsigned char *)s; s && *p; p++) {
		switch (*p) {
		case '"':
			pfsd_out_write(o, "\\\"", 2);
			break;
		case '\\':
			pfsd_out_write(o, "\\\\", 2);
			break;
		case '\n':
			pfsd_out_write(o, "\\n", 2);
			break;
		case '\r':
			pfsd_out_write(o, "\\r", 2);
			break;
		case '\t':
			pfsd_out_write(o, "\\t", 2);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				pfsd_out_printf(o, "\\u%04x", *p);
			else
				pfsd_out_write(o, p, 1);
		}
	}
	pfsd_out_write(o, "\"", 1);
}

/* --- clients ------------------------------------------------------------- */

static bool ctl_is_root(const struct pfsd_ctl_who *who)
{
	return who->known && who->uid == 0;
}

static void ctl_client_close(struct ctl_client *cl)
{
	struct pfsd_control *c = cl->ctl;
	struct ctl_client **pp;

	for (pp = &c->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	c->nclients--;
	if (ctl_is_root(&cl->who))
		c->nroot--;
	if (cl->more_free != NULL)
		cl->more_free(cl->more_arg);
	pfsd_loop_del_fd(c->loop, cl->fd);
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

/* Make room for n more queued bytes, or refuse past the queue limit. */
static uint8_t *ctl_queue_space(struct ctl_client *cl, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (cl->out_off > 0) {
		memmove(cl->out, cl->out + cl->out_off,
			cl->out_len - cl->out_off);
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + n > PFSD_CTL_MAX_QUEUE)
		return NULL;
	if (cl->out_cap - cl->out_len < n) {
		cap = cl->out_cap ? cl->out_cap : 4096;
		while (cap - cl->out_len < n)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (p == NULL)
			return NULL;
		cl->out = p;
		cl->out_cap = cap;
	}
	return cl->out + cl->out_len;
}

static int ctl_queue_data(struct ctl_client *cl, const char *p, size_t len)
{
	size_t chunk;
	ssize_t n;
	uint8_t *q;

	while (len > 0) {
		chunk = len < PFS_CTL_MAX_BODY ? len : PFS_CTL_MAX_BODY;
		q = ctl_queue_space(cl, PFS_CTL_HDR_LEN + chunk);
		if (q == NULL)
			return -1;
		n = pfs_ctl_encode_data(q, PFS_CTL_HDR_LEN + chunk, p, chunk);
		if (n < 0)
			return -1;
		cl->out_len += (size_t)n;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static int ctl_queue_end(struct ctl_client *cl, int status, const char *msg)
{
	size_t need = PFS_CTL_HDR_LEN + 4 + strlen(msg);
	uint8_t *q = ctl_queue_space(cl, need);
	ssize_t n;

	if (q == NULL)
		return -1;
	n = pfs_ctl_encode_end(q, need, status, msg);
	if (n < 0)
		return -1;
	cl->out_len += (size_t)n;
	return 0;
}

static void ctl_set_events(struct ctl_client *cl)
{
	uint32_t ev = cl->closing ? 0 : EPOLLIN;

	if (cl->out_len > cl->out_off || cl->more != NULL)
		ev |= EPOLLOUT;
	if (ev != cl->events &&
	    pfsd_loop_mod_fd(cl->ctl->loop, cl->fd, ev) == 0)
		cl->events = ev;
}

static int ctl_parse(struct ctl_client *cl);

static void ctl_stream_end(struct ctl_client *cl)
{
	if (cl->more_free != NULL)
		cl->more_free(cl->more_arg);
	cl->more = NULL;
	cl->more_free = NULL;
	cl->more_arg = NULL;
}

/* Queue streamed parts while little is queued; -1 drops the client. */
static int ctl_stream(struct ctl_client *cl)
{
	struct pfsd_out o;
	int more, rc = 0;

	while (rc == 0 && cl->more != NULL &&
	       cl->out_len - cl->out_off < CTL_STREAM_LOW) {
		memset(&o, 0, sizeof(o));
		more = cl->more(cl->more_arg, &o);
		rc = o.oom ? -1 : ctl_queue_data(cl, o.buf, o.len);
		free(o.buf);
		if (rc == 0 && more == 0) {
			ctl_stream_end(cl);
			rc = ctl_queue_end(cl, cl->more_status, "");
			if (rc == 0)
				rc = ctl_parse(cl); /* pipelined requests */
		}
	}
	return rc;
}

/* Write what the socket takes; returns -1 when the client must go. */
static int ctl_flush(struct ctl_client *cl)
{
	ssize_t n;

	if (ctl_stream(cl) == -1)
		return -1;

	while (cl->out_len > cl->out_off) {
		n = send(cl->fd, cl->out + cl->out_off,
			 cl->out_len - cl->out_off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		cl->out_off += (size_t)n;
		cl->last_ms = pfsd_now_ms();
	}
	if (cl->out_len == cl->out_off) {
		cl->out_off = cl->out_len = 0;
		if (cl->closing && cl->more == NULL)
			return -1;
	}
	ctl_set_events(cl);
	return 0;
}

/* Run one decoded request and queue its answer. */
static int ctl_run(struct ctl_client *cl, int argc, char *argv[],
		   uint16_t flags)
{
	struct pfsd_out out = {0};
	char err[256] = "";
	int status, rc;

	status = cl->ctl->handler(cl->ctl->ctx, &cl->who, argc, argv, flags,
				  &out, err, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	if (out.oom) {
		status = ENOMEM;
		snprintf(err, sizeof(err), "out of memory");
		out.len = 0;
	}
	if (status < 0)
		status = EINVAL; /* the contract is 0 or a positive errno */
	rc = ctl_queue_data(cl, out.buf, out.len);
	if (rc == 0 && out.more != NULL && status == 0) {
		cl->more = out.more; /* the END follows the last part */
		cl->more_free = out.more_free;
		cl->more_arg = out.more_arg;
		cl->more_status = status;
	} else {
		if (out.more_free != NULL)
			out.more_free(out.more_arg);
		if (rc == 0)
			rc = ctl_queue_end(cl, status, err);
	}
	free(out.buf);
	if (rc == -1)
		log_warnx("control: dropping a client: reply of %zu bytes "
			  "over the queue limit",
			  out.len);
	return rc;
}

static int ctl_request(struct ctl_client *cl, const struct pfs_ctl_hdr *h)
{
	char *argv[PFS_CTL_MAX_ARGS + 1];
	uint16_t flags;
	char *store;
	int argc, rc;

	if (h->type != PFS_CTL_REQUEST) {
		errno = EPROTO;
		return 1;
	}
	cl->last_ms = pfsd_now_ms();
	store = malloc(CTL_ARG_STORE);
	if (store == NULL)
		return -1;
	argc = pfs_ctl_decode_request(cl->in + PFS_CTL_HDR_LEN, h->len, &flags,
				      argv, store, CTL_ARG_STORE);
	if (argc < 1) {
		free(store);
		errno = EPROTO;
		return 1;
	}
	argv[argc] = NULL;
	rc = ctl_run(cl, argc, argv, flags);
	free(store);
	return rc;
}

/*
 * Consume every complete message in the read buffer.  Returns -1 to drop
 * the client; a malformed message queues END(EPROTO) and sets closing.
 */
static int ctl_parse(struct ctl_client *cl)
{
	struct pfs_ctl_hdr h;
	size_t total = 0;
	int rc;

	while (!cl->closing && cl->more == NULL &&
	       cl->in_len >= PFS_CTL_HDR_LEN) {
		rc = pfs_ctl_hdr_decode(cl->in, cl->in_len, &h);
		if (rc == 0) {
			total = PFS_CTL_HDR_LEN + h.len;
			if (cl->in_len < total)
				return 0;
			rc = ctl_request(cl, &h);
		} else {
			rc = 1;
		}
		if (rc == -1)
			return -1;
		if (rc == 1) {
			cl->closing = true;
			return ctl_queue_end(cl, EPROTO, "malformed request");
		}
		memmove(cl->in, cl->in + total, cl->in_len - total);
		cl->in_len -= total;
	}
	return 0;
}

static int ctl_read(struct ctl_client *cl)
{
	ssize_t n;

	for (;;) {
		n = recv(cl->fd, cl->in + cl->in_len, CTL_IN_CAP - cl->in_len,
			 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			/* EOF: finish sending what was asked, then close. */
			cl->closing = true;
			return n == 0 ? 0 : -1;
		}
		cl->in_len += (size_t)n;
		if (ctl_parse(cl) == -1)
			return -1;
		if (cl->closing)
			return 0;
	}
}

static void ctl_client_event(void *arg, int fd, uint32_t events)
{
	struct ctl_client *cl = arg;

	(void)fd;
	if (events & EPOLLERR) {
		ctl_client_close(cl);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP)) && !cl->closing &&
	    ctl_read(cl) == -1) {
		ctl_client_close(cl);
		return;
	}
	if (ctl_flush(cl) == -1)
		ctl_client_close(cl);
}

/* The client's uid, gid and pid; unknown ones leave who->known false
 * (the handler then grants only what anyone may do). */
static void ctl_peer_who(int fd, struct pfsd_ctl_who *who)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(who, 0, sizeof(*who));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc)) {
		log_warn("control: SO_PEERCRED");
		return;
	}
	who->uid = (uint32_t)uc.uid;
	who->gid = (uint32_t)uc.gid;
	who->pid = (int32_t)uc.pid;
	who->known = true;
}

static void ctl_client_new(struct pfsd_control *c, int fd,
			   const struct pfsd_ctl_who *who)
{
	struct ctl_client *cl = calloc(1, sizeof(*cl));

	if (cl != NULL)
		cl->in = malloc(CTL_IN_CAP);
	if (cl == NULL || cl->in == NULL ||
	    pfsd_loop_add_fd(c->loop, fd, EPOLLIN, ctl_client_event, cl)) {
		log_warn("control: cannot take a client");
		if (cl != NULL)
			free(cl->in);
		free(cl);
		close(fd);
		return;
	}
	cl->ctl = c;
	cl->fd = fd;
	cl->who = *who;
	cl->events = EPOLLIN;
	cl->last_ms = pfsd_now_ms();
	cl->next = c->clients;
	c->clients = cl;
	c->nclients++;
	if (ctl_is_root(who))
		c->nroot++;
}

/*
 * Slots are short: close the client that has made no progress for the
 * longest time (a request never completed, a reply not read), so clients
 * that stall cannot lock out the next pfsyncctl (a keepalived check that
 * fails demotes the node).  A non-root newcomer only evicts non-root
 * clients; root evicts those first too.
 */
static void ctl_evict(struct pfsd_control *c, bool any)
{
	struct ctl_client *cl, *old = NULL;

	for (cl = c->clients; cl != NULL; cl = cl->next) {
		if (!any && ctl_is_root(&cl->who))
			continue;
		if (old == NULL || cl->last_ms < old->last_ms)
			old = cl;
	}
	if (old == NULL)
		return;
	c->evicted++;
	log_warnx("control: %d clients: closing the one idle longest",
		  c->nclients);
	ctl_client_close(old);
}

/* Make room for a client with these credentials; false: none for it. */
static bool ctl_make_room(struct pfsd_control *c,
			  const struct pfsd_ctl_who *who)
{
	if (ctl_is_root(who)) {
		if (c->nclients < CTL_MAX_CLIENTS)
			return true;
		ctl_evict(c, c->nclients == c->nroot);
		return c->nclients < CTL_MAX_CLIENTS;
	}
	if (c->nclients - c->nroot < CTL_MAX_CLIENTS - CTL_ROOT_SLOTS &&
	    c->nclients < CTL_MAX_CLIENTS)
		return true;
	ctl_evict(c, false);
	return c->nclients - c->nroot < CTL_MAX_CLIENTS - CTL_ROOT_SLOTS &&
	       c->nclients < CTL_MAX_CLIENTS;
}

static void ctl_accept(void *arg, int lfd, uint32_t events)
{
	struct pfsd_control *c = arg;
	struct pfsd_ctl_who who;
	int fd;

	(void)events;
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("control: accept");
			return;
		}
		ctl_peer_who(fd, &who);
		if (!ctl_make_room(c, &who)) {
			close(fd);
			continue;
		}
		ctl_client_new(c, fd, &who);
	}
}

/* --- the listener -------------------------------------------------------- */

/*
 * Remove a socket left by a dead daemon, but never a live one's (connect
 * succeeds) nor a file that is not a socket.
 */
static int ctl_unlink_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(sun->sun_path);
}

static int ctl_listen(const char *path, unsigned mode)
{
	struct sockaddr_un sun;
	int fd, rc, saved;
	mode_t old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (ctl_unlink_stale(&sun) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* The mode is the socket's from its birth: no chmod by path after
	 * the bind, which a swapped path would lead to another file. */
	old = umask(~(mode_t)mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(old);
	errno = saved;
	if (rc == -1)
		goto fail;
	if (listen(fd, 16) == -1) {
		unlink(path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

uint64_t pfsd_control_evicted(const struct pfsd_control *c)
{
	return c != NULL ? c->evicted : 0;
}

struct pfsd_control *pfsd_control_new(struct pfsd_loop *loop, const char *path,
				      unsigned mode, pfsd_ctl_handler handler,
				      void *ctx)
{
	struct pfsd_control *c;

	if (loop == NULL || path == NULL || handler == NULL) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->loop = loop;
	c->handler = handler;
	c->ctx = ctx;
	c->path = strdup(path);
	c->fd = c->path ? ctl_listen(path, mode) : -1;
	if (c->fd == -1 ||
	    pfsd_loop_add_fd(loop, c->fd, EPOLLIN, ctl_accept, c) == -1) {
		pfsd_control_free(c);
		return NULL;
	}
	return c;
}

void pfsd_control_free(struct pfsd_control *c)
{
	int saved = errno;

	if (c == NULL)
		return;
	while (c->clients != NULL)
		ctl_client_close(c->clients);
	if (c->fd >= 0) {
		pfsd_loop_del_fd(c->loop, c->fd);
		close(c->fd);
		unlink(c->path);
	}
	free(c->path);
	free(c);
	errno = saved;
}
