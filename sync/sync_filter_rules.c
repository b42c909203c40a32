/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed part of kipvs's tables: sets, chains and rules, each rule as the
 * expressions the kernel runs and as the text `nft list` prints for them.
 * kube-proxy's IPVS-mode iptables rules, one for one (reference in each
 * comment: the kube-proxy chain the rule stands for):
 *
 *   nat prerouting/output (-100, before IPVS at -98)  →  svc        KUBE-SERVICES
 *     return for localhost sources; LB addresses → lb_masq (KUBE-LOAD-BALANCER:
 *     ETP Local returns, the rest is marked); cluster IPs marked per
 *     --masquerade-all / local-traffic detection; externalIPs of ETP Cluster
 *     marked; local destinations → np (KUBE-NODE-PORT: ETP Local returns,
 *     the rest is marked)
 *   nat postrouting (srcnat)                          →  nat_post   KUBE-POSTROUTING
 *     hairpin (a local endpoint reaching itself) masqueraded; unmarked traffic
 *     returns; the mark is cleared and the rest masqueraded (fully random)
 *   filter input (0, before IPVS at 98)               →  flt_in     KUBE-PROXY-FIREWALL,
 *     source ranges of LB addresses; NEW connections      KUBE-IPVS-FILTER
 *     to a kube-ipvs0 address on a port no Service serves rejected
 *   filter forward                                    →  flt_fwd    KUBE-PROXY-FIREWALL,
 *     source ranges; marked and established traffic accepted    KUBE-FORWARD
 *   filter output (-150, before IPVS at -98)          →  flt_out    KUBE-IPVS-OUT-FILTER
 *     the node's own connections to an LB address whose ranges leave it out
 *     dropped (kube-proxy matches after IPVS with `-m ipvs`, which nftables
 *     has not: matching before IPVS sees the same packet with the VIP)
 *
 * The expressions are nft 1.0.6's for the same text, register for register
 * (test/unit/test_nft_msg.c checks them against nft's own messages).
 */
#include <errno.h>
#include <netinet/in.h> /* before the kernel headers, which define the same */
#include <stdarg.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include "sync_filter_priv.h"

#define CT_NEW         0x8 /* NF_CT_STATE_BIT(IP_CT_NEW) */
#define CT_ESTABLISHED 0x2
#define CT_RELATED     0x4
#define RTN_LOCAL_T    2 /* RTN_LOCAL */
#define ICMP_PORT_UNR  3
#define ICMP6_PORT_UNR 4
/* A lookup rule that ends in something other than a verdict. */
#define NO_VERDICT 1000

/* nft's register for the field at byte @off of a concatenation: the first
 * in NFT_REG_1, the next ones in 32-bit registers, named as the kernel
 * names them back (a 32-bit register that starts a 128-bit one reads as
 * that one: 16 bytes in is NFT_REG_2). */
static uint8_t reg_at(size_t off)
{
	size_t idx = 4 + off / 4;

	return (uint8_t)(idx % 4 == 0 ? idx / 4 : idx - 4 + NFT_REG32_00);
}

/* --- a rule being built ------------------------------------------------------- */

struct rb {
	struct sync_ftable *t;
	struct nft_rule_def *r;
	int fam;
	size_t alen; /* address bytes of the family */
	int err;
};

static struct nft_expr *x_new(struct rb *b, uint8_t kind)
{
	struct nft_expr *x;

	if (b->r->n == NFT_EXPRS_MAX) {
		b->err = -EINVAL;
		return &b->r->x[0];
	}
	x = &b->r->x[b->r->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	return x;
}

static void x_payload(struct rb *b, uint8_t reg, uint8_t base, uint8_t off, uint8_t len)
{
	struct nft_expr *x = x_new(b, NFT_X_PAYLOAD);

	x->reg = reg;
	x->base = base;
	x->off = off;
	x->len = len;
}

static void x_meta(struct rb *b, uint32_t key, uint8_t reg)
{
	struct nft_expr *x = x_new(b, NFT_X_META);

	x->key = key;
	x->reg = reg;
}

static void x_cmp(struct rb *b, uint32_t op, const void *data, uint8_t len)
{
	struct nft_expr *x = x_new(b, NFT_X_CMP);

	x->reg = NFT_REG_1;
	x->key = op;
	x->len = len;
	memcpy(x->data, data, len);
}

static void x_cmp_u32(struct rb *b, uint32_t op, uint32_t host)
{
	x_cmp(b, op, &host, sizeof(host));
}

static void x_bitwise(struct rb *b, uint32_t mask, uint32_t xor)
{
	struct nft_expr *x = x_new(b, NFT_X_BITWISE);

	x->reg = x->reg2 = NFT_REG_1;
	x->len = 4;
	memcpy(x->data, &mask, 4);
	memcpy(x->xor, &xor, 4);
}

static void x_lookup(struct rb *b, enum sync_fset set)
{
	struct nft_expr *x = x_new(b, NFT_X_LOOKUP);

	x->reg = NFT_REG_1;
	snprintf(x->name, sizeof(x->name), "%s", sync_fset_name(set));
}

static void x_verdict(struct rb *b, int32_t code, enum sync_fchain to)
{
	struct nft_expr *x = x_new(b, NFT_X_VERDICT);

	x->key = (uint32_t)code;
	if (code == NFT_JUMP || code == NFT_GOTO)
		snprintf(x->name, sizeof(x->name), "%s", b->t->chains[to].name);
}

/* IP header offsets of the family's source and destination addresses. */
static uint8_t saddr_off(const struct rb *b)
{
	return b->fam == 0 ? 12 : 8;
}

static uint8_t daddr_off(const struct rb *b)
{
	return b->fam == 0 ? 16 : 24;
}

/* @first_daddr: "ip daddr . meta l4proto . th dport" (else saddr first),
 * @then_saddr: ". ip saddr" after it; @interval: nft's byte-order swap of
 * the protocol for a range lookup. */
static void x_concat(struct rb *b, bool first_daddr, bool then_saddr, bool interval)
{
	size_t a = b->alen;

	x_payload(b, reg_at(0), NFT_PAYLOAD_NETWORK_HEADER,
	          first_daddr ? daddr_off(b) : saddr_off(b), (uint8_t)a);
	x_meta(b, NFT_META_L4PROTO, reg_at(a));
	if (interval) {
		struct nft_expr *x = x_new(b, NFT_X_BYTEORDER);

		x->reg = x->reg2 = reg_at(a);
		x->key = NFT_BYTEORDER_HTON;
		x->len = 1;
		x->size = 2;
	}
	x_payload(b, reg_at(a + 4), NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	if (then_saddr)
		x_payload(b, reg_at(a + 8), NFT_PAYLOAD_NETWORK_HEADER, saddr_off(b), (uint8_t)a);
}

/* "ip saddr != CIDR" (or == with @eq): whole bytes are compared as such, a
 * partial byte through a mask, as nft does. */
static void x_prefix(struct rb *b, const struct net_cidr *c, bool eq, uint8_t off)
{
	uint8_t len = (uint8_t)(c->plen / 8);

	if (c->plen % 8 == 0) {
		x_payload(b, NFT_REG_1, NFT_PAYLOAD_NETWORK_HEADER, off, len);
		x_cmp(b, eq ? NFT_CMP_EQ : NFT_CMP_NEQ, c->a.b, len);
		return;
	}
	{
		struct nft_expr *x;
		uint8_t full = (uint8_t)b->alen;

		x_payload(b, NFT_REG_1, NFT_PAYLOAD_NETWORK_HEADER, off, full);
		x = x_new(b, NFT_X_BITWISE);
		x->reg = x->reg2 = NFT_REG_1;
		x->len = full;
		for (unsigned i = 0; i < c->plen; i++)
			x->data[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		x_cmp(b, eq ? NFT_CMP_EQ : NFT_CMP_NEQ, c->a.b, full);
	}
}

static void rule(struct rb *b, enum sync_fchain chain, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Starts a rule of @chain whose text is @fmt, with "ip" replaced by "ip6"
 * for the IPv6 table (the texts are written for IPv4). */
static void rule(struct rb *b, enum sync_fchain chain, const char *fmt, ...)
{
	struct sync_ftable *t = b->t;
	char raw[FRULE_TEXT], *out;
	size_t o = 0;
	va_list ap;

	if (t->def.n_rules == FRULES_MAX) {
		b->err = -EINVAL;
		b->r = &t->rules[0];
		return;
	}
	b->r = &t->rules[t->def.n_rules];
	out = t->text[t->def.n_rules];
	t->def.n_rules++;
	memset(b->r, 0, sizeof(*b->r));
	b->r->chain = (uint16_t)chain;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	for (const char *p = raw; *p && o + 4 < FRULE_TEXT; p++) {
		if (b->fam == 1 && !strncmp(p, "ip ", 3) && (p == raw || p[-1] == ' ')) {
			memcpy(out + o, "ip6", 3);
			o += 3;
			p++; /* the 'p'; the space comes next */
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
}

/* --- the table ---------------------------------------------------------------------- */

static const char *const chain_names[FCH_N] = {
	"mark_masq", "nat_pre", "nat_out", "svc",     "lb_masq",    "np",
	"nat_post",  "flt_in",  "flt_fwd", "flt_out", "src_ranges", "vip_guard",
};

static void base_chain(struct nft_chain_def *c, const char *type, int hook, int32_t prio)
{
	snprintf(c->type, sizeof(c->type), "%s", type);
	c->hook = hook;
	c->prio = prio;
	c->policy = NF_ACCEPT;
}

int sync_fset_def(int fam, enum sync_fset set, struct nft_set_def *out)
{
	const enum nft_dtype a = fam == 0 ? NFT_DT_IPV4 : NFT_DT_IPV6;
	const enum nft_dtype apsa[4] = { a, NFT_DT_PROTO, NFT_DT_SERVICE, a };
	const enum nft_dtype ps[2] = { NFT_DT_PROTO, NFT_DT_SERVICE };
	const enum nft_dtype svc = NFT_DT_SERVICE;
	const char *n = sync_fset_name(set);

	switch (set) {
	case FSET_VIPS:
		return nft_set_def_init(out, n, &a, 1, false);
	case FSET_LB_ALLOW:
	case FSET_LB_NONODE:
	case FSET_LOOPBACK:
		return nft_set_def_init(out, n, apsa, 4, set == FSET_LB_ALLOW);
	case FSET_NODEPORT:
	case FSET_NODEPORT_LOC:
		return nft_set_def_init(out, n, ps, 2, false);
	case FSET_HC_PORT:
		return nft_set_def_init(out, n, &svc, 1, false);
	default:
		/* addr . proto . port (the first three fields of apsa) */
		return nft_set_def_init(out, n, apsa, 3, false);
	}
}

static int build_sets(struct sync_ftable *t, int fam)
{
	int err = 0;

	for (int i = 0; i < FSET_N && !err; i++)
		err = sync_fset_def(fam, (enum sync_fset)i, &t->sets[i]);
	return err;
}

/* KUBE-SERVICES' cluster-IP rule, by kube-proxy's settings. */
static int clusterip_rule(struct rb *b, const struct sync_filter_opts *o)
{
	const struct net_cidr *c = &o->local_cidr[b->fam];
	char cbuf[ADDR_STRLEN];

	if (o->masquerade_all) {
		rule(b, FCH_SVC, "ip daddr . meta l4proto . th dport @clusterip jump mark_masq");
		x_concat(b, true, false, false);
	} else if ((o->local_mode == SYNC_LOCAL_CLUSTER_CIDR ||
	            o->local_mode == SYNC_LOCAL_NODE_CIDR) &&
	           c->af) {
		if (c->af != sync_filter_af(b->fam) || c->plen == 0)
			return -EINVAL;
		rule(b, FCH_SVC,
		     "ip daddr . meta l4proto . th dport @clusterip ip saddr != %s jump mark_masq",
		     cidr_fmt(c, cbuf));
		x_concat(b, true, false, false);
		x_lookup(b, FSET_CLUSTERIP);
		x_prefix(b, c, false, saddr_off(b));
		x_verdict(b, NFT_JUMP, FCH_MARK_MASQ);
		return 0;
	} else if ((o->local_mode == SYNC_LOCAL_BRIDGE || o->local_mode == SYNC_LOCAL_PREFIX) &&
	           o->iface[0]) {
		bool prefix = o->local_mode == SYNC_LOCAL_PREFIX;
		uint8_t name[16] = { 0 };
		size_t n = strlen(o->iface);

		if (n >= sizeof(name))
			return -EINVAL;
		memcpy(name, o->iface, n);
		rule(b, FCH_SVC,
		     "ip daddr . meta l4proto . th dport @clusterip iifname != \"%s%s\" jump "
		     "mark_masq",
		     o->iface, prefix ? "*" : "");
		x_concat(b, true, false, false);
		x_lookup(b, FSET_CLUSTERIP);
		x_meta(b, NFT_META_IIFNAME, NFT_REG_1);
		/* A prefix compares its own bytes; a name all 16, NUL padding included. */
		x_cmp(b, NFT_CMP_NEQ, name, (uint8_t)(prefix ? n : sizeof(name)));
		x_verdict(b, NFT_JUMP, FCH_MARK_MASQ);
		return 0;
	} else {
		/* No way to tell pods from the rest: the node's own connections,
		 * which leave from the VIP itself (src,dst). */
		rule(b, FCH_SVC, "ip saddr . meta l4proto . th dport @clusterip jump mark_masq");
		x_concat(b, false, false, false);
	}
	x_lookup(b, FSET_CLUSTERIP);
	x_verdict(b, NFT_JUMP, FCH_MARK_MASQ);
	return 0;
}

/* "ip daddr . meta l4proto . th dport @SET <verdict>" */
static void lookup_rule(struct rb *b, enum sync_fchain ch, enum sync_fset set, bool saddr,
                        int32_t code, enum sync_fchain to, const char *verdict)
{
	bool iv = set == FSET_LB_ALLOW;

	rule(b, ch, "ip daddr . meta l4proto . th dport%s @%s %s", saddr ? " . ip saddr" : "",
	     sync_fset_name(set), verdict);
	x_concat(b, true, saddr, iv);
	x_lookup(b, set);
	if (code != NO_VERDICT)
		x_verdict(b, code, to);
}

static void mark_test(struct rb *b, uint32_t mark, bool set, enum sync_fchain ch, int32_t code,
                      const char *verdict)
{
	rule(b, ch, "meta mark & 0x%08x == 0x%08x %s", mark, set ? mark : 0, verdict);
	x_meta(b, NFT_META_MARK, NFT_REG_1);
	x_bitwise(b, mark, 0);
	x_cmp_u32(b, NFT_CMP_EQ, set ? mark : 0);
	x_verdict(b, code, 0);
}

static void ct_state(struct rb *b, uint32_t bits)
{
	x_new(b, NFT_X_CT)->reg = NFT_REG_1; /* key NFT_CT_STATE = 0 */
	x_bitwise(b, bits, 0);
	x_cmp_u32(b, NFT_CMP_NEQ, 0);
}

static void build_rules(struct rb *b, const struct sync_filter_opts *o)
{
	static const uint8_t lo4 = 127;
	struct net_cidr lo6 = { .af = 10, .plen = 128 };
	uint32_t m = o->mark;
	struct nft_expr *x;

	/* KUBE-MARK-MASQ */
	rule(b, FCH_MARK_MASQ, "meta mark set meta mark | 0x%08x", m);
	x_meta(b, NFT_META_MARK, NFT_REG_1);
	x_bitwise(b, ~m, m);
	x = x_new(b, NFT_X_META_SET);
	x->key = NFT_META_MARK;
	x->reg = NFT_REG_1;
	rule(b, FCH_NAT_PRE, "jump svc");
	x_verdict(b, NFT_JUMP, FCH_SVC);
	rule(b, FCH_NAT_OUT, "jump svc");
	x_verdict(b, NFT_JUMP, FCH_SVC);

	/* KUBE-SERVICES */
	if (b->fam == 0) {
		rule(b, FCH_SVC, "ip saddr 127.0.0.0/8 return");
		x_payload(b, NFT_REG_1, NFT_PAYLOAD_NETWORK_HEADER, saddr_off(b), 1);
		x_cmp(b, NFT_CMP_EQ, &lo4, 1);
	} else {
		lo6.a.b[15] = 1;
		rule(b, FCH_SVC, "ip saddr ::1 return");
		x_prefix(b, &lo6, true, saddr_off(b));
	}
	x_verdict(b, NFT_RETURN, 0);
	lookup_rule(b, FCH_SVC, FSET_LB, false, NFT_JUMP, FCH_LB_MASQ, "jump lb_masq");
	if (!b->err)
		b->err = clusterip_rule(b, o);
	lookup_rule(b, FCH_SVC, FSET_EXTIP_MASQ, false, NFT_JUMP, FCH_MARK_MASQ, "jump mark_masq");
	rule(b, FCH_SVC, "fib daddr type local jump np");
	x = x_new(b, NFT_X_FIB);
	x->reg = NFT_REG_1;
	x->key = NFT_FIB_RESULT_ADDRTYPE;
	x->flags = NFTA_FIB_F_DADDR;
	x_cmp_u32(b, NFT_CMP_EQ, RTN_LOCAL_T);
	x_verdict(b, NFT_JUMP, FCH_NP);

	/* KUBE-LOAD-BALANCER, KUBE-NODE-PORT (nat) */
	lookup_rule(b, FCH_LB_MASQ, FSET_LB_LOCAL, false, NFT_RETURN, 0, "return");
	rule(b, FCH_LB_MASQ, "jump mark_masq");
	x_verdict(b, NFT_JUMP, FCH_MARK_MASQ);
	rule(b, FCH_NP, "meta l4proto . th dport @nodeport_loc return");
	x_meta(b, NFT_META_L4PROTO, reg_at(0));
	x_payload(b, reg_at(4), NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_lookup(b, FSET_NODEPORT_LOC);
	x_verdict(b, NFT_RETURN, 0);
	rule(b, FCH_NP, "meta l4proto . th dport @nodeport jump mark_masq");
	x_meta(b, NFT_META_L4PROTO, reg_at(0));
	x_payload(b, reg_at(4), NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_lookup(b, FSET_NODEPORT);
	x_verdict(b, NFT_JUMP, FCH_MARK_MASQ);

	/* KUBE-POSTROUTING */
	lookup_rule(b, FCH_NAT_POST, FSET_LOOPBACK, true, NO_VERDICT, 0, "masquerade");
	x_new(b, NFT_X_MASQ);
	mark_test(b, m, false, FCH_NAT_POST, NFT_RETURN, "return");
	rule(b, FCH_NAT_POST, "meta mark set meta mark ^ 0x%08x", m);
	x_meta(b, NFT_META_MARK, NFT_REG_1);
	x_bitwise(b, 0xffffffffu, m);
	x = x_new(b, NFT_X_META_SET);
	x->key = NFT_META_MARK;
	x->reg = NFT_REG_1;
	rule(b, FCH_NAT_POST, "masquerade fully-random");
	x_new(b, NFT_X_MASQ)->flags = NF_NAT_RANGE_PROTO_RANDOM_FULLY;

	/* KUBE-PROXY-FIREWALL, KUBE-IPVS-FILTER (input) */
	lookup_rule(b, FCH_FLT_IN, FSET_LB_FW, false, NFT_JUMP, FCH_SRC_RANGES, "jump src_ranges");
	rule(b, FCH_FLT_IN, "ct state new ip daddr @vips jump vip_guard");
	ct_state(b, CT_NEW);
	x_payload(b, NFT_REG_1, NFT_PAYLOAD_NETWORK_HEADER, daddr_off(b), (uint8_t)b->alen);
	x_lookup(b, FSET_VIPS);
	x_verdict(b, NFT_JUMP, FCH_VIP_GUARD);

	/* KUBE-PROXY-FIREWALL, KUBE-FORWARD */
	lookup_rule(b, FCH_FLT_FWD, FSET_LB_FW, false, NFT_JUMP, FCH_SRC_RANGES, "jump src_ranges");
	mark_test(b, m, true, FCH_FLT_FWD, NF_ACCEPT, "accept");
	rule(b, FCH_FLT_FWD, "ct state established,related accept");
	ct_state(b, CT_ESTABLISHED | CT_RELATED);
	x_verdict(b, NF_ACCEPT, 0);

	/* KUBE-IPVS-OUT-FILTER */
	lookup_rule(b, FCH_FLT_OUT, FSET_LB_NONODE, true, NF_DROP, 0, "drop");

	/* KUBE-SOURCE-RANGES-FIREWALL */
	lookup_rule(b, FCH_SRC_RANGES, FSET_LB_ALLOW, true, NFT_RETURN, 0, "return");
	rule(b, FCH_SRC_RANGES, "drop");
	x_verdict(b, NF_DROP, 0);

	/* KUBE-IPVS-FILTER's body */
	lookup_rule(b, FCH_VIP_GUARD, FSET_VIP_PORTS, false, NFT_RETURN, 0, "return");
	rule(b, FCH_VIP_GUARD, "tcp dport @hc_port return");
	{
		static const uint8_t tcp = 6;

		x_meta(b, NFT_META_L4PROTO, NFT_REG_1);
		x_cmp(b, NFT_CMP_EQ, &tcp, 1);
	}
	x_payload(b, NFT_REG_1, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	x_lookup(b, FSET_HC_PORT);
	x_verdict(b, NFT_RETURN, 0);
	rule(b, FCH_VIP_GUARD, "reject");
	x = x_new(b, NFT_X_REJECT);
	x->key = NFT_REJECT_ICMP_UNREACH;
	x->flags = b->fam == 0 ? ICMP_PORT_UNR : ICMP6_PORT_UNR;
}

int sync_filter_rules_build(struct sync_ftable *t, int fam, const struct sync_filter_opts *o)
{
	struct rb b = { .t = t, .fam = fam, .alen = fam == 0 ? 4 : 16 };
	int err;

	memset(t, 0, sizeof(*t));
	t->def.family = fam == 0 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	snprintf(t->def.name, sizeof(t->def.name), "%s", SYNC_FILTER_TABLE);
	t->def.sets = t->sets;
	t->def.n_sets = FSET_N;
	t->def.chains = t->chains;
	t->def.n_chains = FCH_N;
	t->def.rules = t->rules;
	for (int i = 0; i < FCH_N; i++) {
		snprintf(t->chains[i].name, sizeof(t->chains[i].name), "%s", chain_names[i]);
		t->chains[i].hook = -1;
	}
	base_chain(&t->chains[FCH_NAT_PRE], "nat", NF_INET_PRE_ROUTING, -100);
	base_chain(&t->chains[FCH_NAT_OUT], "nat", NF_INET_LOCAL_OUT, -100);
	base_chain(&t->chains[FCH_NAT_POST], "nat", NF_INET_POST_ROUTING, 100);
	base_chain(&t->chains[FCH_FLT_IN], "filter", NF_INET_LOCAL_IN, 0);
	base_chain(&t->chains[FCH_FLT_FWD], "filter", NF_INET_FORWARD, 0);
	base_chain(&t->chains[FCH_FLT_OUT], "filter", NF_INET_LOCAL_OUT, -150);
	err = build_sets(t, fam);
	if (err)
		return err;
	build_rules(&b, o);
	return b.err;
}
