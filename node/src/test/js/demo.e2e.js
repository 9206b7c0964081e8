"use strict"
// The demo page at / in headless Chromium (Debian's chromium package, driven by playwright-core): two
// pages, one per node of a 2-node cluster, see each other in presence and chat; one goes offline
// (the browser's own offline mode), misses messages, comes back and shows what it missed. Run by
// DemoBrowserIT, which starts the cluster: node A on embedded defaults, node B with auth required and
// another socket path, so the page's token field and its socket path from the node are exercised too.
//
// HERALD_DEMO_URL_A, HERALD_DEMO_URL_B: the two pages. HERALD_DEMO_JWT_SECRET_B: node B's HS256
// secret, to mint Bob's token as a backend would. HERALD_CHROMIUM: the browser (default /usr/bin/chromium). HERALD_SCREENSHOTS: a
// folder for the screenshots. HERALD_REQUIRE_RECOVERY=1: fail instead of skipping the recovery
// assertions when the node's join replies carry no epoch (no history and recovery on the server).
const test = require("node:test")
const assert = require("node:assert/strict")
const crypto = require("node:crypto")
const fs = require("node:fs")
const path = require("node:path")
const { chromium } = require("playwright-core")

const URL_A = process.env.HERALD_DEMO_URL_A
const URL_B = process.env.HERALD_DEMO_URL_B
const SECRET_B = process.env.HERALD_DEMO_JWT_SECRET_B || ""
const SHOTS = process.env.HERALD_SCREENSHOTS || path.join(__dirname, "..", "..", "..", "target", "demo-screenshots")
const REQUIRE_RECOVERY = process.env.HERALD_REQUIRE_RECOVERY === "1"
/** Presence crosses the cluster in ~0.2-0.6 s; a reconnect takes a backoff step (250 ms) and a rejoin. */
const WAIT = { timeout: 10_000 }

/** An HS256 token for node B: Bob may join, publish and be present in any room. */
function tokenForBob() {
  const b64url = (data) => Buffer.from(JSON.stringify(data)).toString("base64url")
  const claims = { sub: "bob", exp: Math.floor(Date.now() / 1000) + 3600, channels: { "room:*": ["join", "publish", "presence"] } }
  const body = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}`
  return `${body}.${crypto.createHmac("sha256", SECRET_B).update(body).digest("base64url")}`
}

const RUN = URL_A && URL_B
const NOT_SET = !RUN && "HERALD_DEMO_URL_A/B not set"
const ROOM = `demo-${process.pid}`
/** Shared by the tests below, which run in order: one scenario, reported step by step. */
let browser
let a
let b
const errors = []
const started = Date.now()
const step = (t, what) => t.diagnostic(`${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`)

async function open(url, name) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 680 } })
  const page = await context.newPage()
  page.on("pageerror", (e) => errors.push(`${name}: ${e.message}`))
  await page.goto(url)
  return { context, page }
}
async function say(page, text) {
  await page.fill("#text", text)
  await page.press("#text", "Enter")
}
const messages = (page) => page.$$eval("#log .msg .body", (els) => els.map((e) => e.textContent))
const messageCount = (page, n) => page.waitForFunction((n) => document.querySelectorAll("#log .msg").length === n, n, WAIT)

test.before(async () => {
  if (!RUN) return
  fs.mkdirSync(SHOTS, { recursive: true })
  // launch() gives Chromium a new, empty --user-data-dir of its own (removed on close)
  browser = await chromium.launch({
    executablePath: process.env.HERALD_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  })
})
test.after(async () => {
  if (browser) await browser.close()
})

test("two pages on two nodes see each other in presence and chat", { skip: NOT_SET }, async (t) => {
  a = await open(URL_A, "ada")
  b = await open(URL_B, "bob")
  step(t, "pages loaded")
  await a.page.fill("#name", "ada")
  await a.page.fill("#room", ROOM)
  await a.page.click("#join")
  // B: node B requires a token; the page shows the field and does not connect without one
  assert.equal(await b.page.isVisible("#token"), true, "node B's page asks for a token")
  let connects = 0
  b.page.on("websocket", () => connects++)
  await b.page.fill("#name", "bob")
  await b.page.fill("#room", ROOM)
  await b.page.click("#join")
  await b.page.waitForSelector("#state[data-state=offline]", WAIT)
  assert.match(await b.page.textContent("#state"), /needs a token/)
  assert.equal(connects, 0)
  // a bad token is refused (403): the page says so and stops, instead of knocking again and again
  await b.page.fill("#token", "not-a-token")
  await b.page.click("#join")
  await b.page.waitForFunction(() => /refused/.test(document.getElementById("state").textContent), null, WAIT)
  await new Promise((resolve) => setTimeout(resolve, 1000)) // phoenix.js would have retried by now (250 ms)
  assert.equal(connects, 1, "one attempt with the refused token")
  // with a good one, Join opens the socket and joins at once: the join waits in phoenix.js until it opens
  await b.page.fill("#token", tokenForBob())
  await b.page.click("#join")

  for (const { page } of [a, b]) {
    await page.waitForSelector("#state[data-state=online]", WAIT)
    await page.waitForSelector('#online li[data-key="ada"]', WAIT)
    await page.waitForSelector('#online li[data-key="bob"]', WAIT)
  }
  step(t, "both online, each sees both")
  await say(a.page, "Hello from node A")
  await say(b.page, "Hi Ada, Bob here on node B")
  for (const { page } of [a, b]) {
    await messageCount(page, 2)
    assert.deepEqual((await messages(page)).sort(), ["Hello from node A", "Hi Ada, Bob here on node B"])
  }
  step(t, "messages exchanged")
  await a.page.screenshot({ path: path.join(SHOTS, "demo-two-nodes.png") })
  assert.deepEqual(errors, [], "no exception in either page")
})

test("a page that goes offline says so, and comes back when the network does", { skip: NOT_SET }, async (t) => {
  assert.ok(a && b, "the pages of the first test")
  await b.context.setOffline(true)
  await b.page.waitForSelector("#state[data-state=offline]", WAIT)
  step(t, "B offline")
  await a.page.waitForSelector('#online li[data-key="bob"]', { state: "detached", ...WAIT })
  step(t, "A saw Bob leave")
  await say(a.page, "Bob, are you there?")
  await say(a.page, "You missed this one too")
  await messageCount(a.page, 4)

  await b.context.setOffline(false)
  await b.page.waitForSelector("#state[data-state=online]", WAIT)
  step(t, "B online again")
  await a.page.waitForSelector('#online li[data-key="bob"]', WAIT)
  step(t, "A saw Bob come back")
  await b.page.waitForSelector("#log .mark.recovered, #log .mark.lost", WAIT)
  step(t, "B marked what it missed")
  await b.page.screenshot({ path: path.join(SHOTS, "demo-back-online.png") })
  assert.deepEqual(errors, [], "no exception in either page")
})

test("the page that came back shows what it missed", { skip: NOT_SET }, async (t) => {
  assert.ok(b, "the pages of the first tests")
  if ((await b.page.getAttribute("#history", "data-history")) !== "true") {
    const why = "node B's join replies carry no epoch (history and recovery, issue 18, not on this server): " +
      "the page marked the gap instead; recovery not checked (HERALD_REQUIRE_RECOVERY=1 makes this a failure)"
    assert.ok(!REQUIRE_RECOVERY, why)
    assert.match(await b.page.textContent("#log .mark.lost"), /keeps no history/)
    t.skip(why)
    return
  }
  assert.match(await b.page.textContent("#log .mark.recovered"), /recovered 2 missed messages/)
  await b.page.waitForFunction(() => document.querySelectorAll("#log .msg.replayed").length === 2, null, WAIT)
  assert.deepEqual((await messages(b.page)).slice(2), ["Bob, are you there?", "You missed this one too"], "in order, after the rest")
  const replayed = await b.page.$$eval("#log .msg.replayed .body", (els) => els.map((e) => e.textContent))
  assert.deepEqual(replayed, ["Bob, are you there?", "You missed this one too"])
  await b.page.screenshot({ path: path.join(SHOTS, "demo-recovered.png") })
})
