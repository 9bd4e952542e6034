/**
 * Starts and stops a real redis-server child process: the one on {@code PATH}, else the binary
 * shipped in {@code com.github.codemonstur:embedded-redis}. Used by {@code REDIS_ADDRESS=embedded}
 * and by the tests.
 */
package io.github.redisproxy.backend.embedded;
