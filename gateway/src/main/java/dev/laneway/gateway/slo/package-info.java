/**
 * Operating by promises: the SLO file ({@link dev.laneway.gateway.slo.SloSpec}, read by {@link
 * dev.laneway.gateway.slo.SloLoader}; embedded default {@code laneway/default-slo.yaml}), the Prometheus rules it
 * generates ({@link dev.laneway.gateway.slo.RuleGenerator}, {@code ./laneway slo rules}: recording rules, multi-window
 * multi-burn-rate alerts, operational alerts), and the same burn rates inside the gateway ({@link
 * dev.laneway.gateway.slo.BurnRates}) feeding admission ({@link dev.laneway.gateway.slo.Shedder}, a pure function;
 * {@link dev.laneway.gateway.slo.SloGuard} composes them).
 *
 * <pre>{@code
 * SloSpec spec = SloLoader.load(Path.of("slo.yaml"));       // file:line:col on error
 * String rules = RuleGenerator.rules(spec);                  // what deploy/prometheus/ holds for the default
 * SloGuard guard = SloGuard.create(spec, meter, System::nanoTime);
 * if (guard.shedding().sheds("batch")) { ... }               // 429 slo_shed
 * }</pre>
 */
package dev.laneway.gateway.slo;
