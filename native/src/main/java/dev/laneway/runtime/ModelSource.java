package dev.laneway.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

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

  /**
   * The whole content. A resource is read into an array of its entry's size, at once: a model's 90 MB read in 0.37 s
   * here against 0.6-0.8 s through {@link InputStream#readAllBytes} (which grows and copies its buffers), on the path
   * of every first start.
   */
  public byte[] readAllBytes() {
    try {
      if (!isClasspath()) return Files.readAllBytes(Path.of(location));
      URL url = ModelSource.class.getClassLoader().getResource(resourceName());
      if (url == null) throw new IOException("resource not on the classpath: " + resourceName());
      java.net.URLConnection c = url.openConnection();
      c.setUseCaches(false);
      long size = c.getContentLengthLong();
      try (InputStream in = c.getInputStream()) {
        if (size < 0 || size > Integer.MAX_VALUE - 8) return in.readAllBytes();
        byte[] b = new byte[(int) size];
        int n = in.readNBytes(b, 0, b.length);
        if (n != b.length || in.read() != -1) {
          throw new IOException("its size is " + size + " bytes but " + (n != b.length ? n : "more") + " were read");
        }
        return b;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + location + ": " + e.getMessage(), e);
    }
  }

  /**
   * Identifies the content without reading it: a file's absolute path, size and modification time; a resource inside a
   * jar by the entry's name, CRC-32 and size from the jar's directory (so the same model jar anywhere gives the same
   * fingerprint, and a different build of it a different one). For caches of results computed from the file.
   */
  public String fingerprint() {
    try {
      if (!isClasspath()) return fileFingerprint(Path.of(location));
      URL url = ModelSource.class.getClassLoader().getResource(resourceName());
      if (url == null) throw new IOException("resource not on the classpath: " + resourceName());
      if ("jar".equals(url.getProtocol())) {
        JarURLConnection c = (JarURLConnection) url.openConnection();
        c.setUseCaches(false);
        try (JarFile jar = c.getJarFile()) {
          JarEntry e = jar.getJarEntry(c.getEntryName());
          if (e == null) throw new IOException("no entry " + c.getEntryName() + " in " + jar.getName());
          return location + " crc=" + Long.toHexString(e.getCrc()) + " size=" + e.getSize();
        }
      }
      if ("file".equals(url.getProtocol())) return location + " " + fileFingerprint(Path.of(url.toURI()));
      return url.toString();
    } catch (IOException | URISyntaxException e) {
      throw new UncheckedIOException("cannot fingerprint " + location + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  /**
   * The content's size in bytes without reading it (a resource's from its jar's directory), or -1 when it cannot be
   * told. For ordering work by size.
   */
  public long size() {
    try {
      if (!isClasspath()) return Files.size(Path.of(location));
      URL url = ModelSource.class.getClassLoader().getResource(resourceName());
      if (url == null) return -1;
      java.net.URLConnection c = url.openConnection();
      c.setUseCaches(false);
      long n = c.getContentLengthLong();
      if (c instanceof JarURLConnection) c.getInputStream().close(); // the jar it opened, uncached
      return n;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String fileFingerprint(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
    return p.toAbsolutePath() + " size=" + a.size() + " mtime=" + a.lastModifiedTime().toMillis();
  }

  private String resourceName() {
    return location.substring("classpath:".length());
  }

  @Override
  public String toString() {
    return location;
  }
}
