"use strict"
// Frames a client sends right after phx_join, before the join is answered. Phoenix handles a socket's
// frames one at a time and a join completes (channel started, subscribed, reply written) before the
// next frame is read, so whatever follows a join sees a joined channel:
//   join ok reply first, then the next frame's effects.
// phoenix.js itself buffers channel pushes until the join is answered, so only other clients (or a
// raw socket) pipeline like this; the protocol allows it.
//
// KNOWN FAILING against the current server (left failing on purpose, not skipped): ConnectionActor
// keeps a join pending until NodeFanout confirms the subscription, but goes on handling the socket's
// next frames meanwhile, so they act on a channel that is not joined yet.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { QUIET_MS, TEST_OPTS, sleep, uniqueTopic, RawClient } = require("./helpers")

const OK = { status: "ok", response: {} }
// The misordering depends on timing (the next frame must be read before the subscription is
// confirmed, which it nearly always is): each test repeats its scenario on fresh topics and
// requires Phoenix's order every time, so it fails reliably while the bug exists, and never on a
// server that gets the order right.
const TRIALS = 5

/** Runs scenario(topic) on TRIALS fresh topics over one raw socket; frames(topic) filters by topic. */
async function trials(t, scenario) {
  const raw = await RawClient.open(t)
  const frames = topic => raw.frames.filter(f => Array.isArray(f) && f[2] === topic)
  for (let i = 0; i < TRIALS; i++) {
    await scenario(raw, uniqueTopic("room"), frames)
  }
  assert.equal(raw.closed, null, `closed: ${JSON.stringify(raw.closed)}`)
}

test("raw protocol: an event pipelined after phx_join is handled after the join", TEST_OPTS, async t => {
  await trials(t, async (raw, topic, frames) => {
    raw.send(["1", "1", topic, "phx_join", {}])
    raw.send(["1", "2", topic, "shout", { x: 1 }])
    await raw.next(f => f[2] === topic && f[1] === "1" && f[3] === "phx_reply", "the join reply")
    await raw.next(f => f[2] === topic && f[1] === "2" && f[3] === "phx_reply", "the shout reply")
    await sleep(QUIET_MS)
    const got = frames(topic)
    const seen = JSON.stringify(got)
    // the join is answered before anything the next frame causes
    assert.deepEqual(got[0], ["1", "1", topic, "phx_reply", OK], `join reply first; frames ${seen}`)
    assert.deepEqual(got.find(f => f[1] === "2"), ["1", "2", topic, "phx_reply", OK])
    // and the sender, joined by then, gets its own broadcast exactly once
    assert.deepEqual(got.filter(f => f[3] === "shout"), [[null, null, topic, "shout", { x: 1 }]],
      `own broadcast exactly once; frames ${seen}`)
  })
})

test("raw protocol: phx_leave pipelined after phx_join gets the join answered first", TEST_OPTS, async t => {
  await trials(t, async (raw, topic, frames) => {
    raw.send(["1", "1", topic, "phx_join", {}])
    raw.send(["1", "2", topic, "phx_leave", {}])
    await raw.next(f => f[2] === topic && f[3] === "phx_close", "phx_close after the leave")
    await sleep(QUIET_MS)
    assert.deepEqual(frames(topic), [
      ["1", "1", topic, "phx_reply", OK],
      ["1", "2", topic, "phx_reply", OK],
      ["1", "1", topic, "phx_close", {}],
    ], `frames ${JSON.stringify(frames(topic))}`)
  })
})

test("raw protocol: a second phx_join pipelined after the first answers both", TEST_OPTS, async t => {
  await trials(t, async (raw, topic, frames) => {
    raw.send(["1", "1", topic, "phx_join", {}])
    raw.send(["2", "2", topic, "phx_join", {}])
    await raw.next(f => f[2] === topic && f[1] === "2" && f[3] === "phx_reply", "the reply to the second join")
    await raw.next(f => f[2] === topic && f[3] === "phx_close", "phx_close for the first join")
    await sleep(QUIET_MS)
    const got = frames(topic)
    // Phoenix: ok for join 1, then ok for join 2 and phx_close for join 1 (these two in either order)
    assert.deepEqual(got[0], ["1", "1", topic, "phx_reply", OK], `join 1 answered first; frames ${JSON.stringify(got)}`)
    const rest = got.slice(1).sort((x, y) => x[1].localeCompare(y[1]))
    assert.deepEqual(rest, [["1", "1", topic, "phx_close", {}], ["2", "2", topic, "phx_reply", OK]])
  })
})
