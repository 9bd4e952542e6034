package io.github.redisproxy.access;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The clients of one reading of the tokens file: immutable, so that a request can use it without a
 * lock while the next reading replaces it.
 */
final class Clients {
  static final Clients NONE = new Clients(List.of());

  private final List<Client> all;
  private final Map<String, Client> byName;

  Clients(List<Client> all) {
    this.all = List.copyOf(all);
    Map<String, Client> names = new LinkedHashMap<>();
    for (Client client : all) {
      names.put(client.name(), client);
    }
    this.byName = Map.copyOf(names);
  }

  int size() {
    return all.size();
  }

  /**
   * The client whose token hashes to {@code hash} (and whose name is {@code name}, unless null).
   * Every line is compared, in constant time each, whether or not an earlier one matched: neither
   * the time taken nor an early exit tells which line (if any) matched or where a hash differs. The
   * name is compared only after the hash, so a wrong name costs the same as a wrong token.
   */
  Optional<Client> find(String name, byte[] hash) {
    Client found = null;
    for (Client client : all) {
      boolean match = SecretHash.same(hash, client.tokenHash());
      if (match && (name == null || name.equals(client.name()))) {
        found = client;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * The line that now stands for a client read earlier: the same name with the same token (its
   * prefixes may have changed), or empty when the line was removed or its token changed.
   */
  Optional<Client> current(Client earlier) {
    Client now = byName.get(earlier.name());
    if (now == earlier) {
      return Optional.of(now);
    }
    return now != null && SecretHash.same(now.tokenHash(), earlier.tokenHash())
        ? Optional.of(now)
        : Optional.empty();
  }
}
