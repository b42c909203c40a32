# Host companion of the vm_conntrack benchmark: the fake apiserver, empty
# (default namespaces only); the benchmark creates everything through the API.
. test/vm/files/daemon_companion.sh
companion_start
companion_serve
