#!/usr/bin/env bash
# Start-up cost of the controller: runs `node BIN controller` against a cluster until /readyz
# answers 200 (caches synced), then prints the wall time to ready, the CPU-seconds the process
# used (utime + stime from /proc, all threads) and its RSS and peak RSS, and stops it.
#
#   bash scripts/measure-startup.sh [BIN] [KUBECONFIG] [RUNS]
#   defaults: bin/bellwether.js, .cluster/kubeconfig (npm run cluster:up), 3 runs
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-bin/bellwether.js}
kubeconfig=${2:-.cluster/kubeconfig}
runs=${3:-3}
tick=$(getconf CLK_TCK)

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

for ((i = 1; i <= runs; i++)); do
  port=$(free_port)
  start=$(date +%s.%N)
  node "$bin" controller --kubeconfig "$kubeconfig" --leader-elect=false --log-level=warn \
    --health-addr "127.0.0.1:$port" --metrics-addr 127.0.0.1:0 >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "controller exited before ready" >&2; exit 1; }
    sleep 0.05
  done
  ready=$(date +%s.%N)
  read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  awk -v s="$start" -v r="$ready" -v u="$utime" -v k="$stime" -v t="$tick" -v rss="$rss" -v hwm="$hwm" -v i="$i" \
    'BEGIN { printf "run %d: ready in %.2f s wall, %.2f CPU-s, RSS %.0f MiB (peak %.0f MiB)\n", i, r - s, (u + k) / t, rss / 1024, hwm / 1024 }'
done
