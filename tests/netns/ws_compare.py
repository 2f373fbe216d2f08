#!/usr/bin/python3
"""ws_compare.py - compare `pfsyncctl decode -v` with the Lua dissector.

usage: ws_compare.py DECODE_OUT TSHARK_FIELDS
TSHARK_FIELDS is `tshark -T fields -E separator=/t -E aggregator='|'
-e frame.number -e _ws.col.Info -e pfsync.state.line -e pfsync.id
-e pfsync.creatorid -e pfsync.bus.status`.  Per packet: the first line
(Info), each state's pfctl line, the ids, creator ids and bulk status
must be the same.  Prints the differences; exits 1 if any, 0 otherwise.
"""
import re
import sys

HEAD = re.compile(r"^\d\d:\d\d:\d\d\.\d{6} (?:\S+ > \S+: )?(.*)$")
BUS = {"start": 1, "end": 2, "end-unsynced": 0x82}


def from_decode(path):
    pkts = []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        m = HEAD.match(line)
        if m:
            pkts.append({"info": m.group(1), "lines": [], "ids": [],
                         "creators": [], "bus": []})
            continue
        if not pkts or not line.startswith("\t"):
            continue
        p = pkts[-1]
        p["ids"] += re.findall(r"\bid: ([0-9a-f]{16})", line)
        p["creators"] += re.findall(r"creatorid: ([0-9a-f]{8})", line)
        b = re.search(r" status: (\S+)$", line)
        if b:
            p["bus"].append(BUS.get(b.group(1)) or int(b.group(1)))
        if line[1] not in " \t" and not re.match(
                r"\t(id|creatorid|spi): ", line):
            p["lines"].append(line[1:])
    return pkts


def split(v):
    return v.split("|") if v else []


def from_tshark(path):
    pkts = []
    for line in open(path, encoding="utf-8", errors="replace"):
        f = line.rstrip("\n").split("\t")
        f += [""] * (6 - len(f))
        pkts.append({
            "info": f[1],
            "lines": split(f[2]),
            "ids": [x[2:].lower() for x in split(f[3])],
            "creators": [x[2:].lower() for x in split(f[4])],
            "bus": [int(x) for x in split(f[5])],
        })
    return pkts


def main():
    dec, ts = from_decode(sys.argv[1]), from_tshark(sys.argv[2])
    bad = 0
    if len(dec) != len(ts):
        print("packets: decode %d, tshark %d" % (len(dec), len(ts)))
        bad += 1
    for i, (a, b) in enumerate(zip(dec, ts), 1):
        if re.match(r"PFSYNCv[56] ", a["info"]):
            continue  # FreeBSD v5, OpenBSD v6: decode's, not the dissector's
        for k in ("info", "lines", "ids", "creators", "bus"):
            if a[k] != b[k]:
                print("packet %d %s:\n  decode: %r\n  tshark: %r"
                      % (i, k, a[k], b[k]))
                bad += 1
    n = sum(len(p["lines"]) for p in dec)
    print("%d packets, %d states, %d differences" % (len(dec), n, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
