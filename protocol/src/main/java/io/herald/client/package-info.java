/**
 * A Phoenix Channels client on {@link java.net.http.WebSocket}, for Herald's integration and load
 * tests: {@link io.herald.client.Socket}, {@link io.herald.client.Channel}, {@link
 * io.herald.client.SocketOptions}. On topics that keep history a channel recovers the messages it
 * missed when it rejoins, and reports how that went: {@link io.herald.client.Channel#onRecovery}.
 *
 * <p>Threading: every public method is thread-safe. Callbacks and the completion of returned futures
 * happen on the socket's dispatch thread (an executor thread of the {@code HttpClient}, which the
 * WebSocket listener hands events to in order) or on the timer thread (the socket's scheduler), never
 * while this package holds a lock. Do not block in them; use the {@code ...Async} methods of
 * {@link java.util.concurrent.CompletableFuture} for slow work.
 */
package io.herald.client;
