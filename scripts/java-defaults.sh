# Sourced by scripts/herald, cluster.sh and fanout.sh: the node's JVM options when JAVA_OPTS is unset
# (JAVA_OPTS= gives the JVM's own defaults).
# - Parallel GC: less CPU per delivery, lower p99 and less memory per socket than G1 here.
# - A fixed 1 GiB young generation: a young collection costs about the same whatever its size (its
#   work is the live objects and the old objects written since the last one, and with 10k sockets
#   that is 15-90 ms), so fewer of them means fewer pauses; at 20k deliveries/s one comes every
#   2-3 minutes instead of every few seconds. The price is RSS: the node idles at about 1.2 GB.
# docs/benchmarks.md, "Garbage collector" and "The young generation".
HERALD_JAVA_OPTS_DEFAULT="-XX:+UseParallelGC -Xmn1g"
