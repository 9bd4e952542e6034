#!/usr/bin/env bash
# Dropped connections under load: does a client ever see them? A proxy on an embedded Redis takes misses from wrk
# (a new absent key per request, so every request is a Redis read: each answer should be 404), while its connection
# to Redis is killed (CLIENT KILL TYPE normal) KILLS times, twice 300 ms apart each time. Prints the answers by status
# and the proxy's retries. Loopback only, bounded: about 4 s per kill.
# Usage: [PROXY_JAR=other.jar] bench/kill.sh [kills (8)] [CACHE_INVALIDATION (tracking)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
KILLS=${1:-8}
MODE=${2:-tracking}
JAR=${PROXY_JAR:-$JAR} # another build to compare with
[ -f "$JAR" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
need_tools wrk redis-cli
track_processes
REDIS_PORT=$(free_port); HTTP=$(free_port); MGMT=$(free_port)
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$HTTP MANAGEMENT_PORT=$MGMT BIND_ADDRESS=127.0.0.1 \
  CACHE_INVALIDATION=$MODE java -jar "$JAR" > "$LOGS/proxy.log" 2>&1 &
PIDS+=("$!")
wait_for_log "$LOGS/proxy.log" "Listening for HTTP" 60
cat > "$LOGS/count.lua" <<'LUA'
threads = {}
setup = function(thread) table.insert(threads, thread) end
counter = 0
statuses = {}
request = function()
  counter = counter + 1
  return wrk.format("GET", "/kill:" .. math.random(1, 1000000000) .. ":" .. counter)
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests) -- each thread counted in its own state
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do io.write("status " .. status .. " " .. n .. "\n") end
  end
  io.write("status errors " .. (summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout) .. "\n")
end
LUA
wrk -t1 -c32 -d5s -s "$LOGS/count.lua" "http://127.0.0.1:$HTTP" > /dev/null # warm-up
declare -A total
for _ in $(seq "$KILLS"); do
  wrk -t1 -c32 -d4s -s "$LOGS/count.lua" "http://127.0.0.1:$HTTP" > "$LOGS/wrk.out" &
  wrk_pid=$!
  sleep 1.5; redis-cli -p "$REDIS_PORT" client kill type normal > /dev/null
  sleep 0.3; redis-cli -p "$REDIS_PORT" client kill type normal > /dev/null
  wait "$wrk_pid"
  while read -r _ status n; do total[$status]=$(( ${total[$status]:-0} + n )); done < <(grep '^status' "$LOGS/wrk.out")
done
echo "CACHE_INVALIDATION=$MODE, $((KILLS * 2)) kills under load; answers by status:"
for status in "${!total[@]}"; do echo "  $status: ${total[$status]}"; done
curl -s "http://127.0.0.1:$MGMT/metrics" | grep -E '^redis_proxy_backend_(retries|disconnects)_total'
