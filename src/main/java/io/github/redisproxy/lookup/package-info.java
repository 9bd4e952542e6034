/**
 * The one service every front end calls: a key becomes a hit, a miss, an absent key or a failure,
 * through the local cache and, on a miss, the backend; a concurrency gate bounds how many lookups
 * run and wait at once.
 */
package io.github.redisproxy.lookup;
