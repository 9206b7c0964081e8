"use strict"
// Long-poll benchmark client (scripts/longpoll-bench.sh runs it against a fresh node): opens N sessions
// that join T topics and keep polling as phoenix.js does, then
//   1. idle: holds them (each with a poll waiting) and reports the node's live heap and RSS against the
//      baseline taken before the sessions opened;
//   2. delivery: publishes at each rate through the HTTP API, every payload stamped with its publish
//      time, and reports deliveries, duplicates and out-of-order messages, latency (publish to
//      receipt, ms) and the node's CPU per delivered message.
// --transport ws runs the same shape over raw WebSockets (the `ws` package), for comparison.
// Raw protocol, not phoenix.js: the client shares the cores with the node and should cost little.
// Output: one JSON line per phase.
const fs = require("node:fs")
const { execFileSync } = require("node:child_process")
const path = require("node:path")
const WebSocket = require(path.join(__dirname, "../../node/src/test/js/node_modules/ws"))

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "true"])
  return acc
}, []))
const PORT = Number(args.port)
const API = `http://127.0.0.1:${args.api}`
const PID = Number(args.pid)
const SESSIONS = Number(args.sessions || 1000)
const TOPICS = Number(args.topics || 10)
const RATES = String(args.rate || "20").split(",").map(Number)
const SECONDS = Number(args.seconds || 20)
const IDLE_SECONDS = Number(args["idle-seconds"] || 15)
const TRANSPORT = args.transport || "longpoll"
const LP_URL = `http://127.0.0.1:${PORT}/socket/longpoll?vsn=2.0.0`
const WS_URL = `ws://127.0.0.1:${PORT}/socket/websocket?vsn=2.0.0`
const sleep = ms => new Promise(r => setTimeout(r, ms))

const CLK_TCK = 100
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(f[11]) + Number(f[12])) / CLK_TCK // utime + stime
}
function rssKb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1])
}
/** Live heap in KB: the total of jcmd GC.class_histogram, which runs a full collection first. */
function liveHeapKb(pid) {
  const histogram = execFileSync("jcmd", [String(pid), "GC.class_histogram"], { encoding: "utf8", maxBuffer: 64 << 20 })
  const total = /^Total\s+\d+\s+(\d+)/m.exec(histogram)
  if (!total) throw new Error("cannot read the class histogram's total")
  return Number(total[1]) / 1024
}

const topicOf = i => `room:lpbench-${i % TOPICS}`
const received = { count: 0, dup: 0, outOfOrder: 0, latencies: [] }
let recording = false

function onFrame(s, frame) {
  if (frame[3] !== "t") return
  const p = frame[4]
  if (p.i <= s.last) { if (p.i === s.last) received.dup++; else received.outOfOrder++ }
  s.last = Math.max(s.last, p.i)
  if (recording) {
    received.count++
    received.latencies.push(Date.now() - p.t)
  }
}

// ---- long-poll sessions ----
async function lpOpen(i) {
  const s = { i, token: null, last: -1, joined: false }
  const r = await (await fetch(LP_URL)).json()
  s.token = r.token
  await fetch(LP_URL, {
    method: "POST", headers: { "content-type": "application/x-ndjson", "x-phoenix-longpoll-token": s.token },
    body: JSON.stringify(["1", "1", topicOf(i), "phx_join", {}]),
  })
  while (!s.joined) await lpPoll(s)
  return s
}
async function lpPoll(s) {
  const r = await (await fetch(LP_URL, { headers: { "x-phoenix-longpoll-token": s.token } })).json()
  if (r.token) s.token = r.token
  if (r.status === 410) throw new Error(`session ${s.i} gone`)
  for (const m of r.messages || []) {
    const f = JSON.parse(m)
    if (f[3] === "phx_reply" && f[1] === "1") s.joined = true
    onFrame(s, f)
  }
}
let running = true
const pollErrors = {}
async function lpLoop(s) {
  while (running) {
    try {
      await lpPoll(s)
    } catch (e) {
      // a session the node ended is over; a failed request is retried with the same token
      const why = String(e && e.cause ? `${e} (${e.cause.code || e.cause.message})` : e).slice(0, 120)
      pollErrors[why] = (pollErrors[why] || 0) + 1
      if (/gone/.test(why)) { s.error = why; return }
      await sleep(100)
    }
  }
}

// ---- WebSocket sockets ----
function wsOpen(i) {
  return new Promise((resolve, reject) => {
    const s = { i, last: -1, ws: new WebSocket(WS_URL, { perMessageDeflate: false }) }
    s.ws.on("error", reject)
    s.ws.on("open", () => {
      s.ws.send(JSON.stringify(["1", "1", topicOf(i), "phx_join", {}]))
      // phoenix.js's heartbeat: without it the node closes the socket after herald.socket.idle-timeout
      let ref = 0
      s.heartbeat = setInterval(() => s.ws.send(JSON.stringify([null, `h${ref++}`, "phoenix", "heartbeat", {}])), 30000)
    })
    s.ws.on("close", () => { clearInterval(s.heartbeat); s.error = "closed" })
    s.ws.on("message", data => {
      const f = JSON.parse(data.toString())
      if (f[3] === "phx_reply" && f[1] === "1") resolve(s)
      onFrame(s, f)
    })
  })
}

async function inBatches(n, size, fn) {
  const out = []
  for (let i = 0; i < n; i += size) {
    out.push(...await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, k) => fn(i + k))))
  }
  return out
}

/** One tick's broadcasts in one API call (the publisher must cost the shared cores little). */
async function publish(broadcasts) {
  const res = await fetch(`${API}/api/broadcast/batch`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ broadcasts }),
  })
  if (res.status !== 200) throw new Error(`publish: ${res.status} ${await res.text()}`)
  await res.arrayBuffer()
}

function pct(sorted, p) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : null }

async function main() {
  const baseHeap = liveHeapKb(PID)
  const baseRss = rssKb(PID)
  const t0 = Date.now()
  // each session polls from the moment it joined, as phoenix.js does (a session not polled for the
  // session timeout ends)
  const sessions = await inBatches(SESSIONS, 50, TRANSPORT === "ws" ? wsOpen : i => lpOpen(i).then(s => { lpLoop(s); return s }))
  const openMs = Date.now() - t0
  await sleep(IDLE_SECONDS * 1000)
  const cpuIdle0 = cpuSeconds(PID)
  await sleep(5000)
  const idleCpu = cpuSeconds(PID) - cpuIdle0
  const heap = liveHeapKb(PID)
  const rss = rssKb(PID)
  console.log(JSON.stringify({
    phase: "idle", transport: TRANSPORT, sessions: SESSIONS, topics: TOPICS, openMs,
    liveHeapKbPerSession: +((heap - baseHeap) / SESSIONS).toFixed(2), rssKbPerSession: +((rss - baseRss) / SESSIONS).toFixed(2),
    baseHeapKb: baseHeap, heapKb: heap, baseRssKb: baseRss, rssKb: rss, idleCpuPercent: +(idleCpu / 5 * 100).toFixed(1),
  }))

  let seq = 0
  for (const rate of RATES) {
    // publish on schedule (what is due since the start, however late the loop runs), warm 3 s, then record
    let stop = false
    let published = 0
    const pub = (async () => {
      const start = Date.now()
      while (!stop) {
        const due = Math.floor(rate * (Date.now() - start) / 1000) - published
        if (due > 0) {
          const batch = []
          for (let k = 0; k < due; k++) {
            const i = seq++
            batch.push({ topic: topicOf(i), event: "t", payload: { t: Date.now(), i: Math.floor(i / TOPICS) } })
          }
          published += due
          await publish(batch)
        }
        await sleep(10)
      }
    })()
    await sleep(3000)
    received.count = 0; received.latencies = []; recording = true
    const p0 = published
    const c0 = cpuSeconds(PID)
    const w0 = Date.now()
    await sleep(SECONDS * 1000)
    const cpu = cpuSeconds(PID) - c0
    const wall = (Date.now() - w0) / 1000
    const publishedPerSecond = Math.round((published - p0) / wall)
    recording = false
    stop = true
    await pub
    await sleep(1000)
    const lat = received.latencies.sort((a, b) => a - b)
    const errors = sessions.filter(s => s.error).length
    console.log(JSON.stringify({
      phase: "delivery", transport: TRANSPORT, sessions: SESSIONS, topics: TOPICS, rate,
      publishedPerSecond, deliveriesPerSecond: Math.round(received.count / wall), deliveries: received.count,
      cpuMicrosPerDelivery: received.count ? +(cpu / received.count * 1e6).toFixed(1) : null,
      nodeCpuPercent: +(cpu / wall * 100).toFixed(1),
      latencyMs: { p50: pct(lat, 0.5), p90: pct(lat, 0.9), p99: pct(lat, 0.99), max: lat[lat.length - 1] },
      duplicates: received.dup, outOfOrder: received.outOfOrder, sessionsGone: errors, pollErrors,
    }))
  }
  running = false
  if (TRANSPORT === "ws") sessions.forEach(s => { clearInterval(s.heartbeat); s.ws.terminate() })
  process.exit(0)
}
main().catch(e => { console.error(e); process.exit(1) })
