/**
 * The live status page on the HTTP port: {@link dev.laneway.gateway.status.StatusPage} serves {@code /status} (one
 * self-contained HTML page) and {@code /status.json} ({@link dev.laneway.gateway.status.StatusData}: lanes, breakers,
 * faults, latency by class over the last minute, SLO burn rates, cache hit ratio, slow requests with trace links).
 *
 * <pre>{@code
 * new StatusPage(new StatusData(topology, lanes, pipeline.slo(), metrics, options.traceUrl())).mount(router);
 * }</pre>
 */
package dev.laneway.gateway.status;
