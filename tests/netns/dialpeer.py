#!/usr/bin/python3
"""dialpeer.py - an OpenBSD (v6), FreeBSD (v5, state formats 1301, 1400,
1500) or NetBSD (v3) pfsync peer for namespace tests, its bytes written from
pfsync-modern.md (§1.2-§1.5 for v6, §2.1-§2.2 for v5) and pfsync-v3.md
(§2 for v3), sharing nothing with pfsyncd's encoder.

usage:
  dialpeer.py ins6 DST ID CREATOR   one v6 INS of a TCP state 10.8.0.1:40000
                                    -> 10.9.0.1:80 (out, ESTABLISHED)
  dialpeer.py ins5 DST ID CREATOR   the same state as a v5 INS_1400 + EOF
                                    (source 10.8.0.2)
  dialpeer.py ins1301 | ins1500 DST ID CREATOR
                                    as v5 INS_1301 (10.8.0.4) or INS_1500
                                    (10.8.0.5) + EOF
  dialpeer.py ins3 DST ID CREATOR   as a v3 INS (10.8.0.3)
  dialpeer.py del6 | del5 | del3 DST ID CREATOR
                                    DEL_C of that state in the dialect
  dialpeer.py bulk6 IFACE [SECS]    join 224.0.0.240 on IFACE, send a v6
                                    UPD_REQ {0, 0}, read until a v6 BUS END
  dialpeer.py defer6 | defer5 DST ID CREATOR
                                    as OpenBSD / FreeBSD with `defer`: a
                                    DEL_C of no state (so DST has heard us
                                    once), then the INS (v6, or v5 1400)
                                    with PFSTATE_ACK, then wait 1 s for
                                    DST's INS_ACK of (ID, CREATOR)

  dialpeer.py insack6 IFACE SECS [noack]
                                    as OpenBSD with a peer doing `defer`
                                    (§1.8, peer side): join 224.0.0.240
                                    on IFACE, send a v6 DEL_C of no state
                                    (so the peer hears a v6 node, again
                                    every 2 s), then for SECS answer each
                                    v6 INS record whose state_flags carry
                                    PFSTATE_ACK with an INS_ACK (id,
                                    creatorid) to the group at once, all
                                    of one packet in one section; noack:
                                    count them, answer none

DST may be IPv6 (FreeBSD 14's transport; "ff12::f0%IFACE" for its group);
HOPS after CREATOR sets the TTL / hop limit (default 255, as pfsync sends).

defer6 / defer5 print {"iack", "other", "ms"}: INS_ACK records of (ID,
CREATOR) from DST in the dialect asked, anything else from DST, and the
milliseconds from the INS to the first INS_ACK.  Exit 0 when one came.

insack6 prints "ready" once its DEL_C went, then one JSON object {"ins",
"ack_wanted", "acked", "ids"} at the end: INS records seen, those with
PFSTATE_ACK, INS_ACK records sent, and the "ID/CREATOR" (hex) of each
asking one.  Exit 0.

bulk6 prints one JSON object {"packets", "states", "ids", "expires",
"start", "end", "other"}: v6 packets read, UPD records, their "ID/CREATOR"
(hex), each one's `expire` by "ID/CREATOR" (OpenBSD reads it as seconds
left), BUS START and END seen, and packets of another version.  Exit 0
when an END came.

The states sent (ins6, ins5, ...) carry expire 600: seconds left, as
OpenBSD and FreeBSD mean it.
"""
import json
import socket
import struct
import sys
import time

GROUP = "224.0.0.240"
TCPS_ESTABLISHED, PFTM_TCP_ESTABLISHED, PF_OUT = 4, 2, 2
PFSTATE_ACK = 0x0010  # "I deferred a packet, please INS_ACK" (§1.5)


def peer(seqlo, seqhi):
    # pfsync_state_peer, 32 B: scrub 8, seqlo, seqhi, seqdiff, max_win,
    # mss, state, wscale, pad 6
    return bytes(8) + struct.pack(">IIIHHBB", seqlo, seqhi, 0, 65535, 1460,
                                  TCPS_ESTABLISHED, 0) + bytes(6)


def addr4(a):
    return socket.inet_aton(a) + bytes(12)


def key(lan, ext, v6):
    # index 0 is the remote side (ext), 1 the local one (pf's sidx/didx
    # for an outbound state); v6 adds rdomain (0) and af (2)
    k = addr4(ext[0]) + addr4(lan[0]) + struct.pack(">HH", ext[1], lan[1])
    return k + (struct.pack(">HBB", 0, 2, 0) if v6 else b"")


def common(ident, creator, lan, ext, v6):
    # id, ifname, key[0] wire, key[1] stack, src, dst, rt_addr, rule,
    # anchor, nat_rule, creation, expire, packets[2][2], bytes[2][2]
    b = struct.pack(">Q", ident) + b"sync0".ljust(16, b"\0")
    b += key(lan, ext, v6) * 2
    b += peer(1000, 66535) + peer(5000, 70535)
    b += bytes(16) + struct.pack(">IIIII", 0xFFFFFFFF, 0xFFFFFFFF,
                                 0xFFFFFFFF, 10, 600)
    b += bytes(32)
    return b, creator


def state_v6(ident, creator, flags=0):
    b, cr = common(ident, creator, ("10.8.0.1", 40000), ("10.9.0.1", 80),
                   True)
    # creatorid, rtableid[2], max_mss, af, proto, direction, log, rt,
    # timeout, sync_flags, updates, min_ttl, set_tos, state_flags, set_prio
    b += struct.pack(">IiiHBBBBBBBBBBHBB", cr, -1, -1, 0, 2, 6, PF_OUT, 0,
                     0, PFTM_TCP_ESTABLISHED, 0, 0, 0, 0, flags, 0, 0)
    assert len(b) == 264
    return b


def state_1400(ident, creator, flags=0):
    b, cr = common(ident, creator, ("10.8.0.2", 40000), ("10.9.0.1", 80),
                   False)
    # creatorid, af, proto, direction, state_flags (u16), log, spare,
    # timeout, sync_flags, updates, qid, pqid, dnpipe, dnrpipe, rtableid,
    # min_ttl, set_tos, max_mss, set_prio[2], rt, rt_ifname[16]
    b += struct.pack(">IBBBHBBBBBHHHHiBBHBBB", cr, 2, 6, PF_OUT, flags, 0, 0,
                     PFTM_TCP_ESTABLISHED, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0,
                     0, 0) + bytes(16)
    assert len(b) == 277
    return b


def state_1301(ident, creator):
    b, cr = common(ident, creator, ("10.8.0.4", 40000), ("10.9.0.1", 80),
                   False)
    # creatorid, af, proto, direction, __spare[2], log, state_flags (u8),
    # timeout, sync_flags, updates
    b += struct.pack(">IBBBHBBBBB", cr, 2, 6, PF_OUT, 0, 0, 0,
                     PFTM_TCP_ESTABLISHED, 0, 0)
    assert len(b) == 242
    return b


def state_1500(ident, creator):
    b, cr = common(ident, creator, ("10.8.0.5", 40000), ("10.9.0.1", 80),
                   False)
    # creatorid, tagname[64], rt_ifname[16], orig_ifname[16], rtableid,
    # state_flags, qid, pqid, dnpipe, dnrpipe, max_mss, wire_af, stack_af,
    # rt_af, wire_proto, stack_proto, log, timeout, direction, rt, min_ttl,
    # set_tos, set_prio[2], spare[3]
    b += struct.pack(">I", cr) + bytes(96)
    b += struct.pack(">iHHHHHHBBBBBBBBBBBBB", -1, 0, 0, 0, 0, 0, 0, 2, 2, 0,
                     6, 6, 0, PFTM_TCP_ESTABLISHED, PF_OUT, 0, 0, 0, 0, 0)
    b += bytes(3)
    assert len(b) == 360
    return b


def state_v3(ident, creator):
    # pfsync-v3.md §2: id, ifname, lan, gwy, ext (addr 16, port, pad 6),
    # src, dst peers, rt_addr, rule, anchor, nat_rule, creation, expire,
    # packets, bytes, creatorid, af, proto, direction, log, allow_opts,
    # timeout, sync_flags, updates
    host = lambda a, p: addr4(a) + struct.pack(">H", p) + bytes(6)
    b = struct.pack(">Q", ident) + b"sync0".ljust(16, b"\0")
    b += host("10.8.0.3", 40000) * 2 + host("10.9.0.1", 80)
    b += peer(1000, 66535) + peer(5000, 70535) + bytes(16)
    b += struct.pack(">IIIII", 0xFFFFFFFF, 0xFFFFFFFF, 0, 10, 600) + bytes(32)
    b += struct.pack(">IBBBBBBBB", creator, 2, 6, PF_OUT, 0, 0,
                     PFTM_TCP_ESTABLISHED, 0, 0)
    assert len(b) == 240
    return b


def header(version, body):
    # version, pad, len (header included), pfcksum[16]
    return struct.pack(">BBH", version, 0, 20 + len(body)) + bytes(16) + body


def ins6(ident, creator):
    return header(6, struct.pack(">BBH", 13, 66, 1) + state_v6(ident, creator))


def ins5(ident, creator):
    body = struct.pack(">BBH", 13, 0, 1) + state_1400(ident, creator)
    return header(5, body + struct.pack(">BBH", 12, 0, 1))  # EOF


def ins5_fmt(fmt, ident, creator):
    act, st = {1301: (1, state_1301), 1400: (13, state_1400),
               1500: (15, state_1500)}[fmt]
    body = struct.pack(">BBH", act, 0, 1) + st(ident, creator)
    return header(5, body + struct.pack(">BBH", 12, 0, 1))  # EOF


def v3(action, body):
    # v3 header: version, af (0), action, count, pf_chksum[16]
    return bytes([3, 0, action, 1]) + bytes(16) + body


def delc(ident, creator):
    return struct.pack(">QI", ident, creator)


def build(cmd, ident, creator):
    if cmd == "ins6":
        return ins6(ident, creator)
    if cmd in ("ins5", "ins1400"):
        return ins5_fmt(1400, ident, creator)
    if cmd in ("ins1301", "ins1500"):
        return ins5_fmt(int(cmd[3:]), ident, creator)
    if cmd == "ins3":
        return v3(1, state_v3(ident, creator))
    if cmd == "del6":  # DEL_C, 3 words
        return header(6, struct.pack(">BBH", 7, 3, 1) + delc(ident, creator))
    if cmd == "del5":  # DEL_C + EOF
        return header(5, struct.pack(">BBH", 7, 0, 1) + delc(ident, creator)
                      + struct.pack(">BBH", 12, 0, 1))
    if cmd == "del3":  # DEL_C, 16 B: id, creatorid, 0, 0, pad
        return v3(5, delc(ident, creator) + bytes(4))
    raise SystemExit("unknown command " + cmd)


def ureq6():
    return header(6, struct.pack(">BBH", 5, 3, 1) + bytes(12))


def raw_socket(dst="0.0.0.0", hops=255):
    if ":" not in dst:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, hops)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, hops)
        return s
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 240)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
    return s


def ifaddr(iface):
    import fcntl
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("256s", iface.encode()[:15])
    addr = fcntl.ioctl(s.fileno(), 0x8915, req)[20:24]  # SIOCGIFADDR
    s.close()
    return socket.inet_ntoa(addr)


def sections6(p, out):
    """Walk a v6 frame (§1.2): sections of `count` records of words*4."""
    o, end = 20, min(len(p), struct.unpack(">H", p[2:4])[0])
    while o + 4 <= end:
        act, words, count = struct.unpack(">BBH", p[o:o + 4])
        o += 4
        stride = words * 4
        for i in range(count):
            rec = p[o + i * stride:o + (i + 1) * stride]
            if act == 14 and len(rec) >= 240:  # UPD: id @0, creatorid @236
                out["states"] += 1
                ident, = struct.unpack(">Q", rec[0:8])
                cr, = struct.unpack(">I", rec[236:240])
                out["ids"].append("%016x/%08x" % (ident, cr))
                # expire @200: seconds left, as pf_state_export puts it
                out["expires"]["%016x/%08x" % (ident, cr)], = \
                    struct.unpack(">I", rec[200:204])
            elif act == 10 and len(rec) >= 9:  # BUS: status @8
                out["start"] += rec[8] == 1
                out["end"] += rec[8] == 2
        o += count * stride


def bulk6(iface, secs):
    s = raw_socket()
    local = ifaddr(iface)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(GROUP) + socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.settimeout(0.5)
    out = {"packets": 0, "states": 0, "ids": [], "expires": {}, "start": 0,
           "end": 0, "other": 0}
    t0 = time.monotonic()
    s.sendto(ureq6(), (GROUP, 0))
    while time.monotonic() - t0 < secs and not out["end"]:
        try:
            data = s.recv(65535)
        except socket.timeout:
            continue
        p = data[(data[0] & 15) * 4:]
        if len(p) < 20:
            continue
        if p[0] != 6:
            out["other"] += 1
            continue
        out["packets"] += 1
        sections6(p, out)
    print(json.dumps(out))
    return 0 if out["end"] else 1


def ins_asking6(p, out):
    """(id, creatorid) of the v6 INS records of p (§1.2, §1.5) whose
    state_flags (u16 @260) carry PFSTATE_ACK; counts into out."""
    o, end, ask = 20, min(len(p), struct.unpack(">H", p[2:4])[0]), []
    while o + 4 <= end:
        act, words, count = struct.unpack(">BBH", p[o:o + 4])
        o += 4
        stride = words * 4
        if stride == 0 or count == 0:
            break
        for i in range(count if act == 13 and stride >= 264 else 0):
            rec = p[o + i * stride:o + (i + 1) * stride]
            if len(rec) < 264:
                break
            out["ins"] += 1
            ident, = struct.unpack(">Q", rec[0:8])
            cr, = struct.unpack(">I", rec[236:240])
            flags, = struct.unpack(">H", rec[260:262])
            if flags & PFSTATE_ACK:
                ask.append((ident, cr))
                out["ids"].append("%016x/%08x" % (ident, cr))
        o += count * stride
    out["ack_wanted"] += len(ask)
    return ask


def ins_ack6(refs):
    # one INS_ACK section (action 2, 3 words a record): id, creatorid
    body = struct.pack(">BBH", 2, 3, len(refs))
    for ident, cr in refs:
        body += struct.pack(">QI", ident, cr)
    return header(6, body)


def insack6(iface, secs, ack):
    s = raw_socket()
    local = ifaddr(iface)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(GROUP) + socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.settimeout(0.05)
    hello = build("del6", 0x0b5d0006ff, 0x0b5d0006)  # a state nobody has
    out = {"ins": 0, "ack_wanted": 0, "acked": 0, "ids": []}
    t0 = time.monotonic()
    s.sendto(hello, (GROUP, 0))
    said = t0
    print("ready", flush=True)
    while time.monotonic() - t0 < secs:
        if time.monotonic() - said >= 2.0:
            s.sendto(hello, (GROUP, 0))
            said = time.monotonic()
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            continue
        p = data[(data[0] & 15) * 4:]
        if src[0] == local or len(p) < 20 or p[0] != 6:
            continue
        ask = ins_asking6(p, out)
        if ask and ack:  # as pf: answered at once, to the group
            s.sendto(ins_ack6(ask), (GROUP, 0))
            out["acked"] += len(ask)
    print(json.dumps(out), flush=True)
    return 0


def iacks(p, version, ident, creator):
    """INS_ACK records of (ident, creator) in a v6 or v5 frame: v6
    sections carry their record length (§1.2); v5 ones do not (§2), so
    the walk stops at the first section that is not INS_ACK."""
    o, end, n = 20, min(len(p), struct.unpack(">H", p[2:4])[0]), 0
    want = struct.pack(">QI", ident, creator)
    while o + 4 <= end:
        act, words, count = struct.unpack(">BBH", p[o:o + 4])
        o += 4
        stride = words * 4 if version == 6 else 12
        if act != 2 and version == 5:
            break
        for i in range(count):
            rec = p[o + i * stride:o + i * stride + 12]
            n += act == 2 and rec == want
        o += count * stride
    return n


def defer(cmd, dst, ident, creator):
    version = 6 if cmd == "defer6" else 5
    s = raw_socket(dst)
    s.sendto(build("del%d" % version, ident + 1, creator), (dst, 0))
    time.sleep(0.3)  # a source's first packet is never answered
    if version == 6:
        ins = header(6, struct.pack(">BBH", 13, 66, 1) +
                     state_v6(ident, creator, PFSTATE_ACK))
    else:
        ins = header(5, struct.pack(">BBH", 13, 0, 1) +
                     state_1400(ident, creator, PFSTATE_ACK) +
                     struct.pack(">BBH", 12, 0, 1))
    out = {"iack": 0, "other": 0, "ms": None}
    s.settimeout(0.1)
    t0 = time.monotonic()
    s.sendto(ins, (dst, 0))
    while time.monotonic() - t0 < 1.0 and not out["iack"]:
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            continue
        p = data[(data[0] & 15) * 4:]
        if src[0] != dst or len(p) < 20:
            continue
        n = iacks(p, version, ident, creator) if p[0] == version else 0
        if n:
            out["iack"] += n
            out["ms"] = round((time.monotonic() - t0) * 1000, 3)
        else:
            out["other"] += 1
    print(json.dumps(out))
    return 0 if out["iack"] else 1


def main():
    cmd = sys.argv[1]
    if cmd in ("defer6", "defer5"):
        return defer(cmd, sys.argv[2], int(sys.argv[3], 0),
                     int(sys.argv[4], 0))
    if cmd == "insack6":
        return insack6(sys.argv[2], float(sys.argv[3]),
                       not (len(sys.argv) > 4 and sys.argv[4] == "noack"))
    if cmd == "bulk6":
        secs = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
        return bulk6(sys.argv[2], secs)
    dst, ident, creator = sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4], 0)
    hops = int(sys.argv[5]) if len(sys.argv) > 5 else 255
    pkt = build(cmd, ident, creator)
    raw_socket(dst, hops).sendto(pkt, (dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
