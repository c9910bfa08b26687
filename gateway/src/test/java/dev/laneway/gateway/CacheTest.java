package dev.laneway.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The per-input cache in a real gateway: counted against the executors' own inference counts. */
class CacheTest {
  @RegisterExtension static final GatewayExtension gw = new GatewayExtension();
  static final String MINILM = "all-minilm-l6-v2";

  static String unique(String s) {
    return s + " " + System.nanoTime();
  }

  @Test
  void aHitIsAnsweredWithoutTheExecutor() {
    List<String> texts = List.of(unique("cache me"), unique("and me"));
    long before = Doors.inferences(gw.gateway());
    Doors.Result first = Doors.rest(gw, MINILM, texts, Map.of());
    assertEquals("miss", first.parameters().get("cache"));
    assertEquals(before + 2, Doors.inferences(gw.gateway()));
    Doors.Result second = Doors.rest(gw, MINILM, texts, Map.of());
    assertEquals("hit", second.parameters().get("cache"));
    assertEquals("2", second.parameters().get("cache_hits"));
    assertEquals(before + 2, Doors.inferences(gw.gateway()), "a hit must not reach an executor");
    for (int i = 0; i < texts.size(); i++) assertArrayEquals(first.vectors()[i], second.vectors()[i]);
    // another door, same cache
    assertEquals("hit", Doors.openAi(gw, MINILM, texts, Map.of()).parameters().get("cache"));
    assertEquals(before + 2, Doors.inferences(gw.gateway()));
  }

  @Test
  void partial_computesOnlyTheMisses() {
    List<String> cached = List.of(unique("one"), unique("two"), unique("three"));
    Doors.rest(gw, MINILM, cached, Map.of());
    long before = Doors.inferences(gw.gateway());
    List<String> mixed = new ArrayList<>(cached);
    mixed.add(1, unique("new"));
    Doors.Result r = Doors.rest(gw, MINILM, mixed, Map.of());
    assertEquals("partial", r.parameters().get("cache"));
    assertEquals("3", r.parameters().get("cache_hits"));
    assertEquals(before + 1, Doors.inferences(gw.gateway()));
    Doors.Result alone = Doors.rest(gw, MINILM, List.of(mixed.get(1)), Map.of("cache-control", "no-cache"));
    assertEquals(Doors.cosine(alone.vectors()[0], r.vectors()[1]), 1.0, 1e-6, "reassembled in request order");
  }

  @Test
  void noCache_bypassesAndComputes() {
    String t = unique("bypass");
    Doors.rest(gw, MINILM, List.of(t), Map.of());
    long before = Doors.inferences(gw.gateway());
    Doors.Result r = Doors.rest(gw, MINILM, List.of(t), Map.of("cache-control", "no-cache"));
    assertEquals("bypass", r.parameters().get("cache"));
    assertEquals(before + 1, Doors.inferences(gw.gateway()));
  }

  @Test
  void concurrentIdenticalTexts_areComputedOnce() throws Exception {
    String t = unique("single flight");
    long before = Doors.inferences(gw.gateway());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Doors.Result>> all = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        all.add(CompletableFuture.supplyAsync(() -> Doors.rest(gw, MINILM, List.of(t, t), Map.of()), pool));
      }
      for (CompletableFuture<Doors.Result> f : all) assertEquals(2, f.get().vectors().length);
    } finally {
      pool.shutdown();
    }
    assertEquals(before + 1, Doors.inferences(gw.gateway()), "16 requests x 2 copies of one text: computed once");
  }

  @Test
  void aCachedVectorIsOnlyServedForItsVariant() {
    String t = unique("variant");
    HttpPost int8 = new HttpPost("/v2/models/" + MINILM + "/versions/int8/infer");
    Doors.Result q = int8.send(t);
    assertEquals("int8", q.parameters().get("variant"));
    Doors.Result f = Doors.rest(gw, MINILM, List.of(t), Map.of());
    assertEquals("fp32", f.parameters().get("variant"));
    assertEquals("miss", f.parameters().get("cache"), "an int8 entry must not answer an fp32 request");
    assertNotEquals(q.vectors()[0][0], f.vectors()[0][0]);
  }

  /** A REST call to a versioned path. */
  record HttpPost(String path) {
    Doors.Result send(String text) {
      var r = gw.post(path, Doors.oipJson(List.of(text)));
      assertEquals(200, r.statusCode(), r.body());
      var body = new io.vertx.core.json.JsonObject(r.body());
      var data = body.getJsonArray("outputs").getJsonObject(0).getJsonArray("data");
      float[][] v = new float[1][data.size()];
      for (int i = 0; i < data.size(); i++) v[0][i] = data.getFloat(i);
      return new Doors.Result(v, Doors.strings(body.getJsonObject("parameters").getMap()));
    }
  }
}
