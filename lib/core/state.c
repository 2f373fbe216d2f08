/*
 * state.c - helpers on the host-order firewall state.
 */
#include <netinet/in.h>
#include <string.h>

#include "pfsync/state.h"

/*
 * The key is zeroed first so that its padding byte (after direction) is
 * defined: callers may then hash or compare whole keys if they wish, although
 * the table itself compares field by field.
 */
void pfs_state_flowkey(const struct pfs_state *st, struct pfs_flowkey *k)
{
	memset(k, 0, sizeof(*k));
	k->af = st->af;
	k->proto = st->proto;
	k->direction = st->direction;
	k->lan = st->lan;
	k->ext = st->ext;
}

/* FNV-1a, 64 bits, over n bytes. */
static uint64_t state_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t state_fnv_host(uint64_t h, const struct pfs_host *x)
{
	uint8_t port[2] = {(uint8_t)(x->port >> 8), (uint8_t)x->port};

	h = state_fnv(h, x->addr.a, sizeof(x->addr.a));
	return state_fnv(h, port, sizeof(port));
}

uint64_t pfs_flowkey_digest(const struct pfs_flowkey *k)
{
	uint8_t head[5] = {k->af, k->proto, k->direction,
			   (uint8_t)(k->zone >> 8), (uint8_t)k->zone};
	uint64_t h = state_fnv(0xcbf29ce484222325ULL, head, sizeof(head));

	h = state_fnv_host(h, &k->lan);
	return state_fnv_host(h, &k->ext);
}

uint32_t pfs_timeout_default(uint8_t tclass)
{
	/* pf's defaults (pfctl -st), indexed by PFS_TM_* */
	static const uint32_t secs[PFS_TM_MAX] = {
		[PFS_TM_TCP_FIRST_PACKET] = 120,
		[PFS_TM_TCP_OPENING] = 30,
		[PFS_TM_TCP_ESTABLISHED] = 86400,
		[PFS_TM_TCP_CLOSING] = 900,
		[PFS_TM_TCP_FIN_WAIT] = 45,
		[PFS_TM_TCP_CLOSED] = 90,
		[PFS_TM_UDP_FIRST_PACKET] = 60,
		[PFS_TM_UDP_SINGLE] = 30,
		[PFS_TM_UDP_MULTIPLE] = 60,
		[PFS_TM_ICMP_FIRST_PACKET] = 20,
		[PFS_TM_ICMP_ERROR_REPLY] = 10,
		[PFS_TM_OTHER_FIRST_PACKET] = 60,
		[PFS_TM_OTHER_SINGLE] = 30,
		[PFS_TM_OTHER_MULTIPLE] = 60,
		[PFS_TM_FRAG] = 30,
		[PFS_TM_INTERVAL] = 10,
	};

	return tclass < PFS_TM_MAX ? secs[tclass] : 0;
}

uint32_t pfs_state_wire_expire(const struct pfs_state *st, uint32_t now)
{
	uint32_t tmo = pfs_timeout_default(st->timeout);
	uint64_t last = st->expire > tmo ? (uint64_t)st->expire - tmo : 0;

	return last > now ? (uint32_t)(last - now) : 0;
}

uint32_t pfs_state_expire_from_wire(uint32_t wire, uint8_t tclass,
				    uint32_t now)
{
	uint64_t at = (uint64_t)now + wire + pfs_timeout_default(tclass);

	return at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
}

static uint8_t state_tcp_class(uint8_t s, uint8_t d)
{
	if (s > PFS_TCPS_TIME_WAIT || d > PFS_TCPS_TIME_WAIT)
		return PFS_TM_TCP_OPENING; /* synproxy */
	if (s >= PFS_TCPS_FIN_WAIT_2 && d >= PFS_TCPS_FIN_WAIT_2)
		return PFS_TM_TCP_CLOSED;
	if (s >= PFS_TCPS_FIN_WAIT_2 || d >= PFS_TCPS_FIN_WAIT_2)
		return PFS_TM_TCP_FIN_WAIT;
	if (s >= PFS_TCPS_CLOSE_WAIT || d >= PFS_TCPS_CLOSE_WAIT)
		return PFS_TM_TCP_CLOSING;
	if (s < PFS_TCPS_ESTABLISHED || d < PFS_TCPS_ESTABLISHED)
		return PFS_TM_TCP_OPENING;
	return PFS_TM_TCP_ESTABLISHED;
}

uint8_t pfs_state_timeout_class(uint8_t proto, uint8_t src, uint8_t dst)
{
	uint8_t base;

	switch (proto) {
	case IPPROTO_TCP:
		return state_tcp_class(src, dst);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return PFS_TM_ICMP_FIRST_PACKET;
	case IPPROTO_UDP:
		base = PFS_TM_UDP_FIRST_PACKET;
		break;
	default:
		base = PFS_TM_OTHER_FIRST_PACKET;
		break;
	}
	if (src == PFS_UDPS_MULTIPLE && dst == PFS_UDPS_MULTIPLE)
		return (uint8_t)(base + 2);
	if (dst == PFS_UDPS_NO_TRAFFIC)
		return base;
	return (uint8_t)(base + 1);
}

static bool stx_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* The helper: a name NUL-padded to its end, none when empty; the
 * sequence adjustment: none when all zero. */
static void stx_norm_helper(struct pfs_stx *x)
{
	size_t n = strnlen(x->helper, PFS_STX_HELPER_LEN - 1);

	memset(x->helper + n, 0, PFS_STX_HELPER_LEN - n);
	if (!(x->has & PFS_STX_HELPER) || n == 0) {
		x->has &= (uint8_t)~PFS_STX_HELPER;
		memset(x->helper, 0, sizeof(x->helper));
	}
	if (!(x->has & PFS_STX_SEQADJ) ||
	    stx_zero((const uint8_t *)x->seqadj, sizeof(x->seqadj))) {
		x->has &= (uint8_t)~PFS_STX_SEQADJ;
		memset(x->seqadj, 0, sizeof(x->seqadj));
	}
}

bool pfs_stx_norm(struct pfs_stx *x)
{
	x->has &= PFS_STX_ALL;
	if (!(x->has & PFS_STX_MARK) || x->mark == 0) {
		x->has &= (uint8_t)~PFS_STX_MARK;
		x->mark = 0;
	}
	if (!(x->has & PFS_STX_ZONE) || x->zone == 0) {
		x->has &= (uint8_t)~PFS_STX_ZONE;
		x->zone = 0;
	}
	if (!(x->has & PFS_STX_LABELS) ||
	    stx_zero(x->labels, sizeof(x->labels))) {
		x->has &= (uint8_t)~PFS_STX_LABELS;
		memset(x->labels, 0, sizeof(x->labels));
	}
	if (!(x->has & PFS_STX_NAT2))
		memset(&x->nat2, 0, sizeof(x->nat2));
	stx_norm_helper(x);
	if (!(x->has & PFS_STX_PROTO) || x->proto.kind == 0 ||
	    x->proto.kind >= PFS_XPROTO_MAX) {
		x->has &= (uint8_t)~PFS_STX_PROTO;
		memset(&x->proto, 0, sizeof(x->proto));
	}
	return x->has != 0;
}

bool pfs_stx_differ(const struct pfs_stx *a, const struct pfs_stx *b)
{
	return a->has != b->has || a->mark != b->mark || a->zone != b->zone ||
	       memcmp(a->labels, b->labels, sizeof(a->labels)) != 0 ||
	       memcmp(a->nat2.addr.a, b->nat2.addr.a, 16) != 0 ||
	       a->nat2.port != b->nat2.port ||
	       memcmp(a->helper, b->helper, sizeof(a->helper)) != 0 ||
	       memcmp(a->seqadj, b->seqadj, sizeof(a->seqadj)) != 0 ||
	       a->proto.kind != b->proto.kind ||
	       a->proto.state != b->proto.state ||
	       a->proto.role != b->proto.role ||
	       a->proto.key[0] != b->proto.key[0] ||
	       a->proto.key[1] != b->proto.key[1] ||
	       a->proto.vtag[0] != b->proto.vtag[0] ||
	       a->proto.vtag[1] != b->proto.vtag[1];
}
