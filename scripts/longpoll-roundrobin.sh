#!/usr/bin/env bash
# phoenix.js over long-poll behind a round-robin proxy (no sticky sessions) in front of a two-node
# cluster: starts two nodes on loopback (LP_RR_PORT_BASE+0..3 and +10..13, default 14580; a shared
# HERALD_LONGPOLL_SECRET; quick-start JVM profile), runs loadtest/longpoll/roundrobin.js, stops both
# nodes by their PIDs. Prints {"ok": true, ...} when every broadcast arrived once.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile quick-start
JAR=node/target/herald-node.jar
RUN_DIR="${LP_BENCH_RUN_DIR:-run/longpoll-roundrobin}"
mkdir -p "$RUN_DIR"
export HERALD_LONGPOLL_SECRET="roundrobin-secret-$(date +%s)-0123456789abcdef"
export HERALD_HTTP_HOST=127.0.0.1 HERALD_CLUSTER_HOST=127.0.0.1 HERALD_WARM_UP=false
start() { # base seeds
  # shellcheck disable=SC2086
  HERALD_HTTP_PORT=$1 HERALD_API_PORT=$(($1 + 1)) HERALD_MANAGEMENT_PORT=$(($1 + 2)) HERALD_CLUSTER_PORT=$(($1 + 3)) \
    HERALD_SEED_NODES=$2 java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -jar "$JAR" > "$RUN_DIR/node-$1.log" 2>&1 &
  echo $!
}
ready() { for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$(($1 + 2))/ready" > /dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
P=${LP_RR_PORT_BASE:-14580}
A=$(start "$P" "127.0.0.1:$((P + 3))")
trap 'kill "$A" "${B:-}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
ready "$P"
B=$(start $((P + 10)) "127.0.0.1:$((P + 3))")
ready $((P + 10))
node loadtest/longpoll/roundrobin.js "$P" $((P + 10))
