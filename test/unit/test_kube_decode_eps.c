/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EndpointSlice, Endpoints and Node decoding: the fixtures field by field,
 * the EndpointSlice watch and watch-list streams, and bad input with its log
 * lines.
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

static void assert_ep(const struct kube_endpoint *ep, const char *ip, bool ready, bool serving,
                      bool terminating, const char *node, const char *zone)
{
	assert_ip(&ep->addr, ip);
	assert_int_equal(ep->ready, ready);
	assert_int_equal(ep->serving, serving);
	assert_int_equal(ep->terminating, terminating);
	if (node)
		assert_string_equal(ep->node_name, node);
	else
		assert_null(ep->node_name);
	if (zone)
		assert_string_equal(ep->zone, zone);
	else
		assert_null(ep->zone);
}

static void assert_eport(const struct kube_endpoint_port *p, const char *name, int proto, int port)
{
	if (name) {
		assert_non_null(p->name);
		assert_string_equal(p->name, name);
	} else {
		assert_null(p->name);
	}
	assert_int_equal(p->protocol, proto);
	assert_int_equal(p->port, port);
}

static int invalid_lines(void)
{
	return unit_log_count("level=warn", "event=decode_invalid", NULL);
}

static void expect_lines(int n)
{
	if (invalid_lines() != n)
		fail_msg("want %d decode_invalid lines, got:\n%s", n, unit_log_text());
}

/* ---- fixtures --------------------------------------------------------- */

#define MAX_OBJS 16
struct objs {
	struct kube_object v[MAX_OBJS];
	size_t n;
};

static void decode_list(const char *rel, enum kube_kind want, struct objs *os)
{
	struct kube_list_iter it;
	enum kube_kind kind;
	const cJSON *item;
	cJSON *list = load(rel);

	assert_int_equal(kube_list_iter_init(&it, list, KUBE_KIND_UNKNOWN), 0);
	while ((item = kube_list_iter_next(&it, &kind))) {
		assert_int_equal(kind, want);
		assert_true(os->n < MAX_OBJS);
		assert_int_equal(kube_object_decode(item, kind, &os->v[os->n]), 0);
		assert_int_equal(os->v[os->n].kind, want);
		os->n++;
	}
	cJSON_Delete(list);
}

static void free_objs(struct objs *os)
{
	for (size_t i = 0; i < os->n; i++)
		kube_object_free(&os->v[i]);
}

static const void *find(const struct objs *os, const char *ns, const char *name)
{
	for (size_t i = 0; i < os->n; i++) {
		const struct kube_meta *m = kube_object_meta(&os->v[i]);

		if (!strcmp(m->namespace, ns) && !strcmp(m->name, name))
			return os->v[i].ptr;
	}
	fail_msg("object %s/%s not decoded", ns, name);
	return NULL;
}

static void fixture_slices(void **state)
{
	const struct kube_endpoint_slice *s;
	struct objs os = { 0 };

	unit_log_start();
	decode_list("k8s/endpointslices.json", KUBE_KIND_ENDPOINT_SLICE, &os);
	assert_int_equal(os.n, 11);
	assert_string_equal(unit_log_text(), "");

	/* apiserver-written: no managed-by label, conditions with only ready. */
	s = find(&os, "default", "kubernetes");
	assert_string_equal(s->meta.uid, "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b");
	assert_string_equal(s->meta.resource_version, "201");
	assert_string_equal(s->service_name, "kubernetes");
	assert_int_equal(s->address_type, AF_INET);
	assert_false(s->headless);
	assert_null(s->proxy_name);
	assert_int_equal(s->trigger_time_ms, 0);
	assert_int_equal(s->n_endpoints, 1);
	assert_ep(&s->endpoints[0], "172.18.0.2", true, true, false, NULL, NULL);
	assert_int_equal(s->endpoints[0].n_hint_zones, 0);
	assert_int_equal(s->n_ports, 1);
	assert_eport(&s->ports[0], "https", IPPROTO_TCP, 6443);

	s = find(&os, "kube-system", "kube-dns-7xq2n");
	assert_int_equal(s->trigger_time_ms, INT64_C(1741944460000));
	assert_int_equal(s->n_endpoints, 2);
	assert_ep(&s->endpoints[1], "10.244.0.4", true, true, false, "node-a", "zone-a");
	assert_int_equal(s->n_ports, 3);
	assert_eport(&s->ports[0], "dns-tcp", IPPROTO_TCP, 53);
	assert_eport(&s->ports[1], "dns", IPPROTO_UDP, 53);
	assert_eport(&s->ports[2], "metrics", IPPROTO_TCP, 9153);

	/* ready / not ready / terminating-but-serving; named target port resolved. */
	s = find(&os, "shop", "frontend-x7k2p");
	assert_string_equal(s->service_name, "frontend");
	assert_int_equal(s->trigger_time_ms, INT64_C(1749541262000));
	assert_int_equal(s->n_endpoints, 3);
	assert_ep(&s->endpoints[0], "10.244.1.12", true, true, false, "node-b", "zone-a");
	assert_ep(&s->endpoints[1], "10.244.2.15", false, false, false, "node-c", "zone-b");
	assert_ep(&s->endpoints[2], "10.244.2.16", false, true, true, "node-c", "zone-b");
	assert_int_equal(s->n_ports, 1);
	assert_eport(&s->ports[0], "http", IPPROTO_TCP, 8080);

	s = find(&os, "shop", "checkout-q9z8d");
	assert_int_equal(s->n_endpoints, 2);
	assert_ep(&s->endpoints[0], "10.244.1.40", true, true, false, "node-b", "zone-a");
	assert_ep(&s->endpoints[1], "10.244.2.41", true, true, false, "node-c", "zone-b");

	/* Placeholder: "endpoints": null, "ports": null. */
	s = find(&os, "shop", "search-5fgh2");
	assert_string_equal(s->service_name, "search");
	assert_int_equal(s->address_type, AF_INET);
	assert_int_equal(s->n_endpoints, 0);
	assert_null(s->endpoints);
	assert_int_equal(s->n_ports, 0);
	assert_null(s->ports);
	assert_int_equal(s->trigger_time_ms, 0);

	/* One Service over four slices, grpc on 9090 and 9091, zone hints. */
	s = find(&os, "shop", "catalog-4mxkz");
	assert_int_equal(s->address_type, AF_INET);
	assert_int_equal(s->trigger_time_ms, INT64_C(1746086470000));
	assert_int_equal(s->n_endpoints, 2);
	assert_ep(&s->endpoints[0], "10.244.1.7", true, true, false, "node-b", "zone-a");
	assert_int_equal(s->endpoints[0].n_hint_zones, 1);
	assert_string_equal(s->endpoints[0].hint_zones[0], "zone-a");
	assert_int_equal(s->endpoints[0].n_hint_nodes, 0);
	assert_string_equal(s->endpoints[1].hint_zones[0], "zone-b");
	assert_eport(&s->ports[0], "http", IPPROTO_TCP, 8080);
	assert_eport(&s->ports[1], "grpc", IPPROTO_TCP, 9090);
	s = find(&os, "shop", "catalog-8wd7c");
	assert_int_equal(s->n_endpoints, 1);
	assert_ep(&s->endpoints[0], "10.244.1.20", true, true, false, "node-b", "zone-a");
	assert_eport(&s->ports[1], "grpc", IPPROTO_TCP, 9091);
	s = find(&os, "shop", "catalog-zr5tb");
	assert_int_equal(s->address_type, AF_INET6);
	assert_int_equal(s->n_endpoints, 2);
	assert_ep(&s->endpoints[0], "fd00:10:244:1::7", true, true, false, "node-b", "zone-a");
	assert_ep(&s->endpoints[1], "fd00:10:244:2::9", true, true, false, "node-c", "zone-b");
	assert_eport(&s->ports[1], "grpc", IPPROTO_TCP, 9090);
	s = find(&os, "shop", "catalog-p2lq6");
	assert_int_equal(s->address_type, AF_INET6);
	assert_ep(&s->endpoints[0], "fd00:10:244:1::14", true, true, false, "node-b", "zone-a");
	assert_eport(&s->ports[1], "grpc", IPPROTO_TCP, 9091);
	assert_int_equal(s->trigger_time_ms, INT64_C(1746086472000));

	/* headless label (value ""); publishNotReadyAddresses: ready, not serving. */
	s = find(&os, "shop", "catalog-headless-m2n4b");
	assert_true(s->headless);
	assert_string_equal(s->service_name, "catalog-headless");
	assert_int_equal(s->trigger_time_ms, INT64_C(1746086520000));
	assert_int_equal(s->n_endpoints, 3);
	assert_ep(&s->endpoints[2], "10.244.2.33", true, false, false, "node-c", "zone-b");

	/* proxy-name label and an unnamed port: "" (usable), not NULL. */
	s = find(&os, "shop", "legacy-mesh-j4k8s");
	assert_string_equal(s->proxy_name, "mesh-proxy");
	assert_string_equal(s->service_name, "legacy-mesh");
	assert_int_equal(s->n_ports, 1);
	assert_eport(&s->ports[0], "", IPPROTO_TCP, 8080);

	free_objs(&os);
	unit_log_stop();
}

static void fixture_endpoints(void **state)
{
	const struct kube_endpoints *e;
	const struct kube_endpoints_subset *ss;
	struct objs os = { 0 };

	unit_log_start();
	decode_list("k8s/endpoints.json", KUBE_KIND_ENDPOINTS, &os);
	assert_int_equal(os.n, 5);
	assert_string_equal(unit_log_text(), "");

	e = find(&os, "default", "kubernetes");
	assert_string_equal(e->meta.resource_version, "200");
	assert_int_equal(e->trigger_time_ms, 0);
	assert_null(e->proxy_name);
	assert_int_equal(e->n_subsets, 1);
	ss = &e->subsets[0];
	assert_int_equal(ss->n_endpoints, 1);
	assert_ep(&ss->endpoints[0], "172.18.0.2", true, true, false, NULL, NULL);
	assert_int_equal(ss->n_ports, 1);
	assert_eport(&ss->ports[0], "https", IPPROTO_TCP, 6443);

	e = find(&os, "kube-system", "kube-dns");
	assert_int_equal(e->trigger_time_ms, INT64_C(1741944460000));
	assert_int_equal(e->subsets[0].n_endpoints, 2);
	assert_int_equal(e->subsets[0].n_ports, 3);
	assert_eport(&e->subsets[0].ports[1], "dns", IPPROTO_UDP, 53);

	/* notReadyAddresses: ready=false, serving=false, terminating=false. */
	e = find(&os, "shop", "frontend");
	assert_int_equal(e->n_subsets, 1);
	ss = &e->subsets[0];
	assert_int_equal(ss->n_endpoints, 2);
	assert_ep(&ss->endpoints[0], "10.244.1.12", true, true, false, "node-b", NULL);
	assert_ep(&ss->endpoints[1], "10.244.2.15", false, false, false, "node-c", NULL);
	assert_eport(&ss->ports[0], "http", IPPROTO_TCP, 8080);

	/* Two subsets: the named port resolved differently per pod. */
	e = find(&os, "shop", "catalog");
	assert_int_equal(e->n_subsets, 2);
	assert_int_equal(e->subsets[0].n_endpoints, 2);
	assert_eport(&e->subsets[0].ports[1], "grpc", IPPROTO_TCP, 9090);
	assert_int_equal(e->subsets[1].n_endpoints, 1);
	assert_ep(&e->subsets[1].endpoints[0], "10.244.1.20", true, true, false, "node-b", NULL);
	assert_eport(&e->subsets[1].ports[1], "grpc", IPPROTO_TCP, 9091);

	/* No backends: subsets omitted. */
	e = find(&os, "shop", "search");
	assert_int_equal(e->n_subsets, 0);
	assert_null(e->subsets);

	free_objs(&os);
	unit_log_stop();
}

static void nodes(void **state)
{
	struct kube_node *n;
	cJSON *j;

	unit_log_start();
	j = json("{'kind':'Node','apiVersion':'v1','metadata':{'name':'node-c','uid':'n-3',"
	         "'resourceVersion':'77','labels':{'kubernetes.io/hostname':'node-c',"
	         "'topology.kubernetes.io/zone':'zone-b'}},'status':{'addresses':[]}}");
	assert_int_equal(kube_node_decode(j, &n), 0);
	assert_string_equal(n->meta.name, "node-c");
	assert_string_equal(n->meta.namespace, "");
	assert_string_equal(n->meta.uid, "n-3");
	assert_string_equal(n->meta.resource_version, "77");
	assert_string_equal(n->zone, "zone-b");
	assert_false(n->deleting);
	assert_false(n->autoscaler_taint);
	kube_node_free(n);
	cJSON_Delete(j);

	/* Going away: deletionTimestamp, or the cluster autoscaler's taint. */
	j = json(
	    "{'metadata':{'name':'node-d','deletionTimestamp':'2026-11-26T10:00:00Z'},"
	    "'spec':{'taints':[{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule'},"
	    "{'key':'ToBeDeletedByClusterAutoscaler','value':'1','effect':'NoSchedule'}]}}");
	assert_int_equal(kube_node_decode(j, &n), 0);
	assert_true(n->deleting);
	assert_true(n->autoscaler_taint);
	kube_node_free(n);
	cJSON_Delete(j);
	j = json("{'metadata':{'name':'node-e'},'spec':{'taints':'bogus'}}");
	assert_int_equal(kube_node_decode(j, &n), 0);
	assert_false(n->autoscaler_taint);
	kube_node_free(n);
	cJSON_Delete(j);

	j = json("{'metadata':{'name':'node-a'}}");
	assert_int_equal(kube_node_decode(j, &n), 0);
	assert_null(n->zone);
	kube_node_free(n);
	cJSON_Delete(j);
	expect_lines(0);

	j = json("{'metadata':{'labels':{'topology.kubernetes.io/zone':'z'}}}");
	assert_int_equal(kube_node_decode(j, &n), -EINVAL);
	assert_null(n);
	assert_int_equal(unit_log_count("kind=Node obj=? field=metadata.name value=absent "
	                                "reason=missing",
	                                NULL),
	                 1);
	cJSON_Delete(j);

	j = json("{'metadata':{'name':'node-b','labels':{'topology.kubernetes.io/zone':['z']}}}");
	assert_int_equal(kube_node_decode(j, &n), 0);
	assert_null(n->zone);
	assert_int_equal(unit_log_count("kind=Node obj=node-b field=metadata.labels[topology."
	                                "kubernetes.io/zone] value=[...] reason=not-a-string",
	                                NULL),
	                 1);
	kube_node_free(n);
	cJSON_Delete(j);
	expect_lines(2);
	unit_log_stop();
}

/* ---- watch streams ---------------------------------------------------- */

struct want_ev {
	enum kube_event_type type;
	const char *rv;
	size_t n_endpoints; /* for object events */
};

/* Feeds every line of @rel through parse + event decode + object decode,
 * checking types, resourceVersions and endpoint counts in order. Returns the
 * number of lines seen; *bookmark_end counts initial-events-end bookmarks. */
static size_t replay(const char *rel, const struct want_ev *want, size_t n_want, int *bookmark_end,
                     struct kube_status *last_status)
{
	size_t len, n = 0;
	char *buf = unit_read_file(unit_fixture_path(rel), &len);
	char *line, *nl;

	assert_non_null(buf);
	*bookmark_end = 0;
	for (line = buf; line < buf + len; line = nl + 1) {
		struct kube_watch_event ev;
		struct kube_object o;
		cJSON *root;

		nl = memchr(line, '\n', (size_t)(buf + len - line));
		if (!nl)
			nl = buf + len;
		if (nl == line)
			continue;
		assert_int_equal(kube_json_parse(line, (size_t)(nl - line), rel, &root), 0);
		assert_int_equal(kube_watch_event_decode(root, &ev), 0);
		if (n < n_want) {
			assert_int_equal(ev.type, want[n].type);
			if (want[n].rv)
				assert_string_equal(ev.resource_version, want[n].rv);
		}
		*bookmark_end += ev.initial_events_end;
		if (ev.type == KUBE_EV_ERROR) {
			*last_status = ev.status;
		} else if (ev.type != KUBE_EV_BOOKMARK) {
			assert_int_equal(ev.kind, KUBE_KIND_ENDPOINT_SLICE);
			assert_int_equal(kube_object_decode(ev.object, ev.kind, &o), 0);
			assert_string_equal(o.slice->meta.resource_version, ev.resource_version);
			if (n < n_want)
				assert_int_equal(o.slice->n_endpoints, want[n].n_endpoints);
			kube_object_free(&o);
			assert_null(o.ptr);
		}
		cJSON_Delete(root);
		n++;
	}
	free(buf);
	return n;
}

static void watch_slices(void **state)
{
	static const struct want_ev want[] = {
		{ KUBE_EV_ADDED, "48231", 0 },    { KUBE_EV_MODIFIED, "48236", 1 },
		{ KUBE_EV_MODIFIED, "48244", 1 }, { KUBE_EV_BOOKMARK, "48260", 0 },
		{ KUBE_EV_MODIFIED, "48268", 2 }, { KUBE_EV_DELETED, "48291", 1 },
		{ KUBE_EV_ERROR, "", 0 },
	};
	struct kube_status st;
	int ends;

	unit_log_start();
	assert_int_equal(replay("k8s/watch-endpointslices.jsonl", want, 7, &ends, &st), 7);
	assert_int_equal(ends, 0);
	assert_int_equal(st.code, 410);
	assert_true(kube_status_is_expired(&st));

	assert_int_equal(replay("k8s/watch-410-on-start.jsonl", want + 6, 1, &ends, &st), 1);
	assert_int_equal(st.code, 410);
	assert_string_equal(st.reason, "Expired");
	assert_string_equal(st.message, "too old resource version: 48213 (48890)");

	/* Streaming list: ten synthetic ADDED, the end-of-initial-events bookmark. */
	static const struct want_ev wl[] = {
		{ KUBE_EV_ADDED, "201", 1 },      { KUBE_EV_ADDED, "412", 2 },
		{ KUBE_EV_ADDED, "48190", 3 },    { KUBE_EV_ADDED, NULL, 2 },
		{ KUBE_EV_ADDED, NULL, 0 },       { KUBE_EV_ADDED, NULL, 2 },
		{ KUBE_EV_ADDED, NULL, 1 },       { KUBE_EV_ADDED, NULL, 2 },
		{ KUBE_EV_ADDED, NULL, 1 },       { KUBE_EV_ADDED, NULL, 1 },
		{ KUBE_EV_BOOKMARK, "48215", 0 }, { KUBE_EV_MODIFIED, "48268", 2 },
	};
	assert_int_equal(replay("k8s/watchlist-endpointslices.jsonl", wl, 12, &ends, &st), 12);
	assert_int_equal(ends, 1);
	assert_string_equal(unit_log_text(), "");
	unit_log_stop();
}

/* ---- bad input -------------------------------------------------------- */

static int dec_slice(const char *text, struct kube_endpoint_slice **s)
{
	cJSON *j = json(text);
	int r = kube_endpoint_slice_decode(j, s);

	cJSON_Delete(j);
	return r;
}

#define SMETA                                                                                      \
	"'metadata':{'name':'web-abc','namespace':'shop','labels':{'kubernetes.io/"                \
	"service-name':'web'}}"

static void slice_address_types(void **state)
{
	struct kube_endpoint_slice *s;

	unit_log_start();
	assert_int_equal(dec_slice("{" SMETA ",'addressType':'FQDN','endpoints':[{'addresses':"
	                           "['db.example.com']}],'ports':[{'name':'x','port':5432}]}",
	                           &s),
	                 0);
	assert_int_equal(s->address_type, 0);
	assert_int_equal(s->n_endpoints, 0); /* FQDN: ignored, not logged */
	assert_int_equal(s->n_ports, 1);
	kube_endpoint_slice_free(s);
	expect_lines(0);

	assert_int_equal(dec_slice("{" SMETA ",'addressType':'IPv5'}", &s), 0);
	assert_int_equal(s->address_type, 0);
	assert_int_equal(unit_log_count("kind=EndpointSlice obj=shop/web-abc field=addressType "
	                                "value=IPv5 reason=unknown-address-type",
	                                NULL),
	                 1);
	kube_endpoint_slice_free(s);
	assert_int_equal(dec_slice("{" SMETA "}", &s), 0);
	assert_int_equal(s->address_type, 0);
	assert_int_equal(unit_log_count("field=addressType value=absent reason=missing", NULL), 1);
	kube_endpoint_slice_free(s);
	assert_int_equal(dec_slice("{" SMETA ",'addressType':4}", &s), 0);
	assert_int_equal(unit_log_count("field=addressType value=4 reason=not-a-string", NULL), 1);
	kube_endpoint_slice_free(s);
	expect_lines(3);

	/* No service-name label: decoded, unlinked. */
	unit_log_start();
	assert_int_equal(
	    dec_slice("{'metadata':{'name':'x','namespace':'y'},'addressType':'IPv6'}", &s), 0);
	assert_null(s->service_name);
	assert_int_equal(s->address_type, AF_INET6);
	kube_endpoint_slice_free(s);
	expect_lines(0);
	unit_log_stop();
}

static void slice_bad_endpoints(void **state)
{
	struct kube_endpoint_slice *s;

	unit_log_start();
	assert_int_equal(
	    dec_slice("{" SMETA ",'addressType':'IPv4','endpoints':[{'addresses':[]},"
	              "{'addresses':['bad']},{'addresses':['fd00::1']},{},{'addresses':'10.0.0.1'},"
	              "5,{'addresses':['10.0.0.1','10.0.0.2'],'conditions':{'ready':'yes',"
	              "'serving':null,'terminating':1},'nodeName':7,'zone':'z1',"
	              "'hints':{'forZones':[{'name':'a'},{},{'name':3},'b'],'forNodes':[{'name':"
	              "'node-a'}]}},{'addresses':[3]},{'addresses':['10.0.0.3'],'conditions':[],"
	              "'hints':[]}]}",
	              &s),
	    0);
	assert_int_equal(s->n_endpoints, 2);
	/* Wrong-typed conditions fall back to the nil meaning. */
	assert_ep(&s->endpoints[0], "10.0.0.1", true, true, false, NULL, "z1");
	assert_int_equal(s->endpoints[0].n_hint_zones, 1);
	assert_string_equal(s->endpoints[0].hint_zones[0], "a");
	assert_int_equal(s->endpoints[0].n_hint_nodes, 1);
	assert_string_equal(s->endpoints[0].hint_nodes[0], "node-a");
	assert_ep(&s->endpoints[1], "10.0.0.3", true, true, false, NULL, NULL);
	assert_int_equal(
	    unit_log_count("field=endpoints[0].addresses[0] value=absent reason=missing", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=endpoints[1].addresses[0] value=bad reason=invalid-ip", NULL), 1);
	assert_int_equal(unit_log_count("field=endpoints[2].addresses[0] value=fd00::1 "
	                                "reason=wrong-family",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=endpoints[3].addresses value=absent reason=missing", NULL), 1);
	assert_int_equal(unit_log_count("field=endpoints[4].addresses value=10.0.0.1 "
	                                "reason=not-an-array",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[5] value=5 reason=not-an-object", NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[6].conditions.ready value=yes "
	                                "reason=not-a-bool",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[6].conditions.terminating value=1 "
	                                "reason=not-a-bool",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=endpoints[6].nodeName value=7 reason=not-a-string", NULL), 1);
	assert_int_equal(unit_log_count("field=endpoints[6].hints.forZones[1].name value=absent "
	                                "reason=missing",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[6].hints.forZones[2].name value=3 "
	                                "reason=not-a-name",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[6].hints.forZones[3].name value=absent "
	                                "reason=missing",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[7].addresses[0] value=3 "
	                                "reason=not-a-string",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("field=endpoints[8].conditions value=[...] "
	                                "reason=not-an-object",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=endpoints[8].hints value=[...] reason=not-an-object", NULL), 1);
	expect_lines(15);
	kube_endpoint_slice_free(s);

	unit_log_start();
	assert_int_equal(dec_slice("{" SMETA ",'addressType':'IPv4','endpoints':{},'ports':7}", &s),
	                 0);
	assert_int_equal(s->n_endpoints, 0);
	assert_int_equal(s->n_ports, 0);
	assert_int_equal(unit_log_count("field=endpoints value={...} reason=not-an-array", NULL),
	                 1);
	assert_int_equal(unit_log_count("field=ports value=7 reason=not-an-array", NULL), 1);
	expect_lines(2);
	kube_endpoint_slice_free(s);
	unit_log_stop();
}

static void slice_bad_ports(void **state)
{
	struct kube_endpoint_slice *s;

	unit_log_start();
	assert_int_equal(dec_slice("{" SMETA ",'addressType':'IPv4','ports':[{'name':null,"
	                           "'port':80},{'port':null,'name':'p'},{'name':'q','port':70000},"
	                           "{'name':'r','port':81,'protocol':'BOGUS'},{'name':'s','port':"
	                           "'82'},{'port':83},{'name':'t','port':-1},[],{'name':[],'port':"
	                           "84},{'name':'u','port':0,'protocol':'SCTP'}]}",
	                           &s),
	                 0);
	assert_int_equal(s->n_ports, 5);
	assert_eport(&s->ports[0], NULL, IPPROTO_TCP, 80); /* nil name: NULL (unusable) */
	assert_eport(&s->ports[1], "p", IPPROTO_TCP, 0);   /* nil port: 0 (unusable), no log */
	assert_eport(&s->ports[2], "r", 0, 81);            /* unknown protocol: kept, unusable */
	assert_eport(&s->ports[3], NULL, IPPROTO_TCP, 83); /* absent name is nil too */
	assert_eport(&s->ports[4], "u", IPPROTO_SCTP, 0);
	assert_int_equal(
	    unit_log_count("field=ports[2].port value=70000 reason=out-of-range", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=ports[3].protocol value=BOGUS reason=unknown-protocol", NULL), 1);
	assert_int_equal(unit_log_count("field=ports[4].port value=82 reason=not-an-integer", NULL),
	                 1);
	assert_int_equal(unit_log_count("field=ports[6].port value=-1 reason=out-of-range", NULL),
	                 1);
	assert_int_equal(unit_log_count("field=ports[7] value=[...] reason=not-an-object", NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=ports[8].name value=[...] reason=not-a-string", NULL), 1);
	expect_lines(6);
	kube_endpoint_slice_free(s);
	unit_log_stop();
}

static int dec_eps(const char *text, struct kube_endpoints **e)
{
	cJSON *j = json(text);
	int r = kube_endpoints_decode(j, e);

	cJSON_Delete(j);
	return r;
}

static void endpoints_bad(void **state)
{
	struct kube_endpoints *e;

	unit_log_start();
	assert_int_equal(dec_eps("{'metadata':{'name':'web','namespace':'shop','annotations':{"
	                         "'endpoints.kubernetes.io/last-change-trigger-time':'yesterday'}},"
	                         "'subsets':[{'addresses':[{'ip':'bad'},{'ip':'10.0.0.1',"
	                         "'nodeName':'n1'},{}],'notReadyAddresses':[{'ip':'10.0.0.2'},7],"
	                         "'ports':[{'port':0},{'name':'a','port':8080},{'protocol':'UDP'},"
	                         "{'port':53,'protocol':'UDP'}]},'x',{'addresses':'y'}]}",
	                         &e),
	                 0);
	assert_int_equal(e->trigger_time_ms, 0);
	assert_int_equal(e->n_subsets, 2);
	assert_int_equal(e->subsets[0].n_endpoints, 2);
	assert_ep(&e->subsets[0].endpoints[0], "10.0.0.1", true, true, false, "n1", NULL);
	assert_ep(&e->subsets[0].endpoints[1], "10.0.0.2", false, false, false, NULL, NULL);
	assert_int_equal(e->subsets[0].n_ports, 2);
	assert_eport(&e->subsets[0].ports[0], "a", IPPROTO_TCP, 8080);
	assert_eport(&e->subsets[0].ports[1], "", IPPROTO_UDP, 53); /* absent name => "" */
	assert_int_equal(e->subsets[1].n_endpoints, 0);
	assert_int_equal(unit_log_count("kind=Endpoints obj=shop/web field=metadata.annotations["
	                                "endpoints.kubernetes.io/last-change-trigger-time] "
	                                "value=yesterday reason=not-rfc3339",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=subsets[0].addresses[0].ip value=bad reason=invalid-ip", NULL),
	    1);
	assert_int_equal(
	    unit_log_count("field=subsets[0].addresses[2].ip value=absent reason=missing", NULL),
	    1);
	assert_int_equal(unit_log_count("field=subsets[0].notReadyAddresses[1] value=7 "
	                                "reason=not-an-object",
	                                NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("field=subsets[0].ports[0].port value=0 reason=out-of-range", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=subsets[0].ports[2].port value=absent reason=missing", NULL), 1);
	assert_int_equal(unit_log_count("field=subsets[1] value=x reason=not-an-object", NULL), 1);
	assert_int_equal(
	    unit_log_count("field=subsets[2].addresses value=y reason=not-an-array", NULL), 1);
	expect_lines(8);
	kube_endpoints_free(e);

	unit_log_start();
	assert_int_equal(dec_eps("{'metadata':{'name':'web'},'subsets':[]}", &e), -EINVAL);
	assert_null(e);
	assert_int_equal(unit_log_count("kind=Endpoints obj=web field=metadata.namespace "
	                                "value=absent reason=missing",
	                                NULL),
	                 1);
	assert_int_equal(dec_eps("{'metadata':{'name':'web','namespace':'x'},'subsets':null}", &e),
	                 0);
	assert_int_equal(e->n_subsets, 0);
	kube_endpoints_free(e);
	expect_lines(1);
	unit_log_stop();
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(fixture_slices),
	cmocka_unit_test(fixture_endpoints),
	cmocka_unit_test(nodes),
	cmocka_unit_test(watch_slices),
	cmocka_unit_test(slice_address_types),
	cmocka_unit_test(slice_bad_endpoints),
	cmocka_unit_test(slice_bad_ports),
	cmocka_unit_test(endpoints_bad),
};

UNIT_MAIN(tests)
