/*
 * bsdproto.c - states of SCTP, GRE and the rest onto a BSD peer's wire
 * (see bsdproto.h).
 */
#include <netinet/in.h>

#include "pfsync/bsdproto.h"
#include "pfsync/dialect.h"

static const char *const pfs_bsdp_stat_names[PFS_BSDP_NSTATS] = {
    [PFS_BSDP_SCTP_NOWIRE] = "bsd_sctp_nowire",
    [PFS_BSDP_SCTP_CLOSING] = "bsd_sctp_closing",
    [PFS_BSDP_PORTS] = "bsd_ports_zeroed",
};

const char *pfs_bsdp_stat_name(enum pfs_bsdp_stat s)
{
	if ((unsigned)s >= PFS_BSDP_NSTATS)
		return "?";
	return pfs_bsdp_stat_names[s];
}

/* The protocols pf keys by ports (SCTP only where its pf tracks it). */
static int bsdp_keyed_by_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 ||
	       proto == IPPROTO_SCTP;
}

/* FreeBSD 14 and later: format 1400 or newer. */
static int bsdp_has_sctp(uint8_t dialect, unsigned fmt)
{
	return dialect == PFS_DIALECT_V5 && fmt >= 1400;
}

static int bsdp_sctp(uint8_t dialect, unsigned fmt, struct pfs_state *st,
		     enum pfs_bsdp_stat *why)
{
	if (!bsdp_has_sctp(dialect, fmt)) {
		*why = PFS_BSDP_SCTP_NOWIRE;
		return -1;
	}
	if (st->src.state > PFS_SCTPS_ESTABLISHED ||
	    st->dst.state > PFS_SCTPS_ESTABLISHED) {
		*why = PFS_BSDP_SCTP_CLOSING;
		return -1;
	}
	st->timeout = st->src.state == PFS_SCTPS_ESTABLISHED &&
			      st->dst.state == PFS_SCTPS_ESTABLISHED
			  ? PFS_BSDP_TM_SCTP_ESTABLISHED
			  : PFS_BSDP_TM_SCTP_OPENING;
	return 0;
}

int pfs_bsdproto_fit(uint8_t dialect, unsigned fmt, struct pfs_state *st,
		     enum pfs_bsdp_stat *why)
{
	if (dialect != PFS_DIALECT_V5 && dialect != PFS_DIALECT_V6)
		return 0;
	if (st->proto == IPPROTO_SCTP)
		return bsdp_sctp(dialect, fmt, st, why);
	if (bsdp_keyed_by_ports(st->proto))
		return 0;
	if (st->lan.port == 0 && st->gwy.port == 0 && st->ext.port == 0)
		return 0;
	st->lan.port = st->gwy.port = st->ext.port = 0;
	*why = PFS_BSDP_PORTS;
	return 1;
}
