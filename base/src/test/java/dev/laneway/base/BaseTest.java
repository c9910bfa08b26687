package dev.laneway.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BaseTest {
  @Test
  void modelKey_printsAndParsesOneForm() {
    ModelKey k = ModelKey.of("all-minilm-l6-v2", "int8");
    assertEquals("all-minilm-l6-v2:int8", k.toString());
    assertEquals(k, ModelKey.parse("all-minilm-l6-v2:int8"));
    assertEquals(ModelKey.of("org:model", "fp32"), ModelKey.parse("org:model:fp32"), "split at the last colon");
    for (String bad : new String[] {"", "model", ":int8", "model:"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelKey.parse(bad));
      assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> ModelKey.of("m", "a:b"));
  }

  @Test
  void inFlight_awaitZeroReturnsWhenTheLastExits() throws Exception {
    InFlight f = new InFlight();
    assertTrue(f.awaitZero(Duration.ZERO), "nothing in flight");
    f.enter(3);
    assertFalse(f.awaitZero(Duration.ZERO));
    CountDownLatch waiting = new CountDownLatch(1);
    boolean[] drained = new boolean[1];
    Thread waiter = Thread.ofPlatform().start(() -> {
      waiting.countDown();
      try {
        drained[0] = f.awaitZero(Duration.ofMinutes(1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    waiting.await();
    f.exit(2);
    f.exit();
    waiter.join(60_000);
    assertTrue(drained[0], "woken by the last exit, well before the minute");
    assertEquals(0, f.count());
    assertThrows(IllegalStateException.class, f::exit, "more exits than entries");
  }
}
