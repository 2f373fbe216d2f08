#!/usr/bin/python3
"""sipua.py - the smallest SIP user agents the helper test needs (RFC 3261
over UDP, one INVITE with an SDP offer, a 200 OK with the answer, ACK),
then RTP both ways across a failover.

usage: sipua.py uas ADDR GOFILE
       sipua.py uac SERVER NAME GOFILE [BYEFILE]

uas  listens on ADDR:5060 and answers each INVITE with 200 OK whose SDP
     gives an RTP port of its own (a socket per call), prints
     "call NAME rtp PORT"; once GOFILE exists it sends RTP_COUNT packets
     to each caller's RTP port (from a port of its own: the packets need
     the expectation made from the INVITE's SDP) and prints
     "call NAME got N" with what it received on the call's port.
uac  calls SERVER:5060 from a port of its own, with an SDP offer of its
     own RTP port, ACKs the answer and prints "announced NAME rtp C S";
     once GOFILE exists it sends RTP_COUNT packets to the answer's port
     (from yet another port: they need the expectation made from the
     200 OK's SDP) and prints "got N", what it received; with BYEFILE,
     once that exists it ends the call with a BYE (not answered: the
     firewalls' helper reads it on its way) and prints "bye".
Exit status of uac: 0 when it received at least RTP_MIN packets.

The two sides send from ports other than the ones their SDP announced, so
the RTP in each direction is a connection of its own, made by the
kernel's SIP helper's expectation for it (RELATED), not a reply.
"""
import os
import select
import socket
import sys
import threading
import time

RTP_COUNT = 10
RTP_MIN = 5
TIMEOUT = float(os.environ.get("SIPUA_TIMEOUT", "10"))


def wait_go(gofile):
    deadline = time.monotonic() + 40
    while not os.path.exists(gofile):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def rtp_packet(seq):
    # version 2, payload type 0 (PCMU), then 160 bytes of silence
    hdr = bytes([0x80, 0x00, seq >> 8 & 0xFF, seq & 0xFF])
    return hdr + (seq * 160).to_bytes(4, "big") + b"\x12\x34\x56\x78" + \
        b"\xff" * 160


def sdp(addr, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            % (addr, addr, port))


def message(first, headers, body=""):
    lines = [first] + ["%s: %s" % h for h in headers]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def parse(data):
    """(first line, {header: value}, body) of a SIP message."""
    text = data.decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return lines[0], hdrs, body


def sdp_media(body):
    """(address, port) of an SDP body's connection and audio media."""
    addr, port = None, None
    for ln in body.split("\r\n"):
        if ln.startswith("c=IN IP4 "):
            addr = ln[len("c=IN IP4 "):].strip()
        elif ln.startswith("m=audio "):
            port = int(ln.split()[1])
    return addr, port


def rtp_exchange(rx, dest):
    """Send RTP_COUNT packets to dest, 0.1 s apart, from a port of our
    own; count what rx receives until 1.5 s after the last."""
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    got, sent = 0, 0
    nxt = time.monotonic()
    end = nxt + 0.1 * RTP_COUNT + 1.5
    while time.monotonic() < end:
        now = time.monotonic()
        if sent < RTP_COUNT and now >= nxt:
            try:
                tx.sendto(rtp_packet(sent), dest)
            except OSError:
                pass
            sent += 1
            nxt += 0.1
        r, _, _ = select.select([rx], [], [], 0.02)
        if r:
            rx.recv(2048)
            got += 1
    tx.close()
    return got


# ---- user agent server ----------------------------------------------------

class Call:
    def __init__(self, name, addr, peer_rtp):
        self.name = name
        self.peer_rtp = peer_rtp
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind((addr, 0))
        self.port = self.rtp.getsockname()[1]


def uas_answer(sock, addr, data, src, calls):
    first, hdrs, body = parse(data)
    method = first.split(" ")[0]
    if method != "INVITE":
        return
    name = hdrs.get("call-id", "?")
    if name not in calls:
        calls[name] = Call(name, addr, sdp_media(body))
        print("call %s rtp %d" % (name, calls[name].port), flush=True)
    resp = message("SIP/2.0 200 OK", [
        ("Via", hdrs.get("via", "")),
        ("From", hdrs.get("from", "")),
        ("To", hdrs.get("to", "") + ";tag=uas"),
        ("Call-ID", name),
        ("CSeq", hdrs.get("cseq", "1 INVITE")),
        ("Contact", "<sip:uas@%s:5060>" % addr),
        ("Content-Type", "application/sdp")], sdp(addr, calls[name].port))
    sock.sendto(resp, src)


def uas(addr, gofile):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, 5060))
    print("listening", flush=True)
    calls = {}
    while not os.path.exists(gofile):
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            data, src = sock.recvfrom(4096)
            uas_answer(sock, addr, data, src, calls)
    # the calls' RTP at once, a thread each
    def run(c):
        got = rtp_exchange(c.rtp, c.peer_rtp)
        print("call %s got %d" % (c.name, got), flush=True)
    ts = [threading.Thread(target=run, args=(c,)) for c in calls.values()]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return 0


# ---- user agent client ----------------------------------------------------

def uac_invite(sock, server, name, rtp_port):
    local = sock.getsockname()
    req = message("INVITE sip:uas@%s SIP/2.0" % server, [
        ("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s" % (local[0], local[1],
                                                        name)),
        ("Max-Forwards", "70"),
        ("From", "<sip:uac@%s>;tag=uac-%s" % (local[0], name)),
        ("To", "<sip:uas@%s>" % server),
        ("Call-ID", name),
        ("CSeq", "1 INVITE"),
        ("Contact", "<sip:uac@%s:%d>" % local),
        ("Content-Type", "application/sdp")], sdp(local[0], rtp_port))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        sock.send(req)  # RFC 3261 timer A, simplified: every 0.5 s
        r, _, _ = select.select([sock], [], [], 0.5)
        if not r:
            continue
        first, hdrs, body = parse(sock.recv(4096))
        if first.startswith("SIP/2.0 200"):
            return hdrs, sdp_media(body)
    return None, None


def uac_bye(sock, server, name, hdrs, byefile):
    if not wait_go(byefile):
        print("no bye", flush=True)
        return
    local = sock.getsockname()
    sock.send(message("BYE sip:uas@%s SIP/2.0" % server, [
        ("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK-bye-%s" % (local[0],
                                                            local[1], name)),
        ("Max-Forwards", "70"),
        ("From", hdrs.get("from", "")), ("To", hdrs.get("to", "")),
        ("Call-ID", name), ("CSeq", "2 BYE")]))
    print("bye", flush=True)


def uac(server, name, gofile, byefile=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((server, 5060))
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind((sock.getsockname()[0], 0))
    hdrs, media = uac_invite(sock, server, name, rtp.getsockname()[1])
    if hdrs is None:
        print("error no answer", flush=True)
        return 1
    local = sock.getsockname()
    sock.send(message("ACK sip:uas@%s SIP/2.0" % server, [
        ("Via", "SIP/2.0/UDP %s:%d;branch=z9hG4bK-ack-%s" % (local[0],
                                                            local[1], name)),
        ("Max-Forwards", "70"),
        ("From", hdrs.get("from", "")), ("To", hdrs.get("to", "")),
        ("Call-ID", name), ("CSeq", "1 ACK")]))
    print("announced %s rtp %d %d" % (name, rtp.getsockname()[1], media[1]),
          flush=True)
    if not wait_go(gofile):
        print("no go", flush=True)
        return 1
    got = rtp_exchange(rtp, media)
    print("got %d" % got, flush=True)
    if byefile:
        uac_bye(sock, server, name, hdrs, byefile)
    return 0 if got >= RTP_MIN else 1


def main():
    if sys.argv[1] == "uas":
        return uas(sys.argv[2], sys.argv[3])
    return uac(*sys.argv[2:6])


if __name__ == "__main__":
    sys.exit(main())
