// Clients for scripts/rolling-upgrade.sh: subscribers on every node of a local cluster and a publisher,
// all of which reconnect (to the next node that accepts, as clients behind a Service would) and join
// again when their node drains. The publisher publishes --rate messages/s over --topics topics until the
// file --stop-file exists, then the clients wait for late deliveries and report: reconnects, the longest
// time a subscriber went without a delivery, and per subscriber the acknowledged publishes it missed
// while it was joined (lost) and the publishes it received twice (duplicated). Exits 1 on any lost or
// duplicated message.
"use strict";
const fs = require("fs");
const { now, parseArgs, open, joinAll, heartbeat } = require("./cluster-clients");

const args = parseArgs(process.argv.slice(2));
const ports = (args.ports || "4000,4010,4020").split(",").map(Number);
const topics = Number(args.topics || 20);
const rate = Number(args.rate || 200);
const subscribersPerNode = Number(args["subscribers-per-node"] || 2);
const stopFile = args["stop-file"];
const lateMs = Number(args["late-ms"] || 5000);
const retryMs = 200;
const topicNames = Array.from({ length: topics }, (_, t) => `room:ru-${t}`);

/**
 * A client that stays connected: on a close it reconnects to the next port that accepts, starting from
 * the one after its last, and joins its topics again. `onEvent(topic, event, payload)` gets broadcasts
 * and replies to pushes; `joined` and `left` mark when its subscriptions held.
 */
class StayingClient {
  constructor(name, portIndex, onFrame) {
    this.name = name;
    this.portIndex = portIndex;
    this.onFrame = onFrame;
    this.reconnects = 0;
    this.intervals = []; // [joinedAt, leftAt or null]
    this.stopped = false;
  }

  async connect() {
    for (;;) {
      const port = ports[this.portIndex % ports.length];
      const pending = new Map();
      try {
        this.ws = await open(
          port,
          (frame) => {
            const [, ref, , event] = frame;
            if (event === "phx_reply" && pending.has(ref)) {
              pending.get(ref)();
              pending.delete(ref);
            } else {
              this.onFrame(frame);
            }
          },
          () => this.closed());
        this.hb = heartbeat(this.ws);
        await joinAll(this.ws, topicNames, pending);
        this.intervals.push([now(), null]);
        this.port = port;
        return;
      } catch (e) {
        this.portIndex++;
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }

  get joinedNow() {
    const last = this.intervals[this.intervals.length - 1];
    return last !== undefined && last[1] === null;
  }

  closed() {
    clearInterval(this.hb);
    const last = this.intervals[this.intervals.length - 1];
    if (last && last[1] === null) last[1] = now();
    if (this.stopped) return;
    this.reconnects++;
    this.portIndex++;
    this.connect();
  }

  /** Whether it was joined from `from` to `to` without a break. */
  joinedThroughout(from, to) {
    return this.intervals.some(([a, b]) => a <= from && (b === null || b >= to));
  }

  stop() {
    this.stopped = true;
    clearInterval(this.hb);
    if (this.ws) this.ws.close();
  }
}

async function main() {
  const subscribers = [];
  for (let p = 0; p < ports.length; p++) {
    for (let k = 0; k < subscribersPerNode; k++) {
      const sub = new StayingClient(`sub-${p}-${k}`, p, ([, , , event, payload]) => {
        if (event !== "ru") return;
        const t = now();
        sub.counts.set(payload.n, (sub.counts.get(payload.n) || 0) + 1);
        sub.gap = Math.max(sub.gap, t - sub.lastAt);
        sub.lastAt = t;
      });
      sub.counts = new Map();
      sub.gap = 0;
      subscribers.push(sub);
    }
  }
  await Promise.all(subscribers.map((s) => s.connect()));
  const sent = new Map(); // n -> {at, ackAt}
  const publisher = new StayingClient("publisher", 0, ([, ref, , event, payload]) => {
    if (event !== "phx_reply" || !ref || !ref.startsWith("p")) return;
    const s = sent.get(Number(ref.slice(1)));
    if (s && payload.status === "ok") s.ackAt = now();
  });
  await publisher.connect();
  const start = now();
  for (const s of subscribers) s.lastAt = start;
  process.stderr.write(`clients joined: ${subscribers.length} subscribers on ports ${ports.join(",")}, publishing ${rate}/s\n`);
  fs.writeFileSync(args["ready-file"] || "/dev/null", "ready\n");

  let n = 0;
  let unsent = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      if (stopFile && fs.existsSync(stopFile)) {
        clearInterval(tick);
        return resolve();
      }
      const due = Math.floor(((now() - start) / 1000) * rate);
      while (n < due) {
        if (publisher.joinedNow && publisher.ws.readyState === 1) {
          const topic = topicNames[n % topics];
          sent.set(n, { at: now(), ackAt: null });
          publisher.ws.send(JSON.stringify([String((n % topics) + 1), "p" + n, topic, "ru", { n }]));
        } else {
          unsent++;
        }
        n++;
      }
    }, 5);
  });
  const stoppedAt = now();
  await new Promise((r) => setTimeout(r, lateMs));

  let lost = 0, duplicated = 0, expected = 0, unacked = 0;
  const lostBy = {};
  for (const [k, v] of sent) {
    if (v.ackAt === null) {
      unacked++;
      continue;
    }
    for (const s of subscribers) {
      const c = s.counts.get(k) || 0;
      if (c > 1) duplicated += c - 1;
      // Expected where the subscriber was joined from the send until a second after the acknowledgement.
      if (s.joinedThroughout(v.at, v.ackAt + 1000)) {
        expected++;
        if (c === 0) {
          lost++;
          lostBy[s.name] = (lostBy[s.name] || 0) + 1;
        }
      }
    }
  }
  for (const s of subscribers) s.gap = Math.max(s.gap, stoppedAt - s.lastAt);
  const result = {
    cmd: "rolling-upgrade", topics, rate, subscribers: subscribers.length,
    published: sent.size, not_sent_while_publisher_reconnected: unsent, never_acked: unacked,
    reconnects: subscribers.reduce((a, s) => a + s.reconnects, 0) + publisher.reconnects,
    publisher_reconnects: publisher.reconnects,
    longest_gap_ms: Math.round(Math.max(...subscribers.map((s) => s.gap))),
    expected_deliveries: expected, lost, lost_by_subscriber: lostBy, duplicated,
  };
  console.log(`published ${sent.size} messages (${unsent} not sent while the publisher reconnected, ${unacked} never acknowledged)`);
  console.log(`reconnects: ${result.reconnects} (publisher ${publisher.reconnects}); longest gap a subscriber saw: ${result.longest_gap_ms} ms`);
  console.log(`acknowledged deliveries expected (subscriber joined throughout): ${expected}; lost: ${lost}; duplicated: ${duplicated}`);
  console.log(JSON.stringify(result));
  for (const s of subscribers) s.stop();
  publisher.stop();
  if (lost > 0 || duplicated > 0) process.exitCode = 1;
}

main().catch((e) => { console.error(e); process.exit(1); });
