# The body of the daemon benchmarks' host companions (bash, sourced, with
# BENCH_SVCS set): generates the cluster into $VM_HOST_FILES (the guest renders
# the same files), prints the port, then seeds the fake apiserver; the guest
# waits until it holds every object.
. test/vm/files/daemon_companion.sh
python3 test/bench/gen_cluster.py --services "$BENCH_SVCS" --endpoints 10 \
	"$VM_HOST_FILES/services.json" "$VM_HOST_FILES/slices.json"
companion_start
companion_port
companion_seed "$VM_HOST_FILES/services.json" "$VM_HOST_FILES/slices.json"
wait "$FAKEAPI_PID"
