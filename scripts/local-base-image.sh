#!/usr/bin/env bash
# Assembles a stand-in for the base image eclipse-temurin:17-jre from this machine's own Java 17, as a
# `docker save` tarball, so that the image can be built where registries cannot be reached:
#   scripts/local-base-image.sh /tmp/base.tar
#   mvn -pl node -Djib.from.image=tar:///tmp/base.tar jib:buildTar    # -> node/target/jib-image.tar
# The stand-in holds the Java runtime at /opt/java/openjdk (where eclipse-temurin has it) with JAVA_HOME
# and PATH set as there, and nothing else (no C library): it checks how the image is put together, not
# that it runs. Build real images from eclipse-temurin:17-jre.
set -euo pipefail
out="${1:?output tarball}"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/opt/java"
# -L: Debian's JDK links parts of itself into /etc; the image needs the files
mkdir -p "$work/root/opt/java/openjdk"
(cd "$java_home" && tar -chf - --exclude=./jmods --exclude=./include --exclude=./man --exclude=./docs --exclude=./lib/src.zip .) |
  tar -C "$work/root/opt/java/openjdk" -xf -
tar -C "$work/root" --owner=0 --group=0 --numeric-owner --sort=name --mtime=@0 -cf "$work/layer.tar" opt
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java/openjdk"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created_by":"scripts/local-base-image.sh: $java_home at /opt/java/openjdk"}]}
JSON
cat >"$work/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["herald-local-base:17-jre"],"Layers":["layer.tar"]}]
JSON
tar -C "$work" -cf "$out" manifest.json config.json layer.tar
echo "$out: Java $("$java_home/bin/java" -version 2>&1 | head -1) at /opt/java/openjdk, $(du -h "$out" | cut -f1)"
