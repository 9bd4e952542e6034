#!/usr/bin/env bash
# RESP front end vs. Redis itself, side by side in one run:
#   redis-benchmark -t get,ping -c 50 -n N -d 10 [-P 16] against the proxy's RESP port (warm cache)
#   and against the backing redis-server, interleaved, ROUNDS times; prints medians and ratios.
# Loopback only, bounded in time (about a minute with the defaults). Needs the jar: mvn -B -q package -DskipTests
# Usage: bench/resp.sh [rounds] [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
REQUESTS=${2:-200000}
REDIS_PORT=$(free_port); RESP_PORT=$(free_port); HTTP_PORT=$(free_port)

[ -f "$JAR" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
need_tools redis-benchmark redis-cli

REDIS_ADDRESS=embedded:$REDIS_PORT RESP_PORT=$RESP_PORT PROXY_PORT=$HTTP_PORT BIND_ADDRESS=127.0.0.1 \
  java -jar "$JAR" > /tmp/redis-proxy-bench.log 2>&1 &
PROXY=$!
trap 'kill $PROXY 2>/dev/null; wait $PROXY 2>/dev/null || true' EXIT
for _ in $(seq 100); do redis-cli -p "$RESP_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$RESP_PORT" ping >/dev/null 2>&1 || { echo "the proxy did not start:" >&2; tail -5 /tmp/redis-proxy-bench.log >&2; exit 1; }
# redis-benchmark's GET asks for the literal key "key:__rand_int__" when -r is not given.
redis-cli -p "$REDIS_PORT" set key:__rand_int__ 0123456789 >/dev/null

rps() { # port pipeline test
  redis-benchmark -p "$1" -t "$3" -c 50 -n "$REQUESTS" -d 10 -P "$2" -q 2>/dev/null \
    | tr '\r' '\n' | grep -oE "^[A-Z_]+: [0-9.]+ requests per second" | awk '{print $2}' | tail -1
}
echo "warming up the proxy (JIT) ..."
redis-benchmark -p "$RESP_PORT" -t get,ping -c 50 -n $((REQUESTS * 3)) -d 10 -P 16 -q >/dev/null 2>&1

declare -A results
for round in $(seq "$ROUNDS"); do
  for p in 1 16; do
    for t in get ping_mbulk; do
      results[proxy,$t,$p]+="$(rps "$RESP_PORT" $p $t) "
      results[redis,$t,$p]+="$(rps "$REDIS_PORT" $p $t) "
    done
  done
  echo "round $round done"
done

mkdir -p bench/results
out=bench/results/resp-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# RESP front end vs. redis-server, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "$(uname -sr), $(java -version 2>&1 | head -1). redis-benchmark $(redis-benchmark --version | awk '{print $2}'),"
  echo "backing Redis: $(redis-cli -p "$REDIS_PORT" info server | grep redis_version | tr -d '\r'). Client, proxy and Redis share the cores."
  echo
  echo "\`redis-benchmark -t get,ping -c 50 -n $REQUESTS -d 10 [-P 16]\`, warm cache, median of $ROUNDS interleaved rounds (requests/s):"
  echo
  echo "| test | pipeline | proxy | redis-server | proxy / redis |"
  echo "|---|---|---|---|---|"
  for p in 1 16; do
    for t in get ping_mbulk; do
      a=$(echo "${results[proxy,$t,$p]}" | median); b=$(echo "${results[redis,$t,$p]}" | median)
      echo "| ${t^^} | -P $p | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}') |"
    done
  done
} | tee "$out"
echo "written to $out"
