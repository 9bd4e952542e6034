package io.github.redisproxy.config;

import java.time.Duration;

/**
 * How to reach the backing Redis.
 *
 * @param address where it is
 * @param timeout how long one command may take before it fails
 */
public record BackendConfig(RedisAddress address, Duration timeout) {}
