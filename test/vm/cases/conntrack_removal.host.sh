# Host companion of conntrack_removal: the fake apiserver, empty (default
# namespaces only); the case creates everything through the API.
. test/vm/files/daemon_companion.sh
companion_start
companion_serve
