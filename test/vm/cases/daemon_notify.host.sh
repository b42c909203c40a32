# Host companion of daemon_notify: the fake apiserver seeded with the
# k8s fixtures (test/fixtures/k8s).
. test/vm/files/daemon_companion.sh
companion_start --load "$FAKEAPI_FIXTURES/services.json" --load "$FAKEAPI_FIXTURES/endpointslices.json"
companion_serve
