"use strict"
// The members of presence-load.js: a child process (child_process.fork) holding a share of the member
// sockets as raw `ws` sockets speaking the V2 protocol (JSON arrays), so that tens of thousands of
// members fit in a few processes. A member of a topic with presence on receives presence_state on its
// join and every presence_diff of the topic: with N members that is O(N^2) bytes in all (~5 GB for
// 10,000 members of one topic), which the phoenix.js client would parse into objects. These sockets do
// not parse what they do not need: frames are counted, and only small ones (join replies) are decoded.
// The parent's phoenix.js Presence watchers check the lists.
//
// Messages from the parent:
//   {cmd: "open", urls, sockets: [i...]}        open socket i to urls[i % urls.length]
//   {cmd: "join", topics: [[i, topic]...], inFlight, rate}  join: at most inFlight unanswered at a time,
//                                               and at most rate joins a second (0: no limit)
//   {cmd: "close"}                              close every socket (close frame), then exit
// Answers: {opened, ms}, {joined, errors, ms}, {closed, bytes, frames, unexpectedCloses, heartbeatLateMs}.
// unexpectedCloses counts "code reason" (the server's close frame); heartbeatLateMs is how late this
// process's timer fired at worst (how long one turn of its event loop took).
const WebSocket = require("ws")

// frames larger than this are counted, never decoded: a join reply is far smaller
const DECODE_LIMIT = 4096
// phoenix.js's heartbeat interval; the server closes a socket silent for its idle-timeout (60 s)
const HEARTBEAT_MS = 30000
const OPEN_IN_FLIGHT = 200

const sockets = new Map() // i -> {ws, pending: Map(ref -> resolve)}
let bytes = 0
let frames = 0
const unexpectedCloses = {} // "code reason" -> count
let heartbeatLateMs = 0
let closing = false
let nextRef = 1

// A member process receiving a large topic's diffs can be busy for longer than the idle timeout in
// one turn of its event loop (every ready socket is read before timers run: a heartbeat timer fired
// 100 s late in a 10,000-member run, and the server rightly closed the sockets as idle). So heartbeats
// are also sent from the receive path: every socket that is due, looked at most once a second.
const HEARTBEAT_CHECK_MS = 1000
let lastHeartbeatCheck = Date.now()

function heartbeatDue(now) {
  for (const m of sockets.values()) {
    if (now - m.lastHeartbeat >= HEARTBEAT_MS && m.ws.readyState === WebSocket.OPEN) {
      m.lastHeartbeat = now
      m.ws.send(JSON.stringify([null, String(nextRef++), "phoenix", "heartbeat", {}]))
    }
  }
}

function onFrame(m, data) {
  bytes += data.length
  frames++
  const now = Date.now()
  if (now - lastHeartbeatCheck >= HEARTBEAT_CHECK_MS) {
    lastHeartbeatCheck = now
    heartbeatDue(now)
  }
  if (data.length > DECODE_LIMIT) return
  const msg = JSON.parse(data.toString())
  if (msg[3] === "phx_reply") {
    const resolve = m.pending.get(msg[1])
    if (resolve) {
      m.pending.delete(msg[1])
      resolve(msg[4])
    }
  }
}

function open(i, url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/websocket?vsn=2.0.0`, { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 1 << 30 })
    const m = { ws, pending: new Map(), lastHeartbeat: Date.now() }
    ws.on("open", () => { sockets.set(i, m); resolve() })
    ws.on("error", e => { if (!sockets.has(i)) reject(e) })
    ws.on("message", data => onFrame(m, data))
    ws.on("close", (code, reason) => {
      const why = `${code} ${reason}`.trim()
      if (!closing) unexpectedCloses[why] = (unexpectedCloses[why] || 0) + 1
      for (const resolve of m.pending.values()) resolve({ status: "closed", response: { code } })
      m.pending.clear()
    })
  })
}

function join(i, topic) {
  const m = sockets.get(i)
  const ref = String(nextRef++)
  // closed before its turn (its close event has fired): no reply will come
  if (m.ws.readyState !== WebSocket.OPEN) return Promise.resolve({ status: "closed", response: { code: m.ws.readyState } })
  return new Promise(resolve => {
    m.pending.set(ref, resolve)
    m.ws.send(JSON.stringify([ref, ref, topic, "phx_join", { user_id: `u${i}`, meta: { i } }]))
  })
}

/** Runs fn over items with at most n in flight, and (rate > 0) starting at most rate a second. */
async function pool(items, n, fn, rate = 0) {
  let next = 0
  const t0 = Date.now()
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const k = next++
      if (rate > 0) {
        const due = t0 + (k * 1000) / rate - Date.now()
        if (due > 0) await new Promise(r => setTimeout(r, due))
      }
      await fn(items[k])
    }
  }))
}

let lastHeartbeat = Date.now() // the timer's last turn
setInterval(() => {
  const now = Date.now()
  heartbeatLateMs = Math.max(heartbeatLateMs, now - lastHeartbeat - HEARTBEAT_CHECK_MS)
  lastHeartbeat = now
  heartbeatDue(now)
}, HEARTBEAT_CHECK_MS).unref()

// the parent is gone (it failed): do not linger holding sockets
process.on("disconnect", () => process.exit(0))

process.on("message", async msg => {
  const t0 = Date.now()
  if (msg.cmd === "open") {
    await pool(msg.sockets, OPEN_IN_FLIGHT, i => open(i, msg.urls[i % msg.urls.length]))
    process.send({ opened: sockets.size, ms: Date.now() - t0 })
  } else if (msg.cmd === "join") {
    const errors = {}
    let joined = 0
    await pool(msg.topics, msg.inFlight, async ([i, topic]) => {
      const reply = await join(i, topic)
      if (reply.status === "ok") joined++
      else {
        const why = JSON.stringify(reply.response)
        errors[why] = (errors[why] || 0) + 1
      }
    }, msg.rate || 0)
    process.send({ joined, errors, ms: Date.now() - t0 })
  } else if (msg.cmd === "close") {
    closing = true
    await Promise.all([...sockets.values()].map(({ ws }) => new Promise(resolve => {
      if (ws.readyState === WebSocket.CLOSED) return resolve()
      ws.once("close", resolve)
      ws.close(1000)
    })))
    process.send({ closed: sockets.size, bytes, frames, unexpectedCloses, heartbeatLateMs }, () => process.exit(0))
  } else if (msg.cmd === "stats") {
    process.send({ bytes, frames, unexpectedCloses, heartbeatLateMs })
  }
})
