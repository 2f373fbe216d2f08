/*
 * g_v5.h - FreeBSD v5 golden states in the three formats 1301, 1400 and
 * 1500 (pfsync-modern.md §2.2), written from the reference.  Used by
 * test_wire_v5.c and test_engine_v5.c.
 */
#ifndef PFSYNC_G_V5_H
#define PFSYNC_G_V5_H

#include <sys/socket.h>

#include "pfsync/wire_bsd.h"
#include "g_bsd.h"
#include "t_state.h"

/* Fields of the format's tail that this fixture sets (see g_state). */
static inline void fx_extra(struct pfs_bsd_state *s, unsigned fmt)
{
	struct pfs_bsd_extra *x = &s->x;

	x->key_af[0] = s->st.af;
	x->key_af[1] = s->st.af;
	x->stack_proto = s->st.proto;
	x->rtableid[0] = -1;
	x->rtableid[1] = -1;
	s->st.allow_opts = 1;
	if (fmt == 1301) {
		x->state_flags = 0x10; /* ACK; one byte in 1301 */
		x->sync_flags = 0x04;
		return;
	}
	x->state_flags = 0x0210;
	x->qid = 0x0102;
	x->pqid = 0x0304;
	x->dnpipe = 0x0506;
	x->dnrpipe = 0x0708;
	x->rtableid[0] = 3;
	x->min_ttl = 64;
	x->set_tos = 0x10;
	x->max_mss = 1400;
	x->set_prio[0] = 3;
	x->set_prio[1] = 5;
	x->rt = 1;
	strcpy(x->rt_ifname, "em1");
	if (fmt == 1400) {
		x->sync_flags = 0x04;
		return;
	}
	s->st.updates = 0; /* 1500 has no updates field */
	x->rt_af = AF_INET;
	strcpy(x->tagname, "web");
	strcpy(x->orig_ifname, "em0");
}

/* k = 0: outbound TCP with NAT over IPv4; k = 1: inbound UDP over IPv6. */
static inline void fx_state(struct pfs_bsd_state *s, uint8_t k, unsigned fmt)
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
	st->timeout = k ? PFS_TM_UDP_MULTIPLE : PFS_TM_TCP_ESTABLISHED;
	st->updates = 7;
	fx_extra(s, fmt);
}

/* The 232-byte prefix of every format (§2.2), keys of 36 bytes. */
static inline void g_prefix(uint8_t *b, size_t off, uint8_t k)
{
	size_t i;

	g64(b, off + 0, 0x0102030405060708ULL + k);
	memcpy(b + off + 8, k ? "vlan100" : "em0", k ? 7 : 3);
	for (i = 0; i < 2; i++) {
		size_t key = off + 24 + i * 36;

		if (k == 0) {
			gip4(b, key + 0, 198, 51, 100, 7);
			if (i == 0)
				gip4(b, key + 16, 192, 0, 2, 1);
			else
				gip4(b, key + 16, 10, 0, 0, 1);
			g16(b, key + 32, 443);
			g16(b, key + 34, i == 0 ? 40000 : 1234);
		} else {
			g8(b, key + 0, 0xfd);
			g8(b, key + 15, 1);
			g32(b, key + 16, 0x20010db8);
			g8(b, key + 31, 7);
			g16(b, key + 32, 5353);
			g16(b, key + 34, 53);
		}
	}
	g_peer(b, off + 96, k);
	g_peer(b, off + 128, (uint8_t)(k + 2));
	gip4(b, off + 160, 172, 0, 0, 254);
	g32(b, off + 176, 5 + k);
	g32(b, off + 180, 0xffffffff);
	g32(b, off + 184, 0xffffffff);
	g32(b, off + 188, 3600);
	g32(b, off + 192, 86400 + k);
	g64(b, off + 196, 0x0000000100000002ULL);
	g64(b, off + 204, 3);
	g64(b, off + 212, 0x8000000000000001ULL);
	g64(b, off + 220, 0x00000000ffffffffULL);
	g32(b, off + 228, 0xdeadbeef);
}

static inline void g_state(uint8_t *b, size_t off, uint8_t k, unsigned fmt)
{
	uint8_t af = k ? 28 : 2, proto = k ? 17 : 6, dir = k ? 1 : 2;
	uint8_t tmo = k ? 8 : 2;

	g_prefix(b, off, k);
	if (fmt == 1301 || fmt == 1400) {
		g8(b, off + 232, af);
		g8(b, off + 233, proto);
		g8(b, off + 234, dir);
		g8(b, off + 237, 1); /* log */
		g8(b, off + 239, tmo);
		g8(b, off + 240, 0x04); /* sync_flags */
		g8(b, off + 241, 7);	/* updates */
	}
	if (fmt == 1301) {
		g8(b, off + 238, 0x11); /* state_flags: ACK | ALLOWOPTS */
		return;
	}
	if (fmt == 1400) {
		g16(b, off + 235, 0x0211);
		g16(b, off + 242, 0x0102);
		g16(b, off + 244, 0x0304);
		g16(b, off + 246, 0x0506);
		g16(b, off + 248, 0x0708);
		g32(b, off + 250, 3);
		g8(b, off + 254, 64);
		g8(b, off + 255, 0x10);
		g16(b, off + 256, 1400);
		g8(b, off + 258, 3);
		g8(b, off + 259, 5);
		g8(b, off + 260, 1);
		memcpy(b + off + 261, "em1", 3);
		return;
	}
	memcpy(b + off + 232, "web", 3);
	memcpy(b + off + 296, "em1", 3);
	memcpy(b + off + 312, "em0", 3);
	g32(b, off + 328, 3);
	g16(b, off + 332, 0x0211);
	g16(b, off + 334, 0x0102);
	g16(b, off + 336, 0x0304);
	g16(b, off + 338, 0x0506);
	g16(b, off + 340, 0x0708);
	g16(b, off + 342, 1400);
	g8(b, off + 344, af); /* wire_af */
	g8(b, off + 345, af); /* stack_af */
	g8(b, off + 346, 2);  /* rt_af */
	g8(b, off + 347, proto);
	g8(b, off + 348, proto);
	g8(b, off + 349, 1);
	g8(b, off + 350, tmo);
	g8(b, off + 351, dir);
	g8(b, off + 352, 1);
	g8(b, off + 353, 64);
	g8(b, off + 354, 0x10);
	g8(b, off + 355, 3);
	g8(b, off + 356, 5);
}

#endif
