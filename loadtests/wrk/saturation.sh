#!/usr/bin/env bash
# Saturation with a C load generator (issue 19): Debian's wrk, closed loop, against ./laneway with the cache off,
# and the in-process ONNX Runtime limit measured right after on the same machine (bench e2e's first phase: 2 instances,
# batch 32 rows / 256 padded tokens, the corpus sorted by length), so the ratio is of one run.
#   loadtests/wrk/saturation.sh [CONNECTIONS] [SECONDS]     (defaults 64 and 20; PORT=9100, WARM=15 seconds)
# Needs wrk (apt-get install wrk). Prints wrk's report, where the CPU went while it measured (the gateway's threads by
# name, from /proc, and wrk's), the limit, and the ratio.
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
warm="${WARM:-15}"
echo "saturation: warm-up, $warm s at $conns connections" >&2
wrk -t2 -c"$conns" -d"${warm}s" -s loadtests/wrk/corpus.lua "$url" > "$out/warm-up.txt"
jvm=$gw  # the launcher execs java
threads() { # CPU ticks of the gateway's threads by name, digits as N ("C2 CompilerThre" -> "CN CompilerThre")
  for t in /proc/"$jvm"/task/*; do
    awk '{ i = index($0, "("); j = index($0, ")"); n = substr($0, i + 1, j - i - 1); split(substr($0, j + 2), f, " ")
      print n "\t" f[12] + f[13] }' "$t/stat" 2>/dev/null
  done | awk -F'\t' '{ g = $1; gsub(/[0-9]+/, "N", g); c[g] += $2 } END { for (k in c) print k "\t" c[k] }' | sort
}
threads > "$out/cpu-before.txt"
echo "saturation: measured, $secs s at $conns connections" >&2
t0=$(date +%s%N)
wrk -t2 -c"$conns" -d"${secs}s" --latency -s loadtests/wrk/corpus.lua "$url" > "$out/wrk.txt" &
wrk_job=$!
wrk_ticks=0
while kill -0 $wrk_job 2>/dev/null; do  # wrk's own CPU, sampled until it exits
  wrk_ticks=$(awk '{ print $14 + $15 }' "/proc/$wrk_job/stat" 2>/dev/null || echo "$wrk_ticks")
  sleep 0.5
done
wait $wrk_job || true
t1=$(date +%s%N)
threads > "$out/cpu-after.txt"
cat "$out/wrk.txt"
rps=$(sed -n 's/^Requests\/sec: *//p' "$out/wrk.txt")
hz=$(getconf CLK_TCK)
echo "CPU while measured (cores, and microseconds of CPU per request):"
join -t$'\t' "$out/cpu-before.txt" "$out/cpu-after.txt" | awk -F'\t' -v ns=$((t1 - t0)) -v r="$rps" -v hz="$hz" -v w="$wrk_ticks" '
  function row(name, ticks) { printf "  %-24s %5.2f cores %6.0f us/request\n", name, ticks / hz / (ns / 1e9), ticks / hz * 1e6 / (r * ns / 1e9) }
  { d = $3 - $2; if (d > 0) row($1, d); total += d }
  END { row("the gateway, in all", total); row("wrk (to its last sample)", w) }'
kill -TERM $gw; wait $gw 2>/dev/null || true
trap - EXIT
# the limit: bench e2e's first phase against a server that is not running any more; it stops after the limit
./laneway bench e2e --target "http://127.0.0.1:$port" --json "$out/limit.json" > "$out/limit.txt" 2>&1 || true
limit=$(sed -n 's/^limit_sps *//p' "$out/limit.txt" | head -1)
rps=$(sed -n 's/^Requests\/sec: *//p' "$out/wrk.txt")
echo "in-process limit: $limit sentences/s; wrk: $rps requests/s; ratio: $(awk -v a="$rps" -v b="$limit" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
