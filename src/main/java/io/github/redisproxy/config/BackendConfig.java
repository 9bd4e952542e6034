package io.github.redisproxy.config;

import java.time.Duration;

/**
 * How to reach the backing Redis.
 *
 * @param address where it is
 * @param timeout how long one command may take before it fails
 * @param invalidation whether Redis is asked to report the keys the proxy read when they change
 */
public record BackendConfig(
    RedisAddress address, Duration timeout, InvalidationMode invalidation) {}
