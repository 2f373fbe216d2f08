/*
 * ctlmsg.c - encode and decode the control protocol between pfsyncctl and
 * pfsyncd (see include/pfsync/ctlmsg.h for the wire layout).  Pure: every
 * field goes through the bounds-checked cursor of buf.h, every length is
 * checked before it is trusted, and a decoder never writes past the
 * caller's buffers.
 *
 *   0  2  magic "PS"
 *   2  1  version
 *   3  1  type
 *   4  4  body length (big-endian)
 */
#include <errno.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/ctlmsg.h"

#define CTL_MAGIC0 'P'
#define CTL_MAGIC1 'S'

_Static_assert(PFS_CTL_HDR_LEN == 2 + 1 + 1 + 4, "control header is 8 bytes");
_Static_assert(PFS_CTL_MAX_BODY <= UINT32_MAX, "body length fits 32 bits");

static int ctl_fail(int err)
{
	errno = err;
	return -1;
}

int pfs_ctl_hdr_decode(const uint8_t *p, size_t len, struct pfs_ctl_hdr *h)
{
	struct pfs_rbuf rb;
	uint8_t m0, m1;

	if (p == NULL || len < PFS_CTL_HDR_LEN)
		return ctl_fail(EPROTO);
	pfs_rbuf_init(&rb, p, PFS_CTL_HDR_LEN);
	m0 = pfs_rbuf_get_u8(&rb);
	m1 = pfs_rbuf_get_u8(&rb);
	h->version = pfs_rbuf_get_u8(&rb);
	h->type = pfs_rbuf_get_u8(&rb);
	h->len = pfs_rbuf_get_be32(&rb);
	if (rb.err || m0 != CTL_MAGIC0 || m1 != CTL_MAGIC1)
		return ctl_fail(EPROTO);
	if (h->version != PFS_CTL_VERSION)
		return ctl_fail(EPROTO);
	if (h->type < PFS_CTL_REQUEST || h->type > PFS_CTL_END)
		return ctl_fail(EPROTO);
	if (h->len > PFS_CTL_MAX_BODY)
		return ctl_fail(EMSGSIZE);
	return 0;
}

/* Writes the 8-byte header; the body length must already be known. */
static void ctl_put_hdr(struct pfs_wbuf *wb, uint8_t type, size_t body)
{
	pfs_wbuf_put_u8(wb, CTL_MAGIC0);
	pfs_wbuf_put_u8(wb, CTL_MAGIC1);
	pfs_wbuf_put_u8(wb, PFS_CTL_VERSION);
	pfs_wbuf_put_u8(wb, type);
	pfs_wbuf_put_be32(wb, (uint32_t)body);
}

static ssize_t ctl_finish(const struct pfs_wbuf *wb)
{
	if (wb->err) {
		errno = EMSGSIZE;
		return -1;
	}
	return (ssize_t)wb->off;
}

/* Body length of a request, or 0 when an argument cannot be encoded. */
static size_t ctl_request_len(int argc, char *const argv[])
{
	size_t body = 4, n;
	int i;

	if (argc < 0 || argc > PFS_CTL_MAX_ARGS)
		return 0;
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return 0;
		n = strlen(argv[i]);
		if (n > UINT16_MAX)
			return 0;
		body += 2 + n;
		if (body > PFS_CTL_MAX_BODY)
			return 0;
	}
	return body;
}

/*
 * REQUEST body:
 *   0  2  flags
 *   2  2  argc
 *   4  .. argc times: u16 length, bytes (no NUL)
 */
ssize_t pfs_ctl_encode_request(uint8_t *out, size_t cap, uint16_t flags,
			       int argc, char *const argv[])
{
	struct pfs_wbuf wb;
	size_t body, n;
	int i;

	body = ctl_request_len(argc, argv);
	if (body == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	pfs_wbuf_init(&wb, out, cap);
	ctl_put_hdr(&wb, PFS_CTL_REQUEST, body);
	pfs_wbuf_put_be16(&wb, flags);
	pfs_wbuf_put_be16(&wb, (uint16_t)argc);
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		pfs_wbuf_put_be16(&wb, (uint16_t)n);
		pfs_wbuf_put_bytes(&wb, argv[i], n);
	}
	return ctl_finish(&wb);
}

ssize_t pfs_ctl_encode_data(uint8_t *out, size_t cap, const void *data,
			    size_t len)
{
	struct pfs_wbuf wb;

	if (len > PFS_CTL_MAX_BODY || (len > 0 && data == NULL)) {
		errno = EMSGSIZE;
		return -1;
	}
	pfs_wbuf_init(&wb, out, cap);
	ctl_put_hdr(&wb, PFS_CTL_DATA, len);
	if (len > 0)
		pfs_wbuf_put_bytes(&wb, data, len);
	return ctl_finish(&wb);
}

/* END body: i32 status (big-endian two's complement), then message bytes. */
ssize_t pfs_ctl_encode_end(uint8_t *out, size_t cap, int32_t status,
			   const char *msg)
{
	struct pfs_wbuf wb;
	size_t n = msg ? strlen(msg) : 0;

	if (n > PFS_CTL_MAX_BODY - 4) {
		errno = EMSGSIZE;
		return -1;
	}
	pfs_wbuf_init(&wb, out, cap);
	ctl_put_hdr(&wb, PFS_CTL_END, 4 + n);
	pfs_wbuf_put_be32(&wb, (uint32_t)status);
	if (n > 0)
		pfs_wbuf_put_bytes(&wb, msg, n);
	return ctl_finish(&wb);
}

/* Copy one length-prefixed string into store at *used; NULL on error. */
static char *ctl_get_str(struct pfs_rbuf *rb, char *store, size_t cap,
			 size_t *used)
{
	uint16_t n = pfs_rbuf_get_be16(rb);
	char *s;

	if (rb->err || n > pfs_rbuf_left(rb))
		return NULL;
	if (cap - *used < (size_t)n + 1)
		return NULL;
	if (memchr(rb->base + rb->off, '\0', n) != NULL)
		return NULL;
	s = store + *used;
	pfs_rbuf_get_bytes(rb, s, n);
	s[n] = '\0';
	*used += (size_t)n + 1;
	return s;
}

int pfs_ctl_decode_request(const uint8_t *body, size_t len, uint16_t *flags,
			   char *argv[PFS_CTL_MAX_ARGS], char *store,
			   size_t cap)
{
	struct pfs_rbuf rb;
	size_t used = 0;
	uint16_t argc;
	int i;

	if (body == NULL || len > PFS_CTL_MAX_BODY || store == NULL)
		return ctl_fail(EPROTO);
	pfs_rbuf_init(&rb, body, len);
	*flags = pfs_rbuf_get_be16(&rb);
	argc = pfs_rbuf_get_be16(&rb);
	if (rb.err || argc > PFS_CTL_MAX_ARGS)
		return ctl_fail(EPROTO);
	for (i = 0; i < argc; i++) {
		argv[i] = ctl_get_str(&rb, store, cap, &used);
		if (argv[i] == NULL)
			return ctl_fail(EPROTO);
	}
	/* Trailing bytes mean the sender and we disagree on the layout. */
	if (pfs_rbuf_left(&rb) != 0)
		return ctl_fail(EPROTO);
	return argc;
}

int pfs_ctl_decode_end(const uint8_t *body, size_t len, int32_t *status,
		       char *msg, size_t msgcap)
{
	struct pfs_rbuf rb;
	size_t n;

	if (body == NULL || len < 4 || len > PFS_CTL_MAX_BODY)
		return ctl_fail(EPROTO);
	if (msg == NULL || msgcap == 0)
		return ctl_fail(EPROTO);
	pfs_rbuf_init(&rb, body, len);
	*status = (int32_t)pfs_rbuf_get_be32(&rb);
	n = pfs_rbuf_left(&rb);
	if (*status < 0 || memchr(body + 4, '\0', n) != NULL)
		return ctl_fail(EPROTO);
	/* A long message is cut to fit: the status is what matters. */
	if (n > msgcap - 1)
		n = msgcap - 1;
	pfs_rbuf_get_bytes(&rb, msg, n);
	msg[n] = '\0';
	return 0;
}
