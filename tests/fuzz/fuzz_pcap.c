/*
 * fuzz_pcap.c - libFuzzer harness: the input is a whole pcap file.
 *
 * Walk the records as a reader would, and hand each one to
 * pfs_pcap_payload under the file's link type and under every link type
 * we know, so one input exercises all frame parsers.  The only oracle is
 * "never crash, never read out of bounds" plus the payload staying inside
 * the frame it came from.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pfsync/pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t fuzz_linktypes[] = {
    PFS_LINKTYPE_PFSYNC,
    PFS_LINKTYPE_RAW,
    PFS_LINKTYPE_ETHERNET,
    PFS_LINKTYPE_LINUX_SLL,
    PFS_LINKTYPE_LINUX_SLL2,
    PFS_LINKTYPE_OPENBSD_PFSYNC,
};

static void fuzz_frame(uint32_t linktype, const uint8_t *frame, size_t len)
{
	const uint8_t *pl;
	size_t plen;
	struct pfs_pcap_ipinfo ip;

	if (pfs_pcap_payload(linktype, frame, len, &pl, &plen, &ip) < 0)
		return;
	/* the payload is a view into the frame, never beyond it */
	if (plen > len || (plen > 0 && (pl < frame || pl + plen > frame + len)))
		abort();
	if (linktype == PFS_LINKTYPE_PFSYNC && ip.has_ip)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_pcap_file f;
	size_t off = PFS_PCAP_FILE_HDR_LEN;

	if (pfs_pcap_get_file_hdr(data, size, &f) < 0)
		return 0;
	while (off < size) {
		struct pfs_pcap_rec r;

		if (pfs_pcap_get_rec_hdr(&f, data + off, size - off, &r) < 0)
			break;
		off += PFS_PCAP_REC_HDR_LEN;
		if (r.caplen > size - off)
			break; /* truncated file */
		fuzz_frame(f.linktype, data + off, r.caplen);
		for (size_t i = 0;
		     i < sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]);
		     i++)
			if (fuzz_linktypes[i] != f.linktype)
				fuzz_frame(fuzz_linktypes[i], data + off,
					   r.caplen);
		off += r.caplen;
	}
	return 0;
}
