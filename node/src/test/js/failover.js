// Failover measurement against a local 3-node cluster (scripts/failover.sh runs it): --ports lists the
// node to kill first, then two survivors; subscribers on both survivors, a publisher on the first
// survivor publishing steadily to 100 topics, the first node killed with SIGKILL mid-run (or stopped
// for --stall seconds). Reports how long the topics that lived on that node were silent, and whether
// every acknowledged (ok reply) publish reached both surviving subscribers, and how many twice; exits 1
// if one did not, or if a topic never served again. Run by hand or in a profile, not by mvn verify (it takes over a minute).
"use strict";
const { parseArgs, now, openRaw, heartbeat, joinAll: joinTopics } = require("./cluster-clients");

const args = parseArgs(process.argv.slice(2));
const ports = (args.ports || "4000,4010,4020").split(",").map(Number);
const killPid = Number(args["kill-pid"]);
// --stall=S: instead of killing it, stop the node (SIGSTOP) for S seconds, as a long GC pause or a CPU
// stall would, then let it go on (SIGCONT); it must not be downed.
const stall = args.stall === undefined ? null : Number(args.stall) * 1000;
const topics = Number(args.topics || 100);
const rate = Number(args.rate || 500);
const killAt = Number(args["kill-at"] || 5) * 1000;
const duration = Number(args.seconds || 60) * 1000;
const pushTimeout = 10000;

const open = (port, onFrame) => openRaw("127.0.0.1", port, onFrame);
const topicNames = Array.from({ length: topics }, (_, t) => `room:fo-${t}`);
const joinAll = (ws, pending) => joinTopics(ws, topicNames, pending);

async function main() {
  const received = [new Map(), new Map()]; // subscriber -> n -> receive time
  const duplicates = [0, 0];
  const lastSeen = [new Map(), new Map()]; // subscriber -> topic -> [times]
  const subs = [];
  for (let s = 0; s < 2; s++) {
    const pending = new Map();
    const ws = await open(ports[s + 1], ([jr, ref, topic, event, payload]) => {
      if (event === "phx_reply" && pending.has(ref)) pending.get(ref)();
      else if (event === "msg") {
        const t = now();
        if (received[s].has(payload.n)) duplicates[s]++;
        received[s].set(payload.n, t);
        if (!lastSeen[s].has(topic)) lastSeen[s].set(topic, []);
        lastSeen[s].get(topic).push(t);
      }
    });
    await joinAll(ws, pending);
    subs.push({ ws, hb: heartbeat(ws) });
  }
  const pubPending = new Map();
  const sent = new Map(); // n -> {at, topic, ackAt}
  const pub = await open(ports[1], ([jr, ref, topic, event, payload]) => {
    if (event !== "phx_reply") return;
    if (pubPending.has(ref)) return pubPending.get(ref)();
    const n = Number(ref.slice(1));
    const s = sent.get(n);
    if (s && payload.status === "ok") s.ackAt = now();
  });
  await joinAll(pub, pubPending);
  const hb = heartbeat(pub);

  const start = now();
  let killTime = null;
  let n = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = now() - start;
      if (killTime === null && elapsed >= killAt) {
        process.kill(killPid, stall === null ? "SIGKILL" : "SIGSTOP");
        killTime = now();
        process.stderr.write(`${stall === null ? "killed" : "stopped"} pid ${killPid} at ${(elapsed / 1000).toFixed(1)} s\n`);
        if (stall !== null) setTimeout(() => process.kill(killPid, "SIGCONT"), stall);
      }
      if (elapsed >= duration) {
        clearInterval(tick);
        return resolve();
      }
      const due = Math.floor((elapsed / 1000) * rate);
      while (n < due) {
        const topic = `room:fo-${n % topics}`;
        sent.set(n, { at: now(), topic, ackAt: null });
        pub.send(JSON.stringify(["" + ((n % topics) + 1), "p" + n, topic, "msg", { n }]));
        n++;
      }
    }, 5);
  });
  await new Promise((r) => setTimeout(r, pushTimeout)); // late replies and deliveries

  // Silence per topic around the kill, per subscriber: the longest gap between deliveries after the kill.
  const gaps = [];
  for (let s = 0; s < 2; s++) {
    for (let t = 0; t < topics; t++) {
      const times = (lastSeen[s].get(`room:fo-${t}`) || []).filter((x) => x >= killTime - 1000);
      let longest = 0;
      let prev = killTime;
      for (const x of times) {
        longest = Math.max(longest, x - prev);
        prev = x;
      }
      gaps.push({ s, t, gap: longest });
    }
  }
  const affected = gaps.filter((g) => g.gap > 1000).map((g) => g.gap).sort((a, b) => a - b);
  let ackedAfter = 0, ackedAfterMissing = 0, ackedMissing = 0, unacked = 0, unackedDelivered = 0;
  for (const [k, v] of sent) {
    if (v.ackAt === null) {
      unacked++;
      if (received[0].has(k) && received[1].has(k)) unackedDelivered++;
      continue;
    }
    if (!received[0].has(k) || !received[1].has(k)) ackedMissing++;
    if (v.ackAt > killTime) {
      ackedAfter++;
      if (!received[0].has(k) || !received[1].has(k)) ackedAfterMissing++;
    }
  }
  const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(p * a.length))] : 0);
  const result = {
    cmd: "failover", topics, rate, published: n,
    topic_subscriptions_silent_over_1s: affected.length, of: gaps.length,
    silence_ms: { min: affected[0] || 0, p50: pct(affected, 0.5), max: affected[affected.length - 1] || 0 },
    acked_after_kill: ackedAfter, acked_after_kill_missing_on_a_survivor: ackedAfterMissing,
    acked_missing_on_a_survivor: ackedMissing, duplicates: duplicates[0] + duplicates[1],
    never_acked: unacked, never_acked_but_delivered: unackedDelivered,
  };
  console.log(`published ${n} messages to ${topics} topics at ${rate}/s; node killed at ${killAt / 1000} s`);
  console.log(`subscriptions silent for over 1 s after the kill: ${affected.length} of ${gaps.length}; silence min ${result.silence_ms.min.toFixed(0)} ms, median ${result.silence_ms.p50.toFixed(0)} ms, max ${result.silence_ms.max.toFixed(0)} ms`);
  console.log(`publishes acknowledged after the kill: ${ackedAfter}, missing on a surviving subscriber: ${ackedAfterMissing}`);
  console.log(`publishes acknowledged but missing on a surviving subscriber (any time): ${ackedMissing}; delivered twice: ${duplicates[0] + duplicates[1]}`);
  console.log(`publishes never acknowledged (the client would retry): ${unacked} (${unackedDelivered} of them delivered anyway)`);
  console.log(JSON.stringify(result));
  for (const s of subs) { clearInterval(s.hb); s.ws.close(); }
  clearInterval(hb);
  pub.close();
  // The guarantees this run checks: an acknowledged publish reaches every surviving subscriber, and
  // every topic serves again (each subscription received messages after the kill).
  const silentForever = gaps.filter((g) => (lastSeen[g.s].get(`room:fo-${g.t}`) || []).every((x) => x < killTime)).length;
  if (ackedMissing > 0 || silentForever > 0) {
    console.error(`FAILED: ${ackedMissing} acknowledged publishes missing, ${silentForever} subscriptions never served again`);
    process.exitCode = 1;
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
