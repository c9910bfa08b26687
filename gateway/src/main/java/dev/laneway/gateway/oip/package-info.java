/**
 * The Open Inference Protocol doors: REST (JSON and the binary tensor extension, {@link
 * dev.laneway.gateway.oip.OipRestApi}) and gRPC with streaming ({@link dev.laneway.gateway.oip.OipGrpc}), and the model
 * catalog both answer metadata and readiness from ({@link dev.laneway.gateway.oip.ModelCatalog}). The messages and
 * tensor codecs are {@code dev.laneway.protocol}'s.
 *
 * <pre>{@code
 * new OipRestApi(pipeline, intake, tracing, catalog, options).mount(router, bodyHandler);
 * }</pre>
 */
package dev.laneway.gateway.oip;
