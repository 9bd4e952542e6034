#!/usr/bin/env bash
# Cache hits over HTTP/1.1 (wrk) and cleartext HTTP/2 (h2load, prior knowledge) on one proxy, interleaved rounds:
#   http1:      wrk -t1 -c64                   64 connections, one request at a time each
#   h2c:        h2load -t1 -c64 -m1            64 connections, one stream at a time each (the same concurrency)
#   h2c-mux:    h2load -t1 -c8 -m8             8 connections, 8 streams each (64 in flight, multiplexed)
# Loopback only, bounded. Installs wrk and nghttp2-client (h2load) with apt-get when missing.
# Usage: bench/http2.sh [rounds (3)] [seconds (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
[ -f "$JAR" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
need_tools wrk redis-cli
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client; }
track_processes
REDIS_PORT=$(free_port); HTTP=$(free_port)
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$HTTP MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  java -jar "$JAR" > "$LOGS/proxy.log" 2>&1 &
PIDS+=("$!")
wait_for_log "$LOGS/proxy.log" "Listening for HTTP" 60
redis-cli -p "$REDIS_PORT" set hot 0123456789 > /dev/null
URL="http://127.0.0.1:$HTTP/hot"
h2_rps() { h2load -t1 "$@" -D "$SECONDS_PER_RUN" "$URL" | awk '/^finished in/ {gsub(",", "", $4); print $4}'; }
measure() {
  case $1 in
    http1) wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" "$URL" | awk '/Requests\/sec/ {print $2}' ;;
    h2c) h2_rps -c64 -m1 ;;
    h2c-mux) h2_rps -c8 -m8 ;;
  esac
}
echo "warming up (JIT) ..."
wrk -t1 -c64 -d10s "$URL" > /dev/null; h2load -t1 -c64 -m1 -D 10 "$URL" > /dev/null
declare -A runs
rows="http1 h2c h2c-mux"
for round in $(seq "$ROUNDS"); do
  for row in $rows; do runs[$row]+="$(measure "$row") "; done
  echo "round $round: http1 ${runs[http1]##* } ..." >&2
done
mkdir -p bench/results
out=bench/results/http2-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/http2.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS_PORT"
  echo
  echo "Cache hits on one 10-byte key, ${SECONDS_PER_RUN} s per run, median of $ROUNDS interleaved rounds (requests/s):"
  echo
  echo "| row | requests/s | / http1 |"
  echo "|---|---|---|"
  base=$(echo "${runs[http1]}" | median)
  for row in $rows; do
    m=$(echo "${runs[$row]}" | median)
    echo "| $row | $m | $(awk -v a="$m" -v b="$base" 'BEGIN{printf "%.2f", a/b}') |"
  done
  echo
  echo "Every round: "
  for row in $rows; do echo "- $row: ${runs[$row]}"; done
} | tee "$out"
echo "written to $out"
