#!/usr/bin/env bash
# make demo: kipvs on an embedded default cluster, shown step by step.
#
# One qemu VM (Debian's cloud kernel, real IPVS) runs the VM case
# test/demo/demo.sh: pods as network namespaces, `kipvs run` against the fake
# kube-apiserver on this host (test/demo/demo.host.sh, serving
# test/demo/cluster.json), then the table, kube-ipvs0, traffic spread, a
# scale-down through the API, the metrics and a stop. Its lines stream to this
# terminal; every outcome is also a check. Exit status 0 only when all checks
# passed. The checks' TAP: build/vm/demo.tap; logs: build/vm/logs/demo.log,
# build/vm/demo.host.log. CI runs this script (test/host/demo.sh).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
start=$(date +%s.%N)
mkdir -p build/vm
tap=build/vm/demo.tap

echo "kipvs demo: a qemu VM with the real kernel IPVS; the fake kube-apiserver runs on this"
echo "host and is the only address the VM can reach. Booting (10-30 s under emulation)..."
# run.sh streams the demo's lines on its stderr: they go to our stdout. Its
# TAP (stdout) is kept for the verdict; only the boot line is shown.
(
	test/vm/run.sh --stream test/demo/demo.sh 2>&3 | tee "$tap" |
		sed -un 's/^# guest \(.*\) up after \([0-9.]*\) s .*/VM up (kernel \1) after \2 s./p'
	exit "${PIPESTATUS[0]}"
) 3>&1
rc=$?
took=$(echo "$(date +%s.%N) $start" | awk '{ printf "%.0f", $1 - $2 }')
pass=$(grep -c '^ok ' "$tap")
skipped=$(grep -c '^ok .* # SKIP' "$tap")
failed=$(grep -c '^not ok ' "$tap")
echo
if [ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$pass" -gt 0 ]; then
	note=
	[ "$skipped" -gt 0 ] && note=" ($skipped skipped: $(sed -n 's/^ok .* # SKIP //p' "$tap" | paste -sd ';'))"
	echo "make demo: all $((pass - skipped)) checks passed$note in $took s, boot included."
	exit 0
fi
{
	echo "make demo: FAILED ($failed failed, $((pass - skipped)) passed; exit status $rc of test/vm/run.sh) after $took s:"
	# Each failure with its diagnostics (the # lines after it).
	awk '/^not ok / { show = 1; print; next } /^ok / { show = 0 } show && /^#/ { print }' "$tap"
	echo "Logs: build/vm/logs/demo.log (the VM side), build/vm/demo.host.log (the fake apiserver),"
	echo "build/vm/console.log (the VM's kernel console)."
} >&2
exit 1
