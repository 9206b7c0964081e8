"use strict"
// Auth with the unmodified phoenix.js client against a node that requires JSON Web Tokens: the
// authToken option (sent as a sub-protocol) and a token param both work, permissions decide joins,
// a refused token never opens, and a disconnect by socket id keeps phoenix.js out: it reconnects
// after any server close (1.8), and the node refuses its token, issued before the disconnect.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const crypto = require("node:crypto")
const { Socket } = require("phoenix")
const WebSocket = require("ws")
const { QUIET_MS, TEST_OPTS, sleep, withTimeout, eventually, uniqueTopic, reply, joinOk, pushOk, collect } = require("./helpers")

// set by PhoenixJsCompatibilityTest: a second node with herald.auth.mode = required
const AUTH_WS_URL = process.env.HERALD_AUTH_WS_URL
const AUTH_API_URL = process.env.HERALD_AUTH_API_URL
const SECRET = process.env.HERALD_AUTH_SECRET
if (!AUTH_WS_URL || !AUTH_API_URL || !SECRET) {
  throw new Error("HERALD_AUTH_WS_URL, HERALD_AUTH_API_URL and HERALD_AUTH_SECRET must be set by PhoenixJsCompatibilityTest")
}
const ENDPOINT = AUTH_WS_URL.replace(/\/websocket$/, "")

const b64url = data => Buffer.from(data).toString("base64url")

/** An HS256 token, as a backend would mint it. */
function token(claims) {
  const body = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`
  return `${body}.${crypto.createHmac("sha256", SECRET).update(body).digest("base64url")}`
}

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600

function socketFor(t, opts) {
  const socket = new Socket(ENDPOINT, {
    transport: WebSocket, timeout: 5000, reconnectAfterMs: () => 50, rejoinAfterMs: () => 50, ...opts,
  })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  return socket
}

async function opened(socket) {
  const open = new Promise((resolve, reject) => {
    socket.onOpen(resolve)
    socket.onError(error => reject(new Error(`socket error before open: ${error && error.message}`)))
  })
  socket.connect()
  await withTimeout(open, "the socket to open")
}

test("phoenix.js's authToken option connects, joins and publishes where the token allows", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const socket = socketFor(t, { authToken: token({ sub: "js-ada", exp: inAnHour(), channels: { "room:*": ["join", "publish"] } }) })
  await opened(socket)
  const channel = socket.channel(topic)
  await joinOk(channel)
  const got = collect(channel, "shout")
  await pushOk(channel, "shout", { body: "hi" })
  await eventually(() => got.length === 1, "the broadcast back")
  assert.deepEqual(got, [{ body: "hi" }])
})

test("a token param works too, and a join the token does not allow is refused unauthorized", TEST_OPTS, async t => {
  const socket = socketFor(t, { params: { token: token({ sub: "js-bob", exp: inAnHour(), channels: { "room:news": ["join"] } }) } })
  await opened(socket)
  const news = socket.channel("room:news")
  await joinOk(news)
  const push = await reply(news.push("shout", { body: "not mine to say" }), "the refused push")
  assert.deepEqual(push, { status: "error", response: { reason: "unauthorized" } })
  const other = await reply(socket.channel(uniqueTopic("room")).join(), "the refused join")
  assert.deepEqual(other, { status: "error", response: { reason: "unauthorized" } })
})

test("a bad token never opens: phoenix.js sees an error, not a socket", TEST_OPTS, async t => {
  const forged = token({ sub: "js-eve", exp: inAnHour() }).slice(0, -4) + "AAAA"
  const socket = socketFor(t, { params: { token: forged }, reconnectAfterMs: () => 10_000 })
  let opens = 0
  socket.onOpen(() => opens++)
  const errored = new Promise(resolve => socket.onError(resolve))
  socket.connect()
  await withTimeout(errored, "the connect error")
  await sleep(QUIET_MS)
  assert.equal(opens, 0)
  assert.equal(socket.isConnected(), false)
})

test("a disconnect by socket id closes with 1000 and phoenix.js's reconnects are refused", TEST_OPTS, async t => {
  const sub = `js-carol-${process.pid}`
  const socket = socketFor(t, { authToken: token({ sub, exp: inAnHour(), channels: { "room:*": ["join"] } }) })
  await opened(socket)
  await joinOk(socket.channel(uniqueTopic("room")))
  let opens = 0
  socket.onOpen(() => opens++)
  const closed = new Promise(resolve => socket.onClose(resolve))
  const response = await fetch(`${AUTH_API_URL}/api/sockets/${sub}/disconnect`, { method: "POST" })
  assert.equal(response.status, 200)
  assert.equal((await response.json()).sockets, 1)
  const event = await withTimeout(closed, "the close")
  assert.equal(event.code, 1000)
  await sleep(500) // phoenix.js retries every 50 ms here (reconnectAfterMs); each try is refused with 403
  assert.equal(opens, 0, "phoenix.js got back in with its old token")
  assert.equal(socket.isConnected(), false)
})
