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
#   scripts/cluster.sh join I      start node I (again) and join it to the nodes that run (they are its
#                                  seeds), as Kubernetes restarts a pod or adds one; waits for /ready
#   scripts/cluster.sh port KIND I node I's port of KIND (ws, api, management, cluster or link), for scripts
#   scripts/cluster.sh host I      node I's address (127.0.0.1, or 127.0.0.(I+1) with LOOPBACK_PER_NODE=1)
#
# Environment: HERALD_RUN_DIR (default ./run/cluster), BASE_HTTP_PORT (4000), BASE_API_PORT (BASE_HTTP_PORT+1),
# BASE_MANAGEMENT_PORT (7626), BASE_CLUSTER_PORT (17355), BASE_LINK_PORT (BASE_CLUSTER_PORT+100: the node link,
# docs/architecture.md),
# JAVA_OPTS (default in scripts/java-defaults.sh) and any HERALD_* setting, passed to every node. Nodes are stopped by PID, never by name.
# PORT_BASE=B: a compact layout instead, for scripts that must keep clear of others' ports: node i
#   listens on B+10i (WebSocket), B+10i+1 (API), B+10i+2 (health), B+10i+3 (cluster), B+10i+4 (node
#   link), so N nodes take
#   the block B..B+10N-1 (scripts/partition.sh uses 14820, scripts/scaleout.sh 14860).
# LOOPBACK_PER_NODE=1: node i binds every port (WebSocket, API, health, cluster) on its own loopback
#   address 127.0.0.(i+1) instead of 127.0.0.1, so that its cluster traffic can be told apart.
# READY_TIMEOUT: seconds start and join wait for a node's /ready (default 120).
# CGROUP_DIR=DIR: node i runs in the cgroup v2 group DIR/node-i (created; DIR must be on the cgroup2
#   file system), so that packet filters can match its sockets (scripts/partition.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
RUN_DIR="${HERALD_RUN_DIR:-run/cluster}"
# WebSocket and API ports step by 10 so that they stay paired (4000/4001, 4010/4011, ...) and never
# take each other's numbers; health and remoting ports step by 1
HTTP_PORT_STEP=10
if [ -n "${PORT_BASE:-}" ]; then
  # node i's four ports side by side in its block of 10
  BASE_HTTP_PORT=$PORT_BASE; BASE_API_PORT=$((PORT_BASE + 1))
  BASE_MANAGEMENT_PORT=$((PORT_BASE + 2)); BASE_CLUSTER_PORT=$((PORT_BASE + 3)); BASE_LINK_PORT=$((PORT_BASE + 4))
  MANAGEMENT_PORT_STEP=$HTTP_PORT_STEP
else
  BASE_HTTP_PORT="${BASE_HTTP_PORT:-4000}"
  BASE_API_PORT="${BASE_API_PORT:-$((BASE_HTTP_PORT + 1))}"
  BASE_MANAGEMENT_PORT="${BASE_MANAGEMENT_PORT:-7626}"
  BASE_CLUSTER_PORT="${BASE_CLUSTER_PORT:-17355}"
  BASE_LINK_PORT="${BASE_LINK_PORT:-$((BASE_CLUSTER_PORT + 100))}"
  MANAGEMENT_PORT_STEP=1
fi

ws_port() { echo $((BASE_HTTP_PORT + HTTP_PORT_STEP * $1)); }
api_port() { echo $((BASE_API_PORT + HTTP_PORT_STEP * $1)); }
management_port() { echo $((BASE_MANAGEMENT_PORT + MANAGEMENT_PORT_STEP * $1)); }
cluster_port() { echo $((BASE_CLUSTER_PORT + MANAGEMENT_PORT_STEP * $1)); }
link_port() { echo $((BASE_LINK_PORT + MANAGEMENT_PORT_STEP * $1)); }
host() { if [ "${LOOPBACK_PER_NODE:-0}" = 1 ]; then echo "127.0.0.$(($1 + 1))"; else echo 127.0.0.1; fi; }
JAR=node/target/herald-node.jar

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

build_if_needed() {
  if [ ! -f "$JAR" ] || [ -n "$(find protocol/src node/src pom.xml protocol/pom.xml node/pom.xml -newer "$JAR" -type f -print -quit)" ]; then
    mvn -B -q -DskipTests package -pl node -am
  fi
}

# Every node must sign long-poll session tokens with the same secret (docs/configuration.md,
# "Long-poll"): one per local cluster, kept in its run directory, unless HERALD_LONGPOLL_SECRET is set.
longpoll_secret() {
  local secret_file="$RUN_DIR/longpoll-secret"
  [ -s "$secret_file" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$secret_file")
  cat "$secret_file"
}

# Starts node $1 with the seed nodes $2 (host:port,...), without waiting for it.
launch() {
  local i="$1" seeds="$2" h p
  h=$(host "$i")
  # Another program on one of the ports would fail the start late and obscurely (or, on a wildcard
  # address, take part of the traffic): refuse at once.
  for p in $(ws_port "$i") $(api_port "$i") $(management_port "$i") $(cluster_port "$i"); do
    if command -v ss >/dev/null && ss -Hltn "sport = :$p" | grep -q .; then
      echo "node $i: port $p is taken (ss -ltnp shows by whom); choose other ports (PORT_BASE, BASE_*_PORT)" >&2
      exit 1
    fi
  done
  local cmd=(java ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT}) hosts=()
  if [ "${LOOPBACK_PER_NODE:-0}" = 1 ]; then
    hosts=("HERALD_HTTP_HOST=$h" "HERALD_API_HOST=$h")
    # The health port binds every interface unless told otherwise (no HERALD_* variable names it)
    cmd+=("-Dpekko.management.http.bind-hostname=$h")
  fi
  cmd+=(-jar "$JAR")
  if [ -n "${CGROUP_DIR:-}" ]; then
    mkdir -p "$CGROUP_DIR/node-$i"
    # the shell enters the group, then becomes the JVM (same PID): every socket it opens is the group's
    cmd=(bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CGROUP_DIR/node-$i" "${cmd[@]}")
  fi
  HERALD_HTTP_PORT=$(ws_port "$i") \
  HERALD_API_PORT=$(api_port "$i") \
  HERALD_MANAGEMENT_PORT=$(management_port "$i") \
  HERALD_CLUSTER_HOST="$h" \
  HERALD_CLUSTER_PORT=$(cluster_port "$i") \
  HERALD_LINK_PORT=$(link_port "$i") \
  HERALD_SEED_NODES="$seeds" \
  HERALD_LONGPOLL_SECRET="${HERALD_LONGPOLL_SECRET:-$(longpoll_secret)}" \
    nohup env "${hosts[@]}" "${cmd[@]}" >>"$RUN_DIR/node-$i.log" 2>&1 &
  echo $! >"$RUN_DIR/node-$i.pid"
  echo "node $i: pid $!, ws://$h:$(ws_port "$i")/socket/websocket, API http://$h:$(api_port "$i")/api, health http://$h:$(management_port "$i")/ready, cluster port $(cluster_port "$i"), link port $(link_port "$i"), log $RUN_DIR/node-$i.log"
}

# Waits until node $1 is ready: an Up member with its WebSocket port bound (GET /ready = 200).
await_ready() {
  local i="$1" port h deadline=$((SECONDS + ${READY_TIMEOUT:-120}))
  port=$(management_port "$i"); h=$(host "$i")
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$h:$port/ready")" = 200 ]; do
    if ! alive "$RUN_DIR/node-$i.pid"; then echo "node $i exited; see $RUN_DIR/node-$i.log" >&2; exit 1; fi
    if [ "$SECONDS" -ge "$deadline" ]; then echo "node $i was not ready in ${READY_TIMEOUT:-120} s (READY_TIMEOUT; start-up includes the JIT warm-up, up to herald.warm-up.timeout)" >&2; exit 1; fi
    sleep 0.1
  done
}

# Nodes start one after another, each once the previous one is ready, as a Deployment's rolling update
# or scale-out adds them: each joins a serving cluster and warms up on shards of its own. (Started at
# the same moment, they would find a forming cluster and skip the warm-up: docs/configuration.md.)
start() {
  local n="${1:-3}"
  build_if_needed
  mkdir -p "$RUN_DIR"
  # Every node is a seed, node 0 first: node 0 forms the cluster when it finds none of the others (after
  # Pekko's seed-node-timeout, 5 s), and a node restarted later (node 0 too, as in a rolling upgrade)
  # joins the running cluster through the others instead of forming a second one.
  local seed="" j
  for ((j = 0; j < n; j++)); do seed="${seed:+$seed,}$(host "$j"):$(cluster_port "$j")"; done
  for ((i = 0; i < n; i++)); do
    if alive "$RUN_DIR/node-$i.pid"; then
      echo "node $i already runs (pid $(cat "$RUN_DIR/node-$i.pid"))"
      continue
    fi
    : >"$RUN_DIR/node-$i.log"
    launch "$i" "$seed"
    await_ready "$i"
    # the node's one line on its warm-up: what it did, or why it skipped it
    grep -m1 -o 'warm-up\(: \| skipped: \).*' "$RUN_DIR/node-$i.log" | sed "s/^/node $i ready; /" || echo "node $i ready"
  done
  echo "cluster of $n up"
}

# Node $1 (re)joins the running nodes: its seeds are every other node that runs, so a restarted node 0
# does not form a cluster of its own (a first seed that finds no other seed joins itself).
join() {
  local i="$1" seeds="" pidf
  build_if_needed
  mkdir -p "$RUN_DIR"
  if alive "$RUN_DIR/node-$i.pid"; then echo "node $i already runs (pid $(cat "$RUN_DIR/node-$i.pid"))" >&2; exit 1; fi
  shopt -s nullglob
  for pidf in "$RUN_DIR"/node-*.pid; do
    local j="${pidf##*/node-}"; j="${j%.pid}"
    if [ "$j" != "$i" ] && alive "$pidf"; then seeds="${seeds:+$seeds,}$(host "$j"):$(cluster_port "$j")"; fi
  done
  [ -n "$seeds" ] || { echo "join: no running node to join in $RUN_DIR" >&2; exit 1; }
  echo "--- join $(date -u +%FT%T.%3NZ) ---" >>"$RUN_DIR/node-$i.log"
  launch "$i" "$seeds"
  await_ready "$i"
  echo "node $i ready"
}

status() {
  shopt -s nullglob
  local any=0
  for pidf in "$RUN_DIR"/node-*.pid; do
    any=1
    local i="${pidf##*/node-}"; i="${i%.pid}"
    if alive "$pidf"; then
      echo "node $i: running, pid $(cat "$pidf"), host $(host "$i"), ws port $(ws_port "$i"), api port $(api_port "$i"), health port $(management_port "$i"), cluster port $(cluster_port "$i")"
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
  join) join "${2:?node index}" ;;
  host) host "${2:?node index}" ;;
  port)
    case "${2:-}" in
      ws | api | management | cluster | link) "${2}_port" "${3:?node index}" ;;
      *) echo "port: KIND is ws, api, management, cluster or link" >&2; exit 2 ;;
    esac ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
