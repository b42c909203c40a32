# Host companion of daemon_api_oldest: the fake apiserver as Kubernetes 1.20.
. test/vm/files/daemon_companion.sh
companion_start --version 1.20 --load "$FAKEAPI_FIXTURES/services.json" \
	--load "$FAKEAPI_FIXTURES/endpointslices.json" --load "$FAKEAPI_FIXTURES/endpoints.json"
companion_serve
