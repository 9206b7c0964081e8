"use strict"
// Channel lifecycle with the unmodified phoenix.js client (protocol 2.0.0): join replies, refusals,
// push replies, broadcasts, leave and duplicate joins. compat:* is PhoenixJsCompatibilityTest's
// CompatHandler; room:* is the built-in broadcast handler.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const {
  QUIET_MS, TEST_OPTS, sleep, eventually, uniqueTopic, connect, reply, joinOk, pushOk, collect, spy, RawClient,
} = require("./helpers")

test("join is answered ok with the handler's reply payload", TEST_OPTS, async t => {
  const socket = await connect(t)
  const params = { user: "ada", n: 1, nested: { list: [1, "two", null], unicode: "h\u00e9 \u2603" } }
  const channel = socket.channel(uniqueTopic("compat"), params)
  const response = await joinOk(channel)
  assert.deepEqual(response, { welcome: params })
  assert.equal(channel.state, "joined")
})

test("a join the handler refuses is answered error with its reason", TEST_OPTS, async t => {
  const socket = await connect(t, { rejoinAfterMs: () => 10000 })
  const channel = socket.channel(uniqueTopic("compat"), { deny: true })
  const r = await reply(channel.join(), "the join reply")
  assert.deepEqual(r, { status: "error", response: { reason: "denied" } })
  assert.equal(channel.state, "errored")
  channel.leave() // stops phoenix.js's rejoin timer
})

test("a join of a topic no route matches is answered error unmatched topic", TEST_OPTS, async t => {
  const socket = await connect(t, { rejoinAfterMs: () => 10000 })
  const channel = socket.channel("nope:1")
  const r = await reply(channel.join(), "the join reply")
  assert.deepEqual(r, { status: "error", response: { reason: "unmatched topic" } })
  channel.leave() // stops phoenix.js's rejoin timer
})

test("a push is answered with the handler's reply", TEST_OPTS, async t => {
  const socket = await connect(t)
  const channel = socket.channel(uniqueTopic("compat"))
  await joinOk(channel)
  assert.deepEqual(await pushOk(channel, "ping", { a: 1 }), { a: 1 })
  // several in flight at once: each reply must reach its own push
  const replies = await Promise.all([1, 2, 3, 4, 5].map(i => pushOk(channel, "ping", { i })))
  assert.deepEqual(replies, [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }])
})

test("a broadcast reaches every member, the sender included, exactly once", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const sockets = await Promise.all([connect(t), connect(t), connect(t)])
  const channels = sockets.map(s => s.channel(topic))
  await Promise.all(channels.map(joinOk))
  const received = channels.map(ch => collect(ch, "shout"))
  const payload = { body: "hello", from: 0, list: [1, 2, 3] }
  assert.deepEqual(await pushOk(channels[0], "shout", payload), {})
  await eventually(() => received.every(r => r.length >= 1), () => `shout at every member: ${JSON.stringify(received)}`)
  await sleep(QUIET_MS)
  received.forEach((r, i) => assert.deepEqual(r, [payload], `member ${i}`))
})

test("after leave a channel gets no more broadcasts, and the socket keeps working", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const [a, b] = await Promise.all([connect(t), connect(t)])
  const frames = spy(a)
  const left = a.channel(topic)
  const stay = b.channel(topic)
  await Promise.all([joinOk(left), joinOk(stay)])
  const leftJoinRef = left.joinRef()
  const leftShouts = collect(left, "shout")
  const stayShouts = collect(stay, "shout")

  const r = await reply(left.leave(), "the leave reply")
  assert.equal(r.status, "ok", JSON.stringify(r))
  assert.equal(left.state, "closed")
  // as Phoenix: the leave reply, then phx_close for the channel's join_ref
  await eventually(() => frames.some(m => m.topic === topic && m.event === "phx_close"),
    () => `phx_close after leave; got ${JSON.stringify(frames)}`)
  const close = frames.find(m => m.topic === topic && m.event === "phx_close")
  assert.equal(close.join_ref, leftJoinRef)

  await pushOk(stay, "shout", { n: 1 })
  await eventually(() => stayShouts.length === 1, "the remaining member to get the broadcast")
  await sleep(QUIET_MS)
  assert.deepEqual(leftShouts, [])
  assert.equal(frames.filter(m => m.event === "shout").length, 0, `frames after leave: ${JSON.stringify(frames)}`)

  // the socket that left still joins and receives
  assert.ok(a.isConnected())
  const again = a.channel(topic)
  await joinOk(again)
  const againShouts = collect(again, "shout")
  await pushOk(stay, "shout", { n: 2 })
  await eventually(() => againShouts.length === 1, "the rejoined channel to get the broadcast")
  await sleep(QUIET_MS)
  assert.deepEqual(againShouts, [{ n: 2 }])
  assert.deepEqual(leftShouts, [])
})

test("a second Channel for the same topic on one socket replaces the first", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const [socket, other] = await Promise.all([connect(t), connect(t)])
  const first = socket.channel(topic)
  await joinOk(first)
  const firstShouts = collect(first, "shout")
  const second = socket.channel(topic)
  const secondErrors = []
  second.onError(e => secondErrors.push(e))
  // phoenix.js leaves the first channel (leaveOpenTopic) before joining the second
  await joinOk(second)
  const secondShouts = collect(second, "shout")
  await eventually(() => first.state === "closed", () => `the first channel to close, state ${first.state}`)

  const sender = other.channel(topic)
  await joinOk(sender)
  await pushOk(sender, "shout", { n: 1 })
  await eventually(() => secondShouts.length >= 1, "the second channel to get the broadcast")
  await sleep(QUIET_MS)
  assert.deepEqual(secondShouts, [{ n: 1 }])
  assert.deepEqual(firstShouts, [])
  assert.deepEqual(secondErrors, [])
  assert.equal(second.state, "joined")
})

test("raw protocol: a second phx_join closes the old join_ref and joins the new one", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const raw = await RawClient.open(t)
  raw.send(["1", "1", topic, "phx_join", {}])
  await raw.next(f => f[1] === "1" && f[3] === "phx_reply", "the reply to the first join")
  assert.deepEqual(raw.frames, [["1", "1", topic, "phx_reply", { status: "ok", response: {} }]])

  raw.send(["2", "2", topic, "phx_join", {}])
  await raw.next(f => f[1] === "2" && f[3] === "phx_reply", "the reply to the second join")
  await raw.next(f => f[3] === "phx_close", "phx_close for the first join")
  // phx_close for the OLD join_ref and ok for the new join. Phoenix sends the reply first (the close
  // goes through the socket's mailbox); clients tell them apart by join_ref, so either order is fine.
  const byRef = frames => [...frames].sort((x, y) => x[1].localeCompare(y[1]))
  assert.deepEqual(byRef(raw.frames.slice(1)), [
    ["1", "1", topic, "phx_close", {}],
    ["2", "2", topic, "phx_reply", { status: "ok", response: {} }],
  ])

  // only the new join is subscribed: one broadcast, carrying no join_ref
  raw.send(["2", "3", topic, "shout", { n: 1 }])
  await raw.next(f => f[1] === "3", "the reply to the shout")
  await raw.next(f => f[3] === "shout", "the broadcast")
  await sleep(QUIET_MS)
  assert.deepEqual(raw.frames.slice(3).filter(f => f[3] === "shout"), [[null, null, topic, "shout", { n: 1 }]])
  assert.deepEqual(raw.frames.find(f => f[1] === "3"), ["2", "3", topic, "phx_reply", { status: "ok", response: {} }])
  assert.equal(raw.closed, null)
})

test("a server push reaches only the pushing socket's channel, with its join_ref", TEST_OPTS, async t => {
  const topic = uniqueTopic("compat")
  const [socket, other] = await Promise.all([connect(t), connect(t)])
  const frames = spy(socket)
  const channel = socket.channel(topic)
  const peer = other.channel(topic)
  await Promise.all([joinOk(channel), joinOk(peer)])
  const pushed = collect(channel, "pushed")
  const peerPushed = collect(peer, "pushed")
  assert.deepEqual(await pushOk(channel, "push_back", { hello: "you" }), {})
  await eventually(() => pushed.length >= 1, "the server push")
  await sleep(QUIET_MS)
  assert.deepEqual(pushed, [{ hello: "you" }])
  assert.deepEqual(peerPushed, [])
  // [join_ref, null, topic, event, payload]: a push carries the channel's join_ref and no ref
  assert.deepEqual(frames.find(m => m.event === "pushed"),
    { join_ref: channel.joinRef(), ref: null, topic, event: "pushed", payload: { hello: "you" } })
})

test("connect params reach the handler, vsn excluded", TEST_OPTS, async t => {
  const socket = await connect(t, { params: { token: "abc 123", user_id: 42 } })
  assert.match(socket.endPointURL(), /\?token=abc(%20|\+)123&user_id=42&vsn=2\.0\.0$/)
  const channel = socket.channel(uniqueTopic("compat"))
  await joinOk(channel)
  assert.deepEqual(await pushOk(channel, "connect_params", {}), { token: "abc 123", user_id: "42" })
})

test("an authToken client is answered with the phoenix subprotocol", TEST_OPTS, async t => {
  // phoenix.js offers ["phoenix", "base64url.bearer.phx.<token>"]; ws refuses a handshake that picks none
  const socket = await connect(t, { authToken: "s3cret-token" })
  assert.equal(socket.conn.protocol, "phoenix")
  const channel = socket.channel(uniqueTopic("compat"))
  await joinOk(channel)
  assert.deepEqual(await pushOk(channel, "ping", { auth: true }), { auth: true })
})
