#!/usr/bin/env bash
# The proxy's own overhead against the baselines users compare it with, in one run (issue 14's table):
#   http-hit    / bare-http   cache hits (wrk -t1 -c64, one 10-byte key) against ConstantServer, a bare Reactor Netty
#                             server that answers the same bytes (bench sources)
#   http-miss   / webdis-miss a new absent key per request (each one Redis GET) against Webdis (Debian's webdis, a C
#                             HTTP gateway, GET /GET/<key>) on the same Redis
#   resp-P1     / redis-P1    redis-benchmark -t get -c 50 -n 200000 -d 10 -P 1 against the RESP port, and against the
#   resp-P16    / redis-P16   same redis-server directly; then -P 16
# with each server's own CPU per answered request (user + system time of its process over the run, from /proc).
# Medians of interleaved rounds. Loopback only, bounded (about 5 minutes). Installs wrk, redis-tools and webdis with
# apt-get when missing.
# Usage: bench/overhead.sh [rounds (3)] [seconds (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
need_build
need_tools wrk redis-benchmark redis-cli
command -v webdis >/dev/null || { apt-get update -qq && apt-get install -y -qq webdis >/dev/null; }
CP=$(bench_classpath)
track_processes

REDIS=$(free_port); HTTP=$(free_port); RESP=$(free_port); BARE=$(free_port); WEBDIS=$(free_port)
java -cp "$CP" io.github.redisproxy.bench.ConstantServer "$BARE" 10 > "$LOGS/bare.log" 2>&1 &
PIDS+=("$!"); BARE_PID=$!
REDIS_ADDRESS=embedded:$REDIS PROXY_PORT=$HTTP RESP_PORT=$RESP MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  GLOBAL_CACHE_EXPIRY=3600 java -jar "$JAR" > "$LOGS/proxy.log" 2>&1 &
PIDS+=("$!"); PROXY_PID=$!
wait_for_log "$LOGS/proxy.log" "Listening for HTTP" 60
wait_for_log "$LOGS/bare.log" "Listening on" 60
REDIS_PID=$(redis-cli -p "$REDIS" info server | awk -F: '/^process_id/ {print $2}' | tr -d '\r')
cat > "$LOGS/webdis.json" <<JSON
{"redis_host": "127.0.0.1", "redis_port": $REDIS, "http_host": "127.0.0.1", "http_port": $WEBDIS,
 "threads": 2, "daemonize": false, "database": 0, "verbosity": 0, "logfile": "$LOGS/webdis.log"}
JSON
webdis "$LOGS/webdis.json" &
PIDS+=("$!"); WEBDIS_PID=$!
for _ in $(seq 50); do (exec 3<> "/dev/tcp/127.0.0.1/$WEBDIS") 2> /dev/null && break; sleep 0.1; done
redis-cli -p "$REDIS" set hot 0123456789 > /dev/null
redis-cli -p "$REDIS" set key:__rand_int__ 0123456789 > /dev/null
write_miss_script "$LOGS/miss.lua" overhead

wrk_rps() { wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
bench_rps() { # port pipeline
  redis-benchmark -p "$1" -t get -c 50 -n 200000 -d 10 -P "$2" -q 2>/dev/null \
    | tr '\r' '\n' | grep -oE "^GET: [0-9.]+" | awk '{print $2}' | tail -1
}
measure() {
  case $1 in
    bare-http) wrk_rps "http://127.0.0.1:$BARE/hot" ;;
    http-hit) wrk_rps "http://127.0.0.1:$HTTP/hot" ;;
    http-miss) MISS_PREFIX=/ wrk_rps -s "$LOGS/miss.lua" "http://127.0.0.1:$HTTP" ;;
    webdis-miss) MISS_PREFIX=/GET/ wrk_rps -s "$LOGS/miss.lua" "http://127.0.0.1:$WEBDIS" ;;
    resp-P1) bench_rps "$RESP" 1 ;;
    redis-P1) bench_rps "$REDIS" 1 ;;
    resp-P16) bench_rps "$RESP" 16 ;;
    redis-P16) bench_rps "$REDIS" 16 ;;
  esac
}
server_of() {
  case $1 in bare-*) echo "$BARE_PID" ;; webdis-*) echo "$WEBDIS_PID" ;; redis-*) echo "$REDIS_PID" ;; *) echo "$PROXY_PID" ;; esac
}

echo "warming up (JIT) ..."
wrk -t1 -c64 -d10s "http://127.0.0.1:$HTTP/hot" > /dev/null
wrk -t1 -c64 -d10s "http://127.0.0.1:$BARE/hot" > /dev/null
MISS_PREFIX=/ wrk -t1 -c64 -d15s -s "$LOGS/miss.lua" "http://127.0.0.1:$HTTP" > /dev/null
redis-benchmark -p "$RESP" -t get -c 50 -n 300000 -d 10 -P 16 -q > /dev/null 2>&1

declare -A runs cpu
rows="bare-http http-hit webdis-miss http-miss redis-P1 resp-P1 redis-P16 resp-P16"
for round in $(seq "$ROUNDS"); do
  for row in $rows; do
    pid=$(server_of "$row"); before=$(cpu_ticks "$pid")
    rps=$(measure "$row")
    used=$(( $(cpu_ticks "$pid") - before ))
    runs[$row]+="$rps "
    # redis-benchmark sends a fixed count, wrk runs a fixed time
    case $row in *P1 | *P16) requests=200000 ;; *) requests=$(awk -v r="$rps" -v s="$SECONDS_PER_RUN" 'BEGIN{print r * s}') ;; esac
    cpu[$row]+="$(cpu_us_per_request "$used" "$requests") "
  done
  echo "round $round done (load $(loadavg))" >&2
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
mkdir -p bench/results
out=bench/results/overhead-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/overhead.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS"
  echo
  echo "${SECONDS_PER_RUN} s per wrk run (redis-benchmark: 200000 GETs), medians of $ROUNDS interleaved rounds; CPU is each"
  echo "server's own per answered request:"
  echo
  echo "| measure | proxy | baseline | proxy / baseline | proxy CPU µs/req | baseline CPU µs/req | CPU ratio |"
  echo "|---|---|---|---|---|---|---|"
  for pair in "http-hit bare-http HTTP hits / bare Reactor Netty" "http-miss webdis-miss HTTP misses / Webdis" \
              "resp-P1 redis-P1 RESP GET hits / redis-server, -P 1" "resp-P16 redis-P16 RESP GET hits / redis-server, -P 16"; do
    set -- $pair; p=$1; b=$2; shift 2
    pm=$(echo "${runs[$p]}" | median); bm=$(echo "${runs[$b]}" | median)
    pc=$(echo "${cpu[$p]}" | median); bc=$(echo "${cpu[$b]}" | median)
    echo "| $* | $pm | $bm | **$(ratio "$pm" "$bm")** | $pc | $bc | $(ratio "$pc" "$bc") |"
  done
  echo
  echo "Every round (requests/s; server CPU µs/request):"
  for row in $rows; do echo "- $row: ${runs[$row]}; ${cpu[$row]}"; done
} | tee "$out"
echo "written to $out"
