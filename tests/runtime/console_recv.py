#!/usr/bin/env python3
# Test helper: a --console-socket receiver. Listens on SOCKET, takes the pty master passed with SCM_RIGHTS
# (as conmon and containerd do), optionally types INPUT into it, and copies what the container writes to stdout.
import array
import os
import socket
import sys

path = sys.argv[1]
typed = sys.argv[2].encode() if len(sys.argv) > 2 else b""
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(30)
open(path + ".ready", "w").close()
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: fds.itemsize])
if not fds:
    sys.exit("no fd received")
master = fds[0]
print("name=" + msg.decode(), file=sys.stderr)
if typed:
    os.write(master, typed)
out = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
