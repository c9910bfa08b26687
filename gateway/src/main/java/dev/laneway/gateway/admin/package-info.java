/**
 * Operating a gateway: the admin API (lanes, fault injection, reload: {@link dev.laneway.gateway.admin.AdminApi}),
 * explain ({@link dev.laneway.gateway.admin.ExplainApi}), reloading the policy and topology ({@link
 * dev.laneway.gateway.admin.Reloader}) and watching their files ({@link dev.laneway.gateway.admin.ConfigWatcher}).
 *
 * <pre>{@code
 * Reloader.Result r = reloader.reload("admin");   // ok, or refused with file:line:col and the old one serving
 * }</pre>
 */
package dev.laneway.gateway.admin;
