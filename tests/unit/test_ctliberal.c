/*
 * test_ctliberal.c - own entries made liberal (ctliberal.h): which mirror
 * states a pass reads back, which entries read back it writes, the
 * message that writes them (walked attribute by attribute: the flags
 * alone, update only), and the writer's rule that a LIBERAL request
 * never replaces a write of the same state still waiting.  Nothing is
 * sent to the kernel.
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "backend/ctliberal.h"
#include "backend/ctmap.h"
#include "backend/ctwr.h"
#include "t.h"

#define HOST 0x0a000001u

static uint8_t buf[PFSD_CTMAP_MSG_MAX];

static struct pfsd_ct_entry tcp_entry(uint8_t fo, uint8_t fr)
{
	struct pfsd_ct_entry e;

	memset(&e, 0, sizeof(e));
	e.af = AF_INET;
	e.orig.proto = e.reply.proto = IPPROTO_TCP;
	e.orig.src.a[0] = 192;
	e.orig.src.a[1] = 168;
	e.orig.src.a[3] = 10;
	e.orig.dst.a[0] = 10;
	e.orig.dst.a[3] = 10;
	e.orig.sport = 40000;
	e.orig.dport = 5000;
	e.orig.ok = e.reply.ok = 1;
	e.tcp_state = TCP_CONNTRACK_ESTABLISHED;
	e.flags_orig = fo;
	e.flags_reply = fr;
	e.timeout = 431999;
	e.status = 0xe;
	e.have = PFSD_CT_HAVE_TCP | PFSD_CT_HAVE_STATUS | PFSD_CT_HAVE_TIMEOUT;
	return e;
}

static void test_due(void)
{
	struct pfs_state s;

	memset(&s, 0, sizeof(s));
	s.proto = IPPROTO_TCP;
	s.creatorid = HOST;
	T_CHECK(pfsd_ctlib_due(&s, HOST));
	s.creatorid = HOST + 1; /* a peer's: written liberal already */
	T_CHECK(!pfsd_ctlib_due(&s, HOST));
	s.creatorid = HOST;
	s.proto = IPPROTO_UDP; /* no windows */
	T_CHECK(!pfsd_ctlib_due(&s, HOST));
}

static void test_wants(void)
{
	const uint8_t lib = IP_CT_TCP_FLAG_BE_LIBERAL;
	const uint8_t strict = IP_CT_TCP_FLAG_WINDOW_SCALE |
			       IP_CT_TCP_FLAG_SACK_PERM |
			       IP_CT_TCP_FLAG_MAXACK_SET; /* 0x23 */
	struct pfsd_ct_entry e;

	e = tcp_entry(strict, strict); /* the kernel's own entry */
	T_CHECK(pfsd_ctlib_wants(&e));
	e = tcp_entry(strict | lib, strict); /* one direction is not enough */
	T_CHECK(pfsd_ctlib_wants(&e));
	e = tcp_entry(strict, strict | lib);
	T_CHECK(pfsd_ctlib_wants(&e));
	e = tcp_entry(strict | lib, strict | lib); /* done before */
	T_CHECK(!pfsd_ctlib_wants(&e));
	e = tcp_entry(0x0a, 0x0a); /* conntrack -I: SACK_PERM|BE_LIBERAL */
	T_CHECK(!pfsd_ctlib_wants(&e));
	e = tcp_entry(strict, strict);
	e.have &= ~(unsigned)PFSD_CT_HAVE_TCP; /* no protoinfo read */
	T_CHECK(!pfsd_ctlib_wants(&e));
	e = tcp_entry(0, 0);
	e.orig.proto = IPPROTO_UDP;
	T_CHECK(!pfsd_ctlib_wants(&e));
}

/* Walk state: one attribute type, found at depth 0 or in a nest. */
struct find {
	int type;
	const struct nlattr *hit;
	unsigned n; /* attributes seen */
};

static int find_cb(const struct nlattr *a, void *data)
{
	struct find *f = data;

	f->n++;
	if (mnl_attr_get_type(a) == f->type)
		f->hit = a;
	return MNL_CB_OK;
}

static const struct nlattr *find_top(const struct nlmsghdr *nlh, int type,
				     unsigned *n)
{
	struct find f = {type, NULL, 0};

	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), find_cb, &f);
	if (n != NULL)
		*n = f.n;
	return f.hit;
}

static const struct nlattr *find_in(const struct nlattr *nest, int type,
				    unsigned *n)
{
	struct find f = {type, NULL, 0};

	if (nest != NULL)
		mnl_attr_parse_nested(nest, find_cb, &f);
	if (n != NULL)
		*n = f.n;
	return f.hit;
}

static void check_flags(const struct nlattr *a)
{
	const struct nf_ct_tcp_flags *f;

	T_CHECK(a != NULL && mnl_attr_get_payload_len(a) == sizeof(*f));
	if (a == NULL)
		return;
	f = mnl_attr_get_payload(a);
	T_EQ(f->flags, IP_CT_TCP_FLAG_BE_LIBERAL);
	T_EQ(f->mask, IP_CT_TCP_FLAG_BE_LIBERAL);
}

/* The flags alone, by the original tuple: no CREATE (a gone entry must
 * not come back), no state, status, timeout or reply tuple (they stay
 * as the kernel has them). */
static void test_build_liberal(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	struct pfsd_ct_entry e = tcp_entry(0x23, 0x23), back;
	const struct nlattr *tcp, *a;
	unsigned n;

	T_EQ(pfsd_ctmap_build_liberal(buf, sizeof(buf) - 1, &e, 1), 0);
	T_CHECK(pfsd_ctmap_build_liberal(buf, sizeof(buf), &e, 9) ==
		nlh->nlmsg_len);
	T_EQ(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW);
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
	T_EQ(nlh->nlmsg_seq, 9);
	T_CHECK(find_top(nlh, CTA_TUPLE_ORIG, &n) != NULL);
	T_EQ(n, 2); /* the tuple and the protoinfo */
	T_CHECK(find_top(nlh, CTA_ZONE, NULL) == NULL);
	tcp = find_in(find_top(nlh, CTA_PROTOINFO, NULL), CTA_PROTOINFO_TCP,
		      NULL);
	a = find_in(tcp, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, &n);
	T_EQ(n, 2); /* no state, no window scale */
	check_flags(a);
	check_flags(find_in(tcp, CTA_PROTOINFO_TCP_FLAGS_REPLY, NULL));
	/* read back as the kernel would show it, it wants nothing more */
	T_EQ(pfsd_ctmap_parse(buf, nlh->nlmsg_len, &back), PFSD_CT_UPDATE);
	T_CHECK(back.orig.ok && back.orig.sport == 40000);
	T_EQ(back.flags_orig, IP_CT_TCP_FLAG_BE_LIBERAL);
	T_EQ(back.flags_reply, IP_CT_TCP_FLAG_BE_LIBERAL);
	back.have |= PFSD_CT_HAVE_TCP; /* the kernel shows the state too */
	T_CHECK(!pfsd_ctlib_wants(&back));
	/* the zone finds the entry */
	e.zone = 7;
	e.have |= PFSD_CT_HAVE_ZONE;
	T_CHECK(pfsd_ctmap_build_liberal(buf, sizeof(buf), &e, 10) > 0);
	a = find_top(nlh, CTA_ZONE, NULL);
	T_CHECK(a != NULL && ntohs(mnl_attr_get_u16(a)) == 7);
	/* only TCP has windows */
	e.orig.proto = IPPROTO_UDP;
	T_EQ(pfsd_ctmap_build_liberal(buf, sizeof(buf), &e, 11), 0);
}

static void done(void *arg, const struct pfsd_ctwr_req *r)
{
	(void)arg, (void)r;
}

/* A LIBERAL request finding a write of its state waiting leaves it (the
 * write carries BE_LIBERAL, a delete ends the entry); a peer's write
 * finding a LIBERAL request waiting takes its place. */
static void test_writer_keeps_writes(void)
{
	struct pfsd_ctwr *w = pfsd_ctwr_new(done, NULL);
	struct pfsd_ct_entry e = tcp_entry(0x23, 0x23);

	T_CHECK(w != NULL);
	if (w == NULL)
		return;
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_DELETE, 5, HOST), 0);
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_LIBERAL, 5, HOST), 0);
	T_EQ(pfsd_ctwr_waiting(w), 1);
	T_EQ(pfsd_ctwr_stats(w)->coalesced, 1);
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_LIBERAL, 6, HOST), 0);
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_LIBERAL, 6, HOST), 0);
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_UPSERT, 6, HOST), 0);
	T_EQ(pfsd_ctwr_waiting(w), 2);
	T_EQ(pfsd_ctwr_stats(w)->coalesced, 3);
	pfsd_ctwr_free(w);
}

int main(void)
{
	T_RUN(test_due);
	T_RUN(test_wants);
	T_RUN(test_build_liberal);
	T_RUN(test_writer_keeps_writes);
	return t_done();
}
