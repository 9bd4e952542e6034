#!/usr/bin/env bash
# The performance issue's memory target, "1,000,000 cached entries of 100-byte values fit in a 512 MB heap", measured
# two ways in one run, loopback only (about 5-10 minutes with the defaults on 2 cores):
#   1. in process: CacheFootprint (bench sources) fills the real cache under each policy, and raw Caffeine baselines,
#      with ENTRIES keys key:0000000 .. (11 bytes) and byte[100] values in a -Xmx512m JVM; used heap after full GCs.
#   2. end to end, per policy: the proxy jar with -Xmx512m, CACHE_CAPACITY=ENTRIES and a one-day expiry (invalidation
#      left at its default), in front of a redis-server seeded with the same ENTRIES keys of 100 bytes
#      (redis-cli --pipe). After a short warm-up and a purge, heap used after full GCs (jcmd GC.run, GC.heap_info)
#      with the cache empty; then wrk requests every key once (a Lua script walks the keys, 100,000 per wrk run; the
#      proxy's /cache/stats must then report ENTRIES entries); heap again. Bytes per entry = the difference / ENTRIES.
#      The GC log (-Xlog:gc) gives the pauses while filling and the highest heap occupancy any GC saw.
#   3. per policy, with the cache full: the heap a request leaves behind while its keep-alive connection stays open.
# Redis is the redis-server on PATH, else the binary the jar bundles (extracted to a temporary directory); it is a
# separate process, so its memory is not in the proxy's heap. Installs wrk and redis-tools with apt-get when missing.
# Needs the jar (mvn -B -q package -DskipTests) and a JDK (jcmd, jar); builds the bench classes (src/jmh, mvn -Pjmh
# test-compile) when they are missing or older than a source file.
# Usage: bench/memory.sh [entries] [policies]      (defaults: 1000000 "lru tinylfu")
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ENTRIES=${1:-1000000}
POLICIES=${2:-lru tinylfu}
VALUE_BYTES=100
HEAP=512m
need_build
need_tools jcmd jar wrk redis-cli

track_processes
load_before=$(loadavg)

echo "1. in process: CacheFootprint, $ENTRIES entries, -Xmx$HEAP ..."
java -Xmx$HEAP -cp "target/test-classes:$JAR" io.github.redisproxy.bench.CacheFootprint "$ENTRIES" "$VALUE_BYTES" \
  > "$LOGS/footprint.md"

REDIS_PORT=$(free_port)
start_redis "$LOGS" "$REDIS_PORT"
PIDS+=("$REDIS_PID")
echo "seeding $ENTRIES keys of $VALUE_BYTES bytes with redis-cli --pipe ..."
awk -v n="$ENTRIES" -v size="$VALUE_BYTES" 'BEGIN {
  value = sprintf("%0" size "d", 0)
  for (i = 0; i < n; i++) {
    key = sprintf("key:%07d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(key), key, size, value
  }
}' | redis-cli -p "$REDIS_PORT" --pipe > "$LOGS/seed.log"
[ "$(redis-cli -p "$REDIS_PORT" dbsize)" = "$ENTRIES" ] || { echo "seeding failed: $(cat "$LOGS/seed.log")" >&2; exit 1; }
[ "$(redis-cli -p "$REDIS_PORT" strlen key:0000000)" = "$VALUE_BYTES" ] || { echo "seeded values are not $VALUE_BYTES bytes" >&2; exit 1; }

cat > "$LOGS/walk.lua" <<'LUA'
-- Requests each key of key:FIRST .. key:(LAST-1) once: with T threads, thread t walks FIRST+t, FIRST+t+T, ...
-- wrk -tT ... -s walk.lua URL -- FIRST LAST T. A thread that has sent its share repeats its first key (a hit) until
-- wrk is stopped.
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  first = tonumber(args[1])
  last = tonumber(args[2])
  step = tonumber(args[3])
  n = first + id
end
function request()
  local k = n < last and n or first + id
  n = n + step
  return wrk.format("GET", string.format("/key:%07d", k))
end
LUA

jcmd_() { timeout 300 jcmd "$@"; } # a JVM stuck in back-to-back full GCs answers slowly, or not at all
heap_used_kb() { # pid: heap used after full GCs (jcmd GC.run) until two readings are within 1 MB, in KB
  local previous=-1 used
  for _ in 1 2 3 4 5 6 7 8; do
    jcmd_ "$1" GC.run >/dev/null
    used=$(jcmd_ "$1" GC.heap_info | { grep -oE 'used [0-9]+K' || echo "used 0K"; } | head -1 | grep -oE '[0-9]+')
    if [ "$previous" -ge 0 ] && [ $((used > previous ? used - previous : previous - used)) -lt 1024 ]; then break; fi
    previous=$used
  done
  echo "$used"
}
stats() { curl -s -m 30 "localhost:$1/cache/stats" || true; }
field() { { grep -oE "\"$1\":[0-9]+" || true; } | head -1 | cut -d: -f2; } # the first numeric JSON field of that name
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# walk FIRST LAST: requests keys FIRST..LAST-1 over new connections until the cache holds LAST entries; returns 1 if
# the cache stopped growing for STALL seconds.
STALL=60
walk() {
  local size=0 last_size=-1 progress=$SECONDS
  wrk -t2 -c32 -d3600s --timeout 10s -s "$LOGS/walk.lua" "http://127.0.0.1:$PROXY_PORT" -- "$1" "$2" 2 \
    >> "$LOGS/wrk-$policy.txt" 2>&1 &
  WRK=$!
  PIDS+=("$WRK")
  while [ "${size:-0}" -lt "$2" ]; do
    kill -0 "$PROXY" 2>/dev/null || { kill -INT "$WRK"; wait "$WRK" || true; return 1; }
    if [ "${size:-0}" != "$last_size" ]; then last_size=${size:-0}; progress=$SECONDS; fi
    if [ $((SECONDS - progress)) -ge "$STALL" ]; then kill -INT "$WRK"; wait "$WRK" || true; return 1; fi
    sleep 0.2
    size=$(stats "$MANAGEMENT_PORT" | field size)
  done
  kill -INT "$WRK"; wait "$WRK" || true
}

CHUNK=${CHUNK:-100000} # keys per wrk run
fill_rows=""; keepalive_rows=""
for policy in $POLICIES; do
  echo "2. end to end, CACHE_POLICY=$policy ..."
  PROXY_PORT=$(free_port); MANAGEMENT_PORT=$(free_port)
  gclog="$LOGS/gc-$policy.log"; log="$LOGS/proxy-$policy.log"
  REDIS_ADDRESS=127.0.0.1:$REDIS_PORT PROXY_PORT=$PROXY_PORT MANAGEMENT_PORT=$MANAGEMENT_PORT BIND_ADDRESS=127.0.0.1 \
    CACHE_CAPACITY=$ENTRIES GLOBAL_CACHE_EXPIRY=86400 CACHE_POLICY=$policy \
    java -Xmx$HEAP "-Xlog:gc:file=$gclog" -jar "$JAR" > "$log" 2>&1 &
  PROXY=$!
  PIDS+=("$PROXY")
  wait_for_log "$log" "Listening for HTTP" 60
  # Warm-up: the miss and hit paths run (and load their classes) before the empty heap is measured; then purge.
  wrk -t2 -c32 -d5s -s "$LOGS/walk.lua" "http://127.0.0.1:$PROXY_PORT" -- 0 "$ENTRIES" 2 >/dev/null
  curl -s -m 30 -X DELETE "localhost:$MANAGEMENT_PORT/cache" >/dev/null
  size=$(stats "$MANAGEMENT_PORT" | field size)
  [ "$size" = 0 ] || { echo "the purge left $size entries" >&2; exit 1; }
  empty_kb=$(heap_used_kb "$PROXY")
  gc_mark=$(wc -l < "$gclog")

  # Fill, CHUNK keys per wrk run: every run opens new connections (see the keep-alive check below for why).
  start=$EPOCHREALTIME
  stalled=""
  for ((first = 0; first < ENTRIES; first += CHUNK)); do
    last=$((first + CHUNK < ENTRIES ? first + CHUNK : ENTRIES))
    walk "$first" "$last" || { stalled="stalled at $(stats "$MANAGEMENT_PORT" | field size) entries"; break; }
    echo "   $policy: $last entries cached, $(ms_between "$start" "$EPOCHREALTIME") s"
  done
  fill_s=$(ms_between "$start" "$EPOCHREALTIME")
  gc_end=$(wc -l < "$gclog")
  alive=yes; kill -0 "$PROXY" 2>/dev/null || alive=no
  json=$(stats "$MANAGEMENT_PORT"); size=$(echo "$json" | field size)
  full_kb=0
  if [ "$alive" = yes ]; then full_kb=$(heap_used_kb "$PROXY"); fi
  committed_kb=0
  if [ "$alive" = yes ]; then
    committed_kb=$(jcmd_ "$PROXY" GC.heap_info | { grep -oE 'total [0-9]+K' || echo "total 0K"; } | head -1 | grep -oE '[0-9]+')
  fi
  # The collections while the cache filled: pauses (count, total, longest), full GCs, the fullest heap any GC found.
  pauses=$(sed -n "$((gc_mark + 1)),${gc_end}p" "$gclog" | { grep 'Pause' || true; } | awk '
    { ms = $NF; sub(/ms$/, "", ms); n++; total += ms; if (ms > max) max = ms; if (/Pause Full/) full++
      if (match($0, /[0-9]+M->/)) { before = substr($0, RSTART, RLENGTH - 3) + 0; if (before > peak) peak = before } }
    END { printf "%d|%.0f|%.0f|%d|%d", n, total, max, full, peak }')
  IFS='|' read -r gc_count gc_total gc_max gc_full gc_peak <<< "$pauses"
  non2xx=$({ grep -oE 'Non-2xx or 3xx responses: [0-9]+' "$LOGS/wrk-$policy.txt" || true; } | awk '{s += $NF} END {print s + 0}')
  oom=$(grep -c OutOfMemoryError "$log" || true)
  per_entry=$(awk -v e="$empty_kb" -v f="$full_kb" -v n="${size:-0}" 'BEGIN {printf "%.1f", n ? (f - e) * 1024 / n : 0}')
  fits=yes
  if [ -n "$stalled" ] || [ "$alive" = no ] || [ "$oom" != 0 ] || [ "${size:-0}" != "$ENTRIES" ] || [ "$gc_full" != 0 ]; then
    fits="**no**${stalled:+: $stalled}"
  fi
  echo "   $policy: empty $((empty_kb / 1024)) MB, full $((full_kb / 1024)) MB, $per_entry bytes/entry; fill ${fill_s} s; $json"
  fill_rows+="| \`$policy\` | ${size:-?} | $((empty_kb / 1024)) | $((full_kb / 1024)) | **$per_entry** | $((committed_kb / 1024)) | ${fill_s} s, non-2xx $non2xx | $gc_count pauses, $gc_total ms in all, longest $gc_max ms, $gc_full full GCs; fullest heap $gc_peak MB | $([ "$oom" = 0 ] && echo no || echo "**yes**") | $fits |"$'\n'

  # Keep-alive check: cache hits on the same 32 connections for 6 s; at 4 s, the live heap (a class histogram, which
  # is taken after a full GC, at once) with the connections open, against the same once wrk has closed them, per
  # request served meanwhile: what a request leaves behind on a connection that stays open; and which classes.
  if [ "$alive" = yes ] && [ -z "$stalled" ]; then
    hits0=$(stats "$MANAGEMENT_PORT" | field hits)
    wrk -t2 -c32 -d6s "http://127.0.0.1:$PROXY_PORT/key:0000000" > "$LOGS/keepalive-$policy.txt" 2>&1 &
    WRK=$!
    PIDS+=("$WRK")
    sleep 4
    jcmd_ "$PROXY" GC.class_histogram > "$LOGS/histogram-open-$policy.txt"
    hits1=$(stats "$MANAGEMENT_PORT" | field hits)
    wait "$WRK" || true
    sleep 1
    jcmd_ "$PROXY" GC.class_histogram > "$LOGS/histogram-closed-$policy.txt"
    total() { awk '/^Total/ {print $3}' "$1"; }
    open_b=$(total "$LOGS/histogram-open-$policy.txt"); closed_b=$(total "$LOGS/histogram-closed-$policy.txt")
    requests=$((hits1 - hits0))
    retained=$(awk -v o="$open_b" -v c="$closed_b" -v n="$requests" 'BEGIN {printf "%.0f", n ? (o - c) / n : 0}')
    # The classes whose live bytes grew most with the connections open, per request.
    top=$(awk -v n="$requests" 'FNR == NR && $1 ~ /:$/ {b[$4] = $3; i[$4] = $2; next}
      $1 ~ /:$/ && ($3 - b[$4]) > 0 {name = $4; sub(/\/0x[0-9a-f]+$/, "", name); printf "%d %s %.2f %.1f\n", $3 - b[$4], name, ($2 - i[$4]) / n, ($3 - b[$4]) / n}' \
      "$LOGS/histogram-closed-$policy.txt" "$LOGS/histogram-open-$policy.txt" | sort -rn | awk 'NR <= 6' \
      | awk '{printf "%s`%s` %s/request (%s B)", (NR > 1 ? ", " : ""), $2, $3, $4}')
    keepalive_rows+="| \`$policy\` | $requests | $((open_b / 1048576)) | $((closed_b / 1048576)) | **$retained** | $top |"$'\n'
  fi
  kill "$PROXY" 2>/dev/null; wait "$PROXY" || true
done

mkdir -p bench/results
out=bench/results/memory-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/memory.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS_PORT"
  echo "Load average before / after: $load_before / $(loadavg) (other processes on the machine show here)."
  echo
  echo "## 1. In process (CacheFootprint, \`java -Xmx$HEAP\`)"
  echo
  cat "$LOGS/footprint.md"
  echo
  echo "## 2. End to end (the proxy jar, \`java -Xmx$HEAP -jar\`, CACHE_CAPACITY=$ENTRIES, GLOBAL_CACHE_EXPIRY=86400)"
  echo
  echo "Redis seeded with $ENTRIES keys \`key:0000000\`.. of $VALUE_BYTES bytes; \`wrk -t2 -c32\` requests each key once"
  echo "(a miss each, so a Redis GET each), $CHUNK keys per wrk run, each run on new connections. Heap used after full"
  echo "GCs (\`jcmd GC.run\`, \`GC.heap_info\`) with the cache purged after a 5 s warm-up, and again with every key cached;"
  echo "bytes/entry is the difference over the entries. The proxy's heap only: Redis is another process. \"Fits\" means"
  echo "every entry cached, no OutOfMemoryError and no full GC (G1 under pressure) while filling."
  echo
  echo "| policy | entries (/cache/stats) | heap used, empty (MB) | heap used, full (MB) | bytes/entry | heap committed (MB) | fill time, wrk errors | GC while filling | OutOfMemoryError | fits |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$fill_rows"
  echo
  echo "## 3. Keep-alive: heap a request leaves behind while its connection stays open"
  echo
  echo "With the cache full: \`wrk -t2 -c32 -d6s\` on one cached key (hits); 4 s in, the live heap (\`jcmd"
  echo "GC.class_histogram\`, after a full GC) with the 32 connections open, and again after wrk has closed them; the"
  echo "difference over the requests served until then. Near 0 when nothing is kept per request; the classes that grew"
  echo "most show what is kept."
  echo
  echo "| policy | requests | live heap, connections open (MB) | live heap, closed (MB) | bytes kept per request | grew most (instances and bytes per request) |"
  echo "|---|---|---|---|---|---|"
  printf '%s' "$keepalive_rows"
} | tee "$out"
echo "written to $out"
