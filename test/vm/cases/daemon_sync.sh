# kipvs run against the fake apiserver (HTTPS, token): the initial sync of
# the fixture cluster equals `kipvs render` of the same objects, kube-ipvs0
# holds exactly the bound set, changes made through the API converge, and a
# restart over an unchanged cluster writes nothing.
# vm-net: apiserver
# vm-timeout: 240

F=test/fixtures/k8s
NODE="--hostname-override node-b --node-ip 172.18.0.2"
API="https://$VM_APISERVER"
TOKEN=$(cat "$VM_HOST_FILES/token")
api() { # METHOD PATH [BODY]
	curl -sS --cacert "$VM_HOST_FILES/ca.crt" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' -X "$1" "$API$2" ${3:+--data-binary "$3"}
}

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

start_kipvs() { # LOG
	./kipvs run --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE \
		--ipvs-sync-period 5s >"$1" 2>&1 &
	KIPVS_PID=$!
	wait_until 60 grep -q 'event=ready' "$1"
}

must start_kipvs "$VM_TMP/run1.log"
check ready grep -q 'event=ready' "$VM_TMP/run1.log"

./kipvs render -f $F/services.json -f $F/endpointslices.json $NODE | sort >"$VM_TMP/want"
ipvsadm -Sn | sort >"$VM_TMP/have"
check_same initial_sync_equals_render "cat $VM_TMP/want" "cat $VM_TMP/have"
./kipvs render -f $F/services.json -f $F/endpointslices.json $NODE --bound | sort >"$VM_TMP/want_bound"
ip -o addr show dev kube-ipvs0 | awk '{split($4, a, "/"); print a[1]}' | sort >"$VM_TMP/have_bound"
check_same bound_set "cat $VM_TMP/want_bound" "cat $VM_TMP/have_bound"
check kubernetes_first grep -q 'kind=kubernetes-first' "$VM_TMP/run1.log"

# Health and metrics, kube-proxy's endpoints and names.
check_eq healthz_200 200 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/healthz)"
check_eq livez_200 200 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/livez)"
curl -s http://127.0.0.1:10249/metrics >"$VM_TMP/metrics"
check_eq metric_virtual_servers "kipvs_virtual_servers $(grep -c '^-A' "$VM_TMP/want")" "$(grep '^kipvs_virtual_servers ' "$VM_TMP/metrics")"
check_eq metric_destinations "kipvs_destinations $(grep -c '^-a' "$VM_TMP/want")" "$(grep '^kipvs_destinations ' "$VM_TMP/metrics")"
check_eq metric_bound "kipvs_kube_ipvs0_addresses $(wc -l <"$VM_TMP/want_bound")" "$(grep '^kipvs_kube_ipvs0_addresses ' "$VM_TMP/metrics")"
check metric_sync_duration grep -q '^kubeproxy_sync_proxy_rules_duration_seconds_count [1-9]' "$VM_TMP/metrics"
check metric_last_sync grep -q '^kubeproxy_sync_proxy_rules_last_timestamp_seconds [1-9]' "$VM_TMP/metrics"
check metric_writes grep -q '^kipvs_kernel_writes_total [1-9]' "$VM_TMP/metrics"
check metric_empty_vs grep -q '^kipvs_virtual_servers_without_destinations{namespace="shop",name="search"' "$VM_TMP/metrics"

# A change through the API converges: frontend deleted -> its VSs and VIPs go.
must api DELETE /api/v1/namespaces/shop/services/frontend
check frontend_gone wait_until 20 sh -c '! ipvsadm -Sn | grep -q "10.96.120.15:"'
diag "$(grep 'kind=dirty' "$VM_TMP/run1.log" | tail -2)"

# Restart over an unchanged cluster: zero kernel writes.
kill $KIPVS_PID
wait $KIPVS_PID
ipvsadm -Sn >"$VM_TMP/before"
must start_kipvs "$VM_TMP/run2.log"
check restart_full_sync_ran grep -q 'event=sync kind=full .* changes=0 ' "$VM_TMP/run2.log"
# Zero kernel writes: no IPVS change, no address, no link, no sysctl written.
check_eq restart_no_writes "" "$(grep -E 'event=(sync|bind|unbind|link|sysctl_set|ipvs_timeouts) ' "$VM_TMP/run2.log" | grep -v ' changes=0 ')"
check_eq restart_writes_metric "kipvs_kernel_writes_total 0" "$(curl -s http://127.0.0.1:10249/metrics | grep '^kipvs_kernel_writes_total ')"
check_same restart_table_unchanged "cat $VM_TMP/before" "ipvsadm -Sn"
kill $KIPVS_PID
wait $KIPVS_PID
check_same table_left_after_stop "cat $VM_TMP/before" "ipvsadm -Sn"
echo "--- run1"; cat "$VM_TMP/run1.log"
echo "--- run2"; cat "$VM_TMP/run2.log"
