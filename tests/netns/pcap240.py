#!/usr/bin/python3
"""pcap240.py - print the IP protocol 240 payloads of a pcap file, one hex
line each, oldest first.

usage: pcap240.py FILE [SRC]
FILE is a classic pcap (tcpdump -w) of Ethernet frames; with SRC only the
packets from that IPv4 source are printed.
"""
import socket
import struct
import sys


def payloads(path, src):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "IIII", data[off:off + 16])[2]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 240 or (src and socket.inet_ntoa(ip[12:16]) != src):
            continue
        yield ip[ihl:tot]


def main():
    src = sys.argv[2] if len(sys.argv) > 2 else None
    for p in payloads(sys.argv[1], src):
        print(p.hex())


if __name__ == "__main__":
    main()
