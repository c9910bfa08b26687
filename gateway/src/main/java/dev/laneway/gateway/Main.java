package dev.laneway.gateway;

import dev.laneway.observability.OneLineLogFormat;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@code laneway [options]}: starts the gateway; SIGTERM drains it. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    OneLineLogFormat.keepLogsThroughShutdown();
    GatewayOptions options;
    try {
      if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
        System.out.print(GatewayOptions.HELP);
        return;
      }
      options = GatewayOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("laneway: " + e.getMessage());
      System.exit(2);
      return;
    }
    OneLineLogFormat.install(Level.parse(options.logLevel()));
    Logger log = Logger.getLogger(Main.class.getName());
    Gateway gateway;
    try {
      gateway = Gateway.start(options);
    } catch (RuntimeException e) {
      log.log(Level.SEVERE, "cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("laneway-drain").unstarted(gateway::drain));
  }
}
