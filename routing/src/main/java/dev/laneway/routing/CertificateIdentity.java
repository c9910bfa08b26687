package dev.laneway.routing;

import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;

/**
 * The names a verified client certificate carries, as the policy's {@code client_certificates} match them: a service
 * calling over mutual TLS is a tenant by its certificate, as another caller is by its API key. The gateway reads the
 * names from the TLS session; this type only compares strings, so routing stays free of TLS.
 *
 * <p>A policy entry is one of:
 * <ul>
 *   <li>a URI SAN, written as the URI: {@code spiffe://acme.example/billing} (any {@code scheme://…}), compared
 *       exactly;</li>
 *   <li>a DNS SAN: {@code dns:billing.acme.example}, compared ignoring case;</li>
 *   <li>the whole subject, as a distinguished name: {@code CN=billing,O=Acme}, compared in RFC 2253 canonical form
 *       (case, spacing and attribute-name aliases do not matter; the order of the RDNs does, and every RDN must be
 *       there: {@code CN=billing} does not match a subject {@code CN=billing,O=Acme}).</li>
 * </ul>
 *
 * <pre>{@code
 * CertificateIdentity id = new CertificateIdentity("CN=billing,O=Acme", List.of("spiffe://acme/billing"), List.of());
 * id.matches("spiffe://acme/billing");   // true
 * id.matches("cn=billing, o=acme");      // true
 * }</pre>
 *
 * @param subject the subject's distinguished name (RFC 2253), or null
 * @param uris the certificate's URI SANs
 * @param dnsNames the certificate's DNS SANs
 */
public record CertificateIdentity(String subject, List<String> uris, List<String> dnsNames) {
  private static final String DNS = "dns:";

  public CertificateIdentity {
    uris = uris == null ? List.of() : List.copyOf(uris);
    dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
    subject = subject == null || subject.isEmpty() ? null : canonical(subject);
  }

  /** Whether this certificate is what the policy entry names (a checked entry: {@link #check}). */
  public boolean matches(String entry) {
    if (entry.regionMatches(true, 0, DNS, 0, DNS.length())) {
      String name = entry.substring(DNS.length());
      return dnsNames.stream().anyMatch(name::equalsIgnoreCase);
    }
    if (entry.contains("://")) return uris.contains(entry);
    return subject != null && subject.equals(canonical(entry));
  }

  /** Everything it names, for logs: the subject, then the SANs as policy entries would name them. */
  public List<String> names() {
    List<String> out = new java.util.ArrayList<>();
    if (subject != null) out.add(subject);
    out.addAll(uris);
    dnsNames.forEach(d -> out.add(DNS + d));
    return out;
  }

  /**
   * Checks one policy entry and returns the form two entries are compared in (to refuse one identity given to two
   * tenants); throws {@link IllegalArgumentException} saying what was expected.
   */
  static String check(String entry) {
    if (entry == null || entry.isBlank()) throw new IllegalArgumentException("an empty identity" + EXPECTED);
    if (entry.regionMatches(true, 0, DNS, 0, DNS.length())) {
      String name = entry.substring(DNS.length());
      if (name.isEmpty() || !name.matches("[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?")) {
        throw new IllegalArgumentException("'" + entry + "': not a DNS name" + EXPECTED);
      }
      return DNS + name.toLowerCase(Locale.ROOT);
    }
    if (entry.contains("://")) {
      try {
        java.net.URI u = new java.net.URI(entry);
        if (u.getScheme() == null) throw new java.net.URISyntaxException(entry, "no scheme");
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("'" + entry + "': not a URI (" + e.getReason() + ")" + EXPECTED);
      }
      return entry;
    }
    if (!entry.contains("=")) throw new IllegalArgumentException("'" + entry + "'" + EXPECTED);
    try {
      return canonical(entry);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + entry + "': not a distinguished name (" + e.getMessage() + ")"
          + EXPECTED);
    }
  }

  private static final String EXPECTED = " (expected: a URI SAN such as spiffe://acme/billing, dns:NAME, or a "
      + "subject such as CN=billing,O=Acme)";

  private static String canonical(String dn) {
    return new X500Principal(dn).getName(X500Principal.CANONICAL);
  }
}
