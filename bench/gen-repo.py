#!/usr/bin/env python3
"""Generates a deterministic benchmark repository with an annotated tag, via git fast-import.

Usage: gen-repo.py DIR [--files N] [--megabytes M] [--seed S]

The mix imitates a large source release: ~92% small text files (source-like words, 0.5-24 KB),
~6% medium text (24-256 KB), a few large text files (1-16 MB), ~1.5% binaries (incompressible),
some executables and symlinks, nested directories. Same arguments, same repository, same ids.
"""
import argparse, os, random, subprocess, sys

WORDS = ("static int void return struct const char unsigned if else for while switch case break "
         "continue goto sizeof typedef enum union include define ifdef endif self def class import "
         "from lambda yield async await match impl trait where pub fn let mut use crate mod super "
         "buffer length offset index count value result error status handle context stream reader "
         "writer parse encode decode compress archive entry header checksum signature digest tree "
         "commit object path name mode size data item list map set key node left right root").split()

def text_pool(rng, size):
    out, n = [], 0
    while n < size:
        line = " " * (4 * rng.randrange(0, 4)) + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 14)))
        if rng.random() < 0.3:
            line += "(%d, %d);" % (rng.randrange(1000), rng.randrange(100000))
        out.append(line); n += len(line) + 1
    return ("\n".join(out) + "\n").encode()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--files", type=int, default=80000)
    ap.add_argument("--megabytes", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = a.megabytes << 20
    tpool = text_pool(rng, 64 << 20)
    bpool = random.Random(a.seed + 1).randbytes(16 << 20)

    # Sizes first, then scale the text files so the total lands on the target.
    kinds, sizes = [], []
    for i in range(a.files):
        r = rng.random()
        if r < 0.015:
            kinds.append("bin"); sizes.append(rng.randrange(4 << 10, 4 << 20))
        elif r < 0.0165:
            kinds.append("big"); sizes.append(rng.randrange(1 << 20, 16 << 20))
        elif r < 0.0765:
            kinds.append("txt"); sizes.append(rng.randrange(24 << 10, 256 << 10))
        else:
            kinds.append("txt"); sizes.append(rng.randrange(512, 24 << 10))
    # Binaries make up ~10% of the bytes, text the rest; each group is scaled to its share.
    tb = sum(s for k, s in zip(kinds, sizes) if k == "bin") or 1
    tt = sum(s for k, s in zip(kinds, sizes) if k != "bin") or 1
    sb, st = 0.1 * target / tb, 0.9 * target / tt
    sizes = [max(64, int(s * (sb if k == "bin" else st))) for k, s in zip(kinds, sizes)]

    os.makedirs(a.dir, exist_ok=True)
    subprocess.run(["git", "init", "-q", a.dir], check=True)
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    fi = subprocess.Popen(["git", "-C", a.dir, "fast-import", "--quiet", "--force"], stdin=subprocess.PIPE, env=env)
    w = fi.stdin.write
    ndirs = max(1, a.files // 40)
    dirs = []
    for d in range(ndirs):
        depth = rng.randrange(1, 5)
        dirs.append("/".join("d%02d" % rng.randrange(60) for _ in range(depth)) + "/m%d" % d)
    ts = 1700000000
    w(b"commit refs/heads/main\ncommitter Bench <bench@example.invalid> %d +0000\ndata 6\nbench\n" % ts)
    for i, (k, s) in enumerate(zip(kinds, sizes)):
        path = "%s/f%06d.%s" % (dirs[i % ndirs], i, "bin" if k == "bin" else rng.choice(["c", "h", "py", "rs", "txt"]))
        pool = bpool if k == "bin" else tpool
        s = min(s, len(pool) - 64)
        off = rng.randrange(0, len(pool) - s)
        data = (b"/* %s */\n" % path.encode() if k != "bin" else b"") + pool[off:off + s]
        mode = b"100755" if rng.random() < 0.02 else b"100644"
        w(b"M %s inline %s\ndata %d\n" % (mode, path.encode(), len(data)))
        w(data); w(b"\n")
        if i % 997 == 0:
            w(b"M 120000 inline %s.link\ndata %d\n%s\n" % (path.encode(), len(os.path.basename(path)), os.path.basename(path).encode()))
    w(b"\ntag v1.0\nfrom refs/heads/main\ntagger Bench <bench@example.invalid> %d +0000\ndata 5\nv1.0\n" % ts)
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    print("%s: %d files, %d MiB of content, tag v1.0" % (a.dir, a.files, sum(sizes) >> 20))

if __name__ == "__main__":
    main()
