# Host companion of vm_daemon_1k.
BENCH_SVCS=1000
. test/bench/daemon_bench_host.sh
