#!/usr/bin/env bash
# Cluster Bootstrap through the Kubernetes API, without Kubernetes: builds the shaded jar and runs
# node/src/test/java/io/herald/node/KubernetesBootstrapCheck.java (three node processes at 127.0.0.1-3
# started at the same moment against a fake Kubernetes API on loopback; one cluster, a broadcast across
# all three, a fourth pod joins). About a minute; its ports are 14100-14199 (HERALD_CHECK_BASE_PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests install -pl protocol
mvn -B -pl node -Pkubernetes-bootstrap -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dskip.npm=true \
  -Dherald.check.base-port="${HERALD_CHECK_BASE_PORT:-14100}" verify
