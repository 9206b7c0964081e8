"use strict"
// The example GameChannel on a real node, driven by the unmodified phoenix.js client (run from
// GameNodeIT with HERALD_WS_URL). Players ada and bob are team red, eve team blue, each in a fresh room.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { Socket } = require("phoenix")
const WebSocket = require("ws")

const WS_URL = process.env.HERALD_WS_URL
if (!WS_URL) {
  throw new Error("HERALD_WS_URL is not set: this test runs from GameNodeIT against a live node")
}
// phoenix.js appends "/websocket" to the endpoint it is given
const ENDPOINT = WS_URL.replace(/\/websocket$/, "")
// the longest any single await may take: a missing frame fails in seconds, not at the runner's timeout
const WAIT_MS = 5000
const TEST_OPTS = { timeout: 20000 }

function withTimeout(promise, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)), WAIT_MS)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function freshRoom() {
  return `game:${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

/** A phoenix.js socket over `ws` (Node 20 has no global WebSocket), opened; disconnected after the test. */
async function connect(t, params) {
  const socket = new Socket(ENDPOINT, { transport: WebSocket, params, timeout: WAIT_MS, rejoinAfterMs: () => 60000 })
  t.after(() => new Promise(resolve => socket.disconnect(resolve)))
  const open = new Promise((resolve, reject) => {
    socket.onOpen(resolve)
    socket.onError(error => reject(new Error(`socket error: ${error && error.message}`)))
  })
  socket.connect()
  await withTimeout(open, "the socket to open")
  return socket
}

/** The first reply to a push: {status, response}. */
function reply(push, what) {
  return withTimeout(new Promise(resolve => {
    for (const status of ["ok", "error", "timeout"]) {
      push.receive(status, response => resolve({ status, response }))
    }
  }), what)
}

/** A player in `room`, joined, recording every event it receives. */
async function player(t, room, name, team) {
  const socket = await connect(t, { player: name, team })
  const channel = socket.channel(room, {})
  const joined = await reply(channel.join(), `${name}'s join`)
  assert.equal(joined.status, "ok", `${name}'s join answered ${JSON.stringify(joined)}`)
  const received = []
  for (const event of ["moved", "said"]) {
    channel.on(event, payload => received.push({ event, ...payload }))
  }
  return { name, channel, received, joined: joined.response }
}

/** Waits until `p` received a message matching pred: later events are ordered after earlier ones. */
async function until(p, pred, what) {
  const deadline = Date.now() + WAIT_MS
  while (!p.received.some(pred)) {
    if (Date.now() > deadline) {
      throw new Error(`${p.name} did not receive ${what}; got ${JSON.stringify(p.received)}`)
    }
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

async function push(p, event, payload) {
  return reply(p.channel.push(event, payload), `the reply to ${p.name}'s ${event}`)
}

test("join: the player is welcomed with the board, bad names and teams are refused with a reason", TEST_OPTS, async t => {
  const room = freshRoom()
  const ada = await player(t, room, "ada", "red")
  assert.deepEqual(ada.joined, { player: "ada", team: "red", board: { width: 16, height: 16 } })

  for (const [params, reason] of [
    [{ team: "red" }, "invalid player name"],
    [{ player: "no spaces", team: "red" }, "invalid player name"],
    [{ player: "mallory", team: "green" }, "invalid team"],
  ]) {
    const socket = await connect(t, params)
    const channel = socket.channel(room, {})
    assert.deepEqual(await reply(channel.join(), `the join of ${JSON.stringify(params)}`),
      { status: "error", response: { reason } })
    channel.leave() // stops phoenix.js's rejoin timer
  }
})

test("a valid move reaches the team whole, the other team without its position, and not the mover", TEST_OPTS, async t => {
  const room = freshRoom()
  const [ada, bob, eve] = [await player(t, room, "ada", "red"), await player(t, room, "bob", "red"), await player(t, room, "eve", "blue")]

  assert.deepEqual(await push(ada, "move", { x: 3, y: 4 }), { status: "ok", response: { x: 3, y: 4 } })
  await until(bob, m => m.event === "moved", "ada's move")
  await until(eve, m => m.event === "moved", "ada's move")
  // eve's move is numbered after ada's, so once ada has it, ada would have had her own echo before it
  assert.equal((await push(eve, "move", { x: 0, y: 0 })).status, "ok")
  await until(ada, m => m.player === "eve", "eve's move")

  assert.deepEqual(bob.received[0], { event: "moved", player: "ada", team: "red", x: 3, y: 4 })
  assert.deepEqual(eve.received, [{ event: "moved", player: "ada", team: "red" }])
  assert.deepEqual(ada.received, [{ event: "moved", player: "eve", team: "blue" }])
})

test("an invalid move is answered with an error and reaches nobody", TEST_OPTS, async t => {
  const room = freshRoom()
  const [ada, bob, eve] = [await player(t, room, "ada", "red"), await player(t, room, "bob", "red"), await player(t, room, "eve", "blue")]

  assert.deepEqual(await push(ada, "move", { x: 16, y: 0 }), { status: "error", response: { reason: "off the board" } })
  assert.deepEqual(await push(ada, "move", { x: "1", y: 0 }), { status: "error", response: { reason: "x and y must be integers" } })
  assert.deepEqual(await push(ada, "fly", {}), { status: "error", response: { reason: "unknown event" } })
  // a valid move after them: once it arrives, anything the invalid ones broadcast would have arrived before
  assert.equal((await push(ada, "move", { x: 1, y: 1 })).status, "ok")
  await until(bob, m => m.event === "moved", "ada's valid move")
  await until(eve, m => m.event === "moved", "ada's valid move")
  assert.deepEqual(bob.received, [{ event: "moved", player: "ada", team: "red", x: 1, y: 1 }])
  assert.deepEqual(eve.received, [{ event: "moved", player: "ada", team: "red" }])
})

test("team chat reaches the team only; chat to all reaches the other team too", TEST_OPTS, async t => {
  const room = freshRoom()
  const [ada, bob, eve] = [await player(t, room, "ada", "red"), await player(t, room, "bob", "red"), await player(t, room, "eve", "blue")]

  assert.equal((await push(ada, "say", { text: "flank left", to: "team" })).status, "ok")
  assert.equal((await push(ada, "say", { text: "good game" })).status, "ok")
  await until(bob, m => m.text === "good game", "ada's chat to all")
  await until(eve, m => m.text === "good game", "ada's chat to all")
  // eve's line is numbered after ada's two: once ada has it, her own echoes would have arrived before it
  assert.equal((await push(eve, "say", { text: "gg" })).status, "ok")
  await until(ada, m => m.text === "gg", "eve's chat to all")
  await until(bob, m => m.text === "gg", "eve's chat to all")
  assert.deepEqual(bob.received.map(m => m.text), ["flank left", "good game", "gg"])
  assert.deepEqual(eve.received, [{ event: "said", player: "ada", team: "red", to: "all", text: "good game" }])
  assert.deepEqual(ada.received, [{ event: "said", player: "eve", team: "blue", to: "all", text: "gg" }])
})
