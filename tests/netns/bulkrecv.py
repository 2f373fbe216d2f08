#!/usr/bin/python3
"""bulkrecv.py - a pfsync v3 bulk update receiver with default buffers.

usage: bulkrecv.py IFACE [SECONDS [POLL_MS]]

Stands for an independent peer (a BSD kernel, another implementation):
a raw IP protocol 240 socket whose receive buffer is left at the system
default (SO_RCVBUF untouched).  Joins 224.0.0.240 on IFACE, sends one
UREQ {0, 0} (a bulk update request) and reads until the BUS END, counting
packets, UPD records and distinct (id, creator) states.  The kernel's
count of datagrams dropped on this socket (SO_RXQ_OVFL) is reported too.
With POLL_MS the receiver does not wait on the socket: it empties it,
then sleeps POLL_MS milliseconds, as a peer that services its input once
in a while (a kernel's input queue run, a busy process); what arrives in
between must fit in the default buffer.
Prints one JSON object:
  {"start": 1, "end": 1, "packets": N, "states": N, "distinct": N,
   "drops": N, "rcvbuf": N, "ms": N}
Exit status 0 when a BUS END arrived within SECONDS (default 30).
"""
import json
import socket
import struct
import sys
import time

SO_RXQ_OVFL = 40
ACT_UPD, ACT_UREQ, ACT_BUS = 2, 8, 9
BUS_START, BUS_END = 1, 2
HDR, STATE_LEN = 20, 240
GROUP = "224.0.0.240"


def ifaddr(iface):
    import fcntl
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("256s", iface.encode()[:15])
    addr = fcntl.ioctl(s.fileno(), 0x8915, req)[20:24]  # SIOCGIFADDR
    s.close()
    return socket.inet_ntoa(addr)


def open_socket(iface):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
    local = ifaddr(iface)
    mreq = socket.inet_aton(GROUP) + socket.inet_aton(local)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    s.settimeout(1.0)
    return s


def ureq0():
    return bytes([3, 0, ACT_UREQ, 1]) + bytes(16) + bytes(16)


def read_until_end(s, deadline, out, poll):
    """Keep every packet, do as little as possible per packet, look only
    for the BUS END; decoding comes after."""
    pkts = []
    if poll:
        s.setblocking(False)
    while time.monotonic() < deadline:
        try:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(4))
        except socket.timeout:
            continue
        except BlockingIOError:
            time.sleep(poll)
            continue
        pkts.append(data)
        for level, typ, val in anc:
            if level == socket.SOL_SOCKET and typ == SO_RXQ_OVFL:
                out["drops"] = struct.unpack("=I", val[:4])[0]
        o = (data[0] & 15) * 4
        if len(data) >= o + HDR + 9 and data[o + 2] == ACT_BUS and \
                data[o + HDR + 8] == BUS_END:
            break
    return pkts


def count(pkts, out):
    seen = set()
    for data in pkts:
        p = data[(data[0] & 15) * 4:]
        if len(p) < HDR or p[0] != 3:
            continue
        if p[2] == ACT_UPD:
            out["packets"] += 1
            for i in range(p[3]):
                rec = p[HDR + i * STATE_LEN:HDR + (i + 1) * STATE_LEN]
                if len(rec) == STATE_LEN:
                    out["states"] += 1
                    seen.add((rec[0:8], rec[228:232]))
        elif p[2] == ACT_BUS and len(p) >= HDR + 9:
            if p[HDR + 8] == BUS_START:
                out["start"] = 1
            elif p[HDR + 8] == BUS_END:
                out["end"] = 1
    out["distinct"] = len(seen)


def main():
    iface = sys.argv[1]
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    poll = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0
    s = open_socket(iface)
    out = {"start": 0, "end": 0, "packets": 0, "states": 0, "drops": 0,
           "rcvbuf": s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)}
    seen = set()
    t0 = time.monotonic()
    s.sendto(ureq0(), (GROUP, 0))
    while time.monotonic() - t0 < secs and not out["end"]:
        try:
            data, anc, _, _ = s.recvmsg(2048, socket.CMSG_SPACE(4))
        except socket.timeout:
            continue
        for level, typ, val in anc:
            if level == socket.SOL_SOCKET and typ == SO_RXQ_OVFL:
                out["drops"] = struct.unpack("=I", val[:4])[0]
        p = data[(data[0] & 15) * 4:]
        if len(p) < HDR or p[0] != 3:
            continue
        if p[2] == ACT_UPD:
            out["packets"] += 1
            for i in range(p[3]):
                o = HDR + i * STATE_LEN
                rec = p[o:o + STATE_LEN]
                if len(rec) == STATE_LEN:
                    out["states"] += 1
                    seen.add((rec[0:8], rec[228:232]))
        elif p[2] == ACT_BUS and len(p) >= HDR + 9:
            if p[HDR + 8] == BUS_START:
                out["start"] = 1
            elif p[HDR + 8] == BUS_END:
                out["end"] = 1
    out["distinct"] = len(seen)
    out["ms"] = int((time.monotonic() - t0) * 1000)
    print(json.dumps(out))
    return 0 if out["end"] else 1


if __name__ == "__main__":
    sys.exit(main())
