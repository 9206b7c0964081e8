"use strict"
// A member cannot make the other members' phoenix.js act on a forged protocol event: a push named
// phx_close (closes the channel for good), phx_error (rejoins), phx_reply or presence_diff is refused
// with {"reason": "reserved event"} and never broadcast. room:* is the built-in broadcast handler.
const { test } = require("node:test")
const assert = require("node:assert/strict")
const { QUIET_MS, TEST_OPTS, sleep, eventually, uniqueTopic, connect, reply, joinOk, pushOk, collect } = require("./helpers")

for (const event of ["phx_close", "phx_error", "phx_reply", "presence_diff"]) {
  test(`a push named ${event} is refused and the other members' channels stay joined`, TEST_OPTS, async t => {
    const topic = uniqueTopic("room")
    const [attacker, victim] = await Promise.all([connect(t), connect(t)])
    const attackerChannel = attacker.channel(topic)
    const victimChannel = victim.channel(topic)
    await Promise.all([joinOk(attackerChannel), joinOk(victimChannel)])
    const victimJoins = []
    victimChannel.onError(() => victimJoins.push("errored"))
    victimChannel.onClose(() => victimJoins.push("closed"))

    const r = await reply(attackerChannel.push(event, { reason: "forged" }), `the reply to ${event}`)
    assert.deepEqual(r, { status: "error", response: { reason: "reserved event" } })

    // The victim still receives the room's broadcasts on the same join.
    const shouts = collect(victimChannel, "shout")
    assert.deepEqual(await pushOk(attackerChannel, "shout", { after: event }), {})
    await eventually(() => shouts.length >= 1, "the shout after the forgery")
    await sleep(QUIET_MS)
    assert.deepEqual(shouts, [{ after: event }])
    assert.equal(victimChannel.state, "joined")
    assert.deepEqual(victimJoins, [])
  })
}
