#!/usr/bin/env bash
# The ledger benchmarks in BENCHMARKS.md, in one run on this machine:
#  1. append throughput and latency: `assent bench-append` against `assent serve` (SQLite);
#  2. bytes of storage per entry;
#  3. reads: checkpoint and a full tile from `assent serve` and from nginx serving the same files
#     from disk, each with wrk (same machine, same run, same connections).
# Usage: bash scripts/bench-ledger.sh [ENTRIES] [CONCURRENCY]   (defaults 50000 and 256)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"
entries="${1:-50000}"
concurrency="${2:-256}"
"$REPO_ROOT/scripts/install-toolchain.sh"
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  log "installing Debian's nginx and wrk"
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nginx wrk
fi
[ -f dist/index.html ] || "$REPO_ROOT/scripts/build-app.sh"
cargo build --locked --release --bin assent
assent="$CARGO_TARGET_DIR/release/assent"
work="$(mktemp -d)"
# mktemp makes the directory 0700, and nginx's workers run as `nobody`: without this, nginx
# answers every request with a 153-byte 403 and the comparison measures error pages.
chmod 755 "$work"
cleanup() { kill "${gateway_pid:-}" "${nginx_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$assent" serve --data "$work/data" --key "$work/keys" --listen 127.0.0.1:18080 --rate-limit 0 --app dist \
  > "$work/serve.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.2; done

# The gateway's own CPU time per entry: steadier than a rate on a shared machine, and the
# client's share of the two cores is left out.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$gateway_pid/stat"; }
log "append: $entries entries, $concurrency in flight"
before="$(cpu_ticks)"
"$assent" bench-append --url http://127.0.0.1:18080 --count "$entries" --concurrency "$concurrency"
after="$(cpu_ticks)"
awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$entries" 'BEGIN {
  printf "gateway CPU: %.1f s for %d entries: %.0f µs per entry (%.0f entries/s per core)\n", t / hz, n, 1e6 * t / hz / n, n * hz / t }'

# The same files nginx will serve: the checkpoint and the first full hash tile and entry bundle.
mkdir -p "$work/static/tile/0" "$work/static/tile/entries"
curl -sf http://127.0.0.1:18080/checkpoint -o "$work/static/checkpoint"
curl -sf http://127.0.0.1:18080/tile/0/000 -o "$work/static/tile/0/000"
curl -sf http://127.0.0.1:18080/tile/entries/000 -o "$work/static/tile/entries/000"
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  # Tuned as a tile mirror would be: file pages go to the socket without a copy, open files are
  # kept between requests, and keep-alive connections are not recycled every 1,000 requests.
  sendfile on;
  tcp_nopush on;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:18081;
    root $work/static;
    location / { add_header Access-Control-Allow-Origin "*"; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" -g "daemon off;" &
nginx_pid=$!
sleep 0.5
# Both servers must answer with the same bytes, or the comparison is meaningless.
for path in /checkpoint /tile/0/000 /tile/entries/000; do
  curl -sf "http://127.0.0.1:18081$path" | cmp -s - "$work/static$path" \
    || { echo "nginx does not serve $path as the gateway does; see $work/nginx-error.log" >&2; exit 1; }
done

# Requests per second, refusing a run in which any answer was not a 2xx.
rps() {
  local out
  out="$(wrk -t2 -c64 -d"${WRK_SECONDS:-5}"s "$1")"
  if grep -q 'Non-2xx' <<< "$out"; then echo "$1 answered with errors during the run: $out" >&2; exit 1; fi
  awk '/Requests\/sec/ { print $2 }' <<< "$out"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Alternate the two servers, five rounds each, and compare medians: the machine's speed drifts
# between rounds, and a single pair of runs mostly measures that drift.
printf '| path | assent serve (req/s, median of 5) | nginx, same files (req/s, median of 5) | ratio |\n|---|---:|---:|---:|\n'
for path in /checkpoint /tile/0/000 /tile/entries/000; do
  : > "$work/ours"; : > "$work/theirs"
  for _ in 1 2 3 4 5; do
    rps "http://127.0.0.1:18080$path" >> "$work/ours"
    rps "http://127.0.0.1:18081$path" >> "$work/theirs"
  done
  ours="$(median < "$work/ours")"; theirs="$(median < "$work/theirs")"
  awk -v p="$path" -v a="$ours" -v b="$theirs" 'BEGIN { printf "| %s | %.0f | %.0f | %.2f |\n", p, a, b, a / b }'
done

kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true
size="$(cat "$work/data"/ledger.sqlite3* | wc -c)"
count="$(sed -n 2p "$work/static/checkpoint")"
bundle="$(wc -c < "$work/static/tile/entries/000")"
awk -v s="$size" -v n="$count" -v b="$bundle" 'BEGIN {
  printf "storage: %d bytes for %d entries: %.0f bytes per entry (SQLite file and WAL after a clean stop; an entry itself is %.0f bytes)\n", s, n, s / n, (b - 512) / 256 }'
