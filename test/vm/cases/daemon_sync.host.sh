# Host companion of daemon_sync: the fake apiserver over HTTPS with a token,
# seeded with the reference fixtures; the guest gets a kubeconfig (server =
# the guest-side address), the CA and the token in $VM_HOST_FILES.
set -eu
. test/fakeapi/lib.sh
dir=$(mktemp -d)
fakeapi_start "$dir" --kubeconfig-server "https://$VM_APISERVER" \
	--load "$FAKEAPI_FIXTURES/services.json" --load "$FAKEAPI_FIXTURES/endpointslices.json" >&2
cp "$dir/kubeconfig" "$VM_HOST_FILES/kubeconfig"
cp "$FAKEAPI_CA" "$VM_HOST_FILES/ca.crt"
cp "$FAKEAPI_TOKEN_FILE" "$VM_HOST_FILES/token"
echo "$FAKEAPI_PORT"
wait "$FAKEAPI_PID"
