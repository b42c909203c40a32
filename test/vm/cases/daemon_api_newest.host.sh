# Host companion of daemon_api_newest: the fake apiserver as Kubernetes 1.37.
. test/vm/files/daemon_companion.sh
companion_start --version 1.37 --load "$FAKEAPI_FIXTURES/services.json" \
	--load "$FAKEAPI_FIXTURES/endpointslices.json"
companion_serve
