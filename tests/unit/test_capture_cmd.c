/*
 * test_capture_cmd.c - `pfsyncctl capture` writes each IP packet of
 * protocol 240 as a LINKTYPE_PFSYNC record of its pfsync payload, IPv4
 * or IPv6, whatever the dialect, and `pfsyncctl decode` reads the file
 * back naming each dialect.  The frames are the hand-made ones of
 * pfsync-modern.md §1.2/§1.4 (v6 DEL_C) and §2.1 (v5 DEL_C + EOF).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture_cmd.h"
#include "decode.h"
#include "pfsync/pcap.h"
#include "t.h"

/* v6: header {6, 0, len 36, pfcksum 0}, DEL_C {7, 3 words, count 1},
 * id 0xab, creatorid 0xcd */
static const uint8_t t_v6[36] = {
    6, 0, 0, 36, [20] = 7, 3, 0, 1, [31] = 0xab, [35] = 0xcd,
};
/* v5: header {5, 0, len 40}, DEL_C {7, 0, count 1} + record, EOF */
static const uint8_t t_v5[40] = {
    5, 0,	    0,		 40,	    [20] = 7, 0, 0,
    1, [31] = 0xab, [35] = 0xcd, [36] = 12, 0,	      0, 1,
};

static size_t t_ip4(uint8_t *b, uint8_t proto, const uint8_t *p, size_t n)
{
	static const uint8_t h[20] = {0x45, 0x10, 0,   0, 0, 0,	 0x40,
				      0,    255,  0,   0, 0, 10, 0,
				      0,    1,	  224, 0, 0, 240};

	memcpy(b, h, 20);
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[9] = proto;
	memcpy(b + 20, p, n);
	return 20 + n;
}

static size_t t_ip6(uint8_t *b, const uint8_t *p, size_t n)
{
	memset(b, 0, 40);
	b[0] = 0x61;
	b[5] = (uint8_t)n;
	b[6] = 240;
	b[7] = 255;
	b[8] = 0xfe;
	b[9] = 0x80;
	b[23] = 1;
	b[24] = 0xff;
	b[25] = 0x12;
	b[39] = 0xf0;
	memcpy(b + 40, p, n);
	return 40 + n;
}

static void test_capture_then_decode(void)
{
	struct timespec ts = {1700000000, 123456000};
	struct ctl_decode_opts o;
	struct ctl_decode_tally tally = {0, 0};
	uint8_t pkt[128], hdr[PFS_PCAP_FILE_HDR_LEN];
	struct pfs_pcap_file pf;
	char *text = NULL;
	size_t tlen = 0, n;
	FILE *f = tmpfile(), *out = open_memstream(&text, &tlen);

	T_CHECK(f != NULL && out != NULL);
	if (f == NULL || out == NULL)
		return;
	T_EQ(ctl_capture_begin(f), 0);
	n = t_ip4(pkt, 240, t_v6, sizeof(t_v6));
	T_EQ(ctl_capture_record(f, pkt, n, &ts), 1);
	n = t_ip6(pkt, t_v5, sizeof(t_v5));
	T_EQ(ctl_capture_record(f, pkt, n, &ts), 1);
	n = t_ip4(pkt, 17, t_v5, sizeof(t_v5)); /* UDP: not pfsync */
	T_EQ(ctl_capture_record(f, pkt, n, &ts), 0);
	rewind(f);
	T_EQ(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	T_EQ(pfs_pcap_get_file_hdr(hdr, sizeof(hdr), &pf), 0);
	T_EQ(pf.linktype, PFS_LINKTYPE_PFSYNC);
	/* 24 + two records of 16 + payload, no IP header kept */
	T_EQ(fseek(f, 0, SEEK_END), 0);
	T_EQ(ftell(f), 24 + 16 + 36 + 16 + 40);
	rewind(f);
	memset(&o, 0, sizeof(o));
	o.file = "t";
	T_EQ(ctl_decode_stream(f, "t", &o, out, stderr, &tally), 0);
	fclose(out);
	T_EQ(tally.printed, 2);
	T_CHECK(text != NULL && strstr(text, "PFSYNCv6 len 36") != NULL);
	T_CHECK(text != NULL && strstr(text, "PFSYNCv5 len 40") != NULL);
	free(text);
	fclose(f);
}

int main(void)
{
	T_RUN(test_capture_then_decode);
	return t_done();
}
