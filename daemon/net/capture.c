/*
 * capture.c - pcap file of pfsync0's packets (see capture.h).
 *
 * File layout (classic pcap, little endian, written by lib/wire/pcap.c):
 *   24-byte file header: magic a1b2c3d4, 2.4, snaplen 65535, link 246
 *   per packet: 16-byte record header (sec, usec, caplen, origlen),
 *               then caplen bytes starting at the pfsync header.
 *
 * Records are written with pwritev at the offset we track, so that a
 * short or failed write can be undone with ftruncate: a reader never sees
 * half a record, whatever happened to the disk.
 *
 * The file is opened as root at start (before the privilege drop) in a
 * directory the daemon's user may write: it is never followed through a
 * symlink, and only a regular file of ours is truncated.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "net/capture.h"
#include "pfsync/pcap.h"

struct pfsd_capture {
	int fd;
	off_t size; /* bytes of complete records in the file */
};

/* Write every byte of iov[0..n) at offset off; advances the iovecs. */
static int capture_pwrite_all(int fd, off_t off, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = pwritev(fd, iov, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		off += w;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Write iov at the end of the complete records, or cut the file back. */
static int capture_append(struct pfsd_capture *c, struct iovec *iov, int n,
			  size_t total)
{
	int saved;

	if (capture_pwrite_all(c->fd, c->size, iov, n) == 0) {
		c->size += (off_t)total;
		return 0;
	}
	saved = errno;
	if (ftruncate(c->fd, c->size) == -1) {
		/* nothing more we can do; report the first error */
	}
	errno = saved;
	return -1;
}

/*
 * A file we may truncate: a regular file with one name, owned by us or
 * by the daemon's user (made by an earlier start or reload).  Not a FIFO
 * or device, not a hard link to a file of someone else's (a symlink
 * O_NOFOLLOW refused already).
 */
static int capture_ours(int fd, uid_t user)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != geteuid() && st.st_uid != user)) {
		errno = EPERM;
		return -1;
	}
	/* back to blocking writes (O_NONBLOCK was for a FIFO's open) */
	return fcntl(fd, F_SETFL, 0);
}

struct pfsd_capture *pfsd_capture_open(const char *path, uid_t user)
{
	uint8_t hdr[PFS_PCAP_FILE_HDR_LEN];
	struct iovec iov = {hdr, sizeof(hdr)};
	struct pfsd_capture *c;
	int saved;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	/* No O_TRUNC: what is at the path is checked before it is cut. */
	c->fd =
	    open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		 0600);
	if (c->fd == -1 || capture_ours(c->fd, user) == -1 ||
	    ftruncate(c->fd, 0) == -1)
		goto fail;
	pfs_pcap_put_file_hdr(hdr, PFS_LINKTYPE_PFSYNC, PFSD_CAPTURE_SNAPLEN);
	if (capture_append(c, &iov, 1, sizeof(hdr)) == -1)
		goto fail;
	return c;
fail:
	saved = errno;
	if (c->fd != -1)
		close(c->fd);
	free(c);
	errno = saved;
	return NULL;
}

int pfsd_capture_write(struct pfsd_capture *c, const uint8_t *pkt, size_t len)
{
	uint8_t hdr[PFS_PCAP_REC_HDR_LEN];
	struct pfs_pcap_rec r;
	struct timespec ts;
	struct iovec iov[2];
	size_t cap = len < PFSD_CAPTURE_SNAPLEN ? len : PFSD_CAPTURE_SNAPLEN;

	if (c == NULL || (pkt == NULL && len > 0) || len > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	r.ts_sec = (uint32_t)ts.tv_sec;
	r.ts_frac = (uint32_t)(ts.tv_nsec / 1000);
	r.caplen = (uint32_t)cap;
	r.origlen = (uint32_t)len;
	pfs_pcap_put_rec_hdr(hdr, &r);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	/* iovec wants a mutable pointer; pwritev only reads it */
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = cap;
	if (capture_append(c, iov, 2, sizeof(hdr) + cap) == -1)
		return -1;
	return 0;
}

void pfsd_capture_close(struct pfsd_capture *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}
