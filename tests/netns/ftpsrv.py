#!/usr/bin/python3
"""ftpsrv.py - the smallest FTP server the helper tests need (RFC 959:
USER, PASS, TYPE, NOOP, PWD, PASV, PORT, RETR, QUIT; RFC 2428 for IPv6:
EPSV, EPRT), anonymous, one file "data.bin" of DATA_LEN bytes.  A thread
per control connection.

usage: ftpsrv.py ADDR PORT   (ADDR IPv4 or IPv6)
"""
import socket
import socketserver
import sys

DATA_LEN = 256 * 1024


def payload():
    return bytes((i * 7 + i // 251) & 0xFF for i in range(DATA_LEN))


class Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.pasv = None
        self.port = None
        self.reply("220 ftpsrv.py ready")
        for raw in self.rfile:
            line = raw.decode(errors="replace").strip()
            cmd, _, arg = line.partition(" ")
            fn = getattr(self, "cmd_" + cmd.upper(), None)
            if fn is None:
                # code 502 (RFC 959) for a command this server does not
                # serve: the tests' clients send only those below, so a
                # 502 in a client's log means a test sent something new
                self.reply("502 %s: not served by ftpsrv.py" % cmd.upper())
            elif fn(arg) is False:
                return

    def cmd_USER(self, arg):
        self.reply("331 any password")

    def cmd_PASS(self, arg):
        self.reply("230 logged in")

    def cmd_TYPE(self, arg):
        self.reply("200 type set")

    def cmd_NOOP(self, arg):
        self.reply("200 ok")

    def cmd_PWD(self, arg):
        self.reply('257 "/"')

    def cmd_QUIT(self, arg):
        self.reply("221 bye")
        return False

    def listen(self):
        if self.pasv:
            self.pasv.close()
        self.pasv = socket.socket(self.connection.family)
        self.pasv.bind((self.connection.getsockname()[0], 0))
        self.pasv.listen(1)
        self.port = None
        return self.pasv.getsockname()[:2]

    def cmd_EPSV(self, arg):
        self.reply("229 Entering Extended Passive Mode (|||%d|)"
                   % self.listen()[1])

    def cmd_EPRT(self, arg):
        # |af|address|port|, any delimiter (RFC 2428)
        f = arg[1:].split(arg[:1])
        self.port = (f[1], int(f[2]))
        self.pasv = None
        self.reply("200 EPRT ok")

    def cmd_PASV(self, arg):
        host, port = self.listen()
        self.reply("227 Entering Passive Mode (%s,%d,%d)"
                   % (host.replace(".", ","), port >> 8, port & 0xFF))

    def cmd_PORT(self, arg):
        p = [int(x) for x in arg.split(",")]
        self.port = (".".join(map(str, p[:4])), p[4] << 8 | p[5])
        self.pasv = None
        self.reply("200 PORT ok")

    def data_conn(self):
        if self.pasv:
            self.pasv.settimeout(15)
            conn, _ = self.pasv.accept()
            self.pasv.close()
            self.pasv = None
            return conn
        if self.port:
            conn = socket.create_connection(self.port, timeout=15)
            self.port = None
            return conn
        return None

    def cmd_RETR(self, arg):
        if arg != "data.bin":
            self.reply("550 no such file")
            return
        if not self.pasv and not self.port:
            self.reply("425 use PASV or PORT first")
            return
        self.reply("150 opening data connection")
        try:
            conn = self.data_conn()
            conn.sendall(payload())
            conn.close()
        except OSError as e:
            self.reply("425 data connection failed: %s" % e)
            return
        self.reply("226 transfer complete")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    cls = Server6 if ":" in sys.argv[1] else Server
    srv = cls((sys.argv[1], int(sys.argv[2])), Session)
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
