#!/usr/bin/env bash
# A local Herald cluster on this machine: several nodes, each with its own ports, log file and PID file.
#
#   scripts/cluster.sh start [N]   start N nodes (default 3); node i listens for WebSockets on
#                                  BASE_HTTP_PORT+10*i, for the HTTP API on BASE_API_PORT+10*i, for
#                                  health on BASE_MANAGEMENT_PORT+i and for cluster traffic on
#                                  BASE_CLUSTER_PORT+i: node 0 has a single node's default ports
#                                  (4000, 4001, 7626, 17355), node 1 4010, 4011, 7627, 17356, ...
#   scripts/cluster.sh status      which nodes run, their ports and PIDs
#   scripts/cluster.sh stop        SIGTERM every node (graceful: drain sockets, hand off topics, leave)
#   scripts/cluster.sh kill I      SIGKILL node I (a crash, for failure tests)
#   scripts/cluster.sh term I      SIGTERM node I only
#   scripts/cluster.sh port KIND I node I's port of KIND (ws, api, management or cluster), for scripts
#
# Environment: HERALD_RUN_DIR (default ./run/cluster), BASE_HTTP_PORT (4000), BASE_API_PORT (BASE_HTTP_PORT+1),
# BASE_MANAGEMENT_PORT (7626), BASE_CLUSTER_PORT (17355),
# JAVA_OPTS (default in scripts/java-defaults.sh) and any HERALD_* setting, passed to every node. Nodes are stopped by PID, never by name.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
RUN_DIR="${HERALD_RUN_DIR:-run/cluster}"
BASE_HTTP_PORT="${BASE_HTTP_PORT:-4000}"
BASE_API_PORT="${BASE_API_PORT:-$((BASE_HTTP_PORT + 1))}"
BASE_MANAGEMENT_PORT="${BASE_MANAGEMENT_PORT:-7626}"
BASE_CLUSTER_PORT="${BASE_CLUSTER_PORT:-17355}"
# WebSocket and API ports step by 10 so that they stay paired (4000/4001, 4010/4011, ...) and never
# take each other's numbers; health and remoting ports step by 1
HTTP_PORT_STEP=10

ws_port() { echo $((BASE_HTTP_PORT + HTTP_PORT_STEP * $1)); }
api_port() { echo $((BASE_API_PORT + HTTP_PORT_STEP * $1)); }
management_port() { echo $((BASE_MANAGEMENT_PORT + $1)); }
cluster_port() { echo $((BASE_CLUSTER_PORT + $1)); }
JAR=node/target/herald-node.jar

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

build_if_needed() {
  if [ ! -f "$JAR" ] || [ -n "$(find protocol/src node/src pom.xml protocol/pom.xml node/pom.xml -newer "$JAR" -type f -print -quit)" ]; then
    mvn -B -q -DskipTests package -pl node -am
  fi
}

start() {
  local n="${1:-3}"
  build_if_needed
  mkdir -p "$RUN_DIR"
  local seed="127.0.0.1:$(cluster_port 0)"
  # Every node must sign long-poll session tokens with the same secret (docs/configuration.md,
  # "Long-poll"): one per local cluster, kept in its run directory, unless HERALD_LONGPOLL_SECRET is set.
  local secret_file="$RUN_DIR/longpoll-secret"
  [ -s "$secret_file" ] || (umask 077 && head -c 32 /dev/urandom | base64 > "$secret_file")
  for ((i = 0; i < n; i++)); do
    local pidf="$RUN_DIR/node-$i.pid"
    if alive "$pidf"; then
      echo "node $i already runs (pid $(cat "$pidf"))"
      continue
    fi
    HERALD_HTTP_PORT=$(ws_port "$i") \
    HERALD_API_PORT=$(api_port "$i") \
    HERALD_MANAGEMENT_PORT=$(management_port "$i") \
    HERALD_CLUSTER_HOST=127.0.0.1 \
    HERALD_CLUSTER_PORT=$(cluster_port "$i") \
    HERALD_SEED_NODES="$seed" \
    HERALD_LONGPOLL_SECRET="${HERALD_LONGPOLL_SECRET:-$(cat "$secret_file")}" \
      nohup java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -jar "$JAR" >"$RUN_DIR/node-$i.log" 2>&1 &
    echo $! >"$pidf"
    echo "node $i: pid $!, ws://127.0.0.1:$(ws_port "$i")/socket/websocket, API http://127.0.0.1:$(api_port "$i")/api, health http://127.0.0.1:$(management_port "$i")/ready, cluster port $(cluster_port "$i"), log $RUN_DIR/node-$i.log"
  done
  # Wait until every node is ready: an Up member with its WebSocket port bound (GET /ready = 200).
  for ((i = 0; i < n; i++)); do
    local port waited=0
    port=$(management_port "$i")
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready")" = 200 ]; do
      if ! alive "$RUN_DIR/node-$i.pid"; then echo "node $i exited; see $RUN_DIR/node-$i.log" >&2; exit 1; fi
      if [ "$waited" -ge 1200 ]; then echo "node $i was not ready in 120 s (start-up includes the JIT warm-up, up to herald.warm-up.timeout)" >&2; exit 1; fi
      sleep 0.1; waited=$((waited + 1))
    done
  done
  echo "cluster of $n up"
}

status() {
  shopt -s nullglob
  local any=0
  for pidf in "$RUN_DIR"/node-*.pid; do
    any=1
    local i="${pidf##*/node-}"; i="${i%.pid}"
    if alive "$pidf"; then
      echo "node $i: running, pid $(cat "$pidf"), ws port $(ws_port "$i"), api port $(api_port "$i"), health port $(management_port "$i"), cluster port $(cluster_port "$i")"
    else
      echo "node $i: stopped"
    fi
  done
  [ "$any" = 1 ] || echo "no nodes in $RUN_DIR"
}

signal_node() {
  local sig="$1" i="$2" pidf="$RUN_DIR/node-$2.pid"
  if alive "$pidf"; then
    kill "-$sig" "$(cat "$pidf")"
    echo "node $i: sent SIG$sig to pid $(cat "$pidf")"
  else
    echo "node $i is not running"
  fi
}

stop() {
  shopt -s nullglob
  local pids=()
  for pidf in "$RUN_DIR"/node-*.pid; do
    if alive "$pidf"; then
      kill -TERM "$(cat "$pidf")"
      pids+=("$(cat "$pidf")")
    fi
    rm -f "$pidf"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; echo "pid $pid did not stop in 60 s: killed"; fi
  done
  echo "stopped ${#pids[@]} nodes"
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  status) status ;;
  stop) stop ;;
  kill) signal_node KILL "${2:?node index}" ;;
  term) signal_node TERM "${2:?node index}" ;;
  port)
    case "${2:-}" in
      ws | api | management | cluster) "${2}_port" "${3:?node index}" ;;
      *) echo "port: KIND is ws, api, management or cluster" >&2; exit 2 ;;
    esac ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
