/*
 * engine_iack.c - answering a BSD peer's defer (issue 20, item 2).
 *
 * An OpenBSD (v6) or FreeBSD (v5) node with `defer` on holds the first
 * packet of a new connection and sends the state's INS with PFSTATE_ACK
 * (0x0010) in its state_flags; it releases the packet on the INS_ACK
 * (id, creatorid) of a peer, or after 20 ms.  As pf does (a state
 * imported with the flag is answered at once), each such INS that we
 * apply gets one INS_ACK record, in the sender's dialect, unicast to the
 * sender: the records of one received packet go in as few packets as
 * fit (one, at any MTU a BSD sends), sent when that packet is done.
 *
 * The answer is a reply like any other (engine_src.c): only to a known
 * peer, from its second packet on, paid from what it sent (an INS of
 * 242 B or more buys an INS_ACK of 12).  A BSD peer's very first packet
 * is not answered, so after our start one connection through it waits
 * the 20 ms; a peer doing defer sends every new state, so it is
 * answered from then on, and a forged source never makes us send.
 * NetBSD (v3) has no INS_ACK and no defer: none is sent to it.
 */
#include <string.h>

#include "pfsync/dialect.h"
#include "pfsync/stats.h"

#include "engine_priv.h"

static void eng_iack_start(struct eng_iack *q)
{
	/* an INS_ACK is the same in every v5 state format */
	unsigned fmt =
	    q->dialect == PFS_DIALECT_V5 ? PFS_ENGINE_V5_FMT_DEFAULT : 0;

	q->on = pfs_framer_init(&q->f, (enum pfs_dialect_id)q->dialect, fmt,
				q->buf, sizeof(q->buf)) == 0;
	q->n = 0;
}

/* The framed records to the peer, within its budget; counted. */
static void eng_iack_send(struct pfs_engine *e, struct eng_iack *q,
			  uint64_t now_ms)
{
	size_t len;

	if (!q->on || q->n == 0)
		return;
	len = pfs_framer_finish(&q->f);
	q->on = false;
	if (len == 0)
		return;
	if (!pfs_eng_src_reply(e, q->to, len, now_ms)) {
		e->rel_stats[PFS_REL_REPLY_REFUSED] += q->n; /* per record */
		return;
	}
	/* pfsync0 shows v3, which has no INS_ACK: wire only */
	pfs_eng_send(e, q->buf, 0, q->buf, len, q->to);
	e->rel_stats[PFS_REL_IACKS] += q->n;
}

void pfs_eng_iack_init(struct eng_iack *q, uint8_t dialect, uint32_t to)
{
	memset(q, 0, sizeof(*q));
	q->dialect = dialect;
	q->to = to;
}

/* One INS_ACK for (id, creatorid); a full packet goes out first. */
void pfs_eng_iack_add(struct pfs_engine *e, struct eng_iack *q, uint64_t id,
		      uint32_t creatorid, uint64_t now_ms)
{
	struct pfs_msg m;
	int rc;

	if (q->dialect != PFS_DIALECT_V5 && q->dialect != PFS_DIALECT_V6)
		return;
	if (!pfs_eng_src_known(e, q->to)) {
		e->rel_stats[PFS_REL_REPLY_REFUSED]++;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.kind = PFS_MSG_INS_ACK;
	m.u.ref.id = id;
	m.u.ref.creatorid = creatorid;
	if (!q->on)
		eng_iack_start(q);
	rc = q->on ? pfs_framer_add(&q->f, &m) : -1;
	if (rc == PFS_FRAME_FULL) {
		eng_iack_send(e, q, now_ms);
		eng_iack_start(q);
		rc = q->on ? pfs_framer_add(&q->f, &m) : -1;
	}
	if (rc == 0)
		q->n++;
}

/* The received packet is done: what is framed goes. */
void pfs_eng_iack_flush(struct pfs_engine *e, struct eng_iack *q,
			uint64_t now_ms)
{
	eng_iack_send(e, q, now_ms);
}
