/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/ksysctl.h"
#include "../../lib/log.h"

#define MAX_SETTINGS 16

struct setting {
	const char *root; /* proc_sys or ct_params */
	const char *key;
	char value[24];
	uint64_t num;
	bool raise_only;  /* a larger value on the node stays (conntrack settings) */
	bool kept_logged; /* "larger value kept" said once */
	int last_err;     /* to log a failure once, and its recovery */
};

struct sync_kernel {
	struct setting s[MAX_SETTINGS];
	size_t n;
};

static struct setting *add(struct sync_kernel *k, const char *root, const char *key, uint64_t v)
{
	struct setting *s = &k->s[k->n++];

	s->root = root;
	s->key = key;
	s->num = v;
	snprintf(s->value, sizeof(s->value), "%" PRIu64, v);
	return s;
}

/*
 * The conntrack table size and timeouts are node-wide resources an admin may
 * have raised for other reasons: like kube-proxy, kipvs only ever raises them.
 */
static void add_raise(struct sync_kernel *k, const char *root, const char *key, uint64_t v)
{
	add(k, root, key, v)->raise_only = true;
}

/* Whether a raise-only setting already holds @cur >= its value (then it is left). */
static bool large_enough(struct setting *s, const char *cur)
{
	char *end;
	unsigned long long v;

	if (!s->raise_only)
		return false;
	errno = 0;
	v = strtoull(cur, &end, 10);
	if (errno || end == cur || *end || v < s->num)
		return false;
	if (v > s->num && !s->kept_logged) {
		log_info("sysctl_kept", "key=%s value=%s wanted=%s reason=%s", s->key, cur,
		         s->value, "\"larger than wanted; conntrack settings are only raised\"");
		s->kept_logged = true;
	}
	return true;
}

int sync_kernel_new(const struct kipvs_config *cfg, const struct sync_kernel_env *env,
                    struct sync_kernel **out)
{
	struct sync_kernel *k = calloc(1, sizeof(*k));
	const char *sys = env->proc_sys ? env->proc_sys : "/proc/sys";
	const char *ct = env->ct_params ? env->ct_params : "/sys/module/nf_conntrack/parameters";
	unsigned kv = env->kernel_major * 1000 + env->kernel_minor;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	/* IPVS connections must go through conntrack for SNAT to work. */
	add(k, sys, "net/ipv4/vs/conntrack", 1);
	/*
	 * conn_reuse_mode=1 stalls reused ports for a second on 4.1..5.8
	 * kernels (kubernetes#81775); from 5.9 the kernel fixed it, so leave it.
	 */
	if (kv >= 4001 && kv < 5009)
		add(k, sys, "net/ipv4/vs/conn_reuse_mode", 0);
	add(k, sys, "net/ipv4/vs/expire_nodest_conn", 1);
	add(k, sys, "net/ipv4/vs/expire_quiescent_template", 1);
	add(k, sys, "net/ipv4/ip_forward", 1);
	if (cfg->strict_arp) {
		add(k, sys, "net/ipv4/conf/all/arp_ignore", 1);
		add(k, sys, "net/ipv4/conf/all/arp_announce", 2);
	}
	if (cfg->conntrack_max_per_core > 0) {
		uint64_t max = (uint64_t)cfg->conntrack_max_per_core * (env->ncpu ? env->ncpu : 1);

		if ((int64_t)max < cfg->conntrack_min)
			max = (uint64_t)cfg->conntrack_min;
		add_raise(k, sys, "net/netfilter/nf_conntrack_max", max);
		/* kube-proxy sizes the hash table at a quarter of the maximum. */
		add_raise(k, ct, "hashsize", max / 4);
	}
	if (cfg->conntrack_tcp_established_ms)
		add_raise(k, sys, "net/netfilter/nf_conntrack_tcp_timeout_established",
		          cfg->conntrack_tcp_established_ms / 1000);
	if (cfg->conntrack_tcp_close_wait_ms)
		add_raise(k, sys, "net/netfilter/nf_conntrack_tcp_timeout_close_wait",
		          cfg->conntrack_tcp_close_wait_ms / 1000);
	if (cfg->conntrack_tcp_be_liberal)
		add_raise(k, sys, "net/netfilter/nf_conntrack_tcp_be_liberal", 1);
	if (cfg->conntrack_udp_timeout_ms)
		add_raise(k, sys, "net/netfilter/nf_conntrack_udp_timeout",
		          cfg->conntrack_udp_timeout_ms / 1000);
	if (cfg->conntrack_udp_stream_timeout_ms)
		add_raise(k, sys, "net/netfilter/nf_conntrack_udp_timeout_stream",
		          cfg->conntrack_udp_stream_timeout_ms / 1000);
	*out = k;
	return 0;
}

void sync_kernel_free(struct sync_kernel *k)
{
	free(k);
}

int sync_kernel_apply(struct sync_kernel *k, int *failed)
{
	int written = 0, nfail = 0;

	for (size_t i = 0; i < k->n; i++) {
		struct setting *s = &k->s[i];
		char old[64] = "";
		bool changed = false;
		int err = ksysctl_read(s->root, s->key, old, sizeof(old));

		if (err == 0 && large_enough(s, old))
			continue;
		if (err == 0)
			err = ksysctl_ensure(s->root, s->key, s->value, &changed);
		if (err < 0) {
			nfail++;
			if (err != s->last_err)
				log_warn("sysctl_failed", "key=%s value=%s err=%s", s->key,
				         s->value, strerror(-err));
			s->last_err = err;
			continue;
		}
		if (s->last_err)
			log_info("sysctl_recovered", "key=%s", s->key);
		s->last_err = 0;
		if (changed) {
			written++;
			log_info("sysctl_set", "key=%s old=%s new=%s", s->key, old, s->value);
		}
	}
	if (failed)
		*failed = nfail;
	return written;
}
