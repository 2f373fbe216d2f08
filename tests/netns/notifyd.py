#!/usr/bin/python3
"""notifyd.py - a stand-in for systemd's notify socket.

usage: notifyd.py SOCKET OUT WATCH
Binds a datagram socket at SOCKET and appends every message received to
OUT, one line per KEY=VALUE, each prefixed with "1 " if the path WATCH
(the daemon's control socket) existed when the message arrived, else "0 ".
Runs until killed.
"""
import os
import socket
import sys

path, out, watch = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
while True:
    msg = s.recv(4096).decode(errors="replace")
    seen = "1" if os.path.exists(watch) else "0"
    with open(out, "a") as f:
        for line in msg.split("\n"):
            f.write("%s %s\n" % (seen, line))
