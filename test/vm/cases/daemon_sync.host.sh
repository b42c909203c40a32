# Host companion of daemon_sync: the fake apiserver over HTTPS with a token,
# seeded with the k8s fixtures; the guest gets a kubeconfig (server =
# the guest-side address), the CA and the token in $VM_HOST_FILES.
. test/vm/files/daemon_companion.sh
companion_start --load "$FAKEAPI_FIXTURES/services.json" --load "$FAKEAPI_FIXTURES/endpointslices.json"
companion_serve
