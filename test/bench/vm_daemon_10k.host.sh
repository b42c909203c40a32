# Host companion of vm_daemon_10k.
BENCH_SVCS=10000
. test/bench/daemon_bench_host.sh
