/**
 * Connect authentication: JSON Web Tokens ({@link io.herald.node.auth.TokenVerifier}), where a connect
 * carries its token ({@link io.herald.node.auth.AuthToken}), what a token permits
 * ({@link io.herald.node.auth.Permissions}), and Phoenix's {@code check_origin}
 * ({@link io.herald.node.auth.OriginCheck}). Pure logic, no actors and no Netty: the socket edge calls it
 * before the upgrade.
 */
package io.herald.node.auth;
