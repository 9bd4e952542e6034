#!/usr/bin/env bash
# The side-by-side benchmark of issue 6, in one run, loopback only, bounded in time (about 3 minutes by default):
#   1. a bare Reactor Netty server answering a constant 10-byte body (the ceiling of this stack; bench sources)
#   2. the proxy on cache hits (one warm key)
#   3. the proxy on misses (a unique, absent key per request: every request reaches Redis)
#   4. a cold hot-key burst of 1,000 concurrent requests (coalescing: Redis GETs counted)
#   5. redis-benchmark GET straight against the redis-server
# 1-3 use the same client settings (wrk -t2 -c32), interleaved ROUNDS times; the table shows medians and ratios.
# On a fresh Debian machine it installs wrk and redis-tools with apt-get (as root). Redis is the proxy's embedded one
# (REDIS_ADDRESS=embedded:PORT): the redis-server on PATH if there is one, else the real binary the jar bundles.
# Needs the jar and the bench classes: mvn -B -q package -DskipTests
# Usage: bench/run.sh [rounds] [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
JAR=target/redis-proxy.jar
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
[ -f "$JAR" ] && [ -d target/test-classes/io/github/redisproxy/bench ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
if ! command -v wrk >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "installing wrk and redis-tools"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q wrk redis-tools >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && apt-get install -y -q wrk redis-tools >/dev/null; }
fi
[ -f target/bench.cp ] || mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp >/dev/null
CP="target/test-classes:$(cat target/bench.cp)"

REDIS_PORT=$(free_port); PROXY_PORT=$(free_port); BARE_PORT=$(free_port)
LOGS=$(mktemp -d)
java -cp "$CP" io.github.redisproxy.bench.ConstantServer "$BARE_PORT" 10 > "$LOGS/bare.log" 2>&1 &
BARE=$!
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$PROXY_PORT BIND_ADDRESS=127.0.0.1 MANAGEMENT_PORT=0 \
  GLOBAL_CACHE_EXPIRY=3600 java -jar "$JAR" > "$LOGS/proxy.log" 2>&1 &
PROXY=$!
trap 'kill $PROXY $BARE 2>/dev/null; wait 2>/dev/null || true' EXIT
for _ in $(seq 200); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" set bench:hot 0123456789 >/dev/null
for _ in $(seq 200); do [ "$(curl -s "localhost:$PROXY_PORT/bench:hot")" = 0123456789 ] && break; sleep 0.1; done
for _ in $(seq 200); do curl -s "localhost:$BARE_PORT/" >/dev/null && break; sleep 0.1; done

cat > "$LOGS/unique.lua" <<'LUA'
-- a new key per request: a miss every time (the key is absent, so the 404 is not cached either)
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/bench:miss:" .. math.random(1, 1000000000) .. ":" .. counter)
end
LUA
wrk_rps() { # url [script]
  if [ $# -gt 1 ]; then wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" -s "$2" "$1"; else wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" "$1"; fi \
    | awk '/Requests\/sec/ {print $2}'
}
echo "warming up (JIT) ..."
wrk -t2 -c32 -d5s "http://127.0.0.1:$BARE_PORT/" >/dev/null
wrk -t2 -c32 -d5s "http://127.0.0.1:$PROXY_PORT/bench:hot" >/dev/null
wrk -t2 -c32 -d3s -s "$LOGS/unique.lua" "http://127.0.0.1:$PROXY_PORT" >/dev/null
bare=""; hits=""; misses=""
for round in $(seq "$ROUNDS"); do
  b=$(wrk_rps "http://127.0.0.1:$BARE_PORT/"); h=$(wrk_rps "http://127.0.0.1:$PROXY_PORT/bench:hot")
  m=$(wrk_rps "http://127.0.0.1:$PROXY_PORT" "$LOGS/unique.lua")
  bare+="$b "; hits+="$h "; misses+="$m "
  echo "round $round: bare $b, proxy hits $h, proxy misses $m requests/s"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
B=$(echo "$bare" | median); H=$(echo "$hits" | median); M=$(echo "$misses" | median)
echo "redis-benchmark GET ..."
RB=$(redis-benchmark -p "$REDIS_PORT" -t get -c 32 -n 300000 -d 10 -q 2>/dev/null | tr '\r' '\n' \
  | grep -oE "^GET: [0-9.]+ requests per second" | awk '{print $2}' | tail -1)
echo "hot-key burst ..."
BURST=$(java -cp "$CP" io.github.redisproxy.bench.HotKeyBurst "$REDIS_PORT" "$PROXY_PORT" 1000 2>/dev/null | grep '^requests=')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

mkdir -p bench/results
out=bench/results/run-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/run.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "$(uname -sr), $(java -version 2>&1 | head -1), Redis $(redis-cli -p "$REDIS_PORT" info server | grep redis_version | cut -d: -f2 | tr -d '\r')."
  echo "Client, servers and Redis share the cores. HTTP rows: \`wrk -t2 -c32 -d${SECONDS_PER_RUN}s\`, median of $ROUNDS interleaved rounds."
  echo
  echo "| | requests/s | ratio |"
  echo "|---|---|---|"
  echo "| 1. bare Reactor Netty, constant 10-byte body | $B | 1.00 |"
  echo "| 2. proxy, cache hits (10-byte value) | $H | $(ratio "$H" "$B") of bare |"
  echo "| 3. proxy, misses (unique absent keys, each a Redis GET) | $M | $(ratio "$M" "$B") of bare |"
  echo "| 5. redis-benchmark GET, -c 32 -d 10, straight to redis-server | $RB | $(ratio "$H" "$RB") proxy hits / redis |"
  echo
  echo "4. Cold hot-key burst (1,000 concurrent GETs of one new key, Redis paused 0.5 s so they overlap): \`$BURST\`"
} | tee "$out"
echo "written to $out"
