package dev.laneway.gateway.admin;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Watches the policy and topology files ({@code --watch true}, the default), and the TLS certificate files, with a {@link WatchService} on their
 * parent directories (editors replace files by rename, which a watch on the file itself would miss) and calls the
 * reloader (or what {@link #watch} was given) once the directory has been quiet for {@link #DEBOUNCE_MS}. Owns one daemon thread; {@link #close} stops it.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConfigWatcher.class.getName());
  static final long DEBOUNCE_MS = 300;

  private final WatchService watch;
  private final Set<Path> files = new HashSet<>();
  private final Runnable onChange;
  private final Thread thread;

  private ConfigWatcher(List<Path> given, Runnable onChange) throws IOException {
    this.onChange = onChange;
    this.watch = FileSystems.getDefault().newWatchService();
    Set<Path> dirs = new HashSet<>();
    for (Path p : given) {
      Path abs = p.toAbsolutePath().normalize();
      files.add(abs);
      dirs.add(abs.getParent());
    }
    for (Path d : dirs) {
      d.register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
    }
    this.thread = Thread.ofPlatform().daemon().name("laneway-config-watch").start(this::run);
    LOG.info("watching " + files + " for changes (--watch)");
  }

  /** Starts watching the given files (nulls ignored); a null object when there is nothing to watch. */
  public static AutoCloseable start(Path topology, Path policy, Reloader reloader) {
    List<Path> given = java.util.stream.Stream.of(topology, policy).filter(Objects::nonNull).toList();
    return watch(given, () -> reloader.reload("file watch"), "reload with POST /v2/admin/reload");
  }

  /**
   * Watches {@code files} and runs {@code onChange} (on the watcher's thread) once their directories are quiet after
   * a change; a null object when there is nothing to watch or watching fails ({@code otherwise} says what to do then).
   */
  public static AutoCloseable watch(List<Path> files, Runnable onChange, String otherwise) {
    if (files.isEmpty()) return () -> { };
    try {
      return new ConfigWatcher(files, onChange);
    } catch (IOException e) {
      LOG.warning("cannot watch " + files + ": " + e.getMessage() + "; " + otherwise);
      return () -> { };
    }
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watch.take();
        boolean relevant = poll(key);
        // debounce: wait until the directory is quiet
        WatchKey more;
        while ((more = watch.poll(DEBOUNCE_MS, TimeUnit.MILLISECONDS)) != null) relevant |= poll(more);
        if (relevant) onChange.run();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed: stop
    }
  }

  private boolean poll(WatchKey key) {
    boolean relevant = false;
    Path dir = (Path) key.watchable();
    for (WatchEvent<?> e : key.pollEvents()) {
      // "..data": a Kubernetes Secret or ConfigMap volume swaps this symlink, not the files that point through it
      if (e.context() instanceof Path name && (files.contains(dir.resolve(name).toAbsolutePath().normalize())
          || name.toString().equals("..data"))) {
        relevant = true;
      }
    }
    key.reset();
    return relevant;
  }

  @Override
  public void close() {
    try {
      watch.close();
    } catch (IOException ignored) {
      // closing
    }
    thread.interrupt();
  }
}
