#!/usr/bin/env bash
# Runs Herald's fan-out harness (loadtest/README.md, "Fan-out harness") end to end against a fresh node:
# builds the jars if missing or stale, starts node/target/herald-node.jar on free loopback ports, waits
# for /ready, runs one harness command with --url and --pid set, stops the node by its PID, and leaves
# the report on stdout (last line: JSON).
#
#   scripts/fanout.sh idle --conns 10000 --topics 100
#   scripts/fanout.sh fanout --rooms 1000 --room-size 10 --rate 2000 --seconds 60
#   scripts/fanout.sh fanout --rooms 1000 --room-size 10 --rate 2000,5000,8000,10000 --seconds 20
#   scripts/fanout.sh --cluster 3 fanout --rooms 1000 --room-size 10 --rate 2000 --seconds 60
#   scripts/fanout.sh --floor fanout --rooms 1000 --room-size 10 --rate 2000 --seconds 20
#
# --floor runs the same command against the bare Netty floor server (io.herald.loadtest.floor.NettyFloor:
# no actors, no cluster, no checks) instead of a node, with the node's JVM options, so that Herald and
# the floor compare in the same hour (docs/benchmarks.md, "The floor in the same hour").
# --cluster N uses the local cluster of scripts/cluster.sh (started here if it is not running, and then
# stopped at the end): sockets spread over the N WebSocket ports, server CPU and RSS summed over the N
# node PIDs. Harness options: java -jar loadtest/target/herald-fanout.jar --help.
#
# Environment:
#   FANOUT_RUN_DIR     node copy, log (default run/fanout)
#   FANOUT_WARMUP      seconds of unrecorded publishing before a fanout's first step, unless the command
#                      has --warmup (default 10)
#   FANOUT_JAVA_OPTS   harness JVM options (default: -XX:+UseSerialGC -Xmx1g)
#   JAVA_OPTS          node JVM options (default: the production profile of scripts/java-defaults.sh, warm-up
#                      included, as HERALD_PROFILE=production scripts/herald; JAVA_OPTS= for the JVM's own);
#                      HERALD_* settings reach the node(s)
#   HERALD_RATE_LIMIT  frames per second per socket on the node (default here 1000000: one publisher
#                      socket carries rate/(topics/100) pushes per second, far above a browser's 200)
#   WS_PORT, API_PORT, MANAGEMENT_PORT, CLUSTER_PORT   fixed ports for the single node (default: free ones)
#   SERVER_SETTLE      seconds between /ready and the harness (default 5)
#   MVN_FLAGS          extra flags for the build (e.g. -o)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
NODE_JAR=node/target/herald-node.jar
HARNESS_JAR=loadtest/target/herald-fanout.jar
RUN_DIR="${FANOUT_RUN_DIR:-run/fanout}"
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}"

cluster=0
floor=0
if [ "${1:-}" = --floor ]; then
  floor=1
  shift
fi
if [ "${1:-}" = --cluster ]; then
  cluster="${2:?--cluster needs the number of nodes}"
  shift 2
fi
case "${1:-}" in
  idle | fanout) ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
args=("$@")
if [ "$1" = fanout ] && [[ " ${args[*]} " != *" --warmup"* ]]; then
  args+=(--warmup "${FANOUT_WARMUP:-10}")
fi

stale() { # $1 jar, rest: sources
  local jar="$1"; shift
  [ ! -f "$jar" ] || [ -n "$(find "$@" -newer "$jar" -type f -print -quit 2>/dev/null)" ]
}
if stale "$NODE_JAR" protocol/src/main node/src/main pom.xml protocol/pom.xml node/pom.xml \
  || stale "$HARNESS_JAR" loadtest/src/main loadtest/pom.xml; then
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_FLAGS:-} -DskipTests package
fi

# one descriptor per socket on both sides: as many as this shell may have
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# figures are only comparable between the same builds: say which one ran
build="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- protocol/src/main node/src/main 2>/dev/null || echo +changes), jar $(date -u -r "$NODE_JAR" +%FT%TZ)"
# shellcheck disable=SC2086
harness() { java ${FANOUT_JAVA_OPTS:--XX:+UseSerialGC -Xmx1g} -jar "$HARNESS_JAR" "$@" --server-build "$build"; }

if [ "$cluster" != 0 ]; then
  CLUSTER_DIR="${HERALD_RUN_DIR:-run/cluster}"
  started=0
  for ((i = 0; i < cluster; i++)); do
    if ! { [ -f "$CLUSTER_DIR/node-$i.pid" ] && kill -0 "$(cat "$CLUSTER_DIR/node-$i.pid")" 2>/dev/null; }; then started=1; fi
  done
  if [ "$started" = 1 ]; then scripts/cluster.sh start "$cluster" >&2; fi
  urls=() pids=()
  for ((i = 0; i < cluster; i++)); do
    urls+=("ws://127.0.0.1:$(scripts/cluster.sh port ws "$i")/socket/websocket?vsn=2.0.0")
    pids+=("$(cat "$CLUSTER_DIR/node-$i.pid")")
  done
  if [ "$started" = 1 ]; then trap 'scripts/cluster.sh stop >&2' EXIT; fi
  sleep "${SERVER_SETTLE:-5}"
  echo "fanout.sh: cluster of $cluster, pids ${pids[*]}, fd limit $(ulimit -n), loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  rc=0
  harness "${args[@]:0:1}" --url "$(IFS=,; echo "${urls[*]}")" --pid "$(IFS=,; echo "${pids[*]}")" "${args[@]:1}" || rc=$?
  exit "$rc"
fi

free_port() { # a port nothing listens on, from 20000-32767 (below the ephemeral range)
  local p
  while :; do
    p=$((20000 + RANDOM % 12768))
    [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return; }
  done
}
WS_PORT="${WS_PORT:-$(free_port)}"
API_PORT="${API_PORT:-$(free_port)}"
MANAGEMENT_PORT="${MANAGEMENT_PORT:-$(free_port)}"
CLUSTER_PORT="${CLUSTER_PORT:-$(free_port)}"

mkdir -p "$RUN_DIR"
LOG="$RUN_DIR/node-$WS_PORT.log"
if [ "$floor" = 1 ]; then
  LOG="$RUN_DIR/floor-$WS_PORT.log"
  cp "$HARNESS_JAR" "$RUN_DIR/herald-fanout.jar"
  build="netty floor, $build"
  # shellcheck disable=SC2086
  java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -cp "$RUN_DIR/herald-fanout.jar" io.herald.loadtest.floor.NettyFloor \
    --host 127.0.0.1 --port "$WS_PORT" >"$LOG" 2>&1 &
else
# a copy: a rebuild of the node during the run must not pull the jar from under the JVM
cp "$NODE_JAR" "$RUN_DIR/herald-node.jar"
# shellcheck disable=SC2086
HERALD_HTTP_HOST=127.0.0.1 HERALD_HTTP_PORT="$WS_PORT" \
HERALD_API_HOST=127.0.0.1 HERALD_API_PORT="$API_PORT" \
HERALD_MANAGEMENT_PORT="$MANAGEMENT_PORT" \
HERALD_CLUSTER_HOST=127.0.0.1 HERALD_CLUSTER_PORT="$CLUSTER_PORT" HERALD_SEED_NODES= \
  java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -Dpekko.management.http.bind-hostname=127.0.0.1 -jar "$RUN_DIR/herald-node.jar" >"$LOG" 2>&1 &
fi
SPID=$!
alive() { kill -0 "$SPID" 2>/dev/null && [ "$(sed 's/.*) //' "/proc/$SPID/stat" 2>/dev/null | cut -c1)" != Z ]; }
stop_node() {
  if alive; then
    kill -TERM "$SPID"
    for _ in $(seq 1 600); do alive || break; sleep 0.1; done
    alive && { echo "fanout.sh: node $SPID did not stop in 60 s: killed" >&2; kill -KILL "$SPID"; }
  fi
  wait "$SPID" 2>/dev/null || true
}
trap stop_node EXIT

ready() {
  if [ "$floor" = 1 ]; then [ -n "$(ss -Htln "sport = :$WS_PORT" 2>/dev/null)" ]
  else [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MANAGEMENT_PORT/ready")" = 200 ]; fi
}
waited=0
until ready; do
  if ! alive; then echo "fanout.sh: the node exited; see $LOG" >&2; exit 1; fi
  if [ "$waited" -ge 1200 ]; then echo "fanout.sh: the node was not ready in 120 s; see $LOG" >&2; exit 1; fi
  sleep 0.1; waited=$((waited + 1))
done
sleep "${SERVER_SETTLE:-5}"
echo "fanout.sh: node pid $SPID ready on ws port $WS_PORT (log $LOG), fd limit $(awk '/open files/ {print $4}' "/proc/$SPID/limits"), loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rc=0
harness "${args[@]:0:1}" --url "ws://127.0.0.1:$WS_PORT/socket/websocket?vsn=2.0.0" --pid "$SPID" "${args[@]:1}" || rc=$?
exit "$rc"
