#!/usr/bin/env bash
# Long-poll benchmark (docs/benchmarks.md, "Issue 20"): starts node/target/herald-node.jar on loopback
# ports (production JVM profile unless JAVA_OPTS is set, as scripts/fanout.sh), waits for /ready, runs
# loadtest/longpoll/bench.js against it, stops the node by its PID. One JSON line per phase on stdout.
#
#   scripts/longpoll-bench.sh --sessions 1000 --topics 10 --rate 20,50,100 --seconds 20
#   scripts/longpoll-bench.sh --transport ws --sessions 1000 --topics 10 --rate 20,50,100 --seconds 20
#
# Environment: LP_BENCH_PORT_BASE (default 14100: WS +0, API +1, management +2, cluster +3),
# LP_BENCH_RUN_DIR (node log, default run/longpoll-bench), JAVA_OPTS, HERALD_* (reach the node).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
JAR=node/target/herald-node.jar
[ -f "$JAR" ] || { echo "build first: ./mvnw -B -q -pl protocol,node -DskipTests install" >&2; exit 2; }
[ -d node/src/test/js/node_modules/ws ] || (cd node/src/test/js && npm ci --silent)
BASE="${LP_BENCH_PORT_BASE:-14100}"
RUN_DIR="${LP_BENCH_RUN_DIR:-run/longpoll-bench}"
mkdir -p "$RUN_DIR"
export HERALD_HTTP_HOST=127.0.0.1 HERALD_HTTP_PORT=$BASE HERALD_API_PORT=$((BASE + 1)) \
  HERALD_MANAGEMENT_PORT=$((BASE + 2)) HERALD_CLUSTER_PORT=$((BASE + 3)) HERALD_CLUSTER_HOST=127.0.0.1
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}" HERALD_NEW_CONNECTIONS_PER_SECOND="${HERALD_NEW_CONNECTIONS_PER_SECOND:-0}"
# shellcheck disable=SC2086
java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -jar "$JAR" > "$RUN_DIR/node.log" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  if curl -fs "http://127.0.0.1:$((BASE + 2))/ready" > /dev/null 2>&1; then break; fi
  kill -0 "$PID" 2>/dev/null || { echo "node exited; see $RUN_DIR/node.log" >&2; exit 1; }
  sleep 0.5
done
sleep "${SERVER_SETTLE:-5}"
echo "{\"jvm\": \"${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT}\", \"pid\": $PID}"
node loadtest/longpoll/bench.js --port "$BASE" --api "$((BASE + 1))" --pid "$PID" "$@"
