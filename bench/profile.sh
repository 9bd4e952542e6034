#!/usr/bin/env bash
# Where the proxy's CPU goes on one path: runs the proxy with a JFR recording (the "profile" settings: a Java stack
# sample every 10 ms per running thread), drives one workload against it, and prints the hottest frames:
#   self       the method on top of the stack (where the CPU is spent)
#   inclusive  the proxy's, Reactor's, Lettuce's and Netty's own methods anywhere on the stack (what they cost with
#              everything they call), counted once per sample
# Only threads running Java code are sampled: time in system calls (socket reads and writes) is not in these shares.
# Workloads: resp-P16 | resp-P1 (redis-benchmark GET hits), http-hit (wrk, one hot key), http-miss (wrk, a new absent
# key per request: each one Redis GET). Loopback only, about 30 s. Needs only the JDK's jfr tool.
# Usage: bench/profile.sh workload [seconds (10)] [jar (target/redis-proxy.jar)] [top (15)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
WORKLOAD=${1:?usage: bench/profile.sh resp-P16|resp-P1|http-hit|http-miss [seconds] [jar] [top]}
SECONDS_PER_RUN=${2:-10}
JAR=${3:-$JAR}
TOP=${4:-15}
[ -f "$JAR" ] || { echo "no $JAR: build first (mvn -B -q package -DskipTests)" >&2; exit 1; }
need_tools wrk redis-benchmark redis-cli
track_processes

# Only the stack samples (every 10 ms per thread running Java code), so that the recording itself costs little:
# JFR's own "profile" settings add events that slow a server answering tens of thousands of requests per second.
cat > "$LOGS/samples.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="samples">
  <event name="jdk.ExecutionSample"><setting name="enabled">true</setting><setting name="period">10 ms</setting></event>
</configuration>
JFC
# JFR is started with the JVM (a recording of its own, then discarded), because starting it later deoptimises the
# warmed-up code that is to be profiled.
REDIS=$(free_port); HTTP=$(free_port); RESP=$(free_port)
REDIS_ADDRESS=embedded:$REDIS PROXY_PORT=$HTTP RESP_PORT=$RESP MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  GLOBAL_CACHE_EXPIRY=3600 java -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  -XX:FlightRecorderOptions:stackdepth=256 \
  -XX:StartFlightRecording:name=startup,settings="$LOGS/samples.jfc",maxage=1s -jar "$JAR" \
  > "$LOGS/proxy.log" 2>&1 &
PIDS+=("$!"); PROXY_PID=$!
wait_for_log "$LOGS/proxy.log" "Listening for HTTP" 60
redis-cli -p "$REDIS" set hot 0123456789 > /dev/null
redis-cli -p "$REDIS" set key:__rand_int__ 0123456789 > /dev/null
write_miss_script "$LOGS/miss.lua" profile
run() { # seconds
  case $WORKLOAD in
    resp-P16 | resp-P1)
      local deadline=$((SECONDS + $1))
      while [ "$SECONDS" -lt "$deadline" ]; do
        redis-benchmark -p "$RESP" -t get -c 50 -n 200000 -d 10 -P "${WORKLOAD#resp-P}" -q > /dev/null 2>&1
      done ;;
    http-hit) wrk -t1 -c64 -d"$1s" "http://127.0.0.1:$HTTP/hot" | awk '/Requests\/sec/ {print "  " $0}' ;;
    http-miss) wrk -t1 -c64 -d"$1s" -s "$LOGS/miss.lua" "http://127.0.0.1:$HTTP" | awk '/Requests\/sec/ {print "  " $0}' ;;
    *) echo "unknown workload $WORKLOAD" >&2; exit 2 ;;
  esac
}
echo "warming up (JIT, 15 s) ..." >&2
run 15 | sed 's/^/  without the recording:/' >&2
jcmd "$PROXY_PID" JFR.start name=profile settings="$LOGS/samples.jfc" > /dev/null
run "$SECONDS_PER_RUN" | sed 's/^/  while recorded:/' >&2
jcmd "$PROXY_PID" JFR.dump name=profile filename="$LOGS/profile.jfr" > /dev/null
jcmd "$PROXY_PID" JFR.stop name=profile > /dev/null

jfr print --events jdk.ExecutionSample "$LOGS/profile.jfr" | awk '
  /stackTrace = \[/ { inStack = 1; depth = 0; split("", seen); samples++; next }
  inStack && /^[[:space:]]*\]/ { inStack = 0; next }
  inStack {
    frame = $0; sub(/^[[:space:]]+/, "", frame); sub(/[[:space:]]+line:.*/, "", frame); sub(/\(.*/, "", frame)
    if (frame == "...") next
    if (depth++ == 0) self[frame]++
    if (frame ~ /^(io\.github\.redisproxy|reactor\.|io\.lettuce|io\.netty)/ && !(frame in seen)) { seen[frame] = 1; incl[frame]++ }
  }
  END {
    print samples > "/dev/stderr"
    for (f in self) printf "self %.1f %s\n", 100 * self[f] / samples, f
    for (f in incl) printf "incl %.1f %s\n", 100 * incl[f] / samples, f
  }' 2> "$LOGS/samples" > "$LOGS/frames"
echo "$(cat "$LOGS/samples") samples ($WORKLOAD, $SECONDS_PER_RUN s)"
echo; echo "self:"
awk '$1 == "self" {printf "  %5.1f%%  %s\n", $2, $3}' "$LOGS/frames" | sort -k1 -rn | head -"$TOP"
echo; echo "inclusive (the proxy, Reactor, Lettuce, Netty):"
awk '$1 == "incl" {printf "  %5.1f%%  %s\n", $2, $3}' "$LOGS/frames" | sort -k1 -rn | head -"$TOP"
