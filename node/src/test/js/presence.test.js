"use strict"
// Presence with the unmodified phoenix.js Presence class: presence_state after the join's ok reply,
// presence_diff {joins, leaves}, updates as a join with phx_ref_prev plus a leave, limits on metas,
// the token's subject as key with auth on, and 1,000 joins within a second arriving batched.
// room:* is the built-in handler with presence on; presence:* is PresenceTestHandler (track, update,
// untrack and list as client events; a channel's end is broadcast as "terminated" with its reason).
const { test } = require("node:test")
const assert = require("node:assert/strict")
const crypto = require("node:crypto")
const { Socket, Presence } = require("phoenix")
const WebSocket = require("ws")
const { ENDPOINT, QUIET_MS, TEST_OPTS, sleep, withTimeout, eventually, uniqueTopic, connect, connectLongPoll, reply, joinOk, pushOk, collect } =
  require("./helpers")

const API_URL = process.env.HERALD_API_URL
const AUTH_ENDPOINT = (process.env.HERALD_AUTH_WS_URL || "").replace(/\/websocket$/, "")
const SECRET = process.env.HERALD_AUTH_SECRET

/** A channel with a phoenix.js Presence that records its callbacks. */
function watch(socket, topic, params) {
  const channel = socket.channel(topic, params)
  const presence = new Presence(channel)
  const seen = { joins: [], leaves: [], syncs: 0 }
  presence.onJoin((key, current, joined) => seen.joins.push({ key, current, refs: joined.metas.map(m => m.phx_ref) }))
  presence.onLeave((key, current, left) => seen.leaves.push({ key, remaining: current.metas.length, refs: left.metas.map(m => m.phx_ref) }))
  presence.onSync(() => seen.syncs++)
  const keys = () => presence.list(k => k).sort()
  const metas = key => presence.list((k, p) => (k === key ? p.metas : null)).filter(Boolean)[0] || []
  return { channel, presence, seen, keys, metas }
}

test("presence_state follows the join's ok reply, and other sockets see the join and the leave", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const a = watch(await connect(t), topic, { user_id: "ada", meta: { name: "Ada" } })
  const frames = []
  a.channel.socket.onMessage(m => { if (m.topic === topic) frames.push(m.event) })
  await joinOk(a.channel)
  await eventually(() => a.keys().join() === "ada", () => `ada in her own list, has ${a.keys()}`)
  assert.equal(frames[0], "phx_reply", `the ok reply first, then presence: ${frames}`)
  assert.ok(frames.includes("presence_state"), `a presence_state: ${frames}`)
  assert.equal(a.metas("ada")[0].name, "Ada")
  assert.match(a.metas("ada")[0].phx_ref, /^[A-Za-z0-9_-]{16}$/)

  const bobSocket = await connect(t)
  const b = watch(bobSocket, topic, { user_id: "bob" })
  await joinOk(b.channel)
  await eventually(() => a.keys().join() === "ada,bob" && b.keys().join() === "ada,bob", () => `both lists ada,bob: ${a.keys()} / ${b.keys()}`)
  assert.deepEqual(a.seen.joins.map(j => j.key), ["ada", "bob"])
  assert.deepEqual(b.metas("bob")[0], { phx_ref: b.metas("bob")[0].phx_ref }, "an empty meta is just the ref")

  await reply(b.channel.leave(), "bob's leave")
  await eventually(() => a.keys().join() === "ada", () => `bob gone from ada's list: ${a.keys()}`)
  assert.deepEqual(a.seen.leaves.map(l => [l.key, l.remaining]), [["bob", 0]])
})

test("over long-poll, presence works as over WebSocket: state, the other's join and leave", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const a = watch(await connectLongPoll(t), topic, { user_id: "ada" })
  await joinOk(a.channel)
  await eventually(() => a.keys().join() === "ada", () => `ada in her own list over long-poll, has ${a.keys()}`)
  const b = watch(await connect(t), topic, { user_id: "bob" })
  await joinOk(b.channel)
  await eventually(() => a.keys().join() === "ada,bob" && b.keys().join() === "ada,bob", () => `both lists ada,bob: ${a.keys()} / ${b.keys()}`)
  await reply(b.channel.leave(), "bob's leave")
  await eventually(() => a.keys().join() === "ada", () => `bob gone from the long-poll list: ${a.keys()}`)
  await reply(a.channel.leave(), "ada's leave")
})

test("one key on two sockets has two metas; one leaving keeps the key", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const w = watch(await connect(t), topic, {})
  await joinOk(w.channel)
  const tab1 = await connect(t)
  const tab2 = await connect(t)
  await joinOk(tab1.channel(topic, { user_id: "ada", meta: { tab: 1 } }))
  const second = tab2.channel(topic, { user_id: "ada", meta: { tab: 2 } })
  await joinOk(second)
  await eventually(() => w.metas("ada").length === 2, () => `two metas for ada: ${JSON.stringify(w.metas("ada"))}`)
  assert.deepEqual(w.metas("ada").map(m => m.tab).sort(), [1, 2])
  assert.deepEqual(w.keys(), ["ada"], "a watcher without user_id is not tracked")
  await reply(second.leave(), "the second tab's leave")
  await eventually(() => w.metas("ada").length === 1, "one meta left")
  assert.equal(w.metas("ada")[0].tab, 1)
  assert.deepEqual(w.seen.leaves.map(l => [l.key, l.remaining]), [["ada", 1]])
})

test("a handler's update is one diff: the new meta with phx_ref_prev joins, the old one leaves", TEST_OPTS, async t => {
  const topic = uniqueTopic("presence")
  const socket = await connect(t)
  const me = watch(socket, topic, {})
  await joinOk(me.channel)
  const other = watch(await connect(t), topic, {})
  await joinOk(other.channel)
  const diffs = collect(other.channel, "presence_diff")
  const { ref: first } = await pushOk(me.channel, "track", { key: "ada", meta: { status: "online" } })
  await eventually(() => other.metas("ada").length === 1, "ada tracked")
  const refused = await reply(me.channel.push("track", { key: "ada", meta: {} }), "a second track of the same key")
  assert.deepEqual(refused, { status: "error", response: { reason: "already tracked" } })
  const before = diffs.length
  const { ref: second } = await pushOk(me.channel, "update", { key: "ada", meta: { status: "away" } })
  await eventually(() => other.metas("ada")[0]?.status === "away", "the update")
  await sleep(QUIET_MS)
  const update = diffs.slice(before)
  assert.equal(update.length, 1, `one diff for the update: ${JSON.stringify(update)}`)
  assert.deepEqual(update[0], {
    joins: { ada: { metas: [{ phx_ref: second, phx_ref_prev: first, status: "away" }] } },
    leaves: { ada: { metas: [{ phx_ref: first, status: "online" }] } },
  })
  assert.equal(other.metas("ada").length, 1)
  const listed = await pushOk(me.channel, "list", {})
  assert.deepEqual(listed, { ada: { metas: [{ phx_ref: second, phx_ref_prev: first, status: "away" }] } })
  if (API_URL) {
    const res = await fetch(`${API_URL}/api/topics/${encodeURIComponent(topic)}/presence`)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), listed, "the HTTP API lists what the channel lists")
  }
  assert.deepEqual(await pushOk(me.channel, "untrack", { key: "ada" }), { untracked: true })
  await eventually(() => other.keys().length === 0, "ada untracked")
})

test("a handler hears why its channel ended: left, duplicate join, socket closed", TEST_OPTS, async t => {
  const topic = uniqueTopic("presence")
  const listener = await connect(t)
  const l = listener.channel(topic)
  const reasons = collect(l, "terminated")
  await joinOk(l)
  const socket = await connect(t)
  const ch = socket.channel(topic)
  await joinOk(ch)
  await pushOk(ch, "track", { key: "gone" })
  await reply(ch.leave(), "the leave")
  await eventually(() => reasons.length === 1, "LEFT")
  const again = socket.channel(topic)
  await joinOk(again)
  // a raw duplicate join on the same socket, as phoenix.js does after a rejoin with a new join_ref
  socket.push({ topic, event: "phx_join", payload: {}, ref: socket.makeRef(), join_ref: "dup-" + socket.makeRef() })
  await eventually(() => reasons.length === 2, "DUPLICATE_JOIN")
  socket.disconnect()
  await eventually(() => reasons.length === 3, "SOCKET_CLOSED")
  assert.deepEqual(reasons.map(r => r.reason), ["LEFT", "DUPLICATE_JOIN", "SOCKET_CLOSED"])
})

test("metas that are not objects or are too large are refused with an error reply and not stored", TEST_OPTS, async t => {
  const topic = uniqueTopic("room")
  const w = watch(await connect(t), topic, {})
  await joinOk(w.channel)
  const socket = await connect(t)
  for (const [meta, reason] of [
    [[1, 2], "invalid presence meta"],
    ["online", "invalid presence meta"],
    [{ bio: "x".repeat(2000) }, "presence meta too large"],
  ]) {
    // a socket per case: phoenix.js keeps rejoining a refused channel, and those joins would cross
    const r = await reply((await connect(t)).channel(topic, { user_id: "mallory", meta }).join(), `the join with meta ${JSON.stringify(meta).slice(0, 20)}`)
    assert.deepEqual(r, { status: "error", response: { reason } })
  }
  const h = socket.channel(uniqueTopic("presence"))
  await joinOk(h)
  const r = await reply(h.push("track", { key: "mallory", meta: [1] }), "a handler's track of an array")
  assert.deepEqual(r, { status: "error", response: { reason: "invalid presence meta" } })
  await sleep(QUIET_MS)
  assert.deepEqual(w.keys(), [], "nothing tracked")
})

test("with auth the key is the token's subject, and another user_id is refused", TEST_OPTS, async t => {
  assert.ok(AUTH_ENDPOINT && SECRET, "HERALD_AUTH_WS_URL and HERALD_AUTH_SECRET")
  const b64url = d => Buffer.from(d).toString("base64url")
  const token = claims => {
    const body = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}`
    return `${body}.${crypto.createHmac("sha256", SECRET).update(body).digest("base64url")}`
  }
  const exp = Math.floor(Date.now() / 1000) + 3600
  const open = async claims => {
    const s = new Socket(AUTH_ENDPOINT, { transport: WebSocket, timeout: 5000, authToken: token({ exp, ...claims }) })
    t.after(() => new Promise(resolve => s.disconnect(resolve)))
    await withTimeout(new Promise(resolve => { s.onOpen(resolve); s.connect() }), "the socket to open")
    return s
  }
  const topic = uniqueTopic("room")
  const all = ["join", "publish", "presence"]
  const w = watch(await open({ sub: "watcher", channels: { "room:*": all } }), topic, {})
  await joinOk(w.channel)
  const ada = await open({ sub: "ada", channels: { "room:*": all } })
  const r = await reply(ada.channel(topic, { user_id: "root" }).join(), "a join claiming another key")
  assert.deepEqual(r, { status: "error", response: { reason: "unauthorized" } })
  await joinOk(ada.channel(topic, { user_id: "ada", meta: { name: "Ada" } }))
  const eve = await open({ sub: "eve", channels: { "room:*": ["join"] } })
  await joinOk(eve.channel(topic, {}))
  await eventually(() => w.keys().join() === "ada,watcher", () => `ada and the watcher by subject: ${w.keys()}`)
  await sleep(QUIET_MS)
  assert.deepEqual(w.keys(), ["ada", "watcher"], "a token without the presence permission watches but is not tracked")
})

test("1,000 members joining within a second reach a watcher batched, and the final state is exact", { timeout: 60000 }, async t => {
  const topic = uniqueTopic("room")
  const w = watch(await connect(t), topic, {})
  const diffs = collect(w.channel, "presence_diff")
  await joinOk(w.channel)
  const members = 1000
  const sockets = []
  t.after(() => Promise.all(sockets.map(s => new Promise(resolve => s.disconnect(resolve)))))
  // connected first, so that the joins themselves fall within a second
  await Promise.all(Array.from({ length: members }, async () => {
    const s = new Socket(ENDPOINT, { transport: WebSocket, timeout: 20000 })
    sockets.push(s)
    await withTimeout(new Promise(resolve => { s.onOpen(resolve); s.connect() }), "a member's socket to open", 30000)
  }))
  const started = Date.now()
  await Promise.all(sockets.map(async (s, i) => {
    const ch = s.channel(topic, { user_id: `m${i}`, meta: { i } })
    const r = await withTimeout(new Promise(resolve =>
      ch.join(20000).receive("ok", () => resolve("ok")).receive("error", resolve).receive("timeout", () => resolve("timeout"))),
    `member ${i}'s join`, 30000)
    assert.equal(r, "ok")
  }))
  const joined = Date.now() - started
  await eventually(() => w.keys().length === members, () => `${members} members, has ${w.keys().length}`, 20000)
  const converged = Date.now() - started
  await sleep(QUIET_MS)
  assert.equal(w.keys().length, members)
  for (let i = 0; i < members; i++) {
    assert.deepEqual(w.metas(`m${i}`).map(m => m.i), [i])
  }
  const joinsPerDiff = diffs.map(d => Object.keys(d.joins).length)
  t.diagnostic(`1,000 joins: all answered in ${joined} ms, in the watcher's list after ${converged} ms, ` +
    `in ${diffs.length} presence_diffs (largest ${Math.max(...joinsPerDiff)} joins)`)
  assert.ok(diffs.length < members / 10, `batched: ${diffs.length} diffs for ${members} joins`)
})
