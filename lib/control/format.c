/*
 * format.c - pfctl-style text of a state (see format.h).  Pure: writes
 * into the caller's buffer with snprintf semantics.
 *
 * A small cursor (struct fmt) appends pieces and keeps counting past the
 * end of the buffer, so every function returns the full length however
 * small the buffer, and the buffer always ends in a NUL.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/format.h"

struct fmt {
	char *buf;
	size_t n;   /* capacity including the NUL */
	size_t len; /* length of the whole text so far */
};

static const char *const fmt_tcp_names[] = {
    "CLOSED",	   "LISTEN",	 "SYN_SENT",   "SYN_RCVD",
    "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
    "LAST_ACK",	   "FIN_WAIT_2", "TIME_WAIT",
};

/* pf's synproxy pseudo states, TCP states 11 and 12 */
static const char *const fmt_proxy_names[] = {"PROXY:SRC", "PROXY:DST"};
/* SCTP levels (state.h PFS_SCTPS_*): FreeBSD pfctl's names, then ours */
static const char *const fmt_sctp_names[PFS_SCTPS_MAX + 1] = {
    [PFS_SCTPS_CLOSED] = "CLOSED",
    [PFS_SCTPS_COOKIE_WAIT] = "COOKIE_WAIT",
    [PFS_SCTPS_COOKIE_ECHOED] = "COOKIE_ECHOED",
    [PFS_SCTPS_ESTABLISHED] = "ESTABLISHED",
    [PFS_SCTPS_SHUTDOWN] = "SHUTDOWN",
    [PFS_SCTPS_SHUTDOWN_ACK] = "SHUTDOWN_ACK",
    [PFS_SCTPS_DONE] = "DONE",
};

/* PFUDPS_NAMES and PFOTHERS_NAMES are the same three words */
static const char *const fmt_udp_names[] = {
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
} fmt_protos[] = {
    {1, "icmp"},  {2, "igmp"},	 {6, "tcp"},	{17, "udp"},
    {47, "gre"},  {50, "esp"},	 {51, "ah"},	{58, "ipv6-icmp"},
    {103, "pim"}, {112, "carp"}, {132, "sctp"}, {240, "pfsync"},
};

static void fmt_init(struct fmt *f, char *buf, size_t n)
{
	f->buf = buf;
	f->n = n;
	f->len = 0;
	if (n > 0)
		buf[0] = '\0';
}

static void fmt_printf(struct fmt *f, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static void fmt_printf(struct fmt *f, const char *format, ...)
{
	va_list ap;
	char *at = NULL;
	size_t room = 0;
	int r;

	if (f->len < f->n) {
		at = f->buf + f->len;
		room = f->n - f->len;
	}
	va_start(ap, format);
	r = vsnprintf(at, room, format, ap);
	va_end(ap);
	if (r > 0)
		f->len += (size_t)r;
}

static void fmt_puts(struct fmt *f, const char *s)
{
	fmt_printf(f, "%s", s);
}

/* Interface names come off the wire: at most 16 bytes, up to the first
 * NUL, and never a control character for the terminal. */
static void fmt_ifname(struct fmt *f, const char name[PFS_IFNAMSIZ])
{
	char safe[PFS_IFNAMSIZ + 1];
	size_t i;

	for (i = 0; i < PFS_IFNAMSIZ && name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		safe[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	safe[i] = '\0';
	fmt_puts(f, i > 0 ? safe : "all");
}

/* A host of family af; an unknown af prints "<af LABEL>". */
static void fmt_host_label(struct fmt *f, uint8_t af, uint8_t label,
			   const struct pfs_host *h)
{
	char a[INET6_ADDRSTRLEN];

	if (af != AF_INET && af != AF_INET6) {
		snprintf(a, sizeof(a), "<af %u>", label);
		af = AF_INET; /* "addr:port" */
	} else if (inet_ntop(af, h->addr.a, a, sizeof(a)) == NULL) {
		strcpy(a, "?");
	}
	if (af == AF_INET6)
		fmt_printf(f, "[%s]", a);
	else
		fmt_puts(f, a);
	if (h->port != 0)
		fmt_printf(f, ":%u", h->port);
}

size_t pfs_format_host(char *buf, size_t n, uint8_t af,
		       const struct pfs_host *h)
{
	struct fmt f;

	fmt_init(&f, buf, n);
	fmt_host_label(&f, af, af, h);
	return f.len;
}

const char *pfs_format_proto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(fmt_protos) / sizeof(fmt_protos[0]); i++)
		if (fmt_protos[i].proto == proto)
			return fmt_protos[i].name;
	return NULL;
}

size_t pfs_format_proto(char *buf, size_t n, uint8_t proto)
{
	const char *name = pfs_format_proto_name(proto);
	struct fmt f;

	fmt_init(&f, buf, n);
	if (name != NULL)
		fmt_puts(&f, name);
	else
		fmt_printf(&f, "%u", proto);
	return f.len;
}

const char *pfs_format_tcp_state_name(uint8_t state)
{
	if (state >= sizeof(fmt_tcp_names) / sizeof(fmt_tcp_names[0]))
		return NULL;
	return fmt_tcp_names[state];
}

/* One peer's name by protocol, NULL when it has none. */
static const char *fmt_peer_name(uint8_t proto, uint8_t state)
{
	if (proto == IPPROTO_TCP) {
		if (state <= PFS_TCPS_TIME_WAIT)
			return fmt_tcp_names[state];
		if (state <= PFS_TCPS_PROXY_DST)
			return fmt_proxy_names[state - PFS_TCPS_PROXY_SRC];
		return NULL;
	}
	if (proto == IPPROTO_SCTP)
		return state <= PFS_SCTPS_MAX ? fmt_sctp_names[state] : NULL;
	return state <= PFS_UDPS_MULTIPLE ? fmt_udp_names[state] : NULL;
}

size_t pfs_format_peer_state(char *buf, size_t n, uint8_t proto,
			     uint8_t state)
{
	const char *name = fmt_peer_name(proto, state);
	struct fmt f;

	fmt_init(&f, buf, n);
	if (name != NULL)
		fmt_puts(&f, name);
	else
		fmt_printf(&f, "%u", state);
	return f.len;
}

/* pfctl's state column for TCP: names, synproxy, or bad levels. */
static void fmt_tcp_levels(struct fmt *f, uint8_t s, uint8_t d)
{
	if (s <= PFS_TCPS_TIME_WAIT && d <= PFS_TCPS_TIME_WAIT)
		fmt_printf(f, "%s:%s", fmt_tcp_names[s], fmt_tcp_names[d]);
	else if (s == PFS_TCPS_PROXY_SRC || d == PFS_TCPS_PROXY_SRC)
		fmt_puts(f, "PROXY:SRC");
	else if (s == PFS_TCPS_PROXY_DST || d == PFS_TCPS_PROXY_DST)
		fmt_puts(f, "PROXY:DST");
	else
		fmt_printf(f, "<BAD STATE LEVELS %u:%u>", s, d);
}

size_t pfs_format_peer_states(char *buf, size_t n, uint8_t proto,
			      uint8_t src, uint8_t dst)
{
	struct fmt f;

	fmt_init(&f, buf, n);
	if (proto == IPPROTO_TCP)
		fmt_tcp_levels(&f, src, dst);
	else if (proto == IPPROTO_SCTP && fmt_peer_name(proto, src) != NULL &&
		 fmt_peer_name(proto, dst) != NULL)
		fmt_printf(&f, "%s:%s", fmt_peer_name(proto, src),
			   fmt_peer_name(proto, dst));
	else if (proto != IPPROTO_ICMP && proto != IPPROTO_SCTP &&
		 src <= PFS_UDPS_MULTIPLE &&
		 dst <= PFS_UDPS_MULTIPLE)
		/* UDP and others share the three names; ICMP has no
		 * meaningful levels and prints numbers, as in pfctl */
		fmt_printf(&f, "%s:%s", fmt_udp_names[src],
			   fmt_udp_names[dst]);
	else
		fmt_printf(&f, "%u:%u", src, dst);
	return f.len;
}

static int fmt_host_eq(const struct pfs_host *a, const struct pfs_host *b)
{
	return a->port == b->port &&
	       memcmp(a->addr.a, b->addr.a, sizeof(a->addr.a)) == 0;
}

/*
 * The address part, following the v3-era pfctl print_state: lan first,
 * then gwy only when it differs (NAT or rdr), then ext, joined by "->"
 * for an outbound state and "<-" otherwise:
 *   out, nat:  lan -> gwy -> ext      in, rdr:  lan <- gwy <- ext
 * So the internal side is always on the left and the arrow shows which
 * side opened the connection.  An unknown family prints "<af LABEL>".
 */
static void fmt_hosts(struct fmt *f, const struct pfs_state *st, uint8_t label)
{
	const char *arrow = st->direction == PFS_DIR_OUT ? " -> " : " <- ";

	fmt_host_label(f, st->af, label, &st->lan);
	if (!fmt_host_eq(&st->lan, &st->gwy)) {
		fmt_puts(f, arrow);
		fmt_host_label(f, st->af, label, &st->gwy);
	}
	fmt_puts(f, arrow);
	fmt_host_label(f, st->af, label, &st->ext);
}

/* pfctl lists the peers in the order the hosts are printed: lan is on
 * the left, and lan is the destination of an inbound connection. */
static void fmt_peers_ordered(const struct pfs_state *st,
			      const struct pfs_peer **s,
			      const struct pfs_peer **d)
{
	*s = st->direction == PFS_DIR_OUT ? &st->src : &st->dst;
	*d = st->direction == PFS_DIR_OUT ? &st->dst : &st->src;
}

size_t pfs_format_timeout_check(char *buf, size_t n, uint8_t tclass)
{
	struct fmt f;

	fmt_init(&f, buf, n);
	if (tclass >= PFS_TM_MAX)
		fmt_printf(&f, " <BAD TIMEOUT %u>", tclass);
	return f.len;
}

/* Values pf would refuse and pfctl never shows, flagged after the
 * levels: a direction past PF_OUT, a timeout class past the last. */
static void fmt_bad_values(struct fmt *f, const struct pfs_state *st)
{
	char t[32];

	if (st->direction > PFS_DIR_OUT)
		fmt_printf(f, " <BAD DIRECTION %u>", st->direction);
	pfs_format_timeout_check(t, sizeof(t), st->timeout);
	fmt_puts(f, t);
}

size_t pfs_format_state_line_af(char *buf, size_t n, const struct pfs_state *st,
				uint8_t label)
{
	char levels[40];
	const struct pfs_peer *s, *d;
	struct fmt f;

	fmt_init(&f, buf, n);
	fmt_ifname(&f, st->ifname);
	fmt_puts(&f, " ");
	pfs_format_proto(levels, sizeof(levels), st->proto);
	fmt_puts(&f, levels);
	fmt_puts(&f, " ");
	fmt_hosts(&f, st, label);
	fmt_peers_ordered(st, &s, &d);
	pfs_format_peer_states(levels, sizeof(levels), st->proto, s->state,
			       d->state);
	/* pfctl: four spaces, then three before the levels */
	fmt_printf(&f, "       %s", levels);
	fmt_bad_values(&f, st);
	return f.len;
}

size_t pfs_format_state_line(char *buf, size_t n, const struct pfs_state *st)
{
	return pfs_format_state_line_af(buf, n, st, st->af);
}

/*
 * The address part as pfctl prints it since the two-key states of
 * OpenBSD 4.5 (and FreeBSD's pfctl): the local address of the key pf
 * looks a packet up by first, the other key's local address in
 * parentheses when it differs, then the remote side:
 *   out, nat:  lan (gwy) -> ext      in, rdr:  gwy (lan) <- ext
 */
static void fmt_hosts_keys(struct fmt *f, const struct pfs_state *st)
{
	int out = st->direction == PFS_DIR_OUT;
	const struct pfs_host *first = out ? &st->lan : &st->gwy;
	const struct pfs_host *other = out ? &st->gwy : &st->lan;

	fmt_host_label(f, st->af, st->af, first);
	if (!fmt_host_eq(first, other)) {
		fmt_puts(f, " (");
		fmt_host_label(f, st->af, st->af, other);
		fmt_puts(f, ")");
	}
	fmt_puts(f, out ? " -> " : " <- ");
	fmt_host_label(f, st->af, st->af, &st->ext);
}

size_t pfs_format_state_line_keys(char *buf, size_t n,
				  const struct pfs_state *st)
{
	char levels[40];
	const struct pfs_peer *s, *d;
	struct fmt f;

	fmt_init(&f, buf, n);
	fmt_ifname(&f, st->ifname);
	fmt_puts(&f, " ");
	pfs_format_proto(levels, sizeof(levels), st->proto);
	fmt_puts(&f, levels);
	fmt_puts(&f, " ");
	fmt_hosts_keys(&f, st);
	fmt_peers_ordered(st, &s, &d);
	pfs_format_peer_states(levels, sizeof(levels), st->proto, s->state,
			       d->state);
	fmt_printf(&f, "       %s", levels);
	return f.len;
}

/* pfctl print_seq: "[seqlo + window](+seqdiff)", window = seqhi - seqlo */
static void fmt_seq(struct fmt *f, const struct pfs_peer *p, int wscale)
{
	fmt_printf(f, "[%u + %u]", p->seqlo, p->seqhi - p->seqlo);
	if (p->seqdiff)
		fmt_printf(f, "(+%u)", p->seqdiff);
	if (wscale)
		fmt_printf(f, " wscale %u", p->wscale & PFS_WSCALE_MASK);
}

static void fmt_hms(struct fmt *f, uint32_t secs)
{
	fmt_printf(f, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60,
		   secs % 60);
}

/* The sequence windows line of a TCP state, with its newline. */
static void fmt_seq_line(struct fmt *f, const struct pfs_state *st)
{
	const struct pfs_peer *s, *d;
	/* pfctl shows window scales only when both sides negotiated one */
	int ws;

	fmt_peers_ordered(st, &s, &d);
	ws = s->wscale != 0 && d->wscale != 0;
	fmt_puts(f, "   ");
	fmt_seq(f, s, ws);
	fmt_puts(f, "  ");
	fmt_seq(f, d, ws);
	fmt_puts(f, "\n");
}

size_t pfs_format_state_detail_at(char *buf, size_t n,
				  const struct pfs_state *st, uint32_t age,
				  uint32_t expires_in)
{
	struct fmt f;

	fmt_init(&f, buf, n);
	if (st->proto == IPPROTO_TCP)
		fmt_seq_line(&f, st);
	fmt_puts(&f, "   age ");
	fmt_hms(&f, age);
	fmt_puts(&f, ", expires in ");
	fmt_hms(&f, expires_in);
	fmt_printf(&f, ", %llu:%llu pkts, %llu:%llu bytes",
		   (unsigned long long)st->packets[0],
		   (unsigned long long)st->packets[1],
		   (unsigned long long)st->bytes[0],
		   (unsigned long long)st->bytes[1]);
	if (st->anchor != PFS_NO_RULE)
		fmt_printf(&f, ", anchor %u", st->anchor);
	if (st->rule != PFS_NO_RULE)
		fmt_printf(&f, ", rule %u", st->rule);
	fmt_printf(&f, "\n   id: %016llx creatorid: %08x",
		   (unsigned long long)st->id, st->creatorid);
	return f.len;
}

size_t pfs_format_state_detail(char *buf, size_t n, const struct pfs_state *st,
			       uint32_t now)
{
	/* the engine's clamps: a state not yet purged expires in 0 s */
	uint32_t age = now >= st->creation ? now - st->creation : 0;
	uint32_t left = st->expire > now ? st->expire - now : 0;

	return pfs_format_state_detail_at(buf, n, st, age, left);
}
