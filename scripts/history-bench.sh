#!/usr/bin/env bash
# The cost of history (issue 18) on one node: memory per retained message and CPU per replayed rejoin.
# Starts node/target/herald-node.jar (production profile of scripts/java-defaults.sh unless JAVA_OPTS is
# set; the warm-up off, HERALD_WARM_UP to change) on ports from PORT_BASE (default 15500), fills the
# history of TOPICS topics (default 1000) with MESSAGES messages (default 100, the default room:* keeps
# 100) of SIZE bytes (default 100) through the HTTP API with nobody subscribed, and reads the live heap
# (jcmd GC.class_histogram, which collects first) before and after; then REJOINS sockets (default 2000)
# join with since=0 and each topic's epoch (each replayed MESSAGES messages) against as many plain
# joins, alternating, and node/src/test/js/history-bench.js reports the node's CPU per join of each.
#
#   scripts/history-bench.sh
#   TOPICS=100 MESSAGES=100 REJOINS=5000 scripts/history-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh
PORT_BASE="${PORT_BASE:-15500}"
TOPICS="${TOPICS:-1000}"
MESSAGES="${MESSAGES:-100}"
SIZE="${SIZE:-100}"
REJOINS="${REJOINS:-2000}"
JAVA_OPTS="${JAVA_OPTS-$HERALD_JAVA_OPTS_PRODUCTION}"
JAR=node/target/herald-node.jar
[ -f "$JAR" ] || mvn -B -q -pl protocol,node -DskipTests package
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/history-bench.XXXXXX")"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# shellcheck disable=SC2086
HERALD_HTTP_PORT=$PORT_BASE HERALD_API_PORT=$((PORT_BASE + 1)) HERALD_MANAGEMENT_PORT=$((PORT_BASE + 2)) \
  HERALD_CLUSTER_PORT=$((PORT_BASE + 3)) HERALD_WARM_UP="${HERALD_WARM_UP:-false}" HERALD_RATE_LIMIT=1000000 \
  java $JAVA_OPTS -jar "$JAR" >"$RUN_DIR/node.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT_BASE + 2))/ready")" = 200 ] && break
  kill -0 "$pid" 2>/dev/null || { echo "node exited; log: $RUN_DIR/node.log" >&2; exit 1; }
  sleep 1
done
live_heap() { jcmd "$pid" GC.class_histogram | awk '/^Total/ {print $3}'; }
history_bytes() { curl -s "http://127.0.0.1:$((PORT_BASE + 1))/metrics" | awk '/^herald_history_bytes / {print $2}'; }

before=$(live_heap)
bench() { node node/src/test/js/history-bench.js --url="ws://127.0.0.1:$PORT_BASE/socket/websocket" \
  --api="http://127.0.0.1:$((PORT_BASE + 1))" --pid="$pid" --topics="$TOPICS" --messages="$MESSAGES" --size="$SIZE" \
  --rejoins="$REJOINS" --epochs="$RUN_DIR/epochs.json" --prefix="room:hist-bench-$$-" "$@"; }
bench --phase=fill
after=$(live_heap)
retained=$((TOPICS * MESSAGES))
echo "{\"phase\":\"memory\",\"retained\":$retained,\"size\":$SIZE,\"live_heap_before\":$before,\"live_heap_after\":$after,\"bytes_per_1000\":$(( (after - before) * 1000 / retained )),\"herald_history_bytes\":$(history_bytes),\"java_opts\":\"$JAVA_OPTS\",\"loadavg\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
bench --phase=replay
