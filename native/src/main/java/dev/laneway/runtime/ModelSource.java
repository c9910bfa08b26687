package dev.laneway.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a model or tokenizer file comes from: {@code classpath:NAME} (a resource, e.g. inside LangChain4j's model
 * jars) or a file path.
 */
public record ModelSource(String location) {
  public ModelSource {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("location: empty (expected: classpath:NAME or a file path)");
    }
  }

  public static ModelSource of(String location) {
    return new ModelSource(location);
  }

  public boolean isClasspath() {
    return location.startsWith("classpath:");
  }

  /** True when the file can be found, without reading it. */
  public boolean exists() {
    if (isClasspath()) {
      return ModelSource.class.getClassLoader().getResource(resourceName()) != null;
    }
    return Files.isRegularFile(Path.of(location));
  }

  public InputStream open() throws IOException {
    if (isClasspath()) {
      InputStream in = ModelSource.class.getClassLoader().getResourceAsStream(resourceName());
      if (in == null) {
        throw new IOException("resource not on the classpath: " + resourceName());
      }
      return in;
    }
    return Files.newInputStream(Path.of(location));
  }

  public byte[] readAllBytes() {
    try (InputStream in = open()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + location + ": " + e.getMessage(), e);
    }
  }

  private String resourceName() {
    return location.substring("classpath:".length());
  }

  @Override
  public String toString() {
    return location;
  }
}
