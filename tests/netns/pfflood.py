#!/usr/bin/python3
"""pfflood.py - a peer that floods pfsync v3 INS (or deletes), paced.

usage: pfflood.py DST ins FIRST COUNT [CREATOR]
       pfflood.py DST del ID [CREATOR]
ins sends COUNT TCP states with ids FIRST..FIRST+COUNT-1, six to a packet,
each with its own flow key (10.200.x.y:port -> 10.2.0.2:80); del sends one
DEL_C of ID.  CREATOR defaults to 0x0badc0de.  TTL 255 (unicast and
multicast), bursts of 200 packets (PFFLOOD_BURST) 20 ms apart so that a
sanitizer build of the receiver keeps up with its socket buffer.
"""
import os
import socket
import struct
import sys
import time

PER_PKT = 6
BURST = int(os.environ.get("PFFLOOD_BURST", "200"))


def host(a, p):
    return socket.inet_aton(a) + bytes(12) + struct.pack("!H", p) + bytes(6)


def peer(st):
    return (bytes(8) + struct.pack("!IIIHHBB", 1000, 2000, 0, 65535, 1460,
                                   st, 0) + bytes(6))


def state_v3(sid, creator):
    src = "10.200.%d.%d" % ((sid >> 8) & 0xff, sid & 0xff)
    port = 1024 + ((sid >> 16) & 0x7fff)
    b = struct.pack("!Q", sid) + b"eth0".ljust(16, b"\0")
    b += host(src, port) + host(src, port) + host("10.2.0.2", 80)
    b += peer(4) + peer(4) + bytes(16)
    b += struct.pack("!IIIII", 0xFFFFFFFF, 0xFFFFFFFF, 0, 5, 0) + bytes(32)
    b += struct.pack("!I", creator) + bytes([2, 6, 2, 0, 0, 2, 0, 0])
    assert len(b) == 240
    return b


def frame(action, count, body):
    return bytes([3, 0, action, count]) + bytes(16) + body


def main():
    dst, kind = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    if kind == "del":
        sid = int(sys.argv[3], 0)
        creator = int(sys.argv[4], 0) if len(sys.argv) > 4 else 0x0BADC0DE
        s.sendto(frame(5, 1, struct.pack("!QI", sid, creator) + bytes(4)),
                 (dst, 0))
        return
    first, count = int(sys.argv[3], 0), int(sys.argv[4], 0)
    creator = int(sys.argv[5], 0) if len(sys.argv) > 5 else 0x0BADC0DE
    sent = 0
    for i in range(first, first + count, PER_PKT):
        n = min(PER_PKT, first + count - i)
        body = b"".join(state_v3(i + k, creator) for k in range(n))
        s.sendto(frame(1, n, body), (dst, 0))
        sent += 1
        if sent % BURST == 0:
            time.sleep(0.02)


if __name__ == "__main__":
    main()
