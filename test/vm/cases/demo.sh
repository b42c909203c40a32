# make demo as a case: kipvs run in the VM against the fake apiserver with the
# demo cluster (ClusterIP, NodePort, LoadBalancer, ClientIP affinity,
# headless, ExternalName; pods as network namespaces): the table equals
# `kipvs render`, kube-ipvs0 holds the service IPs, traffic spreads over the
# pods, a scale-down through the API takes the pod out, the metrics agree
# with the kernel, and SIGTERM leaves the table. test/demo/run.sh shows it.
# vm-net: apiserver
# vm-timeout: 150
. test/demo/guest.sh
