# Host companion of daemon_apidown: the fake apiserver seeded with the
# k8s fixtures; the guest makes it fail through its control API.
. test/vm/files/daemon_companion.sh
companion_start --load "$FAKEAPI_FIXTURES/services.json" --load "$FAKEAPI_FIXTURES/endpointslices.json"
companion_serve
