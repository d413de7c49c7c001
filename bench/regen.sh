#!/usr/bin/env bash
# check --regenerate on real make-dist releases: verdict, trust surface, review surface, and the
# speed ratio against running the same autotools commands alone on the same tree (in the same
# run, without tarseal: a bare bubblewrap container on the same tree, since the tag's build code
# is untrusted and never runs on the host).
#
# Usage: bench/regen.sh [TARBALL REPO TAG]...   (default: the nine releases below)
# Needs: a release build of tarseal (cargo build --release), autotools, bubblewrap.
set -euo pipefail
cd "$(dirname "$0")/.."
TARSEAL=${TARSEAL:-${CARGO_TARGET_DIR:-$HOME/.cache/tarseal-target}/release/tarseal}
# Debian orig tarballs (deb.debian.org/debian/pool/main/...) and bare mirrors of the upstream
# repositories (/work/.mirror/OWNER+NAME/repo); never inside the repository.
D=${DATA:-/work/data-regen/orig}
M=${MIRRORS:-/work/.mirror}
P=docs/examples
if [ $# -eq 0 ]; then
  set -- \
    "$D/xz-utils_5.4.1.orig.tar.xz" "$M/tukaani-project+xz/repo" v5.4.1 \
    "$D/curl_7.88.1.orig.tar.gz" "$M/curl+curl/repo" curl-7_88_1 \
    "$D/pcre2_10.42.orig.tar.gz" "$M/PCRE2Project+pcre2/repo" pcre2-10.42 \
    "$D/c-ares_1.18.1.orig.tar.gz" "$M/c-ares+c-ares/repo" cares-1_18_1 \
    "$D/flac_1.4.2+ds.orig.tar.xz" "$M/xiph+flac/repo" 1.4.2 \
    "$D/speex_1.2.1.orig.tar.gz" "$M/xiph+speex/repo" Speex-1.2.1 \
    "$D/speexdsp_1.2.1.orig.tar.gz" "$M/xiph+speexdsp/repo" SpeexDSP-1.2.1 \
    "$D/tmux_3.3a.orig.tar.gz" "$M/tmux+tmux/repo" 3.3a \
    "$D/opus_1.3.1.orig.tar.gz" "$M/xiph+opus/repo" v1.3.1
fi
echo "uptime before: $(uptime)"
while [ $# -ge 3 ]; do
  tarball=$1 repo=$2 tag=$3; shift 3
  [ -f "$tarball" ] || { echo "skip $tarball (absent)"; continue; }
  name=$(basename "$tarball")
  json=$(mktemp)
  start=$(date +%s.%N)
  set +e
  # A project policy when docs/examples has one for this release (xz-5.4.1.tarseal.toml).
  policy=()
  for p in "$P"/*.tarseal.toml; do
    stem=$(basename "$p" .tarseal.toml)
    case $name in "${stem%%-*}"*"${stem##*-}"*) policy=(--policy "$p") ;; esac
  done
  "$TARSEAL" check "$tarball" --repo "$repo" --tag "$tag" --allow-unsigned --allow-lightweight --profile autotools \
    "${policy[@]}" --regenerate --no-regen-cache --format json --quiet > "$json"
  rc=$?
  set -e
  end=$(date +%s.%N)
  # The same commands alone: each strategy tarseal ran, on the tag's tree plus the inputs it
  # took from the release, directly on the host.
  work=$(mktemp -d)
  base=0 failed=""
  while IFS=$'\t' read -r label given; do
    rm -rf "$work/t"; mkdir -p "$work/t"
    git -C "$repo" archive "$tag" | tar -x -C "$work/t"
    python3 - "$json" "$tarball" "$work/t" "$given" <<'PY'
import json, sys, tarfile
r = json.load(open(sys.argv[1])); want = set(r["regeneration"]["inputs_from_release"])
want |= set(p for p in sys.argv[4].split(",") if p)
with tarfile.open(sys.argv[2]) as t:
    for m in t.getmembers():
        rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
        if rel in want and m.isfile():
            m.name = rel; t.extract(m, sys.argv[3])
# The files tarseal put back after autopoint --force (its AUTOPOINT_FIRST prelude).
open(sys.argv[3] + "/.vouched.list", "w").write("".join(p + "\n" for p in sorted(want)))
PY
    # The toolchain tarseal used: the same relocated trees, mounts and variables
    # (fetch::relocation_env and autotools::environment, re-stated here).
    mapfile -t tc < <(python3 - "$json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1])); desc = r["regeneration"]["toolchain"]
dirs = [] if desc.startswith("system") else desc.split(" + ")
args, env, path, acl, unin = [], [], [], [], False
for d in dirs:
    name = os.path.basename(d); i = "/toolchain/" + name; s = i + "/usr/share"
    args += ["--ro-bind", d, i]; path.append(i + "/usr/bin")
    if os.path.isfile(d + "/usr/share/autoconf/autoconf/autoconf.m4f"):
        a = s + "/autoconf"
        env += [("AC_MACRODIR", a), ("autom4te_perllibdir", a), ("AUTOM4TE_CFG", a + "/autom4te.cfg.relocated"),
                ("trailer_m4", a + "/autoconf/trailer.m4"), ("autom4te_buildauxdir", a + "/build-aux")]
        env += [(t.upper(), i + "/usr/bin/" + t) for t in ("autoconf", "autoheader", "autom4te")]
    am = [n for n in os.listdir(d + "/usr/share") if n.startswith("automake-")]
    if am:
        api = am[0][9:]; unin = True; amd = s + "/automake-" + api
        env += [("AUTOMAKE_UNINSTALLED", "1"), ("PERL5LIB", amd), ("AUTOMAKE_LIBDIR", amd),
                ("ACLOCAL_AUTOMAKE_DIR", s + "/aclocal-" + api), ("ACLOCAL", i + "/usr/bin/aclocal-" + api),
                ("AUTOMAKE", i + "/usr/bin/automake-" + api)]
    if os.path.isfile(d + "/usr/share/libtool/build-aux/ltmain.sh"):
        env += [("_lt_pkgdatadir", s + "/libtool"), ("LIBTOOLIZE", i + "/usr/bin/libtoolize")]
        acl.append(s + "/aclocal")
        for n in os.listdir(d + "/usr/share/aclocal"):
            if os.path.isfile("/usr/share/aclocal/" + n):
                args += ["--ro-bind", d + "/usr/share/aclocal/" + n, "/usr/share/aclocal/" + n]
if unin: acl.append("/usr/share/aclocal")
env.append(("PATH", ":".join(path + ["/usr/bin", "/bin"])))
if acl: env.append(("ACLOCAL_PATH", ":".join(acl)))
for k, v in env: args += ["--setenv", k, v]
print("\n".join(args))
PY
)
    case $label in
      "autoreconf -i") cmd="autoreconf -i" ;;
      "autoreconf -fi") cmd="autoreconf -fi" ;;
      aclocal*) cmd='if grep -Eq "^[[:space:]]*(LT_INIT|AC_PROG_LIBTOOL|AM_PROG_LIBTOOL)" configure.ac; then libtoolize --copy; fi; if grep -q AM_GNU_GETTEXT_VERSION configure.ac; then autopoint; fi; aclocal $(sed -n "s/^ACLOCAL_AMFLAGS[[:space:]]*=//p" Makefile.am | head -n1); autoconf; if grep -Eq "A[CM]_CONFIG_HEADERS?" configure.ac; then autoheader; fi; automake --add-missing --copy' ;;
      *"--foreign"*) cmd="autoreconf -i && automake --foreign" ;;
      *given*) cmd="AUTOPOINT=true autoreconf -i" ;;
      *) cmd="true" ;;
    esac
    # tarseal's prelude (autotools.rs AUTOPOINT_FIRST): autopoint --force, the vouched files
    # put back, then the strategy with AUTOPOINT=true.
    pre='if [ -s .vouched.list ]; then tar -cf /tmp/v.tar -T .vouched.list; fi; if grep -Eq "AM_GNU_GETTEXT_(REQUIRE_)?VERSION" configure.ac 2>/dev/null; then autopoint --force; fi; if [ -f /tmp/v.tar ]; then tar --no-same-owner -xf /tmp/v.tar; fi; export AUTOPOINT=true; '
    s=$(date +%s.%N)
    # The tag's build code is untrusted: even the baseline runs in a (bare) bubblewrap
    # container, the tree bound read-write, no network; its start costs milliseconds.
    bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin \
      --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind-try /etc/alternatives /etc/alternatives \
      --proc /proc --dev /dev --tmpfs /tmp --bind "$work/t" /build --chdir /build --clearenv \
      --setenv PATH /usr/bin:/bin --setenv LC_ALL C --setenv TZ UTC --setenv TMPDIR /tmp "${tc[@]}" \
      /bin/sh -c "set -e; $pre$cmd" >/dev/null 2>&1 || failed="$failed ${label%%,*}"
    e=$(date +%s.%N)
    base=$(echo "$base + $e - $s" | bc)
  done < <(python3 -c '
import json,sys,re
r=json.load(open(sys.argv[1]))
for x in r["regeneration"]["runs"]:
    m=re.search(r"given the release.s (.*)$", x["strategy"])
    print(x["strategy"] + "\t" + (m.group(1).replace(" ","") if m else ""))' "$json")
  rm -rf "$work"
  total=$(echo "$end - $start" | bc)
  python3 - "$json" "$name" "$rc" "$total" "$base" "$failed" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name, rc, total, base = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
bad = sys.argv[6].strip()
gen = [f for f in r["findings"] if f.get("rule") == "regenerate:autotools"]
ts = r["trust_surface"]
build = [p for p in ts["paths"] if p == "configure" or p.endswith("Makefile.in") or p in ("aclocal.m4", "config.h.in") or p.startswith("build-aux/") or p.startswith("m4/")]
undecided = [f["path"] for f in r["findings"] if f["judgement"] == "indeterminate"]
print(f"## {name}: exit {rc} ({r['verdict']})")
print(f"- reproduced: {len(gen)} files; toolchain {r['regeneration']['toolchain_versions']}; release {r['regeneration']['release_versions']}")
print(f"- trust surface: {ts['files']} files, {ts['bytes']} bytes by name only; build files among them: {build or 'none'}")
print(f"- review surface: " + (", ".join(f"{i['path']} {i['lines']} lines" for i in r["review_surface"]) or "empty"))
print(f"- indeterminate: {undecided[:12]}{' ...' if len(undecided) > 12 else ''}")
print(f"- runs: " + "; ".join(f"{x['strategy']} {x['seconds']} s exit {x['status']}" for x in r["regeneration"]["runs"]))
print(f"- time: check --regenerate {total:.1f} s; the same commands alone {base:.1f} s; ratio {total / base if base else float('nan'):.2f}" + (f" (baseline strategies that failed, so the ratio is not comparable: {bad})" if bad else ""))
PY
  rm -f "$json"
done
echo "uptime after: $(uptime)"
