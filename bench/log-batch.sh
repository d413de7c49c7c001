#!/usr/bin/env bash
# Batched sequencing and the static tiles directory (BENCHMARKS.md "group commit"):
# durable publishes/s with C concurrent clients, group commit (--batch-max 256) against the
# one-at-a-time path (--batch-max 1) in the same run; then reads of the tiles from the log
# against nginx serving its --tiles-dir. Needs release builds of tarseal and of the example
# publish_load (TARSEAL=..., LOAD=...), wrk, nginx.
# Usage: TARSEAL=target/release/tarseal LOAD=target/release/examples/publish_load N=5000 bash bench/log-batch.sh
set -euo pipefail
TARSEAL=${TARSEAL:?path of a release tarseal binary}
LOAD=${LOAD:?path of a release publish_load example}
N=${N:-5000}
CONC=${CONC:-32}
DUR=${DUR:-10s}
W=$(mktemp -d /tmp/tsbatch.XXXX)
chmod 755 "$W"
cleanup() {
  if [ -f "$W/nginx.pid" ]; then kill "$(cat "$W/nginx.pid")" 2>/dev/null || true; fi
  for j in $(jobs -p); do kill "$j" 2>/dev/null || true; done
}
trap cleanup EXIT
echo "== uptime before: $(uptime)"
"$LOAD" setup "$W" "$N"
for batch in 1 256; do
  rm -rf "$W/data" "$W/tiles"; mkdir -p "$W/data"
  "$TARSEAL" serve --data-dir "$W/data" --trust-dir "$W/trust" --listen 127.0.0.1:18480 \
    --publish-rate 0 --batch-max $batch --tiles-dir "$W/tiles" 2> "$W/serve-$batch.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18480/healthz >/dev/null && break; sleep 0.1; done
  echo "== --batch-max $batch: $N publishes, $CONC clients"
  "$LOAD" load http://127.0.0.1:18480 "$W" "$CONC"
  echo "   checkpoints signed: $(sqlite3 "$W/data/tarseal.db" 'SELECT COUNT(*) - 1 FROM checkpoints' 2>/dev/null || echo '?') for $N entries"
  if [ "$batch" = 256 ]; then
    for p in checkpoint tile/entries/000 tile/0/000; do
      echo "== [tarseal serve] wrk -c$CONC -d$DUR /$p"
      wrk -t2 -c"$CONC" -d"$DUR" --latency "http://127.0.0.1:18480/$p" | grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx'
    done
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
chmod -R a+rX "$W/tiles"
cat > "$W/nginx.conf" <<NGX
worker_processes 2;
pid $W/nginx.pid;
error_log $W/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path $W/ngx-tmp; proxy_temp_path $W/ngx-tmp; fastcgi_temp_path $W/ngx-tmp;
  uwsgi_temp_path $W/ngx-tmp; scgi_temp_path $W/ngx-tmp;
  server { listen 127.0.0.1:18481; root $W/tiles; }
}
NGX
mkdir -p "$W/ngx-tmp"
nginx -c "$W/nginx.conf"
sleep 0.5
for p in checkpoint tile/entries/000 tile/0/000; do
  echo "== [nginx over --tiles-dir] wrk -c$CONC -d$DUR /$p"
  wrk -t2 -c"$CONC" -d"$DUR" --latency "http://127.0.0.1:18481/$p" | grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx'
done
echo "== uptime after: $(uptime)"
