/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_desired_health_ports(): which Services get a health-check node port
 * (kube-proxy's NeedsHealthCheck: LoadBalancer + externalTrafficPolicy
 * Local + healthCheckNodePort) and how many local ready endpoints each
 * reports (kube-proxy's LocalReadyEndpoints: distinct addresses, ready only,
 * on this node, over all ports).
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "test_sync_fx.h"

#define NODE "node-a"

static void init(struct fx *f)
{
	fx_init(f);
	assert_int_equal(sync_node_set_name(&f->node, NODE), 0);
}

/* A LoadBalancer Service, externalTrafficPolicy Local, ports http and https. */
static struct kube_service *lb_local(const char *ns_name, const char *cips, uint16_t hc)
{
	struct kube_service *s = fx_service(ns_name, cips);

	s->type = KUBE_SVC_LOAD_BALANCER;
	s->external_policy = KUBE_POLICY_LOCAL;
	s->health_check_node_port = hc;
	fx_port(s, "http", IPPROTO_TCP, 80, 30080);
	fx_port(s, "https", IPPROTO_TCP, 443, 30443);
	return s;
}

/* A slice of @svc with ports http (8080) and https (8443). */
static struct kube_endpoint_slice *web_slice(const char *ns_name, const char *svc, uint16_t af)
{
	struct kube_endpoint_slice *sl = fx_slice(ns_name, svc, af);

	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	fx_slice_port(sl, "https", IPPROTO_TCP, 8443);
	return sl;
}

static void get(struct fx *f, struct sync_health_port **v, size_t *n)
{
	assert_int_equal(sync_desired_health_ports(f->st, &f->node, v, n), 0);
}

static void counts_distinct_local_ready_addresses(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;
	struct sync_health_port *v;
	size_t n;

	init(&f);
	fx_add_svc(&f, lb_local("shop/web", "10.96.0.10", 32000));
	sl = web_slice("shop/web-1", "web", AF_INET);
	fx_ep(sl, "10.244.1.1", NODE, FX_RS);       /* counted once for both ports */
	fx_ep(sl, "10.244.1.2", NODE, FX_RS);       /* counted */
	fx_ep(sl, "10.244.1.3", NODE, FX_S | FX_T); /* terminating: not counted */
	fx_ep(sl, "10.244.1.4", NODE, 0);           /* not ready: not counted */
	fx_ep(sl, "10.244.2.1", "node-b", FX_RS);   /* another node */
	fx_ep(sl, "10.244.2.2", NULL, FX_RS);       /* no node: not local */
	fx_add_slice(&f, sl);
	/* The same pod again in a second slice (only for https). */
	sl = fx_slice("shop/web-2", "web", AF_INET);
	fx_slice_port(sl, "https", IPPROTO_TCP, 8443);
	fx_ep(sl, "10.244.1.1", NODE, FX_RS);
	fx_ep(sl, "10.244.1.5", NODE, FX_RS); /* only behind https: counted */
	fx_add_slice(&f, sl);
	get(&f, &v, &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].namespace, "shop");
	assert_string_equal(v[0].name, "web");
	assert_int_equal(v[0].port, 32000);
	assert_int_equal(v[0].local_endpoints, 3);
	free(v);
	fx_fini(&f);
}

static void no_local_endpoint_counts_zero(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;
	struct sync_health_port *v;
	size_t n;

	init(&f);
	fx_add_svc(&f, lb_local("shop/web", "10.96.0.10", 32000));
	fx_add_svc(&f, lb_local("shop/empty", "10.96.0.11", 32001)); /* no slice at all */
	sl = web_slice("shop/web-1", "web", AF_INET);
	fx_ep(sl, "10.244.2.1", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	get(&f, &v, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "empty"); /* sorted by namespace, name */
	assert_int_equal(v[0].local_endpoints, 0);
	assert_int_equal(v[0].port, 32001);
	assert_string_equal(v[1].name, "web");
	assert_int_equal(v[1].local_endpoints, 0);
	free(v);
	fx_fini(&f);
}

/* Only LoadBalancer + Local + a port, as kube-proxy's NeedsHealthCheck. */
static void which_services(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct sync_health_port *v;
	size_t n;

	init(&f);
	s = lb_local("a/cluster-policy", "10.96.0.1", 32001);
	s->external_policy = KUBE_POLICY_CLUSTER;
	fx_add_svc(&f, s);
	s = lb_local("a/nodeport", "10.96.0.2", 32002);
	s->type = KUBE_SVC_NODE_PORT; /* Local, but not a LoadBalancer */
	fx_add_svc(&f, s);
	fx_add_svc(&f, lb_local("a/no-port", "10.96.0.3", 0));
	s = lb_local("a/other-proxy", "10.96.0.4", 32004);
	s->proxy_name = strdup("mesh");
	fx_add_svc(&f, s);
	s = fx_service("a/unusable", "10.96.0.5");
	s->type = KUBE_SVC_LOAD_BALANCER;
	s->external_policy = KUBE_POLICY_LOCAL;
	s->health_check_node_port = 32005;
	fx_port(s, "weird", 0, 80, 0); /* no port kipvs programs */
	unit_log_start();              /* the store logs the port once */
	fx_add_svc(&f, s);
	unit_log_stop();
	s = fx_service("a/no-ports", "10.96.0.6");
	s->type = KUBE_SVC_LOAD_BALANCER;
	s->external_policy = KUBE_POLICY_LOCAL;
	s->health_check_node_port = 32006;
	fx_add_svc(&f, s);
	fx_add_svc(&f, lb_local("b/yes", "10.96.0.7", 32007));
	fx_add_svc(&f, lb_local("a/yes", "10.96.0.8", 32008));
	get(&f, &v, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].namespace, "a");
	assert_string_equal(v[0].name, "yes");
	assert_int_equal(v[0].port, 32008);
	assert_string_equal(v[1].namespace, "b");
	assert_int_equal(v[1].port, 32007);
	free(v);
	assert_false(sync_desired_needs_health_check(NULL));
	fx_fini(&f);
}

/* kube-proxy counts per family; kipvs takes the primary (first clusterIP). */
static void dual_stack_counts_primary_family(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;
	struct sync_health_port *v;
	size_t n;

	init(&f);
	fx_add_svc(&f, lb_local("shop/v6first", "fd00:96::10,10.96.0.10", 32000));
	sl = web_slice("shop/v6first-4", "v6first", AF_INET);
	fx_ep(sl, "10.244.1.1", NODE, FX_RS);
	fx_ep(sl, "10.244.1.2", NODE, FX_RS);
	fx_add_slice(&f, sl);
	sl = web_slice("shop/v6first-6", "v6first", AF_INET6);
	fx_ep(sl, "fd00:244:1::1", NODE, FX_RS);
	fx_add_slice(&f, sl);
	get(&f, &v, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].local_endpoints, 1);
	free(v);
	fx_fini(&f);
}

/* Changes show at the next call: the daemon calls it after every pass. */
static void follows_the_store(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;
	struct sync_health_port *v;
	size_t n;

	init(&f);
	get(&f, &v, &n);
	assert_int_equal(n, 0);
	assert_null(v);
	fx_add_svc(&f, lb_local("shop/web", "10.96.0.10", 32000));
	sl = web_slice("shop/web-1", "web", AF_INET);
	fx_ep(sl, "10.244.1.1", NODE, FX_RS);
	fx_add_slice(&f, sl);
	get(&f, &v, &n);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].local_endpoints, 1);
	free(v);
	/* The pod starts terminating: no longer counted. */
	sl = web_slice("shop/web-1", "web", AF_INET);
	fx_ep(sl, "10.244.1.1", NODE, FX_S | FX_T);
	fx_add_slice(&f, sl);
	get(&f, &v, &n);
	assert_int_equal(v[0].local_endpoints, 0);
	free(v);
	sync_store_delete_service(f.st, "shop", "web");
	get(&f, &v, &n);
	assert_int_equal(n, 0);
	fx_fini(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(counts_distinct_local_ready_addresses),
	cmocka_unit_test(no_local_endpoint_counts_zero),
	cmocka_unit_test(which_services),
	cmocka_unit_test(dual_stack_counts_primary_family),
	cmocka_unit_test(follows_the_store),
};

UNIT_MAIN(tests)
