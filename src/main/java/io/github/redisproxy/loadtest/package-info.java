/**
 * The load generator ({@code java -jar redis-proxy.jar loadtest}): closed- or open-loop load of
 * {@code GET} over HTTP or RESP with uniform or Zipf keys, latency in HdrHistogram, a report of
 * throughput, percentiles, errors by kind and (over HTTP) hit ratio. It uses nothing of the proxy,
 * and the proxy does not use it; {@code app.Main} only dispatches to it.
 */
package io.github.redisproxy.loadtest;
