#!/usr/bin/python3
"""tcpecho.py - a TCP echo server and a probing client for failover tests.

  tcpecho.py server ADDR PORT
      Echo every byte received on every connection.  Prints "listening"
      once the socket accepts connections.

  tcpecho.py client ADDR PORT SECONDS [--interval S] [--stall S]
                    [--grace S] [--progress S] [--bulk BYTES]
                    [--until FILE] [--conns K]
      Open ONE connection and send a numbered line every --interval
      seconds (default 0.1) for SECONDS, then, with --bulk BYTES, that
      many bytes at once on the same connection (all must come back).  Every echo is checked against
      what was sent.  A gap longer than --stall (default 0.5 s) between
      two echoes while lines are outstanding is a stall.  After the last
      line, wait up to --grace seconds (default 8) for the remaining
      echoes.  With --until FILE, the lines stop as soon as FILE exists
      (SECONDS is then an upper bound).  With --conns K, K such
      connections at once (a thread each): the progress lines give the
      fewest lines any of them echoed, the final line the sums, ok only
      when every connection is, and the exit status is the worst.  Prints a progress line every --progress seconds (default
      1) and a final line:

        result: ok sent=N echoed=N stalls=K longest=X.XXs reset=no

  Exit status: 0 every line echoed in order, no reset; 1 echoes missing
  at the end (the connection stalled for good); 2 the connection was
  reset or closed by the peer; 3 the connection could not be opened;
  4 an echo did not match what was sent.
"""

import argparse
import os
import select
import socket
import sys
import threading
import time


def serve_one(conn):
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            try:
                conn.sendall(data)
            except OSError:
                return


def server(args):
    family = socket.AF_INET6 if ":" in args.addr else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.addr, args.port))
    ls.listen(16)
    print("listening", flush=True)
    while True:
        conn, peer = ls.accept()
        print("connection from %s:%d" % peer[:2], flush=True)
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()


class Probe:
    """The client's bookkeeping: what was sent, what came back, when."""

    def __init__(self, args):
        self.args = args
        self.sent = 0
        self.echoed = 0
        self.stalls = 0
        self.longest = 0.0
        self.mismatch = False
        self.reset = ""
        self.pending = b""
        self.t0 = time.monotonic()
        self.last_echo = self.t0
        self.in_stall = False
        self.bulk_back = 0

    def now(self):
        return time.monotonic() - self.t0

    def line(self, n):
        return b"seq %06d\n" % n

    def take(self, data):
        """Check echoed bytes line by line against what was sent."""
        self.pending += data
        while b"\n" in self.pending:
            got, _, self.pending = self.pending.partition(b"\n")
            if got + b"\n" != self.line(self.echoed):
                self.mismatch = True
            self.echoed += 1
        self.note_gap(time.monotonic())
        self.last_echo = time.monotonic()
        if self.in_stall:
            print("t=%.1fs echoes resume after %.2fs"
                  % (self.now(), self.gap_len), flush=True)
            self.in_stall = False

    def note_gap(self, t):
        """Record a stall: echoes outstanding and none for --stall s."""
        gap = t - self.last_echo
        if self.echoed >= self.sent and not self.in_stall:
            return
        if gap > self.args.stall:
            if not self.in_stall:
                self.stalls += 1
                self.in_stall = True
                print("t=%.1fs stall: no echo for %.1fs (%d outstanding)"
                      % (self.now(), gap, self.sent - self.echoed),
                      flush=True)
            self.gap_len = gap
            self.longest = max(self.longest, gap)

    def progress(self):
        print("t=%.1fs sent=%d echoed=%d" % (self.now(), self.sent,
                                             self.echoed), flush=True)


def client_loop(p, s):
    a = p.args
    next_send = time.monotonic()
    next_prog = next_send + a.progress
    end_send = next_send + a.seconds
    deadline = end_send + a.grace
    while True:
        t = time.monotonic()
        if a.until and t < end_send and os.path.exists(a.until):
            end_send = t
            deadline = t + a.grace
        if t >= end_send and p.echoed >= p.sent:
            return
        if t >= deadline:
            return
        if t < end_send and t >= next_send:
            s.sendall(p.line(p.sent))
            p.sent += 1
            next_send += a.interval
        if t >= next_prog and not a.conns:
            p.progress()
            next_prog += a.progress
        wake = min(next_send if t < end_send else deadline, next_prog,
                   deadline)
        r, _, _ = select.select([s], [], [], max(0.0, wake - t))
        if r:
            data = s.recv(65536)
            if not data:
                p.reset = "closed"
                return
            p.take(data)
        else:
            p.note_gap(time.monotonic())


def bulk_loop(p, s):
    """Send --bulk bytes and read them back, within --grace seconds."""
    want = p.args.bulk
    chunk = b"B" * 65536
    out = 0
    deadline = time.monotonic() + p.args.grace
    s.setblocking(False)
    while p.bulk_back < want and time.monotonic() < deadline:
        w = [s] if out < want else []
        r, w, _ = select.select([s], w, [], 0.5)
        if w:
            try:
                out += s.send(chunk[:min(len(chunk), want - out)])
            except BlockingIOError:
                pass
        if r:
            data = s.recv(1 << 20)
            if not data:
                p.reset = "closed"
                return
            if data.strip(b"B"):
                p.mismatch = True
            p.bulk_back += len(data)
    print("t=%.1fs bulk: %d of %d bytes echoed" % (p.now(), p.bulk_back,
                                                  want), flush=True)


def conns(args):
    """--conns K: K probes, one thread each; the worst status wins."""
    probes = [Probe(args) for _ in range(args.conns)]
    rcs = [3] * args.conns
    done = threading.Event()

    def run(i):
        rcs[i] = client(args, probes[i])

    threads = [threading.Thread(target=run, args=(i,), daemon=True)
               for i in range(args.conns)]
    for th in threads:
        th.start()
    t0 = time.monotonic()
    while any(th.is_alive() for th in threads):
        done.wait(args.progress)
        print("t=%.1fs sent=%d echoed=%d"
              % (time.monotonic() - t0, min(p.sent for p in probes),
                 min(p.echoed for p in probes)), flush=True)
    bad = sum(1 for rc in rcs if rc != 0)
    print("result: %s conns=%d failed=%d sent=%d echoed=%d reset=%s"
          % ("ok" if bad == 0 else "FAILED", args.conns, bad,
             sum(p.sent for p in probes), sum(p.echoed for p in probes),
             "yes" if any(p.reset for p in probes) else "no"), flush=True)
    return max(rcs)


def client(args, p=None):
    if p is None:
        p = Probe(args)
    try:
        s = socket.create_connection((args.addr, args.port), timeout=5)
    except OSError as e:
        print("result: connect failed: %s" % e, flush=True)
        return 3
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(None)
    print("connected %s:%d -> %s:%d" % (s.getsockname()[:2] +
                                        s.getpeername()[:2]), flush=True)
    try:
        client_loop(p, s)
        if args.bulk and not p.reset and p.echoed == p.sent:
            bulk_loop(p, s)
    except OSError as e:
        p.reset = e.__class__.__name__
    s.close()
    if not args.conns:
        p.progress()
    ok = (not p.reset and not p.mismatch and p.echoed == p.sent and
          p.bulk_back == args.bulk)
    bulk = " bulk=%d/%d" % (p.bulk_back, args.bulk) if args.bulk else ""
    print("result: %s sent=%d echoed=%d%s stalls=%d longest=%.2fs reset=%s%s"
          % ("ok" if ok else "FAILED", p.sent, p.echoed, bulk, p.stalls,
             p.longest, p.reset or "no",
             " MISMATCH" if p.mismatch else ""), flush=True)
    if p.reset:
        return 2
    if p.mismatch:
        return 4
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("seconds", type=float, nargs="?", default=10.0)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--stall", type=float, default=0.5)
    ap.add_argument("--grace", type=float, default=8.0)
    ap.add_argument("--progress", type=float, default=1.0)
    ap.add_argument("--bulk", type=int, default=0)
    ap.add_argument("--until", default="")
    ap.add_argument("--conns", type=int, default=0)
    args = ap.parse_args()
    if args.mode == "server":
        server(args)
        return 0
    return conns(args) if args.conns else client(args)


if __name__ == "__main__":
    sys.exit(main())
