"use strict"
// Recovery with the unmodified phoenix.js client: a crashed channel rejoins, a socket the server
// closes reconnects and rejoins, and heartbeats keep an idle socket open.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const {
  QUIET_MS, TEST_OPTS, sleep, eventually, uniqueTopic, connect, reply, joinOk, pushOk, collect, spy,
} = require("./helpers")

test("a channel whose handler crashes gets phx_error and phoenix.js rejoins it", TEST_OPTS, async t => {
  const topic = uniqueTopic("compat")
  const params = { who: "crash-test" }
  const [socket, other] = await Promise.all([connect(t), connect(t)])
  const frames = spy(socket)
  const channel = socket.channel(topic, params)
  const joins = []
  const errors = []
  channel.onError(reason => errors.push(reason))
  channel.join().receive("ok", response => joins.push(response))
  await eventually(() => joins.length === 1, "the first join")
  const firstJoinRef = channel.joinRef()

  // a crashed channel answers nothing (as Phoenix); the short timeout keeps the push from outliving the test
  const crash = reply(channel.push("crash", {}, 1000), "the crash push to end")
  await eventually(() => errors.length >= 1 && joins.length >= 2,
    () => `phx_error then a second join ok; errors ${JSON.stringify(errors)}, joins ${JSON.stringify(joins)}, frames ${JSON.stringify(frames)}`)
  assert.deepEqual(errors, [{ reason: "channel_crash" }])
  assert.deepEqual(joins, [{ welcome: params }, { welcome: params }])
  const error = frames.find(m => m.event === "phx_error")
  assert.deepEqual(error, { join_ref: firstJoinRef, ref: firstJoinRef, topic, event: "phx_error", payload: { reason: "channel_crash" } })
  assert.notEqual(channel.joinRef(), firstJoinRef)
  assert.equal(channel.state, "joined")
  assert.ok(socket.isConnected(), "a channel crash must not close the socket")
  assert.equal((await crash).status, "timeout")

  // the rejoined channel works: replies and broadcasts both ways
  assert.deepEqual(await pushOk(channel, "ping", { after: "crash" }), { after: "crash" })
  const peer = other.channel(topic)
  await joinOk(peer)
  const mine = collect(channel, "shout")
  const theirs = collect(peer, "shout")
  await pushOk(channel, "shout", { n: 1 })
  await pushOk(peer, "shout", { n: 2 })
  await eventually(() => mine.length >= 2 && theirs.length >= 2, "both broadcasts at both members")
  await sleep(QUIET_MS)
  assert.deepEqual(mine, [{ n: 1 }, { n: 2 }])
  assert.deepEqual(theirs, [{ n: 1 }, { n: 2 }])
  assert.equal(errors.length, 1)
})

test("a socket the server closes for a malformed frame reconnects and rejoins", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const [socket, other] = await Promise.all([connect(t), connect(t)])
  let opens = 1 // connect() waited for the first
  const closes = []
  socket.onOpen(() => opens++)
  socket.onClose(event => closes.push({ code: event.code, reason: event.reason }))
  const channel = socket.channel(topic)
  const joins = []
  const errors = []
  channel.join().receive("ok", () => joins.push(channel.joinRef()))
  channel.onError(reason => errors.push(reason))
  await eventually(() => joins.length === 1, "the first join")

  // not JSON, so no topic or ref to answer: the server closes this socket with 1007
  socket.conn.send("not json")
  await eventually(() => closes.length >= 1 && opens >= 2 && joins.length >= 2 && channel.state === "joined",
    () => `close, reopen and rejoin; closes ${JSON.stringify(closes)}, opens ${opens}, joins ${joins}, state ${channel.state}`)
  assert.equal(closes[0].code, 1007, JSON.stringify(closes))
  assert.match(closes[0].reason, /^malformed message/)
  assert.equal(closes.length, 1)
  assert.equal(opens, 2)
  assert.ok(errors.length >= 1, "phoenix.js errors the channel when its connection closes")
  assert.notEqual(joins[1], joins[0])

  const peer = other.channel(topic)
  await joinOk(peer)
  const shouts = collect(channel, "shout")
  await pushOk(peer, "shout", { after: "reconnect" })
  await eventually(() => shouts.length >= 1, "the broadcast after the reconnect")
  await sleep(QUIET_MS)
  assert.deepEqual(shouts, [{ after: "reconnect" }])
  assert.deepEqual(await pushOk(channel, "shout", { mine: true }), {})
})

test("heartbeats are answered and keep the socket open", TEST_OPTS, async t => {
  const socket = await connect(t, { heartbeatIntervalMs: 200 })
  const frames = spy(socket)
  const closes = []
  let reopens = 0
  socket.onClose(event => closes.push(event.code))
  socket.onOpen(() => reopens++)
  await sleep(1500)
  const replies = frames.filter(m => m.topic === "phoenix" && m.event === "phx_reply")
  assert.ok(replies.length >= 3, `heartbeat replies in 1.5 s: ${JSON.stringify(frames)}`)
  for (const r of replies) {
    assert.deepEqual(r.payload, { status: "ok", response: {} })
    assert.equal(r.join_ref, null)
    assert.match(r.ref, /^\d+$/)
  }
  assert.equal(new Set(replies.map(r => r.ref)).size, replies.length, "one reply per heartbeat ref")
  assert.deepEqual(closes, [])
  assert.equal(reopens, 0)
  assert.ok(socket.isConnected())
})
