#!/usr/bin/env bash
# JMH benchmarks of the cache layer (src/jmh/java/io/github/redisproxy/bench/jmh): hit throughput of the lru and
# tinylfu policies and of a bare Caffeine cache, with 1 and 2 threads, and the miss-and-load path with an immediate
# loader. Writes JMH's output and its JSON results to bench/results/jmh-<UTC time>.{txt,json}, then prints every score
# with its ratio to the bare Caffeine cache's in the same run.
# Builds the classes when they are missing or older than a source file (mvn -Pjmh test-compile: the jmh profile adds
# src/jmh and runs JMH's annotation processor). About 5 minutes with the defaults (15 forks of 16 s each); bounded by
# a 30-minute timeout.
# Usage: bench/jmh.sh [JMH options] [benchmark regex ...]
#   defaults: -f 1 -wi 3 -w 2s -i 5 -r 2s, all benchmarks; an option given here replaces its default, e.g.
#   bench/jmh.sh -wi 1 -w 1s -i 2 -r 1s                     a quick smoke run
#   bench/jmh.sh CacheHitBenchmark -p policy=lru,caffeine-raw
#   bench/jmh.sh -h                                          JMH's own options (-rf/-rff are set by this script)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
CP=$(bench_classpath)

# JMH takes each option once: a default goes only where the caller did not give that option. Options without a value
# are listed; every other option takes the next argument; the rest are benchmark regexes.
declare -A given=()
regexes=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -h | -l | -lp | -lprof | -lrf) given[${args[i]}]=1 ;;
    -*) given[${args[i]}]=1; i=$((i + 1)) ;;
    *) regexes=$((regexes + 1)) ;;
  esac
done
defaults=()
for option in "-f 1" "-wi 3" "-w 2s" "-i 5" "-r 2s"; do
  [ -n "${given[${option% *}]:-}" ] || defaults+=($option)
done
[ "$regexes" -gt 0 ] || defaults+=('io.github.redisproxy.bench.jmh\..*')
if [ -n "${given[-h]:-}${given[-l]:-}${given[-lp]:-}${given[-lprof]:-}${given[-lrf]:-}" ]; then
  exec java -cp "$CP" org.openjdk.jmh.Main "$@"
fi

mkdir -p bench/results
out=bench/results/jmh-$(date -u +%Y%m%dT%H%M%SZ)
{
  echo "# bench/jmh.sh $*"
  echo "# $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))," \
    "$(uname -sr), $(java -version 2>&1 | head -1)"
  echo "# java org.openjdk.jmh.Main ${defaults[*]} $* -rf json -rff $out.json"
} > "$out.txt"
timeout 30m java -cp "$CP" org.openjdk.jmh.Main "${defaults[@]}" "$@" -rf json -rff "$out.json" | tee -a "$out.txt"
{
  echo
  echo "Scores with their ratio to caffeine-raw in this run (higher is faster):"
  echo
  java -cp "$CP" io.github.redisproxy.bench.jmh.JmhSummary "$out.json"
} | tee -a "$out.txt"
echo "written to $out.txt and $out.json"
