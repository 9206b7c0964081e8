"use strict"
// phoenix.js over long-poll through a load balancer without sticky sessions
// (scripts/longpoll-roundrobin.sh): a proxy sends each HTTP request to the next of two nodes in turn;
// phoenix.js joins, pushes and receives broadcasts (published through a WebSocket on node B), so its
// polls and posts alternate between the node that holds its session and the other. Prints one JSON line.
const http = require("node:http")
const path = require("node:path")
const mods = path.join(__dirname, "../../node/src/test/js/node_modules")
const { Socket, LongPoll } = require(path.join(mods, "phoenix"))
const WebSocket = require(path.join(mods, "ws"))
const [portA, portB] = process.argv.slice(2).map(Number)
const targets = [portA, portB]
const served = [0, 0]
let next = 0
const proxy = http.createServer((req, res) => {
  const i = next++ % 2
  served[i]++
  const up = http.request({ host: "127.0.0.1", port: targets[i], method: req.method, path: req.url, headers: req.headers }, r => {
    res.writeHead(r.statusCode, r.headers)
    r.pipe(res)
  })
  up.on("error", e => { res.writeHead(502); res.end(String(e)) })
  req.pipe(up)
})
const wait = (cond, ms = 20000) => new Promise((resolve, reject) => {
  const t0 = Date.now()
  const tick = () => cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error("timed out")) : setTimeout(tick, 20)
  tick()
})
proxy.listen(0, "127.0.0.1", async () => {
  const lb = proxy.address().port
  const lp = new Socket(`ws://127.0.0.1:${lb}/socket`, { transport: LongPoll, timeout: 10000 })
  const ws = new Socket(`ws://127.0.0.1:${portB}/socket`, { transport: WebSocket, timeout: 10000 })
  lp.connect(); ws.connect()
  const topic = `room:rr-${Date.now()}`
  const got = []
  const chLp = lp.channel(topic)
  chLp.on("shout", p => got.push(p.n))
  const chWs = ws.channel(topic)
  let joined = 0
  chLp.join().receive("ok", () => joined++)
  chWs.join().receive("ok", () => joined++)
  await wait(() => joined === 2)
  const N = 200
  let replies = 0
  for (let n = 0; n < N; n++) {
    if (n % 2) chWs.push("shout", { n }); else chLp.push("shout", { n }).receive("ok", () => replies++)
    if (n % 20 === 19) await new Promise(r => setTimeout(r, 50))
  }
  let ok = true
  try { await wait(() => got.length >= N && replies >= N / 2) } catch (e) { ok = false }
  await new Promise(r => setTimeout(r, 500))
  const sorted = [...got].sort((a, b) => a - b)
  const dups = got.length - new Set(got).size
  console.log(JSON.stringify({ ok: ok && dups === 0 && sorted.length === N, received: got.length, duplicates: dups,
    pushRepliesOk: replies, requestsPerNode: served, transport: lp.conn && lp.conn.constructor.name }))
  lp.disconnect(); ws.disconnect(); proxy.close()
  process.exit(0)
})
