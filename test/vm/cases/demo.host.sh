# Host companion of the demo case: the fake apiserver with the demo cluster.
. test/demo/host.sh
