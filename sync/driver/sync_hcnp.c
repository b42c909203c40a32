/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_hcnp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/log.h"

/* One server per listening address; kube-proxy opens one per node IP too. */
#define MAX_ADDRS 16
#define BIND_LEN  (ADDR_STRLEN + 8)

/* One Service's health-check node port. Allocated alone: its servers'
 * handler holds a pointer to it. */
struct hc_svc {
	struct sync_hcnp *owner;
	char *ns, *name;
	uint16_t port;
	uint32_t count;
	struct httpd *srv[MAX_ADDRS];
	unsigned nsrv;
	bool open;
	/* The last failure logged (so it is logged once) and how many attempts
	 * failed since the last success. */
	uint16_t failed_port;
	int failed_err;
	uint64_t failures;
};

struct sync_hcnp {
	struct sync_hcnp_opts o;
	struct net_addr addrs[MAX_ADDRS];
	size_t n_addrs;    /* 0: the wildcard */
	bool no_ipv6;      /* "[::]" is refused: the wildcard is 0.0.0.0 */
	struct hc_svc **v; /* sorted by namespace, name */
	size_t n;
	struct metric *m_open;
	struct metric *m_failures;
};

/* --- the answer ------------------------------------------------------------ */

/* @s as the inside of a JSON string (names are DNS labels; quoting is only
 * a guard against a name the API server would never allow). */
static void json_str(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

/* kube-proxy's text: Go's dedent of a tab-indented template, trimmed of
 * newlines at both ends. */
#define BODY_FMT                                                                                   \
	"{\n\t\"service\": {\n\t\t\"namespace\": \"%s\",\n\t\t\"name\": \"%s\"\n\t},\n"            \
	"\t\"localEndpoints\": %u,\n\t\"serviceProxyHealthy\": %s\n}"

void sync_hcnp_answer(const char *ns, const char *name, uint32_t count, bool healthy,
                      struct httpd_reply *r)
{
	char qns[2 * 256], qname[2 * 256];
	int len;

	json_str(qns, sizeof(qns), ns);
	json_str(qname, sizeof(qname), name);
	r->status = count && healthy ? 200 : 503;
	r->content_type = "application/json";
	r->extra_name = "X-Load-Balancing-Endpoint-Weight";
	snprintf(r->extra_value, sizeof(r->extra_value), "%u", count);
	len = snprintf(NULL, 0, BODY_FMT, qns, qname, count, healthy ? "true" : "false");
	r->body = malloc((size_t)len + 1);
	if (!r->body) {
		r->status = 500;
		r->len = 0;
		return;
	}
	snprintf(r->body, (size_t)len + 1, BODY_FMT, qns, qname, count, healthy ? "true" : "false");
	r->len = (size_t)len;
}

static void on_request(void *ctx, const char *path, struct httpd_reply *r)
{
	struct hc_svc *s = ctx;
	const struct sync_hcnp_opts *o = &s->owner->o;
	bool healthy = o->healthy ? o->healthy(o->healthy_ctx) : true;

	sync_hcnp_answer(s->ns, s->name, s->count, healthy, r);
}

/* --- opening and closing ------------------------------------------------------- */

static void close_servers(struct hc_svc *s)
{
	for (unsigned i = 0; i < s->nsrv; i++)
		httpd_stop(s->srv[i]);
	s->nsrv = 0;
	s->open = false;
}

static int start_one(struct sync_hcnp *h, struct hc_svc *s, const char *bind)
{
	char name[300];
	struct httpd_config c = {
		.name = name,
		.bind = bind,
		.conn_limit = h->o.conn_limit,
		.per_ip_limit = h->o.per_ip_limit,
		.timeout_s = h->o.timeout_s,
		.mem_limit = h->o.mem_limit,
		.quiet_bind_error = true,
	};
	struct httpd *srv;
	int err;

	snprintf(name, sizeof(name), "healthcheck:%s/%s", s->ns, s->name);
	err = httpd_start(h->o.loop, &c, &srv);
	if (err)
		return err;
	err = httpd_route_all(srv, on_request, s);
	if (err) {
		httpd_stop(srv);
		return err;
	}
	s->srv[s->nsrv++] = srv;
	return 0;
}

/* Opens every server of @s; @bind (BIND_LEN) holds the last address tried. */
static int open_servers(struct sync_hcnp *h, struct hc_svc *s, char *bind)
{
	int err = 0;

	if (!h->n_addrs) {
		if (!h->no_ipv6) {
			snprintf(bind, BIND_LEN, "[::]:%u", s->port);
			err = start_one(h, s, bind);
			if (err == -EAFNOSUPPORT)
				h->no_ipv6 = true;
		}
		if (h->no_ipv6) {
			snprintf(bind, BIND_LEN, "0.0.0.0:%u", s->port);
			err = start_one(h, s, bind);
		}
	}
	for (size_t i = 0; !err && i < h->n_addrs; i++) {
		char a[ADDR_STRLEN];

		addr_fmt(&h->addrs[i], a);
		snprintf(bind, BIND_LEN, h->addrs[i].af == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		         s->port);
		err = start_one(h, s, bind);
	}
	if (err) { /* kube-proxy too closes what opened, so a retry starts clean */
		close_servers(s);
		return err;
	}
	s->open = true;
	return 0;
}

static void try_open(struct sync_hcnp *h, struct hc_svc *s)
{
	char where[BIND_LEN] = "";
	int err = open_servers(h, s, where);

	if (!err) {
		log_info("health_check_opened", "service=%s/%s port=%u failed_before=%llu", s->ns,
		         s->name, s->port, (unsigned long long)s->failures);
		s->failures = 0;
		s->failed_err = 0;
		s->failed_port = 0;
		return;
	}
	s->failures++;
	metric_inc(h->m_failures, NULL);
	if (err == s->failed_err && s->port == s->failed_port)
		return; /* logged already: retried quietly at every sync */
	s->failed_err = err;
	s->failed_port = s->port;
	log_warn("health_check_listen_failed",
	         "service=%s/%s port=%u addr=%s err=%s retry=next-sync", s->ns, s->name, s->port,
	         where, strerror(-err));
}

static void svc_free(struct hc_svc *s)
{
	if (!s)
		return;
	if (s->open)
		log_info("health_check_closed", "service=%s/%s port=%u", s->ns, s->name, s->port);
	close_servers(s);
	free(s->ns);
	free(s->name);
	free(s);
}

static struct hc_svc *svc_new(struct sync_hcnp *h, const struct sync_health_port *p)
{
	struct hc_svc *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->owner = h;
	s->ns = strdup(p->namespace);
	s->name = strdup(p->name);
	if (!s->ns || !s->name) {
		svc_free(s);
		return NULL;
	}
	s->port = p->port;
	s->count = p->local_endpoints;
	return s;
}

/* --- the module ------------------------------------------------------------------ */

int sync_hcnp_new(const struct sync_hcnp_opts *o, struct sync_hcnp **out)
{
	struct sync_hcnp *h = calloc(1, sizeof(*h));
	int err = 0;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->o = *o;
	if (o->reg) {
		err = metrics_register(
		    o->reg,
		    &(struct metric_desc){ .name = "kipvs_health_check_node_ports",
		                           .help = "Services whose health-check node port is open",
		                           .type = METRIC_GAUGE },
		    &h->m_open);
		if (!err)
			err = metrics_register(
			    o->reg,
			    &(struct metric_desc){
			        .name = "kipvs_health_check_listen_failures_total",
			        .help = "Attempts to open a health-check node port that failed "
			                "(the port taken, ...); retried at every sync",
			        .type = METRIC_COUNTER },
			    &h->m_failures);
	}
	if (err) {
		free(h);
		return err;
	}
	*out = h;
	return 0;
}

void sync_hcnp_free(struct sync_hcnp *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		svc_free(h->v[i]);
	free(h->v);
	free(h);
}

int sync_hcnp_set_addrs(struct sync_hcnp *h, const struct net_addr *a, size_t n)
{
	bool same;

	if (n > MAX_ADDRS)
		n = MAX_ADDRS; /* more node addresses than that: the first ones */
	same = n == h->n_addrs;
	for (size_t i = 0; same && i < n; i++)
		same = addr_eq(&a[i], &h->addrs[i]);
	if (same)
		return 0;
	for (size_t i = 0; i < h->n; i++)
		close_servers(h->v[i]); /* reopened where they belong by the next sync */
	memcpy(h->addrs, a, n * sizeof(*a));
	h->n_addrs = n;
	return 0;
}

static int cmp_key(const struct hc_svc *s, const struct sync_health_port *p)
{
	int c = strcmp(s->ns, p->namespace);

	return c ? c : strcmp(s->name, p->name);
}

int sync_hcnp_sync(struct sync_hcnp *h, const struct sync_health_port *p, size_t n, size_t *failed)
{
	struct hc_svc **nv;
	size_t i = 0, j = 0, k = 0, nfail = 0, nopen = 0;
	int err = 0;

	if (failed)
		*failed = 0;
	nv = calloc(h->n + n ? h->n + n : 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	/* Both lists are sorted by key: one merge. */
	while (i < h->n || j < n) {
		int c = i == h->n ? 1 : j == n ? -1 : cmp_key(h->v[i], &p[j]);
		struct hc_svc *s;

		if (c < 0) { /* the Service no longer wants one */
			svc_free(h->v[i++]);
			continue;
		}
		if (c > 0) {
			s = err ? NULL : svc_new(h, &p[j]);
			j++;
			if (!s) {
				err = -ENOMEM;
				continue;
			}
		} else {
			s = h->v[i++];
			if (s->port != p[j].port) {
				if (s->open)
					log_info("health_check_port_changed",
					         "service=%s/%s port=%u new_port=%u", s->ns,
					         s->name, s->port, p[j].port);
				close_servers(s);
				s->port = p[j].port;
			}
			s->count = p[j].local_endpoints;
			j++;
		}
		if (!s->open)
			try_open(h, s);
		nfail += !s->open;
		nopen += s->open;
		nv[k++] = s;
	}
	free(h->v);
	h->v = nv;
	h->n = k;
	metric_set(h->m_open, NULL, (double)nopen);
	if (failed)
		*failed = nfail;
	return err;
}

size_t sync_hcnp_open(const struct sync_hcnp *h)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n; i++)
		n += h->v[i]->open;
	return n;
}
