#!/usr/bin/python3
"""forged.py - an attacker on the sync link (test_forged.sh).

usage:
  forged.py epoch IFACE SRC SECS
      print "EPOCH SEQ" (hex, decimal) of the first numbered packet from
      SRC: the pfsyncd trailer is the last 12 bytes (F5 1k arg epoch seq)
  forged.py send IFACE SRC DST HEX
      send the payload HEX as IP protocol 240, TTL 255, from SRC (any
      address, 0.0.0.0 too: the IP header is ours, sent on AF_PACKET)
"""
import select
import socket
import struct
import sys
import time

GROUP = "224.0.0.240"


def epoch(iface, src, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
    mreq = socket.inet_aton(GROUP) + struct.pack(
        "=Ii", socket.INADDR_ANY, socket.if_nametoindex(iface))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r:
            continue
        pkt, addr = s.recvfrom(65535)
        hl = (pkt[0] & 15) * 4
        p = pkt[hl:]
        if addr[0] != src or len(p) < 32 or p[-12] != 0xF5:
            continue
        if p[-11] >> 4 != 1 or p[-11] & 15 not in (1, 2):
            continue
        ep, seq = struct.unpack("!II", p[-8:])
        print("%08x %d" % (ep, seq))
        return 0
    return 1


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def send(iface, src, dst, payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0,
                     255, 240, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    d = socket.inet_aton(dst)
    if d[0] >= 224 and d[0] < 240:
        mac = bytes([1, 0, 0x5E, d[1] & 0x7F, d[2], d[3]])
    else:
        mac = b"\xff" * 6
    with open("/sys/class/net/%s/address" % iface) as f:
        own = bytes.fromhex(f.read().strip().replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(mac + own + b"\x08\x00" + ip + payload)


def main():
    if sys.argv[1] == "epoch":
        return epoch(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    send(sys.argv[2], sys.argv[3], sys.argv[4], bytes.fromhex(sys.argv[5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
