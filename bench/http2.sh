#!/usr/bin/env bash
# Cache hits over HTTP/1.1 (wrk) and HTTP/2 (h2load), in clear text and over TLS, interleaved rounds. Two proxies on
# one Redis, one in clear text and one with TLS_CERT_FILE (a certificate this script makes with openssl); only one is
# loaded at a time:
#   http1:      wrk -t1 -c64                   64 connections, one request at a time each
#   h2c:        h2load -t1 -c64 -m1            64 connections, one stream at a time each (the same concurrency)
#   h2c-mux:    h2load -t1 -c8 -m8             8 connections, 8 streams each (64 in flight, multiplexed)
#   https1:     wrk -t1 -c64 over TLS          as http1; the connections stay open, so this measures the
#                                              encryption of steady traffic, not handshakes
#   h2:         h2load -t1 -c64 -m1 over TLS   h2 chosen by ALPN
#   h2-mux:     h2load -t1 -c8 -m8 over TLS
#   bare-http1, bare-h2c: http1 and h2c against ConstantServer (bench sources: a bare Reactor Netty server that answers
#                         the same bytes, h2c on), to tell Reactor Netty's (and h2load's) HTTP/2 cost from the proxy's
# Loopback only, bounded. Installs wrk and nghttp2-client (h2load) with apt-get when missing.
# Usage: bench/http2.sh [rounds (3)] [seconds (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
need_build
need_tools wrk redis-cli
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client; }
track_processes
CP=$(bench_classpath)
REDIS_PORT=$(free_port); HTTP=$(free_port); HTTPS=$(free_port); BARE=$(free_port)
java -Dconstant.h2c=true -cp "$CP" io.github.redisproxy.bench.ConstantServer "$BARE" 10 > "$LOGS/bare.log" 2>&1 &
PIDS+=("$!"); BARE_PID=$!
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$HTTP MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  java -jar "$JAR" > "$LOGS/proxy.log" 2>&1 &
PIDS+=("$!"); CLEAR_PID=$!
wait_for_log "$LOGS/proxy.log" "Listening for HTTP" 60
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$LOGS/key.pem" -out "$LOGS/cert.pem" 2> /dev/null
REDIS_ADDRESS=127.0.0.1:$REDIS_PORT PROXY_PORT=$HTTPS MANAGEMENT_PORT=0 BIND_ADDRESS=127.0.0.1 \
  TLS_CERT_FILE="$LOGS/cert.pem" TLS_KEY_FILE="$LOGS/key.pem" java -jar "$JAR" > "$LOGS/proxy-tls.log" 2>&1 &
PIDS+=("$!"); TLS_PID=$!
wait_for_log "$LOGS/proxy-tls.log" "Listening for HTTP" 60
redis-cli -p "$REDIS_PORT" set hot 0123456789 > /dev/null
URL="http://127.0.0.1:$HTTP/hot"
TLS_URL="https://127.0.0.1:$HTTPS/hot"
BARE_URL="http://127.0.0.1:$BARE/hot"
wait_for_log "$LOGS/bare.log" "Listening on" 60
h2_rps() { local url=$1; shift; h2load -t1 "$@" -D "$SECONDS_PER_RUN" "$url" | awk '/^finished in/ {gsub(",", "", $4); print $4}'; }
measure() {
  case $1 in
    http1) wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" "$URL" | awk '/Requests\/sec/ {print $2}' ;;
    h2c) h2_rps "$URL" -c64 -m1 ;;
    h2c-mux) h2_rps "$URL" -c8 -m8 ;;
    https1) wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" "$TLS_URL" | awk '/Requests\/sec/ {print $2}' ;;
    h2) h2_rps "$TLS_URL" -c64 -m1 ;;
    h2-mux) h2_rps "$TLS_URL" -c8 -m8 ;;
    bare-http1) wrk -t1 -c64 -d"${SECONDS_PER_RUN}s" "$BARE_URL" | awk '/Requests\/sec/ {print $2}' ;;
    bare-h2c) h2_rps "$BARE_URL" -c64 -m1 ;;
  esac
}
echo "warming up (JIT) ..."
wrk -t1 -c64 -d10s "$URL" > /dev/null; h2load -t1 -c64 -m1 -D 10 "$URL" > /dev/null
wrk -t1 -c64 -d10s "$TLS_URL" > /dev/null; h2load -t1 -c64 -m1 -D 10 "$TLS_URL" > /dev/null
wrk -t1 -c64 -d10s "$BARE_URL" > /dev/null; h2load -t1 -c64 -m1 -D 10 "$BARE_URL" > /dev/null
grep -q 'OpenSSL' "$LOGS/proxy-tls.log" && TLS_IMPL=OpenSSL || TLS_IMPL="the JDK"
# The server's own CPU per answered request (its process' user + system time over the run), so that the client's
# share of the 2 cores (wrk's and h2load's TLS, HPACK) does not count against the server.
server_of() { case $1 in https1 | h2 | h2-mux) echo "$TLS_PID" ;; bare-*) echo "$BARE_PID" ;; *) echo "$CLEAR_PID" ;; esac; }
declare -A runs cpu
rows="http1 h2c h2c-mux https1 h2 h2-mux bare-http1 bare-h2c"
for round in $(seq "$ROUNDS"); do
  for row in $rows; do
    pid=$(server_of "$row"); before=$(cpu_ticks "$pid")
    rps=$(measure "$row")
    used=$(( $(cpu_ticks "$pid") - before ))
    runs[$row]+="$rps "
    cpu[$row]+="$(cpu_us_per_request "$used" "$(awk -v r="$rps" -v s="$SECONDS_PER_RUN" 'BEGIN{print r * s}')") "
  done
  echo "round $round: http1 ${runs[http1]% } ..." >&2
done
mkdir -p bench/results
out=bench/results/http2-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/http2.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS_PORT"
  echo
  echo "Cache hits on one 10-byte key, ${SECONDS_PER_RUN} s per run, median of $ROUNDS interleaved rounds (requests/s);"
  echo "TLS by $TLS_IMPL, TLS 1.3, RSA 2048 (the rows over TLS are the second proxy's):"
  echo
  echo "| row | requests/s | / http1 | / https1 | server CPU µs/request |"
  echo "|---|---|---|---|---|"
  base=$(echo "${runs[http1]}" | median)
  tls_base=$(echo "${runs[https1]}" | median)
  for row in $rows; do
    m=$(echo "${runs[$row]}" | median)
    c=$(echo "${cpu[$row]}" | median)
    echo "| $row | $m | $(awk -v a="$m" -v b="$base" 'BEGIN{printf "%.2f", a/b}') | $(awk -v a="$m" -v b="$tls_base" 'BEGIN{printf "%.2f", a/b}') | $c |"
  done
  echo
  echo "Every round: "
  for row in $rows; do echo "- $row: ${runs[$row]} (server CPU µs/request: ${cpu[$row]})"; done
} | tee "$out"
echo "written to $out"
