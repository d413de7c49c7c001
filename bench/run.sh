#!/usr/bin/env bash
# Benchmarks `tarseal check` against its baselines, all measured in the same run:
#   the decompressor alone (gzip -dc, xz -dc, zstd -dc to /dev/null: the floor), sha1sum for
#   plain tar, and the naive method (extract, copy .git in, `git status`) on disk and on tmpfs.
# Usage: bench/run.sh [FILES] [MEGABYTES]      (defaults: 80000 files, 1024 MiB)
# Env: BENCH_DIR (inputs, default /work/bench-data or ~/.cache/tarseal-bench), RUNS (default 5),
#      FORMATS (default "tar.gz tar.xz tar.zst tar"), NAIVE=0 to skip the naive method.
# Prints a markdown table of medians and ratios; raw hyperfine JSON lands in $BENCH_DIR/results.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
files=${1:-80000}
mb=${2:-1024}
runs=${RUNS:-5}
formats=${FORMATS:-"tar.gz tar.xz tar.zst tar"}
base=${BENCH_DIR:-$([ -d /work ] && echo /work/bench-data || echo "$HOME/.cache/tarseal-bench")}
data="$base/repo-$files-$mb"
out="$base/results"
mkdir -p "$base" "$out"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tarseal-target}"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

for t in hyperfine git xz zstd gzip; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install hyperfine xz-utils zstd)" >&2; exit 2; }
done

(cd "$root" && cargo build --release --quiet -p tarseal)
tarseal="$CARGO_TARGET_DIR/release/tarseal"

if [ ! -d "$data/.git" ]; then
  python3 "$here/gen-repo.py" "$data" --files "$files" --megabytes "$mb"
  git -C "$data" read-tree v1.0   # an index, so the naive method's `git status` has something to compare
fi
a="$base/bench-$files-$mb"
[ -f "$a.tar" ] || git -C "$data" archive --prefix=bench-1.0/ -o "$a.tar" v1.0
[ -f "$a.tar.gz" ] || gzip -6 -n -c "$a.tar" > "$a.tar.gz"
[ -f "$a.tar.xz" ] || xz -6 -T1 -c "$a.tar" > "$a.tar.xz"
[ -f "$a.tar.zst" ] || zstd -q -9 -T2 -c "$a.tar" > "$a.tar.zst"

declare -A floor=([tar.gz]="gzip -dc" [tar.xz]="xz -dc" [tar.zst]="zstd -dc" [tar]="sha1sum")
echo "| archive | size | baseline | baseline median (s) | tarseal check median (s) | ratio (wall) | CPU s: baseline / tarseal |"
echo "|---|---|---|---|---|---|---|"
for f in $formats; do
  file="$a.$f"
  j="$out/$f.json"
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$j" \
    -n floor "${floor[$f]} $file" \
    -n tarseal "$tarseal check --quiet --allow-unsigned --format json $file --repo $data --tag v1.0" >/dev/null 2>&1 || true
  # tarseal exits 0 on pass; hyperfine fails on non-zero, so check the verdict separately.
  "$tarseal" check --quiet --allow-unsigned "$file" --repo "$data" --tag v1.0 >/dev/null || { echo "bench: tarseal check of $file did not pass" >&2; exit 1; }
  python3 - "$j" "$f" "${floor[$f]}" "$(stat -c %s "$file")" <<'PY'
import json, sys
j, f, fl, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
r = {x["command"]: x for x in json.load(open(j))["results"]}
b, t = r["floor"]["median"], r["tarseal"]["median"]
cpu = lambda x: r[x]["user"] + r[x]["system"]
print(f"| {f} | {size/2**20:.0f} MiB | `{fl}` | {b:.3f} | {t:.3f} | {t/b:.2f} x | {cpu('floor'):.2f} / {cpu('tarseal'):.2f} |")
PY
done

if [ "${NAIVE:-1}" = 1 ]; then
  f=tar.gz; file="$a.$f"
  naive() { # $1 = work dir
    echo "rm -rf $1/naive && mkdir -p $1/naive && tar -xzf $file -C $1/naive && cp -r $data/.git $1/naive/bench-1.0/ && git -C $1/naive/bench-1.0 status --porcelain --untracked-files=all"
  }
  disk="$base/naive-work"; shm=/dev/shm/tarseal-naive
  mkdir -p "$disk" "$shm"
  hyperfine --warmup 1 --runs 3 --export-json "$out/naive.json" \
    -n naive-disk "$(naive "$disk")" -n naive-tmpfs "$(naive "$shm")" \
    -n tarseal "$tarseal check --quiet --allow-unsigned --format json $file --repo $data --tag v1.0" >/dev/null 2>&1
  rm -rf "$disk" "$shm"
  python3 - "$out/naive.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
t = r["tarseal"]
print()
print("| method (tar.gz) | median (s) | tarseal is faster by |")
print("|---|---|---|")
for k in ("naive-disk", "naive-tmpfs"):
    print(f"| {k}: extract, copy .git in, git status | {r[k]:.3f} | {r[k]/t:.1f} x |")
print(f"| tarseal check | {t:.3f} | 1.0 x |")
PY
fi

# seal (check + every digest + signature) against check, on tar.gz.
if [ "${SEAL:-1}" = 1 ] && command -v gpg >/dev/null; then
  key="$base/seal-key.asc"
  if [ ! -f "$key" ]; then
    g=$(mktemp -d /tmp/tsbench.XXXX)
    gpg --homedir "$g" --batch --passphrase '' --quick-gen-key 'Bench <bench@example.invalid>' ed25519 sign 1y 2>/dev/null
    gpg --homedir "$g" --batch --armor --export-secret-keys > "$key"
    gpgconf --homedir "$g" --kill all 2>/dev/null || true
    rm -rf "$g"
  fi
  chmod 600 "$key"
  sealout="$base/seal-out"; rm -rf "$sealout"; mkdir -p "$sealout"
  hyperfine -N --warmup 1 --runs 3 --export-json "$out/seal.json" \
    -n check "$tarseal check --quiet --allow-unsigned $a.tar.gz --repo $data --tag v1.0" \
    -n seal "$tarseal seal --quiet --allow-unsigned $a.tar.gz --repo $data --tag v1.0 --key $key --out $sealout" >/dev/null 2>&1
  python3 - "$out/seal.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print()
print(f"| tar.gz | check {r['check']:.3f} s | seal {r['seal']:.3f} s | seal / check = {r['seal']/r['check']:.2f} x |")
PY
fi

# Tree listing of the tag: git ls-tree -r (whole process, hyperfine) next to tarseal-git's
# list_tree (in-process timing printed by the example: first listing and best warm one).
if (cd "$root" && cargo build --release --quiet -p tarseal-git --example list_tree); then
  hyperfine -N --warmup 2 --runs 10 --export-json "$out/tree.json" "git -C $data ls-tree -r v1.0" >/dev/null 2>&1
  echo
  python3 -c "import json,sys; print(f'git ls-tree -r v1.0: median {json.load(open(sys.argv[1]))[\"results\"][0][\"median\"]*1000:.1f} ms')" "$out/tree.json"
  "$CARGO_TARGET_DIR/release/examples/list_tree" "$data" v1.0
fi

# Peak memory of one check (the largest case).
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f "%M" -o "$out/rss.txt" "$tarseal" check --quiet --allow-unsigned "$a.tar.gz" --repo "$data" --tag v1.0 >/dev/null
  echo; echo "peak RSS of tarseal check (tar.gz): $(( $(cat "$out/rss.txt") / 1024 )) MiB"
fi
