package io.github.redisproxy.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Who may read, and who may purge.
 *
 * @param tokensFile AUTH_TOKENS_FILE; empty when anyone may read every key
 * @param managementToken MANAGEMENT_TOKEN; empty when the purges are open
 */
public record AccessConfig(Optional<Path> tokensFile, Optional<String> managementToken) {

  /** Anyone may read every key and purge. */
  public static final AccessConfig OPEN = new AccessConfig(Optional.empty(), Optional.empty());

  /** Never the token: a record's generated toString would print it. */
  @Override
  public String toString() {
    return "AccessConfig[tokensFile="
        + tokensFile.map(Path::toString).orElse("(none)")
        + ", managementToken="
        + (managementToken.isPresent() ? "(set)" : "(none)")
        + "]";
  }
}
