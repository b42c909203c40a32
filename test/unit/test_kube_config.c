/* SPDX-License-Identifier: Apache-2.0 */
/* kubeconfig and in-cluster loading: fields, relative paths, base64, errors. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/kube/kube_config.h"

/* A scratch folder per test, removed afterwards. */
struct scratch {
	char dir[64];
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/kipvs-kc-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	*state = s;
	unit_log_start();
	return 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	char cmd[128];

	unit_log_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	if (system(cmd) != 0)
		return -1;
	free(s);
	return 0;
}

static void put(const struct scratch *s, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *path_of(const struct scratch *s, const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	return path;
}

/* "-----BEGIN CERTIFICATE-----\nfake\n" */
#define PEM_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UK"
#define PEM_TXT "-----BEGIN CERTIFICATE-----\nfake\n"

static const char basic_yaml[] = "apiVersion: v1\n"
                                 "kind: Config\n"
                                 "current-context: dev\n"
                                 "clusters:\n"
                                 "- name: c1\n"
                                 "  cluster:\n"
                                 "    server: https://10.0.0.1:6443/k8s/clusters/c-1/\n"
                                 "    certificate-authority-data: " PEM_B64 "\n"
                                 "    tls-server-name: api.example\n"
                                 "- name: c2\n"
                                 "  cluster:\n"
                                 "    server: 127.0.0.1:8443\n"
                                 "    insecure-skip-tls-verify: true\n"
                                 "contexts:\n"
                                 "- name: dev\n"
                                 "  context: {cluster: c1, user: u1, namespace: shop}\n"
                                 "- name: ops\n"
                                 "  context:\n"
                                 "    cluster: c2\n"
                                 "    user: u2\n"
                                 "users:\n"
                                 "- name: u1\n"
                                 "  user:\n"
                                 "    token: s3cr3t-token\n"
                                 "    client-certificate-data: " PEM_B64 "\n"
                                 "    client-key-data: " PEM_B64 "\n"
                                 "- name: u2\n"
                                 "  user: {}\n";

static void parse_current_context(void **state)
{
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(basic_yaml, strlen(basic_yaml), "/x/config", NULL, &c),
	                 0);
	assert_string_equal(c->server, "https://10.0.0.1:6443/k8s/clusters/c-1");
	assert_int_equal(c->ca_data.len, strlen(PEM_TXT));
	assert_memory_equal(c->ca_data.data, PEM_TXT, c->ca_data.len);
	assert_string_equal(c->tls_server_name, "api.example");
	assert_false(c->insecure);
	assert_string_equal(c->token, "s3cr3t-token");
	assert_null(c->token_file);
	assert_non_null(c->client_cert_data.data);
	assert_non_null(c->client_key_data.data);
	assert_string_equal(c->namespace, "shop");
	assert_non_null(strstr(c->source, "context dev"));
	kube_config_free(c);
}

static void parse_named_context(void **state)
{
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(basic_yaml, strlen(basic_yaml), "/x/config", "ops", &c),
	                 0);
	assert_string_equal(c->server, "https://127.0.0.1:8443");
	assert_true(c->insecure);
	assert_null(c->token);
	assert_null(c->ca_data.data);
	assert_string_equal(c->namespace, "default");
	kube_config_free(c);
}

static void unknown_context_names_file_and_field(void **state)
{
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(basic_yaml, strlen(basic_yaml), "/x/config", "prod", &c),
	                 -EINVAL);
	assert_null(c);
	assert_int_equal(unit_log_count("event=kubeconfig_invalid", "file=/x/config",
	                                "field=--context", "context prod not found", NULL),
	                 1);
}

static void relative_paths_resolve_against_folder(void **state)
{
	struct scratch *s = *state;
	struct kube_config *c = NULL;
	struct kube_config_opts o = { 0 };
	char want[256], *tok = NULL;

	assert_int_equal(mkdir(path_of(s, "pki"), 0700), 0);
	put(s, "pki/ca.crt", PEM_TXT);
	put(s, "pki/client.crt", PEM_TXT);
	put(s, "pki/client.key", "key");
	put(s, "token", "  from-file\n");
	put(s, "config",
	    "current-context: x\n"
	    "clusters: [{name: c, cluster: {server: 'https://h:1',"
	    " certificate-authority: pki/ca.crt}}]\n"
	    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
	    "users: [{name: u, user: {tokenFile: token, token: inline,"
	    " client-certificate: pki/client.crt, client-key: pki/client.key}}]\n");
	o.kubeconfig = path_of(s, "config");
	assert_int_equal(kube_config_load(&o, &c), 0);
	snprintf(want, sizeof(want), "%s/pki/ca.crt", s->dir);
	assert_string_equal(c->ca_file, want);
	snprintf(want, sizeof(want), "%s/pki/client.key", s->dir);
	assert_string_equal(c->client_key_file, want);
	snprintf(want, sizeof(want), "%s/token", s->dir);
	assert_string_equal(c->token_file, want);
	/* The file wins over the inline token, trimmed. */
	assert_int_equal(kube_config_read_token(c, &tok), 0);
	assert_string_equal(tok, "from-file");
	kube_secret_free(tok);
	kube_config_free(c);
}

static void missing_file_names_field(void **state)
{
	static const char y[] = "current-context: x\n"
	                        "clusters: [{name: c, cluster: {server: 'https://h:1',"
	                        " certificate-authority: nope/ca.crt}}]\n"
	                        "contexts: [{name: x, context: {cluster: c}}]\n";
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(y, strlen(y), "/etc/kipvs/kc", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("file=/etc/kipvs/kc",
	                                "field=clusters[c].cluster.certificate-authority",
	                                "/etc/kipvs/nope/ca.crt", "No such file", NULL),
	                 1);
}

static void bad_base64_names_field_not_secret(void **state)
{
	static const char y[] = "current-context: x\n"
	                        "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
	                        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
	                        "users: [{name: u, user: {token: tok-XYZZY,"
	                        " client-certificate-data: " PEM_B64 ","
	                        " client-key-data: 'not*base64-XYZZY'}}]\n";
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(y, strlen(y), "kc", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("file=kc", "field=users[u].user.client-key-data",
	                                "not valid base64", NULL),
	                 1);
	assert_null(strstr(unit_log_text(), "XYZZY"));
}

static void invalid_combinations(void **state)
{
	static const char insecure_ca[] =
	    "current-context: x\n"
	    "clusters: [{name: c, cluster: {server: 'https://h:1', insecure-skip-tls-verify: true,"
	    " certificate-authority-data: " PEM_B64 "}}]\n"
	    "contexts: [{name: x, context: {cluster: c}}]\n";
	static const char exec_user[] = "current-context: x\n"
	                                "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
	                                "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
	                                "users: [{name: u, user: {exec: {command: aws}}}]\n";
	static const char cert_no_key[] =
	    "current-context: x\n"
	    "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
	    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
	    "users: [{name: u, user: {client-certificate-data: " PEM_B64 "}}]\n";
	static const char no_server[] = "current-context: x\n"
	                                "clusters: [{name: c, cluster: {}}]\n"
	                                "contexts: [{name: x, context: {cluster: c}}]\n";
	static const char no_user[] = "current-context: x\n"
	                              "clusters: [{name: c, cluster: {server: 'https://h:1'}}]\n"
	                              "contexts: [{name: x, context: {cluster: c, user: ghost}}]\n";
	static const char no_current[] = "clusters: []\n";
	static const char bad_bool[] = "current-context: x\n"
	                               "clusters: [{name: c, cluster: {server: 'https://h:1', "
	                               "insecure-skip-tls-verify: maybe}}]\n"
	                               "contexts: [{name: x, context: {cluster: c}}]\n";
	/* found by the kubeconfig fuzzer: trimmed of its slashes, "https:" */
	static const char no_host[] = "current-context: x\n"
	                              "clusters: [{name: c, cluster: {server: 'https://'}}]\n"
	                              "contexts: [{name: x, context: {cluster: c}}]\n";
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(no_host, strlen(no_host), "k", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("field=clusters[c].cluster.server", "no host", NULL), 1);
	assert_int_equal(kube_config_parse(insecure_ca, strlen(insecure_ca), "k", NULL, &c),
	                 -EINVAL);
	assert_int_equal(unit_log_count("field=clusters[c].cluster.insecure-skip-tls-verify", NULL),
	                 1);
	assert_int_equal(kube_config_parse(exec_user, strlen(exec_user), "k", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("field=users[u].user.exec", "not supported", NULL), 1);
	assert_int_equal(kube_config_parse(cert_no_key, strlen(cert_no_key), "k", NULL, &c),
	                 -EINVAL);
	assert_int_equal(unit_log_count("field=users[u].user.client-key", NULL), 1);
	assert_int_equal(kube_config_parse(no_server, strlen(no_server), "k", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("field=clusters[c].cluster.server", "missing", NULL), 1);
	assert_int_equal(kube_config_parse(no_user, strlen(no_user), "k", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("field=users[ghost]", "user ghost not found", NULL), 1);
	assert_int_equal(kube_config_parse(no_current, strlen(no_current), "k", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("field=current-context", "--context", NULL), 1);
	assert_int_equal(kube_config_parse(bad_bool, strlen(bad_bool), "k", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("insecure-skip-tls-verify", "expected true or false", NULL),
	                 1);
	assert_null(c);
}

static void yaml_syntax_error_has_line(void **state)
{
	static const char y[] = "current-context: x\nclusters: [\n  - {name: c\n";
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(y, strlen(y), "broken.yaml", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("file=broken.yaml", "YAML syntax error at line", NULL), 1);
	assert_int_equal(kube_config_parse("- a\n- b\n", 8, "list.yaml", NULL, &c), -EINVAL);
	assert_int_equal(unit_log_count("file=list.yaml", "not a kubeconfig", NULL), 1);
}

static void json_kubeconfig(void **state)
{
	static const char j[] =
	    "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"current-context\":\"j\","
	    "\"clusters\":[{\"name\":\"c\",\"cluster\":{\"server\":\"http://127.0.0.1:8080\"}}],"
	    "\"contexts\":[{\"name\":\"j\",\"context\":{\"cluster\":\"c\",\"user\":\"u\"}}],"
	    "\"users\":[{\"name\":\"u\",\"user\":{\"token\":\"abc\"}}]}";
	struct kube_config *c = NULL;

	assert_int_equal(kube_config_parse(j, strlen(j), "j.json", NULL, &c), 0);
	assert_string_equal(c->server, "http://127.0.0.1:8080");
	assert_string_equal(c->token, "abc");
	kube_config_free(c);
}

static void load_unreadable_and_master_override(void **state)
{
	struct scratch *s = *state;
	struct kube_config_opts o = { 0 };
	struct kube_config *c = NULL;

	o.kubeconfig = path_of(s, "absent");
	assert_int_equal(kube_config_load(&o, &c), -ENOENT);
	assert_int_equal(
	    unit_log_count("event=kubeconfig_unreadable", "absent", "No such file", NULL), 1);
	put(s, "kc", basic_yaml);
	o.kubeconfig = path_of(s, "kc");
	o.master = "http://127.0.0.1:9/";
	assert_int_equal(kube_config_load(&o, &c), 0);
	assert_string_equal(c->server, "http://127.0.0.1:9");
	assert_string_equal(c->token, "s3cr3t-token");
	kube_config_free(c);
}

static void in_cluster(void **state)
{
	struct scratch *s = *state;
	struct kube_config_opts o = { .sa_dir = s->dir };
	struct kube_config *c = NULL;
	char *tok = NULL;

	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	assert_int_equal(kube_config_load(&o, &c), -ENOENT);
	assert_int_equal(unit_log_count("event=in_cluster_config", "--kubeconfig", NULL), 1);

	setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	/* no token yet: an error naming the file */
	assert_int_equal(kube_config_load(&o, &c), -ENOENT);
	assert_int_equal(unit_log_count("event=in_cluster_config", "/token", NULL), 1);

	put(s, "token", "tok-1\n");
	assert_int_equal(kube_config_load(&o, &c), 0);
	assert_string_equal(c->server, "https://[fd00:10:96::1]:443");
	assert_null(c->ca_file); /* missing ca.crt: system roots, with a warning */
	assert_int_equal(unit_log_count("event=in_cluster_ca_missing", NULL), 1);
	assert_int_equal(kube_config_read_token(c, &tok), 0);
	assert_string_equal(tok, "tok-1");
	kube_secret_free(tok);
	/* rotation: the next read sees the new token */
	put(s, "token", "tok-2");
	assert_int_equal(kube_config_read_token(c, &tok), 0);
	assert_string_equal(tok, "tok-2");
	kube_secret_free(tok);
	/* vanished file, no inline token: an error, the caller keeps the old one */
	unlink(path_of(s, "token"));
	assert_int_equal(kube_config_read_token(c, &tok), -ENOENT);
	assert_null(tok);
	kube_config_free(c);

	put(s, "token", "tok-3");
	put(s, "ca.crt", PEM_TXT);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	o.master = "https://172.18.0.2:6443";
	assert_int_equal(kube_config_load(&o, &c), 0);
	assert_string_equal(c->server, "https://172.18.0.2:6443");
	assert_non_null(c->ca_file);
	assert_non_null(c->token_file);
	kube_config_free(c);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	/* --master outside a pod: no credentials */
	assert_int_equal(kube_config_load(&o, &c), 0);
	assert_null(c->token_file);
	assert_null(c->ca_file);
	kube_config_free(c);
}

static void token_fallbacks(void **state)
{
	struct scratch *s = *state;
	struct kube_config c = { 0 };
	char *tok = NULL, tf[256];

	assert_int_equal(kube_config_read_token(&c, &tok), 0);
	assert_null(tok);
	c.token = (char *)"inline";
	snprintf(tf, sizeof(tf), "%s/empty", s->dir);
	c.token_file = tf;
	put(s, "empty", " \n");
	assert_int_equal(kube_config_read_token(&c, &tok), 0);
	assert_string_equal(tok, "inline");
	kube_secret_free(tok);
	c.token = NULL;
	assert_int_equal(kube_config_read_token(&c, &tok), -ENODATA);
}

static void base64(void **state)
{
	struct kube_blob b = { 0 };

	assert_int_equal(kube_base64_decode("aGVsbG8=", 8, &b), 0);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "hello");
	free(b.data);
	assert_int_equal(kube_base64_decode("aGVs\nbG8h", 9, &b), 0);
	assert_string_equal(b.data, "hello!");
	free(b.data);
	assert_int_equal(kube_base64_decode("aGVsbA==", 8, &b), 0);
	assert_string_equal(b.data, "hell");
	free(b.data);
	assert_int_equal(kube_base64_decode("aGVsbA", 6, &b), 0); /* unpadded */
	assert_string_equal(b.data, "hell");
	free(b.data);
	assert_int_equal(kube_base64_decode("a", 1, &b), -EINVAL);
	assert_int_equal(kube_base64_decode("aGVs*G8=", 8, &b), -EINVAL);
	assert_int_equal(kube_base64_decode("aG==VsbA", 8, &b), -EINVAL);
	assert_int_equal(kube_base64_decode("aGVsbA=", 7, &b), -EINVAL);
	assert_int_equal(kube_base64_decode("", 0, &b), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(parse_current_context, setup, teardown),
	cmocka_unit_test_setup_teardown(parse_named_context, setup, teardown),
	cmocka_unit_test_setup_teardown(unknown_context_names_file_and_field, setup, teardown),
	cmocka_unit_test_setup_teardown(relative_paths_resolve_against_folder, setup, teardown),
	cmocka_unit_test_setup_teardown(missing_file_names_field, setup, teardown),
	cmocka_unit_test_setup_teardown(bad_base64_names_field_not_secret, setup, teardown),
	cmocka_unit_test_setup_teardown(invalid_combinations, setup, teardown),
	cmocka_unit_test_setup_teardown(yaml_syntax_error_has_line, setup, teardown),
	cmocka_unit_test_setup_teardown(json_kubeconfig, setup, teardown),
	cmocka_unit_test_setup_teardown(load_unreadable_and_master_override, setup, teardown),
	cmocka_unit_test_setup_teardown(in_cluster, setup, teardown),
	cmocka_unit_test_setup_teardown(token_fallbacks, setup, teardown),
	cmocka_unit_test_setup_teardown(base64, setup, teardown),
};

UNIT_MAIN(tests)
