#!/usr/bin/env bash
# The release flow of docs/ci/, end to end on one machine: two maintainers' gpg keys, a
# repository with a signed tag, `git archive`, check, seal, `sigs add` by both maintainers,
# `sigs check` of the release-sigs branch, `gate --threshold 2` (pass) and the gate of a
# tampered copy (fail). Exits non-zero on the first step that does not behave.
#
#   TARSEAL=/path/to/tarseal bash docs/ci/local-e2e.sh      (default: tarseal on PATH)
#
# Needs git and gpg. Everything happens in a temporary directory, removed at the end.
set -euo pipefail

TARSEAL=${TARSEAL:-tarseal}
command -v "$TARSEAL" >/dev/null || { echo "local-e2e: $TARSEAL not found (set TARSEAL=path)" >&2; exit 2; }
TARSEAL=$(command -v "$TARSEAL")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarseal-e2e.XXXXXX")
# A short GNUPGHOME path: gpg-agent's socket path is limited in length.
export GNUPGHOME=$(mktemp -d /tmp/tse2e.XXXXXX)
cleanup() {
  gpgconf --kill all >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$WORK" "$GNUPGHOME"
}
trap cleanup EXIT

step() { echo "== $*"; }
die() { echo "local-e2e: FAILED: $*" >&2; exit 1; }
# expect CODE CMD...: runs CMD, fails unless it exits with CODE.
expect() {
  local want=$1; shift
  local got=0
  "$@" >"$WORK/out" 2>&1 || got=$?
  if [ "$got" != "$want" ]; then
    cat "$WORK/out" >&2
    die "expected exit $want, got $got: $*"
  fi
}

# Isolated git: no user or system configuration.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
export GIT_AUTHOR_NAME="Release Bot" GIT_AUTHOR_EMAIL=bot@example.org
export GIT_COMMITTER_NAME="Release Bot" GIT_COMMITTER_EMAIL=bot@example.org
gpgb() { gpg --batch --no-tty --pinentry-mode loopback --passphrase '' --yes "$@"; }

step "two maintainers' keys"
gpgb --quick-gen-key "Alice <alice@example.org>" ed25519 sign never 2>/dev/null
gpgb --quick-gen-key "Bob <bob@example.org>" ed25519 sign never 2>/dev/null
fpr() { gpg --with-colons --list-keys "$1" | awk -F: '/^fpr:/ {print $10; exit}'; }
ALICE=$(fpr alice@example.org)
BOB=$(fpr bob@example.org)
gpgb --armor --export "$ALICE" "$BOB" >"$WORK/project-keys.asc"
for who in alice bob; do
  (umask 077; gpgb --export-secret-keys "$who@example.org" >"$WORK/$who.key")
done

step "a project with a tag signed by Alice"
REPO=$WORK/demo
git init -q -b main "$REPO"
printf 'hello\n' >"$REPO/README"
mkdir "$REPO/src" && printf 'int main(void) { return 0; }\n' >"$REPO/src/main.c"
git -C "$REPO" add README src/main.c
git -C "$REPO" commit -q -m "demo 1.0"
git -C "$REPO" -c user.signingkey="$ALICE" tag -s 1.0 -m "demo 1.0"

step "build: git archive"
mkdir "$WORK/dist"
TARBALL=$WORK/dist/demo-1.0.tar.gz
git -C "$REPO" archive --format=tar.gz --prefix=demo-1.0/ -o "$TARBALL" 1.0

step "check and seal (the trusted CI worker)"
expect 0 "$TARSEAL" check "$TARBALL" --repo "$REPO" --tag 1.0 --keyring "$WORK/project-keys.asc" -q
expect 0 "$TARSEAL" seal "$TARBALL" --repo "$REPO" --tag 1.0 --keyring "$WORK/project-keys.asc" \
  --key "$WORK/alice.key" -q
for f in demo-1.0.tar.gz.asc demo-1.0.tar.gz.sha256 demo-1.0.tar.gz.seal SHA256SUMS.asc; do
  [ -f "$WORK/dist/$f" ] || die "seal did not write $f"
done

step "co-sign: each maintainer re-runs the check and adds a signature to release-sigs"
for who in alice bob; do
  expect 0 "$TARSEAL" sigs add "$TARBALL" --repo "$REPO" --tag 1.0 \
    --keyring "$WORK/project-keys.asc" --key "$WORK/$who.key" -q
done
[ -z "$(git -C "$REPO" status --porcelain)" ] || die "sigs add touched the work tree"
N=$(git -C "$REPO" ls-tree -r --name-only release-sigs | grep -c '^sigs/demo/1.0/demo-1.0.tar.gz\.[0-9A-F]\{16\}\.asc$' || true)
[ "$N" = 2 ] || die "expected 2 signatures on release-sigs, found $N"

step "review CI: sigs check of the branch against its (empty) base"
EMPTY=$(git -C "$REPO" hash-object -t tree /dev/null)
expect 0 "$TARSEAL" sigs check --repo "$REPO" --ref release-sigs --base "$EMPTY" \
  --keyring "$WORK/project-keys.asc" --tarball-dir "$WORK/dist"

step "upload gate: 2 of 2 maintainers"
expect 0 "$TARSEAL" gate "$TARBALL" --keyring "$WORK/project-keys.asc" --threshold 2 \
  --sigs-from release-sigs --repo "$REPO"
expect 3 "$TARSEAL" gate "$TARBALL" --keyring "$WORK/project-keys.asc" --threshold 3 \
  --sigs-from release-sigs --repo "$REPO"

step "a tampered copy fails the gate"
mkdir "$WORK/tampered"
cp "$TARBALL" "$WORK/tampered/demo-1.0.tar.gz"
printf 'x' >>"$WORK/tampered/demo-1.0.tar.gz"
expect 1 "$TARSEAL" gate "$WORK/tampered/demo-1.0.tar.gz" --keyring "$WORK/project-keys.asc" \
  --threshold 2 --sigs-from release-sigs --repo "$REPO"

step "upload (here: a copy) of exactly the gated bytes"
mkdir "$WORK/upload"
cp "$TARBALL" "$WORK/upload/"
expect 0 "$TARSEAL" gate "$WORK/upload/demo-1.0.tar.gz" --keyring "$WORK/project-keys.asc" \
  --threshold 2 --sigs-from release-sigs --repo "$REPO"

echo "local-e2e: all steps passed"
