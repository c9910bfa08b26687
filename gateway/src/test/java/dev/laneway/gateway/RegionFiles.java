package dev.laneway.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The regions test topology ({@code regions-topology.yaml}) with the nodes' addresses filled in, as a temp file. */
final class RegionFiles {
  private RegionFiles() {}

  static Path topology(Path dir, int hkNodePort, int intlNodePort) {
    String yaml = resource("/regions-topology.yaml")
        .replace("${HK_NODE}", "127.0.0.1:" + hkNodePort)
        .replace("${INTL_NODE}", "127.0.0.1:" + intlNodePort);
    return write(dir.resolve("regions-topology.yaml"), yaml);
  }

  static Path policy(Path dir) {
    return write(dir.resolve("regions-policy.yaml"), resource("/regions-policy.yaml"));
  }

  /** A port free now (closed again at once), for a node that must keep its address across a restart. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String resource(String name) {
    try (InputStream in = RegionFiles.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(Path p, String s) {
    try {
      return Files.writeString(p, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
