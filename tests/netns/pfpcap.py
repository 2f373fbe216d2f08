#!/usr/bin/python3
"""pfpcap.py - write a pcap file of link type 246 (LINKTYPE_PFSYNC) with
hand-made pfsync v3 packets, valid and malformed, built field by field
from the v3 reference (shared/reference/pfsync-v3.md section 2), not with
pfsyncd's encoder.

usage: pfpcap.py FILE [MUTANTS]
With MUTANTS, that many more packets follow: the valid ones with bytes
flipped, cut short or extended, from a fixed seed (the same file every
run).
"""
import random
import socket
import struct
import sys


def host4(a, port):
    return socket.inet_aton(a) + bytes(12) + struct.pack("!H", port) + bytes(6)


def host6(a, port):
    return socket.inet_pton(socket.AF_INET6, a) + struct.pack("!H", port) + bytes(6)


def peer(state, seqlo=1000, seqhi=66535, wscale=0):
    # scrub(8) seqlo seqhi seqdiff max_win mss state wscale pad(6)
    return (bytes(8) + struct.pack("!IIIHHBB", seqlo, seqhi, 0, 65535, 1460,
                                   state, wscale) + bytes(6))


def state(sid, creator, ifname, lan, gwy, ext, src, dst, af=2, proto=6,
          direction=2, timeout=2):
    b = struct.pack("!Q", sid) + ifname.ljust(16, b"\0")
    b += lan + gwy + ext + src + dst + bytes(16)  # rt_addr
    # rule anchor nat_rule creation expire
    b += struct.pack("!IIIII", 0xFFFFFFFF, 0xFFFFFFFF, 0, 65, 0)
    b += struct.pack("!QQQQ", 12, 10, 3400, 2100)  # packets, bytes
    b += struct.pack("!I", creator)
    b += bytes([af, proto, direction, 0, 0, timeout, 0, 0])
    assert len(b) == 240
    return b


def frame(action, count, body, version=3):
    return bytes([version, 0, action, count]) + bytes(16) + body


def upd_c(sid, creator):
    b = struct.pack("!Q", sid) + peer(4, 5000) + peer(4, 7000)
    b += struct.pack("!II", creator, 0) + bytes([2, 3]) + bytes(6)
    assert len(b) == 88
    return b


def id_rec(sid, creator):  # DEL_C and UREQ: id, creatorid, 4 more bytes
    return struct.pack("!QI", sid, creator) + bytes(4)


def packets():
    tcp_out = state(0x000003EA00000001, 0x0A000001, b"eth0",
                    host4("192.168.0.10", 40001), host4("192.168.0.10", 40001),
                    host4("10.0.0.80", 80), peer(4), peer(4))
    # inbound, rdr (gwy differs), so peers print dst first
    tcp_in_rdr = state(0x000003EA00000002, 0x0A000001, b"wan0",
                       host4("192.168.0.20", 8080), host4("10.0.0.1", 80),
                       host4("10.9.9.9", 5555), peer(2), peer(3),
                       direction=1)
    udp6 = state(0x000003EA00000003, 0x0B000002, b"",
                 host6("fd00::10", 5353), host6("fd00::10", 5353),
                 host6("2001:db8::53", 53), peer(1), peer(2), af=24,
                 proto=17, timeout=8)
    icmp = state(0x7, 0x0B000002, b"e\x01th", host4("10.1.1.1", 0),
                 host4("10.1.1.1", 0), host4("10.2.2.2", 0), peer(0),
                 peer(1), proto=1, timeout=9)
    bad_af = state(0x8, 0x0B000002, b"x" * 16, host4("10.1.1.1", 1),
                   host4("10.1.1.1", 1), host4("10.2.2.2", 2), peer(13),
                   peer(4), af=7)
    proxy = state(0x9, 0x0B000002, b"eth1", host4("10.1.1.1", 1),
                  host4("10.1.1.1", 1), host4("10.2.2.2", 2), peer(11),
                  peer(4))
    clr = b"eth\x07\x01".ljust(16, b"\0") + struct.pack("!I", 0x0A000001) + bytes(4)
    bus = lambda st, secs: struct.pack("!II", 0x0A000002, secs) + bytes([st]) + bytes(7)
    tdb = struct.pack("!I", 0x1234) + bytes(28) + struct.pack("!IQ", 9, 77) + bytes([50, 1, 0, 0])
    return [
        frame(1, 1, tcp_out),                          # INS
        frame(2, 3, tcp_in_rdr + udp6 + proxy),        # UPD
        frame(3, 2, icmp + bad_af),                    # DEL
        frame(4, 2, upd_c(0x000003EA00000001, 0x0A000001) +
              upd_c(0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF)),  # UPD_C
        frame(5, 1, id_rec(0x000003EA00000002, 0x0A000001)),  # DEL_C
        frame(8, 1, id_rec(0, 0)),                     # UREQ 0/0: bulk
        frame(0, 0, clr),                              # CLR, odd ifname
        frame(0, 0, bytes(16) + struct.pack("!I", 5) + bytes(4)),  # CLR all
        frame(9, 0, bus(1, 0)),                        # BUS start
        frame(9, 0, bus(2, 3725)),                     # BUS end, 01:02:05
        frame(9, 0, bus(7, 1)),                        # BUS odd status
        frame(10, 1, tdb),                             # TDB_UPD
        frame(6, 0, b""),                              # INS_F: no records
        frame(7, 5, b"junk"),                          # DEL_F
        frame(1, 0, b""),                              # INS count 0
        # malformed
        bytes(10),                                     # shorter than header
        b"",                                           # empty
        frame(1, 1, tcp_out, version=2),               # bad version
        frame(11, 1, tcp_out),                         # bad action
        frame(255, 0, b""),                            # bad action
        frame(1, 3, tcp_out + tcp_out[:100]),          # BADLEN, one whole
        frame(4, 9, upd_c(1, 2)),                      # BADLEN UPD_C
        frame(0, 0, clr[:10]),                         # BADLEN CLR
        frame(9, 0, b""),                              # BADLEN BUS
        frame(5, 255, bytes(40)),                      # BADLEN DEL_C
        bytes(range(256)) * 3,                         # garbage, version 0
    ]


def mutants(base, n):
    rnd = random.Random(240)
    out = []
    for _ in range(n):
        p = bytearray(rnd.choice(base))
        for _ in range(rnd.randrange(1, 6)):
            if p and rnd.random() < 0.7:
                i = rnd.randrange(len(p))
                # keep the version right most of the time: deeper paths
                p[i] = rnd.randrange(256) if i != 0 else rnd.choice([3, 3, 3, 4])
            elif rnd.random() < 0.5:
                p = p[:rnd.randrange(len(p) + 1)]
            else:
                p += bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300)))
        out.append(bytes(p))
    return out


def main():
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 246)]
    pkts = packets()
    if len(sys.argv) > 2:
        pkts += mutants(pkts[:15], int(sys.argv[2]))
    for i, p in enumerate(pkts):
        out.append(struct.pack("<IIII", 1700000000 + i, 1000 * i, len(p), len(p)))
        out.append(p)
    with open(sys.argv[1], "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main()
