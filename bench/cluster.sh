#!/usr/bin/env bash
# The proxy in front of a Redis Cluster beside the proxy in front of one Redis, in one run, loopback only, bounded in
# time (about 4 minutes by default):
#   1. hits (one warm key) and misses (a unique absent key per request, each a Redis GET) through a proxy on
#      REDIS_ADDRESS=embedded (one redis-server) and through a proxy on REDIS_ADDRESS=embedded-cluster (3 masters,
#      3 replicas, cluster-node-timeout 2 s), wrk interleaved ROUNDS times; medians and cluster/standalone ratios;
#      beside them, the same GETs straight to the standalone Redis and to the cluster with redis-benchmark: the
#      baseline ratio, what the cluster itself costs on these cores;
#   2. the failover gap, from the first failed read to the first successful one, reading one key of a shard through
#      the cluster proxy every ~10 ms: for a graceful failover (CLUSTER FAILOVER on the replica) and a forced one
#      (kill -9 of the master; its replica is promoted after the node timeout), then stale reads after the promotion:
#      50 writes of increasing values through the new master, each read back through the proxy right after its
#      acknowledgement; a read that answers an older value counts as stale.
# Needs the jar (mvn -B -q package -DskipTests); installs wrk and redis-tools with apt-get (as root) when missing.
# Usage: bench/cluster.sh [rounds (3)] [seconds-per-run (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
WRK_OPTS=${WRK_OPTS:--t1 -c64}
[ -f "$JAR" ] || { echo "build first: mvn -B -q package -DskipTests" >&2; exit 1; }
need_tools wrk redis-cli

REDIS_PORT=$(free_port); SOLO_PORT=$(free_port); CLUSTER_PORT=$(free_port); CLUSTER_MGMT=$(free_port)
track_processes
REDIS_ADDRESS=embedded:$REDIS_PORT PROXY_PORT=$SOLO_PORT BIND_ADDRESS=127.0.0.1 MANAGEMENT_PORT=0 \
  GLOBAL_CACHE_EXPIRY=3600 java -jar "$JAR" > "$LOGS/solo.log" 2>&1 &
PIDS+=($!)
REDIS_ADDRESS=embedded-cluster PROXY_PORT=$CLUSTER_PORT BIND_ADDRESS=127.0.0.1 MANAGEMENT_PORT=$CLUSTER_MGMT \
  GLOBAL_CACHE_EXPIRY=3600 java -jar "$JAR" > "$LOGS/cluster.log" 2>&1 &
PIDS+=($!)
wait_for_log "$LOGS/cluster.log" "Found cluster topology" 60
# "Redis Cluster up in N ms (...): master 127.0.0.1:P slots A-B replicas 127.0.0.1:R; ..."
NODES=$(grep -o 'Redis Cluster up.*' "$LOGS/cluster.log" | grep -o '127.0.0.1:[0-9]*' | cut -d: -f2 | sort -u)
live_node() { # any node that answers (one of them is killed below)
  local port
  for port in $NODES; do redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "$port"; return; }; done
}
SEED=$(live_node)
for _ in $(seq 200); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" set bench:hot 0123456789 >/dev/null
redis-cli -c -p "$SEED" set bench:hot 0123456789 >/dev/null
for port in "$SOLO_PORT" "$CLUSTER_PORT"; do
  for _ in $(seq 200); do [ "$(curl -s "localhost:$port/bench:hot")" = 0123456789 ] && break; sleep 0.1; done
done

cat > "$LOGS/unique.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/bench:miss:" .. math.random(1, 1000000000) .. ":" .. counter)
end
LUA
# shellcheck disable=SC2086 # WRK_OPTS is a list of options
wrk_rps() { # url [script]
  if [ $# -gt 1 ]; then wrk $WRK_OPTS -d"${SECONDS_PER_RUN}s" -s "$2" "$1"; else wrk $WRK_OPTS -d"${SECONDS_PER_RUN}s" "$1"; fi \
    | awk '/Requests\/sec/ {print $2}'
}
echo "warming up (JIT) ..."
for port in "$SOLO_PORT" "$CLUSTER_PORT"; do
  wrk $WRK_OPTS -d15s "http://127.0.0.1:$port/bench:hot" >/dev/null
  wrk $WRK_OPTS -d15s -s "$LOGS/unique.lua" "http://127.0.0.1:$port" >/dev/null
done
declare -A runs
BENCH_REQUESTS=${BENCH_REQUESTS:-400000}
redis_benchmark_rps() { tr '\r' '\n' | awk '/^GET: [0-9.]+ requests per second/ {v = $2} END {print v}'; }
for round in $(seq "$ROUNDS"); do
  sh=$(wrk_rps "http://127.0.0.1:$SOLO_PORT/bench:hot"); ch=$(wrk_rps "http://127.0.0.1:$CLUSTER_PORT/bench:hot")
  sm=$(wrk_rps "http://127.0.0.1:$SOLO_PORT" "$LOGS/unique.lua")
  cm=$(wrk_rps "http://127.0.0.1:$CLUSTER_PORT" "$LOGS/unique.lua")
  # The same GETs of absent keys straight to Redis (no proxy): what one redis-server and three masters sharing these
  # cores give, the baseline for the misses ratio.
  sr=$(redis-benchmark -p "$REDIS_PORT" -t get -c 64 -n "$BENCH_REQUESTS" -r 1000000000 -q | redis_benchmark_rps)
  cr=$(redis-benchmark --cluster -p "$SEED" -t get -c 64 -n "$BENCH_REQUESTS" -r 1000000000 -q | redis_benchmark_rps)
  runs[solo-hits]+="$sh "; runs[cluster-hits]+="$ch "; runs[solo-misses]+="$sm "; runs[cluster-misses]+="$cm "
  runs[solo-redis]+="$sr "; runs[cluster-redis]+="$cr "
  echo "round $round: hits standalone $sh, cluster $ch; misses standalone $sm, cluster $cm;" \
    "redis-benchmark GET standalone $sr, cluster $cr requests/s"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
declare -A med
for k in "${!runs[@]}"; do med[$k]=$(echo "${runs[$k]}" | median); done

# --- failovers -------------------------------------------------------------------------------------------------------
KEY=bench:failover
redis-cli -c -p "$SEED" set "$KEY" 0 >/dev/null
owner() { local seed; seed=$(live_node)
  redis-cli -p "$seed" cluster nodes | awk -v slot="$(redis-cli -p "$seed" cluster keyslot "$KEY")" '
  $3 ~ /master/ && $3 !~ /fail/ { for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1];
    if (slot >= r[1] && slot <= r[2]) { split($2, a, "[:@]"); print a[2] } } }' | head -1; }
replica_of() { # master-port
  local id; id=$(redis-cli -p "$1" cluster myid)
  redis-cli -p "$1" cluster nodes | awk -v id="$id" '$4 == id && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2] }' | head -1
}
now_ms() { date +%s%3N; }
read_loop() { # out-file: reads KEY through the cluster proxy until killed; one "ms status" line per read
  while :; do
    echo "$(now_ms) $(curl -s -o /dev/null -m 2 -w '%{http_code}' "localhost:$CLUSTER_PORT/$KEY")"
    sleep 0.01
  done > "$1"
}
gap() { # file event-ms: "first failure → first success after it" in ms (0 when no read failed), and kill → success
  awk -v t0="$2" '$1 >= t0 && $2 != 200 && !f { f = $1 } f && $2 == 200 && !s { s = $1 }
    END { if (!f) print 0, "-"; else print s - f, s - t0 }' "$1"
}
stale_reads() { # writes 1..50 through the cluster, reads each back through the proxy; prints how many were older
  local stale=0 i got
  for i in $(seq 1 50); do
    redis-cli -c -p "$(owner)" set "$KEY" "$i" >/dev/null
    got=$(curl -s -m 2 "localhost:$CLUSTER_PORT/$KEY")
    if ! [[ "$got" =~ ^[0-9]+$ ]] || [ "$got" -lt "$i" ]; then stale=$((stale + 1)); fi
  done
  echo "$stale"
}
await_master() { # port: waits until the node reports role master and the cluster is ok again
  for _ in $(seq 300); do
    [ "$(redis-cli -p "$1" role 2>/dev/null | head -1)" = master ] \
      && redis-cli -p "$1" cluster info | grep -q 'cluster_state:ok' && return 0
    sleep 0.05
  done
  echo "node $1 was not promoted" >&2; return 1
}

echo "graceful failover ..."
MASTER=$(owner); REPLICA=$(replica_of "$MASTER")
read_loop "$LOGS/graceful.txt" & LOOP=$!; PIDS+=($LOOP)
sleep 1; T0=$(now_ms)
redis-cli -p "$REPLICA" cluster failover >/dev/null
await_master "$REPLICA"; GRACEFUL_PROMOTED=$(( $(now_ms) - T0 )); sleep 3; kill "$LOOP"
GRACEFUL=$(gap "$LOGS/graceful.txt" "$T0"); GRACEFUL_STALE=$(stale_reads)

echo "forced failover (kill -9 of the master) ..."
MASTER=$(owner); REPLICA=$(replica_of "$MASTER")
MASTER_PID=$(redis-cli -p "$MASTER" info server | awk -F: '/^process_id/ {print $2}' | tr -d '\r')
read_loop "$LOGS/forced.txt" & LOOP=$!; PIDS+=($LOOP)
sleep 1; T0=$(now_ms)
kill -9 "$MASTER_PID"
await_master "$REPLICA"; FORCED_PROMOTED=$(( $(now_ms) - T0 )); sleep 3; kill "$LOOP"
FORCED=$(gap "$LOGS/forced.txt" "$T0"); FORCED_STALE=$(stale_reads)
NODE_TIMEOUT=$(grep -o 'cluster-node-timeout [0-9]* ms' "$LOGS/cluster.log" | head -1 | awk '{print $2}')

mkdir -p bench/results
out=bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "# bench/cluster.sh, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  machine "$REDIS_PORT"
  echo "Client, proxies and all seven redis-servers share the cores. \`wrk $WRK_OPTS -d${SECONDS_PER_RUN}s\`, median of $ROUNDS interleaved rounds."
  echo
  echo "| | standalone (req/s) | cluster (req/s) | cluster / standalone |"
  echo "|---|---|---|---|"
  echo "| hits (one warm key) | ${med[solo-hits]} | ${med[cluster-hits]} | **$(ratio "${med[cluster-hits]}" "${med[solo-hits]}")** |"
  echo "| misses (unique absent keys, each a Redis GET) | ${med[solo-misses]} | ${med[cluster-misses]} | **$(ratio "${med[cluster-misses]}" "${med[solo-misses]}")** |"
  echo "| baseline: \`redis-benchmark -t get -c 64 -r 1e9\` straight to Redis (\`--cluster\` for the cluster) | ${med[solo-redis]} | ${med[cluster-redis]} | $(ratio "${med[cluster-redis]}" "${med[solo-redis]}") |"
  echo
  echo "Failovers (cluster-node-timeout $NODE_TIMEOUT ms), reading one key of the shard every ~10 ms:"
  echo
  echo "| failover | first failed → first successful read (ms) | event → first successful read after a failure (ms) | event → replica reports role:master, polled every 50 ms (ms) | stale reads after promotion (of 50) |"
  echo "|---|---|---|---|---|"
  echo "| graceful (\`CLUSTER FAILOVER\`) | $(echo "$GRACEFUL" | cut -d' ' -f1) | $(echo "$GRACEFUL" | cut -d' ' -f2) | $GRACEFUL_PROMOTED | $GRACEFUL_STALE |"
  echo "| forced (\`kill -9\` of the master) | $(echo "$FORCED" | cut -d' ' -f1) | $(echo "$FORCED" | cut -d' ' -f2) | $FORCED_PROMOTED | $FORCED_STALE |"
} > "$out"
cat "$out"
echo "written to $out"
