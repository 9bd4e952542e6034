/**
 * The proxy's meters, named once: every name the Prometheus endpoint shows (after Micrometer's
 * renaming) and the small recorders the front ends and the lookup use on their hot paths. It
 * depends on Micrometer only.
 */
package io.github.redisproxy.metrics;
