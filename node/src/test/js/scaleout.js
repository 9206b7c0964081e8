"use strict";
// Scale-out under load (scripts/scaleout.sh runs it): a 3-node cluster with phoenix.js subscribers on
// every node (each joined to every topic) and a publisher per node through the HTTP API at a steady
// rate gets a fourth node (--ctl is called with "join"). Reports the time until the new node is ready
// and owns its first topics, how the topics' shards spread over the nodes as sharding rebalances, and
// per subscription what was lost, duplicated or delivered out of seq order within an epoch. Every
// publish is acknowledged (200 with epoch and seq) or counted as refused. Exits 1 if an acknowledged
// message was lost, duplicated or reordered on any subscription.
const { execFile } = require("node:child_process");
const { parseArgs, parseNode, now, sleep, get, ReadinessWatch, Subscriber, ApiPublisher, account } = require("./cluster-clients");

const args = parseArgs(process.argv.slice(2));
const nodes = args.nodes.split(",").map(parseNode);
const newNode = nodes.length - 1;
const running = nodes.slice(0, newNode);
const topicCount = Number(args.topics || 60);
const rate = Number(args.rate || 50); // publishes per second through each running node's API
const perNode = Number(args["subscribers-per-node"] || 2);
const joinAt = Number(args["join-at"] || 10) * 1000;
const observe = Number(args.observe || 90) * 1000; // after the new node is ready
const numberOfShards = Number(args.shards || 1000); // pekko.cluster.sharding.number-of-shards
const ctl = args.ctl;
const topics = Array.from({ length: topicCount }, (_, t) => `room:so-${t}`);

// TopicEntity.shardOf: Java's String.hashCode modulo the number of shards, made positive
const shardOf = (topic) => {
  let h = 0;
  for (let i = 0; i < topic.length; i++) h = (Math.imul(31, h) + topic.charCodeAt(i)) | 0;
  return String(Math.abs(h % numberOfShards));
};
const topicShards = new Set(topics.map(shardOf));

let t0 = now();
const mark = (what) => {
  const at = now();
  process.stderr.write(`[${((at - t0) / 1000).toFixed(1)} s] ${what}\n`);
  return at;
};

/** How many of our topics' shards each node's region holds (GET /cluster/shards/topic). */
async function shardsPerNode() {
  return Promise.all(
    nodes.map(async (n) => {
      const { status, body } = await get(n.host, n.management, "/cluster/shards/topic", 1500);
      if (status !== 200) return null;
      return JSON.parse(body).regions.filter((r) => topicShards.has(r.shardId)).length;
    }),
  );
}

async function main() {
  const readiness = new ReadinessWatch(nodes);
  await readiness.poll();
  const subs = [];
  for (const n of running) for (let k = 0; k < perNode; k++) subs.push(new Subscriber(`node ${n.index} #${k}`, running, n.index, topics, readiness));
  await Promise.all(subs.map((s) => s.start()));
  const log = [];
  const publishers = running.map((n) => new ApiPublisher(n, log));
  let n = 0;
  const count = running.map(() => 0);
  let skipped = 0;
  t0 = now();
  const ticker = setInterval(() => {
    const elapsed = now() - t0;
    publishers.forEach((p, i) => {
      const due = Math.floor((elapsed / 1000) * rate);
      while (count[i] < due) {
        if (p.inFlight >= 200) skipped++;
        else p.publish(n++, topics[(count[i] + i) % topicCount]);
        count[i]++;
      }
    });
  }, 10);

  const spread = []; // {at, shards: per node}
  const sample = async () => spread.push({ at: now(), shards: await shardsPerNode() });
  await sample();
  await sleep(joinAt);
  const tJoin = mark(`node ${newNode} starts (scripts/cluster.sh join ${newNode})`);
  let firstShard = null;
  const sampler = setInterval(async () => {
    await sample();
    const last = spread[spread.length - 1];
    if (firstShard === null && last.shards[newNode] > 0) firstShard = mark(`node ${newNode} owns its first topic shard`);
  }, 1000);
  await new Promise((resolve, reject) => execFile(ctl, ["join"], (err, out, errOut) => (err ? reject(new Error(errOut || err.message)) : resolve())));
  const tReady = mark(`node ${newNode} is ready`);
  await sleep(observe);
  clearInterval(ticker);
  const tStop = mark("publishing stopped");
  await sleep(5000);
  clearInterval(sampler);
  await sample();
  readiness.stop();
  subs.forEach((s) => s.stop());
  publishers.forEach((p) => p.close());

  const acked = log.filter((r) => r.status === 200);
  const refused = {};
  for (const r of log.filter((r) => r.status !== 200)) {
    const why = `${r.status} ${r.problem || ""}`.trim(); // 0 = no answer: refused, reset or client timeout
    refused[why] = (refused[why] || 0) + 1;
  }
  const accounts = account(subs, acked, () => true);
  // per subscription (subscriber × topic): which lost, doubled or reordered anything
  const byN = new Map(acked.map((r) => [r.n, r]));
  let subscriptionsWithLoss = 0;
  for (const s of subs) {
    for (const topic of topics) {
      const got = new Set(s.received.get(topic).map((d) => d.n));
      if (acked.some((r) => r.topic === topic && !got.has(r.n))) subscriptionsWithLoss++;
    }
  }
  // topics that moved: more than one epoch acknowledged
  const epochs = new Map();
  for (const r of acked) {
    if (!epochs.has(r.topic)) epochs.set(r.topic, new Map());
    const e = epochs.get(r.topic);
    if (!e.has(r.epoch)) e.set(r.epoch, { first: r.ackAt, last: r.ackAt, firstSent: r.sentAt });
    const x = e.get(r.epoch);
    x.first = Math.min(x.first, r.ackAt);
    x.last = Math.max(x.last, r.ackAt);
    x.firstSent = Math.min(x.firstSent, r.sentAt);
  }
  const moves = [];
  for (const [topic, e] of epochs) {
    const list = [...e.values()].sort((a, b) => a.first - b.first);
    for (let i = 1; i < list.length; i++) moves.push({ topic, at: list[i].first - tJoin, gap: list[i].first - list[i - 1].last });
  }
  moves.sort((a, b) => a.at - b.at);
  // the longest silence per subscription among moved topics (deliveries from the join on)
  let longestSilence = 0;
  for (const s of subs) {
    for (const topic of new Set(moves.map((m) => m.topic))) {
      const times = s.received.get(topic).map((d) => d.at).filter((t) => t >= tJoin && t <= tStop);
      for (let i = 1; i < times.length; i++) longestSilence = Math.max(longestSilence, times[i] - times[i - 1]);
    }
  }
  const rel = (t) => (t === null ? null : Math.round(t - tJoin));
  const final = spread[spread.length - 1].shards;
  const result = {
    cmd: "scaleout",
    topics: topicCount,
    topic_shards: topicShards.size,
    subscriptions: subs.length * topicCount,
    rate_per_node: rate,
    published: log.length,
    acknowledged: acked.length,
    refused_by_status: refused,
    skipped_while_200_unanswered: skipped,
    new_node_ready_ms_after_start: rel(tReady),
    new_node_first_shard_ms_after_start: rel(firstShard),
    topic_shards_per_node_before: spread[0].shards,
    topic_shards_per_node_at_end: final,
    observed_ms_after_ready: Math.round(tStop - tReady),
    new_node_shards_over_time: spread
      .filter((x, i) => i === 0 || x.shards[newNode] !== spread[i - 1].shards[newNode])
      .map((x) => `${(rel(x.at) / 1000).toFixed(0)} s: ${x.shards[newNode] ?? "-"}`),
    topics_moved: moves.length,
    move_ack_gap_ms: moves.length ? [Math.round(Math.min(...moves.map((m) => m.gap))), Math.round(Math.max(...moves.map((m) => m.gap)))] : null,
    longest_delivery_silence_on_moved_topics_ms: Math.round(longestSilence),
    subscriptions_with_loss: subscriptionsWithLoss,
    subscribers: accounts,
  };
  console.log(JSON.stringify(result, null, 1));
  const lost = accounts.reduce((a, x) => a + x.lost, 0);
  const duplicated = accounts.reduce((a, x) => a + x.duplicated, 0);
  const reordered = accounts.reduce((a, x) => a + x.reordered, 0);
  if (lost || duplicated || reordered) {
    console.error(`FAILED: acknowledged messages lost ${lost}, duplicated ${duplicated}, out of seq order ${reordered} (summed over ${subs.length} subscribers)`);
    process.exitCode = 1;
  }
  if (firstShard === null) {
    console.error(`FAILED: node ${newNode} owned none of the topics' shards ${Math.round((tStop - tReady) / 1000)} s after it was ready`);
    process.exitCode = 1;
  }
  setTimeout(() => process.exit(), 100);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
