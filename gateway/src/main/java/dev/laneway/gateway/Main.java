package dev.laneway.gateway;

import dev.laneway.observability.OneLineLogFormat;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code laneway [options]}: starts the gateway; {@code laneway node --region R [options]}: starts an executor node
 * (region R's local lanes over OIP gRPC, no routing of its own). SIGTERM drains either. {@code laneway keys new TENANT}:
 * a new API key and the policy line with its hash.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws java.io.IOException {
    if (args.length > 0 && args[0].equals("keys")) { // laneway keys new TENANT: a key, and its hash for the policy
      dev.laneway.gateway.security.KeysCommand.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    OneLineLogFormat.keepLogsThroughShutdown();
    GatewayOptions options;
    boolean node = args.length > 0 && args[0].equals("node");
    if (node) args = java.util.Arrays.copyOfRange(args, 1, args.length);
    try {
      if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
        System.out.print(GatewayOptions.HELP);
        return;
      }
      options = GatewayOptions.parse(args);
      if (node && options.nodeRegion() == null) {
        throw new IllegalArgumentException("node: --region R is required (the region whose lanes this node serves)");
      }
      if (!node && options.nodeRegion() != null) {
        throw new IllegalArgumentException("--region is for 'laneway node' (a gateway serves every region)");
      }
      // the gateway caches and sheds by its SLOs; a node computes
      if (node) options = options.with("cache-max-bytes", "0").with("slo-shedding", "false");
      if (node && java.util.Arrays.stream(args).noneMatch(a -> a.startsWith("--admin-port"))) {
        options = options.with("admin-port", "0"); // beside a gateway on one machine: no clash on the default port
      }
    } catch (IllegalArgumentException e) {
      System.err.println("laneway: " + e.getMessage());
      System.exit(2);
      return;
    }
    OneLineLogFormat.install(Level.parse(options.logLevel()));
    Logger log = Logger.getLogger(Main.class.getName());
    // registered before the start, so a SIGTERM just after "ready" drains: during the start there is nothing to
    // drain and the process just exits; from the moment start returns, the hook drains the gateway
    java.util.concurrent.atomic.AtomicReference<Gateway> started = new java.util.concurrent.atomic.AtomicReference<>();
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("laneway-drain").unstarted(() -> {
      Gateway g = started.get();
      if (g != null) g.drain();
    }));
    drainBeforeExitOn(started, log);
    Gateway g = null;
    try {
      g = Gateway.start(options);
      started.set(g);
    } catch (RuntimeException e) {
      log.log(Level.SEVERE, "cannot start: " + e.getMessage());
      System.exit(1);
    }
    if (options.exitWhenReady()) {
      exitWhenReady(g, log);
    } else {
      AotTraining.startIfRequested(options); // the launcher's first start of a build: its cache, trained by another JVM
    }
  }

  /**
   * {@code --exit-when-ready}: waits for the lanes joining after ready (a specialised lane's admission writes the
   * admission cache), then drains and exits 0; the JVM writes an ahead-of-time cache it records as it exits.
   */
  private static void exitWhenReady(Gateway g, Logger log) {
    g.lanes().joined().join();
    log.info("exit when ready: every lane started" + (g.lanes().joining().isEmpty() ? ""
        : " (" + g.lanes().joining() + ")") + "; draining and exiting");
    g.drain();
    System.exit(0);
  }

  /**
   * SIGTERM and SIGINT drain the gateway first and exit after: ONNX Runtime's Java binding releases its native
   * environment in a shutdown hook of its own ({@code OrtEnvironment}), and the JVM runs shutdown hooks concurrently,
   * so with the drain in a hook a signal released the environment under the sessions still working (a SIGSEGV in
   * {@code libonnxruntime} in 7 of 18 starts sent SIGTERM while a specialised lane was still joining,
   * and under any batch still computing in the drain). Exit status 128 + the signal, as the JVM's own. During the
   * start there is nothing to drain and the process exits as before; a second signal while draining is ignored.
   */
  private static void drainBeforeExitOn(java.util.concurrent.atomic.AtomicReference<Gateway> started, Logger log) {
    java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
          Gateway g = started.get();
          if (g != null && !draining.compareAndSet(false, true)) {
            log.info("SIG" + name + " while draining: ignored");
            return;
          }
          if (g != null) g.drain(); // the hook finds it drained (close is idempotent)
          System.exit(128 + signal.getNumber());
        });
      } catch (IllegalArgumentException e) { // the signal is not available here: the hook drains
        log.warning("SIG" + name + ": " + e.getMessage() + "; draining in a shutdown hook");
      }
    }
  }
}
