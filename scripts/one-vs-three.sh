#!/usr/bin/env bash
# Node 0's CPU per 1M deliveries alone and in a 3-node cluster, with every socket on node 0 (issue 16:
# cross-node delivery near single-node cost), for one or more builds, alternating in the same hour: each
# round runs, for each build in turn, one node then three nodes.
#
#   scripts/one-vs-three.sh ROUNDS BUILD_DIR...
#   scripts/one-vs-three.sh 3 /tmp/before .        # a checkout of another commit against this one
#
# A BUILD_DIR is a checkout whose node/target/herald-node.jar is built (`mvn -B -q -pl protocol,node
# -DskipTests package`; for another commit, `git archive COMMIT | tar -x -C DIR` first). Its own
# scripts/cluster.sh starts the nodes (the production profile of scripts/java-defaults.sh, warm-up on,
# remoting's bind timeout 30 s; JAVA_OPTS overrides), on ports from BASE_HTTP_PORT (default 14000; management 14500+i, remoting
# 14600+i). The harness is this checkout's loadtest/target/herald-fanout.jar, against node 0 only.
#
# Per run, one CSV row (RESULTS, default run/one-vs-three.csv): node 0's server CPU s per 1M deliveries
# (the harness's figure, first send to last delivery), p50/p99, delivery ratio, and each node's CPU
# seconds from the end of the warm-up to the end of the run; `sum_est_s_per_1m` is node 0's figure
# scaled by the nodes' summed CPU over node 0's in that interval; `owned_by_node0`: the share of the
# publishes in that interval that node 0's topic owners numbered (herald_publishes_total): where sharding
# put the harness's topics varies from run to run, and a publish to a topic owned on node 0 crosses no
# node (compare runs with similar shares). Each run's harness report (its last
# stdout line, JSON) is appended beside the CSV (.jsonl).
#
# Environment: ONE_VS_THREE_LOAD (harness arguments; default the issue's command: 100 topics × 10
# subscribers, 500 msg/s, 20 s, 100-byte pad, with a 60 s warm-up instead of its 10 s: node 0 warms
# itself up at start, alone, so the paths to other nodes compile during the harness's first minute, and
# a 10 s warm-up measured that compiling, ~9 s per 1M, more than the cluster's steady cost;
# docs/benchmarks.md, "Node 0, one node against three: a settled cluster"), ONE_VS_THREE_NODES (the cluster sizes run
# per build and round, default "1 3"; "3" when the builds differ only between nodes), HERALD_* settings
# reach the nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
HERE="$PWD"
ROUNDS="${1:?usage: one-vs-three.sh ROUNDS BUILD_DIR...}"
shift
[ "$#" -ge 1 ] || { echo "one-vs-three.sh: no BUILD_DIR" >&2; exit 2; }
HARNESS_JAR="$HERE/loadtest/target/herald-fanout.jar"
[ -f "$HARNESS_JAR" ] || mvn -B -q -pl protocol,loadtest -DskipTests package
RESULTS="${RESULTS:-$HERE/run/one-vs-three.csv}"
LOAD="${ONE_VS_THREE_LOAD:---rooms 100 --room-size 10 --rate 500 --seconds 20 --size 100 --warmup 60}"
export BASE_HTTP_PORT="${BASE_HTTP_PORT:-14000}"
export BASE_MANAGEMENT_PORT="${BASE_MANAGEMENT_PORT:-14500}"
export BASE_CLUSTER_PORT="${BASE_CLUSTER_PORT:-14600}"
export HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}"
# the production profile; remoting may take more than its default 3 s to bind on a loaded machine
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh
export JAVA_OPTS="${JAVA_OPTS-$HERALD_JAVA_OPTS_PRODUCTION -Dpekko.remote.artery.bind.bind-timeout=30s}"
mkdir -p "$(dirname "$RESULTS")"
[ -f "$RESULTS" ] || echo "time,round,build,nodes,node0_cpu_s_per_1m,p50_ms,p99_ms,delivery_ratio,node_cpu_s,sum_est_s_per_1m,loadavg,owned_by_node0" >"$RESULTS"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# publishes numbered by node $1's topic owners so far (its API port: scripts/cluster.sh's layout)
numbered() { curl -s "http://127.0.0.1:$((BASE_HTTP_PORT + 10 * $1 + 1))/metrics" | awk '/^herald_publishes_total / {printf "%d", $2}'; }
tck="$(getconf CLK_TCK)"

run() { # $1 round, $2 build dir, $3 nodes
  local round="$1" dir="$2" nodes="$3" rundir build
  rundir="$(mktemp -d "${TMPDIR:-/tmp}/one-vs-three.XXXXXX")"
  build="$(git -C "$dir" rev-parse --short HEAD 2>/dev/null || basename "$dir")"
  [ -f "$dir/.build" ] && build="$(cat "$dir/.build")"
  local tries=0
  until HERALD_RUN_DIR="$rundir" "$dir/scripts/cluster.sh" start "$nodes" >&2; do
    HERALD_RUN_DIR="$rundir" "$dir/scripts/cluster.sh" stop >&2
    tries=$((tries + 1))
    [ "$tries" -lt 3 ] || { echo "one-vs-three.sh: $nodes node(s) of $build did not start" >&2; return 1; }
    # the run before may still hold a port for a few seconds after its JVM exited
    sleep 10
  done
  local pids=() i
  for ((i = 0; i < nodes; i++)); do pids+=("$(cat "$rundir/node-$i.pid")"); done
  sleep 5
  local before=() after=() load report
  load="$(cut -d' ' -f1 /proc/loadavg)"
  # each node's CPU from the end of the warm-up (the harness prints "warm-up ...") to the harness's exit
  # shellcheck disable=SC2086
  java -XX:+UseSerialGC -Xmx1g -jar "$HARNESS_JAR" fanout --url "ws://127.0.0.1:$BASE_HTTP_PORT/socket/websocket?vsn=2.0.0" \
    --pid "${pids[0]}" --server-build "$build" $LOAD 2>/dev/null | while IFS= read -r line; do
      if [[ "$line" == warm-up* ]]; then
        for p in "${pids[@]}"; do cpu_ticks "$p"; done >"$rundir/ticks"
        for ((i = 0; i < nodes; i++)); do numbered "$i"; echo; done >"$rundir/numbered"
      fi
      echo "$line" >"$rundir/last"
    done || true
  report="$(cat "$rundir/last")"
  mapfile -t before <"$rundir/ticks"
  for p in "${pids[@]}"; do after+=("$(cpu_ticks "$p")"); done
  local numbered_before=() numbered_sum=0 numbered0=0 d
  mapfile -t numbered_before <"$rundir/numbered"
  for ((i = 0; i < nodes; i++)); do
    d=$(( $(numbered "$i") - numbered_before[i] ))
    numbered_sum=$((numbered_sum + d))
    [ "$i" != 0 ] || numbered0=$d
  done
  HERALD_RUN_DIR="$rundir" "$dir/scripts/cluster.sh" stop >&2
  rm -rf "$rundir"
  echo "$report" >>"${RESULTS%.csv}.jsonl"
  local cpus=() total=0 n0
  for ((i = 0; i < nodes; i++)); do
    local d=$((after[i] - before[i]))
    cpus+=("$(awk -v d="$d" -v t="$tck" 'BEGIN {printf "%.2f", d / t}')")
    total=$((total + d))
  done
  n0=$((after[0] - before[0]))
  echo "$report" | jq -r --arg t "$(date -u +%FT%TZ)" --arg r "$round" --arg b "$build" --arg n "$nodes" \
    --arg cpus "$(IFS=' '; echo "${cpus[*]}")" --arg scale "$(awk -v a="$total" -v b="$n0" 'BEGIN {print (b > 0 ? a / b : 0)}')" --arg l "$load" \
    --arg owned "$(awk -v a="$numbered0" -v b="$numbered_sum" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" \
    '.steps[0] as $s | [$t, $r, $b, $n, $s.server_cpu_s_per_1m, $s.p50_ms, $s.p99_ms, $s.delivery_ratio, $cpus,
      (($s.server_cpu_s_per_1m * ($scale | tonumber)) * 100 | round / 100), $l, $owned] | @csv' | tee -a "$RESULTS"
}

for ((r = 1; r <= ROUNDS; r++)); do
  for dir in "$@"; do
    for n in ${ONE_VS_THREE_NODES:-1 3}; do
      run "$r" "$dir" "$n" || echo "one-vs-three.sh: round $r, $dir, $n node(s): no figure" >&2
    done
  done
done
