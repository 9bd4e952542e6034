#!/usr/bin/env bash
# Two builds of the proxy side by side in one run: did a change move the hit paths? Each jar runs on its own embedded
# Redis; both are warmed, then measured in interleaved rounds (the order alternates each round), and the table gives
# the medians and new / old. Loopback only, about 3 minutes with the defaults.
#   HTTP hits:  wrk -t1 -c64 -d8s on one 10-byte key
#   HTTP misses: wrk -t1 -c64 -d8s on a new absent key per request (each one load from Redis)
#   RESP hits:  redis-benchmark -t get -c 50 -n 200000 -d 10, -P 1 and -P 16
# Build the old jar in a worktree, e.g.:
#   git worktree add /tmp/old <commit> && (cd /tmp/old && mvn -B -q package -DskipTests -Dcds.skip=true)
# Or one jar under two configurations: OLD_ENV and NEW_ENV add settings to one side, e.g.
#   NEW_ENV="OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318" bench/compare.sh target/redis-proxy.jar
# Usage: [OLD_ENV=...] [NEW_ENV=...] bench/compare.sh OLD_JAR [NEW_JAR (target/redis-proxy.jar)] [rounds (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
OLD=${1:?usage: bench/compare.sh OLD_JAR [NEW_JAR] [rounds]}
NEW=${2:-$JAR}
ROUNDS=${3:-8}
[ -f "$OLD" ] && [ -f "$NEW" ] || { echo "no such jar: $OLD or $NEW" >&2; exit 1; }
need_tools wrk redis-benchmark redis-cli
track_processes

start() { # name jar [settings]: starts a proxy with HTTP and RESP ports on an embedded Redis; sets <name>_HTTP, _RESP, _REDIS
  local redis http resp
  redis=$(free_port); http=$(free_port); resp=$(free_port)
  # shellcheck disable=SC2086 # the settings are words on purpose
  env ${3:-} REDIS_ADDRESS=embedded:$redis PROXY_PORT=$http RESP_PORT=$resp MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
    java -jar "$2" > "$LOGS/$1.log" 2>&1 &
  PIDS+=("$!")
  wait_for_log "$LOGS/$1.log" "Listening for HTTP" 60
  redis-cli -p "$redis" set hot 0123456789 >/dev/null
  redis-cli -p "$redis" set key:__rand_int__ 0123456789 >/dev/null
  printf -v "${1}_HTTP" %s "$http"; printf -v "${1}_RESP" %s "$resp"; printf -v "${1}_REDIS" %s "$redis"
}
http_rps() { wrk -t1 -c64 -d8s "http://127.0.0.1:$1/hot" | awk '/Requests\/sec/{print $2}'; }
write_miss_script "$LOGS/unique.lua" compare
miss_rps() { wrk -t1 -c64 -d8s -s "$LOGS/unique.lua" "http://127.0.0.1:$1" | awk '/Requests\/sec/{print $2}'; }
resp_rps() { # port pipeline
  redis-benchmark -p "$1" -t get -c 50 -n 200000 -d 10 -P "$2" -q 2>/dev/null \
    | tr '\r' '\n' | grep -oE "^GET: [0-9.]+" | awk '{print $2}' | tail -1
}
measure() { # row port
  case $1 in
    http) http_rps "$2" ;;
    http-miss) miss_rps "$2" ;;
    resp-P1) resp_rps "$2" 1 ;;
    resp-P16) resp_rps "$2" 16 ;;
  esac
}

start old "$OLD" "${OLD_ENV:-}"; start new "$NEW" "${NEW_ENV:-}"
echo "warming up both (JIT) ..."
for port in $old_HTTP $new_HTTP; do
  wrk -t1 -c64 -d5s "http://127.0.0.1:$port/hot" >/dev/null
  wrk -t1 -c64 -d10s -s "$LOGS/unique.lua" "http://127.0.0.1:$port" >/dev/null
done
for port in $old_RESP $new_RESP; do redis-benchmark -p "$port" -t get -c 50 -n 300000 -d 10 -P 16 -q >/dev/null 2>&1; done

declare -A results
rows="http http-miss resp-P1 resp-P16"
for round in $(seq "$ROUNDS"); do
  for row in $rows; do
    [[ $row == http* ]] && { o=$old_HTTP; n=$new_HTTP; } || { o=$old_RESP; n=$new_RESP; }
    if (( round % 2 )); then
      results[old,$row]+="$(measure "$row" "$o") "; results[new,$row]+="$(measure "$row" "$n") "
    else
      results[new,$row]+="$(measure "$row" "$n") "; results[old,$row]+="$(measure "$row" "$o") "
    fi
  done
  echo "round $round done (load $(loadavg))"
done

mkdir -p bench/results
out=bench/results/compare-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/compare.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$new_REDIS"
  echo
  echo "old: \`$OLD\`${OLD_ENV:+ with $OLD_ENV}; new: \`$NEW\`${NEW_ENV:+ with $NEW_ENV}. Median of $ROUNDS interleaved rounds (requests/s); http-miss is a new absent key per request, the rest hits:"
  echo
  echo "| row | old | new | new / old (medians) | new / old (median of the rounds' ratios) |"
  echo "|---|---|---|---|---|"
  for row in $rows; do
    a=$(echo "${results[old,$row]}" | median); b=$(echo "${results[new,$row]}" | median)
    paired=$(paste -d' ' <(echo "${results[old,$row]}" | tr ' ' '\n' | grep -v '^$') \
      <(echo "${results[new,$row]}" | tr ' ' '\n' | grep -v '^$') | awk '{printf "%f ", $2/$1}' | median)
    echo "| $row | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}') | $(printf %.2f "$paired") |"
  done
  echo
  echo "The machine's speed drifts within a run; the paired ratio (each round's new / old, the two measured back to"
  echo "back) is the steadier figure."
  echo
  echo "Every round (old / new): "
  for row in $rows; do echo "- $row: old ${results[old,$row]}/ new ${results[new,$row]}"; done
} | tee "$out"
echo "written to $out"
