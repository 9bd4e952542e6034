package io.github.redisproxy.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * MAX_CONNECTIONS for one port: a connection beyond the limit is closed as soon as it is accepted,
 * before a byte is read, and counted in {@code redis_proxy_connections_rejected_total}.
 */
public final class ConnectionLimit {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder rejected = new LongAdder();

  public ConnectionLimit(MeterRegistry registry, String frontEnd, int max) {
    this.max = max;
    Meters.counter(
        registry,
        MeterNames.CONNECTIONS_REJECTED,
        "Client connections closed at once because MAX_CONNECTIONS were open",
        rejected,
        LongAdder::sum,
        "frontend",
        frontEnd);
  }

  /**
   * Call when a channel is initialised: admits it (and counts it until it closes), or closes it.
   *
   * @return whether it was admitted
   */
  public boolean admit(Channel channel) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      rejected.increment();
      channel.close();
      return false;
    }
    channel.closeFuture().addListener(closed -> open.decrementAndGet());
    return true;
  }
}
