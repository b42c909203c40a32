/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode_eps — discovery/v1 EndpointSlice, core/v1 Endpoints and Node
 * JSON into their kube_types.h structs (k8s-api.md 7.2, 7.3; rules:
 * kube_decode.h).
 */
#include "kube_decode.h"
#include "kube_decode_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../addr.h"

/* ---- ports (both kinds) ----------------------------------------------- */

/*
 * One port entry. EndpointSlice ports have pointer fields: a nil name is
 * NULL (unusable), a nil port is 0 (unusable). Endpoints ports have plain
 * fields: an absent name is "", and the port is required.
 * Returns 0 kept, 1 dropped (logged), -ENOMEM.
 */
static int decode_eport(const struct kd *d, const cJSON *p, const char *prefix, bool slice,
                        struct kube_endpoint_port *out)
{
	char path[KD_PATH_MAX];
	const cJSON *name;
	int64_t n;
	int r, err = 0;

	if (!cJSON_IsObject(p)) {
		kd_log(d, prefix, p, "not-an-object");
		return 1;
	}
	kd_path(path, "%s.port", prefix);
	r = kd_int(d, p, "port", path, slice ? 0 : 1, 65535, &n);
	if (r < 0)
		return 1;
	if (r == 0 && !slice) {
		kd_log(d, path, NULL, "missing");
		return 1;
	}
	out->port = r == 1 ? (uint16_t)n : 0;
	name = kd_get(p, "name");
	if (name && !cJSON_IsString(name)) {
		kd_path(path, "%s.name", prefix);
		kd_log(d, path, name, "not-a-string");
		return 1;
	}
	kd_path(path, "%s.protocol", prefix);
	out->protocol = kd_protocol_field(d, p, path);
	if (name)
		out->name = kd_dup(name->valuestring, &err);
	else if (!slice)
		out->name = kd_dup("", &err);
	return err;
}

static int decode_eports(const struct kd *d, const cJSON *ports, const char *what, bool slice,
                         struct kube_endpoint_port **out, size_t *n_out)
{
	const cJSON *p;
	size_t i = 0;

	if (!ports || !ports->child)
		return 0;
	*out = kd_calloc((size_t)cJSON_GetArraySize(ports), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(p, ports)
	{
		struct kube_endpoint_port *ep = &(*out)[*n_out];
		char prefix[KD_PATH_MAX];
		int r;

		kd_path(prefix, "%s[%zu]", what, i++);
		memset(ep, 0, sizeof(*ep));
		r = decode_eport(d, p, prefix, slice, ep);
		if (r < 0)
			return r;
		if (r == 0)
			(*n_out)++;
	}
	return 0;
}

/* ---- EndpointSlice ---------------------------------------------------- */

/* hints.forZones / hints.forNodes: the "name" of each entry. */
static int decode_hint_names(const struct kd *d, const cJSON *hints, const char *key,
                             const char *prefix, char ***out, size_t *n_out)
{
	char path[KD_PATH_MAX];
	const cJSON *arr, *h;
	size_t i = 0;
	int err = 0;

	kd_path(path, "%s.%s", prefix, key);
	arr = kd_array(d, hints, key, path);
	if (!arr || !arr->child)
		return 0;
	*out = kd_calloc((size_t)cJSON_GetArraySize(arr), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(h, arr)
	{
		const cJSON *name = cJSON_IsObject(h) ? kd_get(h, "name") : NULL;

		kd_path(path, "%s.%s[%zu].name", prefix, key, i++);
		if (!cJSON_IsString(name) || !*name->valuestring) {
			kd_log(d, path, name, name ? "not-a-name" : "missing");
			continue;
		}
		(*out)[*n_out] = kd_dup(name->valuestring, &err);
		if (err)
			return err;
		(*n_out)++;
	}
	return 0;
}

/* addresses[0] of a slice endpoint: 0 ok, 1 dropped (logged). */
static int decode_first_address(const struct kd *d, const cJSON *e, const char *prefix, uint16_t af,
                                struct net_addr *out)
{
	char path[KD_PATH_MAX];
	const cJSON *addrs, *a;

	kd_path(path, "%s.addresses", prefix);
	addrs = kd_array(d, e, "addresses", path);
	if (!addrs) {
		if (!kd_get(e, "addresses")) /* else: wrong type, logged */
			kd_log(d, path, NULL, "missing");
		return 1;
	}
	a = addrs->child;
	kd_path(path, "%s.addresses[0]", prefix);
	if (!a) {
		kd_log(d, path, NULL, "missing");
		return 1;
	}
	if (!cJSON_IsString(a)) {
		kd_log(d, path, a, "not-a-string");
		return 1;
	}
	if (addr_parse(a->valuestring, out) < 0) {
		kd_log(d, path, a, "invalid-ip");
		return 1;
	}
	if (out->af != af) {
		kd_log(d, path, a, "wrong-family");
		return 1;
	}
	return 0;
}

static void decode_conditions(const struct kd *d, const cJSON *e, const char *prefix,
                              struct kube_endpoint *ep)
{
	char path[KD_PATH_MAX];
	const cJSON *c;

	/* nil semantics: ready and serving default to true, terminating to
	 * false, also when a value has the wrong type. */
	ep->ready = ep->serving = true;
	ep->terminating = false;
	kd_path(path, "%s.conditions", prefix);
	c = kd_object(d, e, "conditions", path);
	if (!c)
		return;
	kd_path(path, "%s.conditions.ready", prefix);
	(void)kd_bool(d, c, "ready", path, &ep->ready);
	kd_path(path, "%s.conditions.serving", prefix);
	(void)kd_bool(d, c, "serving", path, &ep->serving);
	kd_path(path, "%s.conditions.terminating", prefix);
	(void)kd_bool(d, c, "terminating", path, &ep->terminating);
}

/* One slice endpoint into @ep (zeroed): 0 kept, 1 dropped, -ENOMEM (ep cleared). */
static int decode_slice_endpoint(const struct kd *d, const cJSON *e, const char *prefix,
                                 uint16_t af, struct kube_endpoint *ep)
{
	char path[KD_PATH_MAX];
	const cJSON *hints;
	const char *s;
	int err = 0;

	if (!cJSON_IsObject(e)) {
		kd_log(d, prefix, e, "not-an-object");
		return 1;
	}
	if (decode_first_address(d, e, prefix, af, &ep->addr))
		return 1;
	decode_conditions(d, e, prefix, ep);
	kd_path(path, "%s.nodeName", prefix);
	s = kd_string(d, e, "nodeName", path);
	ep->node_name = kd_dup(s, &err);
	kd_path(path, "%s.zone", prefix);
	s = kd_string(d, e, "zone", path);
	ep->zone = kd_dup(s, &err);
	kd_path(path, "%s.hints", prefix);
	hints = kd_object(d, e, "hints", path);
	if (!err)
		err = decode_hint_names(d, hints, "forZones", path, &ep->hint_zones,
		                        &ep->n_hint_zones);
	if (!err)
		err = decode_hint_names(d, hints, "forNodes", path, &ep->hint_nodes,
		                        &ep->n_hint_nodes);
	if (err)
		kube_endpoint_clear(ep);
	return err;
}

static int decode_slice_endpoints(const struct kd *d, const cJSON *obj,
                                  struct kube_endpoint_slice *s)
{
	const cJSON *eps = kd_array(d, obj, "endpoints", "endpoints");
	const cJSON *e;
	size_t i = 0;

	if (!eps || !eps->child)
		return 0;
	if (s->address_type == 0)
		return 0; /* FQDN or unknown: addresses are not IPs, nothing to program */
	s->endpoints = kd_calloc((size_t)cJSON_GetArraySize(eps), sizeof(*s->endpoints));
	if (!s->endpoints)
		return -ENOMEM;
	cJSON_ArrayForEach(e, eps)
	{
		struct kube_endpoint *ep = &s->endpoints[s->n_endpoints];
		char prefix[KD_PATH_MAX];
		int r;

		kd_path(prefix, "endpoints[%zu]", i++);
		memset(ep, 0, sizeof(*ep));
		r = decode_slice_endpoint(d, e, prefix, s->address_type, ep);
		if (r < 0)
			return r;
		if (r == 0)
			s->n_endpoints++;
	}
	return 0;
}

static uint16_t decode_address_type(const struct kd *d, const cJSON *obj)
{
	const char *t = kd_string(d, obj, "addressType", "addressType");

	if (!t) {
		if (!kd_get(obj, "addressType"))
			kd_log(d, "addressType", NULL, "missing");
		return 0;
	}
	if (!strcmp(t, "IPv4"))
		return AF_INET;
	if (!strcmp(t, "IPv6"))
		return AF_INET6;
	if (strcmp(t, "FQDN") != 0)
		kd_log(d, "addressType", kd_get(obj, "addressType"), "unknown-address-type");
	return 0;
}

int kube_endpoint_slice_decode(const cJSON *obj, struct kube_endpoint_slice **out)
{
	struct kd d = { .kind = "EndpointSlice" };
	const cJSON *labels, *ann;
	struct kube_endpoint_slice *s;
	int r;

	*out = NULL;
	if (!kd_is_object(&d, obj))
		return -EINVAL;
	s = kd_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = kd_meta(&d, obj, true, &s->meta, &labels, &ann);
	if (r)
		goto fail;
	r = kd_map_dup(&d, labels, "metadata.labels", KUBE_LABEL_SERVICE_NAME, &s->service_name);
	if (!r)
		r = kd_map_dup(&d, labels, "metadata.labels", KUBE_LABEL_SERVICE_PROXY_NAME,
		               &s->proxy_name);
	if (r)
		goto fail;
	/* The headless label's value is ""; presence is what counts. */
	s->headless = kd_get(labels, KUBE_LABEL_HEADLESS) != NULL;
	s->trigger_time_ms = kd_trigger_time(&d, ann);
	s->address_type = decode_address_type(&d, obj);
	r = decode_slice_endpoints(&d, obj, s);
	if (!r)
		r = decode_eports(&d, kd_array(&d, obj, "ports", "ports"), "ports", true, &s->ports,
		                  &s->n_ports);
	if (r)
		goto fail;
	*out = s;
	return 0;
fail:
	kube_endpoint_slice_free(s);
	return r;
}

/* ---- Endpoints (core/v1) ---------------------------------------------- */

/* One EndpointAddress {ip, nodeName}: 0 kept, 1 dropped, -ENOMEM. */
static int decode_address(const struct kd *d, const cJSON *a, const char *prefix, bool ready,
                          struct kube_endpoint *ep)
{
	char path[KD_PATH_MAX];
	const cJSON *ip;
	const char *node;
	int err = 0;

	if (!cJSON_IsObject(a)) {
		kd_log(d, prefix, a, "not-an-object");
		return 1;
	}
	kd_path(path, "%s.ip", prefix);
	ip = kd_get(a, "ip");
	if (!cJSON_IsString(ip)) {
		kd_log(d, path, ip, ip ? "not-a-string" : "missing");
		return 1;
	}
	if (addr_parse(ip->valuestring, &ep->addr) < 0) {
		kd_log(d, path, ip, "invalid-ip");
		return 1;
	}
	/* Endpoints carry no serving/terminating: a not-ready address is
	 * neither ready nor serving (kube_types.h). */
	ep->ready = ep->serving = ready;
	ep->terminating = false;
	kd_path(path, "%s.nodeName", prefix);
	node = kd_string(d, a, "nodeName", path);
	ep->node_name = kd_dup(node, &err);
	return err;
}

static int decode_addresses(const struct kd *d, const cJSON *sub, const char *key,
                            const char *sprefix, bool ready, struct kube_endpoints_subset *ss)
{
	char path[KD_PATH_MAX];
	const cJSON *arr, *a;
	size_t i = 0;

	kd_path(path, "%s.%s", sprefix, key);
	arr = kd_array(d, sub, key, path);
	cJSON_ArrayForEach(a, arr)
	{
		struct kube_endpoint *ep = &ss->endpoints[ss->n_endpoints];
		int r;

		kd_path(path, "%s.%s[%zu]", sprefix, key, i++);
		memset(ep, 0, sizeof(*ep));
		r = decode_address(d, a, path, ready, ep);
		if (r < 0)
			return r;
		if (r == 0)
			ss->n_endpoints++;
	}
	return 0;
}

static int count_array(const cJSON *obj, const char *key)
{
	const cJSON *v = kd_get(obj, key);

	return cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
}

static int decode_subset(const struct kd *d, const cJSON *sub, const char *sprefix,
                         struct kube_endpoints_subset *ss)
{
	char path[KD_PATH_MAX];
	size_t n;
	int r;

	n = (size_t)count_array(sub, "addresses") + (size_t)count_array(sub, "notReadyAddresses");
	if (n) {
		ss->endpoints = kd_calloc(n, sizeof(*ss->endpoints));
		if (!ss->endpoints)
			return -ENOMEM;
	}
	r = decode_addresses(d, sub, "addresses", sprefix, true, ss);
	if (!r)
		r = decode_addresses(d, sub, "notReadyAddresses", sprefix, false, ss);
	if (r)
		return r;
	kd_path(path, "%s.ports", sprefix);
	return decode_eports(d, kd_array(d, sub, "ports", path), path, false, &ss->ports,
	                     &ss->n_ports);
}

static int decode_subsets(const struct kd *d, const cJSON *obj, struct kube_endpoints *e)
{
	const cJSON *subs = kd_array(d, obj, "subsets", "subsets");
	const cJSON *sub;
	size_t i = 0;

	if (!subs || !subs->child)
		return 0;
	e->subsets = kd_calloc((size_t)cJSON_GetArraySize(subs), sizeof(*e->subsets));
	if (!e->subsets)
		return -ENOMEM;
	cJSON_ArrayForEach(sub, subs)
	{
		char prefix[KD_PATH_MAX];
		int r;

		kd_path(prefix, "subsets[%zu]", i++);
		if (!cJSON_IsObject(sub)) {
			kd_log(d, prefix, sub, "not-an-object");
			continue;
		}
		/* Counted before filling so that a failure frees what was built. */
		r = decode_subset(d, sub, prefix, &e->subsets[e->n_subsets++]);
		if (r)
			return r;
	}
	return 0;
}

int kube_endpoints_decode(const cJSON *obj, struct kube_endpoints **out)
{
	struct kd d = { .kind = "Endpoints" };
	const cJSON *labels, *ann;
	struct kube_endpoints *e;
	int r;

	*out = NULL;
	if (!kd_is_object(&d, obj))
		return -EINVAL;
	e = kd_calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	r = kd_meta(&d, obj, true, &e->meta, &labels, &ann);
	if (!r)
		r = kd_map_dup(&d, labels, "metadata.labels", KUBE_LABEL_SERVICE_PROXY_NAME,
		               &e->proxy_name);
	if (r)
		goto fail;
	e->trigger_time_ms = kd_trigger_time(&d, ann);
	r = decode_subsets(&d, obj, e);
	if (r)
		goto fail;
	*out = e;
	return 0;
fail:
	kube_endpoints_free(e);
	return r;
}

/* ---- Node ------------------------------------------------------------- */

int kube_node_decode(const cJSON *obj, struct kube_node **out)
{
	struct kd d = { .kind = "Node" };
	const cJSON *labels, *ann;
	struct kube_node *n;
	int r;

	*out = NULL;
	if (!kd_is_object(&d, obj))
		return -EINVAL;
	n = kd_calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r = kd_meta(&d, obj, false, &n->meta, &labels, &ann);
	if (!r)
		r = kd_map_dup(&d, labels, "metadata.labels", KUBE_LABEL_ZONE, &n->zone);
	if (r) {
		kube_node_free(n);
		return r;
	}
	*out = n;
	return 0;
}
