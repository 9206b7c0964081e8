"use strict"
// phoenix.js Presence with clients on three nodes of one cluster (PresenceClusterTest starts them in
// one JVM and sets HERALD_WS_URLS): every client converges to the same list, and a join or a leave on
// one node reaches the clients of every node; the times it took are reported.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { Socket, Presence } = require("phoenix")
const WebSocket = require("ws")
const { withTimeout, eventually, uniqueTopic, reply, joinOk } = require("./helpers")

const URLS = (process.env.HERALD_WS_URLS || "").split(",").filter(Boolean).map(u => u.replace(/\/websocket$/, ""))
if (URLS.length < 3) {
  throw new Error("HERALD_WS_URLS must list three nodes (set by PresenceClusterTest)")
}
// convergence is batch interval + delta propagation + notification: well under a second; this only
// bounds a wait that would otherwise hang
const CONVERGE_MS = 10000

async function member(t, url, topic, params, opts = {}) {
  const socket = new Socket(url, { transport: WebSocket, timeout: 10000, ...opts })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  await withTimeout(new Promise(resolve => { socket.onOpen(resolve); socket.connect() }), `${url} to open`, 10000)
  const channel = socket.channel(topic, params)
  const presence = new Presence(channel)
  await joinOk(channel)
  return { socket, channel, keys: () => presence.list(k => k).sort().join(",") }
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

test("clients on three nodes converge to one list; joins and leaves on any node reach every client", { timeout: 120000 }, async t => {
  const topic = uniqueTopic("room")
  const members = []
  for (let n = 0; n < 3; n++) {
    for (let j = 0; j < 2; j++) {
      members.push(await member(t, URLS[n], topic, { user_id: `n${n}-${j}`, meta: { node: n } }))
    }
  }
  const everyone = members.map((_, i) => `n${Math.floor(i / 2)}-${i % 2}`).sort().join(",")
  await eventually(() => members.every(m => m.keys() === everyone),
    () => `every list ${everyone}: ${members.map(m => m.keys()).join(" | ")}`, CONVERGE_MS)

  const joins = []
  const leaves = []
  for (let round = 0; round < 1; round++) {
    for (let n = 0; n < 3; n++) {
      const started = Date.now()
      const guest = await member(t, URLS[n], topic, { user_id: "guest" })
      const withGuest = `${everyone},guest`.split(",").sort().join(",")
      await eventually(() => members.every(m => m.keys() === withGuest), `guest (node ${n}) in every list`, CONVERGE_MS)
      joins.push(Date.now() - started)
      const leaving = Date.now()
      await reply(guest.channel.leave(), "the guest's leave")
      await eventually(() => members.every(m => m.keys() === everyone), `guest (node ${n}) gone from every list`, CONVERGE_MS)
      leaves.push(Date.now() - leaving)
    }
  }
  t.diagnostic(`3 nodes: join to every list in ${joins.join(", ")} ms (median ${median(joins)}), ` +
    `leave in ${leaves.join(", ")} ms (median ${median(leaves)})`)
})

test("a socket that closes leaves every node's list", { timeout: 60000 }, async t => {
  const topic = uniqueTopic("room")
  const watchers = await Promise.all(URLS.map((url, n) => member(t, url, topic, { user_id: `w${n}` })))
  // no reconnect: phoenix.js would otherwise be back (and tracked again) within milliseconds
  const goner = await member(t, URLS[1], topic, { user_id: "goner" }, { reconnectAfterMs: () => 600000 })
  await eventually(() => watchers.every(w => w.keys() === "goner,w0,w1,w2"), "goner everywhere", CONVERGE_MS)
  goner.socket.conn.terminate() // no phx_leave, no close frame: the TCP connection just goes
  await eventually(() => watchers.every(w => w.keys() === "w0,w1,w2"),
    () => `goner gone: ${watchers.map(w => w.keys()).join(" | ")}`, CONVERGE_MS)
  assert.ok(true)
})
