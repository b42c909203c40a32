/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every harness links: quiet logs (also the default
 * LLVMFuzzerInitialize), input cursor, and a resolver that never leaves
 * the process.
 *
 * ipvsadm's grammar accepts host and service names where numbers go, and
 * ipvs_cli resolves them with getaddrinfo() and getservbyname_r(). A fuzzer
 * produces millions of names: each must not become a DNS query (traffic off
 * the machine, seconds of waiting) nor depend on this machine's
 * /etc/hosts and /etc/services. These definitions take the place of libc's
 * in the harness programs (the executable's symbols win over the shared
 * library's), with a fixed table: "localhost" and the services in
 * services[] resolve, nothing else does; reverse lookups never succeed.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../../lib/log.h"
#include "../fuzz.h"

static void drop_line(void *ctx, enum log_level lvl, const char *line)
{
	(void)ctx;
	(void)lvl;
	(void)line;
}

void fuzz_quiet_logs(void)
{
	log_set_level(LOG_LVL_DEBUG);
	log_set_sink(drop_line, NULL);
}

/* The default for harnesses that need nothing else set up (weak: a
 * harness's own definition wins). */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

void fuzz_assert(bool cond, const char *what, const char *file, int line)
{
	if (cond)
		return;
	fprintf(stderr, "%s:%d: harness check failed: %s\n", file, line, what);
	abort();
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return v;
}

uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t hi = fuzz_u8(in);

	return (uint16_t)(hi << 8 | fuzz_u8(in));
}

const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->p;

	if (n > in->n)
		n = in->n;
	in->p += n;
	in->n -= n;
	*got = n;
	return p;
}

char *fuzz_strndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- the resolver -------------------------------------------------------- */

struct fake_ai {
	struct addrinfo ai;
	struct sockaddr_in sin;
};

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
	struct fake_ai *f;

	(void)service;
	*res = NULL;
	if (!node || strcmp(node, "localhost") != 0)
		return EAI_NONAME;
	if (hints && hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET)
		return EAI_NONAME;
	f = calloc(1, sizeof(*f));
	if (!f)
		return EAI_MEMORY;
	f->sin.sin_family = AF_INET;
	f->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->ai.ai_family = AF_INET;
	f->ai.ai_addrlen = sizeof(f->sin);
	f->ai.ai_addr = (struct sockaddr *)&f->sin;
	*res = &f->ai;
	return 0;
}

void freeaddrinfo(struct addrinfo *res)
{
	free(res); /* one fake_ai block, ai first */
}

static const struct {
	const char *name;
	int port;
} services[] = {
	{ "http", 80 }, { "https", 443 }, { "domain", 53 }, { "ssh", 22 }, { "www", 80 },
};

int getservbyname_r(const char *name, const char *proto, struct servent *se, char *buf,
                    size_t buflen, struct servent **result)
{
	(void)proto;
	(void)buf;
	(void)buflen;
	*result = NULL;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		if (strcmp(services[i].name, name) == 0) {
			memset(se, 0, sizeof(*se));
			se->s_name = (char *)services[i].name;
			se->s_port = (int)htons((uint16_t)services[i].port);
			*result = se;
			return 0;
		}
	}
	return ENOENT;
}

/* Reverse lookups (the listings without -n): never made; numbers are printed. */
int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                char *serv, socklen_t servlen, int flags)
{
	(void)sa;
	(void)salen;
	(void)host;
	(void)hostlen;
	(void)serv;
	(void)servlen;
	(void)flags;
	return EAI_NONAME;
}

int getservbyport_r(int port, const char *proto, struct servent *se, char *buf, size_t buflen,
                    struct servent **result)
{
	(void)port;
	(void)proto;
	(void)se;
	(void)buf;
	(void)buflen;
	*result = NULL;
	return ENOENT;
}
