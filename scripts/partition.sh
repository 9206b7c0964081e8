#!/usr/bin/env bash
# A network partition of a local 3-node cluster, split 2|1 (needs root: cgroups and iptables).
#
# Each node binds its own loopback address (127.0.0.1-3, scripts/cluster.sh LOOPBACK_PER_NODE=1) and
# runs in its own cgroup v2 group (CGROUP_DIR). On loopback every connection comes from 127.0.0.1 and
# the cluster's connections bind no local address, so addresses cannot tell the nodes' traffic apart;
# the cut is iptables rules on the OUTPUT hook (loopback traffic passes there once) that drop the
# minority's packets to the majority's cluster and link ports and the majority's packets to the
# minority's, matched by the sending socket's cgroup. Only traffic between nodes (Artery and the node
# link) is cut: clients
# and the HTTP API still reach every node, as clients on both sides of a real partition would.
#
# node/src/test/js/partition.js drives the run (one phoenix.js subscriber per node, a publisher per node
# through the HTTP API): cut 5 s in (it inserts the jump to the rules' chain), heal after
# --split-seconds (30), restart the minority node once it is gone (scripts/cluster.sh join, as
# Kubernetes restarts a pod; killed first if it has not exited 20 s after the heal) and check one cluster. Exits 1 if a check
# failed (see partition.js), 0 otherwise. Rules, cgroups and nodes are removed on every exit.
#
# MINORITY_NODE (default 2; 0 cuts off the oldest node, the shard coordinator's). Extra arguments go to
# partition.js (--topics=30 --rate=20 --split-seconds=30). Ports: PORT_BASE (default 14820, the block
# 14820-14849). The nodes start without the JIT warm-up (HERALD_WARM_UP=false unless set): the run
# measures membership and ownership, not latency.
set -euo pipefail
cd "$(dirname "$0")/.."
export HERALD_RUN_DIR="${HERALD_RUN_DIR:-run/partition}"
export PORT_BASE="${PORT_BASE:-14820}"
export LOOPBACK_PER_NODE=1
export HERALD_WARM_UP="${HERALD_WARM_UP:-false}"
export HERALD_MANAGEMENT_CLUSTER_ROUTES=on
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh && herald_profile production
# Artery gives its port 3 s to bind, and a start that misses it fails: seen here at load averages of
# 20-30 on 2 cores, with other runs on the machine
export JAVA_OPTS="${JAVA_OPTS-$HERALD_JAVA_OPTS_DEFAULT} -Dpekko.remote.artery.bind.bind-timeout=30s"
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}"
# Starts took up to 150 s (the fourth node's, warm-up included) at load averages of 30-50 here
export READY_TIMEOUT="${READY_TIMEOUT:-300}"
export MINORITY_NODE="${MINORITY_NODE:-2}"
NODES=3
CGROUP2_ROOT="${CGROUP2_ROOT:-$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)}"

majority() { for ((i = 0; i < NODES; i++)); do [ "$i" = "$MINORITY_NODE" ] || echo "$i"; done; }
cgroup_of() { echo "${CGROUP_DIR#"$CGROUP2_ROOT"/}/node-$1"; }

# The cut: drop cluster traffic between the minority and each node of the majority, both directions.
# The rules wait in a chain of their own; partition.js cuts and heals by inserting and deleting the one
# jump to it from OUTPUT (one quick iptables call, so the cut's moment is known to a few ms).
prepare_cut() {
  iptables -N "$CHAIN"
  local m="$MINORITY_NODE" j
  for j in $(majority); do
    for kind in cluster link; do
      iptables -A "$CHAIN" -p tcp --dport "$(scripts/cluster.sh port "$kind" "$j")" -m cgroup --path "$(cgroup_of "$m")" -j DROP
      iptables -A "$CHAIN" -p tcp --dport "$(scripts/cluster.sh port "$kind" "$m")" -m cgroup --path "$(cgroup_of "$j")" -j DROP
    done
  done
}

# Idempotent: the exit trap's.
remove_cut() {
  while iptables -D OUTPUT -j "$CHAIN" 2>/dev/null; do :; done
  iptables -F "$CHAIN" 2>/dev/null || true
  iptables -X "$CHAIN" 2>/dev/null || true
}

case "${1:-run}" in
  # Called back by partition.js, with the run's environment.
  restart) scripts/cluster.sh join "$MINORITY_NODE" >/dev/null; exit ;;
  run) ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || { echo "partition.sh needs root (cgroups, iptables)" >&2; exit 2; }
command -v iptables >/dev/null || { echo "partition.sh needs iptables (apt-get install iptables)" >&2; exit 2; }
[ -n "$CGROUP2_ROOT" ] || { echo "partition.sh needs a cgroup2 file system mounted" >&2; exit 2; }
(cd node/src/test/js && [ -d node_modules ] || npm ci --no-audit --no-fund)
export CHAIN="HERALD-PARTITION-$$"
export CGROUP_DIR="$CGROUP2_ROOT/herald-partition-$$"
started=$(date +%s)
cleanup() {
  remove_cut
  scripts/cluster.sh stop || true
  rmdir "$CGROUP_DIR"/node-* "$CGROUP_DIR" 2>/dev/null || true
  echo "partition.sh: $(($(date +%s) - started)) s in all"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$CGROUP_DIR"
scripts/cluster.sh start "$NODES"
prepare_cut
specs=""
for ((i = 0; i < NODES; i++)); do
  specs="${specs:+$specs,}$(scripts/cluster.sh host "$i"):$(scripts/cluster.sh port ws "$i"):$(scripts/cluster.sh port api "$i"):$(scripts/cluster.sh port management "$i")"
done
set +e
node node/src/test/js/partition.js --nodes="$specs" --minority="$MINORITY_NODE" \
  --minority-pid="$(cat "$HERALD_RUN_DIR/node-$MINORITY_NODE.pid")" --chain="$CHAIN" --ctl="$PWD/scripts/partition.sh" "$@" | tee "$HERALD_RUN_DIR/result.json"
status=${PIPESTATUS[0]}
set -e
echo "--- cluster events in the nodes' logs (cut at $(grep -o '"cut_at": "[^"]*"' "$HERALD_RUN_DIR/result.json" | cut -d'"' -f4)) ---"
for ((i = 0; i < NODES; i++)); do
  grep -E "Marking node as UNREACHABLE|SBR took decision|Marking .* as \[Down\]|Leader is removing|Running CoordinatedShutdown|HeraldNode - stopped|ShardCoordinator was moved|is Up$|--- join" \
    "$HERALD_RUN_DIR/node-$i.log" | sed -E "s/^([0-9:.]+) +[A-Z]+ +\[[^]]*\] +/\1 node $i: /" | cut -c1-170 || true
done | sort
exit "$status"
