/**
 * The seam between Herald's actors and its transport: what a socket's actor and the node fan-out may
 * do to client connections (send a frame, share one encoded broadcast, close with a code). Nothing here
 * knows Netty; the transport implements it.
 */
package io.herald.node.outlet;
