/**
 * The entry point and composition root: reads the configuration, starts every part in order, stops
 * them in reverse.
 */
package io.github.redisproxy.app;
