package dev.laneway.gateway.security;

import dev.laneway.routing.ApiKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code ./laneway keys new TENANT}: a fresh API key, printed once (it is stored nowhere), and the policy line that
 * holds its hash. {@code ./laneway keys hash}: the policy entry of a key read from standard input (to move a policy's
 * clear-text keys to hashes without sending new ones).
 */
public final class KeysCommand {
  static final String USAGE = "Usage: laneway keys new TENANT    a new key for TENANT, and the policy line with its hash\n"
      + "       laneway keys hash          the policy entry (sha256:...) of a key read from standard input\n";

  private KeysCommand() {}

  /** Runs the command; returns the process exit status. */
  public static int run(String[] args, BufferedReader in, PrintStream out, PrintStream err) throws IOException {
    if (args.length == 2 && args[0].equals("new") && !args[1].isBlank()) {
      String key = ApiKeys.generate();
      out.println("# the key for tenant " + args[1] + ": give it to them now, it is not stored and is shown only once");
      out.println(key);
      out.println("# the policy's tenant entry (a second key may stay listed while clients move to this one):");
      out.println("  - id: " + args[1]);
      out.println("    api_keys: [" + ApiKeys.sha256(key) + "]");
      return 0;
    }
    if (args.length == 1 && args[0].equals("hash")) {
      String key = in.readLine();
      if (key == null || key.isBlank()) {
        err.print("laneway keys hash: no key on standard input\n" + USAGE);
        return 2;
      }
      out.println(ApiKeys.sha256(key.strip()));
      return 0;
    }
    err.print(USAGE);
    return 2;
  }

  /** The command line's entry: {@code laneway keys ...}. */
  public static void main(String[] args) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.exit(run(args, in, System.out, System.err));
  }
}
