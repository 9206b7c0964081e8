"use strict";
// Clients shared by the multi-node measurements (failover.js, partition.js, scaleout.js,
// rolling-upgrade.js): raw `ws`
// sockets, phoenix.js subscribers that reconnect to a ready node as a load balancer would send them, a
// publisher through the HTTP API that records each message's (epoch, seq), a readiness watch, and the
// accounting of what each subscriber received (lost, duplicated, out of order within an epoch).
const http = require("node:http");
const WebSocket = require("ws");
const { Socket } = require("phoenix");

/** `--name=value` arguments as an object. */
const parseArgs = (argv) => Object.fromEntries(argv.map((a) => a.replace(/^--/, "").split("=")));

/** Milliseconds on a monotonic clock, with microseconds. */
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A node as the scripts describe it: "host:ws:api:management" (scripts/cluster.sh's ports), e.g.
 * "127.0.0.2:14310:14311:14312".
 */
function parseNode(spec, index) {
  const [host, ws, api, management] = spec.split(":");
  return { index, host, ws: Number(ws), api: Number(api), management: Number(management) };
}

const wsUrl = (host, port) => `ws://${host}:${port}/socket/websocket?vsn=2.0.0`;

/** A raw `ws` socket (protocol 2.0.0 frames decoded to arrays), open. */
function openRaw(host, port, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(host, port));
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
    ws.on("message", (data) => onFrame(JSON.parse(data.toString())));
  });
}

/** A raw socket to 127.0.0.1:`port`, open; `onClose` (optional) gets the close code. */
async function open(port, onFrame, onClose) {
  const ws = await openRaw("127.0.0.1", port, onFrame);
  if (onClose) ws.on("close", (code) => onClose(code));
  return ws;
}

/** phoenix.js's heartbeat interval. */
const HEARTBEAT_MS = 20000;

/** Sends phoenix.js's heartbeat on a raw socket every HEARTBEAT_MS; returns the timer. */
function heartbeat(ws) {
  return setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify([null, "hb", "phoenix", "heartbeat", {}]));
  }, HEARTBEAT_MS);
}

/** Joins `topics` on a raw socket (join_ref = ref = index + 1); resolves once every join is answered. */
async function joinAll(ws, topics, pending) {
  const joins = [];
  topics.forEach((topic, t) => {
    const ref = String(t + 1);
    joins.push(new Promise((resolve) => pending.set(ref, resolve)));
    ws.send(JSON.stringify([ref, ref, topic, "phx_join", {}]));
  });
  await Promise.all(joins);
}

/** GET a path; resolves to the status code (0 when the connection fails) and the body. */
function get(host, port, path, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, body: "" }));
  });
}

/**
 * Polls every node's GET /ready; `ready(i)` says what the last poll found, `history` records each
 * change as {i, ready, at}. A load balancer does the same with its health checks.
 */
class ReadinessWatch {
  constructor(nodes, intervalMs = 200) {
    this.nodes = nodes;
    this.state = nodes.map(() => false);
    this.history = [];
    this.timer = setInterval(() => this.poll(), intervalMs);
  }
  async poll() {
    await Promise.all(
      this.nodes.map(async (n, i) => {
        const ok = (await get(n.host, n.management, "/ready", 1000)).status === 200;
        if (ok !== this.state[i]) {
          this.state[i] = ok;
          this.history.push({ i, ready: ok, at: now() });
        }
      }),
    );
  }
  ready(i) {
    return this.state[i];
  }
  stop() {
    clearInterval(this.timer);
  }
}

/**
 * A phoenix.js socket joined to `topics`, counting "msg" deliveries (payload {n}). It connects to
 * `nodes[home]` and, after a close, to `home` again if it is ready, else to the first ready node: as a
 * load balancer with health checks sends a reconnecting client. Records opens and closes (with the
 * close code and the node) and, per topic, every delivery as {n, at}.
 */
class Subscriber {
  constructor(name, nodes, home, topics, readiness) {
    this.name = name;
    this.received = new Map(); // topic -> [{n, at}]
    this.deliveries = new Map(); // n -> count
    this.events = []; // {type: "open" | "close", node, at, code}
    this.joined = new Map(); // topic -> times a join succeeded
    this.node = home;
    const pick = () => {
      if (readiness.ready(home) || this.events.length === 0) return home;
      const ready = nodes.findIndex((_, i) => readiness.ready(i));
      return ready >= 0 ? ready : home;
    };
    this.socket = new Socket("ws://unused/socket", {
      transport: WebSocket,
      heartbeatIntervalMs: 10000,
      // phoenix.js's own back-off, capped at 1 s so that the reconnect time measures the server
      reconnectAfterMs: (tries) => [10, 50, 100, 250, 500, 1000][tries - 1] || 1000,
      rejoinAfterMs: (tries) => [200, 500, 1000][tries - 1] || 1000,
    });
    this.socket.endPointURL = () => {
      this.node = pick();
      const n = nodes[this.node];
      return wsUrl(n.host, n.ws);
    };
    this.socket.onOpen(() => this.events.push({ type: "open", node: this.node, at: now() }));
    this.socket.onClose((e) => this.events.push({ type: "close", node: this.node, at: now(), code: e && e.code }));
    this.channels = topics.map((topic) => {
      const channel = this.socket.channel(topic, {});
      this.received.set(topic, []);
      channel.on("msg", (payload) => {
        const at = now();
        this.received.get(topic).push({ n: payload.n, at });
        this.deliveries.set(payload.n, (this.deliveries.get(payload.n) || 0) + 1);
      });
      return channel;
    });
  }
  /**
   * Connects and joins every topic; resolves once all joins were answered ok (phoenix.js retries a join
   * that timed out). A minute: a freshly started cluster on a loaded machine took over 20 s.
   */
  start(timeoutMs = 60000) {
    this.socket.connect();
    return Promise.all(
      this.channels.map(
        (channel) =>
          new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${this.name}: join ${channel.topic} timed out`)), timeoutMs);
            channel.join().receive("ok", () => {
              clearTimeout(timer);
              this.joined.set(channel.topic, (this.joined.get(channel.topic) || 0) + 1);
              resolve();
            });
          }),
      ),
    );
  }
  /** Whether every channel is joined (after a reconnect phoenix.js rejoins them one by one). */
  allJoined() {
    return this.socket.isConnected() && this.channels.every((c) => c.isJoined());
  }
  stop() {
    this.socket.disconnect();
  }
}

/**
 * Publishes through one node's HTTP API (`POST /api/broadcast`, event "msg", payload {n}) and records
 * each message: {n, topic, via, sentAt, ackAt, status, epoch, seq, problem}. status 0 = no answer
 * (connection refused or reset, or no answer within timeoutMs).
 */
class ApiPublisher {
  constructor(node, log, timeoutMs = 10000) {
    this.node = node;
    this.log = log;
    this.timeoutMs = timeoutMs;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.inFlight = 0;
  }
  publish(n, topic) {
    const record = { n, topic, via: this.node.index, sentAt: now(), ackAt: null, status: null, epoch: null, seq: null };
    this.log.push(record);
    const body = JSON.stringify({ topic, event: "msg", payload: { n } });
    this.inFlight++;
    return new Promise((resolve) => {
      const done = (status, text) => {
        if (record.status !== null) return;
        this.inFlight--;
        record.status = status;
        record.ackAt = now();
        if (status === 200) {
          const answer = JSON.parse(text);
          record.epoch = answer.epoch;
          record.seq = answer.seq;
        } else if (text) {
          try {
            record.problem = JSON.parse(text).type;
          } catch (e) {
            record.problem = text.slice(0, 80);
          }
        }
        resolve(record);
      };
      const req = http.request(
        {
          host: this.node.host,
          port: this.node.api,
          path: "/api/broadcast",
          method: "POST",
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => done(res.statusCode, text));
          res.on("error", () => done(0, ""));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e) => done(0, e.code || e.message));
      req.end(body);
    });
  }
  close() {
    this.agent.destroy();
  }
}

/**
 * What the subscribers received of the acknowledged messages in `acked` (records with epoch and seq),
 * per subscriber: lost (acknowledged, expected by `expect(subscriber, record)`, never delivered),
 * duplicated (delivered more than once) and out of order (within one epoch of one topic, a seq at or
 * below one delivered before it).
 */
function account(subscribers, acked, expect) {
  const byN = new Map(acked.map((r) => [r.n, r]));
  return subscribers.map((s) => {
    let lost = 0, expected = 0, duplicated = 0, reordered = 0;
    for (const r of acked) {
      if (!expect(s, r)) continue;
      expected++;
      if (!s.deliveries.has(r.n)) lost++;
    }
    for (const count of s.deliveries.values()) if (count > 1) duplicated += count - 1;
    for (const list of s.received.values()) {
      const lastSeq = new Map(); // epoch -> last seq delivered
      for (const { n } of list) {
        const r = byN.get(n);
        // never acknowledged, or delivered unnumbered (owner unreachable): no seq to compare
        if (!r || r.seq === null) continue;
        const last = lastSeq.get(r.epoch);
        if (last !== undefined && r.seq <= last) reordered++;
        lastSeq.set(r.epoch, Math.max(r.seq, last === undefined ? 0 : last));
      }
    }
    return { subscriber: s.name, expected, lost, duplicated, reordered };
  });
}

/** GET /cluster/members (pekko-management-cluster-http; herald.management.cluster-routes = on). */
async function members(node) {
  const { status, body } = await get(node.host, node.management, "/cluster/members");
  if (status !== 200) return null;
  const json = JSON.parse(body);
  return json.members.map((m) => ({ node: m.node, status: m.status })).sort((a, b) => a.node.localeCompare(b.node));
}

module.exports = { parseArgs, parseNode, now, sleep, openRaw, open, heartbeat, joinAll, get, ReadinessWatch, Subscriber, ApiPublisher, account, members };
