/*
 * seal.h - authenticated encryption of pfsync packets between pfsyncd
 * peers (libsodium XChaCha20-Poly1305-IETF), with a replay window per
 * sender and a small key ring for rotation without a restart.
 *
 * A sealed packet (all integers big-endian):
 *
 *   off len
 *    0   1  version: PFS_SEAL_VERSION (0x81; a pfsync v3 header starts
 *           with 0x03, so the two never mix)
 *    1   3  zero (reserved; authenticated, so must be sent as zero)
 *    4   4  key id: the first 4 bytes of BLAKE2b-128("pfsyncd key id"
 *           || key), picks the key among those accepted
 *    8  24  nonce, which is also:
 *    8   4    sender: the sender's hostid (the replay window's key)
 *   12   8    counter: strictly increasing per sender; starts at the
 *             sender's wall clock seconds << 32 when it starts
 *   20  12    salt: random, chosen when the sender starts
 *   32   n  ciphertext of the pfsync v3 packet (n bytes)
 *   32+n 16 Poly1305 tag
 *
 * Additional data: the 32 header bytes followed by the cluster name, so
 * a packet sealed for another cluster with the same key does not open.
 *
 * Everything here is pure: no I/O, time is passed in.  Key bytes are
 * wiped before memory is freed.
 */
#ifndef PFSYNC_SEAL_H
#define PFSYNC_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFS_SEAL_VERSION     0x81
#define PFS_SEAL_KEY_LEN     32
#define PFS_SEAL_HDR_LEN     32
#define PFS_SEAL_NONCE_LEN   24
#define PFS_SEAL_SALT_LEN    12
#define PFS_SEAL_TAG_LEN     16
#define PFS_SEAL_OVERHEAD    (PFS_SEAL_HDR_LEN + PFS_SEAL_TAG_LEN)
#define PFS_SEAL_CLUSTER_MAX 64	  /* bytes of cluster name */
#define PFS_SEAL_WINDOW	     1024 /* counters of reordering accepted */
#define PFS_SEAL_PEERS	     64	  /* senders remembered (LRU beyond) */
#define PFS_SEAL_KEYS	     3	  /* send key, next key, old key */

struct pfs_seal_hdr {
	uint8_t version;
	uint32_t keyid;
	uint32_t sender;
	uint64_t counter;
	uint8_t salt[PFS_SEAL_SALT_LEN];
};

/* Parse the fixed header: 0, or -1 when shorter than header + tag. */
int pfs_seal_hdr_parse(const uint8_t *pkt, size_t len, struct pfs_seal_hdr *h);
/* The key id of a key (see above). */
uint32_t pfs_seal_keyid(const uint8_t key[PFS_SEAL_KEY_LEN]);

/*
 * One packet, no state: seal pt under key with header h into out (cap
 * bytes, at least len + PFS_SEAL_OVERHEAD); the sealed length, or 0 when
 * it does not fit.  h->version and h->keyid are written as given.
 */
size_t pfs_seal_packet(const uint8_t key[PFS_SEAL_KEY_LEN], const char *cluster,
		       const struct pfs_seal_hdr *h, const uint8_t *pt,
		       size_t len, uint8_t *out, size_t cap);
/* Open a sealed packet with key: the plaintext length in *outlen and 0,
 * or -1 when the tag does not verify (nothing of out is meaningful). */
int pfs_seal_unpacket(const uint8_t key[PFS_SEAL_KEY_LEN], const char *cluster,
		      const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
		      size_t *outlen);

/* Replay window: bit (ctr % WINDOW) says ctr was seen, for ctr in
 * (top - WINDOW, top]. */
struct pfs_replay {
	uint64_t top;
	bool any;
	uint64_t bits[PFS_SEAL_WINDOW / 64];
};
enum pfs_replay_verdict { PFS_REPLAY_OK, PFS_REPLAY_DUP, PFS_REPLAY_OLD };
enum pfs_replay_verdict pfs_replay_check(const struct pfs_replay *w,
					 uint64_t ctr);
/* Mark ctr seen (after the packet authenticated and check said OK). */
void pfs_replay_mark(struct pfs_replay *w, uint64_t ctr);

/* Why a received packet was taken or dropped (counters, in order). */
enum pfs_seal_rx {
	PFS_SEAL_RX_OK = 0,
	PFS_SEAL_RX_SHORT,    /* shorter than header + tag */
	PFS_SEAL_RX_UNSEALED, /* not a sealed packet (plain pfsync) */
	PFS_SEAL_RX_BADKEY,   /* key id of no key we accept */
	PFS_SEAL_RX_AUTH,     /* tag wrong: forged, modified, other cluster */
	PFS_SEAL_RX_REPLAY,   /* counter already seen */
	PFS_SEAL_RX_OLD,      /* counter behind the window */
	PFS_SEAL_RX_MAX
};
/* "ok", "short", "unsealed", ... */
const char *pfs_seal_rx_name(enum pfs_seal_rx r);

struct pfs_seal;

/* A sealer for one cluster and sender; counter0 is the first counter
 * (wall seconds << 32), salt random.  NULL with errno. */
struct pfs_seal *pfs_seal_new(const char *cluster, uint32_t sender,
			      uint64_t counter0,
			      const uint8_t salt[PFS_SEAL_SALT_LEN]);
/* Wipes the keys. NULL-safe. */
void pfs_seal_free(struct pfs_seal *s);
void pfs_seal_set_sender(struct pfs_seal *s, uint32_t sender);
/* Replace the cluster name; -1/EINVAL when too long. */
int pfs_seal_set_cluster(struct pfs_seal *s, const char *cluster);

/*
 * Install key (from a reload).  The first key is used at once.  A new
 * key beside a send key is accepted at once but sent with only after
 * grace_ms, or as soon as a peer's packet opens with it; the key it
 * replaces is then still accepted for grace_ms.  The key in use or
 * already pending changes nothing.  Returns 1 when the ring changed.
 */
int pfs_seal_set_key(struct pfs_seal *s, const uint8_t key[PFS_SEAL_KEY_LEN],
		     uint64_t now_ms, uint64_t grace_ms);
/* Move the ring on (pending key due, old keys expired). */
void pfs_seal_tick(struct pfs_seal *s, uint64_t now_ms);
/* Key ids: the send key's (0 without a key) and the number accepted. */
uint32_t pfs_seal_send_keyid(const struct pfs_seal *s);
unsigned pfs_seal_nkeys(const struct pfs_seal *s);

/* Seal one outgoing packet with the send key: the sealed length, or 0
 * (no key, or out too small). */
size_t pfs_seal_out(struct pfs_seal *s, const uint8_t *pt, size_t len,
		    uint8_t *out, size_t cap, uint64_t now_ms);
/* Open one received packet: PFS_SEAL_RX_OK with the plaintext in out
 * (*outlen bytes), or the reason for dropping it.  Counted either way. */
enum pfs_seal_rx pfs_seal_in(struct pfs_seal *s, const uint8_t *pkt, size_t len,
			     uint8_t *out, size_t cap, size_t *outlen,
			     uint64_t now_ms);
/* Received packets by enum pfs_seal_rx; sealed packets sent. */
const uint64_t *pfs_seal_rx_stats(const struct pfs_seal *s);
uint64_t pfs_seal_tx_count(const struct pfs_seal *s);

#endif
