/**
 * The Reactor Netty HTTP front end: a request path becomes a {@link
 * io.github.redisproxy.lookup.Key}, a lookup becomes a status, headers and the raw value bytes.
 */
package io.github.redisproxy.http;
