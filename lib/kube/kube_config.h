/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_config — where the apiserver is and how to authenticate to it.
 *
 * Three sources, chosen as kube-proxy chooses them:
 *   - a kubeconfig file (YAML or JSON), its current-context or a named one;
 *   - --master alone: that URL, no credentials;
 *   - neither: in-cluster, from KUBERNETES_SERVICE_HOST/_PORT and the
 *     service-account directory (token, ca.crt).
 * --master always overrides the server URL.
 *
 * The loader promises:
 *   - every error is one log line naming the file and the field
 *     (event kubeconfig_invalid / kubeconfig_unreadable / in_cluster_config);
 *   - relative paths in the kubeconfig are resolved against its folder;
 *   - *-data fields are base64-decoded into memory (PEM bytes); keys never go
 *     to a temporary file and never appear in a log line;
 *   - files named by the config are checked readable at load (so a typo is
 *     reported at start), but read again by libcurl on every new connection,
 *     so rotated certificates are picked up.
 *
 * Bound service-account tokens expire: kube_config_read_token() reads the
 * token file each time it is called; kube_http caches the result for a
 * minute and drops it after a 401.
 */
#ifndef KIPVS_KUBE_CONFIG_H
#define KIPVS_KUBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define KUBE_SA_DIR_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount"

struct kube_config_opts {
	const char *kubeconfig; /* path of a kubeconfig file; NULL = none */
	const char *context;    /* NULL = the file's current-context */
	const char *master;     /* overrides the server URL; NULL = none */
	const char *sa_dir;     /* in-cluster service-account dir; NULL = KUBE_SA_DIR_DEFAULT */
};

/* A byte blob (PEM text) held in memory. */
struct kube_blob {
	char *data;
	size_t len;
};

/*
 * The resolved connection settings. Plain data: the loader fills it, the
 * caller frees it with kube_config_free(). Paths are as resolved (relative
 * ones joined to the kubeconfig's folder).
 */
struct kube_config {
	char *source; /* "kubeconfig FILE (context C)", "in-cluster", "--master" */
	char *server; /* base URL, no trailing '/'; may carry a path prefix */
	char *ca_file;
	struct kube_blob ca_data; /* wins over ca_file */
	bool insecure;            /* insecure-skip-tls-verify */
	char *tls_server_name;
	char *client_cert_file;
	struct kube_blob client_cert_data;
	char *client_key_file;
	struct kube_blob client_key_data;
	char *token;      /* inline token; the fallback when token_file cannot be read */
	char *token_file; /* re-read to follow rotation */
	char *namespace;  /* context namespace ("default" when unset) */
};

/* Builds the config from @o (see the rules above). 0, -EINVAL (bad or
 * incomplete config), -ENOENT (not in a cluster), or -errno from reading. */
int kube_config_load(const struct kube_config_opts *o, struct kube_config **out)
    __attribute__((warn_unused_result));

/* Parses kubeconfig text already in memory; @path names it in messages and
 * anchors relative paths. */
int kube_config_parse(const char *text, size_t len, const char *path, const char *context,
                      struct kube_config **out) __attribute__((warn_unused_result));

/* Frees @c (NULL is fine); key material is wiped first. */
void kube_config_free(struct kube_config *c);

/*
 * The bearer token to send now: the token file's content (trimmed) when the
 * file is readable and not empty, else the inline token. *@out = NULL when the
 * config has no token at all (returns 0). -errno when a token file is
 * configured, unreadable and there is no inline fallback. Caller frees *@out
 * (wipe it: it is a secret).
 */
int kube_config_read_token(const struct kube_config *c, char **out)
    __attribute__((warn_unused_result));

/* Standard base64 (whitespace ignored) → bytes, NUL-terminated. 0 or -EINVAL. */
int kube_base64_decode(const char *in, size_t len, struct kube_blob *out)
    __attribute__((warn_unused_result));

/* Wipes and frees a string holding a secret (NULL is fine). */
void kube_secret_free(char *s);

#endif
