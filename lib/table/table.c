/*
 * table.c - the in-memory state table.
 *
 * Layout, chosen to hold tens of millions of states in at most 256 bytes
 * each, indexes included, and to find one with two cache misses:
 *
 *   chunks[] -> chunk: live bitmap (1 bit a slot), st[0 .. TBL_CHUNK_SLOTS-1]
 *   id index:  cells[nhomes + tail] = { uint32 hash, uint32 slot }
 *   key index: the same, over the flow key hash
 *
 * Both hashes are keyed by the table's secret (hash.h's multiply-shift
 * family, strongly universal): the ids and flow keys are chosen by peers
 * and by hosts whose traffic crosses the firewall, and a hash they could
 * compute would let them pile their states on one cell (security review
 * H1).
 *
 * A state lives in a numbered slot; slot s is st[s % TBL_CHUNK_SLOTS] of
 * chunk s / TBL_CHUNK_SLOTS.  Chunks are allocated once and never moved,
 * so a state pointer stays valid until the state is removed.  A free slot
 * has its live bit clear and keeps the next free slot in its id field
 * (LIFO free list, reused first).  The walk visits live slots 0 .. used-1.
 *
 * Each index is an ordered linear-probing table: a 32-bit hash h has the
 * home cell (h * nhomes) >> 32, which grows with h, and the cells are kept
 * sorted by hash (Robin Hood order).  So a lookup starts at the home,
 * skips smaller hashes, and stops at the first larger one or an empty
 * cell: hits and misses alike read one or two adjacent cache lines, and a
 * state is touched only when its full 32-bit hash matches.  Removal shifts
 * the following displaced cells back (no tombstones).  Runs may spill past
 * the last home into the tail, TBL_TAIL spare cells or more: an insert
 * that would fill the cell before the last doubles the tail, so no run,
 * however long, blocks inserts or growth.  The very last cell stays empty
 * as a sentinel, so scans need no bounds check.
 *
 * The indexes grow by half when the load passes 7/8.  As the cells are
 * sorted by hash, a resize is one sequential merge of the old cells into
 * the new array: no state is read and none moves.  A growth that fails
 * (no memory) is tried again only after nhomes / 64 more states, not on
 * every insert; until then the load may reach 31/32.  8 bytes a cell, at
 * a load of 0.58 to 0.875, is 18 to 28 bytes of index per state, on top
 * of the 224-byte state: 242 to 252 bytes in all.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/hash.h"
#include "pfsync/table.h"

#define TBL_CHUNK_SHIFT 13
#define TBL_CHUNK_SLOTS (1u << TBL_CHUNK_SHIFT)
#define TBL_CHUNK_MASK	(TBL_CHUNK_SLOTS - 1)
#define TBL_NIL		UINT32_MAX /* empty cell, end of the free list */
#define TBL_MAX_SLOTS	(UINT32_MAX - 16)
#define TBL_MIN_HOMES	256u
#define TBL_MAX_HOMES	((size_t)1 << 32)
/* cells past the last home at least; the last is a sentinel */
#define TBL_TAIL  64u
#define TBL_BATCH 16u /* lookups whose cache misses are overlapped */
#define TBL_LINE  64u

struct tbl_cell {
	uint32_t hash;
	uint32_t slot; /* TBL_NIL: empty */
};

struct tbl_index {
	struct tbl_cell *cells; /* nhomes + tail, sorted by hash */
	size_t nhomes;		/* <= 2^32 */
	size_t tail;		/* >= TBL_TAIL */
};

/*
 * The bitmap first and the chunk 64-byte aligned: a 224-byte state then
 * starts at 0 or 32 modulo 64, so (id, creatorid) is always in one cache
 * line and the flow key fields (offsets 128..216) in two.
 */
struct tbl_chunk {
	uint64_t live[TBL_CHUNK_SLOTS / 64];
	struct pfs_state st[TBL_CHUNK_SLOTS];
};

/*
 * A state's extras (pfs_stx), out of line, by slot.  Mark, zone and the
 * flags sit in an 8-byte record per slot, in an array per chunk that is
 * allocated only once a state of that chunk has extras: 8 bytes a state
 * at most, found without hashing.  Labels, the second translation, the
 * helper, the sequence adjustment and SCTP, GRE or DCCP protocol info,
 * rare, go in a slot-keyed open-addressing table (linear probing, power
 * of two, at most 3/4 full) of 96-byte cells.  A table without extras
 * has neither, and every path that would consult them first sees xn == 0.
 */
struct tbl_xsmall {
	uint32_t mark;
	uint16_t zone;
	uint8_t has; /* PFS_STX_*; 0: no extras */
	uint8_t pad;
};

struct tbl_xcell {
	uint32_t slot; /* TBL_NIL: empty */
	uint16_t nat2_port;
	uint8_t labels[PFS_STX_LABELS_LEN];
	struct pfs_addr nat2_addr;
	char helper[PFS_STX_HELPER_LEN];
	struct pfs_seqadj seqadj[2];
	struct pfs_stx_proto proto; /* SCTP, GRE, DCCP: rare too */
};

/* The extras kept in a cell (the rest fit the 8-byte record). */
#define TBL_X_BIG                                                          \
	(PFS_STX_LABELS | PFS_STX_NAT2 | PFS_STX_HELPER | PFS_STX_SEQADJ |   \
	 PFS_STX_PROTO)

struct tbl_xmap {
	struct tbl_xcell *cells;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

_Static_assert(sizeof(struct tbl_xsmall) == 8, "mark and zone in 8 bytes");

struct pfs_table {
	struct tbl_chunk **chunks;
	size_t nchunks;	   /* chunks allocated */
	size_t chunks_cap; /* length of chunks[] */
	uint32_t used;	   /* slots ever handed out: the walk's end */
	uint32_t free_head;
	size_t count;
	struct tbl_index id;
	struct tbl_index key;
	struct pfs_hashkey hk; /* the secret of both hashes */
	struct pfs_msh msh;    /* their multipliers, from hk */
	size_t grow_at;	       /* after a failed growth: try again here */
	struct tbl_xsmall **xs; /* per chunk, NULL until needed */
	size_t xs_cap;		/* length of xs[] */
	size_t xs_chunks;	/* arrays allocated */
	size_t xn;		/* states with extras */
	struct tbl_xmap x;	/* labels and nat2 */
};

_Static_assert(sizeof(struct pfs_state) % 32 == 0,
	       "states must keep their 32-byte phase in a chunk");
_Static_assert(sizeof(struct tbl_chunk) -
		       sizeof(struct pfs_state) * TBL_CHUNK_SLOTS ==
		   TBL_CHUNK_SLOTS / 8,
	       "a chunk is its bitmap and its states");
_Static_assert(sizeof(struct pfs_state) + 28 <= 256,
	       "state and index cells exceed the 256-byte budget");

/* ---- hashing ------------------------------------------------------------ */

/* The index keeps the top 32 bits of the keyed hash. */
static uint32_t tbl_hash_id(const struct pfs_table *t, uint64_t id,
			    uint32_t creatorid)
{
	const uint64_t w[2] = {id, creatorid};

	return (uint32_t)(pfs_msh(&t->msh, w, 2) >> 32);
}

static uint32_t tbl_v4(const struct pfs_addr *a)
{
	uint32_t v;

	memcpy(&v, a->a, sizeof(v));
	return v;
}

static uint64_t tbl_w64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Hashes the key's fields, never its padding, as words that differ
 * whenever two keys differ (tbl_key_match): a key an outsider could make
 * hash like another under every secret would defeat the key.  Only the
 * first 4 bytes of an IPv4 pf_addr are meaningful (as in pf): both
 * addresses then make one word, and the fields the other (2 words).  Any
 * other family has its four address words, the fields and the family (6
 * words, the last never 0, so the two forms never meet).
 */
static uint32_t tbl_hash_key_parts(const struct pfs_table *t, uint8_t af,
				   uint8_t proto, uint8_t dir, uint16_t zone,
				   const struct pfs_host *lan,
				   const struct pfs_host *ext)
{
	uint64_t w[6];

	w[0] = (uint64_t)proto << 56 | (uint64_t)dir << 48 |
	       (uint64_t)zone << 32 | (uint64_t)lan->port << 16 | ext->port;
	if (af == AF_INET) {
		w[1] = (uint64_t)tbl_v4(&lan->addr) << 32 | tbl_v4(&ext->addr);
		return (uint32_t)(pfs_msh(&t->msh, w, 2) >> 32);
	}
	w[1] = tbl_w64(lan->addr.a);
	w[2] = tbl_w64(lan->addr.a + 8);
	w[3] = tbl_w64(ext->addr.a);
	w[4] = tbl_w64(ext->addr.a + 8);
	w[5] = 0x100u | af; /* never 0: never an IPv4 key's zero padding */
	return (uint32_t)(pfs_msh(&t->msh, w, 6) >> 32);
}

static uint32_t tbl_hash_key(const struct pfs_table *t,
			     const struct pfs_flowkey *k)
{
	return tbl_hash_key_parts(t, k->af, k->proto, k->direction, k->zone,
				  &k->lan, &k->ext);
}

static uint32_t tbl_hash_state_key(const struct pfs_table *t,
				   const struct pfs_state *st, uint16_t zone)
{
	return tbl_hash_key_parts(t, st->af, st->proto, st->direction, zone,
				  &st->lan, &st->ext);
}

/* Compares the address bytes the family uses. */
static int tbl_addr_eq(const struct pfs_addr *a, const struct pfs_addr *b,
		       uint8_t af)
{
	if (af == AF_INET)
		return tbl_v4(a) == tbl_v4(b);
	return ((tbl_w64(a->a) ^ tbl_w64(b->a)) |
		(tbl_w64(a->a + 8) ^ tbl_w64(b->a + 8))) == 0;
}

static int tbl_key_match(const struct pfs_state *st,
			 const struct pfs_flowkey *k)
{
	return st->af == k->af && st->proto == k->proto &&
	       st->direction == k->direction && st->lan.port == k->lan.port &&
	       st->ext.port == k->ext.port &&
	       tbl_addr_eq(&st->lan.addr, &k->lan.addr, k->af) &&
	       tbl_addr_eq(&st->ext.addr, &k->ext.addr, k->af);
}

static int tbl_id_match(const struct pfs_state *st, uint64_t id,
			uint32_t creatorid)
{
	return st->id == id && st->creatorid == creatorid;
}

/* ---- slots -------------------------------------------------------------- */

static struct pfs_state *tbl_state(const struct pfs_table *t, uint32_t slot)
{
	return &t->chunks[slot >> TBL_CHUNK_SHIFT]->st[slot & TBL_CHUNK_MASK];
}

static uint64_t *tbl_live_word(const struct pfs_table *t, uint32_t slot,
			       uint64_t *bit)
{
	*bit = 1ULL << (slot & 63);
	return &t->chunks[slot >> TBL_CHUNK_SHIFT]
		    ->live[(slot & TBL_CHUNK_MASK) >> 6];
}

static int tbl_is_live(const struct pfs_table *t, uint32_t slot)
{
	uint64_t bit;

	return (*tbl_live_word(t, slot, &bit) & bit) != 0;
}

static int tbl_add_chunk(struct pfs_table *t)
{
	struct tbl_chunk **a;
	void *c;
	size_t cap;

	if (t->nchunks == t->chunks_cap) {
		cap = t->chunks_cap ? t->chunks_cap * 2 : 16;
		a = realloc(t->chunks, cap * sizeof(*a));
		if (a == NULL)
			return -1;
		t->chunks = a;
		t->chunks_cap = cap;
	}
	if (posix_memalign(&c, TBL_LINE, sizeof(struct tbl_chunk)) != 0)
		return -1;
	/* only the bitmap: the states are written as they are inserted */
	memset(((struct tbl_chunk *)c)->live, 0,
	       sizeof(((struct tbl_chunk *)c)->live));
	t->chunks[t->nchunks++] = c;
	return 0;
}

/* Returns a free slot (reused first), or TBL_NIL with errno ENOMEM. */
static uint32_t tbl_slot_alloc(struct pfs_table *t)
{
	uint32_t s = t->free_head;

	if (s != TBL_NIL) {
		t->free_head = (uint32_t)tbl_state(t, s)->id;
		return s;
	}
	if (t->used >= TBL_MAX_SLOTS ||
	    (t->used == t->nchunks * TBL_CHUNK_SLOTS && tbl_add_chunk(t) < 0)) {
		errno = ENOMEM;
		return TBL_NIL;
	}
	return t->used++;
}

static void tbl_slot_set_live(struct pfs_table *t, uint32_t slot, int live)
{
	uint64_t bit, *w = tbl_live_word(t, slot, &bit);

	if (live) {
		*w |= bit;
		return;
	}
	*w &= ~bit;
	tbl_state(t, slot)->id = t->free_head;
	t->free_head = slot;
}

/* ---- extras by slot ---------------------------------------------------- */

static struct tbl_xsmall *tbl_xs(const struct pfs_table *t, uint32_t slot)
{
	size_t c = slot >> TBL_CHUNK_SHIFT;

	if (t->xn == 0 || c >= t->xs_cap || t->xs[c] == NULL)
		return NULL;
	return &t->xs[c][slot & TBL_CHUNK_MASK];
}

static uint16_t tbl_zone(const struct pfs_table *t, uint32_t slot)
{
	const struct tbl_xsmall *x = tbl_xs(t, slot);

	return x != NULL ? x->zone : 0;
}

/* The record of slot, its chunk's array made when missing; NULL+ENOMEM. */
static struct tbl_xsmall *tbl_xs_make(struct pfs_table *t, uint32_t slot)
{
	size_t c = slot >> TBL_CHUNK_SHIFT, cap;
	struct tbl_xsmall **a;

	if (c >= t->xs_cap) {
		cap = t->chunks_cap > c ? t->chunks_cap : c + 1;
		a = realloc(t->xs, cap * sizeof(*a));
		if (a == NULL)
			return NULL;
		memset(a + t->xs_cap, 0, (cap - t->xs_cap) * sizeof(*a));
		t->xs = a;
		t->xs_cap = cap;
	}
	if (t->xs[c] == NULL) {
		t->xs[c] = calloc(TBL_CHUNK_SLOTS, sizeof(struct tbl_xsmall));
		if (t->xs[c] == NULL)
			return NULL;
		t->xs_chunks++;
	}
	return &t->xs[c][slot & TBL_CHUNK_MASK];
}

static size_t tbl_x_home(uint32_t slot, size_t cap)
{
	return (size_t)((slot * 0x9e3779b1u) & (cap - 1));
}

static struct tbl_xcell *tbl_x_find(const struct pfs_table *t, uint32_t slot)
{
	size_t p;

	if (t->x.n == 0)
		return NULL;
	for (p = tbl_x_home(slot, t->x.cap); t->x.cells[p].slot != TBL_NIL;
	     p = (p + 1) & (t->x.cap - 1))
		if (t->x.cells[p].slot == slot)
			return &t->x.cells[p];
	return NULL;
}

static void tbl_x_place(struct tbl_xcell *cells, size_t cap,
			const struct tbl_xcell *c)
{
	size_t p = tbl_x_home(c->slot, cap);

	while (cells[p].slot != TBL_NIL)
		p = (p + 1) & (cap - 1);
	cells[p] = *c;
}

static int tbl_x_grow(struct pfs_table *t)
{
	size_t cap = t->x.cap ? t->x.cap * 2 : 64, i;
	struct tbl_xcell *n = malloc(cap * sizeof(*n));

	if (n == NULL)
		return -1;
	for (i = 0; i < cap; i++)
		n[i].slot = TBL_NIL;
	for (i = 0; i < t->x.cap; i++)
		if (t->x.cells[i].slot != TBL_NIL)
			tbl_x_place(n, cap, &t->x.cells[i]);
	free(t->x.cells);
	t->x.cells = n;
	t->x.cap = cap;
	return 0;
}

/* Backward-shift deletion of slot's cell, if any: no tombstones. */
static void tbl_x_unbig(struct pfs_table *t, uint32_t slot)
{
	struct tbl_xcell *c = tbl_x_find(t, slot);
	size_t mask = t->x.cap - 1, i, j, h;

	if (c == NULL)
		return;
	i = (size_t)(c - t->x.cells);
	for (j = (i + 1) & mask; t->x.cells[j].slot != TBL_NIL;
	     j = (j + 1) & mask) {
		h = tbl_x_home(t->x.cells[j].slot, t->x.cap);
		/* j's entry may move to i when its home is not in (i, j] */
		if (((j - h) & mask) >= ((j - i) & mask)) {
			t->x.cells[i] = t->x.cells[j];
			i = j;
		}
	}
	t->x.cells[i].slot = TBL_NIL;
	t->x.n--;
}

/* The big cell of slot, added when missing; NULL with ENOMEM. */
static struct tbl_xcell *tbl_x_big(struct pfs_table *t, uint32_t slot)
{
	struct tbl_xcell *c = tbl_x_find(t, slot), n;

	if (c != NULL)
		return c;
	if ((t->x.n + 1) * 4 > t->x.cap * 3 && tbl_x_grow(t) < 0)
		return NULL;
	memset(&n, 0, sizeof(n));
	n.slot = slot;
	tbl_x_place(t->x.cells, t->x.cap, &n);
	t->x.n++;
	return tbl_x_find(t, slot);
}

/* A slot's extras go (its state is removed, or has none any more). */
static void tbl_x_del(struct pfs_table *t, uint32_t slot)
{
	struct tbl_xsmall *x = tbl_xs(t, slot);

	if (x == NULL || x->has == 0)
		return;
	if (x->has & TBL_X_BIG)
		tbl_x_unbig(t, slot);
	memset(x, 0, sizeof(*x));
	t->xn--;
}

static void tbl_x_free(struct pfs_table *t)
{
	size_t i;

	for (i = 0; i < t->xs_cap; i++)
		free(t->xs[i]);
	free(t->xs);
	free(t->x.cells);
	t->xs = NULL;
	t->xs_cap = t->xs_chunks = t->xn = 0;
	memset(&t->x, 0, sizeof(t->x));
}

/* Store normalised extras x (has != 0) for slot. */
static int tbl_x_store(struct pfs_table *t, uint32_t slot,
		       const struct pfs_stx *x)
{
	bool big = (x->has & TBL_X_BIG) != 0;
	struct tbl_xsmall *s = tbl_xs_make(t, slot);
	struct tbl_xcell *c = NULL;

	if (s == NULL || (big && (c = tbl_x_big(t, slot)) == NULL)) {
		errno = ENOMEM;
		return -1;
	}
	if (!big && (s->has & TBL_X_BIG))
		tbl_x_unbig(t, slot);
	if (c != NULL) {
		memcpy(c->labels, x->labels, sizeof(c->labels));
		c->nat2_addr = x->nat2.addr;
		c->nat2_port = x->nat2.port;
		memcpy(c->helper, x->helper, sizeof(c->helper));
		memcpy(c->seqadj, x->seqadj, sizeof(c->seqadj));
		c->proto = x->proto;
	}
	if (s->has == 0)
		t->xn++;
	s->has = x->has;
	s->mark = x->mark;
	s->zone = x->zone;
	return 0;
}

/* ---- ordered linear-probing index ------------------------------------- */

static size_t tbl_home(uint32_t h, size_t nhomes)
{
	return (size_t)(((uint64_t)h * nhomes) >> 32);
}

static size_t tbl_ix_size(const struct tbl_index *x)
{
	return x->nhomes + x->tail;
}

static struct tbl_cell *tbl_cells_new(size_t ncells)
{
	size_t len = ncells * sizeof(struct tbl_cell);
	void *c;

	if (posix_memalign(&c, TBL_LINE, len) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(c, 0xff, len); /* every slot TBL_NIL */
	return c;
}

/* Doubles x's tail: the cells stay where they are, the new ones empty. */
static int tbl_ix_tail_grow(struct tbl_index *x)
{
	struct tbl_cell *nc = tbl_cells_new(x->nhomes + 2 * x->tail);

	if (nc == NULL)
		return -1;
	memcpy(nc, x->cells, tbl_ix_size(x) * sizeof(*nc));
	free(x->cells);
	x->cells = nc;
	x->tail *= 2;
	return 0;
}

/* First cell at or after h's home whose hash is not below h. */
static size_t tbl_ix_seek(const struct tbl_index *x, uint32_t h, size_t p)
{
	const struct tbl_cell *c = x->cells;

	while (c[p].slot != TBL_NIL && c[p].hash < h)
		p++;
	return p;
}

static int tbl_ix_hit(const struct tbl_index *x, size_t p, uint32_t h)
{
	return x->cells[p].slot != TBL_NIL && x->cells[p].hash == h;
}

/*
 * Room for one more: the cell before the sentinel must stay empty, so an
 * insert never shifts a cell onto it.  When a run reached it, the tail
 * doubles: a run at the end (equal hashes near 0xFFFFFFFF) costs cells,
 * never inserts.  -1 with ENOMEM only without memory.
 */
static int tbl_ix_room(struct tbl_index *x)
{
	if (x->cells[tbl_ix_size(x) - 2].slot == TBL_NIL)
		return 0;
	return tbl_ix_tail_grow(x);
}

/* Inserts after any equal hashes, shifting the rest of the run by one. */
static void tbl_ix_add(struct tbl_index *x, uint32_t h, uint32_t slot)
{
	struct tbl_cell *c = x->cells;
	size_t p = tbl_home(h, x->nhomes), q;

	while (c[p].slot != TBL_NIL && c[p].hash <= h)
		p++;
	for (q = p; c[q].slot != TBL_NIL; q++)
		;
	memmove(&c[p + 1], &c[p], (q - p) * sizeof(*c));
	c[p].hash = h;
	c[p].slot = slot;
}

/* Position of (h, slot), or SIZE_MAX. */
static size_t tbl_ix_pos(const struct tbl_index *x, uint32_t h, uint32_t slot)
{
	size_t p = tbl_ix_seek(x, h, tbl_home(h, x->nhomes));

	for (; tbl_ix_hit(x, p, h); p++)
		if (x->cells[p].slot == slot)
			return p;
	return SIZE_MAX;
}

/* Backward shift: displaced cells after p move one closer to home. */
static void tbl_ix_del_at(struct tbl_index *x, size_t p)
{
	struct tbl_cell *c = x->cells;
	size_t q;

	for (q = p + 1;
	     c[q].slot != TBL_NIL && tbl_home(c[q].hash, x->nhomes) < q; q++)
		c[q - 1] = c[q];
	c[q - 1].slot = TBL_NIL;
}

/*
 * The cells are sorted by hash and homes grow with the hash, so placing
 * them in order, each at its home or just after the previous one, is a
 * valid layout for any size: one sequential pass.  The new index starts
 * with the smallest tail, which doubles whenever the run at the end
 * needs it (so a long run never makes a resize fail).
 */
static int tbl_ix_resize(struct tbl_index *x, size_t nhomes)
{
	struct tbl_index n = {tbl_cells_new(nhomes + TBL_TAIL), nhomes,
			      TBL_TAIL};
	size_t i, p = 0, h, end = tbl_ix_size(x) - 1;

	if (n.cells == NULL)
		return -1;
	for (i = 0; i < end; i++) {
		if (x->cells[i].slot == TBL_NIL)
			continue;
		h = tbl_home(x->cells[i].hash, nhomes);
		p = p > h ? p : h;
		if (p >= tbl_ix_size(&n) - 2 && tbl_ix_tail_grow(&n) < 0) {
			free(n.cells); /* keep the old */
			return -1;
		}
		n.cells[p++] = x->cells[i];
	}
	free(x->cells);
	*x = n;
	return 0;
}

/* Grows both indexes by half (ENOMEM leaves them as they were). */
static int tbl_grow(struct pfs_table *t)
{
	size_t n = t->id.nhomes < t->key.nhomes ? t->id.nhomes : t->key.nhomes;

	n += n / 2;
	if (n > TBL_MAX_HOMES)
		n = TBL_MAX_HOMES;
	if (n <= t->id.nhomes && n <= t->key.nhomes) {
		errno = ENOMEM;
		return -1;
	}
	if (t->id.nhomes < n && tbl_ix_resize(&t->id, n) < 0)
		return -1;
	if (t->key.nhomes < n && tbl_ix_resize(&t->key, n) < 0)
		return -1;
	return 0;
}

static size_t tbl_homes_min(const struct pfs_table *t)
{
	return t->id.nhomes < t->key.nhomes ? t->id.nhomes : t->key.nhomes;
}

/*
 * Load at most 7/8, else grow.  A growth that failed (no memory, or the
 * largest index) is tried again after n / 64 more states, not on each
 * insert (each try allocates and copies the index); meanwhile the load
 * may reach 31/32, past which ENOMEM (linear probing slows down sharply
 * near a full index).  Then room in both tails.
 */
static int tbl_make_room(struct pfs_table *t)
{
	size_t n = tbl_homes_min(t);

	if (t->count >= n - n / 8 && t->count >= t->grow_at &&
	    tbl_grow(t) < 0)
		t->grow_at = t->count + n / 64 + 1;
	n = tbl_homes_min(t);
	if (t->count >= n - n / 32) {
		errno = ENOMEM;
		return -1;
	}
	if (tbl_ix_room(&t->id) < 0 || tbl_ix_room(&t->key) < 0)
		return -1;
	return 0;
}

/* ---- lookups ------------------------------------------------------------ */

/*
 * The home cells (batch stage 1, and single lookups).  A run rarely covers more
 * than a few cells past the home, so the line holding the home and the next one
 * are fetched (the sentinel tail keeps p + 7 inside the array).
 */
static void tbl_prefetch_home(const struct tbl_index *x, size_t p)
{
	__builtin_prefetch(&x->cells[p]);
	__builtin_prefetch(&x->cells[p + 7]);
}

/* Scans the cells of hash h from p (a tbl_ix_seek result) for the id. */
static uint32_t tbl_id_scan(const struct pfs_table *t, size_t p, uint32_t h,
			    uint64_t id, uint32_t creatorid)
{
	for (; tbl_ix_hit(&t->id, p, h); p++)
		if (tbl_id_match(tbl_state(t, t->id.cells[p].slot), id,
				 creatorid))
			return t->id.cells[p].slot;
	return TBL_NIL;
}

/* Fetches both cache lines of a state's flow key fields at once. */
static const struct pfs_state *tbl_key_fetch(const struct pfs_table *t,
					     uint32_t slot)
{
	const struct pfs_state *st = tbl_state(t, slot);

	__builtin_prefetch(&st->lan);
	__builtin_prefetch(&st->af);
	return st;
}

static uint32_t tbl_key_scan(const struct pfs_table *t, size_t p, uint32_t h,
			     const struct pfs_flowkey *k)
{
	for (; tbl_ix_hit(&t->key, p, h); p++)
		if (tbl_key_match(tbl_key_fetch(t, t->key.cells[p].slot), k) &&
		    tbl_zone(t, t->key.cells[p].slot) == k->zone)
			return t->key.cells[p].slot;
	return TBL_NIL;
}

static uint32_t tbl_lookup_id(const struct pfs_table *t, uint32_t h,
			      uint64_t id, uint32_t creatorid)
{
	size_t p = tbl_home(h, t->id.nhomes);

	tbl_prefetch_home(&t->id, p);
	p = tbl_ix_seek(&t->id, h, p);
	return tbl_id_scan(t, p, h, id, creatorid);
}

static uint32_t tbl_lookup_key(const struct pfs_table *t, uint32_t h,
			       const struct pfs_flowkey *k)
{
	size_t p = tbl_home(h, t->key.nhomes);

	tbl_prefetch_home(&t->key, p);
	p = tbl_ix_seek(&t->key, h, p);
	return tbl_key_scan(t, p, h, k);
}

static struct pfs_state *tbl_slot_state(const struct pfs_table *t, uint32_t s)
{
	return s == TBL_NIL ? NULL : tbl_state(t, s);
}

/*
 * Batch stage 2: seek each hash in its (now cached) run and fetch the
 * state of the first cell whose hash matches: the id at the start of the
 * state, or the two lines of the flow key fields.
 */
static size_t tbl_batch_seek(const struct pfs_table *t,
			     const struct tbl_index *x, uint32_t h, size_t p,
			     int key)
{
	const char *st;

	p = tbl_ix_seek(x, h, p);
	if (tbl_ix_hit(x, p, h)) {
		st = (const char *)tbl_state(t, x->cells[p].slot);
		if (key) {
			__builtin_prefetch(st +
					   offsetof(struct pfs_state, lan));
			__builtin_prefetch(st + offsetof(struct pfs_state, af));
		} else {
			__builtin_prefetch(st);
		}
	}
	return p;
}

static void tbl_find_id_group(const struct pfs_table *t, size_t n,
			      const uint64_t *ids, const uint32_t *creatorids,
			      struct pfs_state **out)
{
	uint32_t h[TBL_BATCH];
	size_t p[TBL_BATCH], i;

	for (i = 0; i < n; i++) {
		h[i] = tbl_hash_id(t, ids[i], creatorids[i]);
		p[i] = tbl_home(h[i], t->id.nhomes);
		tbl_prefetch_home(&t->id, p[i]);
	}
	for (i = 0; i < n; i++)
		p[i] = tbl_batch_seek(t, &t->id, h[i], p[i], 0);
	for (i = 0; i < n; i++)
		out[i] = tbl_slot_state(
		    t, tbl_id_scan(t, p[i], h[i], ids[i], creatorids[i]));
}

static void tbl_find_key_group(const struct pfs_table *t, size_t n,
			       const struct pfs_flowkey *keys,
			       struct pfs_state **out)
{
	uint32_t h[TBL_BATCH];
	size_t p[TBL_BATCH], i;

	for (i = 0; i < n; i++) {
		h[i] = tbl_hash_key(t, &keys[i]);
		p[i] = tbl_home(h[i], t->key.nhomes);
		tbl_prefetch_home(&t->key, p[i]);
	}
	for (i = 0; i < n; i++)
		p[i] = tbl_batch_seek(t, &t->key, h[i], p[i], 1);
	for (i = 0; i < n; i++)
		out[i] =
		    tbl_slot_state(t, tbl_key_scan(t, p[i], h[i], &keys[i]));
}

static size_t tbl_id_pos_of(const struct pfs_table *t,
			    const struct pfs_state *st);
static void tbl_remove_slot_z(struct pfs_table *t, uint32_t s, size_t idpos,
			      uint16_t zone);

/* ---- the API ------------------------------------------------------------ */

static size_t tbl_homes_for(size_t hint)
{
	size_t n = TBL_MIN_HOMES;

	/* hint states at a load of at most 7/8 */
	while (n - n / 8 <= hint && n < TBL_MAX_HOMES)
		n += n / 2;
	return n < TBL_MAX_HOMES ? n : TBL_MAX_HOMES;
}

struct pfs_table *pfs_table_new(size_t hint,
				const uint8_t key[PFS_HASHKEY_LEN])
{
	struct pfs_table *t;

	if (key == NULL) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	pfs_hashkey_set(&t->hk, key);
	pfs_msh_init(&t->msh, &t->hk);
	t->free_head = TBL_NIL;
	t->id.nhomes = t->key.nhomes = tbl_homes_for(hint);
	t->id.tail = t->key.tail = TBL_TAIL;
	t->id.cells = tbl_cells_new(tbl_ix_size(&t->id));
	t->key.cells = tbl_cells_new(tbl_ix_size(&t->key));
	if (t->id.cells == NULL || t->key.cells == NULL) {
		pfs_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

static void tbl_free_chunks(struct pfs_table *t)
{
	size_t i;

	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	t->nchunks = 0;
	t->used = 0;
	t->free_head = TBL_NIL;
	t->count = 0;
}

void pfs_table_free(struct pfs_table *t)
{
	if (t == NULL)
		return;
	tbl_x_free(t);
	tbl_free_chunks(t);
	free(t->chunks);
	free(t->id.cells);
	free(t->key.cells);
	sodium_memzero(&t->hk, sizeof(t->hk));
	sodium_memzero(&t->msh, sizeof(t->msh));
	free(t);
}

size_t pfs_table_count(const struct pfs_table *t)
{
	return t->count;
}

size_t pfs_table_memory(const struct pfs_table *t)
{
	return sizeof(*t) + t->chunks_cap * sizeof(*t->chunks) +
	       t->nchunks * sizeof(struct tbl_chunk) +
	       (tbl_ix_size(&t->id) + tbl_ix_size(&t->key)) *
		   sizeof(struct tbl_cell) +
	       t->xs_cap * sizeof(*t->xs) +
	       t->xs_chunks * TBL_CHUNK_SLOTS * sizeof(struct tbl_xsmall) +
	       t->x.cap * sizeof(struct tbl_xcell);
}

/* Both index homes of a new state: they miss the cache together. */
static void tbl_prefetch_insert(const struct pfs_table *t, uint32_t hid,
				uint32_t hkey)
{
	tbl_prefetch_home(&t->id, tbl_home(hid, t->id.nhomes));
	tbl_prefetch_home(&t->key, tbl_home(hkey, t->key.nhomes));
}

static struct pfs_state *tbl_insert_hashed(struct pfs_table *t,
					   const struct pfs_state *st,
					   uint16_t zone, uint32_t hid,
					   uint32_t hkey)
{
	struct pfs_flowkey k;
	uint32_t s;

	if (tbl_make_room(t) < 0)
		return NULL;
	pfs_state_flowkey(st, &k);
	k.zone = zone;
	if (tbl_lookup_id(t, hid, st->id, st->creatorid) != TBL_NIL ||
	    tbl_lookup_key(t, hkey, &k) != TBL_NIL) {
		errno = EEXIST;
		return NULL;
	}
	s = tbl_slot_alloc(t);
	if (s == TBL_NIL)
		return NULL;
	*tbl_state(t, s) = *st;
	tbl_slot_set_live(t, s, 1);
	tbl_ix_add(&t->id, hid, s);
	tbl_ix_add(&t->key, hkey, s);
	t->count++;
	return tbl_state(t, s);
}

struct pfs_state *pfs_table_insert(struct pfs_table *t,
				   const struct pfs_state *st)
{
	uint32_t hid = tbl_hash_id(t, st->id, st->creatorid);
	uint32_t hkey = tbl_hash_state_key(t, st, 0);

	tbl_prefetch_insert(t, hid, hkey);
	return tbl_insert_hashed(t, st, 0, hid, hkey);
}

struct pfs_state *pfs_table_insert_x(struct pfs_table *t,
				     const struct pfs_state *st,
				     const struct pfs_stx *x)
{
	struct pfs_stx n;
	uint32_t hid = tbl_hash_id(t, st->id, st->creatorid), hkey;
	struct pfs_state *s;
	size_t ip;

	memset(&n, 0, sizeof(n));
	if (x != NULL)
		n = *x;
	if (!pfs_stx_norm(&n))
		return pfs_table_insert(t, st);
	hkey = tbl_hash_state_key(t, st, n.zone);
	s = tbl_insert_hashed(t, st, n.zone, hid, hkey);
	if (s == NULL)
		return NULL;
	/* the slot is the id cell's: found again by pointer */
	ip = tbl_id_pos_of(t, s);
	if (tbl_x_store(t, t->id.cells[ip].slot, &n) < 0) {
		tbl_remove_slot_z(t, t->id.cells[ip].slot, ip, n.zone);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

int pfs_table_xset(struct pfs_table *t, const struct pfs_state *st,
		   const struct pfs_stx *x)
{
	size_t p = tbl_id_pos_of(t, st);
	struct pfs_stx n;
	uint32_t slot;

	if (p == SIZE_MAX) {
		errno = ENOENT;
		return -1;
	}
	slot = t->id.cells[p].slot;
	memset(&n, 0, sizeof(n));
	if (x != NULL)
		n = *x;
	(void)pfs_stx_norm(&n);
	if (n.zone != tbl_zone(t, slot)) {
		errno = EINVAL; /* part of the key: fixed at insertion */
		return -1;
	}
	if (n.has == 0) {
		tbl_x_del(t, slot);
		return 0;
	}
	return tbl_x_store(t, slot, &n);
}

bool pfs_table_xget(const struct pfs_table *t, const struct pfs_state *st,
		    struct pfs_stx *x)
{
	const struct tbl_xsmall *s;
	const struct tbl_xcell *c;
	uint32_t slot;
	size_t p;

	memset(x, 0, sizeof(*x));
	if (t->xn == 0 || (p = tbl_id_pos_of(t, st)) == SIZE_MAX)
		return false;
	slot = t->id.cells[p].slot;
	s = tbl_xs(t, slot);
	if (s == NULL || s->has == 0)
		return false;
	x->has = s->has;
	x->mark = s->mark;
	x->zone = s->zone;
	c = tbl_x_find(t, slot);
	if (c != NULL) {
		memcpy(x->labels, c->labels, sizeof(x->labels));
		x->nat2.addr = c->nat2_addr;
		x->nat2.port = c->nat2_port;
		memcpy(x->helper, c->helper, sizeof(x->helper));
		memcpy(x->seqadj, c->seqadj, sizeof(x->seqadj));
		x->proto = c->proto;
	}
	return true;
}

size_t pfs_table_xcount(const struct pfs_table *t)
{
	return t->xn;
}

/*
 * Hashes a group and fetches all its index homes first, then inserts in
 * order: exactly the single inserts' results, with the misses of the
 * existence checks overlapped.  A growth in the middle of a group only
 * makes the later prefetches useless.
 */
static size_t tbl_insert_group(struct pfs_table *t, size_t n,
			       const struct pfs_state *sts,
			       struct pfs_state **out)
{
	uint32_t hid[TBL_BATCH], hkey[TBL_BATCH];
	size_t i, done = 0;

	for (i = 0; i < n; i++) {
		hid[i] = tbl_hash_id(t, sts[i].id, sts[i].creatorid);
		hkey[i] = tbl_hash_state_key(t, &sts[i], 0);
		tbl_prefetch_insert(t, hid[i], hkey[i]);
	}
	for (i = 0; i < n; i++) {
		out[i] = tbl_insert_hashed(t, &sts[i], 0, hid[i], hkey[i]);
		done += out[i] != NULL;
	}
	return done;
}

size_t pfs_table_insert_batch(struct pfs_table *t, size_t n,
			      const struct pfs_state *sts,
			      struct pfs_state **out)
{
	size_t i, m, done = 0;

	for (i = 0; i < n; i += m) {
		m = n - i < TBL_BATCH ? n - i : TBL_BATCH;
		done += tbl_insert_group(t, m, sts + i, out + i);
	}
	return done;
}

struct pfs_state *pfs_table_find_id(const struct pfs_table *t, uint64_t id,
				    uint32_t creatorid)
{
	return tbl_slot_state(
	    t, tbl_lookup_id(t, tbl_hash_id(t, id, creatorid), id, creatorid));
}

struct pfs_state *pfs_table_find_key(const struct pfs_table *t,
				     const struct pfs_flowkey *k)
{
	return tbl_slot_state(t, tbl_lookup_key(t, tbl_hash_key(t, k), k));
}

void pfs_table_find_id_batch(const struct pfs_table *t, size_t n,
			     const uint64_t *ids, const uint32_t *creatorids,
			     struct pfs_state **out)
{
	size_t i, m;

	for (i = 0; i < n; i += m) {
		m = n - i < TBL_BATCH ? n - i : TBL_BATCH;
		tbl_find_id_group(t, m, ids + i, creatorids + i, out + i);
	}
}

void pfs_table_find_key_batch(const struct pfs_table *t, size_t n,
			      const struct pfs_flowkey *keys,
			      struct pfs_state **out)
{
	size_t i, m;

	for (i = 0; i < n; i += m) {
		m = n - i < TBL_BATCH ? n - i : TBL_BATCH;
		tbl_find_key_group(t, m, keys + i, out + i);
	}
}

/* Removes slot s keyed in zone (its extras' zone, or the one it was
 * indexed with when they could not be stored). */
static void tbl_remove_slot_z(struct pfs_table *t, uint32_t s, size_t idpos,
			      uint16_t zone)
{
	const struct pfs_state *st = tbl_state(t, s);
	size_t kp = tbl_ix_pos(&t->key, tbl_hash_state_key(t, st, zone), s);

	if (idpos != SIZE_MAX)
		tbl_ix_del_at(&t->id, idpos);
	if (kp != SIZE_MAX)
		tbl_ix_del_at(&t->key, kp);
	tbl_x_del(t, s);
	tbl_slot_set_live(t, s, 0);
	t->count--;
}

static void tbl_remove_slot(struct pfs_table *t, uint32_t s, size_t idpos)
{
	tbl_remove_slot_z(t, s, idpos, tbl_zone(t, s));
}

/* The id cell holding st itself (ids are unique), or SIZE_MAX. */
static size_t tbl_id_pos_of(const struct pfs_table *t,
			    const struct pfs_state *st)
{
	uint32_t h = tbl_hash_id(t, st->id, st->creatorid);
	size_t p = tbl_ix_seek(&t->id, h, tbl_home(h, t->id.nhomes));

	for (; tbl_ix_hit(&t->id, p, h); p++)
		if (tbl_state(t, t->id.cells[p].slot) == st)
			return p;
	return SIZE_MAX;
}

void pfs_table_remove(struct pfs_table *t, struct pfs_state *st)
{
	size_t p = tbl_id_pos_of(t, st);

	if (p != SIZE_MAX)
		tbl_remove_slot(t, t->id.cells[p].slot, p);
}

size_t pfs_table_clear_creator(struct pfs_table *t, uint32_t creatorid)
{
	const struct pfs_state *st;
	size_t n = 0;
	uint32_t s;

	for (s = 0; s < t->used; s++) {
		if (!tbl_is_live(t, s))
			continue;
		st = tbl_state(t, s);
		if (st->creatorid == creatorid) {
			tbl_remove_slot(t, s, tbl_id_pos_of(t, st));
			n++;
		}
	}
	return n;
}

void pfs_table_clear(struct pfs_table *t)
{
	tbl_x_free(t);
	tbl_free_chunks(t);
	memset(t->id.cells, 0xff,
	       tbl_ix_size(&t->id) * sizeof(struct tbl_cell));
	memset(t->key.cells, 0xff,
	       tbl_ix_size(&t->key) * sizeof(struct tbl_cell));
	t->grow_at = 0;
}

/* The longest stretch of used cells: no scan or shift leaves one. */
static size_t tbl_ix_cluster_max(const struct tbl_index *x)
{
	size_t i, run = 0, max = 0, end = tbl_ix_size(x);

	for (i = 0; i < end; i++) {
		run = x->cells[i].slot == TBL_NIL ? 0 : run + 1;
		max = run > max ? run : max;
	}
	return max;
}

size_t pfs_table_probe_max(const struct pfs_table *t)
{
	size_t a = tbl_ix_cluster_max(&t->id), b = tbl_ix_cluster_max(&t->key);

	return a > b ? a : b;
}

void pfs_table_subkey(const struct pfs_table *t, uint64_t label,
		      uint8_t key[PFS_HASHKEY_LEN])
{
	uint64_t w[3] = {0x7375626bULL /* "subk" */, label, 0}, h;
	int i, half;

	/* SipHash-2-4 under the table's key, as a PRF: each half of the
	 * subkey is its output for ("subk", label, half), 3 words where
	 * the multipliers of pfs_msh_init take 2: never the same input */
	for (half = 0; half < 2; half++) {
		w[2] = (uint64_t)half;
		h = pfs_siphash(&t->hk, w, 3, 2, 4);
		for (i = 0; i < 8; i++)
			key[half * 8 + i] = (uint8_t)(h >> (8 * i));
	}
}

struct pfs_state *pfs_table_next(const struct pfs_table *t, size_t *cursor)
{
	size_t s;

	for (s = *cursor; s < t->used; s++) {
		if (tbl_is_live(t, (uint32_t)s)) {
			*cursor = s + 1;
			return tbl_state(t, (uint32_t)s);
		}
	}
	if (*cursor < t->used)
		*cursor = t->used;
	return NULL;
}
