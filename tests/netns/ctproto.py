#!/usr/bin/python3
"""ctproto.py - what conntrack(8) does not print of an entry's protocol,
read over ctnetlink.

  ctproto.py PROTO

Dumps the conntrack table of the current network namespace and prints one
line per entry of IP protocol PROTO, sorted:

  proto=132 10.1.0.10:5000>10.2.0.20:6000 reply=6000>5000 state=4
      vtag=100,200 mark=7

(on one line): the original tuple's addresses and ports (GRE: keys), the
reply tuple's ports, the SCTP or DCCP state number (enum sctp_conntrack,
"-" when none), SCTP's verification tags (original, reply) and the mark.
conntrack(8) prints neither the tags nor a GRE entry's key numbers in
this form.  Attribute numbers from linux/netfilter/nfnetlink_conntrack.h.
"""

import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_GET = 1
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_PROTOINFO, CTA_MARK = 1, 2, 4, 8
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_PROTOINFO_DCCP, CTA_PROTOINFO_SCTP = 2, 3
NLA_TYPE_MASK = 0x3fff


def attrs(buf):
    """(type, payload) of each attribute in buf."""
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("HH", buf, off)
        if alen < 4:
            return
        yield atype & NLA_TYPE_MASK, buf[off + 4:off + alen]
        off += (alen + 3) & ~3


def tuple_of(t):
    """(proto, src, dst, sport, dport) of a CTA_TUPLE_* payload."""
    a = dict(attrs(t))
    ip = dict(attrs(a.get(CTA_TUPLE_IP, b"")))
    pr = dict(attrs(a.get(CTA_TUPLE_PROTO, b"")))
    src = socket.inet_ntoa(ip[CTA_IP_V4_SRC]) if CTA_IP_V4_SRC in ip else "?"
    dst = socket.inet_ntoa(ip[CTA_IP_V4_DST]) if CTA_IP_V4_DST in ip else "?"

    def port(k):
        return struct.unpack(">H", pr[k][:2])[0] if k in pr else 0
    num = pr[CTA_PROTO_NUM][0] if CTA_PROTO_NUM in pr else -1
    return num, src, dst, port(CTA_PROTO_SRC_PORT), port(CTA_PROTO_DST_PORT)


def protoinfo(p):
    """(state, vtags) of CTA_PROTOINFO."""
    for t, body in attrs(p):
        if t in (CTA_PROTOINFO_SCTP, CTA_PROTOINFO_DCCP):
            a = dict(attrs(body))
            state = str(a[1][0]) if 1 in a else "-"
            if t == CTA_PROTOINFO_SCTP:
                tags = [struct.unpack(">I", a[k][:4])[0] if k in a else 0
                        for k in (2, 3)]
                return state, "%d,%d" % tuple(tags)
            return state, "-"
    return "-", "-"


def entry(payload, want):
    a = dict(attrs(payload[4:]))  # after struct nfgenmsg
    if CTA_TUPLE_ORIG not in a:
        return None
    num, src, dst, sp, dp = tuple_of(a[CTA_TUPLE_ORIG])
    if num != want:
        return None
    _, _, _, rsp, rdp = tuple_of(a.get(CTA_TUPLE_REPLY, b""))
    state, tags = protoinfo(a.get(CTA_PROTOINFO, b""))
    mark = struct.unpack(">I", a[CTA_MARK])[0] if CTA_MARK in a else 0
    return "proto=%d %s:%d>%s:%d reply=%d>%d state=%s vtag=%s mark=%d" % (
        num, src, sp, dst, dp, rsp, rdp, state, tags, mark)


def main():
    want = int(sys.argv[1])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    msg = struct.pack("=IHHII", 20, (NFNL_SUBSYS_CTNETLINK << 8) |
                      IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    s.send(msg + struct.pack("BBH", socket.AF_INET, 0, 0))
    lines = []
    while True:
        buf = s.recv(1 << 16)
        off = 0
        while off + 16 <= len(buf):
            mlen, mtype, _, _, _ = struct.unpack_from("=IHHII", buf, off)
            if mlen < 16 or mtype in (NLMSG_DONE, NLMSG_ERROR):
                print("\n".join(sorted(lines)), flush=True)
                return 0
            line = entry(buf[off + 16:off + mlen], want)
            if line:
                lines.append(line)
            off += (mlen + 3) & ~3


if __name__ == "__main__":
    sys.exit(main())
