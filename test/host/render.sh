#!/usr/bin/env bash
# kipvs render: golden outputs over the k8s fixtures in test/fixtures/k8s, input
# forms, error handling, and the ipvsadm -R grammar of every line (TAP output).
#
# Golden files live in test/golden/render/; lines starting with '#' explain
# which rule produces each group of lines and are stripped before comparing.
# They were written by reasoning from kube-proxy's rules over the fixtures,
# then checked against the program.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
fx="$root/test/fixtures/k8s"
gold="$root/test/golden/render"
bin="$root/build/san/kipvs"
[ -x "$bin" ] || bin="$root/kipvs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -40 | sed 's/^/# /'
}

if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP kipvs not built"
	exit 77
fi

# golden NAME EXPECTED-FILE ARGS...
golden() {
	local name=$1 exp=$2 rc
	shift 2
	"$bin" render "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		notok "$name" "exit status $rc: $(cat "$tmp/err")"
	elif ! diff -u <(grep -v '^#' "$exp") "$tmp/out" >"$tmp/diff"; then
		notok "$name" "$(cat "$tmp/diff")"
	else
		ok "$name"
	fi
}

slices=(-f "$fx/services.json" -f "$fx/endpointslices.json")
golden "golden node-a (slices)" "$gold/node-a.txt" "${slices[@]}" \
	--hostname-override node-a --node-ip 172.18.0.2 --node-zone zone-a
golden "golden node-b (ETP Local with a local endpoint)" "$gold/node-b.txt" "${slices[@]}" \
	--hostname-override node-b --node-ip 172.18.0.3 --node-zone zone-a
golden "golden node-c (zone-b hints, wlc)" "$gold/node-c.txt" "${slices[@]}" \
	--hostname-override node-c --node-ip 172.18.0.4 --node-zone zone-b --ipvs-scheduler wlc
golden "golden node-a --bound" "$gold/node-a.bound.txt" "${slices[@]}" \
	--hostname-override node-a --node-ip 172.18.0.2 --bound
golden "golden node-a (core/v1 Endpoints)" "$gold/node-a-endpoints.txt" \
	-f "$fx/services.json" -f "$fx/endpoints.json" \
	--hostname-override node-a --node-ip 172.18.0.2 --node-zone zone-a
golden "golden generic List (annotations, Node zone, SCTP, IPv6)" "$gold/mixed-list.txt" \
	-f "$gold/mixed-list.json" --hostname-override node-x --node-ip 172.18.0.9 \
	--node-ip=fd00:18::9

# The invalid object of mixed-list.json is named on stderr, and so is the
# unknown scheduler annotation; the rest is still rendered (exit 0).
"$bin" render -f "$gold/mixed-list.json" --hostname-override node-x >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'decode_invalid kind=Service.*metadata.name' "$tmp/err" &&
	grep -q 'scheduler_unknown obj=arcade/odd.*value=fastest' "$tmp/err" &&
	grep -q 'skipped 1 invalid object' "$tmp/err" &&
	grep -q 'no --node-ip: NodePorts get no virtual servers' "$tmp/err" &&
	! grep -q '30777' "$tmp/out" && grep -q '^-A -u 10.96.50.1:7777' "$tmp/out"; then
	ok "invalid objects reported on stderr and skipped"
else
	notok "invalid objects reported on stderr and skipped" "rc=$rc $(cat "$tmp/err")"
fi

# stdin, and several lists combined = one list.
cat "$fx/services.json" | "$bin" render -f - -f "$fx/endpointslices.json" \
	--hostname-override node-a --node-ip 172.18.0.2 --node-zone zone-a >"$tmp/out" 2>"$tmp/err"
if diff -q <(grep -v '^#' "$gold/node-a.txt") "$tmp/out" >/dev/null; then
	ok "stdin input (-f -)"
else
	notok "stdin input (-f -)" "$(cat "$tmp/err")"
fi

# A single object (not a list) is accepted.
python3 - "$fx/services.json" >"$tmp/one.json" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
svc = [i for i in items if i["metadata"]["name"] == "kubernetes"][0]
svc["kind"] = "Service"
svc["apiVersion"] = "v1"
print(json.dumps(svc))
EOF
out=$("$bin" render -f "$tmp/one.json" 2>&1)
if [ "$out" = "-A -t 10.96.0.1:443 -s rr" ]; then
	ok "single object input"
else
	notok "single object input" "$out"
fi

# Errors: no -f and no way to reach a cluster (exit 1, says what to pass),
# nothing readable (exit 1), partly readable (exit 0).
env -u KUBERNETES_SERVICE_HOST -u KUBERNETES_SERVICE_PORT -u KUBECONFIG "$bin" render >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'pass --kubeconfig FILE or --master URL' "$tmp/err"; then
	ok "no -f outside a cluster: says to pass --kubeconfig or --master, exit 1"
else
	notok "no -f outside a cluster" "rc=$rc $(cat "$tmp/err")"
fi
"$bin" render -f "$tmp/missing.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'missing.json' "$tmp/err" && grep -q 'nothing could be read' "$tmp/err"; then
	ok "unreadable file: exit 1"
else
	notok "unreadable file: exit 1" "rc=$rc $(cat "$tmp/err")"
fi
printf '{"kind": "List", "items": [' >"$tmp/bad.json"
"$bin" render -f "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'not valid JSON' "$tmp/err"; then
	ok "invalid JSON: exit 1"
else
	notok "invalid JSON: exit 1" "rc=$rc $(cat "$tmp/err")"
fi
"$bin" render -f "$tmp/bad.json" -f "$tmp/one.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = "-A -t 10.96.0.1:443 -s rr" ]; then
	ok "one bad file of two: the other is rendered, exit 0"
else
	notok "one bad file of two: the other is rendered, exit 0" "rc=$rc $(cat "$tmp/err")"
fi
"$bin" render -f "$tmp/one.json" --ipvs-scheduler fastest >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "unknown IPVS scheduler 'fastest'" "$tmp/err"; then
	ok "bad --ipvs-scheduler: exit 2"
else
	notok "bad --ipvs-scheduler: exit 2" "rc=$rc $(cat "$tmp/err")"
fi
"$bin" render --help >"$tmp/out" 2>&1
if grep -q -- '--nodeport-addresses' "$tmp/out"; then ok "--help"; else notok "--help"; fi

# --nodeport-addresses filters node addresses by family.
"$bin" render "${slices[@]}" --node-ip 172.18.0.2,10.1.0.2 --nodeport-addresses 10.1.0.0/16 \
	>"$tmp/out" 2>"$tmp/err"
if grep -q '^-A -t 10.1.0.2:30080 ' "$tmp/out" && ! grep -q '172.18.0.2:30080' "$tmp/out"; then
	ok "--nodeport-addresses"
else
	notok "--nodeport-addresses" "$(grep 30080 "$tmp/out")"
fi

# Every line keeps to ipvsadm -R's grammar, and every -a follows its -A.
ap='([0-9]{1,3}(\.[0-9]{1,3}){3}|\[[0-9a-f:]+\]):[0-9]{1,5}'
svc="(-t|-u|--sctp-service) $ap"
re_a="^-A $svc -s [a-z]+( -p [0-9]+)?( -M [0-9.]+)?( --pe [a-z]+)?( -o)?( -b [a-z0-9,-]*)?\$"
re_d="^-a $svc -r $ap (-m|-g|-i) -w [0-9]+\$"
bad=""
lines=0
for f in "$gold"/*.txt; do
	case "$f" in *.bound.txt) continue ;; esac
	cur=""
	while IFS= read -r line; do
		lines=$((lines + 1))
		set -- $line
		if [[ $line =~ $re_a ]]; then
			cur="$2 $3"
		elif [[ $line =~ $re_d ]]; then
			[ "$2 $3" = "$cur" ] || bad+="$f: orphan: $line"$'\n'
		else
			bad+="$f: bad line: $line"$'\n'
		fi
	done < <(grep -v '^#' "$f")
done
if [ -z "$bad" ] && [ $lines -gt 100 ]; then
	ok "ipvsadm -R grammar of every golden line ($lines lines)"
else
	notok "ipvsadm -R grammar" "$bad"
fi

# Without -f: the same objects read from the API server (the fake, over
# HTTPS with a token) give the same table as the files.
. "$root/test/fakeapi/lib.sh"
if fakeapi_start "$tmp/api" --load "$fx/services.json" --load "$fx/endpointslices.json" 2>"$tmp/api.err"; then
	"$bin" render -f "$fx/services.json" -f "$fx/endpointslices.json" --hostname-override node-b \
		--node-ip 172.18.0.3 >"$tmp/files.out" 2>/dev/null
	"$bin" render --kubeconfig "$FAKEAPI_KUBECONFIG" --hostname-override node-b \
		--node-ip 172.18.0.3 >"$tmp/api.out" 2>"$tmp/api.log"
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$tmp/api.out" ] && cmp -s "$tmp/files.out" "$tmp/api.out"; then
		ok "render from the API server equals render of the same objects from files"
	else
		notok "render from the API server" "exit $rc; $(diff "$tmp/files.out" "$tmp/api.out" | head -20; tail -5 "$tmp/api.log")"
	fi
	"$bin" render --master https://127.0.0.1:1 >"$tmp/dead.out" 2>"$tmp/dead.err" &
	pid=$!
	sleep 3
	if grep -q '127.0.0.1:1' "$tmp/dead.err"; then
		ok "render against an unreachable API server names the URL while it retries"
	else
		notok "render against an unreachable API server" "$(cat "$tmp/dead.err")"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	fakeapi_stop
else
	notok "fake apiserver for render" "$(cat "$tmp/api.err")"
fi

# README's "Data path" example is kipvs render --nft's text (its IPv4 table),
# and nft (test/deps.sh installs it) accepts the whole rendering.
"$bin" render --nft -f "$fx/datapath-example.json" --hostname-override node-a \
	--node-ip 172.18.0.2 --cluster-cidr 10.244.0.0/16 >"$tmp/nft.out" 2>"$tmp/nft.err"
awk '/^## Data path/ { s = 1 } s && /^```$/ { if (b) exit; b = 1; next } b' README.md >"$tmp/readme.nft"
if [ -s "$tmp/readme.nft" ] && diff -u "$tmp/readme.nft" <(sed '/^table ip6 /,$d' "$tmp/nft.out") \
	>"$tmp/diff"; then
	ok "README's data path ruleset is kipvs render --nft of test/fixtures/k8s/datapath-example.json"
else
	notok "README's data path ruleset" "$(cat "$tmp/diff" "$tmp/nft.err")"
fi
if nft -c -f "$tmp/nft.out" 2>"$tmp/nftc.err"; then
	ok "nft -c accepts kipvs render --nft (both tables)"
else
	notok "nft -c accepts kipvs render --nft" "$(cat "$tmp/nftc.err")"
fi

echo "1..$n"
[ $fails -eq 0 ]
