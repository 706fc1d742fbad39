#!/usr/bin/env python3
"""Test helper: build a tar layer with exact entries from a line-based description on stdin.

usage: mklayer.py OUT.tar|OUT.tar.gz|OUT.tar.zst < description

Each line: TYPE NAME [key=value ...] (shell-quoted). TYPE is one of
  dir, file, symlink (target=), hardlink (target=), char/block (major= minor=),
  fifo, wh (writes DIR/.wh.BASE for NAME), opq (writes NAME/.wh..wh..opq).
Keys: mode=0644 uid= gid= uname= gname= mtime= data=TEXT size=N (N zero bytes)
      xattr.KEY=VALUE  xattrhex.KEY=HEX (binary values such as security.capability).
NAME is used verbatim (no normalisation): malicious names are the point.
"""
import io
import os
import shlex
import subprocess
import sys
import tarfile

TYPES = {
    "dir": tarfile.DIRTYPE, "file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE, "wh": tarfile.REGTYPE, "opq": tarfile.REGTYPE,
}


def entry(kind, name, opts):
    if kind == "wh":
        d, b = os.path.split(name)
        name = os.path.join(d, ".wh." + b)
    elif kind == "opq":
        name = os.path.join(name, ".wh..wh..opq")
    ti = tarfile.TarInfo(name)
    ti.type = TYPES[kind]
    ti.mode = int(opts.get("mode", "0755" if kind == "dir" else "0644"), 8)
    ti.uid = int(opts.get("uid", 0))
    ti.gid = int(opts.get("gid", 0))
    ti.uname = opts.get("uname", "")
    ti.gname = opts.get("gname", "")
    ti.mtime = int(opts.get("mtime", 1600000000))
    ti.linkname = opts.get("target", "")
    ti.devmajor = int(opts.get("major", 0))
    ti.devminor = int(opts.get("minor", 0))
    pax = {}
    for k, v in opts.items():
        if k.startswith("xattr."):
            pax["SCHILY.xattr." + k[6:]] = v
        elif k.startswith("xattrhex."):
            pax["SCHILY.xattr." + k[9:]] = bytes.fromhex(v).decode("utf-8", "surrogateescape")
    ti.pax_headers = pax
    data = b""
    if kind == "file":
        data = opts["data"].encode() if "data" in opts else b"\0" * int(opts.get("size", 0))
    ti.size = len(data)
    return ti, io.BytesIO(data) if data else None


def main():
    out = sys.argv[1]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for line in sys.stdin:
            words = shlex.split(line, comments=True)
            if not words:
                continue
            opts = dict(w.split("=", 1) for w in words[2:])
            ti, data = entry(words[0], words[1], opts)
            tf.addfile(ti, data)
    raw = buf.getvalue()
    if out.endswith(".gz"):
        raw = subprocess.run(["gzip", "-n", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
    elif out.endswith(".zst"):
        raw = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
    with open(out, "wb") as f:
        f.write(raw)


main()
