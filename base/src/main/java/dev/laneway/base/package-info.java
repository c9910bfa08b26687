/**
 * The few types every Laneway module shares and may depend on: {@link dev.laneway.base.ModelKey} (the one
 * {@code model:variant}), {@link dev.laneway.base.InFlight} (what drain waits on, without polling) and
 * {@link dev.laneway.base.AttributeNames} (span and metric attribute names, declared once). A leaf: it depends on
 * nothing of ours, only on {@code opentelemetry-api}.
 *
 * <pre>{@code
 * span.setAttribute(AttributeNames.LANE, lane.id());
 * }</pre>
 */
package dev.laneway.base;
