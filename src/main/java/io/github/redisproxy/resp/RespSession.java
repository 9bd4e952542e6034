package io.github.redisproxy.resp;

import io.github.redisproxy.access.Client;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one RESP connection has told the proxy about itself. Used only from that connection's
 * pipeline.
 */
final class RespSession {
  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private volatile byte[] name;
  private volatile Client client; // null until AUTH, when access control is on

  long id() {
    return id;
  }

  byte[] name() {
    return name;
  }

  void name(byte[] newName) {
    this.name = newName;
  }

  Client client() {
    return client;
  }

  void client(Client authenticated) {
    this.client = authenticated;
  }
}
