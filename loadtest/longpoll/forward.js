"use strict"
// The cost of forwarding a long-poll session's polls to the node that holds it
// (scripts/longpoll-forward-bench.sh): one session opened on node A; rounds of "publish one message
// through A's API, poll until it arrives", the polls sent to A (local) or to B (forwarded to A over
// the cluster), alternating blocks. Reports the publish-to-receipt time per round and both nodes' CPU.
const fs = require("node:fs")
const [portA, apiA, portB, pidA, pidB, roundsArg] = process.argv.slice(2)
const ROUNDS = Number(roundsArg || 2000)
const url = port => `http://127.0.0.1:${port}/socket/longpoll?vsn=2.0.0`
const cpu = pid => { const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100 }
let token
async function poll(port) {
  const r = await (await fetch(url(port), { headers: { "x-phoenix-longpoll-token": token } })).json()
  if (r.token) token = r.token
  if (r.status === 410) throw new Error("session gone")
  return (r.messages || []).map(m => JSON.parse(m))
}
async function round(port, i) {
  const t0 = process.hrtime.bigint()
  const pending = (async () => { for (;;) { const fs = await poll(port); if (fs.some(f => f[3] === "t" && f[4].i === i)) return } })()
  await fetch(`http://127.0.0.1:${apiA}/api/broadcast`, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ topic: "room:lpforward", event: "t", payload: { i } }) }).then(r => r.arrayBuffer())
  await pending
  return Number(process.hrtime.bigint() - t0) / 1e6
}
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))]
async function main() {
  token = (await (await fetch(url(portA))).json()).token
  await fetch(url(portA), { method: "POST", headers: { "content-type": "application/x-ndjson", "x-phoenix-longpoll-token": token },
    body: JSON.stringify(["1", "1", "room:lpforward", "phx_join", {}]) })
  while (!(await poll(portA)).some(f => f[3] === "phx_reply")) {}
  let i = 0
  for (let k = 0; k < 500; k++) await round(k % 2 ? portB : portA, i++) // warm both paths
  const result = { local: { ms: [], cpu: 0 }, forwarded: { ms: [], cpu: 0 } }
  const BLOCK = 100
  for (let b = 0; b < ROUNDS / BLOCK; b++) {
    const which = b % 2 ? "forwarded" : "local"
    const c0 = cpu(pidA) + cpu(pidB)
    for (let k = 0; k < BLOCK; k++) result[which].ms.push(await round(which === "local" ? portA : portB, i++))
    result[which].cpu += cpu(pidA) + cpu(pidB) - c0
  }
  for (const [k, v] of Object.entries(result)) {
    const s = v.ms.sort((a, b) => a - b)
    console.log(JSON.stringify({ path: k, rounds: s.length, p50ms: +pct(s, 0.5).toFixed(2), p90ms: +pct(s, 0.9).toFixed(2),
      p99ms: +pct(s, 0.99).toFixed(2), nodesCpuMicrosPerRound: Math.round(v.cpu / s.length * 1e6) }))
  }
}
main().catch(e => { console.error(e); process.exit(1) })
