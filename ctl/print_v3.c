/*
 * print_v3.c - tcpdump-style printer for pfsync v3 packets and pfctl-style
 * printer for states.  Output formats are described in print_v3.h.
 *
 * Everything is decoded through the v3 codec (pfs_v3_frame_parse and
 * pfs_v3_frame_record), which hands us host-order structs; nothing here
 * reads the wire bytes itself, so a hostile packet cannot make the
 * printer read out of bounds.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/stats.h"
#include "pfsync/wire_v3.h"
#include "print_v3.h"

/* "[fd00::1]:65535" plus slack */
#define PRINT_HOST_LEN (INET6_ADDRSTRLEN + 16)

static const char *const print_tcp_names[] = {
    "CLOSED",	   "LISTEN",	 "SYN_SENT",   "SYN_RCVD",
    "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
    "LAST_ACK",	   "FIN_WAIT_2", "TIME_WAIT",
};

/* PFUDPS_NAMES and PFOTHERS_NAMES are the same three words */
static const char *const print_udp_names[] = {
    "NO_TRAFFIC",
    "SINGLE",
    "MULTIPLE",
};

/* The protocol names BSD's /etc/protocols gives pfctl; others print as
 * numbers.  A table, not getprotobynumber(), so output does not depend on
 * the host's /etc/protocols. */
static const struct {
	uint8_t proto;
	const char *name;
} print_protos[] = {
    {1, "icmp"},  {2, "igmp"},	 {6, "tcp"},	{17, "udp"},
    {47, "gre"},  {50, "esp"},	 {51, "ah"},	{58, "ipv6-icmp"},
    {103, "pim"}, {112, "carp"}, {132, "sctp"}, {240, "pfsync"},
};

const char *ctl_tcp_state_name(uint8_t state)
{
	if (state >= sizeof(print_tcp_names) / sizeof(print_tcp_names[0]))
		return NULL;
	return print_tcp_names[state];
}

static void print_proto(FILE *out, uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(print_protos) / sizeof(print_protos[0]); i++) {
		if (print_protos[i].proto == proto) {
			fprintf(out, "%s", print_protos[i].name);
			return;
		}
	}
	fprintf(out, "%u", proto);
}

/* Interface names come off the wire: print at most 16 bytes, stop at the
 * first NUL, and never pass a control character to the terminal. */
static void print_ifname(FILE *out, const char name[PFS_IFNAMSIZ])
{
	size_t i;

	for (i = 0; i < PFS_IFNAMSIZ && name[i] != '\0'; i++)
		fputc(isprint((unsigned char)name[i]) ? name[i] : '?', out);
}

/*
 * "10.0.0.1:1234", "[fd00::1]:1234"; the port is left out when it is 0,
 * as pfctl does.  IPv6 uses the bracket form of our command language
 * rather than the old pfctl "addr[port]".
 */
static void print_fmt_host(char *buf, size_t n, uint8_t af,
			   const struct pfs_host *h)
{
	char a[INET6_ADDRSTRLEN];

	if (af == AF_INET)
		inet_ntop(AF_INET, h->addr.a, a, sizeof(a));
	else if (af == AF_INET6)
		inet_ntop(AF_INET6, h->addr.a, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "<af %u>", af);
	if (h->port == 0)
		snprintf(buf, n, "%s", a);
	else if (af == AF_INET6)
		snprintf(buf, n, "[%s]:%u", a, h->port);
	else
		snprintf(buf, n, "%s:%u", a, h->port);
}

static int print_host_eq(const struct pfs_host *a, const struct pfs_host *b)
{
	return a->port == b->port &&
	       memcmp(a->addr.a, b->addr.a, sizeof(a->addr.a)) == 0;
}

/*
 * The address part, following the v3-era pfctl print_state: lan first,
 * then gwy only when it differs (NAT or rdr), then ext, joined by "->" for
 * an outbound state and "<-" for an inbound one:
 *   out, nat:  lan -> gwy -> ext      in, rdr:  lan <- gwy <- ext
 * So the internal side is always on the left and the arrow shows which
 * side opened the connection.
 */
static void print_hosts(FILE *out, const struct pfs_state *st)
{
	const char *arrow = st->direction == PFS_DIR_OUT ? " -> " : " <- ";
	char h[PRINT_HOST_LEN];

	print_fmt_host(h, sizeof(h), st->af, &st->lan);
	fputs(h, out);
	if (!print_host_eq(&st->lan, &st->gwy)) {
		print_fmt_host(h, sizeof(h), st->af, &st->gwy);
		fprintf(out, "%s%s", arrow, h);
	}
	print_fmt_host(h, sizeof(h), st->af, &st->ext);
	fprintf(out, "%s%s", arrow, h);
}

/* The peer state column, pfctl's rules and words. */
static void print_levels(FILE *out, uint8_t proto, const struct pfs_peer *s,
			 const struct pfs_peer *d)
{
	if (proto == IPPROTO_TCP) {
		if (s->state <= PFS_TCPS_TIME_WAIT &&
		    d->state <= PFS_TCPS_TIME_WAIT)
			fprintf(out, "%s:%s", print_tcp_names[s->state],
				print_tcp_names[d->state]);
		else if (s->state == PFS_TCPS_PROXY_SRC ||
			 d->state == PFS_TCPS_PROXY_SRC)
			fputs("PROXY:SRC", out);
		else if (s->state == PFS_TCPS_PROXY_DST ||
			 d->state == PFS_TCPS_PROXY_DST)
			fputs("PROXY:DST", out);
		else
			fprintf(out, "<BAD STATE LEVELS %u:%u>", s->state,
				d->state);
	} else if (proto != IPPROTO_ICMP && s->state <= PFS_UDPS_MULTIPLE &&
		   d->state <= PFS_UDPS_MULTIPLE) {
		/* UDP and other protocols share the three names; ICMP
		 * has no meaningful levels and prints numbers */
		fprintf(out, "%s:%s", print_udp_names[s->state],
			print_udp_names[d->state]);
	} else {
		fprintf(out, "%u:%u", s->state, d->state);
	}
}

/* pfctl print_seq: "[seqlo + window](+seqdiff)", window = seqhi - seqlo */
static void print_seq(FILE *out, const struct pfs_peer *p, int wscale)
{
	fprintf(out, "[%u + %u]", p->seqlo, p->seqhi - p->seqlo);
	if (p->seqdiff)
		fprintf(out, "(+%u)", p->seqdiff);
	if (wscale)
		fprintf(out, " wscale %u", p->wscale & PFS_WSCALE_MASK);
}

static void print_hms(FILE *out, uint32_t secs)
{
	fprintf(out, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
}

/* Second and third lines of a verbose state (without the id line). */
static void print_state_verbose(FILE *out, const struct pfs_state *st,
				const struct pfs_peer *s,
				const struct pfs_peer *d, const char *prefix)
{
	/* pfctl shows window scales only when both sides negotiated one */
	int ws = s->wscale != 0 && d->wscale != 0;

	if (st->proto == IPPROTO_TCP) {
		fprintf(out, "%s   ", prefix);
		print_seq(out, s, ws);
		fputs("  ", out);
		print_seq(out, d, ws);
		fputc('\n', out);
	}
	fprintf(out, "%s   age ", prefix);
	print_hms(out, st->creation);
	fputs(", expires in ", out);
	print_hms(out, st->expire);
	fprintf(out, ", %llu:%llu pkts, %llu:%llu bytes",
		(unsigned long long)st->packets[0],
		(unsigned long long)st->packets[1],
		(unsigned long long)st->bytes[0],
		(unsigned long long)st->bytes[1]);
	if (st->anchor != PFS_NO_RULE)
		fprintf(out, ", anchor %u", st->anchor);
	if (st->rule != PFS_NO_RULE)
		fprintf(out, ", rule %u", st->rule);
	fputc('\n', out);
}

/*
 * Everything but the id line.  pfctl lists the peers in the order the
 * hosts are printed: lan is on the left, and lan is the connection's
 * destination for an inbound state, so for IN the peers are swapped.
 */
static void print_state_body(FILE *out, const struct pfs_state *st,
			     unsigned flags, const char *prefix)
{
	const struct pfs_peer *s = &st->src, *d = &st->dst;

	if (st->direction != PFS_DIR_OUT) {
		s = &st->dst;
		d = &st->src;
	}
	fputs(prefix, out);
	print_ifname(out, st->ifname);
	fputc(' ', out);
	print_proto(out, st->proto);
	fputc(' ', out);
	print_hosts(out, st);
	fputs("       ", out);
	print_levels(out, st->proto, s, d);
	fputc('\n', out);
	if (flags & CTL_PRINT_V)
		print_state_verbose(out, st, s, d, prefix);
}

static void print_id(FILE *out, uint64_t id, uint32_t creatorid)
{
	fprintf(out, "id: %016llx creatorid: %08x", (unsigned long long)id,
		creatorid);
}

void ctl_print_state(FILE *out, const struct pfs_state *st, unsigned flags,
		     const char *prefix)
{
	print_state_body(out, st, flags, prefix);
	if (flags & CTL_PRINT_V) {
		fprintf(out, "%s   ", prefix);
		print_id(out, st->id, st->creatorid);
		fputc('\n', out);
	}
}

/* One record of a verbose packet print; `action` selects the union arm. */
static void print_record(FILE *out, uint8_t action,
			 const union pfs_v3_record *r, unsigned flags)
{
	int vv = (flags & CTL_PRINT_VV) != 0;

	switch (action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		print_state_body(out, &r->state, CTL_PRINT_V, "\t");
		fputs("\t   ", out);
		print_id(out, r->state.id, r->state.creatorid);
		if (vv && action == PFS_V3_ACT_UPD)
			fprintf(out, " updates: %u", r->state.updates);
		break;
	case PFS_V3_ACT_UPD_C:
		fputc('\t', out);
		print_id(out, r->upd.id, r->upd.creatorid);
		if (vv)
			fprintf(out, " updates: %u", r->upd.updates);
		break;
	case PFS_V3_ACT_DEL_C:
		fputc('\t', out);
		print_id(out, r->del.id, r->del.creatorid);
		break;
	case PFS_V3_ACT_UREQ:
		fputc('\t', out);
		print_id(out, r->ureq.id, r->ureq.creatorid);
		break;
	default:
		return;
	}
	fputc('\n', out);
}

/* The records that carry no id: CLR, BUS, TDB_UPD. */
static void print_record_misc(FILE *out, uint8_t action,
			      const union pfs_v3_record *r)
{
	switch (action) {
	case PFS_V3_ACT_CLR:
		fprintf(out, "\tcreatorid: %08x", r->clr.creatorid);
		if (r->clr.ifname[0] != '\0') {
			fputs(" interface: ", out);
			print_ifname(out, r->clr.ifname);
		}
		break;
	case PFS_V3_ACT_BUS:
		/* endtime is decoded to host order by the codec, so the age
		 * is right (NetBSD's printer forgets ntohl here) */
		fprintf(out, "\tcreatorid: %08x age ", r->bus.creatorid);
		print_hms(out, r->bus.endtime);
		if (r->bus.status == PFS_V3_BUS_START)
			fputs(" status: start", out);
		else if (r->bus.status == PFS_V3_BUS_END)
			fputs(" status: end", out);
		else
			fprintf(out, " status: %u", r->bus.status);
		break;
	case PFS_V3_ACT_TDB_UPD:
		fprintf(out, "\tspi: %08x rpl: %u cur_bytes: %llu", r->tdb.spi,
			r->tdb.rpl, (unsigned long long)r->tdb.cur_bytes);
		break;
	default:
		return;
	}
	fputc('\n', out);
}

static void print_records(FILE *out, const struct pfs_v3_frame *f,
			  unsigned flags)
{
	union pfs_v3_record r;
	size_t i;

	for (i = 0; i < f->nrec; i++) {
		memset(&r, 0, sizeof(r));
		pfs_v3_frame_record(f, i, &r);
		print_record(out, f->hdr.action, &r, flags);
		print_record_misc(out, f->hdr.action, &r);
	}
}

/*
 * A frame whose header is fine but whose records are cut short: rebuild
 * the frame view over the records that are complete, so they can still
 * be printed.  The header layout is fixed (version, af, action, count,
 * then the 16-byte digest), decoded with the codec's header reader.
 */
static void print_partial_frame(const uint8_t *pkt, size_t len,
				struct pfs_v3_frame *f)
{
	struct pfs_rbuf rb;
	size_t want;

	memset(f, 0, sizeof(*f));
	pfs_rbuf_init(&rb, pkt, len);
	pfs_v3_get_header(&rb, &f->hdr);
	f->body = pkt + PFS_V3_HDR_LEN;
	f->body_len = len - PFS_V3_HDR_LEN;
	f->reclen = pfs_v3_reclen(f->hdr.action);
	if (f->reclen == 0)
		return;
	want = f->hdr.count;
	if (f->hdr.action == PFS_V3_ACT_CLR || f->hdr.action == PFS_V3_ACT_BUS)
		want = 1;
	f->nrec = f->body_len / f->reclen;
	if (f->nrec > want)
		f->nrec = want;
}

static void print_bad_header(FILE *out, const uint8_t *pkt, int why)
{
	if (why == PFS_STAT_BADVER)
		fprintf(out, "PFSYNC: bad header (version %u)\n", pkt[0]);
	else if (why == PFS_STAT_BADACT)
		fprintf(out, "PFSYNC: bad header (action %u)\n", pkt[2]);
	else
		fprintf(out, "PFSYNC: bad header (code %d)\n", why);
}

void ctl_print_v3(FILE *out, const uint8_t *pkt, size_t len, unsigned flags)
{
	struct pfs_v3_frame f;
	int rc;

	rc = pfs_v3_frame_parse(pkt, len, &f);
	if (rc == PFS_STAT_HDROPS || len < PFS_V3_HDR_LEN) {
		fputs("[|pfsync]\n", out);
		return;
	}
	if (rc == PFS_STAT_BADLEN)
		print_partial_frame(pkt, len, &f);
	else if (rc != 0) {
		print_bad_header(out, pkt, rc);
		return;
	}
	if (flags & CTL_PRINT_E)
		fprintf(out, "PFSYNCv%u count %u: ", f.hdr.version,
			f.hdr.count);
	fprintf(out, "PFSYNC %s:", pfs_v3_action_name(f.hdr.action));
	fputs(rc == PFS_STAT_BADLEN ? " [|pfsync]\n" : "\n", out);
	if (flags & (CTL_PRINT_V | CTL_PRINT_VV))
		print_records(out, &f, flags);
}
