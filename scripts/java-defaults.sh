# Sourced by scripts/herald, cluster.sh and fanout.sh: the node's JVM options and start-up warm-up by
# profile. `herald_profile NAME` sets HERALD_JAVA_OPTS_DEFAULT (used when JAVA_OPTS is unset; JAVA_OPTS=
# gives the JVM's own defaults) and exports HERALD_WARM_UP unless it is set already.
#
# quick-start (scripts/herald's default): to try Herald. Ready in seconds, idles at 150-200 MB RSS.
# - Serial GC: no GC worker threads, the smallest footprint, no pause worth the name at a demo's load.
# - -XX:TieredStopAtLevel=1: the quick C1 compiler only. Start-up takes about a third less CPU (C2
#   compiles nothing for it) and the node idles ~20 MB smaller; the price is slower code at load, so
#   measure with the production profile.
# - -Xms32m: the heap starts small and grows with what the node holds (the JVM would start at 1/64 of
#   the machine's memory); -Xmx512m: a bound, ample for thousands of sockets (~4 KB of heap each).
# - No warm-up (HERALD_WARM_UP=false): the port opens as soon as the node is an Up member.
# scripts/herald adds a class-data archive of Herald's own classes to these (see there).
HERALD_JAVA_OPTS_QUICK_START="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms32m -Xmx512m"
#
# production (cluster.sh, fanout.sh, failover.sh and HERALD_PROFILE=production scripts/herald): the
# options every figure in docs/benchmarks.md was measured with ("Garbage collector", "The young
# generation"), and the JIT warm-up before the port opens (docs/configuration.md, "Start-up warm-up").
# - Parallel GC: less CPU per delivery, lower p99 and less memory per socket than G1 here.
# - -Xmn1g, a fixed 1 GiB young generation: a young collection's pause does not grow with the young
#   generation (its work is the live objects and the old ones written since the last collection;
#   15-90 ms with 10k sockets), so a big one means few pauses: one every 2-3 minutes at 20k
#   deliveries/s. The price is RSS: the node idles at up to 1.15-1.28 GB (docs/benchmarks.md).
# - -XX:MaxTenuringThreshold=0: what outlives a collection is sockets, channels and topics, so it goes
#   straight to the old generation. Otherwise the sockets' state sits in a survivor space and is
#   copied again by each of the next 7-15 collections (70-150 ms each with 10k sockets).
# - -Xms2g: room in the old generation from the start. Without it the old generation starts at a few
#   MB and Parallel GC runs a full collection (100-290 ms) when it expects a promotion not to fit.
HERALD_JAVA_OPTS_PRODUCTION="-XX:+UseParallelGC -Xms2g -Xmn1g -XX:MaxTenuringThreshold=0"

herald_profile() {
  case "$1" in
    quick-start)
      HERALD_JAVA_OPTS_DEFAULT="$HERALD_JAVA_OPTS_QUICK_START"
      export HERALD_WARM_UP="${HERALD_WARM_UP:-false}"
      ;;
    production)
      HERALD_JAVA_OPTS_DEFAULT="$HERALD_JAVA_OPTS_PRODUCTION"
      export HERALD_WARM_UP="${HERALD_WARM_UP:-true}"
      ;;
    *)
      echo "unknown profile '$1' (HERALD_PROFILE): quick-start or production" >&2
      exit 2
      ;;
  esac
  HERALD_PROFILE="$1"
}
