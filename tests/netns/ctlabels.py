#!/usr/bin/python3
"""ctlabels.py - the label bits of conntrack entries, read over ctnetlink.

  ctlabels.py DPORT

Dumps the conntrack table of the current network namespace and prints one
line per entry whose original destination port is DPORT:

  labels=5,127 mark=42 zone=7

(label bit numbers, comma separated, "-" when none).  conntrack(8) prints
labels only by the names of /etc/xtables/connlabel.conf; this needs no
file.  Attribute numbers from linux/netfilter/nfnetlink_conntrack.h.
"""

import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_GET = 1
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
CTA_TUPLE_ORIG, CTA_MARK, CTA_ZONE, CTA_LABELS = 1, 8, 18, 22
CTA_TUPLE_PROTO, CTA_PROTO_DST_PORT = 2, 3
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


def dport(orig):
    for t, p in attrs(orig):
        if t == CTA_TUPLE_PROTO:
            for t2, p2 in attrs(p):
                if t2 == CTA_PROTO_DST_PORT:
                    return struct.unpack(">H", p2[:2])[0]
    return None


def entry(payload, want):
    a = dict(attrs(payload[4:]))  # after struct nfgenmsg
    if CTA_TUPLE_ORIG not in a or dport(a[CTA_TUPLE_ORIG]) != want:
        return None
    bits = []
    for i, b in enumerate(a.get(CTA_LABELS, b"")):
        bits += [i * 8 + j for j in range(8) if b & (1 << j)]
    mark = struct.unpack(">I", a[CTA_MARK])[0] if CTA_MARK in a else 0
    zone = struct.unpack(">H", a[CTA_ZONE])[0] if CTA_ZONE in a else 0
    return "labels=%s mark=%d zone=%d" % (
        ",".join(map(str, bits)) or "-", mark, zone)


def main():
    want = int(sys.argv[1])
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    msg = struct.pack("=IHHII", 20, (NFNL_SUBSYS_CTNETLINK << 8) |
                      IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    s.send(msg + struct.pack("BBH", socket.AF_UNSPEC, 0, 0))
    while True:
        buf = s.recv(1 << 16)
        off = 0
        while off + 16 <= len(buf):
            mlen, mtype, _, _, _ = struct.unpack_from("=IHHII", buf, off)
            if mlen < 16 or mtype in (NLMSG_DONE, NLMSG_ERROR):
                return 0
            line = entry(buf[off + 16:off + mlen], want)
            if line:
                print(line, flush=True)
            off += (mlen + 3) & ~3


if __name__ == "__main__":
    sys.exit(main())
