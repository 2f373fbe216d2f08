/*
 * print_bsd.c - tcpdump-style printers for pfsync v6 and v5 (formats in
 * print_bsd.h).  Everything is decoded through the codecs (wire_v6,
 * wire_v5), which hand us host-order structs; nothing here reads wire
 * bytes itself, so a hostile packet cannot make the printer read out of
 * bounds.  Strings from the wire go through print_name, which never
 * passes a control character to the terminal.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pfsync/format.h"
#include "pfsync/stats.h"
#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"
#include "print_bsd.h"
#include "print_v3.h"

static void print_name(FILE *out, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < n && name[i] != '\0'; i++)
		fputc(isprint((unsigned char)name[i]) ? name[i] : '?', out);
}

/* Each line of `text` with `prefix` before it; no final newline. */
static void print_lines(FILE *out, const char *prefix, const char *text)
{
	const char *nl;

	for (;;) {
		nl = strchr(text, '\n');
		fputs(prefix, out);
		if (nl == NULL) {
			fputs(text, out);
			return;
		}
		fwrite(text, 1, (size_t)(nl - text + 1), out);
		text = nl + 1;
	}
}

/* The state and (always, as pfctl -v) its detail lines, the id line
 * left open for " updates: N". */
static void print_state(FILE *out, const struct pfs_bsd_state *s,
			const char *prefix)
{
	char line[PFS_FORMAT_LINE_LEN], detail[PFS_FORMAT_DETAIL_LEN];

	pfs_format_state_line_keys(line, sizeof(line), &s->st);
	fputs(prefix, out);
	fputs(line, out);
	fputc('\n', out);
	pfs_format_state_detail_at(detail, sizeof(detail), &s->st,
				   s->st.creation, s->st.expire);
	print_lines(out, prefix, detail);
}

static void print_hms(FILE *out, uint32_t secs)
{
	fprintf(out, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
}

static void print_id(FILE *out, const char *prefix, uint64_t id, uint32_t cr)
{
	fprintf(out, "%sid: %016llx creatorid: %08x\n", prefix,
		(unsigned long long)id, cr);
}

static void print_clr(FILE *out, const char *prefix,
		      const struct pfs_bsd_clr *c)
{
	fprintf(out, "%screatorid: %08x", prefix, c->creatorid);
	if (c->ifname[0] != '\0') {
		fputs(" interface: ", out);
		print_name(out, c->ifname, PFS_IFNAMSIZ);
	}
	fputc('\n', out);
}

static void print_bus(FILE *out, const char *prefix,
		      const struct pfs_bsd_bus *b)
{
	fprintf(out, "%screatorid: %08x age ", prefix, b->creatorid);
	print_hms(out, b->endtime);
	if (b->status == PFS_BSD_BUS_START)
		fputs(" status: start\n", out);
	else if (b->status == PFS_BSD_BUS_END)
		fputs(" status: end\n", out);
	else
		fprintf(out, " status: %u\n", b->status);
}

static void print_cksum(FILE *out, const struct pfs_bsd_header *h)
{
	size_t i;

	fputs(" cksum ", out);
	for (i = 0; i < PFS_BSD_CKSUM_LEN; i++)
		fprintf(out, "%02x", h->pfcksum[i]);
}

static void print_head(FILE *out, const struct pfs_bsd_header *h,
		       unsigned flags)
{
	fprintf(out, "PFSYNCv%u len %u", h->version, h->len);
	if (flags & CTL_PRINT_E)
		print_cksum(out, h);
	fputc('\n', out);
}

/* A header we cannot walk: too short, or len beyond the packet. */
static int print_bad_head(FILE *out, const uint8_t *pkt, size_t len, int rc,
			  unsigned flags)
{
	struct pfs_bsd_header h;
	struct pfs_rbuf rb;

	if (rc == PFS_STAT_HDROPS) {
		fputs("[|pfsync]\n", out);
		return 1;
	}
	if (rc == 0)
		return 0;
	pfs_rbuf_init(&rb, pkt, len);
	pfs_bsd_get_header(&rb, &h);
	print_head(out, &h, flags);
	fprintf(out, "[|pfsync] %s\n", pfs_stat_name(rc));
	return 1;
}

/* --- OpenBSD v6 ----------------------------------------------------------- */

static void v6_record(FILE *out, uint8_t act, const union pfs_v6_record *r,
		      unsigned flags)
{
	switch (act) {
	case PFS_V6_ACT_INS:
	case PFS_V6_ACT_UPD:
	case PFS_V6_ACT_DEL:
		print_state(out, &r->state, "\t\t");
		if (flags & CTL_PRINT_VV)
			fprintf(out, " updates: %u", r->state.st.updates);
		fputc('\n', out);
		break;
	case PFS_V6_ACT_UPD_C:
		print_id(out, "\t\t", r->upd_c.id, r->upd_c.creatorid);
		break;
	case PFS_V6_ACT_CLR:
		print_clr(out, "\t\t", &r->clr);
		break;
	case PFS_V6_ACT_BUS:
		print_bus(out, "\t\t", &r->bus);
		break;
	case PFS_V6_ACT_TDB:
		fprintf(out, "\t\tspi: 0x%08x rpl: %llu cur_bytes: %llu\n",
			r->tdb.spi, (unsigned long long)r->tdb.rpl,
			(unsigned long long)r->tdb.cur_bytes);
		break;
	default: /* INS_ACK, UPD_REQ, DEL_C */
		print_id(out, "\t\t", r->ref.id, r->ref.creatorid);
		break;
	}
}

static void v6_section(FILE *out, const struct pfs_v6_section *s,
		       unsigned flags)
{
	union pfs_v6_record r;
	size_t i;

	if (s->sub.action >= PFS_V6_ACT_MAX)
		fprintf(out, "\tact UNKNOWN id %u count %u\n", s->sub.action,
			s->sub.count);
	else
		fprintf(out, "\tact %s count %u%s\n",
			pfs_v6_action_name(s->sub.action), s->sub.count,
			s->skip && pfs_v6_reclen(s->sub.action) != 0
			    ? " (skipped)"
			    : "");
	if (s->skip || !(flags & (CTL_PRINT_V | CTL_PRINT_VV)))
		return;
	for (i = 0; i < s->sub.count; i++) {
		pfs_v6_section_record(s, i, &r);
		v6_record(out, s->sub.action, &r, flags);
	}
}

void ctl_print_v6(FILE *out, const uint8_t *pkt, size_t len, unsigned flags)
{
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	int rc = pfs_v6_frame_parse(pkt, len, &f);

	if (print_bad_head(out, pkt, len, rc, flags))
		return;
	print_head(out, &f.hdr, flags);
	while ((rc = pfs_v6_frame_next(&f, &s)) == 0)
		v6_section(out, &s, flags);
	if (rc == PFS_V6_END)
		return;
	v6_section(out, &s, 0); /* the refused section's line */
	fprintf(out, "\t[|pfsync] %s\n", pfs_stat_name(rc));
}

/* --- FreeBSD v5 ----------------------------------------------------------- */

static void v5_record(FILE *out, uint8_t act, const union pfs_v5_record *r,
		      unsigned flags)
{
	if (pfs_v5_action_format(act) != 0) {
		print_state(out, &r->state, "\t");
		if ((flags & CTL_PRINT_VV) &&
		    pfs_v5_action_format(act) != PFS_V5_FMT_1500)
			fprintf(out, " updates: %u", r->state.st.updates);
		fputc('\n', out);
		return;
	}
	switch (act) {
	case PFS_V5_ACT_UPD_C:
		print_id(out, "\t", r->upd_c.id, r->upd_c.creatorid);
		break;
	case PFS_V5_ACT_CLR:
		print_clr(out, "\t", &r->clr);
		break;
	case PFS_V5_ACT_BUS:
		print_bus(out, "\t", &r->bus);
		break;
	case PFS_V5_ACT_TDB:
		fprintf(out, "\tspi: 0x%08x rpl: %u cur_bytes: %llu\n",
			r->tdb.spi, r->tdb.rpl,
			(unsigned long long)r->tdb.cur_bytes);
		break;
	default: /* INS_ACK, UPD_REQ, DEL_C */
		print_id(out, "\t", r->ref.id, r->ref.creatorid);
		break;
	}
}

static void v5_section(FILE *out, const struct pfs_v5_section *s,
		       unsigned flags)
{
	union pfs_v5_record r;
	size_t i;

	fprintf(out, "    %s count %u\n", pfs_v5_action_name(s->sub.action),
		s->sub.count);
	if (!(flags & (CTL_PRINT_V | CTL_PRINT_VV)))
		return;
	for (i = 0; i < s->sub.count; i++) {
		pfs_v5_section_record(s, i, &r);
		v5_record(out, s->sub.action, &r, flags);
	}
}

void ctl_print_v5(FILE *out, const uint8_t *pkt, size_t len, unsigned flags)
{
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	int rc = pfs_v5_frame_parse(pkt, len, &f);

	if (print_bad_head(out, pkt, len, rc, flags))
		return;
	print_head(out, &f.hdr, flags);
	while ((rc = pfs_v5_frame_next(&f, &s)) == 0)
		v5_section(out, &s, flags);
	if (rc == PFS_V5_END && !f.eof)
		return; /* ran out of bytes without an EOF */
	if (s.sub.action >= PFS_V5_ACT_MAX)
		fprintf(out, "    act UNKNOWN id %u\n", s.sub.action);
	else
		fprintf(out, "    %s count %u\n",
			pfs_v5_action_name(s.sub.action), s.sub.count);
	if (rc != PFS_V5_END)
		fprintf(out, "    [|pfsync] %s\n", pfs_stat_name(rc));
}

void ctl_print_pfsync(FILE *out, const uint8_t *pkt, size_t len, unsigned flags)
{
	if (pkt == NULL || len == 0) {
		fputs("[|pfsync]\n", out);
		return;
	}
	switch (pkt[0]) {
	case PFS_V5_VERSION:
		ctl_print_v5(out, pkt, len, flags);
		break;
	case PFS_V6_VERSION:
		ctl_print_v6(out, pkt, len, flags);
		break;
	case 3:
		ctl_print_v3(out, pkt, len, flags);
		break;
	default:
		fprintf(out, "PFSYNCv%u (unknown version)\n", pkt[0]);
		break;
	}
}
