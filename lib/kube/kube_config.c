/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "../log.h"

/* A kubeconfig is a few KiB; a token a few KiB. Anything far larger is not one. */
#define KUBECONFIG_MAX (16u << 20)
#define TOKEN_MAX      (64u << 10)

void kube_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void blob_free(struct kube_blob *b, bool secret)
{
	if (b->data && secret)
		explicit_bzero(b->data, b->len);
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

void kube_config_free(struct kube_config *c)
{
	if (!c)
		return;
	free(c->source);
	free(c->server);
	free(c->ca_file);
	blob_free(&c->ca_data, false);
	free(c->tls_server_name);
	free(c->client_cert_file);
	blob_free(&c->client_cert_data, false);
	free(c->client_key_file);
	blob_free(&c->client_key_data, true);
	kube_secret_free(c->token);
	free(c->token_file);
	free(c->namespace);
	free(c);
}

static int b64_val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int kube_base64_decode(const char *in, size_t len, struct kube_blob *out)
{
	char *buf = malloc(len / 4 * 3 + 4);
	size_t o = 0, pad = 0, n = 0;
	uint32_t acc = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		int v;

		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		v = b64_val(ch);
		if (v < 0 || pad)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++n % 4 == 0) {
			buf[o++] = (char)(acc >> 16);
			buf[o++] = (char)(acc >> 8);
			buf[o++] = (char)acc;
			acc = 0;
		}
	}
	switch (n % 4) {
	case 0:
		if (pad)
			goto bad;
		break;
	case 2:
		if (pad && pad != 2)
			goto bad;
		buf[o++] = (char)(acc >> 4);
		break;
	case 3:
		if (pad && pad != 1)
			goto bad;
		buf[o++] = (char)(acc >> 10);
		buf[o++] = (char)(acc >> 2);
		break;
	default:
		goto bad;
	}
	if (o == 0)
		goto bad;
	buf[o] = '\0';
	out->data = buf;
	out->len = o;
	return 0;
bad:
	explicit_bzero(buf, len / 4 * 3 + 4);
	free(buf);
	return -EINVAL;
}

/* Reads a whole file of at most @max bytes, NUL-terminated. 0 or -errno. */
static int read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 4096;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 == cap) {
			char *nb;

			if (cap > max) {
				explicit_bzero(buf, n);
				free(buf);
				close(fd);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				explicit_bzero(buf, n);
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			explicit_bzero(buf, n);
			free(buf);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		explicit_bzero(buf, n);
		free(buf);
		return -EFBIG;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

/* A URL without its trailing slashes (paths are appended to it). */
static char *url_dup(const char *u)
{
	size_t n = strlen(u);

	while (n && u[n - 1] == '/')
		n--;
	return strndup(u, n);
}

static char *trim_dup(const char *s)
{
	const char *e;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	return strndup(s, (size_t)(e - s));
}

int kube_config_read_token(const struct kube_config *c, char **out)
{
	*out = NULL;
	if (c->token_file) {
		char *raw = NULL;
		int r = read_file(c->token_file, TOKEN_MAX, &raw, NULL);

		if (r == 0) {
			char *t = trim_dup(raw);

			kube_secret_free(raw);
			if (!t)
				return -ENOMEM;
			if (*t) {
				*out = t;
				return 0;
			}
			free(t);
			r = -ENODATA;
		}
		if (!c->token)
			return r;
	}
	if (c->token) {
		*out = strdup(c->token);
		if (!*out)
			return -ENOMEM;
	}
	return 0;
}

/* ---- kubeconfig parsing -------------------------------------------------- */

struct kc {
	yaml_document_t doc;
	const char *path;
	char *dir; /* the kubeconfig's folder, for relative paths */
};

static int kc_bad(const struct kc *p, const char *field, const char *reason)
{
	char qf[160], qp[256], qr[256];

	log_err("kubeconfig_invalid", "file=%s field=%s reason=%s",
	        log_quote(p->path, qp, sizeof(qp)), log_quote(field, qf, sizeof(qf)),
	        log_quote(reason, qr, sizeof(qr)));
	return -EINVAL;
}

static yaml_node_t *map_get(struct kc *p, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pr->key);

		if (k && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
			return yaml_document_get_node(&p->doc, pr->value);
	}
	return NULL;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/*
 * A string field: 0 with *out = NULL when absent or null, 0 with a copy when a
 * scalar, -EINVAL (logged) when a list or map.
 */
static int get_str(struct kc *p, yaml_node_t *map, const char *key, const char *where, char **out)
{
	yaml_node_t *n = map_get(p, map, key);
	char field[256];

	*out = NULL;
	if (is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE) {
		snprintf(field, sizeof(field), "%s.%s", where, key);
		return kc_bad(p, field, "expected a string");
	}
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
		snprintf(field, sizeof(field), "%s.%s", where, key);
		return kc_bad(p, field, "contains a NUL byte");
	}
	*out = strndup((const char *)n->data.scalar.value, n->data.scalar.length);
	return *out ? 0 : -ENOMEM;
}

static int get_bool(struct kc *p, yaml_node_t *map, const char *key, const char *where, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "on", "On" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "off", "Off" };
	yaml_node_t *n = map_get(p, map, key);
	char field[256];

	*out = false;
	if (is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcmp((const char *)n->data.scalar.value, yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp((const char *)n->data.scalar.value, no[i]))
				return 0;
		}
	}
	snprintf(field, sizeof(field), "%s.%s", where, key);
	return kc_bad(p, field, "expected true or false");
}

/* A -data field: base64 of PEM text. */
static int get_data(struct kc *p, yaml_node_t *map, const char *key, const char *where,
                    struct kube_blob *out)
{
	char *s = NULL, field[256];
	int r = get_str(p, map, key, where, &s);

	if (r || !s)
		return r;
	r = kube_base64_decode(s, strlen(s), out);
	kube_secret_free(s);
	if (r == -EINVAL) {
		snprintf(field, sizeof(field), "%s.%s", where, key);
		return kc_bad(p, field, "not valid base64");
	}
	return r;
}

/* A path field: resolved against the kubeconfig's folder, checked readable. */
static int get_path(struct kc *p, yaml_node_t *map, const char *key, const char *where, char **out)
{
	char *s = NULL, field[256], reason[320];
	int r = get_str(p, map, key, where, &s);

	if (r || !s)
		return r;
	if (s[0] != '/') {
		char *abs = NULL;

		if (asprintf(&abs, "%s/%s", p->dir, s) < 0) {
			free(s);
			return -ENOMEM;
		}
		free(s);
		s = abs;
	}
	if (access(s, R_OK) != 0) {
		snprintf(field, sizeof(field), "%s.%s", where, key);
		snprintf(reason, sizeof(reason), "cannot read %s: %s", s, strerror(errno));
		free(s);
		return kc_bad(p, field, reason);
	}
	*out = s;
	return 0;
}

/* The entry of list @list whose name is @name, and its @inner map. */
static yaml_node_t *named_entry(struct kc *p, const char *list, const char *name, const char *inner)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);
	yaml_node_t *seq = map_get(p, root, list);

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
		yaml_node_t *nm = map_get(p, e, "name");

		if (nm && nm->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)nm->data.scalar.value, name)) {
			yaml_node_t *in = map_get(p, e, inner);

			/* An entry with an empty body ("cluster: {}") still exists. */
			return in ? in : e;
		}
	}
	return NULL;
}

static int server_url(struct kc *p, const char *where, char *raw, char **out)
{
	size_t n;
	char field[256];

	*out = NULL;
	if (!raw || !*raw) {
		free(raw);
		snprintf(field, sizeof(field), "%s.server", where);
		return kc_bad(p, field, "missing");
	}
	if (!strstr(raw, "://")) {
		char *u = NULL;

		if (asprintf(&u, "https://%s", raw) < 0) {
			free(raw);
			return -ENOMEM;
		}
		free(raw);
		raw = u;
	} else if (strncmp(raw, "https://", 8) && strncmp(raw, "http://", 7)) {
		free(raw);
		snprintf(field, sizeof(field), "%s.server", where);
		return kc_bad(p, field, "scheme must be https:// or http://");
	}
	n = strlen(raw);
	while (n && raw[n - 1] == '/')
		raw[--n] = '\0';
	/* "https://" alone would be trimmed to "https:": a URL with no host. */
	if (!strstr(raw, "://") || !strstr(raw, "://")[3]) {
		free(raw);
		snprintf(field, sizeof(field), "%s.server", where);
		return kc_bad(p, field, "no host");
	}
	*out = raw;
	return 0;
}

static int parse_cluster(struct kc *p, const char *name, struct kube_config *c)
{
	char where[192];
	yaml_node_t *m = named_entry(p, "clusters", name, "cluster");
	char *srv = NULL;
	int r;

	snprintf(where, sizeof(where), "clusters[%s].cluster", name);
	if (!m) {
		char reason[256];

		snprintf(reason, sizeof(reason), "cluster %s not found", name);
		snprintf(where, sizeof(where), "clusters[%s]", name);
		return kc_bad(p, where, reason);
	}
	if ((r = get_str(p, m, "server", where, &srv)) ||
	    (r = server_url(p, where, srv, &c->server)))
		return r;
	if ((r = get_path(p, m, "certificate-authority", where, &c->ca_file)) ||
	    (r = get_data(p, m, "certificate-authority-data", where, &c->ca_data)) ||
	    (r = get_bool(p, m, "insecure-skip-tls-verify", where, &c->insecure)) ||
	    (r = get_str(p, m, "tls-server-name", where, &c->tls_server_name)))
		return r;
	if (c->insecure && (c->ca_file || c->ca_data.data)) {
		char field[256];

		snprintf(field, sizeof(field), "%s.insecure-skip-tls-verify", where);
		return kc_bad(
		    p, field,
		    "a certificate authority together with insecure-skip-tls-verify is not "
		    "allowed (client-go refuses it too)");
	}
	if (map_get(p, m, "proxy-url") && !is_null(map_get(p, m, "proxy-url"))) {
		char field[256];

		snprintf(field, sizeof(field), "%s.proxy-url", where);
		return kc_bad(p, field, "not supported by kipvs");
	}
	return 0;
}

static int parse_user(struct kc *p, const char *name, struct kube_config *c)
{
	static const char *const unsupported[] = { "exec", "auth-provider", "username", "password",
		                                   "as",   "as-groups",     "as-uid" };
	char where[192];
	yaml_node_t *m = named_entry(p, "users", name, "user");
	int r;

	if (!m) {
		char reason[256];

		snprintf(reason, sizeof(reason), "user %s not found", name);
		snprintf(where, sizeof(where), "users[%s]", name);
		return kc_bad(p, where, reason);
	}
	snprintf(where, sizeof(where), "users[%s].user", name);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (!is_null(map_get(p, m, unsupported[i]))) {
			char field[256];

			snprintf(field, sizeof(field), "%s.%s", where, unsupported[i]);
			return kc_bad(p, field,
			              "not supported by kipvs; use token, tokenFile or client "
			              "certificates");
		}
	}
	if ((r = get_str(p, m, "token", where, &c->token)) ||
	    (r = get_path(p, m, "tokenFile", where, &c->token_file)) ||
	    (r = get_path(p, m, "client-certificate", where, &c->client_cert_file)) ||
	    (r = get_data(p, m, "client-certificate-data", where, &c->client_cert_data)) ||
	    (r = get_path(p, m, "client-key", where, &c->client_key_file)) ||
	    (r = get_data(p, m, "client-key-data", where, &c->client_key_data)))
		return r;
	if ((c->client_cert_file || c->client_cert_data.data) !=
	    (c->client_key_file || c->client_key_data.data)) {
		char field[256];

		snprintf(field, sizeof(field), "%s.%s", where,
		         c->client_cert_file || c->client_cert_data.data ? "client-key"
		                                                         : "client-certificate");
		return kc_bad(p, field, "a client certificate needs both certificate and key");
	}
	return 0;
}

/* The document holds the token and keys as scalars: wipe them before freeing. */
static void doc_wipe(yaml_document_t *doc)
{
	for (yaml_node_t *n = doc->nodes.start; n && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
}

static int kc_load_doc(struct kc *p, const char *text, size_t len)
{
	yaml_parser_t parser;
	int ok;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	ok = yaml_parser_load(&parser, &p->doc);
	if (!ok) {
		char reason[256];

		snprintf(reason, sizeof(reason), "YAML syntax error at line %zu column %zu: %s",
		         parser.problem_mark.line + 1, parser.problem_mark.column + 1,
		         parser.problem ? parser.problem : "unknown");
		yaml_parser_delete(&parser);
		return kc_bad(p, "(document)", reason);
	}
	yaml_parser_delete(&parser);
	if (!yaml_document_get_root_node(&p->doc) ||
	    yaml_document_get_root_node(&p->doc)->type != YAML_MAPPING_NODE) {
		doc_wipe(&p->doc);
		yaml_document_delete(&p->doc);
		return kc_bad(p, "(document)", "not a kubeconfig: the top level is not a mapping");
	}
	return 0;
}

int kube_config_parse(const char *text, size_t len, const char *path, const char *context,
                      struct kube_config **out)
{
	struct kc p = { .path = path };
	struct kube_config *c = NULL;
	yaml_node_t *root, *ctx;
	char *ctx_name = NULL, *cluster = NULL, *user = NULL, where[192];
	const char *slash = strrchr(path, '/');
	int r;

	*out = NULL;
	p.dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!p.dir)
		return -ENOMEM;
	r = kc_load_doc(&p, text, len);
	if (r) {
		free(p.dir);
		return r;
	}
	root = yaml_document_get_root_node(&p.doc);
	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	if (context && *context) {
		ctx_name = strdup(context);
		if (!ctx_name) {
			r = -ENOMEM;
			goto out;
		}
	} else if ((r = get_str(&p, root, "current-context", "(top)", &ctx_name))) {
		goto out;
	} else if (!ctx_name || !*ctx_name) {
		r = kc_bad(&p, "current-context", "not set; pass --context NAME");
		goto out;
	}
	ctx = named_entry(&p, "contexts", ctx_name, "context");
	if (!ctx) {
		char reason[256];

		snprintf(reason, sizeof(reason), "context %s not found", ctx_name);
		r = kc_bad(&p, context && *context ? "--context" : "current-context", reason);
		goto out;
	}
	snprintf(where, sizeof(where), "contexts[%s].context", ctx_name);
	if ((r = get_str(&p, ctx, "cluster", where, &cluster)) ||
	    (r = get_str(&p, ctx, "user", where, &user)) ||
	    (r = get_str(&p, ctx, "namespace", where, &c->namespace)))
		goto out;
	if (!cluster || !*cluster) {
		char field[256];

		snprintf(field, sizeof(field), "%s.cluster", where);
		r = kc_bad(&p, field, "missing");
		goto out;
	}
	if ((r = parse_cluster(&p, cluster, c)))
		goto out;
	if (user && *user && (r = parse_user(&p, user, c)))
		goto out;
	if (!c->namespace && !(c->namespace = strdup("default"))) {
		r = -ENOMEM;
		goto out;
	}
	if (asprintf(&c->source, "kubeconfig %s (context %s)", path, ctx_name) < 0) {
		c->source = NULL;
		r = -ENOMEM;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	kube_config_free(c);
	free(ctx_name);
	free(cluster);
	free(user);
	free(p.dir);
	doc_wipe(&p.doc);
	yaml_document_delete(&p.doc);
	return r;
}

static int load_in_cluster(const char *sa_dir, const char *master, struct kube_config **out)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct kube_config *c;
	char *tok = NULL, qd[256];
	int r;

	if (!master && (!host || !*host || !port || !*port)) {
		log_err("in_cluster_config",
		        "reason=\"KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: "
		        "not running in a pod; pass --kubeconfig FILE or --master URL\"");
		return -ENOENT;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (master)
		r = (c->server = url_dup(master)) ? 0 : -1;
	else
		r = asprintf(&c->server, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
		             host, port);
	if (r < 0 || asprintf(&c->token_file, "%s/token", sa_dir) < 0 ||
	    asprintf(&c->ca_file, "%s/ca.crt", sa_dir) < 0 ||
	    asprintf(&c->source, master ? "--master with service account %s" : "in-cluster (%s)",
	             sa_dir) < 0 ||
	    !(c->namespace = strdup("default"))) {
		kube_config_free(c);
		return -ENOMEM;
	}
	r = kube_config_read_token(c, &tok);
	if (r) {
		char qe[128];

		log_err("in_cluster_config", "file=%s reason=%s",
		        log_quote(c->token_file, qd, sizeof(qd)),
		        log_quote(r == -ENODATA ? "token file is empty" : strerror(-r), qe,
		                  sizeof(qe)));
		kube_config_free(c);
		return r == -ENODATA ? -EINVAL : r;
	}
	kube_secret_free(tok);
	if (access(c->ca_file, R_OK) != 0) {
		/* client-go logs and falls back to the system roots; so do we. */
		char qe[128];

		log_warn("in_cluster_ca_missing", "file=%s err=%s using=system-roots",
		         log_quote(c->ca_file, qd, sizeof(qd)),
		         log_quote(strerror(errno), qe, sizeof(qe)));
		free(c->ca_file);
		c->ca_file = NULL;
	}
	*out = c;
	return 0;
}

int kube_config_load(const struct kube_config_opts *o, struct kube_config **out)
{
	const char *sa_dir = o->sa_dir && *o->sa_dir ? o->sa_dir : KUBE_SA_DIR_DEFAULT;
	char *text = NULL, qp[256];
	size_t len = 0;
	int r;

	*out = NULL;
	if (!o->kubeconfig || !*o->kubeconfig) {
		struct stat st;
		char tokpath[4096];

		if (!o->master)
			return load_in_cluster(sa_dir, NULL, out);
		/* --master alone: in a pod the service account authenticates
		 * to that URL (the way out of the ClusterIP chicken-and-egg);
		 * elsewhere no credentials. */
		snprintf(tokpath, sizeof(tokpath), "%s/token", sa_dir);
		if (getenv("KUBERNETES_SERVICE_HOST") && stat(tokpath, &st) == 0)
			return load_in_cluster(sa_dir, o->master, out);
		*out = calloc(1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		if (!((*out)->source = strdup("--master")) ||
		    !((*out)->namespace = strdup("default")) ||
		    !((*out)->server = url_dup(o->master))) {
			kube_config_free(*out);
			*out = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	r = read_file(o->kubeconfig, KUBECONFIG_MAX, &text, &len);
	if (r) {
		char qe[128];

		log_err(
		    "kubeconfig_unreadable", "file=%s err=%s",
		    log_quote(o->kubeconfig, qp, sizeof(qp)),
		    log_quote(r == -EFBIG ? "larger than 16 MiB" : strerror(-r), qe, sizeof(qe)));
		return r;
	}
	r = kube_config_parse(text, len, o->kubeconfig, o->context, out);
	kube_secret_free(text);
	if (r == 0 && o->master) {
		char *m = url_dup(o->master);

		if (!m) {
			kube_config_free(*out);
			*out = NULL;
			return -ENOMEM;
		}
		free((*out)->server);
		(*out)->server = m;
	}
	return r;
}
