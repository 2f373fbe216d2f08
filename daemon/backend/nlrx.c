/*
 * nlrx.c - many netlink datagrams per system call (see nlrx.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nlrx.h"

struct pfsd_nlrx {
	unsigned vlen;
	size_t slot;
	struct mmsghdr *msg;
	struct iovec *iov;
	uint8_t *buf;
};

struct pfsd_nlrx *pfsd_nlrx_new(unsigned vlen, size_t slot)
{
	struct pfsd_nlrx *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->vlen = vlen;
	r->slot = slot;
	r->msg = calloc(vlen, sizeof(*r->msg));
	r->iov = calloc(vlen, sizeof(*r->iov));
	r->buf = malloc((size_t)vlen * slot);
	if (vlen == 0 || r->msg == NULL || r->iov == NULL || r->buf == NULL) {
		pfsd_nlrx_free(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void pfsd_nlrx_free(struct pfsd_nlrx *r)
{
	if (r == NULL)
		return;
	free(r->msg);
	free(r->iov);
	free(r->buf);
	free(r);
}

int pfsd_nlrx_read(struct pfsd_nlrx *r, int fd)
{
	unsigned i;
	int n;

	for (i = 0; i < r->vlen; i++) {
		r->iov[i].iov_base = r->buf + (size_t)i * r->slot;
		r->iov[i].iov_len = r->slot;
		memset(&r->msg[i].msg_hdr, 0, sizeof(r->msg[i].msg_hdr));
		r->msg[i].msg_hdr.msg_iov = &r->iov[i];
		r->msg[i].msg_hdr.msg_iovlen = 1;
		r->msg[i].msg_len = 0;
	}
	do
		n = recvmmsg(fd, r->msg, r->vlen, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	return n;
}

const void *pfsd_nlrx_get(const struct pfsd_nlrx *r, unsigned i, size_t *len,
			  bool *cut)
{
	size_t n = r->msg[i].msg_len;

	*cut = (r->msg[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || n > r->slot;
	*len = n > r->slot ? r->slot : n;
	return r->buf + (size_t)i * r->slot;
}
