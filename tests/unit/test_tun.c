/*
 * test_tun.c - the pfsync0 tap's pure parts: the IPv4 header of a tap
 * copy and the /proc/net/packet listener test (tap auto).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "t.h"
#include "net/tun.h"

/* Lines as Linux 6.1 prints them: sk RefCnt Type Proto Iface R Rmem ... */
static const char t_header[] =
    "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n";
static const char t_on_7[] =
    "ffff8a1c4d2e1000 3      3    0003   7     1 0      0      41234\n";
static const char t_any[] =
    "ffff8a1c4d2e2000 3      3    0003   0     1 0      0      41235\n";
static const char t_on_12[] =
    "ffff8a1c4d2e3000 3      2    0800   12    1 0      0      41236\n";

static void test_listener_lines(void)
{
	T_CHECK(!pfsd_tun_packet_line_listens(t_header, 7));
	T_CHECK(pfsd_tun_packet_line_listens(t_on_7, 7));
	/* bound to no interface (tcpdump -i any) sees pfsync0 too */
	T_CHECK(pfsd_tun_packet_line_listens(t_any, 7));
	T_CHECK(pfsd_tun_packet_line_listens(t_any, 12));
	T_CHECK(!pfsd_tun_packet_line_listens(t_on_12, 7));
	T_CHECK(pfsd_tun_packet_line_listens(t_on_12, 12));
	T_CHECK(!pfsd_tun_packet_line_listens("", 7));
	T_CHECK(!pfsd_tun_packet_line_listens("\n", 7));
	T_CHECK(!pfsd_tun_packet_line_listens("ffff 3 3 0003\n", 7));
	T_CHECK(!pfsd_tun_packet_line_listens("ffff 3 3 0003 x7 1\n", 7));
}

/* 20 bytes: 45 10 len id DF 255 240 cksum src dst; checksum verifies */
static void test_ip_header(void)
{
	static const uint8_t want[PFSD_TUN_IPHDR] = {
	    0x45, 0x10, 0x00, 0x78, 0x12, 0x34, 0x40, 0x00, 0xff, 0xf0,
	    0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0xf0,
	};
	uint8_t h[PFSD_TUN_IPHDR];
	uint32_t sum = 0;
	size_t i;

	pfsd_tun_ip_header(h, 100, 0x1234, 0x0a000001, 0xe00000f0);
	T_MEMEQ(h, want, 10);
	T_MEMEQ(h + 12, want + 12, 8);
	for (i = 0; i < sizeof(h); i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	T_EQ(sum, 0xffff);
}

/* RFC 8200: 6 | tclass 0x10 | flow 0, payload length, next header 240,
 * hop limit 255, then source and destination (ff12::f0). */
static void test_ip6_header(void)
{
	static const uint8_t src[16] = {0xfe, 0x80, [15] = 0x01};
	static const uint8_t dst[16] = {0xff, 0x12, [15] = 0xf0};
	static const uint8_t want[8] = {0x61, 0x00, 0x00, 0x00,
					0x01, 0x2c, 0xf0, 0xff};
	uint8_t h[PFSD_TUN_IP6HDR];

	pfsd_tun_ip6_header(h, 300, src, dst);
	T_MEMEQ(h, want, 8);
	T_MEMEQ(h + 8, src, 16);
	T_MEMEQ(h + 24, dst, 16);
}

int main(void)
{
	T_RUN(test_listener_lines);
	T_RUN(test_ip_header);
	T_RUN(test_ip6_header);
	return t_done();
}
