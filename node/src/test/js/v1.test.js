"use strict"
// Protocol 1.0.0 (JSON objects, phoenix.js with a custom encode/decode), alone and mixed with 2.0.0
// sockets on the same topic.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const {
  QUIET_MS, TEST_OPTS, V1, sleep, eventually, uniqueTopic, connect, joinOk, pushOk, collect, spy, RawClient,
} = require("./helpers")

test("V1: join with a reply payload and push with reply", TEST_OPTS, async t => {
  const socket = await connect(t, V1)
  assert.match(socket.endPointURL(), /[?&]vsn=1\.0\.0$/)
  const frames = spy(socket)
  const params = { user: "v1", n: 7 }
  const channel = socket.channel(uniqueTopic("compat"), params)
  assert.deepEqual(await joinOk(channel), { welcome: params })
  assert.deepEqual(await pushOk(channel, "ping", { a: 1 }), { a: 1 })
  // 1.0.0 server frames are objects with topic, event, payload and ref, and no join_ref
  const joinReply = frames.find(m => m.event === "phx_reply" && m.topic === channel.topic)
  assert.deepEqual(Object.keys(joinReply).sort(), ["event", "payload", "ref", "topic"])
})

test("V1: a broadcast reaches every V1 member, the sender included", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const sockets = await Promise.all([connect(t, V1), connect(t, V1)])
  const channels = sockets.map(s => s.channel(topic))
  await Promise.all(channels.map(joinOk))
  const received = channels.map(ch => collect(ch, "shout"))
  await pushOk(channels[1], "shout", { from: "v1" })
  await eventually(() => received.every(r => r.length >= 1), () => `shout at both: ${JSON.stringify(received)}`)
  await sleep(QUIET_MS)
  received.forEach((r, i) => assert.deepEqual(r, [{ from: "v1" }], `member ${i}`))
})

test("V1 and V2 sockets on one topic get each other's broadcasts", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const [v1, v2] = await Promise.all([connect(t, V1), connect(t)])
  const c1 = v1.channel(topic)
  const c2 = v2.channel(topic)
  await Promise.all([joinOk(c1), joinOk(c2)])
  const at1 = collect(c1, "shout")
  const at2 = collect(c2, "shout")
  await pushOk(c2, "shout", { from: "v2", unicode: "\u00e9\u2603" })
  await eventually(() => at1.length >= 1 && at2.length >= 1, "the V2 push at both sockets")
  await pushOk(c1, "shout", { from: "v1" })
  await eventually(() => at1.length >= 2 && at2.length >= 2, "the V1 push at both sockets")
  await sleep(QUIET_MS)
  const expected = [{ from: "v2", unicode: "\u00e9\u2603" }, { from: "v1" }]
  assert.deepEqual(at1, expected)
  assert.deepEqual(at2, expected)
})

test("a socket with no vsn speaks 1.0.0, as Phoenix assumes", TEST_OPTS, async t => {
  const raw = await RawClient.open(t, "token=x")
  const topic = uniqueTopic("compat")
  raw.send({ topic: "phoenix", event: "heartbeat", payload: {}, ref: "1" })
  raw.send({ topic, event: "phx_join", payload: { v: 1 }, ref: "2", join_ref: "2" })
  await raw.next(f => f.ref === "2", "the join reply")
  assert.deepEqual(raw.frames, [
    { topic: "phoenix", event: "phx_reply", payload: { status: "ok", response: {} }, ref: "1" },
    { topic, event: "phx_reply", payload: { status: "ok", response: { welcome: { v: 1 } } }, ref: "2" },
  ])
})
