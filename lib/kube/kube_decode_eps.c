/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode_eps — discovery/v1 EndpointSlice, core/v1 Endpoints and Node
 * JSON into their kube_types.h structs (only the fields a proxy uses; rules:
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
static int decode_eport(const struct kd *d, const cJSON *p, const struct kd_at *at, bool slice,
                        struct kube_endpoint_port *out)
{
	const cJSON *name;
	int64_t n;
	int r, err = 0;

	if (!kd_is_object(p)) {
		kd_log(d, at, NULL, p, "not-an-object");
		return 1;
	}
	r = kd_int(d, p, at, "port", slice ? 0 : 1, 65535, &n);
	if (r < 0)
		return 1;
	if (r == 0 && !slice) {
		kd_log(d, at, "port", NULL, "missing");
		return 1;
	}
	out->port = r == 1 ? (uint16_t)n : 0;
	name = kd_get(p, "name");
	if (name && !kd_is_string(name)) {
		kd_log(d, at, "name", name, "not-a-string");
		return 1;
	}
	out->protocol = kd_protocol_field(d, p, at);
	if (name)
		out->name = kd_dup(name->valuestring, &err);
	else if (!slice)
		out->name = kd_dup("", &err);
	return err;
}

/* @ports sits at @at_ports. */
static int decode_eports(const struct kd *d, const cJSON *ports, const struct kd_at *at_ports,
                         bool slice, struct kube_endpoint_port **out, size_t *n_out)
{
	struct kd_at at = { .up = at_ports };
	const cJSON *p;

	if (!ports || !ports->child)
		return 0;
	*out = kd_calloc((size_t)cJSON_GetArraySize(ports), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(p, ports)
	{
		struct kube_endpoint_port *ep = &(*out)[*n_out];
		int r;

		memset(ep, 0, sizeof(*ep));
		r = decode_eport(d, p, &at, slice, ep);
		if (r < 0)
			return r;
		if (r == 0)
			(*n_out)++;
		at.idx++;
	}
	return 0;
}

/* ---- EndpointSlice ---------------------------------------------------- */

/* hints.forZones / hints.forNodes (@hints at @at_hints): each entry's "name". */
static int decode_hint_names(const struct kd *d, const cJSON *hints, const struct kd_at *at_hints,
                             const char *key, char ***out, size_t *n_out)
{
	struct kd_at at_arr = { .up = at_hints, .key = key }, at = { .up = &at_arr };
	const cJSON *arr = kd_array(d, hints, at_hints, key), *h;
	int err = 0;

	if (!arr || !arr->child)
		return 0;
	*out = kd_calloc((size_t)cJSON_GetArraySize(arr), sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(h, arr)
	{
		const cJSON *name = kd_is_object(h) ? kd_get(h, "name") : NULL;

		if (!kd_is_string(name) || !*name->valuestring) {
			kd_log(d, &at, "name", name, name ? "not-a-name" : "missing");
		} else {
			(*out)[*n_out] = kd_dup(name->valuestring, &err);
			if (err)
				return err;
			(*n_out)++;
		}
		at.idx++;
	}
	return 0;
}

/* addresses[0] of a slice endpoint (at @at): 0 ok, 1 dropped (logged). */
static int decode_first_address(const struct kd *d, const cJSON *e, const struct kd_at *at,
                                uint16_t af, struct net_addr *out)
{
	struct kd_at at_addrs = { .up = at, .key = "addresses" }, at0 = { .up = &at_addrs };
	const cJSON *addrs = kd_array(d, e, at, "addresses"), *a;

	if (!addrs) {
		if (!kd_get(e, "addresses")) /* else: wrong type, logged */
			kd_log(d, at, "addresses", NULL, "missing");
		return 1;
	}
	a = addrs->child;
	if (!a) {
		kd_log(d, &at0, NULL, NULL, "missing");
		return 1;
	}
	if (!kd_is_string(a)) {
		kd_log(d, &at0, NULL, a, "not-a-string");
		return 1;
	}
	if (addr_parse(a->valuestring, out) < 0) {
		kd_log(d, &at0, NULL, a, "invalid-ip");
		return 1;
	}
	if (out->af != af) {
		kd_log(d, &at0, NULL, a, "wrong-family");
		return 1;
	}
	return 0;
}

static void decode_conditions(const struct kd *d, const cJSON *e, const struct kd_at *at,
                              struct kube_endpoint *ep)
{
	struct kd_at at_c = { .up = at, .key = "conditions" };
	const cJSON *c;

	/* nil semantics: ready and serving default to true, terminating to
	 * false, also when a value has the wrong type. */
	ep->ready = ep->serving = true;
	ep->terminating = false;
	c = kd_object(d, e, at, "conditions");
	if (!c)
		return;
	(void)kd_bool(d, c, &at_c, "ready", &ep->ready);
	(void)kd_bool(d, c, &at_c, "serving", &ep->serving);
	(void)kd_bool(d, c, &at_c, "terminating", &ep->terminating);
}

/* One slice endpoint into @ep (zeroed): 0 kept, 1 dropped, -ENOMEM (ep cleared). */
static int decode_slice_endpoint(const struct kd *d, const cJSON *e, const struct kd_at *at,
                                 uint16_t af, struct kube_endpoint *ep)
{
	struct kd_at at_h = { .up = at, .key = "hints" };
	const cJSON *hints;
	int err = 0;

	if (!kd_is_object(e)) {
		kd_log(d, at, NULL, e, "not-an-object");
		return 1;
	}
	if (decode_first_address(d, e, at, af, &ep->addr))
		return 1;
	decode_conditions(d, e, at, ep);
	ep->node_name = kd_dup(kd_string(d, e, at, "nodeName"), &err);
	ep->zone = kd_dup(kd_string(d, e, at, "zone"), &err);
	hints = kd_object(d, e, at, "hints");
	if (!err)
		err = decode_hint_names(d, hints, &at_h, "forZones", &ep->hint_zones,
		                        &ep->n_hint_zones);
	if (!err)
		err = decode_hint_names(d, hints, &at_h, "forNodes", &ep->hint_nodes,
		                        &ep->n_hint_nodes);
	if (err)
		kube_endpoint_clear(ep);
	return err;
}

static const struct kd_at at_endpoints = { .key = "endpoints" };
static const struct kd_at at_ports = { .key = "ports" };

static int decode_slice_endpoints(const struct kd *d, const cJSON *obj,
                                  struct kube_endpoint_slice *s)
{
	const cJSON *eps = kd_array(d, obj, NULL, "endpoints");
	struct kd_at at = { .up = &at_endpoints };
	const cJSON *e;

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
		int r;

		memset(ep, 0, sizeof(*ep));
		r = decode_slice_endpoint(d, e, &at, s->address_type, ep);
		if (r < 0)
			return r;
		if (r == 0)
			s->n_endpoints++;
		at.idx++;
	}
	return 0;
}

static uint16_t decode_address_type(const struct kd *d, const cJSON *obj)
{
	const char *t = kd_string(d, obj, NULL, "addressType");

	if (!t) {
		if (!kd_get(obj, "addressType"))
			kd_log(d, NULL, "addressType", NULL, "missing");
		return 0;
	}
	if (!strcmp(t, "IPv4"))
		return AF_INET;
	if (!strcmp(t, "IPv6"))
		return AF_INET6;
	if (strcmp(t, "FQDN") != 0)
		kd_log(d, NULL, "addressType", kd_get(obj, "addressType"), "unknown-address-type");
	return 0;
}

int kube_endpoint_slice_decode(const cJSON *obj, struct kube_endpoint_slice **out)
{
	struct kd d = { .kind = "EndpointSlice" };
	const cJSON *labels, *ann;
	struct kube_endpoint_slice *s;
	int r;

	*out = NULL;
	if (!kd_check_object(&d, obj))
		return -EINVAL;
	s = kd_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = kd_meta(&d, obj, true, &s->meta, &labels, &ann);
	if (r)
		goto fail;
	r = kd_map_dup(&d, labels, &kd_at_labels, KUBE_LABEL_SERVICE_NAME, &s->service_name);
	if (!r)
		r = kd_map_dup(&d, labels, &kd_at_labels, KUBE_LABEL_SERVICE_PROXY_NAME,
		               &s->proxy_name);
	if (r)
		goto fail;
	/* The headless label's value is ""; presence is what counts. */
	s->headless = kd_get(labels, KUBE_LABEL_HEADLESS) != NULL;
	s->trigger_time_ms = kd_trigger_time(&d, ann);
	s->address_type = decode_address_type(&d, obj);
	r = decode_slice_endpoints(&d, obj, s);
	if (!r)
		r = decode_eports(&d, kd_array(&d, obj, NULL, "ports"), &at_ports, true, &s->ports,
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

/* One EndpointAddress {ip, nodeName} at @at: 0 kept, 1 dropped, -ENOMEM. */
static int decode_address(const struct kd *d, const cJSON *a, const struct kd_at *at, bool ready,
                          struct kube_endpoint *ep)
{
	const cJSON *ip;
	int err = 0;

	if (!kd_is_object(a)) {
		kd_log(d, at, NULL, a, "not-an-object");
		return 1;
	}
	ip = kd_get(a, "ip");
	if (!kd_is_string(ip)) {
		kd_log(d, at, "ip", ip, ip ? "not-a-string" : "missing");
		return 1;
	}
	if (addr_parse(ip->valuestring, &ep->addr) < 0) {
		kd_log(d, at, "ip", ip, "invalid-ip");
		return 1;
	}
	/* Endpoints carry no serving/terminating: a not-ready address is
	 * neither ready nor serving (kube_types.h). */
	ep->ready = ep->serving = ready;
	ep->terminating = false;
	ep->node_name = kd_dup(kd_string(d, a, at, "nodeName"), &err);
	return err;
}

static int decode_addresses(const struct kd *d, const cJSON *sub, const struct kd_at *at_sub,
                            const char *key, bool ready, struct kube_endpoints_subset *ss)
{
	struct kd_at at_arr = { .up = at_sub, .key = key }, at = { .up = &at_arr };
	const cJSON *arr = kd_array(d, sub, at_sub, key), *a;

	cJSON_ArrayForEach(a, arr)
	{
		struct kube_endpoint *ep = &ss->endpoints[ss->n_endpoints];
		int r;

		memset(ep, 0, sizeof(*ep));
		r = decode_address(d, a, &at, ready, ep);
		if (r < 0)
			return r;
		if (r == 0)
			ss->n_endpoints++;
		at.idx++;
	}
	return 0;
}

static int count_array(const cJSON *obj, const char *key)
{
	const cJSON *v = kd_get(obj, key);

	return kd_is_array(v) ? cJSON_GetArraySize(v) : 0;
}

static int decode_subset(const struct kd *d, const cJSON *sub, const struct kd_at *at,
                         struct kube_endpoints_subset *ss)
{
	struct kd_at at_p = { .up = at, .key = "ports" };
	size_t n;
	int r;

	n = (size_t)count_array(sub, "addresses") + (size_t)count_array(sub, "notReadyAddresses");
	if (n) {
		ss->endpoints = kd_calloc(n, sizeof(*ss->endpoints));
		if (!ss->endpoints)
			return -ENOMEM;
	}
	r = decode_addresses(d, sub, at, "addresses", true, ss);
	if (!r)
		r = decode_addresses(d, sub, at, "notReadyAddresses", false, ss);
	if (r)
		return r;
	return decode_eports(d, kd_array(d, sub, at, "ports"), &at_p, false, &ss->ports,
	                     &ss->n_ports);
}

static int decode_subsets(const struct kd *d, const cJSON *obj, struct kube_endpoints *e)
{
	static const struct kd_at at_subsets = { .key = "subsets" };
	const cJSON *subs = kd_array(d, obj, NULL, "subsets");
	struct kd_at at = { .up = &at_subsets };
	const cJSON *sub;

	if (!subs || !subs->child)
		return 0;
	e->subsets = kd_calloc((size_t)cJSON_GetArraySize(subs), sizeof(*e->subsets));
	if (!e->subsets)
		return -ENOMEM;
	cJSON_ArrayForEach(sub, subs)
	{
		if (!kd_is_object(sub)) {
			kd_log(d, &at, NULL, sub, "not-an-object");
		} else {
			/* Counted before filling so that a failure frees what was built. */
			int r = decode_subset(d, sub, &at, &e->subsets[e->n_subsets++]);

			if (r)
				return r;
		}
		at.idx++;
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
	if (!kd_check_object(&d, obj))
		return -EINVAL;
	e = kd_calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	r = kd_meta(&d, obj, true, &e->meta, &labels, &ann);
	if (!r)
		r = kd_map_dup(&d, labels, &kd_at_labels, KUBE_LABEL_SERVICE_PROXY_NAME,
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

/* Whether the node is being deleted or marked for it by the cluster autoscaler. */
static void node_going_away(const cJSON *obj, struct kube_node *n)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *del = cJSON_GetObjectItemCaseSensitive(meta, "deletionTimestamp");
	const cJSON *taints = cJSON_GetObjectItemCaseSensitive(spec, "taints");
	const cJSON *t;

	n->deleting = cJSON_IsString(del) && del->valuestring[0];
	if (!cJSON_IsArray(taints))
		return;
	cJSON_ArrayForEach(t, taints)
	{
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "key");

		if (cJSON_IsString(key) && !strcmp(key->valuestring, KUBE_TAINT_TO_BE_DELETED))
			n->autoscaler_taint = true;
	}
}

/* spec.podCIDRs, or the older single spec.podCIDR; at most one per family
 * (the API allows no more). */
static void node_pod_cidrs(const cJSON *obj, struct kube_node *n)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(spec, "podCIDRs");
	const cJSON *one = cJSON_GetObjectItemCaseSensitive(spec, "podCIDR"), *c;

	if (!cJSON_IsArray(list))
		list = NULL;
	cJSON_ArrayForEach(c, list)
	{
		if (n->n_pod_cidrs < 2 && cJSON_IsString(c) &&
		    cidr_parse(c->valuestring, &n->pod_cidrs[n->n_pod_cidrs]) == 0)
			n->n_pod_cidrs++;
	}
	if (!n->n_pod_cidrs && cJSON_IsString(one) &&
	    cidr_parse(one->valuestring, &n->pod_cidrs[0]) == 0)
		n->n_pod_cidrs = 1;
}

int kube_node_decode(const cJSON *obj, struct kube_node **out)
{
	struct kd d = { .kind = "Node" };
	const cJSON *labels, *ann;
	struct kube_node *n;
	int r;

	*out = NULL;
	if (!kd_check_object(&d, obj))
		return -EINVAL;
	n = kd_calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r = kd_meta(&d, obj, false, &n->meta, &labels, &ann);
	if (!r)
		r = kd_map_dup(&d, labels, &kd_at_labels, KUBE_LABEL_ZONE, &n->zone);
	if (r) {
		kube_node_free(n);
		return r;
	}
	node_going_away(obj, n);
	node_pod_cidrs(obj, n);
	*out = n;
	return 0;
}
