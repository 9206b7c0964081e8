#!/usr/bin/env bash
# Presence under load on a local 3-node cluster (scripts/cluster.sh; production profile unless
# JAVA_OPTS is set), driven by node/src/test/js/presence-load.js: member sockets are raw `ws` sockets in
# child processes (presence-members.js), one phoenix.js Presence watcher per node checks the lists.
# Not part of the build.
#
#   scripts/presence.sh load [--sockets=10000] [--per-socket=1] [--topics=T] [--procs=P] [--hold=30]
#                            [--join-rate=R] [--in-flight=N]
#       that many sockets (socket i on node i % 3) each join --per-socket topics as user u<i> (of --topics
#       topics; default --per-socket, so every socket joins the same ones). Reports join and convergence
#       times, presence_diffs per watcher, the bytes the members received; each node's heap after a
#       full GC and RSS before the run and while the entries are held; the cluster's traffic (bytes sent
#       on the nodes' Artery connections, `ss`) idle, while the entries are made and while they are
#       held; and each node's replication lag histogram (herald_presence_replication_lag_seconds).
#       --join-rate: joins a second over all members (default: as fast as --in-flight, 500 unanswered
#       joins per member process, allows). 10,000 members of one topic: --sockets=10000 --join-rate=200;
#       100,000 entries: --sockets=1000 --per-socket=100 --topics=1000.
#   scripts/presence.sh rounds N
#       N rounds: 30 sockets join, every list complete, node 1 or 2 is killed (SIGTERM or SIGKILL, both
#       on each node in turn) and its members must leave the other nodes' lists, the rest leave, the node
#       is started again. Fails on any list that does not converge (a zombie entry never leaves). At the
#       end every node's GET /api/topics/{topic}/presence of every round's topic must be {}.
#
# Ports: PORT_BASE (default 14200; node i on PORT_BASE+10i..+3, scripts/cluster.sh's compact layout).
# Logs in HERALD_RUN_DIR (default run/presence). The cluster is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd node/src/test/js && [ -d node_modules ] || npm ci --no-audit --no-fund)
export HERALD_RUN_DIR="${HERALD_RUN_DIR:-run/presence}" PORT_BASE="${PORT_BASE:-14200}"
# no JIT warm-up unless asked for: restarts in the rounds come sooner, and presence is what is measured
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}" HERALD_NEW_CONNECTIONS_PER_SECOND=0 HERALD_WARM_UP="${HERALD_WARM_UP:-false}"
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
mode="${1:-load}"; shift || true
echo "JVM options: ${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT}; warm-up $HERALD_WARM_UP; load average $(cut -d' ' -f1-3 /proc/loadavg)"
scripts/cluster.sh start 3
trap 'scripts/cluster.sh stop' EXIT
port() { scripts/cluster.sh port "$1" "$2"; }
urls="$(for i in 0 1 2; do echo -n "ws://127.0.0.1:$(port ws "$i")/socket,"; done)"; urls="${urls%,}"
pid() { cat "$HERALD_RUN_DIR/node-$1.pid"; }
loadavg() { echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"; }

# bytes sent so far on every TCP connection from or to a node's cluster port
cluster_bytes() {
  local filter="" i
  for i in 0 1 2; do filter="$filter or sport = :$(port cluster "$i") or dport = :$(port cluster "$i")"; done
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
# each node's replication lag histogram: observations, mean, and the buckets' upper bounds of p50 and p99
replication_lag() {
  local i
  for i in 0 1 2; do
    curl -s "http://127.0.0.1:$(port api "$i")/metrics" | awk -v node="$i" '
      /^herald_presence_replication_lag_seconds_bucket/ { match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); n++; les[n] = le; counts[n] = $NF }
      /^herald_presence_replication_lag_seconds_count/ { count = $NF }
      /^herald_presence_replication_lag_seconds_sum/ { sum = $NF }
      END {
        if (count == 0) { printf "node %s: replication lag: no observations\n", node; exit }
        for (k = 1; k <= n; k++) { if (p50 == "" && counts[k] >= count * 0.5) p50 = les[k]; if (p99 == "" && counts[k] >= count * 0.99) p99 = les[k] }
        printf "node %s: replication lag: %d entries, mean %.3f s, p50 <= %s s, p99 <= %s s\n", node, count, sum / count, p50, p99
      }'
  done
}

case "$mode" in
  load)
    echo "idle: cluster traffic $(traffic 10) B/s; $(loadavg)"; memory
    log="$HERALD_RUN_DIR/presence-load.log"
    : >"$log"
    node node/src/test/js/presence-load.js --urls="$urls" --hold=30 "$@" >"$log" 2>&1 &
    load=$!
    tail -f "$log" --pid="$load" &
    until grep -q JOINING "$log"; do kill -0 "$load" 2>/dev/null || { wait "$load"; exit 1; }; sleep 0.2; done
    b0=$(cluster_bytes); t0=$(date +%s.%N)
    until grep -q CONVERGED "$log"; do kill -0 "$load" 2>/dev/null || { wait "$load"; exit 1; }; sleep 0.2; done
    b1=$(cluster_bytes); t1=$(date +%s.%N)
    entries=$(grep -o 'CONVERGED [0-9]*' "$log" | cut -d' ' -f2)
    awk -v b="$((b1 - b0))" -v t0="$t0" -v t1="$t1" -v n="$entries" 'BEGIN { s = t1 - t0; printf "while the entries were made: cluster traffic %.0f B/s over %.1f s, %.0f bytes per entry\n", b / s, s, b / n }'
    echo "  ($(loadavg))"
    until grep -q HOLD "$log"; do kill -0 "$load" 2>/dev/null || { wait "$load"; exit 1; }; sleep 0.2; done
    echo "holding: cluster traffic $(traffic 10) B/s; $(loadavg)"; memory; replication_lag
    wait "$load"
    ;;
  rounds)
    n="${1:-10}"
    topics=()
    for ((r = 1; r <= n; r++)); do
      # nodes 1 and 2 only: node 0 is the seed, and a restarted seed forms a cluster of its own
      k=$((1 + r % 2)); sig=SIGKILL; [ $((r / 2 % 2)) = 1 ] && sig=SIGTERM
      echo "round $r/$n: $sig node $k ($(loadavg))"
      out=$(node node/src/test/js/presence-load.js --urls="$urls" --sockets=30 --hold=0 --procs=1 --converge-timeout=120 \
        --kill-pid="$(pid "$k")" --kill-node="$k" --kill-signal="$sig") || { echo "$out"; exit 1; }
      echo "$out" | grep -v '^{' | grep -E 'SIGKILL|SIGTERM|empty' || true
      topics+=("$(echo "$out" | grep -o 'room:load-[a-z0-9]*-0' | head -1)")
      for _ in $(seq 1 600); do kill -0 "$(pid "$k")" 2>/dev/null || break; sleep 0.1; done
      rm -f "$HERALD_RUN_DIR/node-$k.pid"
      # the restarted node must be a member before the next round (its old incarnation removed)
      scripts/cluster.sh start 3 >/dev/null
    done
    # no zombie anywhere: every node's list of every round's topic is empty
    sleep 2
    zombies=0
    for t in "${topics[@]}"; do
      for i in 0 1 2; do
        body=$(curl -s "http://127.0.0.1:$(port api "$i")/api/topics/${t//:/%3A}/presence")
        if [ "$body" != "{}" ]; then echo "zombie on node $i, $t: $body"; zombies=$((zombies + 1)); fi
      done
    done
    [ "$zombies" = 0 ] || { echo "$zombies lists not empty at the end"; exit 1; }
    echo "$n rounds: every list converged; at the end all ${#topics[@]} rounds' topics are empty on every node ($(loadavg))"
    replication_lag
    ;;
  *) echo "usage: scripts/presence.sh load [--sockets=N --per-socket=M --topics=T --procs=P --hold=S --join-rate=R --in-flight=N] | rounds N" >&2; exit 2 ;;
esac
