/*
 * ctlmsg.h - the framed, versioned control protocol between pfsyncctl and
 * pfsyncd (a Unix stream socket).  Pure encode/decode; no I/O.
 *
 * Every message is an 8-byte header and a body:
 *
 *   0  2  magic "PS"
 *   2  1  version (PFS_CTL_VERSION)
 *   3  1  type (enum pfs_ctl_type)
 *   4  4  body length, big-endian (at most PFS_CTL_MAX_BODY)
 *
 * REQUEST body:  u16 flags (PFS_CTL_F_*), u16 argc, then argc strings,
 *                each u16 length + bytes (no NUL).
 * DATA body:     output bytes (text, or JSON with PFS_CTL_F_JSON); a reply
 *                is any number of DATA messages then one END.
 * END body:      i32 status: 0, or a positive errno value; then an
 *                optional error message (bytes, no NUL).
 */
#ifndef PFSYNC_CTLMSG_H
#define PFSYNC_CTLMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PFS_CTL_VERSION 1
#define PFS_CTL_HDR_LEN 8
#define PFS_CTL_MAX_BODY 65536
#define PFS_CTL_MAX_ARGS 64
#define PFS_CTL_F_JSON 0x0001	 /* answer in JSON */
#define PFS_CTL_F_VERBOSE 0x0002 /* -v */

enum pfs_ctl_type {
	PFS_CTL_REQUEST = 1,
	PFS_CTL_DATA = 2,
	PFS_CTL_END = 3
};

struct pfs_ctl_hdr {
	uint8_t version;
	uint8_t type;
	uint32_t len;
};

/*
 * Decode a header from 8 bytes.  Returns 0, or -1 with errno EPROTO (bad
 * magic, version, type) or EMSGSIZE (body too long).
 */
int pfs_ctl_hdr_decode(const uint8_t *p, size_t len, struct pfs_ctl_hdr *h);

/* Encode a whole message into out (capacity cap); returns its length or -1
 * with errno EMSGSIZE. */
ssize_t pfs_ctl_encode_request(uint8_t *out, size_t cap, uint16_t flags,
			       int argc, char *const argv[]);
ssize_t pfs_ctl_encode_data(uint8_t *out, size_t cap, const void *data,
			    size_t len);
ssize_t pfs_ctl_encode_end(uint8_t *out, size_t cap, int32_t status,
			   const char *msg);

/*
 * Decode a REQUEST body into argv pointers into `store` (cap bytes, gets
 * NUL-terminated copies).  Returns argc, or -1 with errno EPROTO.
 */
int pfs_ctl_decode_request(const uint8_t *body, size_t len, uint16_t *flags,
			   char *argv[PFS_CTL_MAX_ARGS], char *store,
			   size_t cap);
/* Decode an END body; msg gets a NUL-terminated copy (may be empty). */
int pfs_ctl_decode_end(const uint8_t *body, size_t len, int32_t *status,
		       char *msg, size_t msgcap);

#endif
