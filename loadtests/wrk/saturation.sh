#!/usr/bin/env bash
# Saturation with a C load generator (issue 19): Debian's wrk, closed loop, against ./laneway with the cache off,
# and the in-process ONNX Runtime limit measured right after on the same machine (bench e2e's first phase: 2 instances,
# batch 32 rows / 256 padded tokens, the corpus sorted by length), so the ratio is of one run.
#   loadtests/wrk/saturation.sh [CONNECTIONS] [SECONDS]     (defaults 64 and 20; PORT=9100 by default)
# Needs wrk (apt-get install wrk). Prints wrk's report, the limit, and the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
conns="${1:-64}"
secs="${2:-20}"
port="${PORT:-9100}"
command -v wrk >/dev/null || { echo "saturation: wrk not found (apt-get install wrk)" >&2; exit 2; }
out="loadtests/target/saturation"
mkdir -p "$out"
./laneway --http-port "$port" --grpc-port $((port + 1)) --metrics-port $((port + 2)) --admin-port $((port + 3)) \
  --cache-max-bytes 0 > "$out/gateway.log" 2>&1 &
gw=$!
trap 'kill -TERM $gw 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "ready in" "$out/gateway.log" && break; sleep 0.1; done
grep -q "ready in" "$out/gateway.log" || { echo "saturation: the gateway did not start; see $out/gateway.log" >&2; exit 1; }
url="http://127.0.0.1:$port"
echo "saturation: warm-up, 15 s at $conns connections" >&2
wrk -t2 -c"$conns" -d15s -s loadtests/wrk/corpus.lua "$url" > "$out/warm-up.txt"
echo "saturation: measured, $secs s at $conns connections" >&2
wrk -t2 -c"$conns" -d"${secs}s" --latency -s loadtests/wrk/corpus.lua "$url" | tee "$out/wrk.txt"
kill -TERM $gw; wait $gw 2>/dev/null || true
trap - EXIT
# the limit: bench e2e's first phase against a server that is not running any more; it stops after the limit
./laneway bench e2e --target "http://127.0.0.1:$port" --json "$out/limit.json" > "$out/limit.txt" 2>&1 || true
limit=$(sed -n 's/^limit_sps *//p' "$out/limit.txt" | head -1)
rps=$(sed -n 's/^Requests\/sec: *//p' "$out/wrk.txt")
echo "in-process limit: $limit sentences/s; wrk: $rps requests/s; ratio: $(awk -v a="$rps" -v b="$limit" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
