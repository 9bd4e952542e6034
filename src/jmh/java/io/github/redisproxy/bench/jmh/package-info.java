/**
 * JMH benchmarks of the cache layer, run by {@code bench/jmh.sh}, which builds them with {@code mvn
 * -Pjmh test-compile} (the profile adds src/jmh and JMH's annotation processor).
 */
package io.github.redisproxy.bench.jmh;
