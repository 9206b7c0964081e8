/*
 * herald-recovery.js: history recovery for phoenix.js channels on Herald (docs/protocol.md, "History
 * and recovery"). No dependencies: a browser script (global HeraldRecovery, served by every node at
 * /herald-recovery.js) or a CommonJS module.
 *
 *   const room = HeraldRecovery.channel(socket, "room:lobby", {user_id: "ada"}, {
 *     onJoin(info) { ... }   // after every ok join reply, see below
 *   })
 *   room.on("shout", (payload, seq) => ...)
 *   room.join()
 *
 * It is the phoenix.js channel, with three additions:
 * - its join params also carry {since, epoch} (the last seq seen and its epoch) once a join reply gave
 *   an epoch, so that phoenix.js's own rejoins, after a reconnect or a channel error, ask for what was
 *   missed;
 * - it follows the seq that broadcasts carry in their ref slot;
 * - a seq that is not greater than the last one means the topic's owner started a new epoch: it rejoins,
 *   and the reply says that nothing could be recovered (reason "epoch_changed").
 *
 * onJoin(info) gets {rejoin, history, recovered, missed, reason, epoch, seq}: rejoin is false for the
 * first join of the channel; history is false when the reply had no epoch (the topic keeps no history,
 * or the server does not number messages) and then nothing else applies; recovered and missed (how many
 * messages the reply says follow it) when a rejoin asked for recovery; reason when it could not
 * recover: the application must then reload its state. Params may be an object or a function, as with
 * socket.channel.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.HeraldRecovery = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // phoenix.js's own events (replies, close, error) carry refs that are not seqs
  const isBroadcastEvent = (event) => !event.startsWith("phx_") && !event.startsWith("chan_reply_");

  function channel(socket, topic, params, callbacks) {
    const on = callbacks || {};
    const appParams = typeof params === "function" ? params : () => params || {};
    // where the client is in the topic's numbering; epoch null: no history (or not known yet)
    const position = { epoch: null, since: null };
    let asked = null; // the {since, epoch} the join in flight sent, or null
    let joins = 0;
    let rejoining = false;

    const ch = socket.channel(topic, () => {
      const sent = Object.assign({}, appParams());
      asked = position.epoch === null ? null : { since: position.since, epoch: position.epoch };
      if (asked) {
        sent.since = asked.since;
        sent.epoch = asked.epoch;
      }
      return sent;
    });

    const appOnMessage = ch.onMessage;
    ch.onMessage = function (event, payload, ref, joinRef) {
      if (ref != null && position.epoch !== null && isBroadcastEvent(event)) {
        follow(Number(ref));
      }
      return appOnMessage.call(ch, event, payload, ref, joinRef);
    };

    function follow(seq) {
      if (!Number.isSafeInteger(seq)) return;
      if (position.since === null || seq > position.since) {
        position.since = seq;
        return;
      }
      // Not greater: a new epoch numbers from 1 again, and what came between is unknown. Rejoin with the
      // old epoch, whose reply tells the application so ("epoch_changed").
      position.since = seq;
      if (!rejoining) {
        rejoining = true;
        // phoenix.js rejoins an errored channel by itself (its rejoin timer), with fresh params
        ch.trigger("phx_error", { reason: "epoch_changed" });
      }
    }

    function joined(reply) {
      const r = reply || {};
      const info = {
        rejoin: joins++ > 0,
        history: typeof r.epoch === "string",
        recovered: false,
        missed: 0,
        reason: undefined,
        epoch: r.epoch,
        seq: r.seq,
      };
      rejoining = false;
      if (!info.history) {
        position.epoch = null;
        position.since = null;
      } else if (asked && r.recovered === true) {
        // The missed messages follow this reply, each raising since past asked.since.
        info.recovered = true;
        info.missed = Math.max(0, Number(r.seq) - asked.since);
        position.epoch = r.epoch;
        position.since = asked.since;
      } else {
        info.reason = asked ? r.reason || "not_recovered" : undefined;
        position.epoch = r.epoch;
        position.since = Number(r.seq);
      }
      asked = null;
      if (on.onJoin) on.onJoin(info);
    }

    const join = ch.join;
    ch.join = function (timeout) {
      // phoenix.js resends this same push on every rejoin: its ok hook sees every reply
      return join.call(ch, timeout).receive("ok", joined);
    };
    /** Where the channel is in its topic's numbering ({epoch, since}; epoch null without history). */
    ch.recoveryPosition = () => Object.assign({}, position);
    return ch;
  }

  return { channel: channel };
});
