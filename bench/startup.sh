#!/usr/bin/env bash
# The performance issue's start-up target, "start-up to the first served request <= 1.5 s", measured: the wall time
# from launching `java ... -jar target/redis-proxy.jar` to the first HTTP 200 for a key that is in Redis (the first
# request is a miss, so it includes a Redis GET), RUNS times per variant, variants interleaved; median, min and max.
# Variants: the proxy with default JVM flags; with flags a user can set (-XX:TieredStopAtLevel=1, -XX:+UseSerialGC,
# the AppCDS archive the build ships next to the jar (target/redis-proxy.jsa, the README's run command), all three,
# and -Xshare:off for what the JDK's default class data sharing gives); the proxy with REDIS_ADDRESS=embedded (first answer: a 404, the new Redis is
# empty); and the bare Reactor Netty server (ConstantServer, bench sources, from the same jar) as the baseline.
# The product's defaults are not changed: these are measurements for choosing.
# Then where the time goes: StartupPhases (bench sources) runs ProxyServer.start's steps in the same order in a fresh
# JVM and times each; medians of PHASE_RUNS runs.
# Timing: bash itself launches the JVM and polls, without forking: $EPOCHREALTIME before the launch; each probe is a
# GET over bash's /dev/tcp; between probes `read -t 0.005` (a 5 ms wait). The resolution is the probe interval,
# about 5-6 ms. Each JVM is stopped with SIGTERM and waited for before the next starts.
# Redis: the redis-server on PATH, else the binary the jar bundles, already running before the first launch.
# Needs the jar (mvn -B -q package -DskipTests) and a JDK; builds the bench classes (src/jmh, mvn -Pjmh test-compile)
# when they are missing or older than a source file; installs redis-tools when missing.
# Usage: bench/startup.sh [runs] [phase-runs]      (defaults: 10 5; about 4 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
RUNS=${1:-10}
PHASE_RUNS=${2:-5}
KEY=startup:key
need_build
need_tools jcmd jar redis-cli

track_processes
load_before=$(loadavg)
REDIS_PORT=$(free_port)
start_redis "$LOGS" "$REDIS_PORT"
PIDS+=("$REDIS_PID")
redis-cli -p "$REDIS_PORT" set "$KEY" ready >/dev/null
exec {SLEEP_FD}<> <(:) # a pipe nobody writes to: `read -t` on it waits without forking a sleep

probe() { # port status: whether GET /KEY answers with that HTTP status now
  local fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$KEY" >&"$fd" 2>/dev/null || true
  read -r -t 2 -u "$fd" line || line=""
  exec {fd}>&-
  [[ $line == "HTTP/1.1 $2"* ]]
}

# launch LOG STATUS PORT COMMAND...: runs COMMAND in the background, polls until GET /KEY answers STATUS on PORT,
# sets MS to the milliseconds from launch to that answer, then stops the JVM (SIGTERM) and waits for it. An argument
# @LAUNCHED@ becomes the launch time in microseconds since the epoch. Returns 1 if the JVM exits or takes over 60 s.
launch() {
  local log=$1 status=$2 port=$3 pid start
  shift 3
  start=$EPOCHREALTIME
  "${@//@LAUNCHED@/${start/./}}" > "$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  local deadline=$((SECONDS + 60))
  until probe "$port" "$status"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
      return 1
    fi
    read -r -t 0.005 -u "$SLEEP_FD" || true
  done
  MS=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", (b - a) * 1000}')
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

LABELS=(
  "proxy, default JVM flags"
  "proxy, \`-XX:TieredStopAtLevel=1\`"
  "proxy, \`-XX:+UseSerialGC\`"
  "proxy, the shipped AppCDS archive \`-XX:SharedArchiveFile=target/redis-proxy.jsa\` (the README's command)"
  "proxy, AppCDS + \`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC\`"
  "proxy, \`-Xshare:off\` (no class data sharing at all)"
  "proxy, \`REDIS_ADDRESS=embedded\` (starts its own redis-server; first answer: a 404)"
  "bare Reactor Netty server (\`ConstantServer\`, same jar), default JVM flags"
)
BARE=7
EMBEDDED=6
PHASES=8 # StartupPhases, not a row of the table
JSA=target/redis-proxy.jsa
FLAGS=( # split on spaces on purpose; $LOGS (mktemp) has none
  ""
  "-XX:TieredStopAtLevel=1"
  "-XX:+UseSerialGC"
  "-XX:SharedArchiveFile=$JSA"
  "-XX:SharedArchiveFile=$JSA -XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
  "-Xshare:off"
  ""
  ""
)
variant() { # variant-number extra-java-flags...: sets CMD, PORT and STATUS for one launch of that variant
  local v=$1
  shift
  PORT=$(free_port)
  local management
  management=$(free_port)
  local redis=127.0.0.1:$REDIS_PORT
  STATUS=200
  if [ "$v" = "$EMBEDDED" ]; then redis=embedded; STATUS=404; fi
  if [ "$v" = "$BARE" ]; then
    CMD=(java "$@" -cp "target/test-classes:$JAR" io.github.redisproxy.bench.ConstantServer "$PORT" 10)
  elif [ "$v" = "$PHASES" ]; then
    CMD=(env REDIS_ADDRESS="$redis" PROXY_PORT="$PORT" MANAGEMENT_PORT="$management" BIND_ADDRESS=127.0.0.1
      java "$@" -Dbench.launched=@LAUNCHED@ -cp "target/test-classes:$JAR" io.github.redisproxy.bench.StartupPhases)
  else
    # shellcheck disable=SC2206
    local flags=(${FLAGS[$v]})
    CMD=(env REDIS_ADDRESS="$redis" PROXY_PORT="$PORT" MANAGEMENT_PORT="$management" BIND_ADDRESS=127.0.0.1
      java "${flags[@]}" "$@" -jar "$JAR")
  fi
}

# run VARIANT LOG [java-flags...]: one launch of the variant (sets MS); a port taken meanwhile by another process
# (another bench, a client socket) gets new ports, up to 3 times; any other failure ends the script.
run() {
  local v=$1 log=$2
  shift 2
  for _ in 1 2 3; do
    variant "$v" "$@"
    if launch "$log" "$STATUS" "$PORT" "${CMD[@]}"; then return; fi
    grep -q "Address already in use" "$log" || break
  done
  echo "no $STATUS from: ${CMD[*]}; its log ends:" >&2
  tail -5 "$log" >&2
  exit 1
}

# The AppCDS archive the build made (mvn package runs `cds-training`); it must be the one made for this jar.
if [ ! -f "$JSA" ] || [ "$JSA" -ot "$JAR" ]; then
  echo "$JSA is missing or older than $JAR: run mvn -B -q package -DskipTests" >&2
  exit 1
fi
# Whether each variant that names the archive uses it: classes loaded from its top layer, in one run each.
cds_report=""
for v in 3 4; do
  run "$v" "$LOGS/cds-check-$v.log" "-Xlog:class+load:file=$LOGS/classes-$v.txt"
  top=$(grep -c 'shared objects file (top)' "$LOGS/classes-$v.txt" || true)
  base=$(grep -c 'shared objects file$' "$LOGS/classes-$v.txt" || true)
  other=$(grep -vc 'shared objects file' "$LOGS/classes-$v.txt" || true)
  cds_report+="- ${LABELS[$v]}: $top classes from the AppCDS archive, $base from the JDK's default archive, $other from the jar or generated at run time"$'\n'
done

echo "warm-up launch (file cache) ..."
run 0 "$LOGS/warmup.log"
run "$BARE" "$LOGS/warmup-bare.log"
declare -A times started
for round in $(seq "$RUNS"); do
  line="round $round:"
  for v in "${!LABELS[@]}"; do
    run "$v" "$LOGS/run-$v-$round.log"
    times[$v]+="$MS "
    if [ "$v" != "$BARE" ]; then # the proxy's own figure: from its "Starting" line to its "Listening" line
      started[$v]+="$(grep -oE 'started in [0-9]+ ms' "$LOGS/run-$v-$round.log" | grep -oE '[0-9]+') "
    fi
    line+=" $MS"
  done
  echo "$line ms"
done

echo "start-up phases (StartupPhases) x $PHASE_RUNS ..."
declare -A phase_ms phase_at
phase_names=()
phases_first=""
for run in $(seq "$PHASE_RUNS"); do
  run "$PHASES" "$LOGS/phases-$run.log"
  phases_first+="$MS "
  while read -r _ name at step; do
    [ -n "${phase_ms[$name]+x}" ] || phase_names+=("$name")
    phase_ms[$name]+="$step "
    phase_at[$name]+="$at "
  done < <(grep '^phase ' "$LOGS/phases-$run.log")
done

stat() { # numbers...: "median | min | max"
  echo "$*" | tr ' ' '\n' | grep -v '^$' | sort -n \
    | awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.0f | %.0f | %.0f", m, a[1], a[NR]}'
}
bare_median=$(echo "${times[$BARE]}" | median)
mkdir -p bench/results
out=bench/results/startup-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/startup.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS_PORT"
  echo "Load average before / after: $load_before / $(loadavg) (other processes on the machine show here)."
  echo
  echo "Launch of \`java ... -jar target/redis-proxy.jar\` (Redis already running and holding the key) to the first"
  echo "HTTP 200 for that key, which is a miss and so includes a Redis GET. Bash launches the JVM and polls with a GET over"
  echo "\`/dev/tcp\` every 5 ms (no forks; the resolution is the poll interval, 5-6 ms). $RUNS runs per variant,"
  echo "variants interleaved; each JVM is stopped (SIGTERM) before the next starts. \"started in\" is the proxy's own"
  echo "log figure, from its \"Starting\" line to its \"Listening\" line (after the JVM start-up, before the first request)."
  echo
  echo "| variant | to first 200: median ms | min | max | median / bare | proxy's \"started in\", median ms |"
  echo "|---|---|---|---|---|---|"
  for v in "${!LABELS[@]}"; do
    m=$(echo "${times[$v]}" | median)
    s="-"; [ "$v" = "$BARE" ] || s=$(echo "${started[$v]}" | median)
    echo "| ${LABELS[$v]} | $(stat ${times[$v]}) | $(awk -v a="$m" -v b="$bare_median" 'BEGIN {printf "%.2f", a / b}') | $s |"
  done
  echo
  echo "AppCDS: the archive the build ships (\`mvn package\` runs \`java -XX:ArchiveClassesAtExit=target/redis-proxy.jsa"
  echo "-jar target/redis-proxy.jar cds-training\`). Classes loaded in one check run of each variant that uses it:"
  echo
  printf '%s' "$cds_report"
  echo
  echo "## Where the proxy's start-up goes (StartupPhases, median of $PHASE_RUNS runs)"
  echo
  echo "\`ProxyServer.start\`'s steps in the same order in a fresh JVM (default flags), each timed; a step's time"
  echo "includes loading and initializing the classes it is the first to use. Launch to first 200 in these runs: median"
  echo "$(echo "$phases_first" | median) ms."
  echo
  echo "| step | median ms | median ms since launch at its end |"
  echo "|---|---|---|"
  for name in "${phase_names[@]}"; do
    echo "| $name | $(echo "${phase_ms[$name]}" | median) | $(echo "${phase_at[$name]}" | median) |"
  done
  echo
  echo "The connection to Redis and \`CLIENT TRACKING\` run in the background from \`lettuce-backend-start-rest\` on; the last"
  echo "row's time is how long the main thread still waited for them after binding the HTTP port."
} | tee "$out"
echo "written to $out"
