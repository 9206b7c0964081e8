"use strict"
// Presence under load, for scripts/presence.sh (not part of the build). --sockets member sockets, spread
// over the nodes in --urls (socket i on node i % nodes) and held by --procs child processes
// (presence-members.js: raw `ws` sockets, V2 protocol, what they receive counted, not parsed), each
// socket joining --per-socket topics as user u<i>. With --topics=T (default: --per-socket) there are T
// topics and socket i's j-th is topic (i * per-socket + j) % T, so each topic has sockets * per-socket / T
// members: --per-socket=100 alone puts every socket in the same 100 topics, --topics=1000 spreads them.
// One watcher per node, the unmodified phoenix.js Presence on topic 0, checks that its list becomes
// exactly topic 0's members. Prints join and convergence times, presence_diffs per watcher, what the
// members received; holds --hold seconds (the script samples memory and cluster traffic meanwhile; it
// keys on the lines with JOINING, CONVERGED and HOLD), then closes every member and prints when every
// watcher's list was empty again. The last line is a JSON summary.
//   node presence-load.js --urls=ws://127.0.0.1:15200/socket,... --sockets=10000 --procs=2 --hold=20
const { fork } = require("node:child_process")
const path = require("node:path")
const { Socket, Presence } = require("phoenix")
const WebSocket = require("ws")

const arg = (name, dflt) => {
  // the last one given wins (scripts/presence.sh puts its defaults first)
  const a = process.argv.findLast(x => x.startsWith(`--${name}=`))
  return a ? a.slice(name.length + 3) : dflt
}
const urls = arg("urls", "ws://127.0.0.1:15200/socket").split(",")
const sockets = Number(arg("sockets", "1000"))
const perSocket = Number(arg("per-socket", "1"))
const topics = Number(arg("topics", String(perSocket)))
const hold = Number(arg("hold", "10"))
// member processes: each holds sockets / procs sockets (a process may hold 20,000 open files)
const procs = Number(arg("procs", String(Math.max(1, Math.ceil(sockets / 5000)))))
// unanswered joins per member process at a time: a burst of 10,000 at once would measure the join path
const inFlight = Number(arg("in-flight", "500"))
// joins a second over all member processes (0: as fast as --in-flight allows). The issue asks 1,000
// members within a second only of the 1,000-member test; a larger topic fills at a rate like this.
const joinRate = Number(arg("join-rate", "0"))
const convergeMs = Number(arg("converge-timeout", "600")) * 1000
// --kill-pid with --kill-node=k (index in --urls) and --kill-signal: after the lists are complete, the
// node is killed, and the others' watchers must lose exactly its members
const killPid = Number(arg("kill-pid", "0"))
const killNode = Number(arg("kill-node", "-1"))
const killSignal = arg("kill-signal", "SIGKILL")
if (perSocket > topics) throw new Error("--per-socket must not exceed --topics (a socket joins a topic once)")
const run = Date.now().toString(36)
const topic = t => `room:load-${run}-${t}`
const topicOf = (i, j) => (i * perSocket + j) % topics
const sleep = ms => new Promise(r => setTimeout(r, ms))
const log = msg => console.log(`[presence-load ${new Date().toISOString()}] ${msg}`)

async function until(cond, what, ms = convergeMs) {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${typeof what === "function" ? what() : what}`)
    await sleep(20)
  }
}

/** A member process, and a way to ask it something and await its answer. */
function member(k) {
  const child = fork(path.join(__dirname, "presence-members.js"), [], { stdio: "inherit" })
  let waiting = null
  child.on("message", m => { const w = waiting; waiting = null; w && w(m) })
  child.on("exit", code => { if (code && waiting) { console.error(`member process ${k} exited with ${code}`); process.exit(1) } })
  return { k, child, ask: msg => new Promise(resolve => { waiting = resolve; child.send(msg) }) }
}

async function watcher(url) {
  const s = new Socket(url, { transport: WebSocket, timeout: 60000, reconnectAfterMs: () => 600000, heartbeatIntervalMs: 30000 })
  await new Promise((resolve, reject) => { s.onOpen(resolve); s.onError(reject); s.connect() })
  const ch = s.channel(topic(0), {})
  const p = new Presence(ch)
  const w = { s, ch, p, diffs: 0, keys: () => p.list(k => k) }
  ch.on("presence_diff", () => w.diffs++)
  await new Promise((resolve, reject) =>
    ch.join(60000).receive("ok", resolve).receive("error", e => reject(new Error(JSON.stringify(e)))).receive("timeout", () => reject(new Error("watcher join timeout"))))
  return w
}

const sameSet = (keys, expected) => keys.length === expected.size && keys.every(k => expected.has(k))

;(async () => {
  const watchers = []
  for (const url of urls) watchers.push(await watcher(url))
  log(`${watchers.length} watchers (phoenix.js Presence) joined ${topic(0)}`)
  // topic 0's members, as every watcher's list must show them
  const expected = new Set()
  for (let i = 0; i < sockets; i++) {
    for (let j = 0; j < perSocket; j++) if (topicOf(i, j) === 0) expected.add(`u${i}`)
  }
  const members = Array.from({ length: procs }, (_, k) => member(k))
  const share = k => Array.from({ length: sockets }, (_, i) => i).filter(i => i % procs === k)
  const t0 = Date.now()
  const opened = await Promise.all(members.map(m => m.ask({ cmd: "open", urls, sockets: share(m.k) })))
  log(`${opened.reduce((a, o) => a + o.opened, 0)} sockets open in ${Date.now() - t0} ms (${procs} member processes)`)

  log(`JOINING ${sockets * perSocket} entries: ${topics} topics of ${(sockets * perSocket) / topics} members${joinRate ? `, ${joinRate} joins/s` : ""}`)
  const t1 = Date.now()
  const errors = {}
  const phases = []
  for (let j = 0; j < perSocket; j++) {
    const tj = Date.now()
    const answers = await Promise.all(members.map(m =>
      m.ask({ cmd: "join", inFlight, rate: joinRate / procs, topics: share(m.k).map(i => [i, topic(topicOf(i, j))]) })))
    for (const a of answers) for (const [why, n] of Object.entries(a.errors)) errors[why] = (errors[why] || 0) + n
    phases.push(Date.now() - tj)
    if (perSocket > 1 && (j + 1) % Math.max(1, Math.floor(perSocket / 10)) === 0) {
      log(`joins ${j + 1}/${perSocket} answered after ${Date.now() - t1} ms (last round ${phases[j]} ms)${Object.keys(errors).length ? `, errors so far ${JSON.stringify(errors)}` : ""}`)
    }
  }
  const joined = Date.now() - t1
  const refused = Object.values(errors).reduce((a, n) => a + n, 0)
  if (refused) {
    // the lists need not become topic 0's expected members: report, and hold what was made anyway
    log(`join errors after ${joined} ms: ${JSON.stringify(errors)}; watchers' lists: ${watchers.map(w => w.keys().length).join(", ")} of ${expected.size}`)
  } else {
    await until(() => watchers.every(w => sameSet(w.keys(), expected)),
      () => `${expected.size} (topic 0's members, exactly) in every watcher's list: ${watchers.map(w => w.keys().length).join(", ")}`)
  }
  const converged = Date.now() - t1
  const received = await Promise.all(members.map(m => m.ask({ cmd: "stats" })))
  const memberBytes = received.reduce((a, r) => a + r.bytes, 0)
  log(`CONVERGED ${sockets * perSocket - refused} entries (${topics} topics x ${expected.size}): joins answered in ${joined} ms, ` +
    `${refused ? `${refused} joins refused, lists not checked` : "every watcher's list exact"} after ${converged} ms, presence_diffs per watcher: ${watchers.map(w => w.diffs).join(", ")}; ` +
    `members received ${(memberBytes / 1e6).toFixed(1)} MB in ${received.reduce((a, r) => a + r.frames, 0)} frames; ` +
    `longest turn of a member process's event loop ~${Math.max(...received.map(r => r.heartbeatLateMs))} ms`)
  log(`HOLD ${hold}s`)
  await sleep(hold * 1000)
  let live = watchers
  let killed = null
  if (killPid) {
    const survivors = new Set([...expected].filter(k => Number(k.slice(1)) % urls.length !== killNode))
    live = watchers.filter((_, n) => n !== killNode)
    const tk = Date.now()
    process.kill(killPid, killSignal)
    await until(() => live.every(w => sameSet(w.keys(), survivors)), `${survivors.size} members left after the ${killSignal}`)
    killed = Date.now() - tk
    log(`${killSignal} of node ${killNode}: its members gone from every other node's list after ${killed} ms`)
  }
  const t2 = Date.now()
  const closed = await Promise.all(members.map(m => m.ask({ cmd: "close" })))
  await until(() => live.every(w => w.keys().length === 0), () => `every watcher's list empty (${live.map(w => w.keys().length)})`)
  const emptied = Date.now() - t2
  const unexpected = {}
  for (const c of closed) for (const [code, n] of Object.entries(c.unexpectedCloses)) unexpected[code] = (unexpected[code] || 0) + n
  log(`all members closed: every watcher's list empty after ${emptied} ms; sockets closed by the server or network meanwhile: ${JSON.stringify(unexpected)}; ` +
    `longest turn of a member process's event loop ~${Math.max(...closed.map(c => c.heartbeatLateMs))} ms`)
  console.log(JSON.stringify({ sockets, perSocket, topics, members: expected.size, procs, joinedMs: joined, convergedMs: converged,
    diffs: watchers.map(w => w.diffs), joinErrors: errors, memberBytes, killedMs: killed, emptiedMs: emptied, unexpectedCloses: unexpected }))
  process.exit(refused || (!killPid && Object.keys(unexpected).length) ? 1 : 0)
})().catch(e => { console.error(e); process.exit(1) })
