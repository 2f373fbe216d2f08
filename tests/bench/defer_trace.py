#!/usr/bin/env python3
"""defer_trace.py - where a deferred SYN's time goes, from captures.

  defer_trace.py DIR

DIR holds the captures of bench_defer.sh / test_defer.sh's topology
(client -> A -> server -> B -> client), taken in the firewalls:
fwA.lan.pcap, fwA.wan.pcap, fwA.sync0.pcap.  For each client SYN
(the first of its source port) it finds, on the one clock of the
captures:

  t0  the SYN in on A's lan,
  t1  A's first pfsync packet on sync0 after t0 whose INS record
      carries that port (the insert announced),
  t2  the last packet from B on sync0 before t3 (B's acknowledgement),
  t3  the SYN out on A's wan (the verdict).

and prints p50/p99/max (ms) of t1-t0 (queue to INS: the NFQUEUE hand-off
and A's work), t2-t1 (B: receive, write the kernel, ACK), t3-t2 (A:
ACK to verdict) and t3-t0 (the hold as the wire sees it), as one JSON
line.  SYNs let go before an INS left or without an answer from B are
counted apart (not_announced, not_answered); syn_rate is the rate the
client reached (SYNs a second on A's lan).
"""
import json
import struct
import sys

PFSYNC = 240
SYNC_A = bytes([192, 168, 254, 254])


def packets(path):
    """(time s, IPv4 packet bytes) of an Ethernet pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    endian, nano = {0xa1b2c3d4: ("<", False), 0xa1b23c4d: ("<", True),
                    0xd4c3b2a1: (">", False), 0x4d3cb2a1: (">", True)}[magic]
    o = 24
    while o + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from(endian + "IIII", data, o)
        o += 16
        frame = data[o:o + incl]
        o += incl
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        yield sec + frac / (1e9 if nano else 1e6), frame[14:]


def tcp_syns(path):
    """{source port: first time} of the pure SYNs in a capture."""
    out = {}
    for t, ip in packets(path):
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6 or len(ip) < ihl + 14:
            continue
        sport = struct.unpack_from(">H", ip, ihl)[0]
        if ip[ihl + 13] & 0x17 == 0x02 and sport not in out:
            out[sport] = t
    return out


def ins_ports(pf):
    """The ports in the v3 INS records of one pfsync packet (action 1,
    240 B records: lan, gwy and ext hosts at 24, 48, 72, port +16)."""
    if len(pf) < 20 or pf[0] != 3 or pf[2] != 1:
        return set()
    ports = set()
    for i in range(pf[3]):
        r = 20 + i * 240
        for h in (24, 48, 72):
            if r + h + 18 <= len(pf):
                ports.add(struct.unpack_from(">H", pf, r + h + 16)[0])
    return ports


def sync_events(path):
    """A's INS packets (time, ports) and B's packets (times), in order."""
    ins, from_b = [], []
    for t, ip in packets(path):
        if ip[9] != PFSYNC:
            continue
        pf = ip[(ip[0] & 15) * 4:]
        if ip[12:16] == SYNC_A:
            ports = ins_ports(pf)
            if ports:
                ins.append((t, ports))
        else:
            from_b.append(t)
    return ins, from_b


def pct(v, p):
    if not v:
        return 0.0
    v = sorted(v)
    return round(v[min(len(v) - 1, int(len(v) * p / 100.0))] * 1000, 3)


def main():
    d = sys.argv[1]
    syn_in = tcp_syns(d + "/fwA.lan.pcap")
    syn_out = tcp_syns(d + "/fwA.wan.pcap")
    ins, from_b = sync_events(d + "/fwA.sync0.pcap")
    ph = {"queue_to_ins": [], "peer_ack": [], "ack_to_verdict": [],
          "hold": []}
    lost = {"not_announced": 0, "not_answered": 0, "not_out": 0}
    for port, t0 in syn_in.items():
        t3 = syn_out.get(port)
        if t3 is None:
            lost["not_out"] += 1
            continue
        t1 = next((t for t, ps in ins if t >= t0 and port in ps), None)
        if t1 is None or t1 > t3:
            lost["not_announced"] += 1
            continue
        t2 = [t for t in from_b if t1 <= t <= t3]
        if not t2:
            lost["not_answered"] += 1
            continue
        ph["queue_to_ins"].append(t1 - t0)
        ph["peer_ack"].append(t2[-1] - t1)
        ph["ack_to_verdict"].append(t3 - t2[-1])
        ph["hold"].append(t3 - t0)
    out = {"syns": len(syn_in), "traced": len(ph["hold"])}
    if len(syn_in) > 1:  # the rate the client reached
        span = max(syn_in.values()) - min(syn_in.values())
        out["syn_rate"] = round(len(syn_in) / span) if span > 0 else 0
    out.update(lost)
    for k, v in ph.items():
        out[k] = {"p50": pct(v, 50), "p99": pct(v, 99), "max": pct(v, 100)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
