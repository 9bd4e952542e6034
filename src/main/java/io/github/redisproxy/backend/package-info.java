/**
 * The only code that knows Lettuce: reads raw bytes from the backing Redis, keeps the connection
 * alive, and turns Lettuce's failures into {@link io.github.redisproxy.backend.BackendException}s.
 */
package io.github.redisproxy.backend;
