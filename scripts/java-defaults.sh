# Sourced by scripts/herald, cluster.sh and fanout.sh: the node's JVM options when JAVA_OPTS is unset
# (JAVA_OPTS= gives the JVM's own defaults). docs/benchmarks.md, "Garbage collector" and "The young
# generation".
# - Parallel GC: less CPU per delivery, lower p99 and less memory per socket than G1 here.
# - -Xmn1g, a fixed 1 GiB young generation: a young collection's pause does not grow with the young
#   generation (its work is the live objects and the old ones written since the last collection;
#   15-90 ms with 10k sockets), so a big one means few pauses: one every 2-3 minutes at 20k
#   deliveries/s. The price is RSS: the node idles at about 1.25 GB.
# - -XX:MaxTenuringThreshold=0: what outlives a collection is sockets, channels and topics, so it goes
#   straight to the old generation. Otherwise the sockets' state sits in a survivor space and is
#   copied again by each of the next 7-15 collections (70-150 ms each with 10k sockets).
# - -Xms2g: room in the old generation from the start. Without it the old generation starts at a few
#   MB and Parallel GC runs a full collection (100-290 ms) when it expects a promotion not to fit.
HERALD_JAVA_OPTS_DEFAULT="-XX:+UseParallelGC -Xms2g -Xmn1g -XX:MaxTenuringThreshold=0"
