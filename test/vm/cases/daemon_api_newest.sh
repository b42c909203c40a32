# kipvs run against the newest API server modelled (the fake as 1.37): the
# Service list keeps its spec.clusterIP field selector, EndpointSlices are
# read, kipvs reaches READY and programs exactly what `kipvs render` reads
# from the same server.
# vm-net: apiserver
# vm-timeout: 150

. test/vm/files/daemon_lib.sh

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up
trap 'echo "--- kipvs log"; cat "$VM_TMP/kipvs.log"' EXIT
must start_kipvs "$VM_TMP/kipvs.log"
L=$VM_TMP/kipvs.log
check ready grep -q 'event=ready' "$L"
check server_version_logged grep -q 'event=api_server version=v1.37.0-kipvs-fake' "$L"
check endpointslices grep -q 'event=endpoints_api using=endpointslices' "$L"
check_not no_api_compat grep -q 'event=api_compat' "$L"
check_not no_api_rejected grep -q 'event=api_rejected' "$L"
./kipvs render --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE 2>"$VM_TMP/render.log" | sort >"$VM_TMP/want"
check render_from_api grep -q '^-A' "$VM_TMP/want"
check_same table_equals_render "cat $VM_TMP/want" "ipvsadm -Sn | sort"
check_eq healthz_200 200 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/healthz)"
stop_kipvs
