/*
 * capture.h - write the packets pfsync0 would show to bpf into a classic
 * pcap file (LINKTYPE_PFSYNC 246, snaplen 65535, microsecond stamps),
 * readable by `pfsyncctl decode` and by NetBSD's tcpdump.
 *
 * The payload of each record starts at the pfsync header, with no IP
 * header, as BSD bpf gives it on pfsync0.  Write errors are returned to
 * the caller and never fatal: a full disk must not stop the daemon.
 */
#ifndef PFSYNCD_CAPTURE_H
#define PFSYNCD_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PFSD_CAPTURE_SNAPLEN 65535

struct pfsd_capture;

/*
 * Create (or truncate) path with mode 0600 and write the file header.
 * A symlink at path is refused (ELOOP), and so is anything but a regular
 * file with one link owned by our euid or by user, the daemon's user
 * (EPERM): such a file is left as it was.  Returns NULL with errno set
 * on failure.
 */
struct pfsd_capture *pfsd_capture_open(const char *path, uid_t user);

/*
 * Append one packet, stamped with CLOCK_REALTIME; at most
 * PFSD_CAPTURE_SNAPLEN bytes are kept, the original length is recorded.
 * Returns 0, or -1 with errno set; a failed write leaves no partial
 * record behind (the file is cut back), so the file stays readable.
 */
int pfsd_capture_write(struct pfsd_capture *c, const uint8_t *pkt, size_t len);

/* Close and free; NULL is allowed. */
void pfsd_capture_close(struct pfsd_capture *c);

#endif
