"use strict"
// Plumbing shared by the compatibility tests: real phoenix.js sockets over the `ws` package, raw
// `ws` clients for frames phoenix.js never sends, and waits that fail fast instead of hanging.
const assert = require("node:assert/strict")
const { Socket, LongPoll } = require("phoenix")
const WebSocket = require("ws")

// ws://127.0.0.1:PORT/socket/websocket, set by PhoenixJsCompatibilityTest
const WS_URL = process.env.HERALD_WS_URL
if (!WS_URL) {
  throw new Error("HERALD_WS_URL is not set: these tests run from PhoenixJsCompatibilityTest against a live node")
}
// phoenix.js appends "/websocket" to the endpoint it is given
const ENDPOINT = WS_URL.replace(/\/websocket$/, "")
// the longest any single await may take: a missing frame fails in seconds, not at the runner's timeout
const WAIT_MS = 5000
// how long to keep listening before concluding that a frame did NOT arrive (or arrived only once)
const QUIET_MS = 300
// per-test budget passed to node:test, above the sum of the waits a test makes
const TEST_OPTS = { timeout: 20000 }

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

function withTimeout(promise, what, ms = WAIT_MS) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Polls until cond() holds; fails with `what` after ms. */
async function eventually(cond, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === "function" ? what() : what}`)
    }
    await sleep(10)
  }
}

/** A topic no other test (or earlier run against the same node) uses. */
function uniqueTopic(prefix) {
  return `${prefix}:${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

// Protocol 1.0.0 sends JSON objects; phoenix.js only ships the 2.0.0 array serializer.
const V1 = {
  vsn: "1.0.0",
  encode: (msg, cb) => cb(JSON.stringify({
    topic: msg.topic, event: msg.event, payload: msg.payload, ref: msg.ref, join_ref: msg.join_ref
  })),
  decode: (raw, cb) => cb(JSON.parse(raw)),
}

/**
 * Opens a phoenix.js Socket over `ws` (Node 20 has no global WebSocket, and phoenix.js would
 * silently fall back to long-polling) and waits for it to open. Disconnected when the test ends.
 */
async function connect(t, opts = {}) {
  const socket = new Socket(ENDPOINT, {
    transport: WebSocket,
    timeout: WAIT_MS,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
    ...opts,
  })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  let opened
  const open = new Promise((resolve, reject) => {
    opened = socket.onOpen(resolve)
    socket.onError(error => reject(new Error(`socket error before open: ${error && error.message}`)))
  })
  socket.connect()
  await withTimeout(open, `${socket.endPointURL()} to open`)
  socket.off([opened])
  assert.ok(socket.conn instanceof WebSocket, "phoenix.js must use the ws transport, not long-polling")
  return socket
}

/** The first reply to a phoenix.js Push: {status: "ok" | "error" | "timeout", response}. */
function reply(push, what) {
  return withTimeout(new Promise(resolve => {
    for (const status of ["ok", "error", "timeout"]) {
      push.receive(status, response => resolve({ status, response }))
    }
  }), what)
}

async function joinOk(channel) {
  const r = await reply(channel.join(), `the join reply of ${channel.topic}`)
  assert.equal(r.status, "ok", `join of ${channel.topic} answered ${JSON.stringify(r)}`)
  return r.response
}

async function pushOk(channel, event, payload) {
  const r = await reply(channel.push(event, payload), `the reply to ${event} on ${channel.topic}`)
  assert.equal(r.status, "ok", `${event} on ${channel.topic} answered ${JSON.stringify(r)}`)
  return r.response
}

/** Every payload of `event` the channel receives, in order. */
function collect(channel, event) {
  const got = []
  channel.on(event, payload => got.push(payload))
  return got
}

/** Every decoded message the socket receives (after phoenix.js decoding, before channel dispatch). */
function spy(socket) {
  const got = []
  socket.onMessage(msg => got.push(msg))
  return got
}

/** A bare `ws` client that records every server frame (text frames parsed as JSON). */
class RawClient {
  static async open(t, query = "vsn=2.0.0") {
    const client = new RawClient(new WebSocket(`${WS_URL}?${query}`))
    t.after(() => client.ws.terminate())
    await withTimeout(new Promise((resolve, reject) => {
      client.ws.once("open", resolve)
      client.ws.once("error", reject)
    }), "a raw WebSocket to open")
    return client
  }

  constructor(ws) {
    this.ws = ws
    this.frames = []
    this.presenceFrames = []
    this.closed = null
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        this.frames.push(data)
        return
      }
      const text = data.toString("utf8")
      try {
        const frame = JSON.parse(text)
        // room:* has presence on: its presence_state/presence_diff go apart, so that assertions on
        // frame sequences are about the channel protocol (presence.test.js tests presence)
        const event = Array.isArray(frame) ? frame[3] : frame && frame.event
        if (event === "presence_state" || event === "presence_diff") {
          this.presenceFrames.push(frame)
          return
        }
        this.frames.push(frame)
      } catch (e) {
        this.frames.push({ unparsable: text })
      }
    })
    ws.on("close", (code, reason) => { this.closed = { code, reason: reason.toString("utf8") } })
    ws.on("error", () => {}) // surfaced through `closed`
  }

  send(frame) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame))
  }

  /** The first frame matching pred, waiting for it. */
  async next(pred, what) {
    await eventually(() => this.frames.some(pred),
      () => `${what}; frames so far: ${JSON.stringify(this.frames)}, closed: ${JSON.stringify(this.closed)}`)
    return this.frames.find(pred)
  }
}

/** A phoenix.js Socket over long-poll, open; disconnected when the test ends. */
async function connectLongPoll(t, opts = {}) {
  const socket = new Socket(ENDPOINT, {
    transport: LongPoll,
    timeout: WAIT_MS,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
    ...opts,
  })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  await open(socket)
  assert.ok(socket.conn instanceof LongPoll, "phoenix.js must use the long-poll transport")
  return socket
}

function open(socket) {
  let opened
  const promise = new Promise((resolve, reject) => {
    opened = socket.onOpen(resolve)
    socket.onError(error => reject(new Error(`socket error before open: ${error && error.message || error}`)))
  })
  socket.connect()
  return withTimeout(promise, `${socket.endPointURL()} to open`).finally(() => socket.off([opened]))
}

module.exports = {
  WS_URL, ENDPOINT, WAIT_MS, QUIET_MS, TEST_OPTS, V1,
  sleep, withTimeout, eventually, uniqueTopic, connect, connectLongPoll, open, reply, joinOk, pushOk, collect, spy, RawClient,
}
