/*
 * g_v6.h - OpenBSD v6 golden records (pfsync-modern.md §1.2-§1.5), written
 * from the reference: two state fixtures, UPD_C, the small records and the
 * header / subheader.  Used by test_wire_v6.c and test_engine_v6.c.
 */
#ifndef PFSYNC_G_V6_H
#define PFSYNC_G_V6_H

#include <sys/socket.h>

#include "pfsync/wire_bsd.h"
#include "g_bsd.h"
#include "t_state.h"

/*
 * Fixture 0: outbound TCP, NAT 10.0.0.1:1234 -> 192.0.2.1:40000 towards
 * 198.51.100.7:443, allow-opts, ACK flag, rtable 3.
 * Fixture 1: inbound UDP over IPv6 (fd00::1 -> 2001:db8::7:53), no NAT.
 */
static inline void fx_state(struct pfs_bsd_state *s, uint8_t k)
{
	struct pfs_state *st = &s->st;

	memset(s, 0, sizeof(*s));
	st->id = 0x0102030405060708ULL + k;
	strcpy(st->ifname, k ? "vlan100" : "em0");
	if (k == 0) {
		t_host4(&st->lan, 10, 0, 0, 1, 1234);
		t_host4(&st->gwy, 192, 0, 2, 1, 40000);
		t_host4(&st->ext, 198, 51, 100, 7, 443);
	} else {
		st->ext.addr.a[0] = 0xfd;
		st->ext.addr.a[15] = 1;
		st->ext.port = 5353;
		st->lan.addr.a[0] = 0x20;
		st->lan.addr.a[1] = 0x01;
		st->lan.addr.a[2] = 0x0d;
		st->lan.addr.a[3] = 0xb8;
		st->lan.addr.a[15] = 7;
		st->lan.port = 53;
		st->gwy = st->lan;
	}
	fx_peer(&st->src, k);
	fx_peer(&st->dst, (uint8_t)(k + 2));
	st->rt_addr.a[0] = 172;
	st->rt_addr.a[3] = 254;
	st->rule = 5 + k;
	st->anchor = PFS_NO_RULE;
	st->nat_rule = PFS_NO_RULE;
	st->creation = 3600;
	st->expire = 86400 + k;
	st->packets[0] = 0x0000000100000002ULL;
	st->packets[1] = 3;
	st->bytes[0] = 0x8000000000000001ULL;
	st->bytes[1] = 0x00000000ffffffffULL;
	st->creatorid = 0xdeadbeef;
	st->af = k ? AF_INET6 : AF_INET;
	st->proto = k ? 17 : 6;
	st->direction = k ? PFS_DIR_IN : PFS_DIR_OUT;
	st->log = 1;
	st->allow_opts = k ? 0 : 1;
	st->timeout = k ? PFS_TM_UDP_MULTIPLE : PFS_TM_TCP_ESTABLISHED;
	st->updates = 7;
	s->x.key_af[0] = st->af;
	s->x.key_af[1] = st->af;
	s->x.stack_proto = st->proto;
	s->x.rtableid[0] = k ? -1 : 3;
	s->x.rtableid[1] = -1;
	s->x.max_mss = k ? 0 : 1400;
	s->x.rt = k ? 0 : 1;
	s->x.sync_flags = k ? 0 : 0x04;
	s->x.min_ttl = k ? 0 : 64;
	s->x.set_tos = k ? 0 : 0x10;
	s->x.state_flags = k ? 0 : 0x0010;
	s->x.set_prio[0] = k ? 0 : 3;
	s->x.set_prio[1] = k ? 0 : 5;
}

/* Golden pfsync_state, 264 bytes (§1.5), for fixture k at b + off. */
static inline void g_state(uint8_t *b, size_t off, uint8_t k)
{
	size_t i;

	g64(b, off + 0, 0x0102030405060708ULL + k);
	memcpy(b + off + 8, k ? "vlan100" : "em0", k ? 7 : 3);
	for (i = 0; i < 2; i++) {
		size_t key = off + 24 + i * 40; /* key[0] wire, key[1] stack */

		if (k == 0) {
			gip4(b, key + 0, 198, 51, 100, 7); /* addr[0] ext */
			if (i == 0)
				gip4(b, key + 16, 192, 0, 2, 1); /* gwy */
			else
				gip4(b, key + 16, 10, 0, 0, 1); /* lan */
			g16(b, key + 32, 443);
			g16(b, key + 34, i == 0 ? 40000 : 1234);
			g8(b, key + 38, 2); /* AF_INET */
		} else {
			g8(b, key + 0, 0xfd);
			g8(b, key + 15, 1);
			g32(b, key + 16, 0x20010db8);
			g8(b, key + 31, 7);
			g16(b, key + 32, 5353);
			g16(b, key + 34, 53);
			g8(b, key + 38, 24); /* OpenBSD AF_INET6 */
		}
		/* rdomain at key + 36 stays 0 */
	}
	g_peer(b, off + 104, k);
	g_peer(b, off + 136, (uint8_t)(k + 2));
	gip4(b, off + 168, 172, 0, 0, 254);
	g32(b, off + 184, 5 + k);
	g32(b, off + 188, 0xffffffff);
	g32(b, off + 192, 0xffffffff);
	g32(b, off + 196, 3600);
	g32(b, off + 200, 86400 + k);
	g32(b, off + 204, 1);
	g32(b, off + 208, 2);
	g32(b, off + 212, 0);
	g32(b, off + 216, 3);
	g32(b, off + 220, 0x80000000);
	g32(b, off + 224, 1);
	g32(b, off + 228, 0);
	g32(b, off + 232, 0xffffffff);
	g32(b, off + 236, 0xdeadbeef);
	g32(b, off + 240, k ? 0xffffffff : 3);
	g32(b, off + 244, 0xffffffff);
	g16(b, off + 248, k ? 0 : 1400);
	g8(b, off + 250, k ? 24 : 2);
	g8(b, off + 251, k ? 17 : 6);
	g8(b, off + 252, k ? 1 : 2);
	g8(b, off + 253, 1);
	g8(b, off + 254, k ? 0 : 1);
	g8(b, off + 255, k ? 8 : 2);
	g8(b, off + 256, k ? 0 : 0x04);
	g8(b, off + 257, 7);
	g8(b, off + 258, k ? 0 : 64);
	g8(b, off + 259, k ? 0 : 0x10);
	g16(b, off + 260, k ? 0 : 0x0011); /* ACK | ALLOWOPTS */
	g8(b, off + 262, k ? 0 : 3);
	g8(b, off + 263, k ? 0 : 5);
}

static inline void fx_upd_c(struct pfs_bsd_upd_c *u, uint8_t k)
{
	memset(u, 0, sizeof(*u));
	u->id = 0x1112131415161718ULL + k;
	fx_peer(&u->src, k);
	fx_peer(&u->dst, (uint8_t)(k + 1));
	u->creatorid = 0xcafe0000u + k;
	u->timeout = PFS_TM_TCP_ESTABLISHED;
}

/* pfsync_upd_c, 84 bytes (§1.4); expire and state_flags stay 0 */
static inline void g_upd_c(uint8_t *b, size_t off, uint8_t k)
{
	g64(b, off + 0, 0x1112131415161718ULL + k);
	g_peer(b, off + 8, k);
	g_peer(b, off + 40, (uint8_t)(k + 1));
	g32(b, off + 72, 0xcafe0000u + k);
	g8(b, off + 80, 2);
}

/* pfsync_del_c / upd_req / ins_ack, 12 bytes (§1.4) */
static inline void g_ref(uint8_t *b, size_t off, uint64_t id, uint32_t cr)
{
	g64(b, off, id);
	g32(b, off + 8, cr);
}

/* Header (§1.2): version 6, pad 0, len, pfcksum all zero. */
static inline void g_hdr(uint8_t *b, uint16_t len)
{
	g8(b, 0, 6);
	g16(b, 2, len);
}

static inline void g_sub(uint8_t *b, size_t off, uint8_t act, uint8_t words,
			 uint16_t count)
{
	g8(b, off, act);
	g8(b, off + 1, words);
	g16(b, off + 2, count);
}

#endif
