#!/usr/bin/python3
"""ftpcli.py - an FTP client (the standard library's ftplib) that opens a
data connection across a failover, then another after it.

usage: ftpcli.py HOST pasv|port|pasv-first|port-first GOFILE

  1. log in, TYPE I, then announce the data connection: PASV (the
     server's address and port) or PORT (a port of ours), over IPv6
     EPSV or EPRT (RFC 2428, as ftplib does for IPv6); prints
     "announced" and waits until GOFILE exists (the test moves the
     traffic to the other firewall meanwhile);
  2. RETR over the announced connection: prints "across ok N";
  3. NOOP on the control connection, then a whole transfer in the same
     mode announced and done there: prints "after ok N".
With MODE-first, step 1 announces nothing and step 2 is left out: the
announcement is the first line through the new firewall ("after ok N").
Exit 0 when the transfers brought the server's bytes, 1 otherwise.
"""
import ftplib
import hashlib
import os
import socket
import sys
import time

DATA_LEN = 256 * 1024
TIMEOUT = float(os.environ.get("FTPCLI_TIMEOUT", "15"))


def payload():
    return bytes((i * 7 + i // 251) & 0xFF for i in range(DATA_LEN))


def recv_all(sock):
    sock.settimeout(TIMEOUT)
    chunks = []
    while True:
        b = sock.recv(65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def announce(ftp, mode):
    v6 = ftp.af == socket.AF_INET6
    if mode == "pasv" and v6:
        host, port = ftplib.parse229(ftp.sendcmd("EPSV"),
                                     ftp.sock.getpeername())
        return ("pasv", host, port)
    if mode == "pasv":
        host, port = ftplib.parse227(ftp.sendcmd("PASV"))
        return ("pasv", host, port)
    lsock = socket.create_server((ftp.sock.getsockname()[0], 0),
                                 family=ftp.af)
    lsock.settimeout(TIMEOUT)
    if v6:
        ftp.sendeprt(*lsock.getsockname()[:2])
    else:
        ftp.sendport(*lsock.getsockname()[:2])
    return ("port", lsock)


def transfer(ftp, ann):
    if ann[0] == "pasv":
        data = socket.create_connection(ann[1:], timeout=TIMEOUT)
        resp = ftp.sendcmd("RETR data.bin")
    else:
        resp = ftp.sendcmd("RETR data.bin")
        data, _ = ann[1].accept()
        ann[1].close()
    if not resp.startswith("1"):
        raise ftplib.error_reply(resp)
    got = recv_all(data)
    data.close()
    ftp.voidresp()
    return got


def check(what, got):
    want = payload()
    ok = hashlib.sha256(got).digest() == hashlib.sha256(want).digest()
    print("%s %s %d" % (what, "ok" if ok else "BAD", len(got)), flush=True)
    return ok


def main():
    host, mode, gofile = sys.argv[1], sys.argv[2], sys.argv[3]
    ftp = ftplib.FTP(host, timeout=TIMEOUT)
    ftp.login()
    ftp.voidcmd("TYPE I")
    first = mode.endswith("-first")
    mode = mode.replace("-first", "")
    ann = None if first else announce(ftp, mode)
    print("announced", mode, flush=True)
    deadline = time.monotonic() + 40
    while not os.path.exists(gofile):
        if time.monotonic() > deadline:
            print("no go", flush=True)
            return 1
        time.sleep(0.05)
    if first:
        # the first command through the new firewall announces
        ok = check("after", transfer(ftp, announce(ftp, mode)))
        ftp.quit()
        return 0 if ok else 1
    ok = check("across", transfer(ftp, ann))
    ftp.voidcmd("NOOP")
    ok = check("after", transfer(ftp, announce(ftp, mode))) and ok
    ftp.quit()
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ftplib.Error, EOFError) as e:
        print("error", type(e).__name__, e, flush=True)
        sys.exit(1)
