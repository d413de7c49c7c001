#!/usr/bin/env bash
# The release flow of docs/ci/, end to end on one machine: two maintainers' gpg keys and
# the CI's, a transparency log (`tarseal serve` on loopback), a repository with a signed
# tag, `git archive`, check, seal (published to the log), `sigs add` by both maintainers
# (Alice publishes her co-signature herself), `sigs check --publish` of the release-sigs
# branch (the CI logs the others), `gate --server` (keys judged at the log's time; pass
# with 2, undecided with 3, an upload record logged), the gate of a tampered copy (fail),
# and the gate without a log from the branch. Exits non-zero on the first step that does
# not behave.
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
SERVE_PID=
cleanup() {
  [ -z "$SERVE_PID" ] || { kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; } || true
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

step "two maintainers' keys, and the CI's (it signs log records)"
gpgb --quick-gen-key "Alice <alice@example.org>" ed25519 sign never 2>/dev/null
gpgb --quick-gen-key "Bob <bob@example.org>" ed25519 sign never 2>/dev/null
gpgb --quick-gen-key "Release CI <ci@example.org>" ed25519 sign never 2>/dev/null
fpr() { gpg --with-colons --list-keys "$1" | awk -F: '/^fpr:/ {print $10; exit}'; }
ALICE=$(fpr alice@example.org)
BOB=$(fpr bob@example.org)
CI=$(fpr ci@example.org)
gpgb --armor --export "$ALICE" "$BOB" >"$WORK/project-keys.asc"
for who in alice bob ci; do
  (umask 077; gpgb --export-secret-keys "$who@example.org" >"$WORK/$who.key")
done

step "the transparency log: tarseal serve on loopback; the maintainers and the CI may publish"
mkdir -p "$WORK/log-trust"
gpgb --armor --export "$ALICE" "$BOB" "$CI" >"$WORK/log-trust/demo.keys"
printf 'threshold = 1\n' >"$WORK/log-trust/demo.toml"
for k in "$ALICE" "$BOB" "$CI"; do
  printf '[[key]]\nopenpgp = "%s"\n' "$k" >>"$WORK/log-trust/demo.toml"
done
"$TARSEAL" serve --listen 127.0.0.1:0 --data-dir "$WORK/log" --trust-dir "$WORK/log-trust" \
  2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$WORK/serve.log" 2>/dev/null && break
  kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; die "tarseal serve stopped"; }
  sleep 0.1
done
START=$(grep -m1 'listening on' "$WORK/serve.log") || die "tarseal serve did not start"
LOG=$(printf '%s\n' "$START" | sed 's/.*listening on \([^,]*\),.*/\1/')
LOG_KEY=$(printf '%s\n' "$START" | sed 's/.*log key //')
# The log key is pinned: every answer of the log is proven against a checkpoint it signed.
GATE_LOG=(--server "$LOG" --log-key "$LOG_KEY" --project demo --tag 1.0 --key "$WORK/ci.key")

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
  --key "$WORK/alice.key" -q --publish "$LOG"
for f in demo-1.0.tar.gz.asc demo-1.0.tar.gz.sha256 demo-1.0.tar.gz.seal SHA256SUMS.asc; do
  [ -f "$WORK/dist/$f" ] || die "seal did not write $f"
done

step "co-sign: each maintainer re-runs the check and adds a signature to release-sigs"
# Alice also publishes hers to the log herself; Bob leaves that to the review CI.
expect 0 "$TARSEAL" sigs add "$TARBALL" --repo "$REPO" --tag 1.0 \
  --keyring "$WORK/project-keys.asc" --key "$WORK/alice.key" -q --publish "$LOG"
expect 0 "$TARSEAL" sigs add "$TARBALL" --repo "$REPO" --tag 1.0 \
  --keyring "$WORK/project-keys.asc" --key "$WORK/bob.key" -q
[ -z "$(git -C "$REPO" status --porcelain)" ] || die "sigs add touched the work tree"
N=$(git -C "$REPO" ls-tree -r --name-only release-sigs | grep -c '^sigs/demo/1.0/demo-1.0.tar.gz\.[0-9A-F]\{16\}\.asc$' || true)
[ "$N" = 2 ] || die "expected 2 signatures on release-sigs, found $N"

# count_kind KIND: records of that kind the log holds for demo 1.0 (proofs verified).
count_kind() {
  "$TARSEAL" query demo 1.0 --server "$LOG" --log-key "$LOG_KEY" --json 2>/dev/null |
    grep -c "\"kind\": \"$1\"" || true
}

step "review CI: sigs check of the branch against its (empty) base, publishing to the log"
EMPTY=$(git -C "$REPO" hash-object -t tree /dev/null)
expect 0 "$TARSEAL" sigs check --repo "$REPO" --ref release-sigs --base "$EMPTY" \
  --keyring "$WORK/project-keys.asc" --tarball-dir "$WORK/dist" \
  --publish "$LOG" --key "$WORK/ci.key"
N=$(count_kind cosign)
[ "$N" = 2 ] || die "expected 2 cosign records in the log (one per signature), found $N"
N=$(count_kind artifact)
[ "$N" = 1 ] || die "expected the seal's artifact record in the log, found $N"

step "upload gate: 2 of 2 maintainers, each key judged when the log first recorded its signature"
expect 0 "$TARSEAL" gate "$TARBALL" --keyring "$WORK/project-keys.asc" --threshold 2 "${GATE_LOG[@]}"
grep -q '^upload   record logged at index' "$WORK/out" || { cat "$WORK/out" >&2; die "no upload record"; }
expect 3 "$TARSEAL" gate "$TARBALL" --keyring "$WORK/project-keys.asc" --threshold 3 "${GATE_LOG[@]}"
N=$(count_kind upload)
[ "$N" = 1 ] || die "expected 1 upload record (the undecided gate logs none), found $N"

step "a tampered copy fails the gate (the maintainers' logged signatures are BAD over it)"
mkdir "$WORK/tampered"
cp "$TARBALL" "$WORK/tampered/demo-1.0.tar.gz"
printf 'x' >>"$WORK/tampered/demo-1.0.tar.gz"
expect 1 "$TARSEAL" gate "$WORK/tampered/demo-1.0.tar.gz" --keyring "$WORK/project-keys.asc" \
  --threshold 2 "${GATE_LOG[@]}"
expect 1 "$TARSEAL" gate "$WORK/tampered/demo-1.0.tar.gz" --keyring "$WORK/project-keys.asc" \
  --threshold 2 --sigs-from release-sigs --repo "$REPO"

step "without a log: the gate reads the branch and judges keys at the signatures' own times"
expect 0 "$TARSEAL" gate "$TARBALL" --keyring "$WORK/project-keys.asc" --threshold 2 \
  --sigs-from release-sigs --repo "$REPO"

step "upload (here: a copy) of exactly the gated bytes, gated again as uploaded"
mkdir "$WORK/upload"
cp "$TARBALL" "$WORK/upload/"
sleep 1 # another second: another upload record (the same second would repeat the first)
expect 0 "$TARSEAL" gate "$WORK/upload/demo-1.0.tar.gz" --keyring "$WORK/project-keys.asc" \
  --threshold 2 "${GATE_LOG[@]}"
N=$(count_kind upload)
[ "$N" = 2 ] || die "expected 2 upload records, found $N"

echo "local-e2e: all steps passed"
