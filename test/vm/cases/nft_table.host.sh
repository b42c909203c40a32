# Host companion of nft_table: the fake apiserver seeded with the packet
# filter's unit fixture (test/fixtures/k8s/filter.json: a dual-stack cluster
# that fills every set of kipvs's tables, and a Service with an invalid
# loadBalancerSourceRanges entry). The fake allocates IPv6 ClusterIPs from
# fd00:10:96::/112, so the fixture's fd00:96:: addresses move there.
. test/vm/files/daemon_companion.sh
companion_start
sed 's/fd00:96::/fd00:10:96::/g' test/fixtures/k8s/filter.json >"$companion_dir/cluster.json"
companion_seed "$companion_dir/cluster.json"
companion_serve
