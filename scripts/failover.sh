#!/usr/bin/env bash
# Measures failover on a local 3-node cluster: starts it (scripts/cluster.sh), runs
# node/src/test/js/failover.js (subscribers on nodes 1 and 2, a publisher on node 1, node 0 killed
# with SIGKILL after --kill-at seconds; or, with --stall=S, stopped with SIGSTOP for S seconds and then
# continued, after which it must still be ready and not downed), then stops the cluster. KILL_NODE=2 kills node 2 instead (the
# subscribers and the publisher then use the other two). Extra arguments go to failover.js
# (--topics=100 --rate=500 --seconds=60 --kill-at=5). Exits 1 if an acknowledged publish was lost.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd node/src/test/js && [ -d node_modules ] || npm ci --no-audit --no-fund)
export HERALD_RUN_DIR="${HERALD_RUN_DIR:-run/failover}"
# The publisher sends --rate messages per second from one socket, above a browser's 200/s default: lift
# the per-socket limit (as scripts/fanout.sh does), or most publishes are refused as rate limited and
# the figures measure the limit, not failover.
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}"
scripts/cluster.sh start 3
trap 'scripts/cluster.sh stop' EXIT
kill_node="${KILL_NODE:-0}"
ports="$(scripts/cluster.sh port ws "$kill_node")"
for i in 0 1 2; do [ "$i" = "$kill_node" ] || ports="$ports,$(scripts/cluster.sh port ws "$i")"; done
node node/src/test/js/failover.js --kill-pid="$(cat "$HERALD_RUN_DIR/node-$kill_node.pid")" --ports="$ports" "$@"
# With --stall=S the node was only stopped for a while: it must still be a ready member, not downed.
if [[ " $* " == *" --stall="* ]]; then
  ready="http://127.0.0.1:$(scripts/cluster.sh port management "$kill_node")/ready"
  if curl -fsS -o /dev/null "$ready"; then
    echo "node $kill_node: stalled, not downed ($ready answers 200)"
  else
    echo "FAILED: node $kill_node was downed or is not ready after its stall ($ready)" >&2
    exit 1
  fi
fi
