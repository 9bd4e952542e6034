package io.github.redisproxy.config;

import java.time.Duration;

/**
 * The local cache's bounds.
 *
 * @param capacity the maximum number of loaded keys
 * @param expiry how long an entry lives after its load completed
 * @param policy which key goes when the cache is full
 */
public record CacheConfig(int capacity, Duration expiry, CachePolicy policy) {}
