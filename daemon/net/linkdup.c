/*
 * linkdup.c - one copy of each packet over several sync links, and the
 * peers' addresses per link (linkdup.h; the design is links.c's).
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/wire_v3.h"

#include "net/linkdup.h"

_Static_assert(PFSD_LINKDUP_KEYLEN == crypto_shorthash_KEYBYTES,
	       "the hash key is SipHash's");

#define LK_LINKS     PFSD_LINKDUP_LINKS
#define LK_SEEN	     32768		    /* packets remembered ... */
#define LK_WINDOW_MS PFSD_LINKDUP_WINDOW_MS /* ... after the last copy */
#define LK_PROBES    8			    /* slots a packet may take */
#define LK_NODES     64			    /* peers known by their addresses */

/* One packet seen: its hash, when last, copies per link, and where
 * and from whom its first copy came. */
struct lk_seen {
	uint64_t h;
	uint64_t at_ms; /* 0: free */
	uint8_t cnt[LK_LINKS];
	uint8_t link0;
	uint32_t src0;
};

struct lk_node {
	bool used;
	uint32_t key;
	uint32_t addr[LK_LINKS]; /* 0: not known on that link */
	uint64_t born_ms, heard_ms;
};

struct pfsd_linkdup {
	uint64_t evicted; /* entries forgotten inside the window */
	uint64_t joined;  /* addresses joined to a node */
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	struct lk_node node[LK_NODES];
	struct lk_seen seen[LK_SEEN];
};

/* ---- nodes ------------------------------------------------------------ */

static struct lk_node *lk_node_find(struct pfsd_linkdup *L, unsigned link,
				    uint32_t addr)
{
	unsigned i;

	for (i = 0; i < LK_NODES; i++)
		if (L->node[i].used && L->node[i].addr[link] == addr)
			return &L->node[i];
	return NULL;
}

static struct lk_node *lk_node_by_key(struct pfsd_linkdup *L, uint32_t key)
{
	unsigned i;

	for (i = 0; i < LK_NODES; i++)
		if (L->node[i].used && L->node[i].key == key)
			return &L->node[i];
	return NULL;
}

/* A new node for addr on link: a free slot, else the least recently
 * heard (configured ones are heard as the others). */
static struct lk_node *lk_node_new(struct pfsd_linkdup *L, unsigned link,
				   uint32_t addr, uint64_t now)
{
	struct lk_node *n = &L->node[0];
	unsigned i;

	for (i = 0; i < LK_NODES && n->used; i++)
		if (!L->node[i].used || L->node[i].heard_ms < n->heard_ms)
			n = &L->node[i];
	memset(n, 0, sizeof(*n));
	n->used = true;
	n->key = addr;
	n->addr[link] = addr;
	n->born_ms = n->heard_ms = now;
	return n;
}

/* The engine's key for a packet from src on link. */
uint32_t pfsd_linkdup_key(struct pfsd_linkdup *L, unsigned link, uint32_t src,
			  uint64_t now)
{
	struct lk_node *n = lk_node_find(L, link, src);

	if (n == NULL)
		n = lk_node_new(L, link, src, now);
	n->heard_ms = now;
	return n->key;
}

/* src on link is the node the first copy of a packet came from. */
static void lk_join(struct pfsd_linkdup *L, const struct lk_seen *e,
		    unsigned link, uint32_t src)
{
	struct lk_node *a = lk_node_find(L, e->link0, e->src0);
	struct lk_node *b = lk_node_find(L, link, src), *keep, *gone;
	unsigned k;

	if (a == NULL || a == b)
		return;
	L->joined++;
	if (b == NULL) {
		a->addr[link] = src;
		return;
	}
	keep = a->born_ms <= b->born_ms ? a : b;
	gone = keep == a ? b : a;
	for (k = 0; k < LK_LINKS; k++)
		if (keep->addr[k] == 0)
			keep->addr[k] = gone->addr[k];
	keep->addr[link] = src;
	gone->used = false;
}

/* ---- one copy of each packet -------------------------------------------*/

static uint64_t lk_hash(const struct pfsd_linkdup *L, const uint8_t *p,
			size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, p, len, L->hkey);
	memcpy(&h, out, sizeof(h));
	return h != 0 ? h : 1;
}

/* The most copies of e on a link other than link. */
static unsigned lk_others(const struct lk_seen *e, unsigned link)
{
	unsigned k, m = 0;

	for (k = 0; k < LK_LINKS; k++)
		if (k != link && e->cnt[k] > m)
			m = e->cnt[k];
	return m;
}

/* The slot of h: its entry, else a free or expired one, else the
 * oldest of its probes (counted when still inside the window). */
static struct lk_seen *lk_slot(struct pfsd_linkdup *L, uint64_t h, uint64_t now,
			       bool *found)
{
	struct lk_seen *e, *free = NULL, *old = NULL;
	unsigned i;

	for (i = 0; i < LK_PROBES; i++) {
		e = &L->seen[(h + i) & (LK_SEEN - 1)];
		if (e->at_ms != 0 && now - e->at_ms > LK_WINDOW_MS)
			e->at_ms = 0;
		if (e->at_ms != 0 && e->h == h) {
			*found = true;
			return e;
		}
		if (e->at_ms == 0 && free == NULL)
			free = e;
		if (old == NULL || e->at_ms < old->at_ms)
			old = e;
	}
	*found = false;
	if (free == NULL) {
		L->evicted++;
		free = old;
	}
	return free;
}

/* Is this arrival on link a copy of a packet taken already? */
bool pfsd_linkdup_copy(struct pfsd_linkdup *L, const uint8_t *p, size_t len,
		       unsigned link, uint32_t src, uint64_t now)
{
	uint64_t h = lk_hash(L, p, len);
	struct lk_seen *e;
	bool found;

	e = lk_slot(L, h, now, &found);
	if (!found) {
		memset(e, 0, sizeof(*e));
		e->h = h;
		e->link0 = (uint8_t)link;
		e->src0 = src;
	}
	e->at_ms = now;
	if (e->cnt[link] < UINT8_MAX)
		e->cnt[link]++;
	if (e->cnt[link] > lk_others(e, link))
		return false;
	if (e->link0 != link)
		lk_join(L, e, link, src);
	return true;
}

struct pfsd_linkdup *pfsd_linkdup_new(const uint8_t *key)
{
	struct pfsd_linkdup *L;

	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	L = calloc(1, sizeof(*L));
	if (L == NULL)
		return NULL;
	if (key != NULL)
		memcpy(L->hkey, key, sizeof(L->hkey));
	else
		crypto_shorthash_keygen(L->hkey);
	return L;
}

void pfsd_linkdup_free(struct pfsd_linkdup *L)
{
	free(L);
}

uint32_t pfsd_linkdup_dst(struct pfsd_linkdup *L, unsigned link, uint32_t key)
{
	struct lk_node *n;

	if (key == PFS_V3_GROUP)
		return key;
	n = lk_node_by_key(L, key);
	if (n != NULL)
		return n->addr[link];
	return link == 0 ? key : 0;
}

void pfsd_linkdup_seed(struct pfsd_linkdup *L,
		       const uint32_t addr[PFSD_LINKDUP_LINKS])
{
	struct lk_node *n = lk_node_new(L, 0, addr[0], 0);

	memcpy(n->addr, addr, sizeof(n->addr));
}

uint64_t pfsd_linkdup_evicted(const struct pfsd_linkdup *L)
{
	return L->evicted;
}

uint64_t pfsd_linkdup_joined(const struct pfsd_linkdup *L)
{
	return L->joined;
}
