/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filter tables in nft's syntax, laid out as `nft list table` (nft
 * 1.0.6) prints them: sets then chains, standard priorities by name, one
 * tab per level. nft prints a set's elements in the kernel's order and
 * wraps them at its own width; here they are sorted and one per line
 * (still valid input), so a comparison sorts both sides' elements.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h> /* before the kernel headers, which define the same */
#include <linux/netfilter.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sync_filter_priv.h"

static const char *hook_name(int hook)
{
	static const char *const names[] = { "prerouting", "input", "forward", "output",
		                             "postrouting" };

	return hook >= 0 && hook < 5 ? names[hook] : "?";
}

/* nft's name for a standard priority at @hook, or the number. */
static const char *prio_text(int hook, int32_t prio, char *buf, size_t len)
{
	if (prio == 0)
		return "filter";
	if (prio == -150)
		return "mangle";
	if (prio == -300)
		return "raw";
	if (prio == -100 && hook == NF_INET_PRE_ROUTING)
		return "dstnat";
	if (prio == 100 && hook == NF_INET_POST_ROUTING)
		return "srcnat";
	snprintf(buf, len, "%d", prio);
	return buf;
}

static const char *dtype_name(enum nft_dtype t)
{
	switch (t) {
	case NFT_DT_IPV4:
		return "ipv4_addr";
	case NFT_DT_IPV6:
		return "ipv6_addr";
	case NFT_DT_PROTO:
		return "inet_proto";
	case NFT_DT_SERVICE:
		return "inet_service";
	}
	return "?";
}

/* The field types of a set, first to last, from its concatenated id. */
static size_t set_types(const struct nft_set_def *s, enum nft_dtype *out)
{
	uint32_t id = s->key_type;
	enum nft_dtype rev[NFT_FIELDS_MAX];
	size_t n = 0;

	while (id && n < NFT_FIELDS_MAX) {
		rev[n++] = (enum nft_dtype)(id & 0x3f);
		id >>= 6;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 132:
		return "sctp";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

/* The prefix length of [lo, hi] (nft prints such a range as a prefix), or
 * -1 when it is none. */
static int prefix_len(const uint8_t *lo, const uint8_t *hi, size_t n)
{
	size_t bits = n * 8, p = 0;

	while (p < bits && !((lo[p / 8] ^ hi[p / 8]) & (0x80 >> (p % 8))))
		p++;
	for (size_t i = p; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		if ((lo[i / 8] & m) || !(hi[i / 8] & m))
			return -1;
	}
	return (int)p;
}

const char *sync_filter_elem_fmt(int fam, enum sync_fset set, const uint8_t *elem, char *buf,
                                 size_t len)
{
	struct nft_set_def def;
	enum nft_dtype types[NFT_FIELDS_MAX];
	size_t n, off = 0, o = 0;
	char tmp[INET6_ADDRSTRLEN + 8];

	if (sync_fset_def(fam, set, &def)) {
		snprintf(buf, len, "?");
		return buf;
	}
	n = set_types(&def, types);
	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++) {
		size_t flen = nft_dtype_len(types[i]);
		const uint8_t *p = elem + off;
		const char *s = tmp;

		switch (types[i]) {
		case NFT_DT_IPV4:
		case NFT_DT_IPV6:
			inet_ntop(types[i] == NFT_DT_IPV4 ? AF_INET : AF_INET6, p, tmp,
			          sizeof(tmp));
			if (nft_set_is_interval(&def) && i == n - 1) {
				int pl = prefix_len(p, p + def.key_len, flen);

				if (pl >= 0 && (size_t)pl < flen * 8)
					snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp),
					         "/%d", pl);
			}
			break;
		case NFT_DT_PROTO:
			s = proto_name(p[0], tmp, sizeof(tmp));
			break;
		case NFT_DT_SERVICE:
			snprintf(tmp, sizeof(tmp), "%u", (unsigned)(p[0] << 8 | p[1]));
			break;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " . " : "", s);
		off += n > 1 ? (flen + 3) / 4 * 4 : flen;
	}
	return buf;
}

static int render_set(const struct sync_filter *f, int fam, int s, bool elements, FILE *out)
{
	const struct nft_set_def *def = &f->t[fam].sets[s];
	enum nft_dtype types[NFT_FIELDS_MAX];
	size_t n = set_types(def, types);
	struct nft_elems e;
	char buf[256];
	int err;

	fprintf(out, "\tset %s {\n\t\ttype ", def->name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " . " : "", dtype_name(types[i]));
	fputc('\n', out);
	if (nft_set_is_interval(def))
		fprintf(out, "\t\tflags interval\n");
	nft_elems_init(&e, nft_set_stride(def));
	err = elements ? sync_filter_elems(f, fam, (enum sync_fset)s, &e) : 0;
	for (size_t i = 0; !err && i < e.n; i++)
		fprintf(out, "%s%s%s", i ? ",\n\t\t\t     " : "\t\telements = { ",
		        sync_filter_elem_fmt(fam, (enum sync_fset)s, nft_elems_at(&e, i), buf,
		                             sizeof(buf)),
		        i + 1 == e.n ? " }\n" : "");
	nft_elems_free(&e);
	fprintf(out, "\t}\n");
	return err;
}

int sync_filter_render(const struct sync_filter *f, int fam, bool elements, FILE *out)
{
	const struct sync_ftable *t = &f->t[fam];
	int err = 0;

	fprintf(out, "table %s %s {\n", fam == 0 ? "ip" : "ip6", t->def.name);
	for (int s = 0; s < FSET_N && !err; s++) {
		if (s)
			fputc('\n', out);
		err = render_set(f, fam, s, elements, out);
	}
	for (size_t c = 0; c < t->def.n_chains && !err; c++) {
		const struct nft_chain_def *ch = &t->chains[c];
		char pbuf[16];

		fprintf(out, "\n\tchain %s {\n", ch->name);
		if (ch->hook >= 0)
			fprintf(out, "\t\ttype %s hook %s priority %s; policy %s;\n", ch->type,
			        hook_name(ch->hook),
			        prio_text(ch->hook, ch->prio, pbuf, sizeof(pbuf)),
			        ch->policy == NF_DROP ? "drop" : "accept");
		for (size_t r = 0; r < t->def.n_rules; r++)
			if (t->rules[r].chain == c)
				fprintf(out, "\t\t%s\n", t->text[r]);
		fprintf(out, "\t}\n");
	}
	fprintf(out, "}\n");
	return err ? err : ferror(out) ? -EIO : 0;
}

int sync_filter_render_op(const struct sync_filter *f, const struct nft_op *op, FILE *out)
{
	int fam = sync_filter_fam(op->table->family);
	const char *fname = fam == 0 ? "ip" : "ip6";
	size_t stride;
	char buf[256];
	int err = 0;

	if (fam < 0)
		return -EINVAL;
	switch (op->kind) {
	case NFT_OP_DEL_TABLE:
		fprintf(out, "nft delete table %s %s\n", fname, op->table->name);
		break;
	case NFT_OP_ADD_TABLE:
		fprintf(out, "nft -f - <<'EOF'\n");
		err = sync_filter_render(f, fam, false, out);
		fprintf(out, "EOF\n");
		break;
	case NFT_OP_ADD_ELEMS:
	case NFT_OP_DEL_ELEMS:
		stride = nft_set_stride(&op->table->sets[op->set]);
		for (size_t i = 0; i < op->n; i++)
			fprintf(out, "nft %s element %s %s %s { %s }\n",
			        op->kind == NFT_OP_ADD_ELEMS ? "add" : "delete", fname,
			        op->table->name, op->table->sets[op->set].name,
			        sync_filter_elem_fmt(fam, (enum sync_fset)op->set,
			                             op->elems + i * stride, buf, sizeof(buf)));
		break;
	}
	return err ? err : ferror(out) ? -EIO : 0;
}
