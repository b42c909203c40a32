# Benchmark (VM): kipvs run with 1,000 Services x 10 endpoints served by the
# fake apiserver — cold start vs `kipvs render | ipvsadm -R`, the no-change
# resync, one endpoint change, peak RSS. See test/bench/daemon_bench.sh.
# vm-net: apiserver
# vm-timeout: 600
BENCH_SVCS=1000
. test/bench/daemon_bench.sh
