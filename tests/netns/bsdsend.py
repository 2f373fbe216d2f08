#!/usr/bin/python3
# bsdsend.py - send one hand-made OpenBSD v6 or FreeBSD v5 pfsync packet
# over raw IP (protocol 240, TTL/hop limit 255), for namespace tests of
# pfsyncctl decode.  The bytes follow pfsync-modern.md §1.2/§1.4 (v6) and
# §2.1 (v5) directly; nothing here uses pfsyncd's own encoder.
#
#   bsdsend.py v6 DST      header + DEL_C section {id 0xab, creator 0xcd}
#   bsdsend.py v5 DST      header + DEL_C section + EOF {12, 0, 1}
# DST may be IPv4 or IPv6.
import socket
import struct
import sys


def frame(kind):
    delc = struct.pack(">QI", 0xAB, 0xCD)
    if kind == "v6":
        body = struct.pack(">BBH", 7, 3, 1) + delc  # action, words, count
        version = 6
    else:
        body = struct.pack(">BBH", 7, 0, 1) + delc + struct.pack(">BBH", 12, 0, 1)
        version = 5
    return struct.pack(">BBH", version, 0, 20 + len(body)) + bytes(16) + body


def main():
    kind, dst = sys.argv[1], sys.argv[2]
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_RAW, 240)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    s.sendto(frame(kind), (dst, 0))


main()
