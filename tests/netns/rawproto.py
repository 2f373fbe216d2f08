#!/usr/bin/python3
"""rawproto.py - one packet of SCTP, GRE or any IP protocol, sent through
a raw socket (this kernel has neither an SCTP stack nor GRE tunnels, but
conntrack tracks what passes its hooks all the same).

  rawproto.py sctp-init DST SPORT DPORT TAG   an SCTP INIT, initiate tag TAG
  rawproto.py gre DST                         a GRE (version 0) packet
  rawproto.py proto N DST                     8 bytes of IP protocol N
"""

import socket
import struct
import sys


def crc32c(data):
    """CRC-32C (Castagnoli), as SCTP's checksum."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def sctp_init(sport, dport, tag):
    """Common header (vtag 0) and an INIT chunk of 20 bytes."""
    chunk = struct.pack(">BBHIIHHI", 1, 0, 20, tag, 65535, 10, 10, 1)
    hdr = struct.pack(">HHII", sport, dport, 0, 0)
    crc = crc32c(hdr + chunk)
    return struct.pack(">HHI", sport, dport, 0) + \
        struct.pack("<I", crc) + chunk


def send(proto, dst, payload):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    s.sendto(payload, (dst, 0))


def main():
    kind = sys.argv[1]
    if kind == "sctp-init":
        dst, sport, dport, tag = sys.argv[2], *map(int, sys.argv[3:6])
        send(132, dst, sctp_init(sport, dport, tag))
    elif kind == "gre":
        send(47, sys.argv[2], struct.pack(">HH", 0, 0x0800) + bytes(20))
    else:
        send(int(sys.argv[2]), sys.argv[3], bytes(8))
    return 0


if __name__ == "__main__":
    sys.exit(main())
