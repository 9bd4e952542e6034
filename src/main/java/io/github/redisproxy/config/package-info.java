/**
 * Immutable settings and how they are read: defaults, then {@code ./.env}, then the environment,
 * then {@code --kebab-case=value} flags. Every setting is described once, in {@link
 * io.github.redisproxy.config.Settings}.
 */
package io.github.redisproxy.config;
