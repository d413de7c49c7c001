#!/usr/bin/env python3
"""Print [[rule]] entries pinning, by SHA-256, the release's *extra* files (not in git) that
match the given globs and that a check report left undecided: one rule per file, so that the
policy vouches exactly the reviewed bytes. Never emits a rule for a modified tracked file.

Usage: scripts/pin-extras.py REPORT.json ARCHIVE 'REASON' GLOB...
"""
import fnmatch, hashlib, json, sys, tarfile

report, archive, reason, globs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
r = json.load(open(report))
want = sorted(
    f["path"] for f in r["findings"]
    if f["class"] == "extra" and f["judgement"] != "allowed"
    and any(fnmatch.fnmatchcase(f["path"], g) for g in globs)
)
digest = {}
with tarfile.open(archive) as t:
    for m in t.getmembers():
        rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
        if rel in want and m.isfile():
            digest[rel] = hashlib.sha256(t.extractfile(m).read()).hexdigest()
for p in want:
    print(f'[[rule]]\npath = "{p}"\nallow = ["extra"]\nreason = "{reason}"\nsha256 = "{digest[p]}"\n')
