/**
 * Transport security of the listeners: {@link dev.laneway.gateway.security.ServerCertificate} (a PEM chain and key, checked
 * before use: parses, key matches, valid now), {@link dev.laneway.gateway.security.ServerTls} (the certificate every listener
 * serves, rotated without a restart through {@code HttpServer.updateSSLOptions}, its expiry gauge) and
 * {@link dev.laneway.gateway.security.TransportChecks} (what runs in clear: warnings, and refusals when TLS is required).
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.load(Path.of("server.crt"), Path.of("server.key"), InstantSource.system());
 * HttpServerOptions o = tls.apply(new HttpServerOptions().setPort(8443));
 * }</pre>
 */
package dev.laneway.gateway.security;
