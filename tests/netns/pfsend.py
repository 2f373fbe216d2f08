#!/usr/bin/python3
"""pfsend.py - send one crafted pfsync (IP protocol 240) packet.

usage: pfsend.py DST TTL KIND [IFACE]
KIND is one of:
  ins-v3      a valid v3 INS of one TCP state (creator 0x0badc0de)
  ver2        the same with version 2
  badact      the same with action 11
  short       header only, count 1 (BADLEN)
  tiny        10 bytes (HDROPS)
  hex:<HEX>   raw payload bytes
The kernel builds the IP header; TTL is set for unicast and multicast.
"""
import socket
import struct
import sys


def state_v3(sid, creator):
    host = lambda a, p: socket.inet_aton(a) + bytes(12) + struct.pack("!H", p) + bytes(6)
    peer = lambda st: (bytes(8) + struct.pack("!IIIHHBB", 1000, 2000, 0, 65535, 1460, st, 0)
                       + bytes(6))
    b = struct.pack("!Q", sid) + b"eth0".ljust(16, b"\0")
    b += host("10.1.0.1", 40000) + host("10.1.0.1", 40000) + host("10.2.0.2", 80)
    b += peer(4) + peer(4) + bytes(16)
    b += struct.pack("!IIIII", 0xFFFFFFFF, 0xFFFFFFFF, 0, 5, 0) + bytes(32)
    b += struct.pack("!I", creator) + bytes([2, 6, 2, 0, 0, 2, 0, 0])
    assert len(b) == 240
    return b


def frame(version, action, count, body):
    return bytes([version, 0, action, count]) + bytes(16) + body


def payload(kind):
    if kind == "ins-v3":
        return frame(3, 1, 1, state_v3(0x1122334455667788, 0x0BADC0DE))
    if kind == "ver2":
        return frame(2, 1, 1, state_v3(0x1122334455667788, 0x0BADC0DE))
    if kind == "badact":
        return frame(3, 11, 1, state_v3(0x1122334455667788, 0x0BADC0DE))
    if kind == "short":
        return frame(3, 1, 1, b"")
    if kind == "tiny":
        return bytes(10)
    if kind.startswith("hex:"):
        return bytes.fromhex(kind[4:])
    raise SystemExit("unknown kind " + kind)


def main():
    dst, ttl, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    if len(sys.argv) > 4:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[4].encode())
    s.sendto(payload(kind), (dst, 0))


if __name__ == "__main__":
    main()
