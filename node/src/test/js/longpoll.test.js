"use strict"
// Phoenix's long-poll transport (phoenix.js `transport: LongPoll`, and its fallback with
// longPollFallbackMs when the WebSocket is refused): the same channel semantics as over a WebSocket,
// on the same node. Cross-node polls and bad input are LongPollTest's (Java).
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { Socket, LongPoll } = require("phoenix")
const WebSocket = require("ws")
const {
  ENDPOINT, WAIT_MS, QUIET_MS, TEST_OPTS, sleep, withTimeout, eventually, uniqueTopic, connect, connectLongPoll, open, reply,
  joinOk, pushOk, collect,
} = require("./helpers")

const LONGPOLL_URL = ENDPOINT.replace(/^ws/, "http") + "/longpoll"

test("over long-poll: join, a push with its reply, broadcasts both ways with a WebSocket, leave", TEST_OPTS, async t => {
  const socket = await connectLongPoll(t)
  const ws = await connect(t)
  const topic = uniqueTopic("room")
  const lp = socket.channel(topic, { user: "lp" })
  const other = ws.channel(topic)
  await Promise.all([joinOk(lp), joinOk(other)])
  const lpShouts = collect(lp, "shout")
  const wsShouts = collect(other, "shout")

  // a push from the long-poll socket: replied, and broadcast to both (the sender included)
  assert.deepEqual(await pushOk(lp, "shout", { from: "lp", n: 1 }), {})
  // and from the WebSocket: reaches the long-poll socket at its next poll
  await pushOk(other, "shout", { from: "ws", n: 2 })
  await eventually(() => lpShouts.length >= 2 && wsShouts.length >= 2,
    () => `both shouts at both members: lp ${JSON.stringify(lpShouts)}, ws ${JSON.stringify(wsShouts)}`)
  await sleep(QUIET_MS)
  assert.deepEqual(lpShouts, [{ from: "lp", n: 1 }, { from: "ws", n: 2 }])
  assert.deepEqual(wsShouts, [{ from: "lp", n: 1 }, { from: "ws", n: 2 }])

  // a handler's reply (compat:* echoes its payload) and an error reply
  const compat = socket.channel(uniqueTopic("compat"))
  await joinOk(compat)
  assert.deepEqual(await pushOk(compat, "ping", { a: [1, "two"], s: "h\u00e9 \"q\" \\ \n" }), { a: [1, "two"], s: "h\u00e9 \"q\" \\ \n" })
  const refused = await reply(socket.channel("nope:1").join(), "the join reply of an unmatched topic")
  assert.deepEqual(refused, { status: "error", response: { reason: "unmatched topic" } })

  // leave: ok, and no more broadcasts
  const left = await reply(lp.leave(), "the leave reply")
  assert.equal(left.status, "ok", JSON.stringify(left))
  await pushOk(other, "shout", { from: "ws", n: 3 })
  await eventually(() => wsShouts.length === 3, "the third shout at the WebSocket")
  await sleep(QUIET_MS)
  assert.equal(lpShouts.length, 2, `shouts after leave: ${JSON.stringify(lpShouts)}`)
})

test("many pushes at once from long-poll are each replied, in order", TEST_OPTS, async t => {
  const socket = await connectLongPoll(t)
  const channel = socket.channel(uniqueTopic("compat"))
  await joinOk(channel)
  // phoenix.js batches pushes made in one tick into one POST (at most 100 lines each)
  const n = 250
  const replies = await Promise.all(Array.from({ length: n }, (_, i) => pushOk(channel, "ping", { i })))
  assert.deepEqual(replies, Array.from({ length: n }, (_, i) => ({ i })))
})

test("longPollFallbackMs falls back to long-poll when the WebSocket is refused", TEST_OPTS, async t => {
  // A WebSocket the node refuses (HTTP 403: an Origin the check does not allow), as a proxy that
  // breaks WebSockets would make it fail; long-poll requests carry no Origin from Node and pass.
  class RefusedWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { origin: "http://evil.example" })
    }
  }
  const errors = []
  const socket = new Socket(ENDPOINT, {
    transport: RefusedWebSocket,
    longPollFallbackMs: 2000,
    timeout: WAIT_MS,
    reconnectAfterMs: () => 50,
    rejoinAfterMs: () => 50,
    // Node has no sessionStorage: a Storage of our own, where phoenix.js remembers the fallback
    sessionStorage: { store: new Map(), getItem(k) { return this.store.get(k) }, setItem(k, v) { this.store.set(k, v) } },
  })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  socket.onError(e => errors.push(e))
  let opened
  const openedOnce = new Promise(resolve => { opened = socket.onOpen(resolve) })
  socket.connect()
  await withTimeout(openedOnce, "the socket to open after falling back")
  socket.off([opened])
  await eventually(() => socket.conn instanceof LongPoll, "the long-poll transport")
  assert.ok(errors.length >= 1, "the WebSocket attempt failed first")
  assert.equal(socket.sessionStore.getItem("phx:fallback:LongPoll"), "true", "phoenix.js remembers the fallback")

  const ws = await connect(t)
  const topic = uniqueTopic("room")
  const lp = socket.channel(topic)
  const other = ws.channel(topic)
  await Promise.all([joinOk(lp), joinOk(other)])
  const got = collect(lp, "shout")
  await pushOk(other, "shout", { n: 1 })
  await eventually(() => got.length === 1, () => `the broadcast over the fallback: ${JSON.stringify(got)}`)
  assert.deepEqual(await pushOk(lp, "shout", { n: 2 }), {})
})

test("a poll with a forged token is answered 410, and phoenix.js opens a new session and rejoins", TEST_OPTS, async t => {
  const forged = await fetch(`${LONGPOLL_URL}?vsn=2.0.0&token=${"A".repeat(40)}.${"B".repeat(43)}`)
  assert.equal(forged.status, 200)
  assert.deepEqual(await forged.json(), { status: 410 })

  const socket = await connectLongPoll(t)
  const topic = uniqueTopic("room")
  const channel = socket.channel(topic)
  await joinOk(channel)
  const first = socket.conn.token
  // the session's token corrupted under phoenix.js: its next poll gets 410 (session gone) and it reconnects
  socket.conn.token = first.slice(0, -2) + (first.endsWith("AA") ? "BB" : "AA")
  await eventually(() => socket.conn && socket.conn.token && socket.conn.token !== first && channel.state === "joined"
    && socket.isConnected(), "a new session with the channel rejoined", WAIT_MS * 2)
  const got = collect(channel, "shout")
  const ws = await connect(t)
  const other = ws.channel(topic)
  await joinOk(other)
  await pushOk(other, "shout", { n: 1 })
  await eventually(() => got.length === 1, () => `the broadcast after rejoining: ${JSON.stringify(got)}`)
})

test("with auth required, long-poll takes phoenix.js's authToken (a header) and a token param, and refuses a bad one with 403", TEST_OPTS, async t => {
  const crypto = require("node:crypto")
  const authEndpoint = process.env.HERALD_AUTH_WS_URL.replace(/\/websocket$/, "")
  const b64url = data => Buffer.from(data).toString("base64url")
  const jwt = claims => {
    const body = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`
    return `${body}.${crypto.createHmac("sha256", process.env.HERALD_AUTH_SECRET).update(body).digest("base64url")}`
  }
  const claims = { sub: "lp-ada", exp: Math.floor(Date.now() / 1000) + 3600, channels: { "room:*": ["join", "publish"] } }
  for (const opts of [{ authToken: jwt(claims) }, { params: { token: jwt(claims) } }]) {
    const socket = new Socket(authEndpoint, { transport: LongPoll, timeout: WAIT_MS, reconnectAfterMs: () => 50, ...opts })
    t.after(() => new Promise(resolve => socket.disconnect(resolve)))
    await open(socket)
    const channel = socket.channel(uniqueTopic("room"))
    await joinOk(channel)
    const got = collect(channel, "shout")
    await pushOk(channel, "shout", { via: Object.keys(opts)[0] })
    await eventually(() => got.length === 1, "the broadcast back over long-poll")
  }

  const refused = new Socket(authEndpoint, { transport: LongPoll, timeout: WAIT_MS, reconnectAfterMs: () => 10000, authToken: "not-a-jwt" })
  t.after(() => new Promise(resolve => refused.disconnect(resolve)))
  const error = new Promise(resolve => refused.onError(resolve))
  refused.connect()
  assert.equal(await withTimeout(error, "the refusal"), 403)
  assert.equal(refused.isConnected(), false)
})
