# The apiserver goes away while Services are deleted, changed and added:
# kipvs leaves the table and kube-ipvs0 exactly as they are through several
# full syncs (no kernel write at all), then converges to the new state once
# the API is back. Twice: first a partition (the watches go silent and every
# new request hangs) during which the event history is compacted, so the
# watch gets 410 and kipvs relists: the deletions made meanwhile are applied;
# then a dead server (every request reset, the watches cut mid-line), after
# which the watches resume from where they were.
# vm-net: apiserver
# vm-timeout: 150

. test/vm/files/daemon_lib.sh

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

MP=application/merge-patch+json
trap 'echo "--- kipvs log"; cat "$VM_TMP/kipvs.log"' EXIT
must start_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 1s

fulls() { grep -c 'event=sync kind=full' "$VM_TMP/kipvs.log"; }
# The API's current objects, rendered for this node.
want() {
	api GET /api/v1/services >"$VM_TMP/svcs.json" &&
		api GET /apis/discovery.k8s.io/v1/endpointslices >"$VM_TMP/slices.json" || return 1
	./kipvs render -f "$VM_TMP/svcs.json" -f "$VM_TMP/slices.json" $NODE | sort >"$VM_TMP/want"
	./kipvs render -f "$VM_TMP/svcs.json" -f "$VM_TMP/slices.json" $NODE --bound | sort >"$VM_TMP/want_bound"
}
converged() {
	ipvsadm -S -n | sort | cmp -s - "$VM_TMP/want" && bound | cmp -s - "$VM_TMP/want_bound"
}
fired() { # TYPE N — that fault has fired N times
	_f=$(ctl GET /_fake/faults | tr -d ' ' | sed -n "s/.*\"type\":\"$1\"[^}]*\"fired\":\([0-9]*\).*/\1/p")
	[ "${_f:-0}" -ge "$2" ]
}
# partition: open watches go silent, new requests hang.
partition() {
	ctl POST /_fake/faults '{"type":"hang","method":"GET","count":-1}' >/dev/null &&
		ctl POST /_fake/faults '{"type":"watch-stall","count":-1}' >/dev/null &&
		wait_until 20 fired watch-stall 2
}
# server_dead: new requests are reset, open watches cut mid-line.
server_dead() {
	ctl POST /_fake/faults '{"type":"refuse","method":"GET","count":-1}' >/dev/null &&
		ctl POST /_fake/faults '{"type":"watch-drop","immediate":true,"count":-1}' >/dev/null &&
		wait_until 20 fired refuse 2
}
# outage NAME: while the API is down, the kernel must not change.
outage() {
	ipvsadm -S -n >"$VM_TMP/table.$1"
	bound >"$VM_TMP/bound.$1"
	writes=$(metric kipvs_kernel_writes_total)
	f0=$(fulls)
}
# still_untouched NAME: three more full syncs ran, nothing was written.
still_untouched() {
	f1=$(($(fulls) - f0))
	diag "full syncs while the API was down: $f1"
	check "$1_syncs_ran" test "$f1" -ge 3
	check_same "$1_table_untouched" "cat $VM_TMP/table.$1" "ipvsadm -S -n"
	check_same "$1_bound_untouched" "cat $VM_TMP/bound.$1" bound
	check_eq "$1_no_kernel_writes" "$writes" "$(metric kipvs_kernel_writes_total)"
}
# api_up NAME: faults gone; the table must become what the API says.
api_up() {
	must ctl DELETE /_fake/faults
	_now
	_t0=$NOW
	want || return 1
	wait_until 60 converged
	_rc=$?
	_now
	diag "converged $(((NOW - _t0) / 1000)) ms after the API came back"
	check_eq "$1_converged" 0 $_rc
	check_same "$1_table" "cat $VM_TMP/want" "ipvsadm -S -n | sort"
	check_same "$1_bound" "cat $VM_TMP/want_bound" bound
}

# --- 1: a partition, the history compacted meanwhile: 410 and a relist -------
outage down1
check partition partition
check delete_frontend api DELETE /api/v1/namespaces/shop/services/frontend
check delete_dns_slice api DELETE /apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns-7xq2n
check scale_catalog api PATCH /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/catalog-8wd7c \
	'{"endpoints":[{"addresses":["10.244.1.20"],"conditions":{"ready":true}},{"addresses":["10.244.1.21"],"conditions":{"ready":true}}]}' $MP
check compact ctl POST /_fake/compact
f=$(($(fulls) + 3))
enough_fulls() { [ "$(fulls)" -ge "$f" ]; }
wait_until 20 enough_fulls
still_untouched down1
# A one-shot read during the partition gives up at its deadline, and says so.
./kipvs diff --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE --timeout 3s >"$VM_TMP/diff.out" 2>"$VM_TMP/diff.err"
check_eq diff_deadline_exit_2 2 "$?"
check diff_deadline_said grep -q 'did not answer every list within 3s (--timeout)' "$VM_TMP/diff.err"
check diff_deadline_logged grep -q 'event=api_timeout seconds=3 waiting_for=.*services' "$VM_TMP/diff.err"
api_up up1
check relisted grep -Eq 'event=relist resource=(services|endpointslices) reason=410' "$VM_TMP/kipvs.log"
check frontend_gone sh -c '! ipvsadm -S -n | grep -Eq "10.96.120.15:|172.18.0.2:30080 "'
check dns_dests_gone sh -c '! ipvsadm -S -n | grep -q -- "-r 10.244.0.3:"'
check catalog_scaled sh -c 'ipvsadm -S -n | grep -q -- "-a -t 10.96.33.44:80 -r 10.244.1.21:8080 "'

# --- 2: the server dead for a while; the watches resume ------------------------
outage down2
check server_dead server_dead
check delete_checkout api DELETE /api/v1/namespaces/shop/services/checkout
check add_late api POST /api/v1/namespaces/default/services \
	'{"apiVersion":"v1","kind":"Service","metadata":{"name":"late","namespace":"default"},"spec":{"clusterIP":"10.96.50.1","clusterIPs":["10.96.50.1"],"ports":[{"name":"a","protocol":"TCP","port":80,"targetPort":8080}]}}'
f=$(($(fulls) + 3))
wait_until 20 enough_fulls
still_untouched down2
api_up up2
check checkout_gone sh -c '! ipvsadm -S -n | grep -q "10.96.200.7:"'
check late_added sh -c 'ipvsadm -S -n | grep -q -- "-A -t 10.96.50.1:80 "'
check kipvs_still_running kill -0 "$KIPVS_PID"
stop_kipvs
check_eq clean_exit 0 $?
