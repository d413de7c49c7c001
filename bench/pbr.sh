#!/bin/bash
# Real OpenStack pbr sdists against their tags: verdict, trust surface, wall time of
# `--profile pbr` (regenerating ChangeLog/AUTHORS from the history) vs the plain git-archive
# comparison of the same archive (same run), and four tampered variants that must exit 1.
#
#   bench/pbr.sh BIN DATA_DIR MIRROR_DIR
#   e.g. bench/pbr.sh target/release/tarseal /work/data/pbr /work/.mirror
#
# DATA_DIR holds NAME-VERSION.tar.gz sdists (pip download --no-deps --no-binary :all:),
# MIRROR_DIR/openstack+REPO/repo full clones. Tags are signed, but the keys are not at hand
# here, so the check runs with --allow-unsigned (content comparison only).
set -u
BIN=$(realpath "$1"); DATA=$(realpath "$2"); MIRRORS=$(realpath "$3")
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }
printf '%-26s %-6s %-5s %-10s %-9s %-9s %s\n' release verdict exit surface pbr_s plain_s 'tampered: exit'
for f in "$DATA"/*.tar.gz; do
  n=$(basename "$f" .tar.gz); name=${n%-*}; ver=${n##*-}
  repo=$(echo "$name" | tr _ -); case $repo in oslo-*) repo=oslo.${repo#oslo-};; esac
  R="$MIRRORS/openstack+$repo/repo"
  [ -d "$R" ] || { echo "$n: no mirror $R"; continue; }
  s=$(now); "$BIN" check "$f" --repo "$R" --tag "$ver" --profile pbr --allow-unsigned --format json >"$TMP/r.json" 2>/dev/null; rc=$?; e=$(now)
  "$BIN" check "$f" --repo "$R" --tag "$ver" --allow-unsigned --format json >/dev/null 2>&1; e2=$(now)
  read verdict surface < <(python3 -c "import json;r=json.load(open('$TMP/r.json'));t=r['trust_surface'];print(r['verdict'], '%d/%dB' % (t['files'], t['bytes']))")
  # Tampered variants, each repacked with Python's tarfile from the real sdist.
  tam=""
  for kind in entry_point requires pkg_info changelog; do
    python3 - "$f" "$TMP/t.tar.gz" "$kind" <<'PY'
import sys, tarfile, io
src, dst, kind = sys.argv[1:4]
changed = False
with tarfile.open(src) as t, tarfile.open(dst, "w:gz", format=tarfile.PAX_FORMAT) as o:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        base = m.name.split("/", 1)[-1]
        if data is not None:
            if kind == "entry_point" and base.endswith(".egg-info/entry_points.txt"):
                data = b"[console_scripts]\nevil = os:system\n\n" + data
            elif kind == "requires" and base.endswith(".egg-info/requires.txt"):
                data = b"evil-package>=1.0\n" + data
            elif kind == "pkg_info" and (base == "PKG-INFO" or base.endswith(".egg-info/PKG-INFO")):
                lines = data.split(b"\n")
                for i, l in enumerate(lines):
                    if l.startswith(b"Requires-Dist: ") and b"extra ==" not in l:
                        lines[i] = b"Requires-Dist: evil-package>=1.0"
                        break
                data = b"\n".join(lines)
            elif kind == "changelog" and base == "ChangeLog":
                data = data.replace(b"\n\n* ", b"\n\n* Harmless cleanup\n* ", 1)
            changed = changed or m.size != len(data) or data != t.extractfile(m).read()
            m.size = len(data)
            o.addfile(m, io.BytesIO(data))
        else:
            o.addfile(m)
sys.exit(0 if changed else 9)
PY
    [ $? = 9 ] && { tam="$tam $kind=n/a"; continue; }
    "$BIN" check "$TMP/t.tar.gz" --repo "$R" --tag "$ver" --profile pbr --allow-unsigned --format json >"$TMP/t.json" 2>/dev/null
    tam="$tam $kind=$?"
  done
  printf '%-26s %-6s %-5s %-10s %-9.1f %-9.1f %s\n' "$n" "$verdict" "$rc" "$surface" "$(echo "$e - $s" | bc)" "$(echo "$e2 - $e" | bc)" "$tam"
done
