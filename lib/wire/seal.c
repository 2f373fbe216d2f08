/*
 * seal.c - sealed pfsync packets (see seal.h): the per-packet AEAD, the
 * replay window, and the sealer that holds the key ring and one window
 * per sender.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/seal.h"

_Static_assert(PFS_SEAL_HDR_LEN == 8 + PFS_SEAL_NONCE_LEN, "header layout");
_Static_assert(PFS_SEAL_NONCE_LEN == 4 + 8 + PFS_SEAL_SALT_LEN, "nonce layout");
_Static_assert(PFS_SEAL_NONCE_LEN ==
		   crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	       "XChaCha20 nonce");
_Static_assert(PFS_SEAL_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "Poly1305 tag");
_Static_assert(PFS_SEAL_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "key size");
_Static_assert(PFS_SEAL_WINDOW % 64 == 0, "window in whole words");

#define SEAL_NONCE_OFF	 8
#define SEAL_AD_MAX	 (PFS_SEAL_HDR_LEN + PFS_SEAL_CLUSTER_MAX)
#define SEAL_KEYID_LABEL "pfsyncd key id"

/* ---- one packet ---------------------------------------------------- */

int pfs_seal_hdr_parse(const uint8_t *pkt, size_t len, struct pfs_seal_hdr *h)
{
	struct pfs_rbuf rb;

	if (len < PFS_SEAL_OVERHEAD)
		return -1;
	pfs_rbuf_init(&rb, pkt, len);
	h->version = pfs_rbuf_get_u8(&rb);
	pfs_rbuf_skip(&rb, 3);
	h->keyid = pfs_rbuf_get_be32(&rb);
	h->sender = pfs_rbuf_get_be32(&rb);
	h->counter = pfs_rbuf_get_be64(&rb);
	pfs_rbuf_get_bytes(&rb, h->salt, sizeof(h->salt));
	return rb.err ? -1 : 0;
}

static void seal_hdr_put(const struct pfs_seal_hdr *h, uint8_t *out)
{
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, out, PFS_SEAL_HDR_LEN);
	pfs_wbuf_put_u8(&wb, h->version);
	pfs_wbuf_put_zero(&wb, 3);
	pfs_wbuf_put_be32(&wb, h->keyid);
	pfs_wbuf_put_be32(&wb, h->sender);
	pfs_wbuf_put_be64(&wb, h->counter);
	pfs_wbuf_put_bytes(&wb, h->salt, sizeof(h->salt));
}

uint32_t pfs_seal_keyid(const uint8_t key[PFS_SEAL_KEY_LEN])
{
	crypto_generichash_state st;
	uint8_t out[16];
	uint32_t id;

	crypto_generichash_init(&st, NULL, 0, sizeof(out));
	crypto_generichash_update(&st, (const uint8_t *)SEAL_KEYID_LABEL,
				  sizeof(SEAL_KEYID_LABEL) - 1);
	crypto_generichash_update(&st, key, PFS_SEAL_KEY_LEN);
	crypto_generichash_final(&st, out, sizeof(out));
	id = (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 |
	     (uint32_t)out[2] << 8 | out[3];
	sodium_memzero(&st, sizeof(st));
	return id;
}

/* AD = the header as on the wire || cluster name. */
static size_t seal_ad(const uint8_t *hdr, const char *cluster, uint8_t *ad)
{
	size_t n = strnlen(cluster, PFS_SEAL_CLUSTER_MAX);

	memcpy(ad, hdr, PFS_SEAL_HDR_LEN);
	memcpy(ad + PFS_SEAL_HDR_LEN, cluster, n);
	return PFS_SEAL_HDR_LEN + n;
}

size_t pfs_seal_packet(const uint8_t key[PFS_SEAL_KEY_LEN], const char *cluster,
		       const struct pfs_seal_hdr *h, const uint8_t *pt,
		       size_t len, uint8_t *out, size_t cap)
{
	uint8_t ad[SEAL_AD_MAX];
	unsigned long long clen;
	size_t adlen;

	if (cap < PFS_SEAL_OVERHEAD || len > cap - PFS_SEAL_OVERHEAD)
		return 0;
	seal_hdr_put(h, out);
	adlen = seal_ad(out, cluster, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    out + PFS_SEAL_HDR_LEN, &clen, pt, len, ad, adlen, NULL,
	    out + SEAL_NONCE_OFF, key);
	return PFS_SEAL_HDR_LEN + (size_t)clen;
}

int pfs_seal_unpacket(const uint8_t key[PFS_SEAL_KEY_LEN], const char *cluster,
		      const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
		      size_t *outlen)
{
	uint8_t ad[SEAL_AD_MAX];
	unsigned long long mlen;
	size_t adlen;

	if (len < PFS_SEAL_OVERHEAD || cap < len - PFS_SEAL_OVERHEAD)
		return -1;
	adlen = seal_ad(pkt, cluster, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		out, &mlen, NULL, pkt + PFS_SEAL_HDR_LEN,
		len - PFS_SEAL_HDR_LEN, ad, adlen, pkt + SEAL_NONCE_OFF,
		key) != 0)
		return -1;
	*outlen = (size_t)mlen;
	return 0;
}

/* ---- replay window ------------------------------------------------- */

static bool rp_bit(const struct pfs_replay *w, uint64_t ctr)
{
	uint64_t i = ctr % PFS_SEAL_WINDOW;

	return (w->bits[i / 64] >> (i % 64)) & 1;
}

static void rp_set(struct pfs_replay *w, uint64_t ctr, bool on)
{
	uint64_t i = ctr % PFS_SEAL_WINDOW, m = (uint64_t)1 << (i % 64);

	if (on)
		w->bits[i / 64] |= m;
	else
		w->bits[i / 64] &= ~m;
}

enum pfs_replay_verdict pfs_replay_check(const struct pfs_replay *w,
					 uint64_t ctr)
{
	if (!w->any || ctr > w->top)
		return PFS_REPLAY_OK;
	if (w->top - ctr >= PFS_SEAL_WINDOW)
		return PFS_REPLAY_OLD;
	return rp_bit(w, ctr) ? PFS_REPLAY_DUP : PFS_REPLAY_OK;
}

void pfs_replay_mark(struct pfs_replay *w, uint64_t ctr)
{
	uint64_t c;

	if (!w->any || (ctr > w->top && ctr - w->top >= PFS_SEAL_WINDOW)) {
		memset(w->bits, 0, sizeof(w->bits)); /* all slots free */
		w->top = ctr;
	} else if (ctr > w->top) {
		/* the slots of the counters skipped over become free */
		for (c = w->top + 1; c < ctr; c++)
			rp_set(w, c, false);
		w->top = ctr;
	}
	w->any = true;
	rp_set(w, ctr, true);
}

/* ---- the sealer ---------------------------------------------------- */

enum seal_role { SEAL_NONE, SEAL_SEND, SEAL_NEXT, SEAL_OLD };

struct seal_key {
	uint8_t k[PFS_SEAL_KEY_LEN];
	uint32_t id;
	enum seal_role role;
	uint64_t until_ms; /* NEXT: becomes SEND; OLD: forgotten */
};

struct seal_peer {
	uint32_t sender;
	bool used;
	uint64_t last_ms;
	struct pfs_replay w;
};

struct pfs_seal {
	char cluster[PFS_SEAL_CLUSTER_MAX + 1];
	struct pfs_seal_hdr tx; /* the next header we send */
	uint64_t grace_ms;	/* of the last set_key, for promotions */
	struct seal_key keys[PFS_SEAL_KEYS];
	struct seal_peer peers[PFS_SEAL_PEERS];
	uint64_t rx[PFS_SEAL_RX_MAX];
	uint64_t txn;
};

static const char *const seal_rx_names[PFS_SEAL_RX_MAX] = {
    [PFS_SEAL_RX_OK] = "ok",
    [PFS_SEAL_RX_SHORT] = "short",
    [PFS_SEAL_RX_UNSEALED] = "unsealed",
    [PFS_SEAL_RX_BADKEY] = "badkey",
    [PFS_SEAL_RX_AUTH] = "auth",
    [PFS_SEAL_RX_REPLAY] = "replay",
    [PFS_SEAL_RX_OLD] = "old",
};

const char *pfs_seal_rx_name(enum pfs_seal_rx r)
{
	return (unsigned)r < PFS_SEAL_RX_MAX ? seal_rx_names[r] : "?";
}

struct pfs_seal *pfs_seal_new(const char *cluster, uint32_t sender,
			      uint64_t counter0,
			      const uint8_t salt[PFS_SEAL_SALT_LEN])
{
	struct pfs_seal *s;

	if (sodium_init() < 0) {
		errno = ENOSYS;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	if (pfs_seal_set_cluster(s, cluster) == -1) {
		free(s);
		return NULL;
	}
	s->tx.version = PFS_SEAL_VERSION;
	s->tx.sender = sender;
	s->tx.counter = counter0;
	memcpy(s->tx.salt, salt, PFS_SEAL_SALT_LEN);
	return s;
}

void pfs_seal_free(struct pfs_seal *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

void pfs_seal_set_sender(struct pfs_seal *s, uint32_t sender)
{
	s->tx.sender = sender;
}

int pfs_seal_set_cluster(struct pfs_seal *s, const char *cluster)
{
	size_t n = strlen(cluster);

	if (n > PFS_SEAL_CLUSTER_MAX) {
		errno = EINVAL;
		return -1;
	}
	memcpy(s->cluster, cluster, n + 1);
	return 0;
}

static struct seal_key *seal_role(struct pfs_seal *s, enum seal_role r)
{
	size_t i;

	for (i = 0; i < PFS_SEAL_KEYS; i++)
		if (s->keys[i].role == r)
			return &s->keys[i];
	return NULL;
}

static void seal_forget(struct seal_key *k)
{
	sodium_memzero(k, sizeof(*k));
}

/* The send key retires (accepted for grace more), next takes over. */
static void seal_promote(struct pfs_seal *s, struct seal_key *next,
			 uint64_t now_ms)
{
	struct seal_key *cur = seal_role(s, SEAL_SEND), *old;

	if (cur != NULL) {
		old = seal_role(s, SEAL_OLD);
		if (old != NULL)
			seal_forget(old);
		cur->role = SEAL_OLD;
		cur->until_ms = now_ms + s->grace_ms;
	}
	next->role = SEAL_SEND;
	next->until_ms = 0;
}

int pfs_seal_set_key(struct pfs_seal *s, const uint8_t key[PFS_SEAL_KEY_LEN],
		     uint64_t now_ms, uint64_t grace_ms)
{
	struct seal_key *cur = seal_role(s, SEAL_SEND), *slot;
	size_t i;

	for (i = 0; i < PFS_SEAL_KEYS; i++) {
		if (s->keys[i].role == SEAL_NONE ||
		    sodium_memcmp(s->keys[i].k, key, PFS_SEAL_KEY_LEN) != 0)
			continue;
		if (s->keys[i].role != SEAL_OLD)
			return 0;	  /* in use, or already pending */
		seal_forget(&s->keys[i]); /* back to an old key: anew */
	}
	s->grace_ms = grace_ms;
	slot = seal_role(s, SEAL_NEXT); /* a newer key replaces it */
	if (slot == NULL)
		slot = seal_role(s, SEAL_NONE);
	if (slot == NULL)
		slot = seal_role(s, SEAL_OLD);
	seal_forget(slot);
	memcpy(slot->k, key, PFS_SEAL_KEY_LEN);
	slot->id = pfs_seal_keyid(key);
	if (cur == NULL) {
		slot->role = SEAL_SEND;
		return 1;
	}
	slot->role = SEAL_NEXT;
	slot->until_ms = now_ms + grace_ms;
	return 1;
}

void pfs_seal_tick(struct pfs_seal *s, uint64_t now_ms)
{
	struct seal_key *k = seal_role(s, SEAL_OLD);

	if (k != NULL && now_ms >= k->until_ms)
		seal_forget(k);
	k = seal_role(s, SEAL_NEXT);
	if (k != NULL && now_ms >= k->until_ms)
		seal_promote(s, k, now_ms);
}

uint32_t pfs_seal_send_keyid(const struct pfs_seal *s)
{
	size_t i;

	for (i = 0; i < PFS_SEAL_KEYS; i++)
		if (s->keys[i].role == SEAL_SEND)
			return s->keys[i].id;
	return 0;
}

unsigned pfs_seal_nkeys(const struct pfs_seal *s)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < PFS_SEAL_KEYS; i++)
		n += s->keys[i].role != SEAL_NONE;
	return n;
}

size_t pfs_seal_out(struct pfs_seal *s, const uint8_t *pt, size_t len,
		    uint8_t *out, size_t cap, uint64_t now_ms)
{
	struct seal_key *k;
	size_t n;

	pfs_seal_tick(s, now_ms);
	k = seal_role(s, SEAL_SEND);
	if (k == NULL)
		return 0;
	s->tx.keyid = k->id;
	n = pfs_seal_packet(k->k, s->cluster, &s->tx, pt, len, out, cap);
	if (n == 0)
		return 0;
	s->tx.counter++; /* never reused, even for a failed send */
	s->txn++;
	return n;
}

/* The key with this id that we accept, or NULL. */
static struct seal_key *seal_find_key(struct pfs_seal *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < PFS_SEAL_KEYS; i++)
		if (s->keys[i].role != SEAL_NONE && s->keys[i].id == id)
			return &s->keys[i];
	return NULL;
}

static struct seal_peer *seal_find_peer(struct pfs_seal *s, uint32_t sender)
{
	size_t i;

	for (i = 0; i < PFS_SEAL_PEERS; i++)
		if (s->peers[i].used && s->peers[i].sender == sender)
			return &s->peers[i];
	return NULL;
}

/* A slot for a new sender: a free one, else the least recently heard. */
static struct seal_peer *seal_new_peer(struct pfs_seal *s, uint32_t sender)
{
	struct seal_peer *p = &s->peers[0];
	size_t i;

	for (i = 0; i < PFS_SEAL_PEERS; i++) {
		if (!s->peers[i].used) {
			p = &s->peers[i];
			break;
		}
		if (s->peers[i].last_ms < p->last_ms)
			p = &s->peers[i];
	}
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->sender = sender;
	return p;
}

static enum pfs_seal_rx seal_in(struct pfs_seal *s, const uint8_t *pkt,
				size_t len, uint8_t *out, size_t cap,
				size_t *outlen, uint64_t now_ms)
{
	struct pfs_seal_hdr h;
	struct seal_key *k;
	struct seal_peer *p;
	enum pfs_replay_verdict v = PFS_REPLAY_OK;

	if (len >= 1 && pkt[0] != PFS_SEAL_VERSION)
		return PFS_SEAL_RX_UNSEALED;
	if (pfs_seal_hdr_parse(pkt, len, &h) == -1)
		return PFS_SEAL_RX_SHORT;
	k = seal_find_key(s, h.keyid);
	if (k == NULL)
		return PFS_SEAL_RX_BADKEY;
	p = seal_find_peer(s, h.sender);
	if (p != NULL)
		v = pfs_replay_check(&p->w, h.counter);
	if (v == PFS_REPLAY_OLD)
		return PFS_SEAL_RX_OLD;
	if (v == PFS_REPLAY_DUP)
		return PFS_SEAL_RX_REPLAY;
	if (pfs_seal_unpacket(k->k, s->cluster, pkt, len, out, cap, outlen) ==
	    -1)
		return PFS_SEAL_RX_AUTH;
	if (p == NULL)
		p = seal_new_peer(s, h.sender);
	pfs_replay_mark(&p->w, h.counter);
	p->last_ms = now_ms;
	if (k->role == SEAL_NEXT) /* a peer sends with it: so do we */
		seal_promote(s, k, now_ms);
	return PFS_SEAL_RX_OK;
}

enum pfs_seal_rx pfs_seal_in(struct pfs_seal *s, const uint8_t *pkt, size_t len,
			     uint8_t *out, size_t cap, size_t *outlen,
			     uint64_t now_ms)
{
	enum pfs_seal_rx r;

	pfs_seal_tick(s, now_ms);
	r = seal_in(s, pkt, len, out, cap, outlen, now_ms);
	s->rx[r]++;
	return r;
}

const uint64_t *pfs_seal_rx_stats(const struct pfs_seal *s)
{
	return s->rx;
}

uint64_t pfs_seal_tx_count(const struct pfs_seal *s)
{
	return s->txn;
}
