/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode_svc — core/v1 Service JSON into struct kube_service
 * (only the fields a proxy uses; rules: kube_decode.h).
 */
#include "kube_decode.h"
#include "kube_decode_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../addr.h"

static void add_cluster_ip(const struct kd *d, struct kube_service *s, const cJSON *v,
                           const struct kd_at *at)
{
	struct net_addr a;

	if (!kd_is_string(v)) {
		kd_log(d, at, NULL, v, "not-a-string");
		return;
	}
	if (!*v->valuestring)
		return; /* "" = no cluster IP (ExternalName) */
	if (!strcmp(v->valuestring, "None")) {
		s->headless = true;
		return;
	}
	if (addr_parse(v->valuestring, &a) < 0) {
		kd_log(d, at, NULL, v, "invalid-ip");
		return;
	}
	if (s->n_cluster_ips == 2) {
		kd_log(d, at, NULL, v, "too-many");
		return;
	}
	if (s->n_cluster_ips == 1 && s->cluster_ips[0].af == a.af) {
		kd_log(d, at, NULL, v, "duplicate-family");
		return;
	}
	s->cluster_ips[s->n_cluster_ips++] = a;
}

static const struct kd_at at_spec = { .key = "spec" };

/* spec.clusterIPs, else spec.clusterIP (older servers, hand-written objects). */
static void decode_cluster_ips(const struct kd *d, const cJSON *spec, struct kube_service *s)
{
	static const struct kd_at at_ips = { .up = &at_spec, .key = "clusterIPs" };
	static const struct kd_at at_ip = { .up = &at_spec, .key = "clusterIP" };
	const cJSON *ips = kd_array(d, spec, &at_spec, "clusterIPs");
	const cJSON *v;

	if (ips && ips->child) {
		struct kd_at at = { .up = &at_ips };

		cJSON_ArrayForEach(v, ips)
		{
			add_cluster_ip(d, s, v, &at);
			at.idx++;
		}
		return;
	}
	v = kd_get(spec, "clusterIP");
	if (v)
		add_cluster_ip(d, s, v, &at_ip);
}

/* One spec.ports[] entry (at @at): 0 kept, 1 dropped (logged). */
static int decode_port(const struct kd *d, const cJSON *p, const struct kd_at *at,
                       struct kube_service_port *out, int *err)
{
	const cJSON *name;
	int64_t n;
	int r;

	if (!kd_is_object(p)) {
		kd_log(d, at, NULL, p, "not-an-object");
		return 1;
	}
	r = kd_int(d, p, at, "port", 1, 65535, &n);
	if (r == 0)
		kd_log(d, at, "port", NULL, "missing");
	if (r != 1)
		return 1;
	out->port = (uint16_t)n;
	/* The name is half of the port key: a wrongly typed one cannot be
	 * defaulted to "" without risking a match with another port. */
	name = kd_get(p, "name");
	if (name && !kd_is_string(name)) {
		kd_log(d, at, "name", name, "not-a-string");
		return 1;
	}
	out->protocol = kd_protocol_field(d, p, at);
	if (kd_int(d, p, at, "nodePort", 0, 65535, &n) == 1)
		out->node_port = (uint16_t)n;
	out->name = kd_dup(name ? name->valuestring : "", err);
	return 0;
}

static int decode_ports(const struct kd *d, const cJSON *spec, struct kube_service *s)
{
	static const struct kd_at at_ports = { .up = &at_spec, .key = "ports" };
	const cJSON *ports = kd_array(d, spec, &at_spec, "ports");
	struct kd_at at = { .up = &at_ports };
	const cJSON *p;
	int err = 0;

	if (!ports || !ports->child)
		return 0;
	s->ports = kd_calloc((size_t)cJSON_GetArraySize(ports), sizeof(*s->ports));
	if (!s->ports)
		return -ENOMEM;
	cJSON_ArrayForEach(p, ports)
	{
		struct kube_service_port *sp = &s->ports[s->n_ports];

		memset(sp, 0, sizeof(*sp));
		if (decode_port(d, p, &at, sp, &err) == 0) {
			if (err)
				return err;
			s->n_ports++;
		}
		at.idx++;
	}
	return 0;
}

static int decode_external_ips(const struct kd *d, const cJSON *spec, struct kube_service *s)
{
	static const struct kd_at at_ips = { .up = &at_spec, .key = "externalIPs" };
	const cJSON *ips = kd_array(d, spec, &at_spec, "externalIPs");
	struct kd_at at = { .up = &at_ips };
	const cJSON *v;

	if (!ips || !ips->child)
		return 0;
	s->external_ips = kd_calloc((size_t)cJSON_GetArraySize(ips), sizeof(*s->external_ips));
	if (!s->external_ips)
		return -ENOMEM;
	cJSON_ArrayForEach(v, ips)
	{
		if (!kd_is_string(v))
			kd_log(d, &at, NULL, v, "not-a-string");
		else if (addr_parse(v->valuestring, &s->external_ips[s->n_external_ips]) < 0)
			kd_log(d, &at, NULL, v, "invalid-ip");
		else
			s->n_external_ips++;
		at.idx++;
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A source range with surrounding whitespace trimmed, as kube-proxy does. */
static int parse_range(const char *s, struct net_cidr *out)
{
	char buf[ADDR_STRLEN + 8];
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return cidr_parse(buf, out);
}

static int decode_source_ranges(const struct kd *d, const cJSON *spec, struct kube_service *s)
{
	static const struct kd_at at_rs = { .up = &at_spec, .key = "loadBalancerSourceRanges" };
	const cJSON *rs = kd_array(d, spec, &at_spec, "loadBalancerSourceRanges");
	struct kd_at at = { .up = &at_rs };
	const cJSON *v;

	if (!rs || !rs->child)
		return 0;
	s->lb_source_ranges =
	    kd_calloc((size_t)cJSON_GetArraySize(rs), sizeof(*s->lb_source_ranges));
	if (!s->lb_source_ranges)
		return -ENOMEM;
	cJSON_ArrayForEach(v, rs)
	{
		if (!kd_is_string(v))
			kd_log(d, &at, NULL, v, "not-a-string");
		else if (parse_range(v->valuestring, &s->lb_source_ranges[s->n_lb_source_ranges]) <
		         0)
			kd_log(d, &at, NULL, v, "invalid-cidr");
		else
			s->n_lb_source_ranges++;
		at.idx++;
	}
	return 0;
}

/* One status.loadBalancer.ingress[] entry: 0 kept, 1 dropped (logged). */
static int decode_ingress(const struct kd *d, const cJSON *e, const struct kd_at *at,
                          struct kube_lb_ingress *out)
{
	const char *ip, *mode;

	if (!kd_is_object(e)) {
		kd_log(d, at, NULL, e, "not-an-object");
		return 1;
	}
	ip = kd_string(d, e, at, "ip");
	if (!ip && kd_get(e, "ip"))
		return 1; /* wrong type, logged */
	if (ip && *ip && addr_parse(ip, &out->ip) < 0) {
		kd_log(d, at, "ip", kd_get(e, "ip"), "invalid-ip");
		return 1;
	}
	/* ip absent or "": a hostname-only entry, kept with af 0. */
	mode = kd_string(d, e, at, "ipMode");
	if (mode && !strcmp(mode, "Proxy")) {
		out->ip_mode_proxy = true;
	} else if (mode && strcmp(mode, "VIP") != 0) {
		/* kube-proxy programs the IP only for VIP or no ipMode. */
		kd_log(d, at, "ipMode", kd_get(e, "ipMode"), "unknown-ip-mode");
		out->ip_mode_proxy = true;
	} else if (!mode && kd_get(e, "ipMode")) {
		out->ip_mode_proxy = true; /* wrong type, logged */
	}
	return 0;
}

static int decode_lb_status(const struct kd *d, const cJSON *obj, struct kube_service *s)
{
	static const struct kd_at at_st = { .key = "status" };
	static const struct kd_at at_lb = { .up = &at_st, .key = "loadBalancer" };
	static const struct kd_at at_ing = { .up = &at_lb, .key = "ingress" };
	const cJSON *st = kd_object(d, obj, NULL, "status");
	const cJSON *lb = kd_object(d, st, &at_st, "loadBalancer");
	const cJSON *ing = kd_array(d, lb, &at_lb, "ingress");
	struct kd_at at = { .up = &at_ing };
	const cJSON *e;

	if (!ing || !ing->child)
		return 0;
	s->lb_ingress = kd_calloc((size_t)cJSON_GetArraySize(ing), sizeof(*s->lb_ingress));
	if (!s->lb_ingress)
		return -ENOMEM;
	cJSON_ArrayForEach(e, ing)
	{
		struct kube_lb_ingress *li = &s->lb_ingress[s->n_lb_ingress];

		memset(li, 0, sizeof(*li));
		if (decode_ingress(d, e, &at, li) == 0)
			s->n_lb_ingress++;
		at.idx++;
	}
	return 0;
}

static enum kube_traffic_policy decode_policy(const struct kd *d, const cJSON *spec,
                                              const char *key)
{
	const char *v = kd_string(d, spec, &at_spec, key);

	if (!v || !*v || !strcmp(v, "Cluster"))
		return KUBE_POLICY_CLUSTER;
	if (!strcmp(v, "Local"))
		return KUBE_POLICY_LOCAL;
	kd_log(d, &at_spec, key, kd_get(spec, key), "unknown-policy");
	return KUBE_POLICY_CLUSTER;
}

static enum kube_svc_type decode_type(const struct kd *d, const cJSON *spec)
{
	static const struct {
		const char *name;
		enum kube_svc_type type;
	} types[] = {
		{ "ClusterIP", KUBE_SVC_CLUSTER_IP },
		{ "NodePort", KUBE_SVC_NODE_PORT },
		{ "LoadBalancer", KUBE_SVC_LOAD_BALANCER },
		{ "ExternalName", KUBE_SVC_EXTERNAL_NAME },
	};
	const char *v = kd_string(d, spec, &at_spec, "type");

	if (!v || !*v)
		return KUBE_SVC_CLUSTER_IP;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(v, types[i].name))
			return types[i].type;
	kd_log(d, &at_spec, "type", kd_get(spec, "type"), "unknown-type");
	return KUBE_SVC_CLUSTER_IP;
}

static void decode_affinity(const struct kd *d, const cJSON *spec, struct kube_service *s)
{
	static const struct kd_at at_cfg = { .up = &at_spec, .key = "sessionAffinityConfig" };
	static const struct kd_at at_cip = { .up = &at_cfg, .key = "clientIP" };
	const char *v = kd_string(d, spec, &at_spec, "sessionAffinity");
	const cJSON *cfg, *cip;
	int64_t n;

	if (!v || !*v || !strcmp(v, "None"))
		return;
	if (strcmp(v, "ClientIP") != 0) {
		kd_log(d, &at_spec, "sessionAffinity", kd_get(spec, "sessionAffinity"),
		       "unknown-affinity");
		return;
	}
	s->affinity_client_ip = true;
	s->affinity_timeout = KUBE_AFFINITY_DEFAULT_TIMEOUT;
	cfg = kd_object(d, spec, &at_spec, "sessionAffinityConfig");
	cip = kd_object(d, cfg, &at_cfg, "clientIP");
	if (kd_int(d, cip, &at_cip, "timeoutSeconds", 1, 86400, &n) == 1)
		s->affinity_timeout = (uint32_t)n;
}

static int decode_spec(const struct kd *d, const cJSON *spec, struct kube_service *s)
{
	const char *td;
	int64_t n;
	bool b;
	int r, err = 0;

	s->type = decode_type(d, spec);
	decode_cluster_ips(d, spec, s);
	r = decode_ports(d, spec, s);
	if (!r)
		r = decode_external_ips(d, spec, s);
	if (!r)
		r = decode_source_ranges(d, spec, s);
	if (r)
		return r;
	s->external_policy = decode_policy(d, spec, "externalTrafficPolicy");
	s->internal_policy = decode_policy(d, spec, "internalTrafficPolicy");
	if (kd_int(d, spec, &at_spec, "healthCheckNodePort", 0, 65535, &n) == 1)
		s->health_check_node_port = (uint16_t)n;
	decode_affinity(d, spec, s);
	if (kd_bool(d, spec, &at_spec, "publishNotReadyAddresses", &b) == 1)
		s->publish_not_ready = b;
	td = kd_string(d, spec, &at_spec, "trafficDistribution");
	s->traffic_distribution = kd_dup(td, &err);
	return err;
}

int kube_service_decode(const cJSON *obj, struct kube_service **out)
{
	struct kd d = { .kind = "Service" };
	const cJSON *labels, *ann, *spec;
	struct kube_service *s;
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
	spec = kd_get(obj, "spec");
	if (spec && !kd_is_object(spec)) {
		kd_log(&d, NULL, "spec", spec, "not-an-object");
		r = -EINVAL;
		goto fail;
	}
	r = kd_map_dup(&d, labels, &kd_at_labels, KUBE_LABEL_SERVICE_PROXY_NAME, &s->proxy_name);
	if (!r)
		r = kd_map_dup(&d, ann, &kd_at_annotations, KIPVS_ANN_SCHEDULER, &s->scheduler);
	if (!r)
		r = kd_map_dup(&d, ann, &kd_at_annotations, KIPVS_ANN_SCHEDULER_FLAGS,
		               &s->scheduler_flags);
	if (!r)
		r = decode_spec(&d, spec, s);
	if (!r)
		r = decode_lb_status(&d, obj, s);
	if (r)
		goto fail;
	*out = s;
	return 0;
fail:
	kube_service_free(s);
	return r;
}
