// Phoenix V2 clients for the cluster scripts (failover.js, rolling-upgrade.js): plain `ws` sockets so
// that a script sees every frame, every close and every reconnect itself.
"use strict";
const WebSocket = require("ws");

/** Milliseconds, monotonic, with sub-millisecond precision. */
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const url = (port) => `ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`;
/** phoenix.js's heartbeat interval. */
const HEARTBEAT_MS = 20000;

/** `--name=value` arguments as an object. */
function parseArgs(argv) {
  return Object.fromEntries(argv.map((a) => a.replace(/^--/, "").split("=")));
}

/** Opens a socket to `port`; `onFrame` gets each decoded V2 frame, `onClose` (optional) the close code. */
function open(port, onFrame, onClose) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url(port));
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
    ws.on("message", (data) => onFrame(JSON.parse(data.toString())));
    if (onClose) ws.on("close", (code) => onClose(code));
  });
}

/**
 * Joins `topics` (topic i with join ref i + 1), resolving once every join is answered; `pending` is the
 * ref -> resolver map the socket's frame handler resolves on a phx_reply.
 */
async function joinAll(ws, pending, topics) {
  const joins = topics.map((topic, i) => {
    const ref = String(i + 1);
    const answered = new Promise((resolve) => pending.set(ref, resolve));
    ws.send(JSON.stringify([ref, ref, topic, "phx_join", {}]));
    return answered;
  });
  return Promise.all(joins);
}

/** Sends phoenix.js's heartbeat every HEARTBEAT_MS; returns the timer. */
function heartbeat(ws) {
  return setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify([null, "hb", "phoenix", "heartbeat", {}]));
  }, HEARTBEAT_MS);
}

module.exports = { now, url, parseArgs, open, joinAll, heartbeat };
