package io.github.redisproxy.management;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Small JSON documents for the management endpoints, written with Jackson's streaming generator.
 */
final class Json {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  /** Writes one JSON value. */
  interface Writer {
    void write(JsonGenerator json) throws IOException;
  }

  private Json() {}

  /**
   * The document {@code writer} writes, as UTF-8 bytes ending with a newline (for people using
   * curl).
   */
  static byte[] bytes(Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      writer.write(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory does not fail
    }
    out.write('\n');
    return out.toByteArray();
  }

  /** {@code {"error": message}}. */
  static byte[] error(String message) {
    return bytes(
        json -> {
          json.writeStartObject();
          json.writeStringField("error", message);
          json.writeEndObject();
        });
  }
}
