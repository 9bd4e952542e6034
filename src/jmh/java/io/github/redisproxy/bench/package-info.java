/**
 * The tools the bench/*.sh scripts run (hit-ratio study, cache footprint, start-up phases,
 * invalidation delay, hot-key burst, a bare Reactor Netty server as the baseline). Not tests and
 * not part of the default build: the {@code jmh} profile compiles them, as {@code bench/lib.sh}
 * does on demand and {@code .ci/run} does so that they keep compiling.
 */
package io.github.redisproxy.bench;
