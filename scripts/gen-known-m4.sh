#!/usr/bin/env bash
# Regenerate data/known-m4.tsv: SHA-256 of every autoconf macro file (*.m4) that
# a known release of a common autotools-side tool ships, harvested from Debian.
#
# Used by the `autotools` policy profile: an m4 file present in a `make dist`
# tarball but absent from git is accepted only if its (sha256, basename) pair
# is listed here. A file whose bytes differ from every known release (e.g. the
# xz-utils 2024 backdoor's m4/build-to-host.m4) is therefore not accepted.
#
# The script uses a private apt configuration in its temporary directory (the
# system's apt sources and state are not touched) listing several suites of
# Debian's own archive, so that each package contributes one version per suite
# (oldstable .. unstable). Sources, for every version of each package that
# those suites offer (`apt-cache madison`):
#   1. the binary packages' /usr/share/aclocal*/ and /usr/share/gnulib/m4/
#      files (Debian's installed copies, possibly carrying Debian patches);
#   2. the Debian orig tarball of the same source package (pristine upstream
#      copies), restricted to basenames that the binary packages install;
#   3. gettext's archive.dir.tar.xz (shipped by `autopoint`), which holds the
#      m4/ files of every gettext release from 0.10.35 to the packaged one.
#
# Nothing is installed: .deb files are unpacked with `dpkg-deb -x` into a
# temporary directory. Root is needed only because apt-get download/source hand
# the download to apt's _apt sandbox user. An orig tarball that the mirror does
# not serve is skipped with a warning.
#
# Usage: scripts/gen-known-m4.sh [OUTPUT]   (default: data/known-m4.tsv)
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian),
#   DEBIAN_SECURITY_MIRROR (default http://deb.debian.org/debian-security),
#   SUITES (default "bullseye bookworm bookworm-updates trixie sid"),
#   SECURITY_SUITES (default "bullseye-security bookworm-security trixie-security").
# Idempotent: the output depends only on the archive's contents at run time.
set -euo pipefail
export LC_ALL=C

repo_root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo_root/data/known-m4.tsv}

# Binary packages that ship m4 macros meant to be copied into projects' m4/
# directories (by aclocal --install, autopoint, gettextize, libtoolize,
# gnulib-tool, intltoolize, gtkdocize, ...). autoconf itself is deliberately
# absent: its m4 files (/usr/share/autoconf/autoconf/*.m4) are internal and
# never copied into a project.
PACKAGES=(
  automake automake1.11
  libtool libltdl-dev
  gettext autopoint
  autoconf-archive
  pkgconf pkg-config
  gnulib
  intltool
  libglib2.0-dev-bin
  gtk-doc-tools
  gnome-common
  yelp-tools
  xutils-dev
  gobject-introspection
  bison
  autogen
  libxslt1-dev
  libaudit-dev libcap-ng-dev
  guile-2.2-dev
  libgtk-3-dev libgtk2.0-dev
  libgpg-error-dev libgcrypt20-dev libassuan-dev libksba-dev libgpgme-dev libnpth0-dev
  libcurl4-openssl-dev
  libxml2-dev
  libsdl2-dev libsdl1.2-dev
  check libcppunit-dev
  libfreetype-dev libogg-dev libvorbis-dev libao-dev
  guile-3.0-dev
  libappstream-glib-dev
  valac
)

work=$(mktemp -d "${TMPDIR:-/tmp}/gen-known-m4.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0777 "$work"            # apt's _apt sandbox user writes the downloads
mkdir -p "$work/debs" "$work/src" "$work/x"
chmod 0777 "$work/debs" "$work/src"
rows=$work/rows.tsv
: > "$rows"

# Private apt configuration: Debian suites only, state kept in $work.
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
# A suite the mirror does not serve is reported and skipped.
apt-get "${APT_OPTS[@]}" update -qq 2>&1 | sed 's/^/apt: /' >&2 || true

upstream_version() {          # 1:1.16.5-1.3 -> 1.16.5 ; 20220903-3 -> 20220903
  local v=${1#*:}
  printf '%s\n' "${v%-*}"
}

# hash_dir DIR SOURCE [BASENAME_FILTER]: append "sha256\tbasename\tsource"
# for every *.m4 file under DIR (optionally only basenames listed in a file).
hash_dir() {
  local dir=$1 source=$2 filter=${3:-}
  [ -d "$dir" ] || return 0
  find "$dir" -type f -name '*.m4' -print0 | sort -z |
    while IFS= read -r -d '' f; do
      local b; b=$(basename "$f")
      if [ -n "$filter" ] && ! grep -qxF "$b" "$filter"; then continue; fi
      printf '%s\t%s\t%s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$b" "$source"
    done >> "$rows"
}

declare -A seen_src=()
for pkg in "${PACKAGES[@]}"; do
  # Binary versions only ("... Packages" lines; "Sources" lines are deb-src).
  versions=$(apt-cache "${APT_OPTS[@]}" madison "$pkg" 2>/dev/null |
    awk -F'|' '$3 ~ / Packages$/ {gsub(/ /,"",$2); print $2}' | sort -u)
  if [ -z "$versions" ]; then
    echo "warning: $pkg: not in the configured archive" >&2
    continue
  fi
  for ver in $versions; do
    ( cd "$work/debs" && apt-get "${APT_OPTS[@]}" download -qq "$pkg=$ver" >/dev/null 2>&1 ) || {
      echo "warning: $pkg=$ver: download failed" >&2; continue; }
    deb=$(ls -t "$work/debs"/*.deb | head -n1)
    srcpkg=$(dpkg-deb -f "$deb" Source | awk '{print $1}')
    srcpkg=${srcpkg:-$pkg}
    # Source may carry its own version in parentheses: "glib2.0 (2.74.6-2)".
    srcver=$(dpkg-deb -f "$deb" Source | sed -n 's/.*(\(.*\)).*/\1/p')
    srcver=${srcver:-$ver}
    up=$(upstream_version "$srcver")
    dest="$work/x/$pkg=$ver"
    mkdir -p "$dest"
    dpkg-deb -x "$deb" "$dest"
    rm -f "$deb"
    label="$srcpkg-$up (Debian $pkg $ver)"
    for d in "$dest"/usr/share/aclocal "$dest"/usr/share/aclocal-* "$dest"/usr/share/gnulib/m4; do
      hash_dir "$d" "$label"
    done
    # The binary package's installed basenames, to filter the orig tarball.
    find "$dest"/usr/share/aclocal* "$dest"/usr/share/gnulib/m4 -name '*.m4' -printf '%f\n' \
      2>/dev/null | sort -u > "$dest.names" || true

    # gettext's archive of old releases' m4/ directories.
    for arc in "$dest"/usr/share/gettext/archive.dir.tar.*; do
      [ -f "$arc" ] || continue
      ax="$dest.archive"; mkdir -p "$ax"
      tar -xf "$arc" -C "$ax"
      for rel in "$ax"/gettext-*; do
        [ -d "$rel" ] || continue
        hash_dir "$rel" "$(basename "$rel") (Debian $pkg $ver, archive.dir.tar)"
      done
    done

    # Pristine upstream copies from the orig tarball, once per source version.
    [ -s "$dest.names" ] || continue
    key="$srcpkg=$srcver"
    if [ -z "${seen_src[$key]:-}" ]; then
      seen_src[$key]=1
      sd="$work/src/$key"; mkdir -p "$sd"; chmod 0777 "$sd"
      # apt verifies each file it keeps against the Sources index, so an orig
      # tarball that arrived is trusted even if another file (.dsc) failed.
      ( cd "$sd" && apt-get "${APT_OPTS[@]}" source -qq --download-only "$srcpkg=$srcver" >/dev/null 2>&1 ) || true
      if compgen -G "$sd/*.orig.tar.*" >/dev/null; then
        for orig in "$sd"/*.orig.tar.* "$sd"/*.orig-*.tar.*; do
          case $orig in *.asc|*'*'*) continue ;; esac
          [ -f "$orig" ] || continue
          mkdir -p "$sd/x"
          tar -xf "$orig" -C "$sd/x"
        done
        seen_src[$key]="$sd/x"
      else
        echo "warning: $srcpkg=$srcver: no orig tarball (deb-src missing, or not on the mirror)" >&2
      fi
    fi
    ox=${seen_src[$key]}
    if [ "$ox" != 1 ] && [ -d "$ox" ]; then
      hash_dir "$ox" "$srcpkg-$up (Debian source $srcpkg $srcver, orig tarball)" "$dest.names"
    fi
  done
done

# Deduplicate by (sha256, basename). Every upstream release that ships the
# bytes is named once, with the first Debian provenance (in version order)
# that provides it; releases sharing a provenance are folded into one item:
#   "gettext-0.19, gettext-0.19.1 (Debian autopoint 0.21-12, archive.dir.tar)".
mkdir -p "$(dirname "$out")"
{
  printf '# known-m4.tsv: sha256<TAB>basename<TAB>source(s). Generated by scripts/gen-known-m4.sh from Debian suites: %s. Do not edit by hand.\n' \
    "$(apt-cache "${APT_OPTS[@]}" policy 2>/dev/null | sed -n 's/.* \([a-z-]*\)\/main amd64 Packages$/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//')"
  sort -u "$rows" | sort -t$'\t' -k1,1 -k2,2 -k3,3V |
    awk -F'\t' '
      function flush(   i, out) {
        out = ""
        for (i = 1; i <= n; i++) out = out (i > 1 ? "; " : "") names[prov[i]] " " prov[i]
        print key "\t" out
      }
      {
        k = $1 "\t" $2
        if (k != key) { if (NR > 1) flush(); key = k; n = 0; delete names; delete seen }
        p = index($3, " (")
        nm = substr($3, 1, p - 1); pv = substr($3, p + 1)
        if (nm in seen) next
        seen[nm] = 1
        if (!(pv in names)) { prov[++n] = pv; names[pv] = nm }
        else names[pv] = names[pv] ", " nm
      }
      END { if (NR) flush() }'
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out: $(grep -vc '^#' "$out") entries" >&2
