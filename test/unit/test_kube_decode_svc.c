/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service decoding: the services.json fixture field by field, the Service
 * watch stream in order, and every kind of bad input with its log line.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/addr.h"
#include "../../lib/kube/kube_decode.h"

/* JSON literals are written with ' for " to stay readable. */
static cJSON *json(const char *text)
{
	char *t = strdup(text);
	cJSON *j;

	assert_non_null(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(t);
	free(t);
	assert_non_null(j);
	return j;
}

static int dec(const char *text, struct kube_service **s)
{
	cJSON *j = json(text);
	int r = kube_service_decode(j, s);

	/* The DOM goes away at once: ASan proves nothing points into it. */
	cJSON_Delete(j);
	return r;
}

static cJSON *load(const char *rel)
{
	size_t len;
	char *buf = unit_read_file(unit_fixture_path(rel), &len);
	cJSON *j;

	assert_non_null(buf);
	assert_int_equal(kube_json_parse(buf, len, rel, &j), 0);
	free(buf);
	return j;
}

static void assert_ip(const struct net_addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_string_equal(addr_fmt(a, buf), want);
}

static void assert_cidr(const struct net_cidr *c, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_string_equal(cidr_fmt(c, buf), want);
}

static void assert_port(const struct kube_service_port *p, const char *name, int proto, int port,
                        int node_port)
{
	assert_non_null(p->name);
	assert_string_equal(p->name, name);
	assert_int_equal(p->protocol, proto);
	assert_int_equal(p->port, port);
	assert_int_equal(p->node_port, node_port);
}

#define MAX_SVCS 16
struct svcs {
	struct kube_service *v[MAX_SVCS];
	size_t n;
};

static const struct kube_service *find(const struct svcs *ss, const char *ns, const char *name)
{
	for (size_t i = 0; i < ss->n; i++)
		if (!strcmp(ss->v[i]->meta.namespace, ns) && !strcmp(ss->v[i]->meta.name, name))
			return ss->v[i];
	fail_msg("service %s/%s not decoded", ns, name);
	return NULL;
}

static void fixture_services(void **state)
{
	struct kube_list_iter it;
	struct kube_list_meta lm;
	struct svcs ss = { 0 };
	const struct kube_service *s;
	enum kube_kind kind;
	const cJSON *item;
	cJSON *list;

	unit_log_start();
	list = load("k8s/services.json");
	assert_int_equal(kube_list_meta_get(list, &lm), 0);
	assert_string_equal(lm.resource_version, "48213");
	assert_string_equal(lm.cont, "");
	assert_int_equal(kube_list_iter_init(&it, list, KUBE_KIND_UNKNOWN), 0);
	while ((item = kube_list_iter_next(&it, &kind))) {
		assert_int_equal(kind, KUBE_KIND_SERVICE);
		assert_true(ss.n < MAX_SVCS);
		assert_int_equal(kube_service_decode(item, &ss.v[ss.n]), 0);
		ss.n++;
	}
	cJSON_Delete(list);
	assert_int_equal(ss.n, 9);
	/* A clean fixture logs nothing, managedFields and all. */
	assert_string_equal(unit_log_text(), "");

	s = find(&ss, "default", "kubernetes");
	assert_string_equal(s->meta.uid, "3c0f2a8e-5b1d-4c6e-9a77-0f1e2d3c4b5a");
	assert_string_equal(s->meta.resource_version, "199");
	assert_int_equal(s->type, KUBE_SVC_CLUSTER_IP);
	assert_false(s->headless);
	assert_int_equal(s->n_cluster_ips, 1);
	assert_ip(&s->cluster_ips[0], "10.96.0.1");
	assert_int_equal(s->n_ports, 1);
	assert_port(&s->ports[0], "https", IPPROTO_TCP, 443, 0);
	assert_int_equal(s->n_external_ips, 0);
	assert_int_equal(s->n_lb_ingress, 0);
	assert_int_equal(s->n_lb_source_ranges, 0);
	assert_false(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout, 0);
	assert_int_equal(s->external_policy, KUBE_POLICY_CLUSTER);
	assert_int_equal(s->internal_policy, KUBE_POLICY_CLUSTER);
	assert_null(s->proxy_name);
	assert_null(s->traffic_distribution);
	assert_null(s->scheduler);

	s = find(&ss, "kube-system", "kube-dns");
	assert_int_equal(s->n_ports, 3);
	assert_port(&s->ports[0], "dns", IPPROTO_UDP, 53, 0);
	assert_port(&s->ports[1], "dns-tcp", IPPROTO_TCP, 53, 0);
	assert_port(&s->ports[2], "metrics", IPPROTO_TCP, 9153, 0);

	/* Named targetPort is not read; nodePort, externalIPs, affinity are. */
	s = find(&ss, "shop", "frontend");
	assert_int_equal(s->type, KUBE_SVC_NODE_PORT);
	assert_ip(&s->cluster_ips[0], "10.96.120.15");
	assert_int_equal(s->n_ports, 1);
	assert_port(&s->ports[0], "http", IPPROTO_TCP, 80, 30080);
	assert_int_equal(s->n_external_ips, 1);
	assert_ip(&s->external_ips[0], "192.0.2.10");
	assert_true(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout, 10800);
	assert_int_equal(s->external_policy, KUBE_POLICY_CLUSTER);

	s = find(&ss, "shop", "checkout");
	assert_int_equal(s->type, KUBE_SVC_LOAD_BALANCER);
	assert_port(&s->ports[0], "https", IPPROTO_TCP, 443, 31443);
	assert_int_equal(s->external_policy, KUBE_POLICY_LOCAL);
	assert_int_equal(s->health_check_node_port, 32001);
	assert_int_equal(s->n_lb_source_ranges, 2);
	assert_cidr(&s->lb_source_ranges[0], "203.0.113.0/24");
	assert_int_equal(s->lb_source_ranges[0].af, AF_INET);
	assert_cidr(&s->lb_source_ranges[1], "2001:db8:77::/48");
	assert_int_equal(s->lb_source_ranges[1].af, AF_INET6);
	assert_int_equal(s->n_lb_ingress, 2);
	assert_ip(&s->lb_ingress[0].ip, "198.51.100.20");
	assert_false(s->lb_ingress[0].ip_mode_proxy);
	assert_int_equal(s->lb_ingress[1].ip.af, 0); /* hostname only */
	assert_false(s->lb_ingress[1].ip_mode_proxy);
	assert_false(s->affinity_client_ip);

	s = find(&ss, "shop", "search");
	assert_int_equal(s->type, KUBE_SVC_LOAD_BALANCER);
	assert_port(&s->ports[0], "http", IPPROTO_TCP, 80, 0); /* no node ports allocated */
	assert_int_equal(s->n_lb_ingress, 1);
	assert_ip(&s->lb_ingress[0].ip, "198.51.100.40");
	assert_true(s->lb_ingress[0].ip_mode_proxy);
	assert_int_equal(s->internal_policy, KUBE_POLICY_LOCAL);
	assert_int_equal(s->external_policy, KUBE_POLICY_CLUSTER);
	assert_int_equal(s->health_check_node_port, 0);

	s = find(&ss, "shop", "catalog");
	assert_int_equal(s->n_cluster_ips, 2);
	assert_ip(&s->cluster_ips[0], "10.96.33.44");
	assert_int_equal(s->cluster_ips[1].af, AF_INET6);
	assert_ip(&s->cluster_ips[1], "fd00:10:96::2c");
	assert_int_equal(s->n_ports, 2);
	assert_port(&s->ports[0], "http", IPPROTO_TCP, 80, 0);
	assert_port(&s->ports[1], "grpc", IPPROTO_TCP, 9090, 0);
	assert_string_equal(s->traffic_distribution, "PreferClose");

	s = find(&ss, "shop", "catalog-headless");
	assert_true(s->headless);
	assert_int_equal(s->n_cluster_ips, 0);
	assert_true(s->publish_not_ready);
	assert_port(&s->ports[0], "grpc", IPPROTO_TCP, 9090, 0);

	s = find(&ss, "shop", "payments-gw");
	assert_int_equal(s->type, KUBE_SVC_EXTERNAL_NAME);
	assert_false(s->headless);
	assert_int_equal(s->n_cluster_ips, 0);

	s = find(&ss, "shop", "legacy-mesh");
	assert_string_equal(s->proxy_name, "mesh-proxy");
	assert_int_equal(s->n_ports, 1);
	assert_port(&s->ports[0], "", IPPROTO_TCP, 8080, 0); /* unnamed => "" */

	for (size_t i = 0; i < ss.n; i++)
		kube_service_free(ss.v[i]);
	unit_log_stop();
}

/* watch-services.jsonl, line by line, the way a reflector reads it. */
static void watch_stream(void **state)
{
	static const struct {
		enum kube_event_type type;
		const char *rv, *name;
	} want[] = {
		{ KUBE_EV_ADDED, "48230", "inventory" },
		{ KUBE_EV_MODIFIED, "48241", "checkout" },
		{ KUBE_EV_BOOKMARK, "48260", NULL },
		{ KUBE_EV_MODIFIED, "48275", "frontend" },
		{ KUBE_EV_DELETED, "48290", "inventory" },
		{ KUBE_EV_BOOKMARK, "48301", NULL },
		{ KUBE_EV_ERROR, "", NULL },
	};
	size_t len, n = 0;
	char *buf = unit_read_file(unit_fixture_path("k8s/watch-services.jsonl"), &len);
	char *line = buf, *nl;

	assert_non_null(buf);
	unit_log_start();
	for (; line < buf + len; line = nl + 1) {
		struct kube_watch_event ev;
		struct kube_service *s = NULL;
		cJSON *root;

		nl = memchr(line, '\n', (size_t)(buf + len - line));
		if (!nl)
			nl = buf + len;
		if (nl == line)
			continue;
		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_int_equal(kube_json_parse(line, (size_t)(nl - line), "watch", &root), 0);
		assert_int_equal(kube_watch_event_decode(root, &ev), 0);
		assert_int_equal(ev.type, want[n].type);
		assert_string_equal(ev.resource_version, want[n].rv);
		assert_false(ev.initial_events_end);
		if (want[n].name) {
			assert_int_equal(ev.kind, KUBE_KIND_SERVICE);
			assert_int_equal(kube_service_decode(ev.object, &s), 0);
			assert_string_equal(s->meta.name, want[n].name);
			assert_string_equal(s->meta.resource_version, want[n].rv);
		}
		if (n == 1) { /* checkout: now two VIP ingress IPs */
			assert_int_equal(s->n_lb_ingress, 2);
			assert_ip(&s->lb_ingress[1].ip, "198.51.100.21");
			assert_false(s->lb_ingress[1].ip_mode_proxy);
		}
		if (n == 3) { /* frontend gained a metrics port */
			assert_int_equal(s->n_ports, 2);
			assert_port(&s->ports[1], "metrics", IPPROTO_TCP, 9102, 31902);
		}
		if (ev.type == KUBE_EV_ERROR) {
			assert_int_equal(ev.status.code, 410);
			assert_string_equal(ev.status.reason, "Expired");
			assert_string_equal(
			    ev.status.message,
			    "The resourceVersion for the provided watch is too old.");
			assert_true(ev.status.failure);
			assert_true(kube_status_is_expired(&ev.status));
		}
		kube_service_free(s);
		cJSON_Delete(root);
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	assert_string_equal(unit_log_text(), "");
	unit_log_stop();
	free(buf);
}

static int invalid_lines(void)
{
	return unit_log_count("level=warn", "event=decode_invalid", NULL);
}

#define META "'metadata':{'name':'web','namespace':'shop'}"

static void bad_identity(void **state)
{
	static const struct {
		const char *json, *needle;
	} cases[] = {
		{ "{'metadata':{'namespace':'shop'}}",
		  "kind=Service obj=? field=metadata.name value=absent reason=missing" },
		{ "{'metadata':{'name':'','namespace':'shop'}}",
		  "obj=? field=metadata.name value=\"\" reason=not-a-name" },
		{ "{'metadata':{'name':7,'namespace':'shop'}}",
		  "obj=? field=metadata.name value=7 reason=not-a-name" },
		{ "{'metadata':{'name':'web'}}",
		  "kind=Service obj=web field=metadata.namespace value=absent reason=missing" },
		{ "{'metadata':{'name':'web','namespace':['x']}}",
		  "obj=web field=metadata.namespace value=[...] reason=not-a-name" },
		{ "{'metadata':'web'}", "obj=? field=metadata value=web reason=not-an-object" },
		{ "{'spec':{}}", "obj=? field=metadata value=absent reason=missing" },
		{ "[1,2]", "kind=Service obj=? field=. value=[...] reason=not-an-object" },
		{ "{" META ",'spec':[]}",
		  "kind=Service obj=shop/web field=spec value=[...] reason=not-an-object" },
		{ "{" META ",'spec':'ClusterIP'}",
		  "obj=shop/web field=spec value=ClusterIP reason=not-an-object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kube_service *s = (void *)1;

		unit_log_start();
		assert_int_equal(dec(cases[i].json, &s), -EINVAL);
		assert_null(s);
		if (unit_log_count(cases[i].needle, NULL) != 1 || invalid_lines() != 1)
			fail_msg("case %zu: want one line with '%s', got:\n%s", i, cases[i].needle,
			         unit_log_text());
		unit_log_stop();
	}
}

static void expect_lines(int n)
{
	if (invalid_lines() != n)
		fail_msg("want %d decode_invalid lines, got:\n%s", n, unit_log_text());
}

static void bad_list_entries(void **state)
{
	struct kube_service *s;

	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'externalIPs':['192.0.2.1','bogus',7,'192.0.2.3',"
	                     "'2001:db8::1']}}",
	                     &s),
	                 0);
	assert_int_equal(s->n_external_ips, 3);
	assert_ip(&s->external_ips[0], "192.0.2.1");
	assert_ip(&s->external_ips[1], "192.0.2.3");
	assert_ip(&s->external_ips[2], "2001:db8::1");
	assert_int_equal(unit_log_count("kind=Service obj=shop/web field=spec.externalIPs[1] "
	                                "value=bogus reason=invalid-ip",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=spec.externalIPs[2] value=7 reason=not-a-string", NULL), 1);
	expect_lines(2);
	kube_service_free(s);

	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'externalIPs':{'a':1},'ports':'80'}}", &s), 0);
	assert_int_equal(s->n_external_ips, 0);
	assert_int_equal(s->n_ports, 0);
	assert_int_equal(
	    unit_log_count("field=spec.externalIPs value={...} reason=not-an-array", NULL), 1);
	assert_int_equal(unit_log_count("field=spec.ports value=80 reason=not-an-array", NULL), 1);
	expect_lines(2);
	kube_service_free(s);

	/* Source ranges: whitespace trimmed, bad ones dropped one by one. */
	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'loadBalancerSourceRanges':[' 10.0.0.0/8 ',"
	                     "'\\t192.168.7.9/16\\n','10.0.0.0/33','nope',5,'',' fd00::/8']}}",
	                     &s),
	                 0);
	assert_int_equal(s->n_lb_source_ranges, 3);
	assert_cidr(&s->lb_source_ranges[0], "10.0.0.0/8");
	assert_cidr(&s->lb_source_ranges[1], "192.168.0.0/16");
	assert_cidr(&s->lb_source_ranges[2], "fd00::/8");
	assert_int_equal(unit_log_count("field=spec.loadBalancerSourceRanges[2] value=10.0.0.0/33 "
	                                "reason=invalid-cidr",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("[3] value=nope reason=invalid-cidr", NULL), 1);
	assert_int_equal(unit_log_count("[4] value=5 reason=not-a-string", NULL), 1);
	assert_int_equal(unit_log_count("[5] value=\"\" reason=invalid-cidr", NULL), 1);
	expect_lines(4);
	kube_service_free(s);

	/* LB ingress: bad IP dropped, unknown ipMode not programmed. */
	unit_log_start();
	assert_int_equal(dec("{" META ",'status':{'loadBalancer':{'ingress':[{'ip':'bad'},"
	                     "{'ip':'192.0.2.50','ipMode':'Weird'},{'hostname':'lb.example'},7,"
	                     "{'ip':'192.0.2.51','ipMode':null},{'ip':5}]}}}",
	                     &s),
	                 0);
	assert_int_equal(s->n_lb_ingress, 3);
	assert_ip(&s->lb_ingress[0].ip, "192.0.2.50");
	assert_true(s->lb_ingress[0].ip_mode_proxy);
	assert_int_equal(s->lb_ingress[1].ip.af, 0);
	assert_ip(&s->lb_ingress[2].ip, "192.0.2.51");
	assert_false(s->lb_ingress[2].ip_mode_proxy);
	assert_int_equal(unit_log_count("field=status.loadBalancer.ingress[0].ip value=bad "
	                                "reason=invalid-ip",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("ingress[1].ipMode value=Weird reason=unknown-ip-mode", NULL), 1);
	assert_int_equal(unit_log_count("ingress[3] value=7 reason=not-an-object", NULL), 1);
	assert_int_equal(unit_log_count("ingress[5].ip value=5 reason=not-a-string", NULL), 1);
	expect_lines(4);
	kube_service_free(s);
	unit_log_stop();
}

static void bad_ports(void **state)
{
	struct kube_service *s;

	unit_log_start();
	assert_int_equal(
	    dec("{" META ",'spec':{'type':'NodePort','ports':[{'port':0},"
	        "{'port':70000},{'port':'80'},{'name':'x','port':80,'protocol':'ICMP'},"
	        "{'name':'y','port':81,'nodePort':-1},{'name':5,'port':82},{},'str',"
	        "{'port':80.5},{'name':'z','port':83,'protocol':7},"
	        "{'name':'u','port':84,'protocol':'UDP','nodePort':30084}]}}",
	        &s),
	    0);
	assert_int_equal(s->n_ports, 4);
	assert_port(&s->ports[0], "x", 0, 80, 0); /* unknown protocol: kept, unusable */
	assert_port(&s->ports[1], "y", IPPROTO_TCP, 81, 0);
	assert_port(&s->ports[2], "z", 0, 83, 0);
	assert_port(&s->ports[3], "u", IPPROTO_UDP, 84, 30084);
	assert_int_equal(
	    unit_log_count("field=spec.ports[0].port value=0 reason=out-of-range", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[1].port value=70000 reason=out-of-range", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[2].port value=80 reason=not-an-integer", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[3].protocol value=ICMP reason=unknown-protocol", NULL),
	    1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[4].nodePort value=-1 reason=out-of-range", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[5].name value=5 reason=not-a-string", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[6].port value=absent reason=missing", NULL), 1);
	assert_int_equal(unit_log_count("field=spec.ports[7] value=str reason=not-an-object", NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[8].port value=80.5 reason=not-an-integer", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.ports[9].protocol value=7 reason=unknown-protocol", NULL),
	    1);
	expect_lines(10);
	kube_service_free(s);
	unit_log_stop();
}

static void cluster_ips(void **state)
{
	struct kube_service *s;

	unit_log_start();
	/* clusterIPs preferred over clusterIP; bad entries dropped. */
	assert_int_equal(dec("{" META ",'spec':{'clusterIP':'10.0.0.9','clusterIPs':['10.0.0.1',"
	                     "'zzz','fd00::1','10.0.0.2','fd00::2']}}",
	                     &s),
	                 0);
	assert_int_equal(s->n_cluster_ips, 2);
	assert_ip(&s->cluster_ips[0], "10.0.0.1");
	assert_ip(&s->cluster_ips[1], "fd00::1");
	assert_int_equal(
	    unit_log_count("field=spec.clusterIPs[1] value=zzz reason=invalid-ip", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.clusterIPs[3] value=10.0.0.2 reason=too-many", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=spec.clusterIPs[4] value=fd00::2 reason=too-many", NULL), 1);
	expect_lines(3);
	kube_service_free(s);

	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'clusterIPs':['10.0.0.1','10.0.0.2']}}", &s), 0);
	assert_int_equal(s->n_cluster_ips, 1);
	assert_int_equal(unit_log_count("field=spec.clusterIPs[1] value=10.0.0.2 "
	                                "reason=duplicate-family",
	                                NULL),
	                 1);
	kube_service_free(s);

	/* Older objects: clusterIP alone, or clusterIPs empty/null. */
	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'clusterIP':'fd00::7','clusterIPs':[]}}", &s), 0);
	assert_int_equal(s->n_cluster_ips, 1);
	assert_int_equal(s->cluster_ips[0].af, AF_INET6);
	kube_service_free(s);
	assert_int_equal(dec("{" META ",'spec':{'clusterIP':'None','clusterIPs':null}}", &s), 0);
	assert_true(s->headless);
	assert_int_equal(s->n_cluster_ips, 0);
	kube_service_free(s);
	assert_int_equal(dec("{" META ",'spec':{'clusterIP':''}}", &s), 0);
	assert_false(s->headless);
	assert_int_equal(s->n_cluster_ips, 0);
	kube_service_free(s);
	expect_lines(0);
	assert_int_equal(dec("{" META ",'spec':{'clusterIP':['10.0.0.1']}}", &s), 0);
	assert_int_equal(s->n_cluster_ips, 0);
	assert_int_equal(
	    unit_log_count("field=spec.clusterIP value=[...] reason=not-a-string", NULL), 1);
	kube_service_free(s);
	unit_log_stop();
}

static void bad_scalars(void **state)
{
	struct kube_service *s;

	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'type':'Weird','externalTrafficPolicy':'Sideways',"
	                     "'internalTrafficPolicy':3,'sessionAffinity':'ClientIP',"
	                     "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':0}},"
	                     "'healthCheckNodePort':70000,'publishNotReadyAddresses':'yes',"
	                     "'trafficDistribution':['PreferClose']}}",
	                     &s),
	                 0);
	assert_int_equal(s->type, KUBE_SVC_CLUSTER_IP);
	assert_int_equal(s->external_policy, KUBE_POLICY_CLUSTER);
	assert_int_equal(s->internal_policy, KUBE_POLICY_CLUSTER);
	assert_true(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout, KUBE_AFFINITY_DEFAULT_TIMEOUT);
	assert_int_equal(s->health_check_node_port, 0);
	assert_false(s->publish_not_ready);
	assert_null(s->traffic_distribution);
	assert_int_equal(unit_log_count("field=spec.type value=Weird reason=unknown-type", NULL),
	                 1);
	assert_int_equal(unit_log_count("field=spec.externalTrafficPolicy value=Sideways "
	                                "reason=unknown-policy",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=spec.internalTrafficPolicy value=3 "
	                                "reason=not-a-string",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=spec.sessionAffinityConfig.clientIP.timeoutSeconds "
	                                "value=0 reason=out-of-range",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=spec.healthCheckNodePort value=70000 "
	                                "reason=out-of-range",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=spec.publishNotReadyAddresses value=yes "
	                                "reason=not-a-bool",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=spec.trafficDistribution value=[...] "
	                                "reason=not-a-string",
	                                NULL),
	                 1);
	expect_lines(7);
	kube_service_free(s);

	unit_log_start();
	assert_int_equal(dec("{" META ",'spec':{'sessionAffinity':'Sticky',"
	                     "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':60}}}}",
	                     &s),
	                 0);
	assert_false(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout, 0);
	assert_int_equal(
	    unit_log_count("field=spec.sessionAffinity value=Sticky reason=unknown-affinity", NULL),
	    1);
	kube_service_free(s);

	/* ClientIP with no config: the API default. A string timeout: default too. */
	assert_int_equal(dec("{" META ",'spec':{'sessionAffinity':'ClientIP'}}", &s), 0);
	assert_int_equal(s->affinity_timeout, 10800);
	kube_service_free(s);
	assert_int_equal(dec("{" META ",'spec':{'sessionAffinity':'ClientIP',"
	                     "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':'60'}}}}",
	                     &s),
	                 0);
	assert_int_equal(s->affinity_timeout, 10800);
	assert_int_equal(unit_log_count("timeoutSeconds value=60 reason=not-an-integer", NULL), 1);
	kube_service_free(s);
	assert_int_equal(dec("{" META ",'spec':{'sessionAffinity':'ClientIP',"
	                     "'sessionAffinityConfig':{'clientIP':{'timeoutSeconds':86400}}}}",
	                     &s),
	                 0);
	assert_int_equal(s->affinity_timeout, 86400);
	kube_service_free(s);
	expect_lines(2);
	unit_log_stop();
}

static void labels_and_annotations(void **state)
{
	struct kube_service *s;

	unit_log_start();
	assert_int_equal(dec("{'metadata':{'name':'web','namespace':'shop','uid':'u-1',"
	                     "'resourceVersion':'42','labels':{'service.kubernetes.io/"
	                     "service-proxy-name':''},'annotations':{'kipvs.io/scheduler':'sh',"
	                     "'kipvs.io/scheduler-flags':'sh-fallback,sh-port'}}}",
	                     &s),
	                 0);
	assert_string_equal(s->proxy_name, ""); /* present, even empty, = not ours */
	assert_string_equal(s->scheduler, "sh");
	assert_string_equal(s->scheduler_flags, "sh-fallback,sh-port");
	assert_string_equal(s->meta.uid, "u-1");
	assert_string_equal(s->meta.resource_version, "42");
	kube_service_free(s);
	expect_lines(0);

	assert_int_equal(dec("{'metadata':{'name':'web','namespace':'shop','labels':{'service."
	                     "kubernetes.io/service-proxy-name':1},'annotations':[]}}",
	                     &s),
	                 0);
	assert_null(s->proxy_name);
	assert_null(s->scheduler);
	assert_string_equal(s->meta.uid, "");
	assert_string_equal(s->meta.resource_version, "");
	assert_int_equal(s->type, KUBE_SVC_CLUSTER_IP);
	assert_int_equal(unit_log_count("field=metadata.labels[service.kubernetes.io/"
	                                "service-proxy-name] value=1 reason=not-a-string",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=metadata.annotations value=[...] reason=not-an-object", NULL), 1);
	expect_lines(2);
	kube_service_free(s);
	unit_log_stop();
}

static void nulls_and_unknown_fields(void **state)
{
	struct kube_service *s;

	unit_log_start();
	assert_int_equal(dec("{'kind':'Service','apiVersion':'v1','metadata':{'name':'web',"
	                     "'namespace':'shop','creationTimestamp':null,'labels':null,"
	                     "'annotations':null,'futureField':{'x':[1,2]}},'spec':{'ports':null,"
	                     "'externalIPs':null,'clusterIPs':null,'clusterIP':null,'type':null,"
	                     "'sessionAffinity':null,'loadBalancerSourceRanges':null,"
	                     "'healthCheckNodePort':null,'publishNotReadyAddresses':null,"
	                     "'somethingNew':true},'status':{'loadBalancer':{'ingress':null}}}",
	                     &s),
	                 0);
	assert_int_equal(s->n_ports, 0);
	assert_null(s->ports);
	assert_int_equal(s->n_cluster_ips, 0);
	expect_lines(0);
	kube_service_free(s);
	/* No spec or status at all: defaults. */
	assert_int_equal(dec("{" META "}", &s), 0);
	assert_int_equal(s->type, KUBE_SVC_CLUSTER_IP);
	kube_service_free(s);
	assert_int_equal(dec("{" META ",'status':[]}", &s), 0);
	assert_int_equal(unit_log_count("field=status value=[...] reason=not-an-object", NULL), 1);
	kube_service_free(s);
	expect_lines(1);
	unit_log_stop();
}

/* Big and hostile inputs: bounded by what cJSON parsed, no quadratic walk,
 * no unbounded log line. */
static void huge_inputs(void **state)
{
	enum { N = 100000 };
	size_t cap = (size_t)N * 20 + 256, o = 0;
	char *buf = malloc(cap);
	struct kube_service *s;
	cJSON *j;

	assert_non_null(buf);
	o += (size_t)snprintf(buf + o, cap - o, "{%s,\"spec\":{\"externalIPs\":[",
	                      "\"metadata\":"
	                      "{\"name\":\"w\","
	                      "\"namespace\":\"s\"}");
	for (int i = 0; i < N; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s\"10.%d.%d.%d\"", i ? "," : "",
		                      (i >> 16) & 255, (i >> 8) & 255, i & 255);
	o += (size_t)snprintf(buf + o, cap - o, "]}}");
	assert_int_equal(kube_json_parse(buf, o, "huge", &j), 0);
	assert_int_equal(kube_service_decode(j, &s), 0);
	assert_int_equal(s->n_external_ips, N);
	assert_ip(&s->external_ips[N - 1], "10.1.134.159");
	kube_service_free(s);
	cJSON_Delete(j);
	free(buf);

	/* A 1 MB name and a 1 MB bad value: one short log line. */
	buf = malloc(2u << 20);
	assert_non_null(buf);
	o = (size_t)snprintf(buf, 64, "{\"metadata\":{\"name\":\"");
	memset(buf + o, 'n', 1u << 20);
	o += 1u << 20;
	o += (size_t)snprintf(buf + o, 64, "\",\"namespace\":\"s\"},\"spec\":{\"type\":\"");
	memset(buf + o, 't', 1u << 19);
	o += 1u << 19;
	o += (size_t)snprintf(buf + o, 64, "\"}}");
	unit_log_start();
	assert_int_equal(kube_json_parse(buf, o, "huge", &j), 0);
	assert_int_equal(kube_service_decode(j, &s), 0);
	assert_int_equal(strlen(s->meta.name), 1u << 20);
	assert_int_equal(unit_log_count("reason=unknown-type", NULL), 1);
	assert_true(strlen(unit_log_text()) < 1024);
	kube_service_free(s);
	cJSON_Delete(j);
	free(buf);
	unit_log_stop();
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(fixture_services),
	cmocka_unit_test(watch_stream),
	cmocka_unit_test(bad_identity),
	cmocka_unit_test(bad_list_entries),
	cmocka_unit_test(bad_ports),
	cmocka_unit_test(cluster_ips),
	cmocka_unit_test(bad_scalars),
	cmocka_unit_test(labels_and_annotations),
	cmocka_unit_test(nulls_and_unknown_fields),
	cmocka_unit_test(huge_inputs),
};

UNIT_MAIN(tests)
