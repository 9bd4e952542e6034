/**
 * The Redis-protocol (RESP2) front end: Netty's Redis codec parses and writes the protocol,
 * commands become lookups through the same {@link io.github.redisproxy.lookup.LookupService} as
 * HTTP, and replies go back in command order.
 */
package io.github.redisproxy.resp;
