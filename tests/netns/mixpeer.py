#!/usr/bin/python3
"""mixpeer.py - a BSD pfsync peer that stays up: NetBSD v3, FreeBSD v5 in
one state format (1301, 1400, 1500) or OpenBSD v6.  Its bytes are written
from pfsync-v3.md (§1.2, §2.1-§2.11) and pfsync-modern.md (§1.2-§1.5,
§2.1-§2.2), sharing nothing with pfsyncd's codecs; the v6 and 1400 states
are dialpeer.py's.

usage:
  mixpeer.py DIALECT IFACE PFSYNCD OUT ID CREATOR LAN [SECS]

DIALECT is 3, 6, 1301, 1400 or 1500.  The peer joins 224.0.0.240 on
IFACE and asks for a bulk update in its dialect (as a BSD does when it
starts).  When the file OUT.go appears it sends one INS, to the group, of
a TCP state LAN:40000 -> 10.9.0.1:80 with that id and creator.  It reads
what it can read as that OS would (a 1301 node stops at an action it does
not know, as FreeBSD 13 does; a v3 node reads only v3) until OUT.stop
appears or SECS (default 120) pass, and keeps OUT up to date:

  {"states": ["ID/CREATOR", ...]  states read (INS, UPD), from anyone,
   "via": [...]                   those of them sent by PFSYNCD,
   "uni": N, "uni_other": N       packets PFSYNCD sent to our own address,
                                  and of them those not in our dialect,
   "hello": 1, "sent": 0|1}
"""
import json
import os
import socket
import struct
import sys
import time

import dialpeer

GROUP = "224.0.0.240"

# v5 record sizes by action (§2.1); 12 is EOF
V5_SIZE = {0: 20, 1: 242, 2: 12, 3: 242, 4: 84, 5: 12, 6: 242, 7: 12,
           10: 12, 11: 48, 12: 0, 13: 277, 14: 277, 15: 360, 16: 360}
V5_KNOWN = {1301: 12, 1400: 14, 1500: 16}  # highest action each reads
V5_STATES = {1: 1301, 3: 1301, 13: 1400, 14: 1400, 15: 1500, 16: 1500}
# v3 record sizes by action (§2.1)
V3_SIZE = {0: 24, 1: 240, 2: 240, 3: 240, 4: 88, 5: 16, 8: 16, 9: 16}


def host3(a, port):
    # pfsync_state_host: addr 16, port, pad 6
    return dialpeer.addr4(a) + struct.pack(">H", port) + bytes(6)


def state_v3(ident, creator, lan):
    # §2.6: id, ifname, lan, gwy, ext, src, dst, rt_addr, rule, anchor,
    # nat_rule, creation, expire, packets, bytes, creatorid, af, proto,
    # direction, log, allow_opts, timeout, sync_flags, updates
    b = struct.pack(">Q", ident) + b"sync0".ljust(16, b"\0")
    b += host3(lan, 40000) * 2 + host3("10.9.0.1", 80)
    b += dialpeer.peer(1000, 66535) + dialpeer.peer(5000, 70535)
    b += bytes(16) + struct.pack(">IIIII", 0xFFFFFFFF, 0xFFFFFFFF, 0, 10, 0)
    b += bytes(32) + struct.pack(">IBBBBBBBB", creator, 2, 6,
                                 dialpeer.PF_OUT, 0, 0,
                                 dialpeer.PFTM_TCP_ESTABLISHED, 0, 0)
    assert len(b) == 240
    return b


def prefix5(ident, creator, lan):
    b, cr = dialpeer.common(ident, creator, (lan, 40000), ("10.9.0.1", 80),
                            False)
    assert len(b) == 228
    return b + struct.pack(">I", cr)


def state_1301(ident, creator, lan):
    # af, proto, direction, spare[2], log, state_flags, timeout,
    # sync_flags, updates
    b = prefix5(ident, creator, lan) + struct.pack(
        ">BBBHBBBBB", 2, 6, dialpeer.PF_OUT, 0, 0, 0,
        dialpeer.PFTM_TCP_ESTABLISHED, 0, 0)
    assert len(b) == 242
    return b


def state_1400(ident, creator, lan):
    b = dialpeer.state_1400(ident, creator)
    # dialpeer's lan is 10.8.0.2: the key's local address (index 1) of
    # both keys, at 24 + 16 and 60 + 16
    a = socket.inet_aton(lan)
    b = b[:40] + a + b[44:76] + a + b[80:]
    assert len(b) == 277
    return b


def state_1500(ident, creator, lan):
    # tagname, rt_ifname, orig_ifname, rtableid, state_flags, qid, pqid,
    # dnpipe, dnrpipe, max_mss, wire_af, stack_af, rt_af, wire_proto,
    # stack_proto, log, timeout, direction, rt, min_ttl, set_tos,
    # set_prio[2], spare[3]
    b = prefix5(ident, creator, lan) + bytes(64 + 16 + 16)
    b += struct.pack(">iHHHHHHBBBBBBBBBBBBB", -1, 0, 0, 0, 0, 0, 0, 2, 2,
                     0, 6, 6, 0, dialpeer.PFTM_TCP_ESTABLISHED,
                     dialpeer.PF_OUT, 0, 0, 0, 0, 0) + bytes(3)
    assert len(b) == 360
    return b


def state_v6(ident, creator, lan):
    b = dialpeer.state_v6(ident, creator)
    a = socket.inet_aton(lan)  # key[n] local address at 8 + 16 + 40 n + 16
    b = b[:40] + a + b[44:80] + a + b[84:]
    assert len(b) == 264
    return b


def v3_pkt(action, count, body):
    # §1.2: version, af 0, action, count, pf_chksum (ours: zero)
    return struct.pack(">BBBB", 3, 0, action, count) + bytes(16) + body


def v5_pkt(action, count, body):
    sub = struct.pack(">BBH", action, 0, count)
    return dialpeer.header(5, sub + body + struct.pack(">BBH", 12, 0, 1))


def hello(dialect):
    if dialect == 3:
        return v3_pkt(8, 1, bytes(16))  # UREQ {0, 0}
    if dialect == 6:
        return dialpeer.ureq6()
    return v5_pkt(5, 1, bytes(12))  # UPD_REQ {0, 0}


def ins(dialect, ident, creator, lan):
    if dialect == 3:
        return v3_pkt(1, 1, state_v3(ident, creator, lan))
    if dialect == 6:
        return dialpeer.header(6, struct.pack(">BBH", 13, 66, 1) +
                               state_v6(ident, creator, lan))
    act, st = {1301: (1, state_1301), 1400: (13, state_1400),
               1500: (15, state_1500)}[dialect]
    return v5_pkt(act, 1, st(ident, creator, lan))


def sid(rec, cr_off):
    ident, = struct.unpack(">Q", rec[0:8])
    cr, = struct.unpack(">I", rec[cr_off:cr_off + 4])
    return "%016x/%08x" % (ident, cr)


def read_v3(p):
    if len(p) < 20 or p[0] != 3 or p[2] not in V3_SIZE:
        return []
    act, count = p[2], p[3]
    size, out = V3_SIZE[act], []
    for i in range(count):
        rec = p[20 + i * size:20 + (i + 1) * size]
        if act in (1, 2) and len(rec) == 240:
            out.append(sid(rec, 228))
    return out


def read_v5(p, fmt):
    """FreeBSD's walk: stop at an action this version does not know."""
    o, end, out = 20, min(len(p), struct.unpack(">H", p[2:4])[0]), []
    while o + 4 <= end:
        act, _, count = struct.unpack(">BBH", p[o:o + 4])
        o += 4
        if act == 12 or act > V5_KNOWN[fmt] or act not in V5_SIZE:
            break
        size = V5_SIZE[act]
        for i in range(count):
            rec = p[o + i * size:o + (i + 1) * size]
            if act in V5_STATES and len(rec) == size:
                out.append(sid(rec, 228))
        o += count * size
    return out


def read_v6(p):
    o, end, out = 20, min(len(p), struct.unpack(">H", p[2:4])[0]), []
    while o + 4 <= end:
        act, words, count = struct.unpack(">BBH", p[o:o + 4])
        o += 4
        stride = words * 4
        if stride == 0 or count == 0:
            break
        for i in range(count):
            rec = p[o + i * stride:o + (i + 1) * stride]
            if act in (13, 14) and len(rec) >= 240:
                out.append(sid(rec, 236))
        o += count * stride
    return out


def readable(dialect, p):
    """The states this OS reads in packet p (None: not its version)."""
    want = 3 if dialect == 3 else 6 if dialect == 6 else 5
    if len(p) < 20 or p[0] != want:
        return None
    if want == 3:
        return read_v3(p)
    if want == 6:
        return read_v6(p)
    return read_v5(p, dialect)


class Peer:
    def __init__(self, dialect, iface, pfsyncd, out):
        self.dialect, self.pfsyncd, self.out = dialect, pfsyncd, out
        self.local = dialpeer.ifaddr(iface)
        s = dialpeer.raw_socket()
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(GROUP) + socket.inet_aton(self.local))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                     socket.inet_aton(self.local))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        s.settimeout(0.2)
        self.s = s
        self.r = {"states": [], "via": [], "uni": 0, "uni_other": 0,
                  "hello": 0, "sent": 0}

    def save(self):
        tmp = self.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.r, f)
        os.rename(tmp, self.out)

    def take(self, data):
        src = socket.inet_ntoa(data[12:16])
        dst = socket.inet_ntoa(data[16:20])
        p = data[(data[0] & 15) * 4:]
        if src == self.local:
            return
        ids = readable(self.dialect, p)
        if src == self.pfsyncd and dst == self.local:
            self.r["uni"] += 1
            self.r["uni_other"] += ids is None
        for i in ids or []:
            if i not in self.r["states"]:
                self.r["states"].append(i)
            if src == self.pfsyncd and i not in self.r["via"]:
                self.r["via"].append(i)

    def run(self, ident, creator, lan, secs):
        t0 = time.monotonic()
        self.s.sendto(hello(self.dialect), (GROUP, 0))
        self.r["hello"] = 1
        self.save()
        while time.monotonic() - t0 < secs:
            if os.path.exists(self.out + ".stop"):
                break
            if not self.r["sent"] and os.path.exists(self.out + ".go"):
                self.s.sendto(ins(self.dialect, ident, creator, lan),
                              (GROUP, 0))
                self.r["sent"] = 1
                self.save()
            try:
                data = self.s.recv(65535)
            except socket.timeout:
                continue
            self.take(data)
            self.save()
        return 0


def main():
    a = sys.argv
    dialect = int(a[1])
    secs = float(a[8]) if len(a) > 8 else 120.0
    peer = Peer(dialect, a[2], a[3], a[4])
    return peer.run(int(a[5], 0), int(a[6], 0), a[7], secs)


if __name__ == "__main__":
    sys.exit(main())
