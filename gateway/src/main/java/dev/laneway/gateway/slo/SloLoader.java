package dev.laneway.gateway.slo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laneway.topology.TopologyLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads an SLO file into a validated {@link SloSpec}, with the conventions of every Laneway file (snake_case keys,
 * unknown keys refused) and errors that name the file, the line and the field:
 * {@code slo.yaml:12:5: objectives[0].latency: latency.threshold: 40.0 ms (expected: a bucket bound ...)}.
 */
public final class SloLoader {
  /** The resource holding the embedded default. */
  public static final String DEFAULT_RESOURCE = "laneway/default-slo.yaml";

  private static final ObjectMapper YAML = TopologyLoader.yamlMapper();

  private SloLoader() {}

  /** The file's SLOs, or the embedded default's when {@code file} is null. */
  public static SloSpec load(Path file) {
    if (file == null) return embeddedDefault();
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  public static SloSpec embeddedDefault() {
    try (InputStream in = SloLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) throw new IllegalStateException("the embedded default SLO file is missing from the classpath");
      return parse(in, "embedded default (" + DEFAULT_RESOURCE + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @throws IllegalArgumentException naming {@code source}, the line and the field */
  public static SloSpec parse(InputStream in, String source) {
    try {
      File f = YAML.readValue(in, File.class);
      if (f == null) throw new IllegalArgumentException(source + ": empty file");
      try {
        return new SloSpec(f.objectives(), f.notCounted(), f.alerting(), f.shedding(), source);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(TopologyLoader.describe(source, e), e);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /** The file as written; {@link SloSpec} validates the whole. */
  record File(List<SloSpec.Objective> objectives, List<String> notCounted, SloSpec.Alerting alerting,
      SloSpec.Shedding shedding) {}
}
