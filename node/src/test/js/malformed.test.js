"use strict"
// Frames phoenix.js never sends, with a raw `ws` client: a malformed frame that names a topic and
// ref is answered with an error reply and the socket lives on; one that does not closes the socket
// with 1007; an unsupported protocol version is refused at the upgrade with HTTP 403.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const WebSocket = require("ws")
const { WS_URL, QUIET_MS, TEST_OPTS, sleep, eventually, withTimeout, RawClient } = require("./helpers")

test("a malformed frame with a topic and ref gets an error reply and the socket stays open", TEST_OPTS, async t => {
  const raw = await RawClient.open(t)
  raw.send('["1","2","room:x",42,{}]') // the event is not a string
  const r = await raw.next(f => Array.isArray(f) && f[1] === "2", "the error reply to ref 2")
  assert.equal(r.length, 5, JSON.stringify(r))
  assert.deepEqual(r.slice(1, 4), ["2", "room:x", "phx_reply"])
  assert.ok(r[0] === "1" || r[0] === null, `join_ref ${JSON.stringify(r[0])}`)
  assert.equal(r[4].status, "error", JSON.stringify(r))
  assert.deepEqual(Object.keys(r[4].response), ["reason"])
  assert.match(r[4].response.reason, /^malformed message/)

  raw.send([null, "3", "phoenix", "heartbeat", {}])
  const hb = await raw.next(f => Array.isArray(f) && f[1] === "3", "the heartbeat reply")
  assert.deepEqual(hb, [null, "3", "phoenix", "phx_reply", { status: "ok", response: {} }])
  await sleep(QUIET_MS)
  assert.equal(raw.closed, null, `closed: ${JSON.stringify(raw.closed)}`)
  assert.equal(raw.frames.length, 2, JSON.stringify(raw.frames))
})

test("a frame that is not JSON closes the socket with 1007", TEST_OPTS, async t => {
  const raw = await RawClient.open(t)
  raw.send("not json")
  await eventually(() => raw.closed !== null, "the server to close the socket")
  assert.equal(raw.closed.code, 1007, JSON.stringify(raw.closed))
  assert.match(raw.closed.reason, /^malformed message/)
  assert.deepEqual(raw.frames, [])
})

test("an unsupported vsn is refused with HTTP 403", TEST_OPTS, async t => {
  const ws = new WebSocket(`${WS_URL}?vsn=3.0.0`)
  t.after(() => ws.terminate())
  const outcome = await withTimeout(new Promise(resolve => {
    ws.on("unexpected-response", (req, res) => {
      resolve({ status: res.statusCode })
      res.resume()
      req.destroy()
    })
    ws.on("open", () => resolve({ opened: true }))
    ws.on("error", e => resolve({ error: e.message }))
  }), "the upgrade to be answered")
  assert.deepEqual(outcome, { status: 403 })
})
