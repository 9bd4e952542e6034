# Helpers shared by the bench scripts; sourced, not run. The calling script has cd'ed to the
# repository root and set -euo pipefail.

JAR=${JAR:-target/redis-proxy.jar} # JAR=... to measure another build

free_port() { # a loopback port nothing listens on, below Linux's ephemeral range (32768-60999) where client sockets sit
  local p
  while :; do
    p=$((20000 + RANDOM % 12768))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

need_build() { # the shaded jar, and the bench classes (built here when missing or stale)
  [ -f "$JAR" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
  bench_classes
}

need_tools() { # tool...: installs wrk and redis-tools (redis-cli, redis-benchmark) with apt-get (as root) when missing;
  # any other tool (jcmd, jar) must come with the JDK
  local tool packages=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null && continue
    case "$tool" in
      wrk) packages+=(wrk) ;;
      redis-cli | redis-benchmark) packages+=(redis-tools) ;;
      *) echo "$tool not found: these scripts need a full JDK 17" >&2; exit 1 ;;
    esac
  done
  [ "${#packages[@]}" -gt 0 ] || return 0
  echo "installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${packages[@]}" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null && apt-get install -y -q "${packages[@]}" >/dev/null; }
}

redis_server_binary() { # dir: prints the redis-server on PATH, else the one the jar bundles, extracted into dir
  if command -v redis-server >/dev/null; then command -v redis-server; return; fi
  local resource
  case "$(uname -m)" in
    x86_64) resource=redis-server-6.2.6-v5-linux-amd64 ;;
    aarch64 | arm64) resource=redis-server-6.2.7-linux-arm64 ;;
    *) echo "no bundled redis-server for $(uname -m); put redis-server on PATH" >&2; exit 1 ;;
  esac
  (cd "$1" && jar xf "$OLDPWD/$JAR" "$resource" && chmod +x "$resource")
  echo "$1/$resource"
}

start_redis() { # dir port: starts redis-server on 127.0.0.1:port without persistence; sets REDIS_PID
  "$(redis_server_binary "$1")" --port "$2" --bind 127.0.0.1 --save '' --appendonly no --protected-mode no \
    > "$1/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start: $(tail -3 "$1/redis.log")" >&2
  exit 1
}

wait_for_log() { # file text [seconds]: waits until the file contains the text
  local deadline=$((SECONDS + ${3:-30}))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "timed out waiting for \"$2\" in $1:" >&2; tail -5 "$1" >&2; exit 1; }
    sleep 0.1
  done
}

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

machine() { # redis-port: one Markdown paragraph describing the machine, the JDK and Redis
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/{print $2}') GiB,"
  echo "$(uname -sr), $(java -version 2>&1 | head -1), Redis $(redis-cli -p "$1" info server | grep redis_version | cut -d: -f2 | tr -d '\r')."
}

write_miss_script() { # file name: a wrk script asking for a new absent key per request (each a Redis GET on a miss):
  # <prefix>name:miss:<random>:<counter>, where the prefix is $MISS_PREFIX when wrk runs ("/" if unset; Webdis: "/GET/")
  cat > "$1" <<LUA
counter = 0
prefix = os.getenv("MISS_PREFIX") or "/"
request = function()
  counter = counter + 1
  return wrk.format("GET", prefix .. "$2:miss:" .. math.random(1, 1000000000) .. ":" .. counter)
end
LUA
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# A server's own CPU: cpu_ticks PID before and after a run, then cpu_us_per_request TICKS REQUESTS gives the µs of its
# user + system time per answered request, so that the client's share of the shared cores does not count against it.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_us_per_request() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN{printf "%.1f", t / hz * 1e6 / n}'; }

track_processes() { # sets LOGS (a temporary directory) and PIDS; on exit, stops every PID in PIDS and removes LOGS
  LOGS=$(mktemp -d)
  PIDS=()
  trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$LOGS"' EXIT
}

# The bench sources (src/jmh: JMH benchmarks and the tools these scripts run) are compiled only with the jmh profile,
# into target/test-classes beside the tests; a plain mvn build removes them again.
BENCH_MARKER=target/test-classes/META-INF/BenchmarkList # written by JMH's annotation processor

bench_classes() { # compiles the bench classes when they are missing or a source or the pom is newer
  if [ ! -f "$BENCH_MARKER" ] || [ ! -d target/classes ] \
    || [ -n "$(find src pom.xml -newer "$BENCH_MARKER" -type f -print -quit)" ]; then
    echo "building the bench classes (mvn -Pjmh test-compile) ..." >&2
    mvn -B -q -Dstyle.color=never -Pjmh test-compile >&2
    touch "$BENCH_MARKER" # up to date now, even where the compiler found nothing to do
  fi
}

bench_classpath() { # compiles the bench classes when needed (bench_classes); prints their classpath
  bench_classes
  if [ ! -f target/bench.cp ] || [ pom.xml -nt target/bench.cp ]; then
    mvn -B -q -Dstyle.color=never -Pjmh dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/bench.cp >/dev/null
  fi
  echo "target/test-classes:target/classes:$(cat target/bench.cp)"
}
