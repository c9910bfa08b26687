package dev.laneway.executor;

import dev.laneway.runtime.EncoderSession;
import dev.laneway.runtime.EncoderSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * ONNX Runtime sessions shared between the lanes a process starts together: devices that ask for the same execution
 * providers, in lanes with the same intra-op threads, open one session per model variant between them, which the
 * last lane to close closes. ONNX Runtime's {@code Run} is thread-safe, and with one intra-op thread each call
 * computes on its caller's thread, so the lanes' instances compute as they did with sessions of their own.
 *
 * <p>Why: a topology names no device ids, so two devices with the same providers open on the same hardware (the
 * provider's default device) either way. In the embedded default on a machine without accelerators, {@code hk-gpu0}
 * and {@code intl-gpu0} are both the CPU stand-in: {@code hk-general} and {@code intl-general} held every variant's
 * weights twice, and a start opened every session twice on two cores. Each lane still runs its own warm-up batch in
 * its own shape and seeds its own cost model; a session it shares is not counted as its cold start.
 *
 * <p>{@link #none()} shares nothing (a lane started on its own, tests, benches). Threads: any; {@link #acquire} blocks
 * while another lane opens the same session.
 */
public final class SharedSessions {
  private record Key(EncoderSpec spec, List<String> providers, int intraOpThreads) {}

  private static final class Entry {
    final CompletableFuture<EncoderSession> session = new CompletableFuture<>();
    int users;
  }

  /** A lane's hold on a session: {@code shared} when another lane opened it. */
  record Lease(EncoderSession session, boolean shared, Object key) {}

  private final boolean shares;
  private final Map<Key, Entry> open = new HashMap<>(); // guarded by this

  private SharedSessions(boolean shares) {
    this.shares = shares;
  }

  /** Shares sessions between the lanes started with it. */
  public static SharedSessions create() {
    return new SharedSessions(true);
  }

  /** Shares nothing: every lane opens its own sessions. */
  public static SharedSessions none() {
    return new SharedSessions(false);
  }

  /** The session of {@code spec} on {@code providers}: opened here by {@code opener}, or the one another lane opened. */
  Lease acquire(EncoderSpec spec, List<String> providers, int intraOpThreads, Supplier<EncoderSession> opener) {
    if (!shares) return new Lease(opener.get(), false, null);
    Key key = new Key(spec, List.copyOf(providers), intraOpThreads);
    Entry e;
    boolean first;
    synchronized (this) {
      e = open.get(key);
      first = e == null;
      if (first) {
        e = new Entry();
        open.put(key, e);
      }
      e.users++;
    }
    if (first) {
      try {
        e.session.complete(opener.get());
      } catch (RuntimeException failure) {
        synchronized (this) {
          open.remove(key, e);
        }
        e.session.completeExceptionally(failure);
        throw failure;
      }
      return new Lease(e.session.join(), false, key);
    }
    try {
      return new Lease(e.session.join(), true, key);
    } catch (CompletionException failure) {
      throw failure.getCause() instanceof RuntimeException r ? r : failure;
    }
  }

  /** Gives a lease back; the session closes when its last lane gives it back. */
  void release(Lease lease) {
    if (lease.key() == null) {
      lease.session().close();
      return;
    }
    boolean last;
    synchronized (this) {
      Entry e = open.get(lease.key());
      last = e != null && --e.users == 0;
      if (last) open.remove(lease.key());
    }
    if (last) lease.session().close();
  }

  /** Sessions open now (for tests). */
  synchronized int openSessions() {
    return open.size();
  }
}
