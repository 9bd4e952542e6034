#!/usr/bin/env bash
# The hit-ratio study: lru vs tinylfu on seeded Zipf traces (s = 0.8, 0.99, 1.2) with room for 1 % and 10 % of the
# keys, read through the proxy's own cache in-process (HitRatioStudy, bench sources). Not a timing benchmark: its
# figures depend only on the trace, so any machine gives the same table. Writes the table to
# bench/results/hit-ratio-<UTC time>.md and the chart to docs/hit-ratio.png. lru is exactly reproducible; tinylfu varies
# a little from run to run (Caffeine's random admissions), so it is the mean of RUNS runs. About a minute on two idle
# cores (it uses one thread per core); bounded by a 10-minute timeout. Builds the classes when they are missing or
# older than a source file (src/jmh, mvn -Pjmh test-compile).
# Usage: bench/hit-ratio.sh [keys [warm-up reads [measured reads [runs]]]]   (defaults 100000 1000000 2000000 3)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
CP=$(bench_classpath)

mkdir -p bench/results docs
out=bench/results/hit-ratio-$(date -u +%Y%m%dT%H%M%SZ).md
timeout 10m java -Djava.awt.headless=true -Xmx2g -cp "$CP" io.github.redisproxy.bench.HitRatioStudy \
  "$out" docs/hit-ratio.png "$@"
