/*
 * test_peeraddr.c - IPv6 peers as 32-bit engine keys: stable, distinct
 * from every IPv4 address a packet can come from, never the group
 * sentinel, bounded, the pinned syncpeer never evicted, an evicted key
 * not handed to another address, and printed back as the real address.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "net/peeraddr.h"
#include "pfsync/wire_v3.h"
#include "t.h"

static void t_addr(uint8_t a[16], unsigned n)
{
	char s[64];

	snprintf(s, sizeof(s), "2001:db8::%x", n);
	T_EQ(inet_pton(AF_INET6, s, a), 1);
}

static void test_key_stable(void)
{
	static struct pfsd_peeraddr t;
	uint8_t a[16], b[16], out[16];
	uint32_t ka, kb;

	memset(&t, 0, sizeof(t));
	t_addr(a, 1);
	t_addr(b, 2);
	ka = pfsd_peeraddr_key(&t, a);
	kb = pfsd_peeraddr_key(&t, b);
	T_CHECK(ka != kb);
	T_EQ(pfsd_peeraddr_key(&t, a), ka);
	T_CHECK(pfsd_peeraddr_is_key(ka) && pfsd_peeraddr_is_key(kb));
	T_CHECK(ka != PFS_V3_GROUP && (ka >> 24) == 0);
	T_EQ(pfsd_peeraddr_addr(&t, kb, out), 0);
	T_MEMEQ(out, b, 16);
	T_EQ(pfsd_peeraddr_addr(&t, 12345, out), -1);
	T_EQ(pfsd_peeraddr_find(&t, b), kb);
	t_addr(b, 3);
	T_EQ(pfsd_peeraddr_find(&t, b), 0);
	T_EQ(t.n, 2); /* find adds nothing */
}

/* IPv4 addresses (host order) are never keys, 0 is not either. */
static void test_is_key(void)
{
	T_CHECK(!pfsd_peeraddr_is_key(0));
	T_CHECK(!pfsd_peeraddr_is_key(0x0a000001));
	T_CHECK(!pfsd_peeraddr_is_key(PFS_V3_GROUP));
	T_CHECK(!pfsd_peeraddr_is_key(0x01000000));
	T_CHECK(pfsd_peeraddr_is_key(1));
	T_CHECK(pfsd_peeraddr_is_key(0x00ffffff));
}

/* Full: the least recently used unpinned entry goes; the pinned stays;
 * the evicted key finds no address and is not reused at once. */
static void test_evict(void)
{
	static struct pfsd_peeraddr t;
	uint8_t a[16], out[16];
	uint32_t pinned, first, k;
	unsigned i;

	memset(&t, 0, sizeof(t));
	t_addr(a, 0x100);
	pinned = pfsd_peeraddr_pin(&t, a);
	t_addr(a, 0);
	first = pfsd_peeraddr_key(&t, a);
	for (i = 1; i < PFSD_PEERADDR_MAX - 1; i++) {
		t_addr(a, i);
		(void)pfsd_peeraddr_key(&t, a);
	}
	T_EQ(t.n, PFSD_PEERADDR_MAX);
	for (i = 0; i < 3 * PFSD_PEERADDR_MAX; i++) {
		t_addr(a, 0x1000 + i);
		k = pfsd_peeraddr_key(&t, a);
		T_CHECK(k != first && k != pinned);
	}
	T_EQ(t.n, PFSD_PEERADDR_MAX);
	T_EQ(t.evicted, 3 * PFSD_PEERADDR_MAX);
	T_EQ(pfsd_peeraddr_addr(&t, first, out), -1);
	T_EQ(pfsd_peeraddr_addr(&t, pinned, out), 0);
	t_addr(a, 0x100);
	T_MEMEQ(out, a, 16);
	pfsd_peeraddr_unpin_all(&t);
	for (i = 0; i < PFSD_PEERADDR_MAX; i++) {
		t_addr(a, 0x2000 + i);
		(void)pfsd_peeraddr_key(&t, a);
	}
	T_EQ(pfsd_peeraddr_addr(&t, pinned, out), -1);
}

/* Keys wrap within 1 .. KEY_MAX - 1, skipping the ones in use. */
static void test_wrap(void)
{
	static struct pfsd_peeraddr t;
	uint8_t a[16];
	uint32_t k;

	memset(&t, 0, sizeof(t));
	t_addr(a, 1);
	T_EQ(pfsd_peeraddr_key(&t, a), 1);
	t.next = PFSD_PEERADDR_KEY_MAX - 1;
	t_addr(a, 2);
	T_EQ(pfsd_peeraddr_key(&t, a), PFSD_PEERADDR_KEY_MAX - 1);
	t_addr(a, 3);
	k = pfsd_peeraddr_key(&t, a);
	T_EQ(k, 2); /* 1 is taken */
}

static void test_str(void)
{
	static struct pfsd_peeraddr t;
	char buf[PFSD_PEERADDR_STRLEN];
	uint8_t a[16];
	uint32_t k;

	memset(&t, 0, sizeof(t));
	T_EQ(inet_pton(AF_INET6, "fe80::1:2", a), 1);
	k = pfsd_peeraddr_key(&t, a);
	T_CHECK(strcmp(pfsd_peeraddr_str(&t, k, buf, sizeof(buf)),
		       "fe80::1:2") == 0);
	T_CHECK(strcmp(pfsd_peeraddr_str(&t, 0x0a530001, buf, sizeof(buf)),
		       "10.83.0.1") == 0);
	T_CHECK(strcmp(pfsd_peeraddr_str(&t, k + 1, buf, sizeof(buf)),
		       "unknown") == 0);
	T_CHECK(strcmp(pfsd_peeraddr_str(NULL, 0x0a530001, buf, sizeof(buf)),
		       "10.83.0.1") == 0);
}

/*
 * L2: a source is only probed when its packet arrives, and becomes a peer
 * once the packet passes the seal or header check (confirm).  200 spoofed
 * sources never confirmed evict no peer: they take each other's room.
 */
static void test_probe_spoofed(void)
{
	static struct pfsd_peeraddr t;
	uint8_t a[16], out[16];
	uint32_t peer[8], k;
	uint64_t now = 1000;
	unsigned i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < 8; i++) {
		t_addr(a, 0x10 + i);
		peer[i] = pfsd_peeraddr_probe(&t, a, now);
		pfsd_peeraddr_confirm(&t, peer[i], now);
	}
	for (i = 0; i < 200; i++) {
		t_addr(a, 0x1000 + i);
		k = pfsd_peeraddr_probe(&t, a, now + i);
		T_CHECK(k != PFSD_PEERADDR_KEY_MAX);
	}
	for (i = 0; i < 8; i++) {
		T_EQ(pfsd_peeraddr_addr(&t, peer[i], out), 0);
		t_addr(a, 0x10 + i);
		T_MEMEQ(out, a, 16);
		T_EQ(pfsd_peeraddr_probe(&t, a, now + 300), peer[i]);
	}
	T_EQ(t.n, PFSD_PEERADDR_MAX);
	T_EQ(t.refused, 0);
}

/* Every entry a live peer: a new source gets no key (counted); once a
 * peer has been silent PFSD_PEERADDR_LIVE_MS, the quietest makes room. */
static void test_probe_full(void)
{
	static struct pfsd_peeraddr t;
	uint8_t a[16], out[16];
	uint32_t first = 0, k;
	uint64_t now = 1000;
	unsigned i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < PFSD_PEERADDR_MAX; i++) {
		t_addr(a, i);
		k = pfsd_peeraddr_probe(&t, a, now + i);
		pfsd_peeraddr_confirm(&t, k, now + i);
		if (i == 0)
			first = k;
	}
	t_addr(a, 0x5000);
	T_EQ(pfsd_peeraddr_probe(&t, a, now + 100), PFSD_PEERADDR_KEY_MAX);
	T_EQ(t.refused, 1);
	T_EQ(pfsd_peeraddr_addr(&t, first, out), 0);
	/* everyone but the first keeps talking */
	now += PFSD_PEERADDR_LIVE_MS;
	for (i = 1; i < PFSD_PEERADDR_MAX; i++) {
		t_addr(a, i);
		pfsd_peeraddr_confirm(&t, pfsd_peeraddr_probe(&t, a, now), now);
	}
	t_addr(a, 0x5000);
	k = pfsd_peeraddr_probe(&t, a, now + 1);
	T_CHECK(k != PFSD_PEERADDR_KEY_MAX);
	T_EQ(pfsd_peeraddr_addr(&t, first, out), -1);
}

int main(void)
{
	T_RUN(test_key_stable);
	T_RUN(test_is_key);
	T_RUN(test_evict);
	T_RUN(test_wrap);
	T_RUN(test_str);
	T_RUN(test_probe_spoofed);
	T_RUN(test_probe_full);
	return t_done();
}
