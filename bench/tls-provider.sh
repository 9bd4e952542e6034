#!/usr/bin/env bash
# Cache hits over HTTPS (wrk -t1 -c64, connections kept open) with OpenSSL (netty-tcnative, the default where it loads)
# and with the JDK's provider (-Dio.netty.handler.ssl.noOpenSsl=true), two proxies on one Redis, interleaved rounds;
# requests/s and the proxy's own CPU per request (user + system time of its process over the run).
# Loopback only, bounded. Usage: bench/tls-provider.sh [rounds (3)] [seconds (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
[ -f "$JAR" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
need_tools wrk redis-cli
track_processes
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$LOGS/key.pem" -out "$LOGS/cert.pem" 2> /dev/null
REDIS_PORT=$(free_port); OPENSSL_PORT=$(free_port); JDK_PORT=$(free_port)
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$OPENSSL_PORT MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  TLS_CERT_FILE="$LOGS/cert.pem" TLS_KEY_FILE="$LOGS/key.pem" java -jar "$JAR" > "$LOGS/openssl.log" 2>&1 &
PIDS+=("$!"); OPENSSL_PID=$!
wait_for_log "$LOGS/openssl.log" "Listening for HTTP" 60
REDIS_ADDRESS=127.0.0.1:$REDIS_PORT PROXY_PORT=$JDK_PORT MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  TLS_CERT_FILE="$LOGS/cert.pem" TLS_KEY_FILE="$LOGS/key.pem" \
  java -Dio.netty.handler.ssl.noOpenSsl=true -jar "$JAR" > "$LOGS/jdk.log" 2>&1 &
PIDS+=("$!"); JDK_PID=$!
wait_for_log "$LOGS/jdk.log" "Listening for HTTP" 60
grep -q 'OpenSSL' "$LOGS/openssl.log" || { echo "netty-tcnative did not load here: nothing to compare" >&2; exit 1; }
redis-cli -p "$REDIS_PORT" set hot 0123456789 > /dev/null
echo "warming up (JIT) ..."
for port in "$OPENSSL_PORT" "$JDK_PORT"; do wrk -t1 -c64 -d10s "https://127.0.0.1:$port/hot" > /dev/null; done
declare -A runs cpu
for round in $(seq "$ROUNDS"); do
  for row in openssl jdk; do
    if [ "$row" = openssl ]; then port=$OPENSSL_PORT; pid=$OPENSSL_PID; else port=$JDK_PORT; pid=$JDK_PID; fi
    before=$(cpu_ticks "$pid")
    rps=$(wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" "https://127.0.0.1:$port/hot" | awk '/Requests\/sec/ {print $2}')
    used=$(( $(cpu_ticks "$pid") - before ))
    runs[$row]+="$rps "
    cpu[$row]+="$(cpu_us_per_request "$used" "$(awk -v r="$rps" -v s="$SECONDS_PER_RUN" 'BEGIN{print r * s}')") "
  done
  echo "round $round done" >&2
done
mkdir -p bench/results
out=bench/results/tls-provider-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/tls-provider.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS_PORT"
  echo
  echo "HTTPS cache hits on one 10-byte key, wrk -t1 -c64, ${SECONDS_PER_RUN} s per run, median of $ROUNDS interleaved rounds; TLS 1.3, RSA 2048:"
  echo
  echo "| provider | requests/s | / jdk | server CPU µs/request |"
  echo "|---|---|---|---|"
  base=$(echo "${runs[jdk]}" | median)
  for row in openssl jdk; do
    m=$(echo "${runs[$row]}" | median)
    echo "| $row | $m | $(awk -v a="$m" -v b="$base" 'BEGIN{printf "%.2f", a/b}') | $(echo "${cpu[$row]}" | median) |"
  done
  echo
  echo "Every round: "
  for row in openssl jdk; do echo "- $row: ${runs[$row]} (server CPU µs/request: ${cpu[$row]})"; done
} | tee "$out"
echo "written to $out"
