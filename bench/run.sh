#!/usr/bin/env bash
# Benchmarks `tarseal check` against its baselines, all measured in the same run:
#   the decompressor alone (gzip -dc, xz -dc, zstd -dc to /dev/null: the floor), sha1sum for
#   plain tar, and the naive method (extract, copy .git in, `git status`) on disk and on tmpfs.
# Usage: bench/run.sh [FILES] [MEGABYTES]      (defaults: 80000 files, 1024 MiB)
# Env: BENCH_DIR (inputs, default /work/bench-data or ~/.cache/tarseal-bench), RUNS (default 5),
#      FORMATS (default "tar.gz tar.xz tar.xz-mt tar.zst tar"; tar.xz-mt is a multi-block .xz,
#      `xz -1 -T2`, also compared with `xz -T0 -dc`), NAIVE=0 to skip the naive method,
#      SEAL=0 to skip seal, SEAL_FORMATS (default "tar.gz tar.xz").
# Prints a markdown table of medians and ratios; raw hyperfine JSON lands in $BENCH_DIR/results.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
files=${1:-80000}
mb=${2:-1024}
runs=${RUNS:-5}
formats=${FORMATS:-"tar.gz tar.xz tar.xz-mt tar.zst tar"}
base=${BENCH_DIR:-$([ -d /work ] && echo /work/bench-data || echo "$HOME/.cache/tarseal-bench")}
data="$base/repo-$files-$mb"
out="$base/results"
mkdir -p "$base" "$out"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tarseal-target}"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

for t in hyperfine git xz zstd gzip; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install hyperfine xz-utils zstd)" >&2; exit 2; }
done

(cd "$root" && cargo build --release --quiet -p tarseal && cargo build --release --quiet -p tarseal-archive --example list)
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
# Multi-block .xz (as `xz -T0` writes): what liblzma's multi-threaded decoder parallelises.
# Preset 1 keeps generation under a minute; blocks of 3 MiB.
[ -f "$a-mt.tar.xz" ] || xz -1 -T2 -c "$a.tar" > "$a-mt.tar.xz"
echo "load at start: $(uptime)"

declare -A floor=([tar.gz]="gzip -dc" [tar.xz]="xz -dc" [tar.xz-mt]="xz -dc" [tar.zst]="zstd -dc" [tar]="sha1sum")
declare -A floor2=([tar.xz-mt]="xz -T0 -dc")
declare -A input=([tar.xz-mt]="$a-mt.tar.xz")
echo "| archive | size | baseline | baseline median (s) | tarseal check median (s) | ratio (wall) | CPU s: baseline / tarseal |"
echo "|---|---|---|---|---|---|---|"
for f in $formats; do
  file=${input[$f]:-$a.$f}
  j="$out/$f.json"
  extra=()
  [ -n "${floor2[$f]:-}" ] && extra=(-n floor2 "${floor2[$f]} $file")
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$j" \
    -n floor "${floor[$f]} $file" "${extra[@]}" \
    -n tarseal "$tarseal check --quiet --allow-unsigned --format json $file --repo $data --tag v1.0" >/dev/null 2>&1 || true
  # tarseal exits 0 on pass; hyperfine fails on non-zero, so check the verdict separately.
  "$tarseal" check --quiet --allow-unsigned "$file" --repo "$data" --tag v1.0 >/dev/null || { echo "bench: tarseal check of $file did not pass" >&2; exit 1; }
  python3 - "$j" "$f" "${floor[$f]}" "$(stat -c %s "$file")" "${floor2[$f]:-}" <<'PY'
import json, sys
j, f, fl, size, fl2 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
r = {x["command"]: x for x in json.load(open(j))["results"]}
t = r["tarseal"]["median"]
cpu = lambda x: r[x]["user"] + r[x]["system"]
for name, label in (("floor", fl), ("floor2", fl2)):
    if name in r:
        b = r[name]["median"]
        print(f"| {f} | {size/2**20:.0f} MiB | `{label}` | {b:.3f} | {t:.3f} | {t/b:.2f} x | {cpu(name):.2f} / {cpu('tarseal'):.2f} |")
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
  sealout="$base/seal-out"
  echo
  for f in ${SEAL_FORMATS:-tar.gz tar.xz}; do
    rm -rf "$sealout"; mkdir -p "$sealout"
    hyperfine -N --warmup 1 --runs 3 --export-json "$out/seal-$f.json" \
      -n check "$tarseal check --quiet --allow-unsigned $a.$f --repo $data --tag v1.0" \
      -n seal "$tarseal seal --quiet --allow-unsigned $a.$f --repo $data --tag v1.0 --key $key --out $sealout" >/dev/null 2>&1
    python3 - "$out/seal-$f.json" "$f" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
m = lambda k: r[k]["median"]
cpu = lambda k: r[k]["user"] + r[k]["system"]
print(f"| {sys.argv[2]} | check {m('check'):.3f} s ({cpu('check'):.2f} s CPU) | seal {m('seal'):.3f} s ({cpu('seal'):.2f} s CPU) | seal / check = {m('seal')/m('check'):.2f} x |")
PY
  done
  rm -rf "$sealout"
fi

# Tree listing of the tag: git ls-tree -r (whole process, hyperfine) next to tarseal-git's
# list_tree (in-process timing printed by the example: first listing and best warm one).
if (cd "$root" && cargo build --release --quiet -p tarseal-git --example list_tree); then
  hyperfine -N --warmup 2 --runs 10 --export-json "$out/tree.json" "git -C $data ls-tree -r v1.0" >/dev/null 2>&1
  echo
  python3 -c "import json,sys; print(f'git ls-tree -r v1.0: median {json.load(open(sys.argv[1]))[\"results\"][0][\"median\"]*1000:.1f} ms')" "$out/tree.json"
  "$CARGO_TARGET_DIR/release/examples/list_tree" "$data" v1.0
fi

# Peak memory of one check (the largest case), and of the hostile shapes of issue 11: a
# multi-block xz -6 -T0 (24 MiB blocks through the multi-threaded decoder), xz -9 (a 64 MiB
# dictionary, the default limit), a 768 MiB dictionary (refused by --max-dictionary-bytes),
# and 1,000,000 entries (RSS=0 skips these).
if command -v /usr/bin/time >/dev/null; then
  echo
  rss() { # $1 = label, rest = command; prints peak RSS and the exit code
    local code=0
    /usr/bin/time -f "%M" -o "$out/rss.txt" "${@:2}" >/dev/null 2>"$out/rss.err" || code=$?
    echo "peak RSS of $1: $(( $(tail -1 "$out/rss.txt") / 1024 )) MiB (exit $code)"
  }
  for file in "$a.tar.gz" "$a-mt.tar.xz"; do
    rss "tarseal check ($(basename "$file"))" "$tarseal" check --quiet --allow-unsigned "$file" --repo "$data" --tag v1.0
  done
  if [ "${RSS:-1}" = 1 ]; then
    [ -f "$a-T0.tar.xz" ] || xz -6 -T2 --block-size=24MiB -c "$a.tar" > "$a-T0.tar.xz"
    rss "tarseal check ($(basename "$a-T0.tar.xz"), xz -6 blocks of 24 MiB)" "$tarseal" check --quiet --allow-unsigned "$a-T0.tar.xz" --repo "$data" --tag v1.0
    [ -f "$a-9.tar.xz" ] || xz -9 -T1 -c "$a.tar" > "$a-9.tar.xz"
    rss "tarseal check ($(basename "$a-9.tar.xz"), 64 MiB dictionary)" "$tarseal" check --quiet --allow-unsigned "$a-9.tar.xz" --repo "$data" --tag v1.0
    big="$base/dict-768m.tar.xz"
    [ -f "$big" ] || python3 "$here/gen-dict.py" "$a.tar" "$big"
    rss "tarseal check (768 MiB dictionary, refused)" "$tarseal" check --quiet --allow-unsigned "$big" --repo "$data" --tag v1.0
    echo "  $(grep -o 'limit exceeded.*' "$out/rss.err" | head -1)"
    many="$base/many-1000000.tar.gz"
    [ -f "$many" ] || python3 "$here/gen-many.py" 1000000 "$many"
    rss "tarseal check (1,000,000 empty files, all extra; refused by --max-metadata-bytes)" "$tarseal" check --quiet --allow-unsigned "$many" --repo "$data" --tag v1.0
    echo "  $(grep -o 'limit exceeded.*' "$out/rss.err" | head -1)"
    rss "tarseal check (1,000,000 empty files, all extra, --max-metadata-bytes 4G: judged)" "$tarseal" check --quiet --allow-unsigned --max-metadata-bytes 4G --format json "$many" --repo "$data" --tag v1.0
    rss "tarseal-archive reader alone (1,000,000 entries)" "$CARGO_TARGET_DIR/release/examples/list" "$many"
  fi
fi
echo; echo "load at end: $(uptime)"
