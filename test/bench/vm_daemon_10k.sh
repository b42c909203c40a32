# Benchmark (VM): kipvs run with 10,000 Services x 10 endpoints served by the
# fake apiserver — cold start vs `kipvs render | ipvsadm -R`, the no-change
# resync, one endpoint change, peak RSS. See test/bench/daemon_bench.sh.
# vm-net: apiserver
# vm-timeout: 1800
BENCH_SVCS=10000
. test/bench/daemon_bench.sh
