/**
 * The request pipeline every door goes through, each stage once and in order: a door's {@link
 * dev.laneway.gateway.pipeline.DoorRequest} becomes an {@link dev.laneway.gateway.pipeline.InferenceCall} ({@link
 * dev.laneway.gateway.pipeline.Calls}: class, region, deadline, the routing snapshot captured, the tenant
 * authenticated); {@link dev.laneway.gateway.pipeline.Pipeline#infer} routes it once ({@link
 * dev.laneway.gateway.pipeline.Dispatcher}), looks its texts up in the cache, dispatches the misses along the decision
 * ({@link dev.laneway.gateway.pipeline.Attempts}: fallback, hedging) and answers with one {@link
 * dev.laneway.gateway.pipeline.Answer} whose {@link dev.laneway.gateway.pipeline.ResponseParameters} are typed; {@link
 * dev.laneway.gateway.pipeline.DoorReplies} brings it back to the door's event loop. {@link
 * dev.laneway.gateway.pipeline.ErrorMapping} is the one place typed errors become HTTP and gRPC statuses; {@link
 * dev.laneway.gateway.pipeline.Intake} is the front gate drain waits on.
 *
 * <pre>{@code
 * InferenceCall call = pipeline.call(new DoorRequest("rest", id, model, version, texts, params, headers, addr, 0, ctx));
 * DoorReplies.complete(pipeline.infer(call), vertxContext, span, intake, this::respond, this::fail);
 * }</pre>
 */
package dev.laneway.gateway.pipeline;
