#!/usr/bin/env bash
# Regenerate data/known-aux.tsv: SHA-256 of every auxiliary script that automake, autoconf,
# libtool, gettext and gnulib copy into projects (config.guess, config.sub, install-sh,
# depcomp, missing, compile, ar-lib, test-driver, tap-driver.sh, ltmain.sh, config.rpath,
# mkinstalldirs, ylwrap, mdate-sh, py-compile, texinfo.tex), harvested from Debian.
#
# Used by `check --regenerate` (crates/tarseal-regen): a release's aux script byte-identical
# to one listed here is vouched `known-file` and becomes an input of regeneration; any other
# copy is compared with the toolchain's and shown in the review surface.
#
# Same method as scripts/gen-known-m4.sh (whose apt set-up this copies): a private apt
# configuration listing several Debian suites; for every version of each package those suites
# offer, (1) the binary package's copies (Debian's, possibly with a distributor label), and
# (2) the same source package's orig tarball (pristine upstream copies, e.g. ltmain.sh without
# "Debian-" in VERSION), restricted to the basenames above. Nothing is installed.
#
# Usage: scripts/gen-known-aux.sh [OUTPUT]   (default: data/known-aux.tsv)
# Environment: as scripts/gen-known-m4.sh (DEBIAN_MIRROR, SUITES, ...).
set -euo pipefail
export LC_ALL=C

repo_root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo_root/data/known-aux.tsv}
PACKAGES=(automake autoconf libtool gettext autopoint gnulib)
NAMES='config.guess config.sub install-sh depcomp missing compile ar-lib test-driver tap-driver.sh ltmain.sh config.rpath mkinstalldirs ylwrap mdate-sh py-compile texinfo.tex'

work=$(mktemp -d "${TMPDIR:-/tmp}/gen-known-aux.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"
mkdir -p "$work/debs" "$work/src" "$work/x"
chmod 0777 "$work/debs" "$work/src"
rows=$work/rows.tsv
: > "$rows"

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITES=${SUITES:-bullseye bookworm bookworm-updates trixie sid}
SECURITY_SUITES=${SECURITY_SUITES:-bullseye-security bookworm-security trixie-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
chmod -R 0777 "$work/apt"
{
  for s in $SUITES; do
    printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$DEBIAN_MIRROR" "$s"
    printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$DEBIAN_MIRROR" "$s"
  done
  for s in $SECURITY_SUITES; do
    printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$DEBIAN_SECURITY_MIRROR" "$s"
    printf 'deb-src [signed-by=%s] %s %s main\n' "$keyring" "$DEBIAN_SECURITY_MIRROR" "$s"
  done
} > "$work/apt/sources.list"
APT_OPTS=(
  -o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
  -o Dir::State::status=/dev/null -o APT::Architecture=amd64
  -o Acquire::Languages=none
)
apt-get "${APT_OPTS[@]}" update -qq 2>&1 | sed 's/^/apt: /' >&2 || true

upstream_version() { local v=${1#*:}; printf '%s\n' "${v%-*}"; }

# hash_dir DIR SOURCE: rows for every file under DIR whose basename is one of NAMES.
hash_dir() {
  local dir=$1 source=$2
  [ -d "$dir" ] || return 0
  local expr=() n
  for n in $NAMES; do expr+=(-o -name "$n"); done
  find "$dir" -type f \( "${expr[@]:1}" \) -print0 | sort -z |
    while IFS= read -r -d '' f; do
      printf '%s\t%s\t%s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$(basename "$f")" "$source"
    done >> "$rows"
}

declare -A seen_src=()
for pkg in "${PACKAGES[@]}"; do
  versions=$(apt-cache "${APT_OPTS[@]}" madison "$pkg" 2>/dev/null |
    awk -F'|' '$3 ~ / Packages$/ {gsub(/ /,"",$2); print $2}' | sort -u)
  [ -n "$versions" ] || { echo "warning: $pkg: not in the configured archive" >&2; continue; }
  for ver in $versions; do
    ( cd "$work/debs" && apt-get "${APT_OPTS[@]}" download -qq "$pkg=$ver" >/dev/null 2>&1 ) || {
      echo "warning: $pkg=$ver: download failed" >&2; continue; }
    deb=$(ls -t "$work/debs"/*.deb | head -n1)
    srcpkg=$(dpkg-deb -f "$deb" Source | awk '{print $1}'); srcpkg=${srcpkg:-$pkg}
    srcver=$(dpkg-deb -f "$deb" Source | sed -n 's/.*(\(.*\)).*/\1/p'); srcver=${srcver:-$ver}
    up=$(upstream_version "$srcver")
    dest="$work/x/$pkg=$ver"; mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"; rm -f "$deb"
    hash_dir "$dest/usr/share" "$srcpkg-$up (Debian $pkg $ver)"
    for arc in "$dest"/usr/share/gettext/archive.dir.tar.*; do
      [ -f "$arc" ] || continue
      ax="$dest.archive"; mkdir -p "$ax"; tar -xf "$arc" -C "$ax"
      for rel in "$ax"/gettext-*; do
        [ -d "$rel" ] && hash_dir "$rel" "$(basename "$rel") (Debian $pkg $ver, archive.dir.tar)"
      done
    done
    rm -rf "$dest" "$dest.archive"
    key="$srcpkg=$srcver"
    if [ -z "${seen_src[$key]:-}" ]; then
      seen_src[$key]=1
      sd="$work/src/$key"; mkdir -p "$sd"; chmod 0777 "$sd"
      ( cd "$sd" && apt-get "${APT_OPTS[@]}" source -qq --download-only "$srcpkg=$srcver" >/dev/null 2>&1 ) || true
      for orig in "$sd"/*.orig.tar.*; do
        case $orig in *.asc|*'*'*) continue ;; esac
        [ -f "$orig" ] || continue
        mkdir -p "$sd/x"; tar -xf "$orig" -C "$sd/x"
        hash_dir "$sd/x" "$srcpkg-$up (Debian source $srcpkg $srcver, orig tarball)"
      done
      rm -rf "$sd"
    fi
  done
done

mkdir -p "$(dirname "$out")"
{
  printf '# known-aux.tsv: sha256<TAB>basename<TAB>source(s). Generated by scripts/gen-known-aux.sh from Debian suites: %s. Do not edit by hand.\n' "$SUITES $SECURITY_SUITES"
  sort -u "$rows" | sort -t$'\t' -k1,1 -k2,2 -k3,3V |
    awk -F'\t' '{ k = $1 "\t" $2; if (k != key) { if (NR > 1) print key "\t" src; key = k; src = $3 } else if (index(src, $3) == 0) src = src "; " $3 }
      END { if (NR) print key "\t" src }'
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out: $(grep -vc '^#' "$out") entries" >&2
