#!/usr/bin/env bash
# Log service benchmark (BENCHMARKS.md "tarseal serve"): publish throughput, then query
# throughput and latency with wrk on loopback, next to nginx serving the same answers as
# static files, in the same run. Needs: a release tarseal (TARSEAL=...), gpg, curl, wrk, nginx;
# optional PG_URL=postgresql://... for the PostgreSQL store.
# Usage: TARSEAL=target/release/tarseal N=500 bash bench/log.sh
set -euo pipefail
TARSEAL=${TARSEAL:?path of a release tarseal binary}
N=${N:-500}
DUR=${DUR:-10s}
CONC=${CONC:-32}
W=$(mktemp -d /tmp/tslogbench.XXXX)
chmod 755 "$W" # nginx workers run as another user
cleanup() {
  if [ -f "$W/nginx.pid" ]; then kill "$(cat "$W/nginx.pid")" 2>/dev/null || true; fi
  for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
}
trap cleanup EXIT
export GNUPGHOME=$W/gnupg; mkdir -m 700 "$GNUPGHOME"
gpg -q --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Bench <b@example.org>' ed25519 sign never 2>/dev/null
FPR=$(gpg --with-colons --list-keys b@example.org | awk -F: '/^fpr/ {print $10; exit}')
mkdir -p "$W/trust" "$W/rec"
gpg --armor --export "$FPR" > "$W/trust/bench.keys"
printf 'threshold = 1\n[[key]]\nopenpgp = "%s"\n' "$FPR" > "$W/trust/bench.toml"

echo "== signing $N records"
for i in $(seq 1 "$N"); do
  {
    echo "tarseal/v1 artifact"
    echo "project bench"; echo "tag t$((i % 50))"; echo "tag-object -"; echo "tag-signature not-checked"
    echo "commit c"; echo "tree t"; echo "file bench-$i.tar.gz"; echo "size 1"
    printf 'sha256 %064x\n' "$i"; echo "sha512 x"; echo "md5 x"; echo "verdict pass"
    echo "report-sha256 x"; echo "producer bench"; echo "signer $FPR"; echo "signed-at 2026-01-01T00:00:00Z"
  } > "$W/rec/$i"
  gpg -q --batch --armor --detach-sign -u "$FPR" -o "$W/rec/$i.asc" "$W/rec/$i"
  python3 -c 'import json,sys; print(json.dumps({"record": open(sys.argv[1]).read(), "signature": open(sys.argv[1]+".asc").read()}))' "$W/rec/$i" > "$W/rec/$i.json"
done

run_store() { # $1 label, $2 --db value or ""
  local label=$1 db=$2 port=18470
  rm -rf "$W/data"; mkdir -p "$W/data"
  "$TARSEAL" serve --data-dir "$W/data" --trust-dir "$W/trust" --listen 127.0.0.1:$port ${db:+--db "$db"} 2> "$W/serve.log" &
  local pid=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
  local url=http://127.0.0.1:$port
  echo "== [$label] publish: $N records, 8 parallel curl clients"
  local t0 t1
  t0=$(date +%s.%N)
  seq 1 "$N" | xargs -P 8 -I{} curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary @"$W/rec/{}.json" $url/v1/records
  t1=$(date +%s.%N)
  echo "publish: $N in $(echo "$t1 - $t0" | bc) s = $(echo "$N / ($t1 - $t0)" | bc) records/s"
  mkdir -p "$W/static/v1/projects/bench/tags" "$W/static/tile/entries"
  curl -sf "$url/v1/projects/bench/tags/t7?format=sha256sums" > "$W/static/v1/projects/bench/tags/t7.sha256sums"
  curl -sf "$url/v1/projects/bench/tags/t7" > "$W/static/v1/projects/bench/tags/t7.json"
  curl -sf "$url/checkpoint" > "$W/static/checkpoint"
  curl -sf "$url/tile/entries/000" > "$W/static/tile/entries/000"
  for p in "v1/projects/bench/tags/t7?format=sha256sums" "v1/projects/bench/tags/t7" checkpoint tile/entries/000; do
    echo "== [$label] wrk -c$CONC -d$DUR /$p"
    wrk -t2 -c"$CONC" -d"$DUR" --latency "$url/$p" | grep -E 'Requests/sec|^ +99%|^ +50%|Non-2xx'
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_store sqlite ""
[ -n "${PG_URL:-}" ] && run_store postgres "$PG_URL"

echo "== nginx, the same answers as static files"
cat > "$W/nginx.conf" <<NGX
worker_processes 2;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/plain;
  client_body_temp_path $W/ngx-tmp; proxy_temp_path $W/ngx-tmp; fastcgi_temp_path $W/ngx-tmp;
  uwsgi_temp_path $W/ngx-tmp; scgi_temp_path $W/ngx-tmp;
  server { listen 127.0.0.1:18471; root $W/static; }
}
NGX
mkdir -p "$W/ngx-tmp"
nginx -c "$W/nginx.conf"
sleep 0.5
for p in v1/projects/bench/tags/t7.sha256sums v1/projects/bench/tags/t7.json checkpoint tile/entries/000; do
  echo "== [nginx] wrk -c$CONC -d$DUR /$p"
  wrk -t2 -c"$CONC" -d"$DUR" --latency "http://127.0.0.1:18471/$p" | grep -E 'Requests/sec|^ +99%|^ +50%|Non-2xx'
done
