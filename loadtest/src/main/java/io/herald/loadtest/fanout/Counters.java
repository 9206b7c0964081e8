package io.herald.loadtest.fanout;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What happened to a group of sockets so far: a snapshot, summed over groups with {@link #plus}. */
record Counters(
    long attempted,
    long established,
    long connsJoined,
    long joinOk,
    long joinErr,
    long joinTimeout,
    long connectFailed,
    long closedAfterOpen,
    long hbSent,
    long hbOk,
    long hbErr,
    long pushOk,
    long pushErr,
    long badFrames,
    long channelErrors,
    long otherFrames,
    long open,
    long openJoined,
    Map<String, Long> errors) {

  static final Counters NONE = new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());

  Counters plus(Counters o) {
    Map<String, Long> e = new TreeMap<>(errors);
    o.errors.forEach((k, v) -> e.merge(k, v, Long::sum));
    return new Counters(
        attempted + o.attempted,
        established + o.established,
        connsJoined + o.connsJoined,
        joinOk + o.joinOk,
        joinErr + o.joinErr,
        joinTimeout + o.joinTimeout,
        connectFailed + o.connectFailed,
        closedAfterOpen + o.closedAfterOpen,
        hbSent + o.hbSent,
        hbOk + o.hbOk,
        hbErr + o.hbErr,
        pushOk + o.pushOk,
        pushErr + o.pushErr,
        badFrames + o.badFrames,
        channelErrors + o.channelErrors,
        otherFrames + o.otherFrames,
        open + o.open,
        openJoined + o.openJoined,
        Map.copyOf(e));
  }

  static Counters sum(List<Counters> all) {
    Counters s = NONE;
    for (Counters c : all) s = s.plus(c);
    return s;
  }
}
