#!/usr/bin/env bash
# A rolling upgrade of a local 3-node cluster under steady traffic, as a Deployment's rolling update
# does it one pod at a time (here stop, then start, on the same ports: maxUnavailable 1 rather than
# maxSurge 1): starts the cluster (scripts/cluster.sh), starts node/src/test/js/rolling-upgrade.js
# (subscribers on every node and a publisher, all reconnecting and joining again when their node
# drains), then for each node: SIGTERM, wait for it to exit, start it again and wait for its /ready;
# then stops the clients, which report reconnects, the longest gap a subscriber saw, and acknowledged
# messages lost and duplicated. Exits 1 on any lost or duplicated message.
# Environment: as scripts/cluster.sh (HERALD_RUN_DIR defaults to run/rolling-upgrade), SETTLE (seconds of
# steady traffic before the first restart and after each, default 5). Extra arguments go to
# rolling-upgrade.js (--topics=20 --rate=200 --subscribers-per-node=2).
set -euo pipefail
cd "$(dirname "$0")/.."
(cd node/src/test/js && [ -d node_modules ] || npm ci --no-audit --no-fund)
export HERALD_RUN_DIR="${HERALD_RUN_DIR:-run/rolling-upgrade}"
# One publisher socket sends --rate messages per second: lift the per-socket limit (as failover.sh does).
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}"
settle="${SETTLE:-5}"
nodes=3
stop_file="$HERALD_RUN_DIR/stop-clients"
ready_file="$HERALD_RUN_DIR/clients-ready"
mkdir -p "$HERALD_RUN_DIR"
rm -f "$stop_file" "$ready_file"
client=""
cleanup() {
  touch "$stop_file"
  if [ -n "$client" ]; then kill "$client" 2>/dev/null || true; fi
  scripts/cluster.sh stop
}
# Set before the first start: a node that fails to start must not leave the others running.
trap cleanup EXIT
scripts/cluster.sh start "$nodes"
ports=""
for ((i = 0; i < nodes; i++)); do ports="${ports:+$ports,}$(scripts/cluster.sh port ws "$i")"; done
node node/src/test/js/rolling-upgrade.js --ports="$ports" --stop-file="$stop_file" --ready-file="$ready_file" "$@" &
client=$!
until [ -f "$ready_file" ]; do
  kill -0 "$client" 2>/dev/null || { echo "the clients exited before they were ready" >&2; exit 1; }
  sleep 0.2
done
sleep "$settle"
for ((i = 0; i < nodes; i++)); do
  pid=$(cat "$HERALD_RUN_DIR/node-$i.pid")
  began=$(date +%s.%N)
  scripts/cluster.sh term "$i"
  for _ in $(seq 1 900); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "node $i did not stop in 90 s" >&2; exit 1; fi
  stopped=$(date +%s.%N)
  scripts/cluster.sh start "$nodes" | grep -v "already runs"
  ready=$(date +%s.%N)
  echo "node $i: stopped $(echo "$stopped - $began" | bc) s after SIGTERM, replacement ready $(echo "$ready - $stopped" | bc) s later"
  sleep "$settle"
done
touch "$stop_file"
status=0
wait "$client" || status=$?
client=""
exit "$status"
