"use strict"
// Presence under load, for scripts/presence.sh (not part of the build): phoenix.js sockets spread over
// the nodes in --urls, each joining --per-socket topics with its own user_id, and one watcher per node
// with phoenix.js Presence on the first topic. Prints when every join was answered, when every
// watcher's list was complete, how many presence_diffs that took; holds --hold seconds (the script
// samples memory and cluster traffic meanwhile), then disconnects every socket and prints when every
// watcher's list was empty again.
//   node presence-load.js --urls=ws://127.0.0.1:14300/socket,... --sockets=10000 --per-socket=1 --hold=20
const { Socket, Presence } = require("phoenix")
const WebSocket = require("ws")

const arg = (name, dflt) => {
  const a = process.argv.find(x => x.startsWith(`--${name}=`))
  return a ? a.slice(name.length + 3) : dflt
}
const urls = arg("urls", "ws://127.0.0.1:14300/socket").split(",")
const sockets = Number(arg("sockets", "1000"))
const perSocket = Number(arg("per-socket", "1"))
const hold = Number(arg("hold", "10"))
// --kill-pid with --kill-node=k (index in --urls) and --kill-signal: after the lists are complete, the
// node is killed, and the others' watchers must lose exactly its members
const killPid = Number(arg("kill-pid", "0"))
const killNode = Number(arg("kill-node", "-1"))
const killSignal = arg("kill-signal", "SIGKILL")
const run = Date.now().toString(36)
const topic = j => `room:load-${run}-${j}`
const sleep = ms => new Promise(r => setTimeout(r, ms))
const log = msg => console.log(`[presence-load ${new Date().toISOString()}] ${msg}`)

async function open(url) {
  const s = new Socket(url, { transport: WebSocket, timeout: 60000, reconnectAfterMs: () => 600000, heartbeatIntervalMs: 30000 })
  await new Promise((resolve, reject) => { s.onOpen(resolve); s.onError(reject); s.connect() })
  return s
}

function join(ch) {
  return new Promise((resolve, reject) =>
    ch.join(60000).receive("ok", resolve).receive("error", e => reject(new Error(JSON.stringify(e)))).receive("timeout", () => reject(new Error("join timeout"))))
}

async function until(cond, what, ms = 300000) {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${typeof what === "function" ? what() : what}`)
    await sleep(20)
  }
}

;(async () => {
  const watchers = []
  for (const url of urls) {
    const s = await open(url)
    const ch = s.channel(topic(0), {})
    const p = new Presence(ch)
    const w = { s, ch, p, diffs: 0, count: () => p.list().length }
    ch.on("presence_diff", () => w.diffs++)
    await join(ch)
    watchers.push(w)
  }
  log(`${watchers.length} watchers joined ${topic(0)}`)
  const members = []
  const t0 = Date.now()
  for (let i = 0; i < sockets; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, sockets - i) }, async (_, k) => {
      members[i + k] = await open(urls[(i + k) % urls.length])
    }))
  }
  log(`${sockets} sockets open in ${Date.now() - t0} ms`)
  const t1 = Date.now()
  const perTopic = sockets
  // 500 joins in flight at a time: a burst of 10,000 at once would measure the join path, not presence
  for (let j = 0; j < perSocket; j++) {
    for (let i = 0; i < members.length; i += 500) {
      await Promise.all(members.slice(i, i + 500).map((s, k) => join(s.channel(topic(j), { user_id: `u${i + k}`, meta: { i: i + k } }))))
    }
  }
  const joined = Date.now() - t1
  await until(() => watchers.every(w => w.count() === perTopic), `${perTopic} in every watcher's list`)
  const converged = Date.now() - t1
  log(`${sockets * perSocket} entries (${perSocket} topics x ${perTopic}): joins answered in ${joined} ms, every watcher's list complete after ${converged} ms, presence_diffs per watcher: ${watchers.map(w => w.diffs).join(", ")}`)
  log(`HOLD ${hold}s`)
  await sleep(hold * 1000)
  let live = watchers
  let liveMembers = members
  if (killPid) {
    const survivors = members.filter((_, i) => i % urls.length !== killNode).length
    live = watchers.filter((_, n) => n !== killNode)
    liveMembers = members.filter((_, i) => i % urls.length !== killNode)
    const tk = Date.now()
    process.kill(killPid, killSignal)
    await until(() => live.every(w => w.count() === survivors), `${survivors} members left after the ${killSignal}`)
    log(`${killSignal} of node ${killNode}: its members gone from every other node's list after ${Date.now() - tk} ms`)
  }
  const t2 = Date.now()
  for (const s of liveMembers) s.disconnect()
  await until(() => live.every(w => w.count() === 0), () => `every watcher's list empty (${live.map(w => w.count())})`)
  log(`all ${liveMembers.length} remaining sockets closed: every watcher's list empty after ${Date.now() - t2} ms`)
  process.exit(0)
})().catch(e => { console.error(e); process.exit(1) })
