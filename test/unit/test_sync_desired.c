/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The desired-table rules, one test per Service shape (as kube-proxy's IPVS
 * mode builds them): which Services and ports become virtual servers, with what
 * scheduler, flags and timeout, and which addresses are bound.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "test_sync_fx.h"

/* A ready endpoint 10.244.1.1:8080 on node-b for port "http"/TCP. */
static void add_web_slice(struct fx *f, const char *svc)
{
	char key[128];
	struct kube_endpoint_slice *sl;

	snprintf(key, sizeof(key), "shop/%s-abcde", svc);
	sl = fx_slice(key, svc, AF_INET);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	fx_ep(sl, "10.244.1.1", "node-b", FX_RS);
	fx_add_slice(f, sl);
}

static void cluster_ip(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct net_addr *b;
	size_t nb;

	fx_init(&f);
	s = fx_service("shop/web", "10.96.0.10");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	add_web_slice(&f, "web");
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.1:8080 -m -w 1\n");
	/* The cluster IP is bound on kube-ipvs0. */
	assert_int_equal(sync_desired_bound_addrs(f.d, &b, &nb), 0);
	assert_int_equal(nb, 1);
	assert_true(addr_eq(&b[0], &(struct net_addr){ .af = AF_INET, .a.b = { 10, 96, 0, 10 } }));
	assert_true(sync_desired_is_bound(f.d, &b[0]));
	free(b);
	fx_fini(&f);
}

static void no_endpoints_still_a_vs(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	s = fx_service("shop/web", "10.96.0.10");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n");
	fx_fini(&f);
}

static void node_port(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct net_addr a = fx_addr("172.18.0.3");

	fx_init(&f);
	fx_node_ips(&f, "172.18.0.3,10.0.0.3,fd00::3");
	s = fx_service("shop/web", "10.96.0.10");
	s->type = KUBE_SVC_NODE_PORT;
	fx_port(s, "http", IPPROTO_TCP, 80, 30080);
	fx_add_svc(&f, s);
	add_web_slice(&f, "web");
	/* One VS per node address of the family (no IPv6 cluster IP: no IPv6 VS). */
	assert_render(&f, "-A -t 10.0.0.3:30080 -s rr\n"
	                  "-a -t 10.0.0.3:30080 -r 10.244.1.1:8080 -m -w 1\n"
	                  "-A -t 10.96.0.10:80 -s rr\n"
	                  "-a -t 10.96.0.10:80 -r 10.244.1.1:8080 -m -w 1\n"
	                  "-A -t 172.18.0.3:30080 -s rr\n"
	                  "-a -t 172.18.0.3:30080 -r 10.244.1.1:8080 -m -w 1\n");
	/* Node addresses are never bound. */
	assert_false(sync_desired_is_bound(f.d, &a));
	fx_fini(&f);
}

static void node_port_zero_means_none(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	fx_node_ips(&f, "172.18.0.3");
	s = fx_service("shop/web", "10.96.0.10");
	s->type = KUBE_SVC_NODE_PORT; /* but nodePort 0: only the port decides */
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t 10.96.0.10:80 -s rr\n");
	fx_fini(&f);
}

static void load_balancer(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct net_addr lb = fx_addr("198.51.100.20"), proxied = fx_addr("198.51.100.40");

	fx_init(&f);
	fx_node_ips(&f, "172.18.0.3");
	s = fx_service("shop/lb", "10.96.0.20");
	s->type = KUBE_SVC_LOAD_BALANCER;
	fx_port(s, "http", IPPROTO_TCP, 80, 31000);
	fx_lb(s, "198.51.100.20", false);
	fx_lb(s, "198.51.100.40", true); /* ipMode Proxy: not programmed */
	fx_lb(s, NULL, false);           /* hostname only: ignored */
	fx_lb(s, "2001:db8::20", false); /* other family, no IPv6 cluster IP */
	fx_add_svc(&f, s);
	add_web_slice(&f, "lb");
	assert_render(&f, "-A -t 10.96.0.20:80 -s rr\n"
	                  "-a -t 10.96.0.20:80 -r 10.244.1.1:8080 -m -w 1\n"
	                  "-A -t 172.18.0.3:31000 -s rr\n"
	                  "-a -t 172.18.0.3:31000 -r 10.244.1.1:8080 -m -w 1\n"
	                  "-A -t 198.51.100.20:80 -s rr\n"
	                  "-a -t 198.51.100.20:80 -r 10.244.1.1:8080 -m -w 1\n");
	assert_true(sync_desired_is_bound(f.d, &lb));
	assert_false(sync_desired_is_bound(f.d, &proxied));
	fx_fini(&f);
}

static void external_ips_local_or_not(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct net_addr local = fx_addr("192.0.2.7"), other = fx_addr("192.0.2.10");
	struct net_addr lo = fx_addr("127.0.0.1");

	fx_init(&f);
	assert_int_equal(sync_node_set_local_addrs(&f.node, &local, 1), 0);
	s = fx_service("shop/ext", "10.96.0.30");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_external_ip(s, "192.0.2.10");
	fx_external_ip(s, "192.0.2.7"); /* already local on another interface */
	fx_external_ip(s, "2001:db8::1");
	fx_external_ip(s, "127.0.0.1"); /* kube-proxy programs and binds it */
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t 10.96.0.30:80 -s rr\n"
	                  "-A -t 127.0.0.1:80 -s rr\n"
	                  "-A -t 192.0.2.7:80 -s rr\n"
	                  "-A -t 192.0.2.10:80 -s rr\n");
	assert_true(sync_desired_is_bound(f.d, &other));
	assert_false(sync_desired_is_bound(f.d, &local));
	assert_true(sync_desired_is_bound(f.d, &lo));
	fx_fini(&f);
}

static void skipped_services(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	unit_log_start();
	log_set_level(LOG_LVL_DEBUG);
	s = fx_service("shop/headless", "None");
	fx_port(s, "grpc", IPPROTO_TCP, 9090, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/payments-gw", NULL);
	s->type = KUBE_SVC_EXTERNAL_NAME;
	fx_port(s, "https", IPPROTO_TCP, 443, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/extname-with-ip", "10.96.0.41"); /* a clusterIP does not help */
	s->type = KUBE_SVC_EXTERNAL_NAME;
	fx_port(s, "https", IPPROTO_TCP, 443, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/legacy-mesh", "10.96.77.7");
	s->proxy_name = strdup("mesh-proxy");
	fx_port(s, "", IPPROTO_TCP, 8080, 0);
	fx_add_svc(&f, s);
	add_web_slice(&f, "headless");
	assert_render(&f, "");
	assert_int_equal(unit_log_count("service_skipped", "shop/headless", "headless", NULL), 1);
	assert_int_equal(unit_log_count("service_skipped", "shop/payments-gw", NULL), 1);
	assert_int_equal(unit_log_count("service_skipped", "shop/legacy-mesh", "mesh-proxy", NULL),
	                 1);
	log_set_level(LOG_LVL_INFO);
	unit_log_stop();
	fx_fini(&f);
}

static void unusable_port_logged_once(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	unit_log_start();
	s = fx_service("shop/odd", "10.96.0.50");
	fx_port(s, "weird", 0, 80, 0); /* protocol the decoder could not map */
	fx_port(s, "ok", IPPROTO_TCP, 81, 0);
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t 10.96.0.50:81 -s rr\n");
	/* Rebuilding does not log again: the store logged when the object came in. */
	assert_render(&f, "-A -t 10.96.0.50:81 -s rr\n");
	assert_int_equal(unit_log_count("service_port_skipped", "obj=shop/odd",
	                                "spec.ports[0].protocol", "port=weird", NULL),
	                 1);
	unit_log_stop();
	fx_fini(&f);
}

static void udp_and_sctp(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	fx_init(&f);
	s = fx_service("kube-system/kube-dns", "10.96.0.10");
	fx_port(s, "dns", IPPROTO_UDP, 53, 0);
	fx_port(s, "dns-tcp", IPPROTO_TCP, 53, 0);
	fx_port(s, "diameter", IPPROTO_SCTP, 3868, 0);
	fx_add_svc(&f, s);
	sl = fx_slice("kube-system/kube-dns-1", "kube-dns", AF_INET);
	fx_slice_port(sl, "dns-tcp", IPPROTO_TCP, 53);
	fx_slice_port(sl, "dns", IPPROTO_UDP, 53);
	fx_slice_port(sl, "diameter", IPPROTO_SCTP, 3868);
	fx_ep(sl, "10.244.0.3", "node-a", FX_RS);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.0.10:53 -s rr\n"
	                  "-a -t 10.96.0.10:53 -r 10.244.0.3:53 -m -w 1\n"
	                  "-A -u 10.96.0.10:53 -s rr\n"
	                  "-a -u 10.96.0.10:53 -r 10.244.0.3:53 -m -w 1\n"
	                  "-A --sctp-service 10.96.0.10:3868 -s rr\n"
	                  "-a --sctp-service 10.96.0.10:3868 -r 10.244.0.3:3868 -m -w 1\n");
	fx_fini(&f);
}

static void dual_stack(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	fx_init(&f);
	fx_node_ips(&f, "172.18.0.3,fd00:18::3,fe80::1,127.0.0.1");
	s = fx_service("shop/catalog", "10.96.33.44,fd00:10:96::2c");
	s->type = KUBE_SVC_NODE_PORT;
	fx_port(s, "http", IPPROTO_TCP, 80, 30100);
	fx_external_ip(s, "2001:db8::5");
	fx_add_svc(&f, s);
	sl = fx_slice("shop/catalog-v4", "catalog", AF_INET);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	fx_ep(sl, "10.244.1.7", "node-b", FX_RS);
	fx_ep(sl, "fd00:10:244:1::99", "node-b", FX_RS); /* wrong family: dropped */
	fx_add_slice(&f, sl);
	sl = fx_slice("shop/catalog-v6", "catalog", AF_INET6);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	fx_ep(sl, "fd00:10:244:1::7", "node-b", FX_RS);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.33.44:80 -s rr\n"
	                  "-a -t 10.96.33.44:80 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-A -t 172.18.0.3:30100 -s rr\n"
	                  "-a -t 172.18.0.3:30100 -r 10.244.1.7:8080 -m -w 1\n"
	                  "-A -t [2001:db8::5]:80 -s rr\n"
	                  "-a -t [2001:db8::5]:80 -r [fd00:10:244:1::7]:8080 -m -w 1\n"
	                  "-A -t [fd00:10:96::2c]:80 -s rr\n"
	                  "-a -t [fd00:10:96::2c]:80 -r [fd00:10:244:1::7]:8080 -m -w 1\n"
	                  "-A -t [fd00:18::3]:30100 -s rr\n"
	                  "-a -t [fd00:18::3]:30100 -r [fd00:10:244:1::7]:8080 -m -w 1\n");
	fx_fini(&f);
}

static void single_family_service_ignores_other(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	s = fx_service("shop/v6only", "fd00:10:96::9");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_external_ip(s, "192.0.2.99"); /* IPv4 externalIP on an IPv6-only Service */
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t [fd00:10:96::9]:80 -s rr\n");
	fx_fini(&f);
}

static void session_affinity(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	fx_node_ips(&f, "172.18.0.3");
	s = fx_service("shop/frontend", "10.96.120.15,fd00:10:96::15");
	s->type = KUBE_SVC_NODE_PORT;
	s->affinity_client_ip = true;
	s->affinity_timeout = 600;
	fx_port(s, "http", IPPROTO_TCP, 80, 30080);
	fx_add_svc(&f, s);
	s = fx_service("shop/default-timeout", "10.96.120.16");
	s->affinity_client_ip = true; /* timeout not given: 10800 */
	fx_port(s, "dns", IPPROTO_UDP, 53, 0);
	fx_add_svc(&f, s);
	/* Every VS of the port is persistent; -M is not printed since the mask is
	 * the full 0xffffffff / 128. */
	assert_render(&f, "-A -t 10.96.120.15:80 -s rr -p 600\n"
	                  "-A -t 172.18.0.3:30080 -s rr -p 600\n"
	                  "-A -t [fd00:10:96::15]:80 -s rr -p 600\n"
	                  "-A -u 10.96.120.16:53 -s rr -p 10800\n");
	fx_fini(&f);
}

static void netmask_and_flags_values(void **state)
{
	struct fx f;
	struct kube_service *s;
	const struct ipvs_vs *vs;
	struct ipvs_service id = { 0 };

	fx_init(&f);
	s = fx_service("shop/a", "10.96.0.1,fd00::1");
	s->affinity_client_ip = true;
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	assert_int_equal(sync_desired_build(f.d, f.st, &f.node), 0);
	id.addr = fx_addr("10.96.0.1");
	id.protocol = IPPROTO_TCP;
	id.port = 80;
	vs = sync_desired_find(f.d, &id, NULL);
	assert_non_null(vs);
	assert_int_equal(vs->svc.netmask, 0xffffffffu);
	assert_int_equal(vs->svc.flags, IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(vs->svc.timeout, 10800);
	id.addr = fx_addr("fd00::1");
	vs = sync_desired_find(f.d, &id, NULL);
	assert_non_null(vs);
	assert_int_equal(vs->svc.netmask, 128);
	fx_fini(&f);
}

static void scheduler_annotations(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	unit_log_start();
	assert_int_equal(sync_node_set_scheduler(&f.node, "wlc"), 0);
	assert_int_equal(sync_node_set_scheduler(&f.node, "bogus"), -EINVAL);
	s = fx_service("shop/a", "10.96.0.1"); /* node default */
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/b", "10.96.0.2");
	s->scheduler = strdup("sh");
	s->scheduler_flags = strdup("sh-port,sh-fallback");
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/c", "10.96.0.3");
	s->scheduler = strdup("mh"); /* mh always gets mh-port */
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/d", "10.96.0.4");
	s->scheduler = strdup("mh");
	s->scheduler_flags = strdup("mh-fallback");
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/e", "10.96.0.5");
	s->scheduler = strdup("fastest"); /* unknown: logged, default used */
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/f", "10.96.0.6");
	s->scheduler_flags = strdup("flag-1, flag-3"); /* on the default (wlc) */
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/g", "10.96.0.7");
	s->scheduler_flags = strdup("flag-9"); /* invalid: logged, ignored */
	fx_port(s, "p", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t 10.96.0.1:80 -s wlc\n"
	                  "-A -t 10.96.0.2:80 -s sh -b sh-fallback,sh-port\n"
	                  "-A -t 10.96.0.3:80 -s mh -b mh-port\n"
	                  "-A -t 10.96.0.4:80 -s mh -b mh-fallback,mh-port\n"
	                  "-A -t 10.96.0.5:80 -s wlc\n"
	                  "-A -t 10.96.0.6:80 -s wlc -b flag-1,flag-3\n"
	                  "-A -t 10.96.0.7:80 -s wlc\n");
	assert_int_equal(unit_log_count("scheduler_unknown", "obj=shop/e", "value=fastest", NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("scheduler_flags_invalid", "obj=shop/g", "value=flag-9", NULL), 1);
	unit_log_stop();
	fx_fini(&f);
}

static void default_scheduler_mh(void **state)
{
	struct fx f;
	struct kube_service *s;

	fx_init(&f);
	assert_int_equal(sync_node_set_scheduler(&f.node, "mh"), 0);
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "p", IPPROTO_UDP, 53, 0);
	fx_add_svc(&f, s);
	assert_render(&f, "-A -u 10.96.0.1:53 -s mh -b mh-port\n");
	fx_fini(&f);
}

static void multi_port_binds_once(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct net_addr *b;
	size_t nb;

	fx_init(&f);
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_port(s, "https", IPPROTO_TCP, 443, 0);
	fx_external_ip(s, "192.0.2.1");
	fx_lb(s, "192.0.2.1", false); /* same address as the externalIP: one VS per port */
	fx_add_svc(&f, s);
	assert_render(&f, "-A -t 10.96.0.1:80 -s rr\n"
	                  "-A -t 10.96.0.1:443 -s rr\n"
	                  "-A -t 192.0.2.1:80 -s rr\n"
	                  "-A -t 192.0.2.1:443 -s rr\n");
	assert_int_equal(sync_desired_bound_addrs(f.d, &b, &nb), 0);
	assert_int_equal(nb, 2);
	free(b);
	fx_fini(&f);
}

/* The destination count the wanted table keeps (sync_desired_stats). */
static size_t wanted_dests(const struct sync_desired *d)
{
	struct sync_desired_stats ds;

	sync_desired_stats(d, &ds);
	return ds.dests;
}

static void conflict_first_key_wins(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;
	struct sync_keys touched;
	const struct sync_origin *o;
	struct ipvs_service id = { 0 };

	fx_init(&f);
	sync_keys_init(&touched);
	unit_log_start();
	/* Two Services claim 192.0.2.1:80/TCP through their externalIPs. */
	s = fx_service("shop/zeta", "10.96.0.2");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_external_ip(s, "192.0.2.1");
	fx_add_svc(&f, s);
	s = fx_service("shop/alpha", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_external_ip(s, "192.0.2.1");
	fx_add_svc(&f, s);
	sl = fx_slice("shop/zeta-1", "zeta", AF_INET);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	fx_ep(sl, "10.244.9.9", NULL, FX_RS);
	fx_add_slice(&f, sl);
	assert_render(&f, "-A -t 10.96.0.1:80 -s rr\n"
	                  "-A -t 10.96.0.2:80 -s rr\n"
	                  "-a -t 10.96.0.2:80 -r 10.244.9.9:8080 -m -w 1\n"
	                  "-A -t 192.0.2.1:80 -s rr\n");
	id.addr = fx_addr("192.0.2.1");
	id.protocol = IPPROTO_TCP;
	id.port = 80;
	assert_non_null(sync_desired_find(f.d, &id, &o));
	assert_string_equal(o->service, "shop/alpha");
	assert_true(unit_log_count("vs_conflict", "vs=tcp/192.0.2.1:80", NULL) >= 1);
	/* Counted: zeta's destination on its ClusterIP only (alpha wins 192.0.2.1). */
	assert_int_equal(wanted_dests(f.d), 1);
	/* alpha goes away: zeta takes the address over, and the update says so. */
	sync_store_delete_service(f.st, "shop", "alpha");
	assert_int_equal(sync_desired_update(f.d, f.st, &f.node, "shop/alpha", &touched), 0);
	assert_true(sync_keys_has(&touched, &id));
	assert_non_null(sync_desired_find(f.d, &id, &o));
	assert_string_equal(o->service, "shop/zeta");
	assert_int_equal(sync_desired_find(f.d, &id, NULL)->n_dests, 1);
	/* The loser's destinations count once it wins. */
	assert_int_equal(wanted_dests(f.d), 2);
	unit_log_stop();
	sync_keys_free(&touched);
	fx_fini(&f);
}

static void update_reports_touched_keys(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct sync_keys touched;
	struct ipvs_service id = { 0 };

	fx_init(&f);
	sync_keys_init(&touched);
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	assert_int_equal(sync_desired_update(f.d, f.st, &f.node, "shop/a", &touched), 0);
	assert_int_equal(touched.n, 1);
	/* The port changes number: the old and the new VS are both touched. */
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 8080, 0);
	fx_add_svc(&f, s);
	sync_keys_reset(&touched);
	assert_int_equal(sync_desired_update(f.d, f.st, &f.node, "shop/a", &touched), 0);
	assert_int_equal(touched.n, 2);
	id.addr = fx_addr("10.96.0.1");
	id.protocol = IPPROTO_TCP;
	id.port = 80;
	assert_true(sync_keys_has(&touched, &id));
	assert_null(sync_desired_find(f.d, &id, NULL));
	id.port = 8080;
	assert_non_null(sync_desired_find(f.d, &id, NULL));
	/* Deleting the Service removes its VS and unbinds its address. */
	sync_store_delete_service(f.st, "shop", "a");
	sync_keys_reset(&touched);
	assert_int_equal(sync_desired_update(f.d, f.st, &f.node, "shop/a", &touched), 0);
	assert_int_equal(touched.n, 1);
	assert_int_equal(sync_desired_n_vs(f.d), 0);
	assert_false(sync_desired_is_bound(f.d, &id.addr));
	sync_keys_free(&touched);
	fx_fini(&f);
}

static void origin_names_service_and_port(void **state)
{
	struct fx f;
	struct kube_service *s;
	const struct sync_origin *o;
	const struct ipvs_vs *vs;
	size_t pos = 0, seen = 0;

	fx_init(&f);
	fx_node_ips(&f, "172.18.0.3");
	s = fx_service("shop/checkout", "10.96.200.7");
	s->type = KUBE_SVC_LOAD_BALANCER;
	fx_port(s, "https", IPPROTO_TCP, 443, 31443);
	fx_lb(s, "198.51.100.20", false);
	fx_add_svc(&f, s);
	assert_int_equal(sync_desired_build(f.d, f.st, &f.node), 0);
	while ((vs = sync_desired_next(f.d, &pos, &o))) {
		assert_string_equal(o->service, "shop/checkout");
		assert_string_equal(o->port_name, "https");
		if (vs->svc.port == 31443)
			assert_int_equal(o->kind, SYNC_VS_NODE_PORT);
		else if (vs->svc.addr.a.b[0] == 198)
			assert_int_equal(o->kind, SYNC_VS_LOAD_BALANCER);
		else
			assert_int_equal(o->kind, SYNC_VS_CLUSTER_IP);
		seen++;
	}
	assert_int_equal(seen, 3);
	assert_string_equal(sync_vs_kind_name(SYNC_VS_NODE_PORT), "node-port");
	fx_fini(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(cluster_ip),
	cmocka_unit_test(no_endpoints_still_a_vs),
	cmocka_unit_test(node_port),
	cmocka_unit_test(node_port_zero_means_none),
	cmocka_unit_test(load_balancer),
	cmocka_unit_test(external_ips_local_or_not),
	cmocka_unit_test(skipped_services),
	cmocka_unit_test(unusable_port_logged_once),
	cmocka_unit_test(udp_and_sctp),
	cmocka_unit_test(dual_stack),
	cmocka_unit_test(single_family_service_ignores_other),
	cmocka_unit_test(session_affinity),
	cmocka_unit_test(netmask_and_flags_values),
	cmocka_unit_test(scheduler_annotations),
	cmocka_unit_test(default_scheduler_mh),
	cmocka_unit_test(multi_port_binds_once),
	cmocka_unit_test(conflict_first_key_wins),
	cmocka_unit_test(update_reports_touched_keys),
	cmocka_unit_test(origin_names_service_and_port),
};

UNIT_MAIN(tests)
