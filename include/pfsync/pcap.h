/*
 * pcap.h - the classic pcap file format (not pcapng), pure encode/decode.
 * Link types used by pfsyncd: LINKTYPE_PFSYNC 246 (payload starts at the
 * pfsync header, as BSD bpf gives it), OpenBSD's DLT_PFSYNC 18 (the
 * pfsync header, or an IPv4 packet around it), LINKTYPE_RAW 101 (IPv4
 * or IPv6), LINKTYPE_ETHERNET 1, LINKTYPE_LINUX_SLL 113 and
 * LINKTYPE_LINUX_SLL2 276.
 */
#ifndef PFSYNC_PCAP_H
#define PFSYNC_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFS_PCAP_FILE_HDR_LEN 24
#define PFS_PCAP_REC_HDR_LEN 16
#define PFS_LINKTYPE_ETHERNET 1
#define PFS_LINKTYPE_OPENBSD_PFSYNC 18
#define PFS_LINKTYPE_RAW 101
#define PFS_LINKTYPE_LINUX_SLL 113
#define PFS_LINKTYPE_PFSYNC 246
#define PFS_LINKTYPE_LINUX_SLL2 276

struct pfs_pcap_file {
	bool swapped; /* file is in the other byte order */
	bool nsec;    /* nanosecond timestamps */
	uint32_t snaplen;
	uint32_t linktype;
};

struct pfs_pcap_rec {
	uint32_t ts_sec;
	uint32_t ts_frac; /* usec or nsec */
	uint32_t caplen;
	uint32_t origlen;
};

/* Write a little-endian microsecond file header (24 bytes). */
void pfs_pcap_put_file_hdr(uint8_t out[PFS_PCAP_FILE_HDR_LEN],
			   uint32_t linktype, uint32_t snaplen);
void pfs_pcap_put_rec_hdr(uint8_t out[PFS_PCAP_REC_HDR_LEN],
			  const struct pfs_pcap_rec *r);
/* -1/EINVAL on a bad magic or short input. */
int pfs_pcap_get_file_hdr(const uint8_t *p, size_t len,
			  struct pfs_pcap_file *f);
int pfs_pcap_get_rec_hdr(const struct pfs_pcap_file *f, const uint8_t *p,
			 size_t len, struct pfs_pcap_rec *r);

/*
 * Find the pfsync payload in a captured frame of the given link type:
 * for 246 the frame itself; for 18 the frame, or the payload of the IPv4
 * packet it holds; for RAW, ETHERNET (0x0800, 0x86dd), LINUX_SLL and
 * LINUX_SLL2, an IPv4 packet of protocol 240 or an IPv6 packet whose
 * next header is 240, whose header is then returned in *ip fields.
 * Returns 0, or -1 if the frame is not pfsync.
 */
struct pfs_pcap_ipinfo {
	bool has_ip;
	uint8_t af;		    /* AF_INET or AF_INET6 when has_ip */
	uint32_t src, dst;	    /* IPv4, host order */
	uint8_t src6[16], dst6[16]; /* IPv6, network order */
	uint8_t ttl;		    /* TTL or hop limit */
};
int pfs_pcap_payload(uint32_t linktype, const uint8_t *frame, size_t len,
		     const uint8_t **payload, size_t *plen,
		     struct pfs_pcap_ipinfo *ip);

#endif
