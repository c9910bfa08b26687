package dev.laneway.topology;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 address range such as {@code 10.0.0.0/8}; literal addresses only, never a DNS look-up. */
public record Cidr(byte[] network, int prefix) {
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("cidr: '" + text + "' (expected: ADDRESS/PREFIX)");
    }
    byte[] addr = literal(text.substring(0, slash), text);
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("cidr: '" + text + "' (expected: a numeric prefix length)");
    }
    if (prefix < 0 || prefix > addr.length * 8) {
      throw new IllegalArgumentException("cidr: '" + text + "' (expected: prefix 0.." + addr.length * 8 + ")");
    }
    return new Cidr(addr, prefix);
  }

  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) return false;
    }
    int rest = prefix % 8;
    if (rest == 0) return true;
    int mask = 0xff << (8 - rest);
    return (a[full] & mask) == (network[full] & mask);
  }

  private static byte[] literal(String host, String text) {
    if (!host.matches("[0-9a-fA-F:.]+")) {
      throw new IllegalArgumentException("cidr: '" + text + "' (expected: a literal IP address)");
    }
    try {
      return InetAddress.getByName(host).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cidr: '" + text + "' (expected: a literal IP address)");
    }
  }
}
