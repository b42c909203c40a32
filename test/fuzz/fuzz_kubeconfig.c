/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kubeconfig loader (kube_config_parse: YAML or JSON, contexts,
 * clusters, users, base64 *-data fields, relative paths), then what kipvs
 * does next with a config that loads: kube_http_new() parses the server
 * URL and tls-server-name with libcurl and prepares the TLS settings (no
 * connection is made: a request would be needed for that).
 *
 * The file is "/nonexistent/kubeconfig": relative paths in it resolve to
 * files that do not exist; absolute ones are only checked with access().
 * Nothing is read but the input (the token file is read per request, and
 * no request is made).
 */
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_config.h"
#include "../../lib/kube/kube_http.h"
#include "fuzz.h"

static struct ev_loop *loop;

static void check_blob(const struct kube_blob *b)
{
	if (b->data)
		FUZZ_ASSERT(b->data[b->len] == '\0', "a decoded blob is NUL-terminated");
	else
		FUZZ_ASSERT(b->len == 0, "no data, no length");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	loop = ev_loop_new(EVFLAG_AUTO);
	FUZZ_ASSERT(loop != NULL, "an event loop");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_config *c = NULL;
	struct kube_http *h = NULL;
	char url[512];
	size_t n;

	if (kube_config_parse((const char *)data, size, "/nonexistent/kubeconfig", NULL, &c)) {
		FUZZ_ASSERT(c == NULL, "nothing on failure");
		return 0;
	}
	FUZZ_ASSERT(c && c->source && c->server && c->namespace, "source, server and namespace");
	FUZZ_ASSERT(!strncmp(c->server, "https://", 8) || !strncmp(c->server, "http://", 7),
	            "an http(s) server URL");
	n = strlen(c->server);
	FUZZ_ASSERT(n && c->server[n - 1] != '/', "no trailing slash");
	check_blob(&c->ca_data);
	check_blob(&c->client_cert_data);
	check_blob(&c->client_key_data);
	if (kube_http_new(loop, c, NULL, &h) == 0) {
		kube_http_url(h, "/api/v1/services?limit=500", url, sizeof(url));
		FUZZ_ASSERT(strnlen(url, sizeof(url)) < sizeof(url), "a URL");
		kube_http_free(h);
	}
	kube_config_free(c);
	return 0;
}
