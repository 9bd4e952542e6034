package io.github.redisproxy.config;

/**
 * Which nodes of a cluster, or of a sentinel-managed master and its replicas, serve the proxy's
 * reads: Lettuce's {@code ReadFrom} of the same name. A standalone Redis has only its master.
 */
public enum ReadFrom {
  /** Only the master of each key: a read sees every write the master acknowledged. */
  MASTER("master"),
  /** Only replicas: takes load off the masters; a read may lag its master by the replication. */
  REPLICA("replica"),
  /** A replica when one is reachable, otherwise the master. */
  REPLICA_PREFERRED("replicaPreferred"),
  /** The node, master or replica, with the lowest measured latency. */
  NEAREST("nearest"),
  /** Any node, master or replica. */
  ANY("any");

  private final String configName;

  ReadFrom(String configName) {
    this.configName = configName;
  }

  /**
   * The name READ_FROM takes, Lettuce's own, which the start-up log shows too: the one place it is
   * spelled.
   */
  public String configName() {
    return configName;
  }

  /** The value whose {@link #configName} is {@code raw}, in any letter case. */
  static ReadFrom parse(String raw) {
    for (ReadFrom readFrom : values()) {
      if (readFrom.configName.equalsIgnoreCase(raw)) {
        return readFrom;
      }
    }
    throw new IllegalArgumentException("no such ReadFrom: " + raw);
  }
}
