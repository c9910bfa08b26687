package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CertificateIdentityTest {
  static final CertificateIdentity BILLING = new CertificateIdentity("CN=billing-1,O=Acme",
      List.of("spiffe://acme/billing"), List.of("Billing.Acme.Example"));

  static RoutingPolicy policy(List<Tenant> tenants) {
    return new RoutingPolicy(false, tenants, List.of(new Rule("all", null, List.of(Selector.lane("x")), null)), "test");
  }

  static Tenant tenant(String id, String... certificates) {
    return new Tenant(id, List.of(), null, List.of(), List.of(), null, null, List.of(certificates));
  }

  @Test
  void matches_uriExactly_dnsIgnoringCase_subjectCanonically() {
    assertTrue(BILLING.matches("spiffe://acme/billing"));
    assertFalse(BILLING.matches("spiffe://acme/billing/"));
    assertFalse(BILLING.matches("spiffe://ACME/billing"));
    assertTrue(BILLING.matches("dns:billing.acme.example"));
    assertFalse(BILLING.matches("dns:acme.example"));
    assertTrue(BILLING.matches("cn=billing-1, o=acme"));
    assertTrue(BILLING.matches("CN=billing-1,O=Acme"));
    assertFalse(BILLING.matches("CN=billing-1"), "the whole subject, not a part of it");
    assertFalse(BILLING.matches("O=Acme,CN=billing-1"), "RDN order matters");
    assertEquals(List.of("cn=billing-1,o=acme", "spiffe://acme/billing", "dns:Billing.Acme.Example"), BILLING.names());
  }

  @Test
  void check_refusesWhatIsNoIdentity_sayingWhatWasExpected() {
    for (String bad : List.of("", "billing", "dns:", "dns:bad name", "spiffe://acme/bad path", "CN")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CertificateIdentity.check(bad));
      assertTrue(e.getMessage().contains("expected: a URI SAN such as spiffe://acme/billing, dns:NAME, or a subject"),
          e.getMessage());
    }
    IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> tenant("a", "billing"));
    assertTrue(t.getMessage().startsWith("client_certificates[0]: 'billing'"), t.getMessage());
  }

  @Test
  void policy_mapsACertificateToItsTenant_orNone_andRefusesOneNamingTwo() {
    RoutingPolicy p = policy(List.of(tenant("billing", "spiffe://acme/billing"), tenant("ops", "CN=ops")));
    assertEquals("billing", p.tenantForCertificate(BILLING).orElseThrow().id());
    assertEquals(Optional.empty(), p.tenantForCertificate(new CertificateIdentity("CN=x", List.of(), List.of())));
    assertEquals(Optional.empty(), p.tenantForCertificate(null));
    RoutingPolicy two = policy(List.of(tenant("billing", "spiffe://acme/billing"), tenant("acme", "CN=billing-1,O=Acme")));
    RoutingException.Unauthorized e = assertThrows(RoutingException.Unauthorized.class,
        () -> two.tenantForCertificate(BILLING));
    assertTrue(e.getMessage().contains("names two tenants ([billing, acme])"), e.getMessage());
  }

  @Test
  void policy_refusesOneIdentityGivenToTwoTenants() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> policy(List.of(tenant("a", "CN=svc,O=Acme"), tenant("b", "cn=svc, o=acme"))));
    assertEquals("tenants[1].client_certificates: 'cn=svc, o=acme' is given to two tenants", e.getMessage());
  }

  @Test
  void loader_readsClientCertificates_andPlacesABadOne() {
    RoutingPolicy p = PolicyLoader.parse("""
        tenants:
          - id: billing
            client_certificates: ["spiffe://acme/billing", "dns:billing.acme.example"]
        rules: [{name: all, lanes: [{lane: x}]}]
        """, "p.yaml");
    assertEquals(List.of("spiffe://acme/billing", "dns:billing.acme.example"),
        p.tenant("billing").orElseThrow().clientCertificates());
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
        tenants:
          - id: billing
            client_certificates: [billing]
        rules: [{name: all, lanes: [{lane: x}]}]
        """, "p.yaml"));
    assertTrue(e.getMessage().startsWith("p.yaml:"), e.getMessage());
    assertTrue(e.getMessage().contains("client_certificates[0]: 'billing' (expected: a URI SAN"), e.getMessage());
  }
}
