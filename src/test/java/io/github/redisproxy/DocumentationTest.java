package io.github.redisproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README stays short and is the way into {@code docs/}: every page there is linked from it, and
 * every relative link in the README, in {@code docs/} and in {@code bench/results/} names a file
 * inside the repository that exists (so a renamed class or a moved page breaks the build, not the
 * reader).
 */
class DocumentationTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().normalize();
  private static final Path README = ROOT.resolve("README.md");
  private static final long README_LIMIT = 15 * 1024;

  /** {@code [text](target)} and {@code ![alt](target)}; the target ends at ')' or a space. */
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

  @Test
  void readmeFitsInFifteenKilobytes() throws IOException {
    assertThat(Files.size(README)).as("README.md in bytes").isLessThanOrEqualTo(README_LIMIT);
  }

  @Test
  void readmeLinksEveryPageInDocs() {
    String readme = read(README);
    try (Stream<Path> pages = Files.list(ROOT.resolve("docs"))) {
      List<String> unlinked =
          pages
              .filter(page -> page.toString().endsWith(".md"))
              .map(page -> "docs/" + page.getFileName())
              .filter(page -> !readme.contains("](" + page + ")"))
              .sorted()
              .toList();
      assertThat(unlinked).as("pages in docs/ that README.md does not link").isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyRelativeLinkNamesAnExistingFileInsideTheRepository() {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      Matcher link = LINK.matcher(read(page));
      while (link.find()) {
        String target = link.group(1);
        if (target.matches("[a-z]+:.*") || target.startsWith("#")) {
          continue; // a URL, or an anchor on the same page
        }
        String file = target.replaceFirst("#.*$", "");
        Path resolved = page.getParent().resolve(file).normalize();
        if (!resolved.startsWith(ROOT)) {
          broken.add(ROOT.relativize(page) + ": " + target + " is outside the repository");
        } else if (!Files.exists(resolved)) {
          broken.add(ROOT.relativize(page) + ": " + target + " does not exist");
        }
      }
    }
    assertThat(broken).as("relative links").isEmpty();
  }

  private static List<Path> pages() {
    List<Path> pages = new ArrayList<>(List.of(README));
    for (String dir : List.of("docs", "bench/results")) {
      try (Stream<Path> files = Files.list(ROOT.resolve(dir))) {
        files.filter(file -> file.toString().endsWith(".md")).sorted().forEach(pages::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pages;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
