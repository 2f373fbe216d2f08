/*
 * print_v3.c - tcpdump-style printer for pfsync v3 packets and pfctl-style
 * printer for states.  Output formats are described in print_v3.h; the
 * state text itself comes from the shared formatter (pfsync/format.h), so
 * `pfsyncctl decode -v` and `pfsyncctl states -v` print a state alike.
 *
 * Everything is decoded through the v3 codec (pfs_v3_frame_parse and
 * pfs_v3_frame_record), which hands us host-order structs; nothing here
 * reads the wire bytes itself, so a hostile packet cannot make the
 * printer read out of bounds.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pfsync/format.h"
#include "pfsync/stats.h"
#include "pfsync/wire_v3.h"
#include "print_v3.h"

/* Interface names come off the wire: print at most 16 bytes, stop at the
 * first NUL, and never pass a control character to the terminal. */
static void print_ifname(FILE *out, const char name[PFS_IFNAMSIZ])
{
	size_t i;

	for (i = 0; i < PFS_IFNAMSIZ && name[i] != '\0'; i++)
		fputc(isprint((unsigned char)name[i]) ? name[i] : '?', out);
}

static void print_hms(FILE *out, uint32_t secs)
{
	fprintf(out, "%02u:%02u:%02u", secs / 3600, secs / 60 % 60, secs % 60);
}

/* Each line of `text` (lines split at '\n') with `prefix` before it. */
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

/*
 * The state through the shared formatter (lib/control/format.c), leaving the id
 * line open so a caller can append to it.  `st` holds wire-relative
 * times: creation is the age and expire the seconds left.  An unknown
 * family prints as "<af AF_LABEL>" (a decoder passes the wire byte).
 */
static void print_state_open(FILE *out, const struct pfs_state *st,
			     uint8_t af_label, unsigned flags,
			     const char *prefix)
{
	char line[PFS_FORMAT_LINE_LEN], detail[PFS_FORMAT_DETAIL_LEN];

	pfs_format_state_line_af(line, sizeof(line), st, af_label);
	fprintf(out, "%s%s", prefix, line);
	if (!(flags & CTL_PRINT_V))
		return;
	pfs_format_state_detail_at(detail, sizeof(detail), st, st->creation,
				   st->expire);
	fputc('\n', out);
	print_lines(out, prefix, detail);
}

void ctl_print_state(FILE *out, const struct pfs_state *st, unsigned flags,
		     const char *prefix)
{
	print_state_open(out, st, st->af, flags, prefix);
	fputc('\n', out);
}

static void print_id(FILE *out, uint64_t id, uint32_t creatorid)
{
	fprintf(out, "id: %016llx creatorid: %08x", (unsigned long long)id,
		creatorid);
}

/* The flag of a timeout class out of range, "" for a good one. */
static void print_timeout_check(FILE *out, uint8_t tclass)
{
	char t[32];

	pfs_format_timeout_check(t, sizeof(t), tclass);
	fputs(t, out);
}

/* One record of a verbose packet print; `action` selects the union arm,
 * `wire_af` is a state record's af byte as it was on the wire. */
static void print_record(FILE *out, uint8_t action,
			 const union pfs_v3_record *r, uint8_t wire_af,
			 unsigned flags)
{
	int vv = (flags & CTL_PRINT_VV) != 0;

	switch (action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		print_state_open(out, &r->state, wire_af, CTL_PRINT_V, "\t");
		if (vv && action == PFS_V3_ACT_UPD)
			fprintf(out, " updates: %u", r->state.updates);
		break;
	case PFS_V3_ACT_UPD_C:
		fputc('\t', out);
		print_id(out, r->upd.id, r->upd.creatorid);
		if (vv)
			fprintf(out, " updates: %u", r->upd.updates);
		print_timeout_check(out, r->upd.timeout);
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
		else if (r->bus.status == PFS_V3_BUS_END_UNSYNCED)
			fputs(" status: end-unsynced", out);
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
		print_record(out, f->hdr.action, &r,
			     pfs_v3_frame_state_af(f, i), flags);
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
