"use strict"
// The cost of history (issue 18), against a running node (scripts/history-bench.sh starts one):
//   memory: --topics topics get --messages messages of --size bytes each through the HTTP API batch
//           endpoint, with nobody subscribed (the shell reads the heap before and after);
//   replay: --rejoins sockets join those topics with since=0 and the topic's epoch (each is replayed
//           --messages messages), then as many plain joins (nothing replayed); the node's CPU time
//           (/proc/<pid>/stat) per join of each kind, and their difference: the cost of the replay.
// Prints one JSON line per phase.
const WebSocket = require("ws")
const fs = require("fs")

const args = Object.fromEntries(process.argv.slice(2).map(a => a.replace(/^--/, "").split("=")))
const WS = args.url
const API = args.api
const PID = args.pid
const TOPICS = Number(args.topics || 100)
const MESSAGES = Number(args.messages || 100)
const SIZE = Number(args.size || 100)
const REJOINS = Number(args.rejoins || 1000)
const CONCURRENCY = Number(args.concurrency || 20)
const PREFIX = args.prefix || `room:hist-bench-${Date.now().toString(36)}-`
const phase = args.phase || "all"

const ticks = () => { const f = fs.readFileSync(`/proc/${PID}/stat`, "utf8").split(") ")[1].split(" "); return Number(f[11]) + Number(f[12]) }
const TCK = 100 // USER_HZ

async function post(path, body) {
  const res = await fetch(`${API}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`)
  return JSON.parse(text)
}

async function fill() {
  const pad = "x".repeat(Math.max(0, SIZE - 12))
  const epochs = {}
  for (let m = 0; m < MESSAGES; m++) {
    const broadcasts = []
    for (let t = 0; t < TOPICS; t++) broadcasts.push({ topic: PREFIX + t, event: "msg", payload: { p: pad } })
    for (let i = 0; i < broadcasts.length; i += 1000) {
      const r = await post("/api/broadcast/batch", { broadcasts: broadcasts.slice(i, i + 1000) })
      r.results.forEach((x, k) => { epochs[PREFIX + (i + k)] = x.epoch })
    }
  }
  return epochs
}

/** One socket joins `topic` with `params` and waits for the ok reply and `expect` broadcasts. */
function joinOnce(topic, params, expect) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${WS}?vsn=2.0.0`)
    let got = 0, ok = false
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`join of ${topic}: ${got}/${expect} after 10 s`)) }, 10000)
    const done = () => { if (ok && got >= expect) { clearTimeout(timer); ws.close(); resolve() } }
    ws.on("open", () => ws.send(JSON.stringify(["1", "1", topic, "phx_join", params])))
    ws.on("message", d => {
      const f = JSON.parse(d)
      if (f[3] === "phx_reply" && f[1] === "1") ok = f[4].status === "ok"
      else if (f[3] === "msg") got++
      done()
    })
    ws.on("error", e => { clearTimeout(timer); reject(e) })
  })
}

async function joins(kind, epochs) {
  let next = 0
  const t0 = ticks(), w0 = Date.now()
  async function worker() {
    while (next < REJOINS) {
      const i = next++
      const topic = PREFIX + (i % TOPICS)
      if (kind === "replay") await joinOnce(topic, { since: 0, epoch: epochs[topic] }, MESSAGES)
      else await joinOnce(topic, {}, 0)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const cpu = (ticks() - t0) / TCK
  return { kind, joins: REJOINS, server_cpu_s: cpu, cpu_us_per_join: Math.round(cpu * 1e6 / REJOINS), wall_s: (Date.now() - w0) / 1000 }
}

;(async () => {
  if (phase === "fill" || phase === "all") {
    const t0 = Date.now()
    const epochs = await fill()
    fs.writeFileSync(args.epochs || "/tmp/history-bench-epochs.json", JSON.stringify(epochs))
    console.log(JSON.stringify({ phase: "fill", topics: TOPICS, messages: MESSAGES, size: SIZE, seconds: (Date.now() - t0) / 1000 }))
  }
  if (phase === "replay" || phase === "all") {
    const epochs = JSON.parse(fs.readFileSync(args.epochs || "/tmp/history-bench-epochs.json", "utf8"))
    // warm the paths once, then alternate: plain, replay, plain, replay
    await joins("plain", epochs); await joins("replay", epochs)
    const runs = []
    for (let r = 0; r < 2; r++) { runs.push(await joins("plain", epochs)); runs.push(await joins("replay", epochs)) }
    console.log(JSON.stringify({ phase: "replay", messages_per_replay: MESSAGES, runs }))
  }
})().catch(e => { console.error(e); process.exit(1) })
