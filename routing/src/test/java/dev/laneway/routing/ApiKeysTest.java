package dev.laneway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  static final String KEY_A1 = "key-a-old";
  static final String KEY_A2 = "key-a-new";
  static final String KEY_B = "key-b";

  static List<Tenant> tenants() {
    return List.of(new Tenant("a", List.of(ApiKeys.sha256(KEY_A1), ApiKeys.sha256(KEY_A2)), null, List.of(), List.of()),
        new Tenant("b", List.of(ApiKeys.sha256(KEY_B)), null, List.of(), List.of()));
  }

  static RoutingPolicy policy(List<Tenant> tenants) {
    return new RoutingPolicy(true, tenants, List.of(new Rule("all", null, List.of(Selector.lane("x")), null)), "test");
  }

  @Test
  void sha256_isThePolicyEntry() {
    assertEquals("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ApiKeys.sha256("test"));
    String k = ApiKeys.generate();
    assertTrue(k.startsWith("lw_") && k.length() == 46, k);
    assertNotEquals(k, ApiKeys.generate());
  }

  @Test
  void authenticate_rightKeyAccepted_wrongRefused_twoLiveKeysForRotation() {
    RoutingPolicy p = policy(tenants());
    assertEquals("a", p.authenticate(KEY_A1).id());
    assertEquals("a", p.authenticate(KEY_A2).id());
    assertEquals("b", p.authenticate(KEY_B).id());
    RoutingException.Unauthorized wrong = assertThrows(RoutingException.Unauthorized.class, () -> p.authenticate("key-c"));
    RoutingException.Unauthorized hash = assertThrows(RoutingException.Unauthorized.class,
        () -> p.authenticate(ApiKeys.sha256(KEY_B)));
    assertEquals(wrong.getMessage(), hash.getMessage(), "the error says nothing about which keys exist");
    assertTrue(p.plaintextKeyTenants().isEmpty());
  }

  @Test
  void find_comparesEveryEntry_whateverMatches_noEarlyExit() {
    List<Tenant> t = tenants();
    for (String presented : List.of(KEY_A1, KEY_B, "no such key")) {
      AtomicInteger compared = new AtomicInteger();
      ApiKeys.find(t, presented, (x, y) -> {
        compared.incrementAndGet();
        assertEquals(32, x.length);
        assertEquals(32, y.length);
        return MessageDigest.isEqual(x, y);
      });
      assertEquals(3, compared.get(), presented);
    }
    assertNull(ApiKeys.find(t, "no such key"));
  }

  @Test
  void clearTextEntries_stillMatch_andAreReported() {
    RoutingPolicy p = policy(List.of(new Tenant("old", List.of("clear-key"), null, List.of(), List.of())));
    assertEquals("old", p.authenticate("clear-key").id());
    assertEquals(List.of("old"), p.plaintextKeyTenants());
  }

  @Test
  void badEntries_andOneKeyTwice_areRefusedAtLoad() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Tenant("a", List.of("sha256:abc"), null, List.of(), List.of()));
    assertEquals("api_keys[0]: 'sha256:abc' (expected: sha256: and 64 hex digits)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> policy(List.of(
        new Tenant("a", List.of(ApiKeys.sha256("same")), null, List.of(), List.of()),
        new Tenant("b", List.of("same"), null, List.of(), List.of()))));
    assertTrue(e.getMessage().contains("a key is given to two tenants"), e.getMessage());
  }
}
