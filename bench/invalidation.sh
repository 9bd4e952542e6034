#!/usr/bin/env bash
# CACHE_INVALIDATION=tracking vs none, side by side in one run:
#   1. hit-path throughput: wrk on one cached key against a proxy with tracking and one with none (same Redis),
#      interleaved ROUNDS times; medians and their ratio.
#   2. invalidation delay: SET in Redis -> first proxy response with the new value (InvalidationDelay), p50/p90/p99.
# Loopback only, bounded in time (about a minute with the defaults).
# Needs the jar (mvn -B -q package -DskipTests); builds the bench classes (src/jmh, mvn -Pjmh test-compile) when they
# are missing or older than a source file.
# Usage: bench/invalidation.sh [rounds] [seconds-per-wrk-run] [delay-samples]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
SAMPLES=${3:-1000}
need_build
need_tools wrk redis-cli
CP=$(bench_classpath)

REDIS_PORT=$(free_port); TRACKING_PORT=$(free_port); NONE_PORT=$(free_port)
common=(BIND_ADDRESS=127.0.0.1 MANAGEMENT_PORT=0 GLOBAL_CACHE_EXPIRY=3600)
env "${common[@]}" REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$TRACKING_PORT CACHE_INVALIDATION=tracking \
  java -jar "$JAR" > /tmp/redis-proxy-bench-tracking.log 2>&1 &
TRACKING=$!
trap 'kill $TRACKING $NONE 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q "Listening for HTTP" /tmp/redis-proxy-bench-tracking.log && break; sleep 0.1; done
env "${common[@]}" REDIS_ADDRESS=127.0.0.1:$REDIS_PORT PROXY_PORT=$NONE_PORT CACHE_INVALIDATION=none \
  java -jar "$JAR" > /tmp/redis-proxy-bench-none.log 2>&1 &
NONE=$!
for _ in $(seq 200); do grep -q "Listening for HTTP" /tmp/redis-proxy-bench-none.log && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" set bench:hot 0123456789 >/dev/null
for port in $TRACKING_PORT $NONE_PORT; do
  for _ in $(seq 100); do [ "$(curl -s "localhost:$port/bench:hot")" = 0123456789 ] && break; sleep 0.1; done
done

rps() { # port
  wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$1/bench:hot" | awk '/Requests\/sec/ {print $2}'
}
echo "warming up both proxies (JIT) ..."
wrk -t2 -c32 -d5s "http://127.0.0.1:$TRACKING_PORT/bench:hot" >/dev/null
wrk -t2 -c32 -d5s "http://127.0.0.1:$NONE_PORT/bench:hot" >/dev/null
tracking_runs=""; none_runs=""
for round in $(seq "$ROUNDS"); do
  t_run=$(rps "$TRACKING_PORT"); n_run=$(rps "$NONE_PORT")
  tracking_runs+="$t_run "; none_runs+="$n_run "
  echo "round $round: tracking $t_run none $n_run requests/s"
done
t=$(echo "$tracking_runs" | median); n=$(echo "$none_runs" | median)

echo "measuring the invalidation delay ($SAMPLES writes) ..."
delay=$(java -cp "$CP" io.github.redisproxy.bench.InvalidationDelay \
  "$REDIS_PORT" "$TRACKING_PORT" "$SAMPLES" 2>/dev/null | grep -E '^(samples|hit_round_trip)')

mkdir -p bench/results
out=bench/results/invalidation-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# CACHE_INVALIDATION=tracking vs none, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "$(uname -sr), $(java -version 2>&1 | head -1), backing Redis $(redis-cli -p "$REDIS_PORT" info server | grep redis_version | cut -d: -f2 | tr -d '\r')."
  echo "wrk, both proxies and Redis share the cores."
  echo
  echo "Hit path: \`wrk -t2 -c32 -d${SECONDS_PER_RUN}s\` on one cached key, median of $ROUNDS interleaved runs (requests/s):"
  echo
  echo "| tracking | none | tracking / none |"
  echo "|---|---|---|"
  echo "| $t | $n | $(awk -v a="$t" -v b="$n" 'BEGIN{printf "%.2f", a/b}') |"
  echo
  echo "Invalidation delay, from a SET acknowledged by Redis to the first proxy response with the new value (the"
  echo "client polls in a loop, so each figure includes one HTTP round trip; the round trip of a hit, measured in the"
  echo "same loop, is the floor):"
  echo
  echo '```'
  echo "$delay"
  echo '```'
} | tee "$out"
echo "written to $out"
