/*
 * peeraddr.c - IPv6 peer addresses <-> 32-bit engine keys (see peeraddr.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "net/peeraddr.h"

bool pfsd_peeraddr_is_key(uint32_t v)
{
	return v != 0 && v <= PFSD_PEERADDR_KEY_MAX;
}

static struct pfsd_peeraddr_ent *pa_find_addr(struct pfsd_peeraddr *t,
					      const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (memcmp(t->e[i].addr, addr, 16) == 0)
			return &t->e[i];
	return NULL;
}

static const struct pfsd_peeraddr_ent *
pa_find_key(const struct pfsd_peeraddr *t, uint32_t key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].key == key)
			return &t->e[i];
	return NULL;
}

/* The next key no entry holds: 1 .. KEY_MAX - 1, round and round
 * (KEY_MAX itself stands for "no room", and finds no address). */
static uint32_t pa_next_key(struct pfsd_peeraddr *t)
{
	uint32_t k;

	do {
		k = t->next;
		t->next = k >= PFSD_PEERADDR_KEY_MAX - 1 ? 1 : k + 1;
	} while (k == 0 || pa_find_key(t, k) != NULL);
	return k;
}

/* A free slot, else the unpinned one used least recently; NULL when
 * every entry is pinned. */
static struct pfsd_peeraddr_ent *pa_slot(struct pfsd_peeraddr *t)
{
	struct pfsd_peeraddr_ent *old = NULL;
	size_t i;

	if (t->n < PFSD_PEERADDR_MAX)
		return &t->e[t->n++];
	for (i = 0; i < t->n; i++)
		if (!t->e[i].pinned &&
		    (old == NULL || t->e[i].used < old->used))
			old = &t->e[i];
	if (old != NULL)
		t->evicted++;
	return old;
}

static struct pfsd_peeraddr_ent *pa_get(struct pfsd_peeraddr *t,
					const uint8_t addr[16])
{
	struct pfsd_peeraddr_ent *p = pa_find_addr(t, addr);

	if (p == NULL) {
		p = pa_slot(t);
		if (p == NULL)
			return NULL;
		memset(p, 0, sizeof(*p));
		memcpy(p->addr, addr, 16);
		p->key = pa_next_key(t);
	}
	p->used = ++t->tick;
	return p;
}

/* Room for a source not confirmed yet: a free slot, the provisional
 * entry used least recently, else the peer heard least recently among
 * those silent for PFSD_PEERADDR_LIVE_MS; NULL when none. */
static struct pfsd_peeraddr_ent *pa_probe_slot(struct pfsd_peeraddr *t,
					       uint64_t now_ms)
{
	struct pfsd_peeraddr_ent *prov = NULL, *quiet = NULL, *p;
	size_t i;

	if (t->n < PFSD_PEERADDR_MAX)
		return &t->e[t->n++];
	for (i = 0; i < t->n; i++) {
		p = &t->e[i];
		if (p->pinned)
			continue;
		if (!p->proven && (prov == NULL || p->used < prov->used))
			prov = p;
		else if (p->proven &&
			 p->heard_ms + PFSD_PEERADDR_LIVE_MS <= now_ms &&
			 (quiet == NULL || p->heard_ms < quiet->heard_ms))
			quiet = p;
	}
	p = prov != NULL ? prov : quiet;
	if (p != NULL)
		t->evicted++;
	return p;
}

uint32_t pfsd_peeraddr_probe(struct pfsd_peeraddr *t, const uint8_t addr[16],
			     uint64_t now_ms)
{
	struct pfsd_peeraddr_ent *p = pa_find_addr(t, addr);

	if (p != NULL)
		return p->key;
	p = pa_probe_slot(t, now_ms);
	if (p == NULL) {
		t->refused++;
		return PFSD_PEERADDR_KEY_MAX;
	}
	memset(p, 0, sizeof(*p));
	memcpy(p->addr, addr, 16);
	p->key = pa_next_key(t);
	p->used = ++t->tick;
	return p->key;
}

void pfsd_peeraddr_confirm(struct pfsd_peeraddr *t, uint32_t key,
			   uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].key == key) {
			t->e[i].proven = true;
			t->e[i].heard_ms = now_ms;
			t->e[i].used = ++t->tick;
			return;
		}
}

uint32_t pfsd_peeraddr_key(struct pfsd_peeraddr *t, const uint8_t addr[16])
{
	struct pfsd_peeraddr_ent *p = pa_get(t, addr);

	return p != NULL ? p->key : PFSD_PEERADDR_KEY_MAX;
}

uint32_t pfsd_peeraddr_pin(struct pfsd_peeraddr *t, const uint8_t addr[16])
{
	struct pfsd_peeraddr_ent *p = pa_get(t, addr);

	if (p == NULL)
		return PFSD_PEERADDR_KEY_MAX;
	p->pinned = true;
	return p->key;
}

uint32_t pfsd_peeraddr_find(const struct pfsd_peeraddr *t,
			    const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (memcmp(t->e[i].addr, addr, 16) == 0)
			return t->e[i].key;
	return 0;
}

void pfsd_peeraddr_unpin_all(struct pfsd_peeraddr *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		t->e[i].pinned = false;
}

int pfsd_peeraddr_addr(const struct pfsd_peeraddr *t, uint32_t key,
		       uint8_t addr[16])
{
	const struct pfsd_peeraddr_ent *p = pa_find_key(t, key);

	if (p == NULL)
		return -1;
	memcpy(addr, p->addr, 16);
	return 0;
}

const char *pfsd_peeraddr_str(const struct pfsd_peeraddr *t, uint32_t v,
			      char *buf, size_t len)
{
	uint8_t a6[16];
	struct in_addr a;

	if (pfsd_peeraddr_is_key(v)) {
		if (t == NULL || pfsd_peeraddr_addr(t, v, a6) == -1 ||
		    inet_ntop(AF_INET6, a6, buf, (socklen_t)len) == NULL)
			snprintf(buf, len, "unknown");
		return buf;
	}
	a.s_addr = htonl(v);
	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}
