#!/usr/bin/env bash
# Presence under load on a local 3-node cluster (scripts/cluster.sh; production profile unless
# JAVA_OPTS is set), driven by node/src/test/js/presence-load.js with phoenix.js. Not part of the build.
#
#   scripts/presence.sh load [--sockets=10000] [--per-socket=1] [--hold=20]
#       that many sockets (spread over the nodes) each join --per-socket topics with their own user_id;
#       reports join and convergence times, presence_diffs per watcher, and, while the entries are held,
#       each node's heap after a full GC and RSS, and the cluster's traffic (bytes sent on the nodes'
#       Artery connections per second) against the same measure before the run.
#       10,000 members of one topic: --sockets=10000; 100,000 entries: --sockets=1000 --per-socket=100.
#   scripts/presence.sh rounds N
#       N rounds: 30 sockets join, every list complete, node 1 or 2 is killed (SIGTERM or SIGKILL, both
#       on each node in turn) and its members must leave the other nodes' lists, the rest leave, the node
#       is started again. Fails on any list that does not converge (a zombie entry never leaves).
#
# Ports: BASE_HTTP_PORT (14200), BASE_MANAGEMENT_PORT (14280), BASE_CLUSTER_PORT (14290), as in
# scripts/cluster.sh; logs in run/presence. The cluster is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd node/src/test/js && [ -d node_modules ] || npm ci --no-audit --no-fund)
export HERALD_RUN_DIR="${HERALD_RUN_DIR:-run/presence}"
export BASE_HTTP_PORT="${BASE_HTTP_PORT:-14200}" BASE_MANAGEMENT_PORT="${BASE_MANAGEMENT_PORT:-14280}" BASE_CLUSTER_PORT="${BASE_CLUSTER_PORT:-14290}"
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}" HERALD_NEW_CONNECTIONS_PER_SECOND=0 HERALD_WARM_UP="${HERALD_WARM_UP:-false}"
mode="${1:-load}"; shift || true
scripts/cluster.sh start 3
trap 'scripts/cluster.sh stop' EXIT
urls="$(for i in 0 1 2; do echo -n "ws://127.0.0.1:$((BASE_HTTP_PORT + 10 * i))/socket,"; done)"; urls="${urls%,}"
pid() { cat "$HERALD_RUN_DIR/node-$1.pid"; }

# bytes sent so far on every TCP connection from or to a node's cluster port
cluster_bytes() {
  local filter="" i
  for i in 0 1 2; do filter="$filter or sport = :$((BASE_CLUSTER_PORT + i)) or dport = :$((BASE_CLUSTER_PORT + i))"; done
  ss -tinH state established "( ${filter# or } )" | grep -o 'bytes_sent:[0-9]*' | cut -d: -f2 | awk '{s += $1} END {print s + 0}'
}
traffic() { # bytes per second over $1 seconds
  local a b; a=$(cluster_bytes); sleep "$1"; b=$(cluster_bytes); echo $(( (b - a) / $1 ))
}
memory() {
  local i p
  for i in 0 1 2; do
    p=$(pid "$i")
    jcmd "$p" GC.run >/dev/null
    echo "node $i: heap used after GC $(jcmd "$p" GC.heap_info | grep -o 'used [0-9]*K' | awk '{s += $2} END {print int(s / 1024)}') MB, RSS $(( $(ps -o rss= -p "$p") / 1024 )) MB"
  done
}

case "$mode" in
  load)
    echo "idle: cluster traffic $(traffic 10) B/s"; memory
    log="$HERALD_RUN_DIR/presence-load.log"
    node node/src/test/js/presence-load.js --urls="$urls" --hold=30 "$@" | tee "$log" &
    load=$!
    until grep -q HOLD "$log" 2>/dev/null; do kill -0 "$load" 2>/dev/null || { wait "$load"; exit 1; }; sleep 1; done
    echo "holding: cluster traffic $(traffic 10) B/s"; memory
    wait "$load"
    ;;
  rounds)
    n="${1:-10}"
    for ((r = 1; r <= n; r++)); do
      # nodes 1 and 2 only: node 0 is the seed, and a restarted seed forms a cluster of its own
      k=$((1 + r % 2)); sig=SIGKILL; [ $((r / 2 % 2)) = 1 ] && sig=SIGTERM
      echo "round $r/$n: $sig node $k"
      node node/src/test/js/presence-load.js --urls="$urls" --sockets=30 --hold=0 --kill-pid="$(pid "$k")" --kill-node="$k" --kill-signal="$sig"
      for _ in $(seq 1 600); do kill -0 "$(pid "$k")" 2>/dev/null || break; sleep 0.1; done
      rm -f "$HERALD_RUN_DIR/node-$k.pid"
      # the restarted node must be a member before the next round (its old incarnation removed)
      scripts/cluster.sh start 3 >/dev/null
    done
    echo "$n rounds: every list converged, no zombie entries"
    ;;
  *) echo "usage: scripts/presence.sh load [--sockets=N --per-socket=M --hold=S] | rounds N" >&2; exit 2 ;;
esac
