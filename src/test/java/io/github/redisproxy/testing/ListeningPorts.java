package io.github.redisproxy.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TCP ports a process listens on, read from Linux's {@code /proc}: its socket descriptors
 * matched against the kernel's tables of listening sockets.
 */
final class ListeningPorts {
  private ListeningPorts() {}

  /**
   * The TCP ports process {@code pid} listens on; empty where there is no {@code /proc} (macOS).
   */
  static Optional<Set<Integer>> of(long pid) {
    Path fds = Path.of("/proc", Long.toString(pid), "fd");
    Path net = Path.of("/proc", Long.toString(pid), "net");
    if (!Files.isDirectory(fds) || !Files.isDirectory(net)) {
      return Optional.empty();
    }
    try {
      Set<String> socketInodes = new HashSet<>();
      try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
        for (Path link : links) {
          try {
            String target = Files.readSymbolicLink(link).toString();
            if (target.startsWith("socket:[")) {
              socketInodes.add(target.substring("socket:[".length(), target.length() - 1));
            }
          } catch (IOException e) {
            // a descriptor closed while listing
          }
        }
      }
      Set<Integer> ports = new TreeSet<>();
      for (String table : List.of("tcp", "tcp6")) {
        Path file = net.resolve(table);
        if (!Files.exists(file)) {
          continue;
        }
        List<String> rows = Files.readAllLines(file);
        for (String row : rows.subList(1, rows.size())) {
          // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
          // inode ...
          String[] fields = row.trim().split("\\s+");
          boolean listening = fields[3].equals("0A");
          if (listening && socketInodes.contains(fields[9])) {
            String local = fields[1];
            ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
          }
        }
      }
      return Optional.of(ports);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the sockets of process " + pid, e);
    }
  }
}
