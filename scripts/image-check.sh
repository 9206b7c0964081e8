#!/usr/bin/env bash
# Checks the container image as far as a machine without Docker or registry access can:
#   1. assembles a stand-in base image from this machine's Java (scripts/local-base-image.sh);
#   2. builds the image with Jib on it (jib:buildTar -> node/target/jib-image.tar);
#   3. prints the image's configuration (user, ports, environment, entrypoint);
#   4. unpacks its layers and runs its entrypoint from them, with its JAVA_TOOL_OPTIONS, as its user
#      (uid 10001; needs root for setpriv), until GET /ready answers 200, then stops it with SIGTERM.
# Not checked: the real eclipse-temurin:17-jre base, a container runtime, the Dockerfile (no Docker here).
# Ports: HERALD_CHECK_BASE_PORT (14410) and the next three.
set -euo pipefail
cd "$(dirname "$0")/.."
base_port="${HERALD_CHECK_BASE_PORT:-14410}"
work=$(mktemp -d /tmp/herald-image-check.XXXXXX)
chmod 755 "$work"
scripts/local-base-image.sh "$work/base.tar"
mvn -B -q -pl protocol -DskipTests install
mvn -B -q -pl node -DskipTests -Dskip.npm=true compile jib:buildTar -Djib.from.image="tar://$work/base.tar"
mkdir -p "$work/image/rootfs"
tar -C "$work/image" -xf node/target/jib-image.tar
config=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['Config'])" "$work/image/manifest.json")
python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['config']; print(json.dumps({k: c.get(k) for k in ['User','ExposedPorts','Env','Entrypoint']}, indent=1))" "$work/image/$config"
for layer in $(python3 -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))[0]['Layers']))" "$work/image/manifest.json"); do
  tar -C "$work/image/rootfs" -xzf "$work/image/$layer" 2>/dev/null
done
root="$work/image/rootfs"
# The entrypoint is `java -cp @/app/jib-classpath-file <main>`: the same, with /app where it was unpacked.
sed "s#/app/#$root/app/#g" "$root/app/jib-classpath-file" >"$work/classpath"
chmod -R o+rX "$work"
user=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['config']['User'])" "$work/image/$config")
tool_options=$(python3 -c "import json,sys; print([e.split('=',1)[1] for e in json.load(open(sys.argv[1]))['config']['Env'] if e.startswith('JAVA_TOOL_OPTIONS=')][0])" "$work/image/$config")
env -i PATH="$root/opt/java/openjdk/bin:/usr/bin:/bin" JAVA_HOME="$root/opt/java/openjdk" JAVA_TOOL_OPTIONS="$tool_options" \
  HERALD_HTTP_PORT="$base_port" HERALD_API_PORT=$((base_port + 1)) HERALD_MANAGEMENT_PORT=$((base_port + 2)) \
  HERALD_CLUSTER_PORT=$((base_port + 3)) HERALD_WARM_UP=false \
  setpriv --reuid="${user%%:*}" --regid="${user##*:}" --clear-groups \
  "$root/opt/java/openjdk/bin/java" -cp "@$work/classpath" "$(cat "$root/app/jib-main-class-file")" >"$work/node.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for i in $(seq 1 180); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((base_port + 2))/ready" || true)
  [ "$code" = 200 ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the image's entrypoint exited; $work/node.log" >&2; exit 1; }
  sleep 1
done
[ "$code" = 200 ] || { echo "not ready in 180 s; $work/node.log" >&2; exit 1; }
echo "image entrypoint ready after ${i} s as uid $(awk '/^Uid/ {print $2}' /proc/$pid/status), RSS $(awk '/^VmRSS/ {print $2 $3}' /proc/$pid/status)"
kill -TERM "$pid"; wait "$pid" || true
if grep -q ' ERROR ' "$work/node.log"; then echo "errors in $work/node.log" >&2; exit 1; fi
echo "ok: $work"
