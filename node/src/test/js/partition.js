// A network partition of a local 3-node cluster, split 2|1 (scripts/partition.sh runs it): the cut and
// the heal insert and delete the jump from OUTPUT to the iptables chain --chain that partition.sh filled,
// and --ctl is called with "restart" to start the minority node again. One phoenix.js subscriber per
// node joined to every topic (after a close it reconnects to a ready node, as through a load balancer),
// and a publisher per node through the HTTP API at a steady rate. Checks:
// - no (topic, epoch, seq) acknowledged twice, and no two incarnations of one topic provably numbering
//   at the same time (each epoch's span from its first acknowledgement to its last request);
// - per subscriber, per topic, seqs strictly increasing within an epoch;
// - every publish acknowledged by the majority after the cut reaches the majority's subscribers, and the
//   minority's subscriber once it has rejoined on the majority;
// - the minority's sockets are closed (it downs itself) and its subscriber rejoins on the majority;
// - after the heal and a restart of the minority node, one cluster of three Up members, and a publish
//   through each node reaches every subscriber.
// Exits 1 if a check fails.
"use strict";
const { execFile } = require("node:child_process");
const { parseArgs, parseNode, now, sleep, ReadinessWatch, Subscriber, ApiPublisher, account, members } = require("./cluster-clients");

const args = parseArgs(process.argv.slice(2));
const nodes = args.nodes.split(",").map(parseNode);
const minority = Number(args.minority ?? 2);
const minorityPid = Number(args["minority-pid"]);
const topicCount = Number(args.topics || 30);
const rate = Number(args.rate || 20); // publishes per second through each node's API
const cutAt = Number(args["cut-at"] || 5) * 1000;
const splitFor = Number(args["split-seconds"] || 30) * 1000;
const exitWait = Number(args["exit-wait"] || 20) * 1000;
const ctl = args.ctl;
const topics = Array.from({ length: topicCount }, (_, t) => `room:pt-${t}`);
const majority = nodes.map((n) => n.index).filter((i) => i !== minority);

const failures = [];
const fail = (what) => failures.push(what);
const timeline = [];
let t0 = now();
const mark = (what) => {
  const at = now();
  timeline.push({ at: Math.round(at - t0), what });
  process.stderr.write(`[${((at - t0) / 1000).toFixed(1)} s] ${what}\n`);
  return at;
};
const chain = args.chain; // iptables chain of the cut's rules (scripts/partition.sh prepares it)
const iptables = (...argv) =>
  new Promise((resolve, reject) => execFile("iptables", argv, (err, out, errOut) => (err ? reject(new Error(`iptables ${argv.join(" ")}: ${errOut || err.message}`)) : resolve())));
const control = (command) =>
  new Promise((resolve, reject) =>
    execFile(ctl, [command], (err, stdout, stderr) => (err ? reject(new Error(`${ctl} ${command}: ${stderr || err.message}`)) : resolve(stdout))),
  );
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return false;
  }
};

async function main() {
  const readiness = new ReadinessWatch(nodes);
  await readiness.poll();
  const subs = nodes.map((n) => new Subscriber(`subscriber on node ${n.index}`, nodes, n.index, topics, readiness));
  await Promise.all(subs.map((s) => s.start()));
  const log = [];
  const publishers = nodes.map((n) => new ApiPublisher(n, log));
  let n = 0;
  const count = nodes.map(() => 0);
  let skipped = 0;
  let publishing = true;
  // Steady publishing: every 10 ms each publisher catches up with rate × elapsed; a node that does not
  // answer (a minority waiting 5 s for unreachable owners) is not sent more than 200 at once.
  t0 = now();
  const ticker = setInterval(() => {
    if (!publishing) return;
    const elapsed = now() - t0;
    publishers.forEach((p, i) => {
      const due = Math.floor((elapsed / 1000) * rate);
      while (count[i] < due) {
        if (p.inFlight >= 200) {
          skipped++;
        } else {
          p.publish(n++, topics[count[i] % topicCount]);
        }
        count[i]++;
      }
    });
  }, 10);

  const subM = subs[minority];
  let subMRejoined = null;
  let minorityExit = null;
  let cutDone = null;
  await sleep(cutAt);
  const cutStart = now();
  await iptables("-I", "OUTPUT", "-j", chain);
  // from here on the rules drop the cluster traffic across the cut (they took effect during the call)
  const cutWallClock = new Date().toISOString();
  const tCut = mark(`cut: node ${minority} (${nodes[minority].host}) from nodes ${majority.join(", ")} (iptables took ${(now() - cutStart).toFixed(0)} ms)`);
  cutDone = tCut;
  // Watch the minority: its process, and its subscriber rejoining elsewhere.
  const watch = setInterval(() => {
    if (minorityExit === null && !alive(minorityPid)) minorityExit = mark(`node ${minority}'s process exited`);
    const closed = subM.events.some((e) => e.type === "close" && e.at > tCut);
    if (subMRejoined === null && closed && subM.node !== minority && subM.allJoined()) {
      subMRejoined = mark(`the minority's subscriber rejoined every topic on node ${subM.node}`);
    }
  }, 50);
  await sleep(splitFor);
  await iptables("-D", "OUTPUT", "-j", chain);
  const tHeal = mark("heal");
  const exitDeadline = now() + exitWait;
  while (minorityExit === null && now() < exitDeadline) await sleep(100);
  let exited = minorityExit !== null;
  if (!exited) {
    mark(`node ${minority}'s process still runs ${((now() - tCut) / 1000).toFixed(1)} s after the cut: killing it (SIGKILL), as Kubernetes would after its liveness probe failed`);
    process.kill(minorityPid, "SIGKILL");
    while (alive(minorityPid)) await sleep(50);
  }
  const tRestart = mark(`restart node ${minority} (scripts/cluster.sh join)`);
  await control("restart");
  const tRestarted = mark(`node ${minority} ready again`);
  // One cluster: every node lists the same three Up members.
  let oneCluster = null, views = [];
  const membersDeadline = now() + 30000;
  while (now() < membersDeadline) {
    views = await Promise.all(nodes.map(members));
    const same = views.every((v) => v && JSON.stringify(v) === JSON.stringify(views[0]));
    if (same && views[0].length === nodes.length && views[0].every((m) => m.status === "Up")) {
      oneCluster = mark("one cluster: every node lists the same 3 Up members");
      break;
    }
    await sleep(250);
  }
  if (oneCluster === null) fail(`no single cluster of ${nodes.length} Up members 30 s after the restart: ${JSON.stringify(views)}`);
  await sleep(2000);
  publishing = false;
  clearInterval(ticker);
  // A last round through every node, the restarted one included: each must reach every subscriber.
  const finalFrom = log.length;
  const finalRound = [];
  for (const p of publishers) for (const topic of topics) finalRound.push(p.publish(n++, topic));
  await Promise.all(finalRound);
  await sleep(3000);
  clearInterval(watch);
  readiness.stop();
  subs.forEach((s) => s.stop());
  publishers.forEach((p) => p.close());

  // ---- analysis ----
  const acked = log.filter((r) => r.status === 200);
  // Answered {"seq": null, "epoch": null}: delivered unnumbered while the topic's owner was unreachable
  // (docs/architecture.md, "When a node dies"). They have no owner to check, only delivery.
  const numbered = acked.filter((r) => r.seq !== null);
  const unnumbered = acked.length - numbered.length;
  const rel = (t) => (t === null ? null : Math.round(t - tCut));
  // (1) no (topic, epoch, seq) given twice
  const given = new Map();
  let seqTwice = 0;
  for (const r of numbered) {
    const key = `${r.topic}|${r.epoch}|${r.seq}`;
    if (given.has(key)) seqTwice++;
    else given.set(key, r.n);
  }
  if (seqTwice) fail(`${seqTwice} (topic, epoch, seq) acknowledged twice`);
  // (2) two owners at once: an epoch surely numbered from its first acknowledgement to its last request
  const epochs = new Map(); // topic -> epoch -> {firstAck, lastSent, via:Set, count}
  for (const r of numbered) {
    if (!epochs.has(r.topic)) epochs.set(r.topic, new Map());
    const e = epochs.get(r.topic);
    if (!e.has(r.epoch)) e.set(r.epoch, { firstAck: r.ackAt, lastSent: r.sentAt, lastAck: r.ackAt, firstSent: r.sentAt, via: new Set(), count: 0 });
    const s = e.get(r.epoch);
    s.firstAck = Math.min(s.firstAck, r.ackAt);
    s.lastSent = Math.max(s.lastSent, r.sentAt);
    s.lastAck = Math.max(s.lastAck, r.ackAt);
    s.firstSent = Math.min(s.firstSent, r.sentAt);
    s.via.add(r.via);
    s.count++;
  }
  let overlaps = 0;
  // between one incarnation's last acknowledgement and the next one's first request: the margin by
  // which the two owners missed each other, for the partition's take-overs and for the rebalances after
  // the restart (a shard handed back to the restarted node)
  const gaps = { takeover: [], rebalance: [] };
  const takenOver = [];
  for (const [topic, e] of epochs) {
    const list = [...e.entries()].sort((a, b) => a[1].firstAck - b[1].firstAck);
    for (let i = 1; i < list.length; i++) {
      const [prevEpoch, prev] = list[i - 1];
      const [, next] = list[i];
      if (prev.lastSent > next.firstAck) {
        overlaps++;
        fail(`${topic}: epoch ${prevEpoch} numbered a message sent at ${rel(prev.lastSent)} ms, after another epoch acknowledged one at ${rel(next.firstAck)} ms`);
      }
      const kind = next.firstAck < tRestart ? "takeover" : "rebalance";
      gaps[kind].push(Math.round(next.firstSent - prev.lastAck));
      if (kind === "takeover") {
        // the new incarnation's first acknowledgement through a majority node
        const byMajority = numbered.filter((r) => r.topic === topic && r.epoch === list[i][0] && majority.includes(r.via));
        takenOver.push({ topic, firstAckOnMajority: byMajority.length ? Math.min(...byMajority.map((r) => r.ackAt)) : null });
      }
    }
  }
  for (const g of Object.values(gaps)) g.sort((a, b) => a - b);
  // (3) + (4) per subscriber: lost / duplicated / reordered within an epoch
  const isMajority = (s) => s !== subM;
  const byMajorityAfterCut = (r) => r.sentAt >= cutDone && (majority.includes(r.via) || r.sentAt >= tRestarted);
  const expect = (s, r) => {
    if (r.ackAt < tCut - 1000) return true; // before the cut, everyone
    if (!byMajorityAfterCut(r)) return false;
    if (isMajority(s)) return true;
    return subMRejoined !== null && r.sentAt >= subMRejoined + 100;
  };
  const accounts = account(subs, acked, expect);
  for (const a of accounts) {
    if (a.lost) fail(`${a.subscriber}: ${a.lost} of ${a.expected} acknowledged messages lost`);
    if (a.duplicated) fail(`${a.subscriber}: ${a.duplicated} duplicated deliveries`);
    if (a.reordered) fail(`${a.subscriber}: ${a.reordered} deliveries out of seq order within an epoch`);
  }
  // the final round reached everyone
  const finalAcked = log.slice(finalFrom).filter((r) => r.status === 200);
  const finalMissing = subs.map((s) => finalAcked.filter((r) => !s.deliveries.has(r.n)).length);
  if (finalAcked.length !== nodes.length * topicCount) fail(`final round: ${finalAcked.length} of ${nodes.length * topicCount} publishes acknowledged`);
  if (finalMissing.some((m) => m > 0)) fail(`final round: missing per subscriber ${finalMissing.join(", ")}`);
  // the minority closed its sockets
  const subMClose = subM.events.find((e) => e.type === "close" && e.at > tCut);
  if (!subMClose) fail("the minority never closed its subscriber's socket");
  if (subMRejoined === null) fail("the minority's subscriber never rejoined on the majority");
  const notReady = readiness.history.find((h) => h.i === minority && !h.ready && h.at > tCut);
  // what the minority acknowledged during the split: numbered by an owner about to be downed
  const minorityAcked = acked.filter((r) => r.via === minority && r.sentAt >= cutDone && r.sentAt < tRestart);
  const minorityAckedSeenByMajority = minorityAcked.filter((r) => subs.some((s) => isMajority(s) && s.deliveries.has(r.n))).length;
  // majority-side availability during the split: publishes through the majority's API
  const majoritySplit = log.filter((r) => majority.includes(r.via) && r.sentAt >= cutDone && r.sentAt < tHeal);
  const refusedByStatus = {};
  for (const r of majoritySplit.filter((r) => r.status !== 200)) refusedByStatus[r.status] = (refusedByStatus[r.status] || 0) + 1;
  const takeover = takenOver.filter((t) => t.firstAckOnMajority !== null).map((t) => t.firstAckOnMajority - tCut).sort((a, b) => a - b);

  const result = {
    cmd: "partition",
    nodes: nodes.length,
    minority,
    topics: topicCount,
    rate_per_node: rate,
    published: log.length,
    skipped_while_200_unanswered: skipped,
    acknowledged: acked.length,
    acknowledged_unnumbered: unnumbered,
    cut_at: cutWallClock,
    minority_readiness_ms_after_cut: readiness.history.filter((h) => h.i === minority && h.at > tCut).map((h) => `${h.ready ? "ready" : "not ready"} ${rel(h.at)}`),
    timeline_ms_after_cut: {
      minority_not_ready: notReady ? rel(notReady.at) : null,
      minority_socket_closed: subMClose ? rel(subMClose.at) : null,
      minority_close_code: subMClose ? subMClose.code : null,
      minority_subscriber_rejoined_on_majority: rel(subMRejoined),
      minority_process_exited: rel(minorityExit),
      heal: rel(tHeal),
      restart_took: Math.round(tRestarted - tRestart),
      one_cluster: rel(oneCluster),
    },
    minority_exited_by_itself: exited,
    topics_taken_over: takenOver.length,
    takeover_first_ack_on_majority_ms: takeover.length ? { min: Math.round(takeover[0]), max: Math.round(takeover[takeover.length - 1]) } : null,
    // from one owner's last acknowledgement to the next owner's first request, min and max
    handover_gap_ms: Object.fromEntries(Object.entries(gaps).map(([k, g]) => [k, g.length ? [g[0], g[g.length - 1], `${g.length} topics`] : null])),
    majority_publishes_during_split: majoritySplit.length,
    majority_publishes_refused_during_split: refusedByStatus,
    minority_acknowledged_during_split: minorityAcked.length,
    minority_acknowledged_seen_by_majority: minorityAckedSeenByMajority,
    seq_given_twice: seqTwice,
    two_owners_at_once: overlaps,
    subscribers: accounts,
    final_round_missing: finalMissing,
    failures,
  };
  console.log(JSON.stringify(result, null, 1));
  if (failures.length) {
    console.error(`FAILED:\n- ${failures.join("\n- ")}`);
    process.exitCode = 1;
  } else {
    console.error("partition: every check passed");
  }
  setTimeout(() => process.exit(), 100);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
