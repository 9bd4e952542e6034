#!/usr/bin/env bash
# The side-by-side benchmark of issue 6, in one run, loopback only, bounded in time (about 12 minutes by default):
#   1. a bare Reactor Netty server answering a constant 10-byte body (the ceiling of this stack; bench sources)
#   2. the proxy on cache hits (one warm key)
#   3. the proxy on misses (a unique, absent key per request: every request reaches Redis)
#   4. a cold hot-key burst of 1,000 concurrent requests (coalescing: Redis GETs counted)
#   5. redis-benchmark GET straight against the redis-server
#   6. latency of hits at half the maximum hit throughput (the load generator, open loop), bare server alongside
#   7. then bench/overhead.sh: the proxy against a bare server, Webdis and redis-server, with each one's CPU per request
#      (about 6 more minutes; its own results file)
# 1-3 run twice side by side: with Reactor Netty's default event-loop count (proxy EVENT_LOOPS=auto) and with one event
# loop (EVENT_LOOPS=1), each proxy against the bare server with the same count. Same client settings for every row
# (WRK_OPTS, default wrk -t1 -c64), interleaved ROUNDS times; the table shows medians and ratios.
# On a fresh Debian machine it installs wrk and redis-tools with apt-get (as root). Redis is the proxy's embedded one
# (REDIS_ADDRESS=embedded:PORT): the redis-server on PATH if there is one, else the real binary the jar bundles.
# Needs the jar (mvn -B -q package -DskipTests); builds the bench classes (src/jmh, mvn -Pjmh test-compile) when they
# are missing or older than a source file.
# Usage: bench/run.sh [rounds (5)] [seconds-per-run (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-5}
SECONDS_PER_RUN=${2:-8}
WRK_OPTS=${WRK_OPTS:--t1 -c64}
need_build
need_tools wrk redis-benchmark redis-cli
CP=$(bench_classpath)

REDIS_PORT=$(free_port); PROXY_PORT=$(free_port); BARE_PORT=$(free_port); PROXY1_PORT=$(free_port); BARE1_PORT=$(free_port)
track_processes
java -cp "$CP" io.github.redisproxy.bench.ConstantServer "$BARE_PORT" 10 > "$LOGS/bare.log" 2>&1 &
PIDS+=($!)
java -cp "$CP" io.github.redisproxy.bench.ConstantServer "$BARE1_PORT" 10 1 > "$LOGS/bare1.log" 2>&1 &
PIDS+=($!)
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$PROXY_PORT BIND_ADDRESS=127.0.0.1 MANAGEMENT_PORT=0 \
  GLOBAL_CACHE_EXPIRY=3600 java -jar "$JAR" > "$LOGS/proxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 200); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS_ADDRESS=127.0.0.1:$REDIS_PORT PROXY_PORT=$PROXY1_PORT BIND_ADDRESS=127.0.0.1 MANAGEMENT_PORT=0 EVENT_LOOPS=1 \
  GLOBAL_CACHE_EXPIRY=3600 java -jar "$JAR" > "$LOGS/proxy1.log" 2>&1 &
PIDS+=($!)
redis-cli -p "$REDIS_PORT" set bench:hot 0123456789 >/dev/null
redis-cli -p "$REDIS_PORT" set bench:hot0 0123456789 >/dev/null # the load generator's key: prefix bench:hot, 1 key
for port in "$PROXY_PORT" "$PROXY1_PORT"; do
  for _ in $(seq 200); do [ "$(curl -s "localhost:$port/bench:hot")" = 0123456789 ] && break; sleep 0.1; done
done
for port in "$BARE_PORT" "$BARE1_PORT"; do
  for _ in $(seq 200); do curl -s "localhost:$port/" >/dev/null && break; sleep 0.1; done
done

cat > "$LOGS/unique.lua" <<'LUA'
-- a new key per request: a miss every time (the key is absent, so the 404 is not cached either)
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/bench:miss:" .. math.random(1, 1000000000) .. ":" .. counter)
end
LUA
# shellcheck disable=SC2086 # WRK_OPTS is a list of options
wrk_rps() { # url [script]
  if [ $# -gt 1 ]; then wrk $WRK_OPTS -d"${SECONDS_PER_RUN}s" -s "$2" "$1"; else wrk $WRK_OPTS -d"${SECONDS_PER_RUN}s" "$1"; fi \
    | awk '/Requests\/sec/ {print $2}'
}
echo "warming up (JIT) ..."
# A cold JVM runs at about half speed for its first seconds, and the proxy has more code for C2 to compile.
for port in "$BARE_PORT" "$BARE1_PORT"; do wrk $WRK_OPTS -d8s "http://127.0.0.1:$port/" >/dev/null; done
for port in "$PROXY_PORT" "$PROXY1_PORT"; do
  wrk $WRK_OPTS -d20s "http://127.0.0.1:$port/bench:hot" >/dev/null
  wrk $WRK_OPTS -d3s -s "$LOGS/unique.lua" "http://127.0.0.1:$port" >/dev/null
done
declare -A runs
for round in $(seq "$ROUNDS"); do
  line="round $round:"
  for config in auto 1; do
    if [ "$config" = auto ]; then bp=$BARE_PORT; pp=$PROXY_PORT; else bp=$BARE1_PORT; pp=$PROXY1_PORT; fi
    b=$(wrk_rps "http://127.0.0.1:$bp/"); h=$(wrk_rps "http://127.0.0.1:$pp/bench:hot")
    m=$(wrk_rps "http://127.0.0.1:$pp" "$LOGS/unique.lua")
    runs[bare-$config]+="$b "; runs[hits-$config]+="$h "; runs[misses-$config]+="$m "
    line+=" [loops $config] bare $b, hits $h, misses $m"
  done
  echo "$line requests/s"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
declare -A med
for k in "${!runs[@]}"; do med[$k]=$(echo "${runs[$k]}" | median); done

echo "latency at half the maximum hit throughput (load generator: closed loop for the maximum, then open loop) ..."
# The load generator is a JVM that shares the 2 cores with the server, so it cannot send half of what wrk measured;
# "maximum" is what it gets itself, closed loop with 64 connections, and the open-loop run goes at half of that.
loadtest() { # port key-prefix json [options...]
  local port=$1 prefix=$2 json=$3; shift 3
  # A fresh client JVM needs about 20 s to reach its steady speed (measured: 3.5k req/s at 5 s, 23k at 20 s).
  java -jar "$JAR" loadtest --url="http://127.0.0.1:$port" --key-prefix="$prefix" --keys=1 --warmup=20s --duration=8s \
    --output="$json" "$@" >/dev/null 2>&1 || true
}
jnum() { grep -o "\"$2\" : [0-9.Ee+-]*" "$1" | head -1 | awk '{printf "%.2f", $3}'; }
latency() { # port key-prefix -> "max rate p50 p99 p99.9 max-ms errors"
  loadtest "$1" "$2" "$LOGS/max-$1.json" --connections=64
  local max rate
  max=$(grep -o '"throughput" : [0-9.]*' "$LOGS/max-$1.json" | awk '{printf "%d", $3}')
  rate=$((max / 2))
  loadtest "$1" "$2" "$LOGS/half-$1.json" --rate="$rate" --connections=256
  local json="$LOGS/half-$1.json"
  echo "$max $rate $(jnum "$json" p50) $(jnum "$json" p99) $(jnum "$json" p99_9) $(jnum "$json" max)" \
    "$(grep -o '"errors" : [0-9]*' "$json" | awk '{print $3}')"
}
declare -A lat
for config in auto 1; do
  if [ "$config" = auto ]; then bp=$BARE_PORT; pp=$PROXY_PORT; else bp=$BARE1_PORT; pp=$PROXY1_PORT; fi
  lat[proxy-$config]=$(latency "$pp" bench:hot)
  lat[bare-$config]=$(latency "$bp" x)
  echo "[loops $config] proxy ${lat[proxy-$config]}, bare ${lat[bare-$config]} (max, rate, p50 p99 p99.9 max ms, errors)"
done

echo "redis-benchmark GET ..."
RB=$(redis-benchmark -p "$REDIS_PORT" -t get -c 64 -n 300000 -d 10 -q 2>/dev/null | tr '\r' '\n' \
  | grep -oE "^GET: [0-9.]+ requests per second" | awk '{print $2}' | tail -1)
echo "hot-key burst ..."
BURST=$(java -cp "$CP" io.github.redisproxy.bench.HotKeyBurst "$REDIS_PORT" "$PROXY_PORT" 1000 2>/dev/null | grep '^requests=')

mkdir -p bench/results
out=bench/results/run-$(date -u +%Y%m%dT%H%M%SZ).md
field() { echo "$1" | awk -v i="$2" '{print $i}'; }
{
  echo "# bench/run.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "$(uname -sr), $(java -version 2>&1 | head -1), Redis $(redis-cli -p "$REDIS_PORT" info server | grep redis_version | cut -d: -f2 | tr -d '\r')."
  echo "Client, servers and Redis share the cores. HTTP rows: \`wrk $WRK_OPTS -d${SECONDS_PER_RUN}s\`, median of $ROUNDS interleaved rounds."
  echo "Default event loops here: $(grep -o 'event loops: [0-9]*' "$LOGS/proxy.log" | head -1 | cut -d' ' -f3)."
  echo
  echo "| | default event loops (req/s) | ratio | 1 event loop (req/s) | ratio |"
  echo "|---|---|---|---|---|"
  echo "| 1. bare Reactor Netty, constant 10-byte body | ${med[bare-auto]} | 1.00 | ${med[bare-1]} | 1.00 |"
  echo "| 2. proxy, cache hits (10-byte value) | ${med[hits-auto]} | **$(ratio "${med[hits-auto]}" "${med[bare-auto]}")** | ${med[hits-1]} | **$(ratio "${med[hits-1]}" "${med[bare-1]}")** |"
  echo "| 3. proxy, misses (unique absent keys, each a Redis GET) | ${med[misses-auto]} | $(ratio "${med[misses-auto]}" "${med[bare-auto]}") | ${med[misses-1]} | $(ratio "${med[misses-1]}" "${med[bare-1]}") |"
  echo
  echo "5. \`redis-benchmark -t get -c 64 -d 10\` straight to redis-server: $RB requests/s (proxy hits, 1 event loop, are $(ratio "${med[hits-1]}" "$RB") of it)."
  echo
  echo "4. Cold hot-key burst (1,000 concurrent GETs of one new key, Redis paused 0.5 s so they overlap): \`$BURST\`"
  echo
  echo "6. Latency at half the maximum throughput. The load generator (a JVM on the same 2 cores) first finds its own maximum"
  echo "against the target (closed loop, 64 connections), then sends half of that on a fixed schedule (open loop, latency"
  echo "from the intended send time, so corrected for coordinated omission). Each run: 8 s after a 20 s warm-up of the client JVM:"
  echo
  echo "| event loops | target | maximum (req/s) | rate (req/s) | p50 / p99 / p99.9 / max (ms) | errors |"
  echo "|---|---|---|---|---|---|"
  for config in auto 1; do
    for target in proxy bare; do
      r=${lat[$target-$config]}
      echo "| $config | $target | $(field "$r" 1) | $(field "$r" 2) | $(field "$r" 3) / **$(field "$r" 4)** / $(field "$r" 5) / $(field "$r" 6) | $(field "$r" 7) |"
    done
  done
} | tee "$out"
echo "written to $out"

# The proxy's overhead against its baselines in one table (bare server, Webdis, redis-server), with each server's CPU
# per request: a script of its own, so that it can also run alone.
bench/overhead.sh "$ROUNDS" "$SECONDS_PER_RUN"
