#!/usr/bin/env python3
"""Test helper: list a tree for golden comparisons, one line per path, sorted:
PATH TYPE MODE UID:GID SIZE|RDEV LINK-TARGET XATTRS HARDLINK-GROUP. Times are left out."""
import os
import stat
import sys


def describe(root, rel, groups):
    p = os.path.join(root, rel)
    st = os.lstat(p)
    m = st.st_mode
    kind = ("dir" if stat.S_ISDIR(m) else "file" if stat.S_ISREG(m) else "symlink" if stat.S_ISLNK(m)
            else "char" if stat.S_ISCHR(m) else "block" if stat.S_ISBLK(m) else "fifo" if stat.S_ISFIFO(m)
            else "other")
    extra = ""
    if kind == "file":
        extra = "size=%d" % st.st_size
    elif kind in ("char", "block"):
        extra = "rdev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    elif kind == "symlink":
        extra = "->" + os.readlink(p)
    xs = []
    try:
        for k in sorted(os.listxattr(p, follow_symlinks=False)):
            xs.append("%s=%s" % (k, os.getxattr(p, k, follow_symlinks=False).hex()))
    except OSError:
        pass
    link = ""
    if kind != "dir" and st.st_nlink > 1:
        link = "hardlinks=" + ",".join(groups[(st.st_dev, st.st_ino)])
    return " ".join(x for x in ["/" + rel if rel else "/", kind, "%04o" % stat.S_IMODE(m),
                                "%d:%d" % (st.st_uid, st.st_gid), extra, ";".join(xs), link] if x != "")


def main():
    root = sys.argv[1]
    paths, groups = [""], {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            rel = os.path.relpath(os.path.join(d, n), root)
            paths.append(rel)
            st = os.lstat(os.path.join(root, rel))
            if not stat.S_ISDIR(st.st_mode):
                groups.setdefault((st.st_dev, st.st_ino), []).append("/" + rel)
    for g in groups.values():
        g.sort()
    for rel in sorted(paths):
        print(describe(root, rel, groups))


main()
