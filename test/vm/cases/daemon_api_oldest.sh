# kipvs run against the oldest API server it supports (the fake as 1.20: no
# discovery.k8s.io/v1, no spec.clusterIP field selector, no ipMode or
# trafficDistribution): it falls back to core/v1 Endpoints and to the Service
# list without the selector, reaches READY, and programs exactly what
# `kipvs render` reads from the same server. The node's admin raised conntrack
# settings above kube-proxy's values: they stay (only lower ones are raised).
# A request the server then refuses for good is said once, counted, fails
# /healthz, is retried at the longest backoff, and recovers when accepted.
# vm-net: apiserver
# vm-netns: init
# vm-timeout: 300

. test/vm/files/daemon_lib.sh

must ip link add eth9 type dummy
must ip addr add 172.18.0.2/24 dev eth9
must ip link set eth9 up

# The admin's settings: larger than kipvs's (kept) and smaller (raised).
NF=/proc/sys/net/netfilter
HS=/sys/module/nf_conntrack/parameters/hashsize
hs0=$(cat $HS)
trap 'echo $hs0 >$HS; echo "--- kipvs log"; cat "$VM_TMP/kipvs.log"' EXIT
must sh -c "echo 1048576 >$NF/nf_conntrack_max"
must sh -c "echo 262144 >$HS"
must sh -c "echo 432000 >$NF/nf_conntrack_tcp_timeout_established"
must sh -c "echo 60 >$NF/nf_conntrack_tcp_timeout_close_wait"

must start_kipvs "$VM_TMP/kipvs.log" --ipvs-sync-period 5s
L=$VM_TMP/kipvs.log
check ready grep -q 'event=ready' "$L"
check server_version_logged grep -q 'event=api_server version=v1.20.0-kipvs-fake' "$L"
check endpoints_fallback grep -q 'event=endpoints_api using=endpoints reason=.*no discovery.k8s.io/v1' "$L"
check_eq field_selector_dropped_once 1 "$(grep -c 'event=api_compat resource=services field_selector=off' "$L")"

# The kernel holds what render reads from the same server, no more, no less.
./kipvs render --kubeconfig "$VM_HOST_FILES/kubeconfig" $NODE 2>"$VM_TMP/render.log" | sort >"$VM_TMP/want"
check render_from_api grep -q '^-A' "$VM_TMP/want"
check_same table_equals_render "cat $VM_TMP/want" "ipvsadm -Sn | sort"
check_eq healthz_200 200 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/healthz)"

check_eq conntrack_max_kept 1048576 "$(cat $NF/nf_conntrack_max)"
check_eq hashsize_kept 262144 "$(cat $HS)"
check_eq established_kept 432000 "$(cat $NF/nf_conntrack_tcp_timeout_established)"
check_eq close_wait_raised 3600 "$(cat $NF/nf_conntrack_tcp_timeout_close_wait)"
check kept_logged grep -q 'event=sysctl_kept key=net/netfilter/nf_conntrack_tcp_timeout_established value=432000 wanted=86400' "$L"
check_eq kept_logged_once 1 "$(grep -c 'event=sysctl_kept key=net/netfilter/nf_conntrack_max ' "$L")"

# The server now refuses the Endpoints watch (400) and ends the open one.
must ctl POST /_fake/faults '{"type":"status","code":400,"resource":"endpoints","verb":"watch","count":-1,"message":"watch refused for this test"}'
must ctl POST /_fake/faults '{"type":"watch-end","resource":"endpoints"}'
check rejected_logged wait_until 30 grep -q 'event=api_rejected resource=endpoints op=watch .*status=400 .*message="watch refused for this test"' "$L"
check_eq healthz_503 503 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/healthz)"
check_eq livez_200 200 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/livez)"
check rejected_metric sh -c "curl -s http://127.0.0.1:10249/metrics | grep -q '^kipvs_api_rejected_total{resource=\"endpoints\",code=\"400\"} [1-9]'"
# The second refusal comes after the longest backoff (30 s), counted, not logged again.
check refused_again wait_until 45 sh -c "curl -s http://127.0.0.1:10249/metrics | grep -q '^kipvs_api_rejected_total{resource=\"endpoints\",code=\"400\"} [2-9]'"
check_eq rejected_said_once 1 "$(grep -c 'event=api_rejected' "$L")"
check_same table_untouched "cat $VM_TMP/want" "ipvsadm -Sn | sort"
must ctl DELETE /_fake/faults
check recovered wait_until 45 grep -q 'event=api_rejected_recovered resource=endpoints' "$L"
check_eq healthz_200_again 200 "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:10256/healthz)"
stop_kipvs
