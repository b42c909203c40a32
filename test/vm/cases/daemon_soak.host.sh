# Host companion of daemon_soak: the fake apiserver and the churn-and-faults
# driver (test/vm/files/soak_driver.py). KIPVS_SOAK_SECONDS (90) is how long
# the driver churns; KIPVS_SOAK_KINDS how many of its 12 kinds of fault it
# injects (7 in a run under 150 s, else all); KIPVS_SOAK_SEED repeats a run's
# random choices. The
# fake's token file holds two tokens: kipvs's (first line; the driver rotates
# it) and the test's own (user soak-driver), which the guest uses for its
# requests. The guest finds kipvs's first token in kipvs-token and the run's
# length in soak.env.
. test/vm/files/daemon_companion.sh
secs=${KIPVS_SOAK_SECONDS:-90}
case "$secs" in '' | *[!0-9]*) echo "KIPVS_SOAK_SECONDS must be whole seconds, not '$secs'" >&2; exit 1 ;; esac
if [ "$secs" -lt 150 ]; then kinds=${KIPVS_SOAK_KINDS:-7}; else kinds=${KIPVS_SOAK_KINDS:-12}; fi
newtok() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
kipvs_token=$(newtok)
test_token=$(newtok)
printf '%s\n%s,soak-driver\n' "$kipvs_token" "$test_token" >"$companion_dir/token"
companion_start
echo "$test_token" >"$VM_HOST_FILES/token"
echo "$kipvs_token" >"$VM_HOST_FILES/kipvs-token"
echo "SOAK_SECONDS=$secs" >"$VM_HOST_FILES/soak.env"
companion_port
python3 test/vm/files/soak_driver.py --url "$FAKEAPI_URL" --ca "$FAKEAPI_CA" \
	--token-file "$FAKEAPI_TOKEN_FILE" --driver-token "$test_token" --kipvs-token "$kipvs_token" \
	--seconds "$secs" --kinds "$kinds" ${KIPVS_SOAK_SEED:+--seed "$KIPVS_SOAK_SEED"} >&2 &
wait $!
wait "$FAKEAPI_PID"
