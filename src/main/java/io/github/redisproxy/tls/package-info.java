/**
 * TLS for the ports the proxy opens: certificates read from PEM files, contexts built with Netty's
 * {@code SslContextBuilder} (OpenSSL through netty-tcnative where it loads, the JDK otherwise), and
 * re-read when the files change, so that new connections get the new certificate while open ones
 * keep theirs.
 */
package io.github.redisproxy.tls;
