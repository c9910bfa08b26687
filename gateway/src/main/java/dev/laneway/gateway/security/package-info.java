/**
 * Nothing in clear, nobody unnamed. Transport: {@link dev.laneway.gateway.security.ServerCertificate} (a PEM chain and
 * PKCS#8 key, checked before use: parses, key matches, valid now), {@link dev.laneway.gateway.security.ServerTls} (the
 * certificate every listener serves, rotated without a restart through {@code HttpServer.updateSSLOptions}; its expiry
 * gauge), {@link dev.laneway.gateway.security.ClientCerts} (client certificates the listeners ask for: a node's gRPC
 * listener requiring gateways' certificates and identities; a verified certificate's names, which the policy's
 * {@code client_certificates} map to a tenant), {@link dev.laneway.gateway.security.TransportChecks} (plaintext warnings; refusals when TLS is
 * required). Callers: {@link dev.laneway.gateway.security.KeyChecks} (clear-text API keys refused),
 * {@link dev.laneway.gateway.security.AuthFailures} (failed authentications per source, slowed),
 * {@link dev.laneway.gateway.security.AdminDoor} (the admin listener's token and audit log),
 * {@link dev.laneway.gateway.security.KeysCommand} ({@code laneway keys new TENANT}).
 *
 * <pre>{@code
 * ServerTls tls = ServerTls.load(Path.of("server.crt"), Path.of("server.key"), InstantSource.system());
 * HttpServerOptions o = tls.apply(new HttpServerOptions().setPort(8443));
 * }</pre>
 */
package dev.laneway.gateway.security;
