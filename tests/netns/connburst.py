#!/usr/bin/env python3
"""connburst.py - short TCP connections at a steady rate, timed.

  connburst.py server ADDR PORT
      echo server: each connection's first bytes come back, then close.
  connburst.py client ADDR PORT N RATE [TIMEOUT]
      N connections, RATE a second; each connects, sends 8 bytes, reads
      them back, closes.  Prints one JSON line: ok (echoed), failed,
      connect_ms p50/p99/max, echo_ms p50/p99/max (send to echo back),
      slow_connect (connect >= 900 ms: a SYN or SYN-ACK was lost and
      retransmitted), slow_echo (echo >= 150 ms: the ACK or the data was
      dropped and retransmitted), retrans (segments the client sent
      again, SYNs included: TCP_INFO tcpi_total_retrans read before the
      close) and retrans_conns (connections with any: not at first try).
"""
import asyncio
import json
import socket
import struct
import sys
import time

TCPI_TOTAL_RETRANS = 100  # offset of tcpi_total_retrans in struct tcp_info


def pct(v, p):
    if not v:
        return 0.0
    v = sorted(v)
    return round(v[min(len(v) - 1, int(len(v) * p / 100.0))], 3)


async def handle(reader, writer):
    try:
        data = await reader.read(64)
        writer.write(data)
        await writer.drain()
    except OSError:
        pass
    writer.close()


async def server(addr, port):
    srv = await asyncio.start_server(handle, addr, port, backlog=1024,
                                     reuse_address=True)
    print("listening", flush=True)
    async with srv:
        await srv.serve_forever()


def total_retrans(w):
    """The client socket's retransmissions so far (SYNs included)."""
    sock = w.get_extra_info("socket")
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    if len(info) < TCPI_TOTAL_RETRANS + 4:
        return 0
    return struct.unpack_from("I", info, TCPI_TOTAL_RETRANS)[0]


async def one(addr, port, timeout, res):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(addr, port),
                                      timeout)
        t1 = time.monotonic()
        w.write(b"defer-ok")
        data = await asyncio.wait_for(r.readexactly(8), timeout)
        t2 = time.monotonic()
        rt = total_retrans(w)
        res["retrans"] += rt
        res["retrans_conns"] += rt > 0
        w.close()
        if data != b"defer-ok":
            raise OSError("bad echo")
        res["connect"].append((t1 - t0) * 1000)
        res["echo"].append((t2 - t1) * 1000)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        res["failed"] += 1


async def client(addr, port, n, rate, timeout):
    res = {"connect": [], "echo": [], "failed": 0, "retrans": 0,
           "retrans_conns": 0}
    tasks = []
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(addr, port, timeout, res)))
    await asyncio.gather(*tasks)
    c, e = res["connect"], res["echo"]
    print(json.dumps({
        "ok": len(c), "failed": res["failed"],
        "connect_p50": pct(c, 50), "connect_p99": pct(c, 99),
        "connect_max": round(max(c), 3) if c else 0,
        "echo_p50": pct(e, 50), "echo_p99": pct(e, 99),
        "echo_max": round(max(e), 3) if e else 0,
        "slow_connect": sum(1 for x in c if x >= 900),
        "slow_echo": sum(1 for x in e if x >= 150),
        "retrans": res["retrans"], "retrans_conns": res["retrans_conns"],
    }), flush=True)


def main():
    if sys.argv[1] == "server":
        asyncio.run(server(sys.argv[2], int(sys.argv[3])))
    else:
        a = sys.argv[2:]
        asyncio.run(client(a[0], int(a[1]), int(a[2]), float(a[3]),
                           float(a[4]) if len(a) > 4 else 5.0))


if __name__ == "__main__":
    main()
