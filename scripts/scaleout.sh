#!/usr/bin/env bash
# Scale-out under load: a local 3-node cluster (scripts/cluster.sh) with phoenix.js subscribers on
# every node and a publisher per node through the HTTP API gets a fourth node (scripts/cluster.sh join
# 3) while the load runs; node/src/test/js/scaleout.js reports the time until it is ready and owns its
# first topics, the topics' shards per node as sharding rebalances, and per subscription what was lost,
# duplicated or reordered. Exits 1 if an acknowledged message was lost, duplicated or reordered.
#
# The three first nodes start without the JIT warm-up (HERALD_WARM_UP=false unless set), to save a
# minute; the fourth starts as in production, with it (JOIN_WARM_UP, default true), so its ready time is
# a real one. Ports: PORT_BASE (default 14860, the block 14860-14899). Extra arguments go to scaleout.js
# (--topics=60 --rate=50 --subscribers-per-node=2 --join-at=10 --observe=90).
set -euo pipefail
cd "$(dirname "$0")/.."
export HERALD_RUN_DIR="${HERALD_RUN_DIR:-run/scaleout}"
export PORT_BASE="${PORT_BASE:-14860}"
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
JOIN_WARM_UP="${JOIN_WARM_UP:-true}"
NODES=3

case "${1:-run}" in
  # Called back by scaleout.js, with the run's environment.
  join) HERALD_WARM_UP="$JOIN_WARM_UP" scripts/cluster.sh join "$NODES" >/dev/null; exit ;;
  run) ;;
  *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

(cd node/src/test/js && [ -d node_modules ] || npm ci --no-audit --no-fund)
started=$(date +%s)
cleanup() {
  scripts/cluster.sh stop || true
  echo "scaleout.sh: $(($(date +%s) - started)) s in all"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
scripts/cluster.sh start "$NODES"
specs=""
for ((i = 0; i <= NODES; i++)); do
  specs="${specs:+$specs,}$(scripts/cluster.sh host "$i"):$(scripts/cluster.sh port ws "$i"):$(scripts/cluster.sh port api "$i"):$(scripts/cluster.sh port management "$i")"
done
set +e
node node/src/test/js/scaleout.js --nodes="$specs" --ctl="$PWD/scripts/scaleout.sh" "$@"
status=$?
set -e
echo "--- the shard coordinator's rebalances (node 0's log) ---"
grep -E "Starting rebalance|Rebalance shard|rebalanc" "$HERALD_RUN_DIR/node-0.log" | cut -c1-200 | head -40 || true
exit "$status"
