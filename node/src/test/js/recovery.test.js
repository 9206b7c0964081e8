"use strict"
// History and recovery (docs/protocol.md, "History and recovery") with the unmodified phoenix.js client
// on a 2-node cluster: seq in the broadcast's ref, epoch/seq/recovered in the join reply, a rejoin with
// a params closure that gets exactly what it missed, in order, before live messages; refusals with
// their reasons; idempotent publishes. Run from HistoryRecoveryTest, which starts the nodes:
// hist:* keeps 100 messages, small:* keeps 10.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { Socket } = require("phoenix")
const WebSocket = require("ws")
const { QUIET_MS, TEST_OPTS, sleep, eventually, uniqueTopic, connect, reply, joinOk, pushOk, withTimeout } = require("./helpers")

const API_A = process.env.HERALD_API_URL
const WS_B = process.env.HERALD_WS_URL_B
const API_B = process.env.HERALD_API_URL_B

async function publish(api, topic, event, payload, key) {
  const body = { topic, event, payload }
  if (key) body.idempotency_key = key
  const res = await fetch(`${api}/api/broadcast`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  })
  const text = await res.text()
  assert.equal(res.status, 200, `publish answered ${res.status} ${text}`)
  return JSON.parse(text)
}


/** The recovery snippet of docs/protocol.md: a params closure with the latest since/epoch. */
function recovering(socket, topic, extraParams = {}) {
  const state = { since: null, epoch: null, joins: [], got: [] }
  const channel = socket.channel(topic, () =>
    state.epoch ? { ...extraParams, since: state.since, epoch: state.epoch } : { ...extraParams })
  channel.on("msg", (payload, ref) => {
    state.got.push({ n: payload.n, ref })
    if (ref) state.since = Number(ref)
  })
  state.channel = channel
  state.join = () => new Promise((resolve, reject) => {
    channel.join()
      // phoenix.js runs these hooks again on every rejoin
      .receive("ok", r => {
        state.joins.push(r)
        if (r.epoch !== undefined) {
          state.epoch = r.epoch
          if (!r.recovered) state.since = r.seq // the app reloads here; a replay raises it otherwise
        }
        resolve(r)
      })
      .receive("error", reject)
  })
  return state
}

/** Cuts the socket from the client's side without phoenix.js knowing it was meant: it reconnects. */
function cut(socket) {
  socket.conn.close(4000, "cut by the test")
}

test("broadcasts carry their seq in ref and the join reply carries epoch and seq", TEST_OPTS, async t => {
  const topic = uniqueTopic("hist")
  const socket = await connect(t)
  const s = recovering(socket, topic)
  const joined = await s.join()
  assert.equal(typeof joined.epoch, "string")
  assert.equal(joined.seq, 0)
  assert.equal(joined.recovered, false)
  assert.equal(joined.reason, undefined)
  for (let n = 1; n <= 3; n++) await publish(API_A, topic, "msg", { n })
  await eventually(() => s.got.length === 3, () => `3 messages, got ${JSON.stringify(s.got)}`)
  assert.deepEqual(s.got, [{ n: 1, ref: "1" }, { n: 2, ref: "2" }, { n: 3, ref: "3" }])
})

for (const [what, publisherApi, subscriberOnB] of [
  ["on one node", () => API_A, false],
  ["across nodes (publisher on node B, subscriber on node A)", () => API_B, false],
  ["across nodes (subscriber on node B)", () => API_A, true],
]) {
  test(`a cut socket reconnects, rejoins with its params closure and gets exactly the 50 it missed, in order, then live ones: ${what}`, TEST_OPTS, async t => {
    const topic = uniqueTopic("hist")
    const socket = subscriberOnB ? await connectTo(t, WS_B, { reconnectAfterMs: () => 700 }) : await connect(t, { reconnectAfterMs: () => 700 })
    const s = recovering(socket, topic)
    await s.join()
    for (let n = 1; n <= 5; n++) await publish(publisherApi(), topic, "msg", { n })
    await eventually(() => s.got.length === 5, "the first 5")
    const opened = new Promise(resolve => socket.onOpen(resolve))
    cut(socket)
    // published while the socket is away (it reconnects after 700 ms)
    for (let n = 6; n <= 55; n++) await publish(publisherApi(), topic, "msg", { n })
    await withTimeout(opened, "the socket to reconnect", 5000)
    await eventually(() => s.joins.length === 2, () => `the rejoin; joins ${JSON.stringify(s.joins)}`)
    assert.equal(s.joins[1].recovered, true, JSON.stringify(s.joins))
    assert.equal(s.joins[1].epoch, s.joins[0].epoch)
    await eventually(() => s.got.length === 55, () => `55 messages, got ${s.got.length}`)
    await publish(publisherApi(), topic, "msg", { n: 56 })
    await eventually(() => s.got.length === 56, "the live one")
    await sleep(QUIET_MS)
    assert.deepEqual(s.got.map(m => m.n), Array.from({ length: 56 }, (_, i) => i + 1))
    assert.deepEqual(s.got.map(m => m.ref), Array.from({ length: 56 }, (_, i) => String(i + 1)))
  })
}

test("a socket the server closes (a malformed frame) recovers too", TEST_OPTS, async t => {
  const topic = uniqueTopic("hist")
  const socket = await connect(t, { reconnectAfterMs: () => 500 })
  const s = recovering(socket, topic)
  await s.join()
  await publish(API_A, topic, "msg", { n: 1 })
  await eventually(() => s.got.length === 1, "the first")
  const closed = new Promise(resolve => socket.onClose(resolve))
  socket.conn.send("this is not a frame")
  await withTimeout(closed, "the server to close the socket")
  for (let n = 2; n <= 11; n++) await publish(API_A, topic, "msg", { n })
  await eventually(() => s.joins.length === 2 && s.got.length === 11, () => `rejoin and 11; joins ${JSON.stringify(s.joins)} got ${s.got.length}`)
  assert.equal(s.joins[1].recovered, true)
  assert.deepEqual(s.got.map(m => m.n), Array.from({ length: 11 }, (_, i) => i + 1))
})

test("more missed than the history holds: recovered false, and nothing of it is replayed", TEST_OPTS, async t => {
  const topic = uniqueTopic("small")
  const socket = await connect(t, { reconnectAfterMs: () => 700 })
  const s = recovering(socket, topic)
  await s.join()
  await publish(API_A, topic, "msg", { n: 1 })
  await eventually(() => s.got.length === 1, "the first")
  const opened = new Promise(resolve => socket.onOpen(resolve))
  cut(socket)
  for (let n = 2; n <= 21; n++) await publish(API_A, topic, "msg", { n })
  await withTimeout(opened, "the socket to reconnect", 5000)
  await eventually(() => s.joins.length === 2, "the rejoin")
  assert.equal(s.joins[1].recovered, false)
  assert.equal(s.joins[1].reason, "history_trimmed", JSON.stringify(s.joins))
  assert.equal(s.joins[1].seq, 21)
  await publish(API_A, topic, "msg", { n: 22 })
  await eventually(() => s.got.length === 2, "the live one")
  await sleep(QUIET_MS)
  assert.deepEqual(s.got.map(m => m.n), [1, 22])
})

test("bad since and epoch values get recovered false with a reason, never an error", TEST_OPTS, async t => {
  const topic = uniqueTopic("hist")
  const socket = await connect(t)
  const first = await joinOk(socket.channel(topic))
  await publish(API_A, topic, "msg", { n: 1 })
  const cases = [
    [{ since: "abc", epoch: first.epoch }, "invalid_since"],
    [{ since: -1, epoch: first.epoch }, "invalid_since"],
    [{ since: 1.5, epoch: first.epoch }, "invalid_since"],
    [{ since: 1 }, "invalid_since"],
    [{ since: 999, epoch: first.epoch }, "future_since"],
    [{ since: 0, epoch: "12345" }, "epoch_changed"],
    [{ since: 0, epoch: "not a number" }, "invalid_since"],
  ]
  for (const [params, reason] of cases) {
    const other = await connect(t)
    const r = await reply(other.channel(topic, params).join(), `the join with ${JSON.stringify(params)}`)
    assert.equal(r.status, "ok", JSON.stringify(r))
    assert.equal(r.response.recovered, false, JSON.stringify(params))
    assert.equal(r.response.reason, reason, JSON.stringify(params))
    assert.equal(r.response.epoch, first.epoch)
    assert.equal(r.response.seq, 1)
  }
  // and a good one still works on the same node
  const good = await connect(t)
  const r = await reply(good.channel(topic, { since: 0, epoch: first.epoch }).join(), "a good rejoin")
  assert.deepEqual(r.response, { epoch: first.epoch, seq: 1, recovered: true })
})

test("the same idempotency key three times is delivered once, from the API and from a push", TEST_OPTS, async t => {
  const topic = uniqueTopic("hist")
  const socket = await connect(t)
  const channel = socket.channel(topic)
  const got = []
  channel.on("msg", p => got.push(p.n))
  await joinOk(channel)
  const seqs = []
  for (let i = 0; i < 3; i++) seqs.push((await publish(i === 1 ? API_B : API_A, topic, "msg", { n: "api" }, "order-7")).seq)
  assert.deepEqual(seqs, [1, 1, 1])
  for (let i = 0; i < 3; i++) await pushOk(channel, "msg", { n: "push", idempotency_key: "push-7" })
  const bad = await reply(channel.push("msg", { n: "bad", idempotency_key: 7 }), "a push with a bad key")
  assert.deepEqual(bad, { status: "error", response: { reason: "invalid idempotency_key" } })
  await sleep(QUIET_MS * 2)
  assert.deepEqual(got, ["api", "push"])
})

async function connectTo(t, wsUrl, opts = {}) {
  const socket = new Socket(wsUrl.replace(/\/websocket$/, ""), {
    transport: WebSocket, timeout: 5000, reconnectAfterMs: () => 50, rejoinAfterMs: () => 50, ...opts,
  })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  const opened = new Promise(resolve => socket.onOpen(resolve))
  socket.connect()
  await withTimeout(opened, `${wsUrl} to open`)
  return socket
}
