# Host companion of daemon_hcport: the fake apiserver, empty; the case
# creates its Services and EndpointSlices through the API.
. test/vm/files/daemon_companion.sh
companion_start
companion_serve
