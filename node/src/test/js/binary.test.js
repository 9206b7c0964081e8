"use strict"
// Binary payloads (protocol 2.0.0 binary frames): an ArrayBuffer pushed by phoenix.js is broadcast as
// an ArrayBuffer, and a binary reply reaches the push as an ArrayBuffer.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { QUIET_MS, TEST_OPTS, sleep, eventually, uniqueTopic, connect, joinOk, pushOk, collect } = require("./helpers")

const bytes = buffer => Array.from(new Uint8Array(buffer))

test("a binary push is broadcast as binary to every member, the sender included", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const sockets = await Promise.all([connect(t), connect(t), connect(t)])
  const channels = sockets.map(s => s.channel(topic))
  await Promise.all(channels.map(joinOk))
  const received = channels.map(ch => collect(ch, "bin"))
  const response = await pushOk(channels[0], "bin", new Uint8Array([1, 2, 3]).buffer)
  assert.deepEqual(response, {})
  await eventually(() => received.every(r => r.length >= 1), "the binary broadcast at every member")
  await sleep(QUIET_MS)
  received.forEach((r, i) => {
    assert.equal(r.length, 1, `member ${i} got ${r.length} broadcasts`)
    assert.ok(r[0] instanceof ArrayBuffer, `member ${i} got ${Object.prototype.toString.call(r[0])}`)
    assert.deepEqual(bytes(r[0]), [1, 2, 3], `member ${i}`)
  })
})

test("a binary reply reaches the push as an ArrayBuffer", TEST_OPTS, async t => {
  const socket = await connect(t)
  const channel = socket.channel(uniqueTopic("compat"))
  await joinOk(channel)
  const data = new Uint8Array(300)
  data.forEach((_, i) => { data[i] = (i * 7) & 0xff })
  const response = await pushOk(channel, "ping", data.buffer)
  assert.ok(response instanceof ArrayBuffer, `got ${Object.prototype.toString.call(response)}`)
  assert.deepEqual(bytes(response), Array.from(data))
  // and JSON still works on the same channel afterwards
  assert.deepEqual(await pushOk(channel, "ping", { json: true }), { json: true })
})

test("a binary server push reaches the channel as an ArrayBuffer", TEST_OPTS, async t => {
  const socket = await connect(t)
  const channel = socket.channel(uniqueTopic("compat"))
  await joinOk(channel)
  const pushed = []
  channel.on("pushed", (payload, ref, joinRef) => pushed.push({ payload, ref, joinRef }))
  assert.deepEqual(await pushOk(channel, "push_back", new Uint8Array([0, 255, 10, 13]).buffer), {})
  await eventually(() => pushed.length >= 1, "the binary server push")
  await sleep(QUIET_MS)
  assert.equal(pushed.length, 1)
  assert.ok(pushed[0].payload instanceof ArrayBuffer, `got ${Object.prototype.toString.call(pushed[0].payload)}`)
  assert.deepEqual(bytes(pushed[0].payload), [0, 255, 10, 13])
  assert.equal(pushed[0].joinRef, channel.joinRef())
})
