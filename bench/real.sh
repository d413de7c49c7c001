#!/usr/bin/env bash
# Times `tarseal check` on a real release archive against its baselines, measured in the same run:
#   the decompressor alone (gzip/xz/zstd/bzip2 -dc to /dev/null) and the naive method of
#   bench/run.sh (extract, copy the repository's .git in, `git status --porcelain
#   --untracked-files=all`), on disk and on tmpfs (/dev/shm); then peak RSS of one check.
# Usage: bench/real.sh TARBALL GITDIR TAG [PROFILE]
#   TAG may be `commit:REV` to compare with a commit (--commit REV) when the mirror lacks the tag.
#   GITDIR may be bare (as the fetch tool's mirrors are) or a .git dir.
# Env: RUNS (default 5), WORK (scratch dir on disk, default /work/bench-real), NAIVE=0 to skip the
#      naive method, TARSEAL (binary; default: built with cargo into $CARGO_TARGET_DIR).
# tarseal's verdict is printed first; the timings do not depend on it (hyperfine -i: a rejected
# archive exits 1 after the same work). Raw hyperfine JSON lands in $WORK/results.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,12p' "$0" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
file=$(realpath "$1"); git_dir=$(realpath "$2"); tag=$3; profile=${4:-}
runs=${RUNS:-5}
work=${WORK:-/work/bench-real}
out="$work/results"
mkdir -p "$out"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
for t in hyperfine git tar python3; do
  command -v "$t" >/dev/null || { echo "real: $t is missing (apt-get install hyperfine)" >&2; exit 2; }
done
if [ -z "${TARSEAL:-}" ]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tarseal-target}"
  (cd "$root" && cargo build --release --quiet -p tarseal)
  TARSEAL="$CARGO_TARGET_DIR/release/tarseal"
fi

case "$tag" in
  commit:*) rev=${tag#commit:}; ref=(--commit "$rev") ;;
  *) rev=$tag; ref=(--tag "$tag") ;;
esac
prof=(); [ -n "$profile" ] && prof=(--profile "$profile")
check="$TARSEAL check --quiet --allow-unsigned ${prof[*]} --format json $file --repo $git_dir ${ref[*]}"
case "$file" in
  *.gz|*.tgz) dec="gzip -dc" ;; *.xz) dec="xz -dc" ;; *.zst) dec="zstd -dc" ;; *.bz2) dec="bzip2 -dc" ;;
  *) echo "real: unknown compression: $file" >&2; exit 2 ;;
esac

echo "archive: $file ($(stat -c %s "$file") bytes, $(tar -tf "$file" | wc -l) entries, $($dec "$file" | wc -c) bytes uncompressed)"
echo "git:     $git_dir $rev ($(git --git-dir="$git_dir" ls-tree -r "$rev" | wc -l) tree entries, $(du -sh "$git_dir" | cut -f1) on disk)"
set +e
"$TARSEAL" check --quiet --allow-unsigned "${prof[@]}" "$file" --repo "$git_dir" "${ref[@]}" > "$out/verdict.txt"
rc=$?
set -e
echo "verdict: exit $rc; $(grep -E '^(summary|verdict)' "$out/verdict.txt" | tr '\n' ' ')"
echo "load at start: $(uptime)"

cmds=(-n decompressor "$dec $file" -n tarseal "$check")
if [ "${NAIVE:-1}" = 1 ]; then
  # The naive method needs a .git with HEAD at the tag and its index (as bench/run.sh's
  # repository has): made once here, outside the timing, from a copy of GITDIR. `git status`
  # then lists what differs between the tarball and the tag, as tarseal does.
  staged="$work/staged.git"
  if [ ! -f "$staged/index" ] || [ "$(cat "$staged/.tarseal-rev" 2>/dev/null)" != "$git_dir $rev" ]; then
    rm -rf "$staged"; cp -r "$git_dir" "$staged"
    git --git-dir="$staged" config core.bare false
    git --git-dir="$staged" update-ref --no-deref HEAD "$(git --git-dir="$staged" rev-parse "$rev^{commit}")"
    git --git-dir="$staged" read-tree "$rev"
    echo "$git_dir $rev" > "$staged/.tarseal-rev"
  fi
  top=$(tar -tf "$file" | sed -n 1p | cut -d/ -f1)
  naive() { # $1 = work dir
    echo "rm -rf $1/naive && mkdir -p $1/naive && tar --no-same-owner -xf $file -C $1/naive && cp -r $staged $1/naive/$top/.git && git -C $1/naive/$top status --porcelain --untracked-files=all"
  }
  disk="$work/naive-work"; shm=/dev/shm/tarseal-naive-real
  mkdir -p "$disk" "$shm"
  cmds+=(-n naive-disk "$(naive "$disk")" -n naive-tmpfs "$(naive "$shm")")
fi
# -N (no shell) is impossible with the naive pipelines; hyperfine subtracts its shell's start-up.
hyperfine -i --warmup 1 --runs "$runs" --export-json "$out/real.json" "${cmds[@]}" >/dev/null 2>&1
[ "${NAIVE:-1}" = 1 ] && rm -rf "$disk" "$shm"
echo "load at end: $(uptime)"

python3 - "$out/real.json" "$dec" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
t = r["tarseal"]["median"]
cpu = lambda k: r[k]["user"] + r[k]["system"]
label = {"decompressor": f"`{sys.argv[2]} FILE >/dev/null`", "tarseal": "`tarseal check`",
         "naive-disk": "naive, on disk", "naive-tmpfs": "naive, on tmpfs (/dev/shm)"}
print()
print("| method | median (s) | min-max (s) | CPU s | tarseal check / method |")
print("|---|---|---|---|---|")
for k in ("decompressor", "tarseal", "naive-disk", "naive-tmpfs"):
    if k in r:
        x = r[k]
        print(f"| {label[k]} | {x['median']:.3f} | {x['min']:.3f}-{x['max']:.3f} | {cpu(k):.2f} | {t/x['median']:.2f} x |")
PY

/usr/bin/time -v "$TARSEAL" check --quiet --allow-unsigned "${prof[@]}" "$file" --repo "$git_dir" "${ref[@]}" \
  >/dev/null 2>"$out/time-v.txt" || true
echo; echo "peak RSS of tarseal check: $(awk -F': ' '/Maximum resident/ {printf "%.1f MiB", $2/1024}' "$out/time-v.txt")"
