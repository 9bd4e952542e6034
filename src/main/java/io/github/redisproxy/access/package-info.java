/**
 * Access control: who may read which keys. Clients and the hashes of their tokens come from
 * AUTH_TOKENS_FILE, re-read when it changes; tokens are checked in constant time against every
 * entry; the management port's purges take MANAGEMENT_TOKEN. Knows nothing of HTTP or RESP: the
 * front ends ask it, and turn its answers into their statuses and errors.
 */
package io.github.redisproxy.access;
