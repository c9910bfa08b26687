package dev.laneway.loadtests;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The routing policy file a scenario's gateway runs with ({@code --policy FILE}): the embedded default policy, read
 * from routing's resources in this tree so the two cannot drift, plus the keys a phase needs (YAML lines appended at
 * the top level). {@link #apply} rewrites the file atomically (the gateway watches it, and must never read half of
 * it) and calls {@code POST /v2/admin/reload}; the watcher's own reload of the same content is harmless.
 *
 * <p>Threads: the scenario's thread.
 */
final class PolicyFile {
  static final String DEFAULT = "routing/src/main/resources/laneway/default-policy.yaml";
  /** The default's (empty) tenants, which {@link #applyTenants} replaces. */
  static final String NO_TENANTS = "\ntenants: []\n";
  /** The default's rules key, after which {@link #applyTenants} puts its rules. */
  static final String RULES = "\nrules:\n";

  private final Path file;
  private final String base;

  private PolicyFile(Path file, String base) {
    this.file = file;
    this.base = base;
  }

  /** Writes the default policy, unchanged, to {@code file}. */
  static PolicyFile create(Path file) {
    Path home = ChildJvm.home();
    Path source = home == null ? null : home.resolve(DEFAULT);
    if (source == null || !Files.isRegularFile(source)) {
      throw new IllegalStateException("no " + DEFAULT + " at or above " + Path.of("").toAbsolutePath()
          + ": the scenario copies the default routing policy from this tree");
    }
    try {
      PolicyFile p = new PolicyFile(file.toAbsolutePath(), Files.readString(source, StandardCharsets.UTF_8));
      p.write("");
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
    }
  }

  Path file() {
    return file;
  }

  /**
   * Writes the default policy plus {@code keys} and reloads: {@code {"keys": .., "status": 200}}, or with
   * {@code "unavailable": "http-422: ..."} when the gateway refused it (it then keeps serving the policy it had).
   */
  JsonObject apply(String keys, AdminClient admin) {
    write(keys);
    return admin.reload().put("keys", keys.strip());
  }

  /**
   * As {@link #apply}, with the default's {@code tenants: []} replaced by {@code tenants} and {@code rules} put before
   * the default's rules (each a YAML block sequence, {@code - id: ..} or {@code - name: ..} items indented as the
   * default's rules are: these keys may appear only once in the file).
   */
  JsonObject applyTenants(String tenants, String rules, String keys, AdminClient admin) {
    write(tenants, rules, keys);
    return admin.reload().put("tenants", tenants.strip()).put("rules", rules.strip()).put("keys", keys.strip());
  }

  private static String replace(String text, String line, String with) {
    if (!text.contains(line)) {
      throw new IllegalStateException(DEFAULT + " has no '" + line.strip() + "' line to put the bench's keys at");
    }
    return text.replace(line, with);
  }

  private void write(String keys) {
    write(null, "", keys);
  }

  private void write(String tenants, String rules, String keys) {
    String text = base.endsWith("\n") ? base : base + "\n";
    if (tenants != null) {
      text = replace(text, NO_TENANTS, "\n# tenants added by the bench for this phase\ntenants:\n"
          + tenants.stripTrailing() + "\n");
    }
    if (!rules.isBlank()) {
      text = replace(text, RULES, RULES + "  # rules added by the bench for this phase\n" + rules.stripTrailing() + "\n");
    }
    if (!keys.isBlank()) text += "\n# added by the bench for this phase\n" + keys.strip() + "\n";
    try {
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.createDirectories(file.getParent());
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
