#!/usr/bin/env bash
# The cost of a forwarded long-poll (docs/benchmarks.md, "Issue 20"): starts two nodes of one cluster on
# loopback (ports LP_FORWARD_PORT_BASE+0..3 and +10..13, default 14560, a shared HERALD_LONGPOLL_SECRET,
# the production JVM profile with its warm-up unless JAVA_OPTS / HERALD_WARM_UP say otherwise), runs
# loadtest/longpoll/forward.js (rounds of publish-then-poll, polls at the session's node or at the
# other one) and stops both nodes by their PIDs.
#
#   scripts/longpoll-forward-bench.sh [rounds, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
JAR=node/target/herald-node.jar
RUN_DIR="${LP_BENCH_RUN_DIR:-run/longpoll-forward}"
mkdir -p "$RUN_DIR"
export HERALD_LONGPOLL_SECRET="forward-bench-secret-$(date +%s)-0123456789abcdef"
export HERALD_HTTP_HOST=127.0.0.1 HERALD_CLUSTER_HOST=127.0.0.1
start() { # base seeds
  # shellcheck disable=SC2086
  HERALD_HTTP_PORT=$1 HERALD_API_PORT=$(($1 + 1)) HERALD_MANAGEMENT_PORT=$(($1 + 2)) HERALD_CLUSTER_PORT=$(($1 + 3)) \
    HERALD_SEED_NODES=$2 java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -jar "$JAR" > "$RUN_DIR/node-$1.log" 2>&1 &
  echo $!
}
ready() { for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$(($1 + 2))/ready" > /dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
P=${LP_FORWARD_PORT_BASE:-14560}
A=$(start "$P" "127.0.0.1:$((P + 3))")
trap 'kill "$A" "${B:-}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
ready "$P"
B=$(start $((P + 10)) "127.0.0.1:$((P + 3))")
ready $((P + 10))
sleep 3
echo "{\"jvm\": \"${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT}\", \"warmUp\": \"$HERALD_WARM_UP\"}"
node loadtest/longpoll/forward.js "$P" $((P + 1)) $((P + 10)) "$A" "$B" "${1:-2000}"
