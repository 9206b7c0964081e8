package io.herald.loadtest.fanout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line of the harness: {@code idle|fanout [--name value | --name=value]...}, the same commands
 * and flags as {@code shared/bench/phx-bench.js} where they mean the same thing, so a run of either
 * reads the same. Values are checked before anything connects.
 */
final class Options {
  enum Type { INT, NUM, STR, LIST }

  record Flag(String name, Type type, String defaultValue, String help) {}

  static final List<Flag> COMMON = List.of(
      new Flag("url", Type.STR, "ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0",
          "WebSocket URL(s) of the server, comma-separated: sockets are spread round-robin over them (a cluster)"),
      new Flag("pid", Type.STR, "", "server process id(s), comma-separated: CPU and RSS are summed over them"),
      new Flag("pid-file", Type.STR, "", "file(s) holding a server pid, comma-separated (alternative to --pid)"),
      new Flag("concurrency", Type.INT, "500", "connections handshaking+joining at the same time"),
      new Flag("src-addrs", Type.STR, "auto",
          "number K of loopback source addresses 127.0.0.1..127.0.0.K ('auto': 1 per 20k connections)"),
      new Flag("heartbeat", Type.NUM, "30", "heartbeat interval per connection, seconds (0: none)"),
      new Flag("join-timeout", Type.NUM, "60", "seconds allowed per connection for handshake + join replies"),
      new Flag("connect-timeout", Type.NUM, "30", "TCP connect timeout, seconds"),
      new Flag("prefix", Type.STR, "room:", "topic prefix; topics are <prefix>0 .. <prefix>(T-1)"),
      new Flag("loops", Type.INT, "1", "event loop threads for the subscriber/idle sockets (the publisher has its own)"),
      new Flag("busy-poll", Type.INT, "0",
          "1: the subscriber loops spin on epoll instead of sleeping in it (each takes a whole core; see README)"),
      new Flag("label", Type.STR, "", "free text copied into the JSON and CSV results"),
      new Flag("server-build", Type.STR, "", "what server build ran (scripts/fanout.sh: commit and jar time), copied into the JSON"),
      new Flag("csv", Type.STR, "", "append one row per measurement (idle run or fan-out step) to this file"),
      new Flag("max-run", Type.NUM, "3600", "hard limit on the whole run, seconds (the harness exits after it)"));

  static final Map<String, List<Flag>> COMMANDS = Map.of(
      "idle", List.of(
          new Flag("conns", Type.INT, null, "connections to open (each joins one topic)"),
          new Flag("topics", Type.INT, "100", "topics T; connection i joins <prefix>(i mod T)"),
          new Flag("settle", Type.NUM, "10", "seconds to wait after all joins before measuring RSS"),
          new Flag("hold", Type.NUM, "30", "seconds to hold the idle connections (heartbeats only) for the idle CPU figure"),
          new Flag("warmup-conns", Type.INT, "0",
              "connections opened, joined and closed before the measured ones (warms the server's JIT)")),
      "fanout", List.of(
          new Flag("subs", Type.INT, "", "subscriber connections S; subscriber i joins <prefix>(i mod T)"),
          new Flag("topics", Type.INT, "", "topics T (default 1)"),
          new Flag("rooms", Type.INT, "", "alternative to --topics: rooms (topics)"),
          new Flag("room-size", Type.INT, "", "alternative to --subs: subscribers per room (S = rooms x room-size)"),
          new Flag("rate", Type.LIST, null,
              "publish rate(s) in messages/s over all topics; a comma list runs steps on the same connections"),
          new Flag("seconds", Type.NUM, "20", "publishing time per step D"),
          new Flag("size", Type.INT, "100", "pad bytes B in each payload"),
          new Flag("event", Type.STR, "shout", "event the publisher pushes and the server broadcasts to the topic"),
          new Flag("settle", Type.NUM, "3", "seconds to wait after all joins before the first step"),
          new Flag("pause", Type.NUM, "5", "seconds between steps"),
          new Flag("warmup", Type.NUM, "0", "seconds of unrecorded publishing at the first rate before the first step"),
          new Flag("drain-idle", Type.NUM, "5",
              "after publishing, stop waiting when no delivery arrived for this many seconds"),
          new Flag("drain-max", Type.NUM, "60", "after publishing, wait at most this many seconds for missing deliveries"),
          new Flag("tick-ms", Type.NUM, "1",
              "the publisher wakes at most every this many ms and sends what is due (1: as phx-bench's timers; 0: each message at its time)"),
          new Flag("pub-topics-per-conn", Type.INT, "100",
              "topics per publisher connection (Phoenix's default max_channels_per_transport is 100)")));

  private final String command;
  private final Map<String, String> values;

  private Options(String command, Map<String, String> values) {
    this.command = command;
    this.values = values;
  }

  static Options parse(String[] args) {
    if (args.length == 0) throw new IllegalArgumentException("a command is required: idle or fanout");
    String command = args[0];
    List<Flag> specific = COMMANDS.get(command);
    if (specific == null) throw new IllegalArgumentException("unknown command '" + command + "'");
    Map<String, Flag> flags = new LinkedHashMap<>();
    for (Flag f : COMMON) flags.put(f.name, f);
    for (Flag f : specific) flags.put(f.name, f);
    Map<String, String> values = new LinkedHashMap<>();
    for (Flag f : flags.values()) {
      if (f.defaultValue != null) values.put(f.name, f.defaultValue);
    }
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "'");
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
        value = args[++i];
      }
      Flag f = flags.get(name);
      if (f == null) throw new IllegalArgumentException("unknown option --" + name + " for '" + command + "'");
      check(f, value);
      values.put(name, value);
    }
    for (Flag f : flags.values()) {
      if (!values.containsKey(f.name)) throw new IllegalArgumentException("--" + f.name + " is required for '" + command + "'");
    }
    return new Options(command, values);
  }

  private static void check(Flag f, String value) {
    try {
      switch (f.type) {
        case INT -> Long.parseLong(value.replace("_", ""));
        case NUM -> Double.parseDouble(value.replace("_", ""));
        case LIST -> {
          for (String part : value.split(",")) {
            if (!part.isEmpty()) Double.parseDouble(part.replace("_", ""));
          }
        }
        case STR -> { }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + f.name + ": not a number: " + value);
    }
  }

  String command() {
    return command;
  }

  String str(String name) {
    return values.get(name);
  }

  boolean isSet(String name) {
    return !values.get(name).isEmpty();
  }

  int integer(String name) {
    return Math.toIntExact(Long.parseLong(values.get(name).replace("_", "")));
  }

  double number(String name) {
    return Double.parseDouble(values.get(name).replace("_", ""));
  }

  List<Double> numbers(String name) {
    List<Double> out = new ArrayList<>();
    for (String part : values.get(name).split(",")) {
      if (!part.isEmpty()) out.add(Double.parseDouble(part.replace("_", "")));
    }
    return out;
  }

  List<String> strings(String name) {
    List<String> out = new ArrayList<>();
    for (String part : values.get(name).split(",")) {
      if (!part.isBlank()) out.add(part.trim());
    }
    return out;
  }

  /** Server pids from --pid and the files named by --pid-file. */
  List<Long> serverPids() {
    List<Long> pids = new ArrayList<>();
    for (String p : strings("pid")) pids.add(Long.parseLong(p));
    for (String file : strings("pid-file")) {
      try {
        pids.add(Long.parseLong(Files.readString(Path.of(file)).trim()));
      } catch (java.io.IOException | NumberFormatException e) {
        throw new IllegalArgumentException("--pid-file " + file + ": " + e.getMessage());
      }
    }
    return pids;
  }

  /** A map of every option and its value, for the JSON result. */
  Map<String, String> all() {
    return Map.copyOf(values);
  }

  static String usage() {
    StringBuilder b = new StringBuilder();
    b.append("usage: java -jar herald-fanout.jar <idle|fanout> [options]   (scripts/fanout.sh starts a node and runs it)\n\n");
    b.append("common options:\n");
    COMMON.forEach(f -> line(b, f));
    for (String c : List.of("idle", "fanout")) {
      b.append('\n').append(c).append(":\n");
      COMMANDS.get(c).forEach(f -> line(b, f));
    }
    return b.toString();
  }

  private static void line(StringBuilder b, Flag f) {
    b.append(String.format("  --%-22s %s", f.name, f.help));
    if (f.defaultValue == null) {
      b.append(" (required)");
    } else if (!f.defaultValue.isEmpty()) {
      b.append(" [").append(f.defaultValue).append(']');
    }
    b.append('\n');
  }
}
