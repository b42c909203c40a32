/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which destinations each virtual server gets (as kube-proxy picks them): the
 * slice merge, endpoint conditions and the terminating fallback, ETP/ITP
 * Local with their fallbacks, topology hints, core/v1 Endpoints.
 * The node running the proxy is "node-a" in zone "zone-a" unless a test says
 * otherwise; its NodePort address is 172.18.0.2.
 */
#include "unit.h"

#include <netinet/in.h>

#include "test_sync_fx.h"

static void setup_node(struct fx *f)
{
	fx_init(f);
	assert_int_equal(sync_node_set_name(&f->node, "node-a"), 0);
	assert_int_equal(sync_node_set_zone(&f->node, "zone-a"), 0);
	fx_node_ips(f, "172.18.0.2");
}

static struct kube_service *web(const char *type)
{
	struct kube_service *s = fx_service("shop/web", "10.96.0.10");

	if (!strcmp(type, "NodePort")) {
		s->type = KUBE_SVC_NODE_PORT;
		fx_port(s, "http", IPPROTO_TCP, 80, 30080);
	} else {
		fx_port(s, "http", IPPROTO_TCP, 80, 0);
	}
	return s;
}

static struct kube_endpoint_slice *web_slice(const char *name)
{
	char key[64];
	struct kube_endpoint_slice *sl;

	snprintf(key, sizeof(key), "shop/%s", name);
	sl = fx_slice(key, "web", AF_INET);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	return sl;
}

static void ready_only(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	fx_add_svc(&f, web("ClusterIP"));
	/* shop/frontend-x7k2p in the fixtures: ready, not ready, terminating. */
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.12", "node-b", FX_RS);
	fx_ep(sl, "10.244.2.15", "node-c", 0);
	fx_ep(sl, "10.244.2.16", "node-c", FX_S | FX_T);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.12:8080 -m -w 1\n");
	fx_fini(&f);
}

static void terminating_fallback(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	fx_add_svc(&f, web("ClusterIP"));
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.2.15", "node-c", 0);           /* not ready, not serving */
	fx_ep(sl, "10.244.2.16", "node-c", FX_S | FX_T); /* serving + terminating */
	fx_ep(sl, "10.244.2.17", "node-c", FX_T);        /* terminating, not serving */
	fx_ep(sl, "10.244.2.18", "node-c", FX_S);        /* serving, not terminating */
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.16:8080 -m -w 1\n");
	fx_fini(&f);
}

static void ready_not_serving_is_ready(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	fx_add_svc(&f, web("ClusterIP"));
	/* publishNotReadyAddresses: ready=true while serving=false. */
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.2.33", "node-c", FX_R);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.33:8080 -m -w 1\n");
	fx_fini(&f);
}

static struct kube_endpoint_slice *two_nodes_slice(void)
{
	struct kube_endpoint_slice *sl = web_slice("web-1");

	fx_ep(sl, "10.244.0.40", "node-a", FX_RS); /* local */
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	return sl;
}

static void etp_local_nodeport(void **state)
{
	struct fx f;
	struct kube_service *s;

	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_external_ip(s, "192.0.2.10");
	fx_lb(s, "198.51.100.5", false);
	fx_add_svc(&f, s);
	fx_add_slice(&f, two_nodes_slice());
	/* ClusterIP keeps both; external, LB and NodePort only the local one. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.40:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.40:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.0.40:8080 -m -w 1\n"
	                  "-A -t 192.0.2.10:80 -s rr\n"
	                  "-a -t 192.0.2.10:80 -r 10.244.0.40:8080 -m -w 1\n"
	                  "-A -t 198.51.100.5:80 -s rr\n"
	                  "-a -t 198.51.100.5:80 -r 10.244.0.40:8080 -m -w 1\n");
	fx_fini(&f);
}

static void etp_local_no_local_falls_back(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	fx_ep(sl, "10.244.2.41", "node-c", FX_RS);
	fx_add_slice(&f, sl);
	/* PR #97081: no local endpoint → the NodePort uses the cluster set. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.40:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.41:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.1.40:8080 -m -w 1\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.2.41:8080 -m -w 1\n");
	fx_fini(&f);
}

/* Counts wanted virtual servers of @kind flagged no_local. */
static int no_local(struct fx *f, enum sync_vs_kind kind)
{
	const struct sync_origin *o;
	size_t pos = 0;
	int n = 0;

	assert_int_equal(sync_desired_build(f->d, f->st, &f->node), 0);
	while (sync_desired_next(f->d, &pos, &o))
		n += o->kind == kind && o->no_local;
	return n;
}

static void no_local_endpoints_flagged(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	/* ETP=Local, endpoints only elsewhere: the NodePort is flagged, not the ClusterIP. */
	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	assert_int_equal(no_local(&f, SYNC_VS_NODE_PORT), 1);
	assert_int_equal(no_local(&f, SYNC_VS_CLUSTER_IP), 0);
	fx_fini(&f);

	/* ITP=Local, nothing local: the ClusterIP is flagged. */
	setup_node(&f);
	s = web("ClusterIP");
	s->internal_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	assert_int_equal(no_local(&f, SYNC_VS_CLUSTER_IP), 1);
	fx_fini(&f);

	/* No endpoints anywhere: not counted (kube-proxy's hasAnyEndpoints). */
	setup_node(&f);
	s = web("ClusterIP");
	s->internal_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	assert_int_equal(no_local(&f, SYNC_VS_CLUSTER_IP), 0);
	fx_fini(&f);

	/* A local ready endpoint: not flagged. */
	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	fx_add_slice(&f, two_nodes_slice());
	assert_int_equal(no_local(&f, SYNC_VS_NODE_PORT), 0);
	fx_fini(&f);
}

static void etp_local_local_terminating(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.0.40", "node-a", FX_S | FX_T); /* local, terminating, serving */
	fx_ep(sl, "10.244.0.41", "node-a", FX_T);        /* local, terminating, not serving */
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	/* Local set: no local ready → local serving+terminating. Cluster: ready. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.40:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.0.40:8080 -m -w 1\n");
	fx_fini(&f);
}

static void etp_local_on_plain_cluster_ip_ignored(void **state)
{
	struct fx f;
	struct kube_service *s;

	setup_node(&f);
	s = web("ClusterIP");
	s->external_policy = KUBE_POLICY_LOCAL; /* not externally facing: no effect */
	fx_add_svc(&f, s);
	fx_add_slice(&f, two_nodes_slice());
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.40:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.40:8080 -m -w 1\n");
	fx_fini(&f);
}

static void etp_local_cluster_ip_with_external_ip(void **state)
{
	struct fx f;
	struct kube_service *s;

	setup_node(&f);
	s = web("ClusterIP");
	s->external_policy = KUBE_POLICY_LOCAL; /* externalIPs make it externally facing */
	fx_external_ip(s, "192.0.2.10");
	fx_add_svc(&f, s);
	fx_add_slice(&f, two_nodes_slice());
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.40:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.40:8080 -m -w 1\n"
	                  "-A -t 192.0.2.10:80 -s rr\n"
	                  "-a -t 192.0.2.10:80 -r 10.244.0.40:8080 -m -w 1\n");
	fx_fini(&f);
}

static void itp_local(void **state)
{
	struct fx f;
	struct kube_service *s;

	setup_node(&f);
	s = web("ClusterIP");
	s->internal_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	fx_add_slice(&f, two_nodes_slice());
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.40:8080 -m -w 1\n");
	fx_fini(&f);
}

static void itp_local_no_local_no_dests(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = web("ClusterIP");
	s->internal_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	/* Not externally accessible: no cluster set to fall back to. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n");
	fx_fini(&f);
}

static void itp_local_external_falls_back(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = web("NodePort");
	s->internal_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.40", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	/* Externally accessible: the ClusterIP VS falls back to cluster-wide. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.40:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.1.40:8080 -m -w 1\n");
	fx_fini(&f);
}

static void itp_and_etp_local(void **state)
{
	struct fx f;
	struct kube_service *s;

	setup_node(&f);
	s = web("NodePort");
	s->internal_policy = KUBE_POLICY_LOCAL;
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	fx_add_slice(&f, two_nodes_slice());
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.40:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.0.40:8080 -m -w 1\n");
	fx_fini(&f);
}

/* shop/catalog: zone hints on every ready endpoint. */
static struct kube_endpoint_slice *hinted(bool hint_all)
{
	struct kube_endpoint_slice *sl = web_slice("web-1");

	fx_hint_zone(fx_ep(sl, "10.244.1.7", "node-b", FX_RS), "zone-a");
	fx_hint_zone(fx_ep(sl, "10.244.1.20", "node-b", FX_RS), "zone-a");
	if (hint_all)
		fx_hint_zone(fx_ep(sl, "10.244.2.9", "node-c", FX_RS), "zone-b");
	else
		fx_ep(sl, "10.244.2.9", "node-c", FX_RS);
	/* Not ready and unhinted: does not disable hints. */
	fx_ep(sl, "10.244.2.10", "node-c", 0);
	return sl;
}

static void hints_same_zone(void **state)
{
	struct fx f;
	struct kube_service *s;

	setup_node(&f); /* zone-a */
	s = web("NodePort");
	fx_add_svc(&f, s);
	fx_add_slice(&f, hinted(true));
	/* Topology applies to the cluster set, so to every VS of the port. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.20:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.1.20:8080 -m -w 1\n");
	/* zone-b node: only the zone-b endpoint. */
	assert_int_equal(sync_node_set_zone(&f.node, "zone-b"), 0);
	fx_node_ips(&f, "");
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.9:8080 -m -w 1\n");
	/* zone-c (nothing hinted for it) and no zone at all: every endpoint. */
	assert_int_equal(sync_node_set_zone(&f.node, "zone-c"), 0);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.20:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.9:8080 -m -w 1\n");
	assert_int_equal(sync_node_set_zone(&f.node, NULL), 0);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.20:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.9:8080 -m -w 1\n");
	fx_fini(&f);
}

static void hints_ignored_unless_all_ready_hinted(void **state)
{
	struct fx f;

	setup_node(&f);
	fx_add_svc(&f, web("ClusterIP"));
	fx_add_slice(&f, hinted(false));
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.20:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.9:8080 -m -w 1\n");
	fx_fini(&f);
}

static void hints_not_applied_to_terminating_fallback(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	fx_add_svc(&f, web("ClusterIP"));
	sl = web_slice("web-1");
	fx_hint_zone(fx_ep(sl, "10.244.1.7", "node-b", FX_S | FX_T), "zone-a");
	fx_hint_zone(fx_ep(sl, "10.244.2.9", "node-c", FX_S | FX_T), "zone-b");
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.2.9:8080 -m -w 1\n");
	fx_fini(&f);
}

static void prefer_same_node_option(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;
	struct kube_endpoint *ep;

	setup_node(&f);
	fx_add_svc(&f, web("ClusterIP"));
	sl = web_slice("web-1");
	ep = fx_ep(sl, "10.244.0.7", "node-a", FX_RS);
	fx_hint_node(ep, "node-a");
	fx_hint_zone(ep, "zone-a");
	ep = fx_ep(sl, "10.244.0.8", "node-b", FX_RS);
	fx_hint_node(ep, "node-b");
	fx_hint_zone(ep, "zone-a");
	fx_add_slice(&f, sl);
	/* Gate off: node hints are ignored, zone hints keep both. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.8:8080 -m -w 1\n");
	f.node.prefer_same_node = true;
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.7:8080 -m -w 1\n");
	/* A node nothing is hinted for falls back to the zone hints. */
	assert_int_equal(sync_node_set_name(&f.node, "node-z"), 0);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.7:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.8:8080 -m -w 1\n");
	fx_fini(&f);
}

static void ports_match_by_name_and_protocol(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = fx_service("shop/catalog", "10.96.33.44");
	fx_port(s, "grpc", IPPROTO_TCP, 9090, 0);
	fx_port(s, "", IPPROTO_TCP, 7000, 0); /* unnamed */
	fx_add_svc(&f, s);
	/* Two slices, same port name, different numbers (v1 and v2 pods). */
	sl = fx_slice("shop/catalog-4mxkz", "catalog", AF_INET);
	fx_slice_port(sl, "grpc", IPPROTO_TCP, 9090);
	fx_slice_port(sl, "grpc", IPPROTO_UDP, 5555); /* same name, other protocol */
	fx_slice_port(sl, "", IPPROTO_TCP, 7007);
	fx_ep(sl, "10.244.1.7", "node-b", FX_RS);
	fx_ep(sl, "10.244.2.9", "node-c", FX_RS);
	fx_ep(sl, NULL, "node-c", FX_RS); /* no address: ignored */
	fx_add_slice(&f, sl);
	sl = fx_slice("shop/catalog-8wd7c", "catalog", AF_INET);
	fx_slice_port(sl, "grpc", IPPROTO_TCP, 9091);
	fx_slice_port(sl, NULL, IPPROTO_TCP, 7777);  /* nil name: unusable */
	fx_slice_port(sl, "grpc-x", IPPROTO_TCP, 0); /* no number: unusable */
	fx_ep(sl, "10.244.1.20", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.33.44:7000 -s rr\n"
	                  "-a -t 10.96.33.44:7000 -r 10.244.1.7:7007 -m -w 1\n"
	                  "-a -t 10.96.33.44:7000 -r 10.244.2.9:7007 -m -w 1\n"
	                  "-A -t 10.96.33.44:9090 -s rr\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.7:9090 -m -w 1\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.20:9091 -m -w 1\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.2.9:9090 -m -w 1\n");
	fx_fini(&f);
}

static void duplicates_keep_best_copy(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	/* 10.244.0.5 moves between slices: not ready in one, ready in the other. */
	sl = web_slice("web-a");
	fx_ep(sl, "10.244.0.5", "node-a", 0);
	fx_ep(sl, "10.244.0.6", "node-a", FX_S | FX_T);
	fx_add_slice(&f, sl);
	sl = web_slice("web-b");
	fx_ep(sl, "10.244.0.5", "node-a", FX_RS);
	fx_ep(sl, "10.244.0.6", "node-a", FX_RS); /* an IP reused by a new, ready pod */
	fx_add_slice(&f, sl);
	/* Each appears once, from its ready copy (local either way). */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.5:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.6:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.0.5:8080 -m -w 1\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.0.6:8080 -m -w 1\n");
	fx_fini(&f);
}

static void duplicates_prefer_local_copy(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = web("NodePort");
	s->external_policy = KUBE_POLICY_LOCAL;
	fx_add_svc(&f, s);
	sl = web_slice("web-a");
	fx_ep(sl, "10.244.0.5", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	sl = web_slice("web-b");
	fx_ep(sl, "10.244.0.5", "node-a", FX_RS);
	fx_ep(sl, "10.244.1.9", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	/* The local copy wins, so the NodePort (ETP Local) gets it. */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.0.5:8080 -m -w 1\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.9:8080 -m -w 1\n"
	                  "-A -t 172.18.0.2:30080 -s rr\n"
	                  "-a -t 172.18.0.2:30080 -r 10.244.0.5:8080 -m -w 1\n");
	fx_fini(&f);
}

static void core_v1_endpoints(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoints *e;
	struct kube_endpoints_subset *ss;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	s = fx_service("shop/catalog", "10.96.33.44");
	fx_port(s, "grpc", IPPROTO_TCP, 9090, 0);
	fx_add_svc(&f, s);
	/* test/fixtures/k8s/endpoints.json shop/catalog: two subsets, 9090 and 9091. */
	e = fx_endpoints("shop/catalog");
	ss = fx_subset(e);
	fx_subset_addr(ss, "10.244.1.7", "node-b", true);
	fx_subset_addr(ss, "10.244.2.9", "node-c", true);
	fx_subset_addr(ss, "10.244.2.99", "node-c", false); /* notReadyAddresses */
	fx_subset_port(ss, "http", IPPROTO_TCP, 8080);
	fx_subset_port(ss, "grpc", IPPROTO_TCP, 9090);
	ss = fx_subset(e);
	fx_subset_addr(ss, "10.244.1.20", "node-b", true);
	fx_subset_port(ss, "grpc", IPPROTO_TCP, 9091);
	assert_int_equal(sync_store_upsert_endpoints(f.st, e), 0);
	assert_render(&f, "-A -t 10.96.33.44:9090 -s rr\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.7:9090 -m -w 1\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.20:9091 -m -w 1\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.2.9:9090 -m -w 1\n");
	/* Once a slice exists, the slices are the truth (no double counting). */
	sl = fx_slice("shop/catalog-x", "catalog", AF_INET);
	fx_slice_port(sl, "grpc", IPPROTO_TCP, 9090);
	fx_ep(sl, "10.244.1.7", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.33.44:9090 -s rr\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.7:9090 -m -w 1\n");
	sync_store_delete_slice(f.st, "shop", "catalog-x");
	assert_render(&f, "-A -t 10.96.33.44:9090 -s rr\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.7:9090 -m -w 1\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.1.20:9091 -m -w 1\n"
	                  "-a -t 10.96.33.44:9090 -r 10.244.2.9:9090 -m -w 1\n");
	sync_store_delete_endpoints(f.st, "shop", "catalog");
	assert_render(&f, "-A -t 10.96.33.44:9090 -s rr\n");
	fx_fini(&f);
}

static void slices_before_service_and_after_delete(void **state)
{
	struct fx f;
	struct kube_endpoint_slice *sl;

	setup_node(&f);
	sl = web_slice("web-1");
	fx_ep(sl, "10.244.1.1", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	assert_render(&f, ""); /* no Service yet: kept, nothing programmed */
	fx_add_svc(&f, web("ClusterIP"));
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.1:8080 -m -w 1\n");
	sync_store_delete_service(f.st, "shop", "web");
	assert_render(&f, "");
	fx_add_svc(&f, web("ClusterIP")); /* the slices stayed */
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.1:8080 -m -w 1\n");
	fx_fini(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(ready_only),
	cmocka_unit_test(terminating_fallback),
	cmocka_unit_test(ready_not_serving_is_ready),
	cmocka_unit_test(etp_local_nodeport),
	cmocka_unit_test(etp_local_no_local_falls_back),
	cmocka_unit_test(etp_local_local_terminating),
	cmocka_unit_test(no_local_endpoints_flagged),
	cmocka_unit_test(etp_local_on_plain_cluster_ip_ignored),
	cmocka_unit_test(etp_local_cluster_ip_with_external_ip),
	cmocka_unit_test(itp_local),
	cmocka_unit_test(itp_local_no_local_no_dests),
	cmocka_unit_test(itp_local_external_falls_back),
	cmocka_unit_test(itp_and_etp_local),
	cmocka_unit_test(hints_same_zone),
	cmocka_unit_test(hints_ignored_unless_all_ready_hinted),
	cmocka_unit_test(hints_not_applied_to_terminating_fallback),
	cmocka_unit_test(prefer_same_node_option),
	cmocka_unit_test(ports_match_by_name_and_protocol),
	cmocka_unit_test(duplicates_keep_best_copy),
	cmocka_unit_test(duplicates_prefer_local_copy),
	cmocka_unit_test(core_v1_endpoints),
	cmocka_unit_test(slices_before_service_and_after_delete),
};

UNIT_MAIN(tests)
