package dev.laneway.lanes.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.laneway.lanes.DeviceFaults;
import dev.laneway.lanes.GuardedLane;
import dev.laneway.lanes.LaneCall;
import dev.laneway.lanes.LaneResult;
import dev.laneway.oip.ModelInferRequest;
import dev.laneway.oip.ModelInferResponse;
import dev.laneway.protocol.Oip;
import dev.laneway.topology.Topology;
import dev.laneway.topology.TopologyLoader;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where a remote call runs: on the gateway's own Vert.x (the one {@link RemoteNodes} is given), a call made on a
 * door's event loop leaves over that loop's own connection to the node and is answered on that same thread, with no
 * hand-off to another loop; a call made on another thread is sent from the loop its completion executor names. The
 * node stands in as a Vert.x gRPC server of its own (another Vert.x, as another process would be) that counts the
 * connections it accepts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RemoteLaneLoopsTest {
  static Vertx node;
  static Vertx gateway;
  static HttpServer server;
  static final AtomicInteger CONNECTIONS = new AtomicInteger();
  static Topology topology;
  static RemoteNodes nodes;
  static GuardedLane lane;

  @BeforeAll
  static void start() {
    node = Vertx.vertx();
    GrpcServer grpc = GrpcServer.server(node);
    ServiceMethod<ModelInferRequest, ModelInferResponse> infer = ServiceMethod.server(
        ServiceName.create(Oip.PACKAGE, Oip.SERVICE_NAME), Oip.MODEL_INFER, GrpcMessageEncoder.encoder(),
        GrpcMessageDecoder.decoder(ModelInferRequest.newBuilder()));
    grpc.callHandler(infer, (GrpcServerRequest<ModelInferRequest, ModelInferResponse> request) ->
        request.handler(m -> request.response().end(RemoteLaneAnswersTest.wellFormed(m).build())));
    server = node.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(grpc)
        .connectionHandler(c -> CONNECTIONS.incrementAndGet()).listen().await();
    topology = TopologyLoader.parse(new ByteArrayInputStream(("""
        regions: [{id: hk}, {id: intl}]
        lanes:
          - {id: r, region: intl, class: general, remote: {address: "127.0.0.1:%d"}}
        models:
          - {name: m, space: m, dimension: %d, variants: [{name: fp32, onnx: classpath:m.onnx, tokenizer: classpath:t.json}]}
        """.formatted(server.actualPort(), RemoteLaneAnswersTest.DIM)).getBytes(StandardCharsets.UTF_8)), "t.yaml");
    gateway = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    nodes = RemoteNodes.create(gateway, topology, OpenTelemetry.noop(), Duration.ZERO);
    lane = GuardedLane.create(nodes.lane(topology.lane("r")), new DeviceFaults(), Map.of());
  }

  @AfterAll
  static void stop() {
    nodes.close();
    gateway.close().await();
    node.close().await();
  }

  static LaneCall call(java.util.concurrent.Executor completion) {
    var m = topology.model("m").orElseThrow();
    return new LaneCall(m, m.variant("fp32").orElseThrow(), List.of("a", "b"),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(10), "standard", LaneCall.ANONYMOUS, 1.0, completion);
  }

  static Context newLoop() {
    return ((io.vertx.core.internal.VertxInternal) gateway).createEventLoopContext();
  }

  /** Calls the lane on {@code loop}; completes with the calling thread and the answering thread. */
  static CompletableFuture<Thread[]> callOn(Context loop) {
    return callOn(loop, lane);
  }

  static CompletableFuture<Thread[]> callOn(Context loop, GuardedLane lane) {
    CompletableFuture<Thread[]> threads = new CompletableFuture<>();
    loop.runOnContext(v -> {
      Thread caller = Thread.currentThread();
      lane.infer(call(LaneCall.IN_PLACE)).whenComplete((r, e) -> {
        if (e != null) {
          threads.completeExceptionally(e);
        } else {
          assertArrayEquals(new float[] {1, 0, 0}, r.vectors()[0]);
          threads.complete(new Thread[] {caller, Thread.currentThread()});
        }
      });
    });
    return threads;
  }

  @Test
  void aCallOnADoorsEventLoop_isAnsweredOnThatLoop_overItsOwnConnection() throws Exception {
    RemoteNodes fresh = RemoteNodes.create(gateway, topology, OpenTelemetry.noop(), Duration.ZERO);
    GuardedLane l = GuardedLane.create(fresh.lane(topology.lane("r")), new DeviceFaults(), Map.of());
    int connections0 = CONNECTIONS.get();
    Context first = newLoop(); // two doors: two event loop contexts, on the two loops in turn
    Context second = newLoop();
    for (int round = 0; round < 3; round++) {
      Thread[] a = callOn(first, l).get(20, TimeUnit.SECONDS);
      Thread[] b = callOn(second, l).get(20, TimeUnit.SECONDS);
      assertEquals(a[0], a[1], "answered on the calling loop");
      assertEquals(b[0], b[1], "answered on the calling loop");
      assertNotEquals(a[0], b[0], "the two contexts are on two event loops");
    }
    assertEquals(2, CONNECTIONS.get() - connections0,
        "one connection per calling event loop, reused by every later call");
    fresh.close();
  }

  @Test
  void aCallFromAnotherThread_isSentAndAnsweredOnTheLoopItsCompletionNames() throws Exception {
    Context door = newLoop();
    CompletableFuture<Thread> doorThread = new CompletableFuture<>();
    door.runOnContext(v -> doorThread.complete(Thread.currentThread()));
    CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
    // as a hedge's timer thread calls: the call names the door's loop as its completion executor
    lane.infer(call(task -> door.runOnContext(v -> task.run())))
        .whenComplete((r, e) -> answeredOn.complete(Thread.currentThread()));
    assertEquals(doorThread.get(20, TimeUnit.SECONDS), answeredOn.get(20, TimeUnit.SECONDS));
  }

  @Test
  void closingTheRemoteNodes_leavesTheGatewaysVertxRunning() throws Exception {
    RemoteNodes other = RemoteNodes.create(gateway, topology, OpenTelemetry.noop(), Duration.ofMillis(50));
    Context door = newLoop();
    GuardedLane l = GuardedLane.create(other.lane(topology.lane("r")), new DeviceFaults(), Map.of());
    CompletableFuture<LaneResult> answered = new CompletableFuture<>();
    door.runOnContext(v -> l.infer(call(LaneCall.IN_PLACE)).whenComplete((r, e) -> {
      if (e != null) answered.completeExceptionally(e); else answered.complete(r);
    }));
    answered.get(20, TimeUnit.SECONDS); // its client on that loop made, and used
    other.close();
    CompletableFuture<Boolean> timer = new CompletableFuture<>();
    gateway.setTimer(1, t -> timer.complete(true));
    assertEquals(true, timer.get(20, TimeUnit.SECONDS), "the gateway's Vert.x still runs timers");
    CompletableFuture<Thread[]> still = callOn(door); // the gateway's other remote nodes still answer on that loop
    Thread[] t = still.get(20, TimeUnit.SECONDS);
    assertEquals(t[0], t[1]);
  }
}
