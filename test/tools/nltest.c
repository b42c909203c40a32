/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-testtool nl-test — developer subcommands that drive ipvs/ (the netlink
 * module) directly, for the VM tests and for measuring it:
 *
 *   kipvs-testtool nl-test open                      open a handle; print info or the error text
 *   kipvs-testtool nl-test dump [--no-stats] [--as-changes] [--count] [--time] [--svc SVC]
 *                      [--rslot BYTES]   (receive slots: small ones test the fallback)
 *                      [--debug]         (the module's debug log on stderr)
 *   kipvs-testtool nl-test apply [-q] [--time] FILE|-
 *   kipvs-testtool nl-test errors                    the kernel's error paths, one TAP line each
 *   kipvs-testtool nl-test get SVC | zero [SVC] | flush | info
 *   kipvs-testtool nl-test timeouts [TCP FIN UDP]
 *   kipvs-testtool nl-test daemons | daemon-start master|backup IFN SYNCID | daemon-stop
 * master|backup
 *
 * Change lines for apply (one per line, '#' comments):
 *   add-svc|edit-svc SVC [sched=S] [pe=P] [flags=N] [timeout=N] [netmask=M]
 *   del-svc SVC
 *   add-dest|edit-dest SVC DEST [fwd=N|masq|local|tun|dr] [weight=N] [u=N] [l=N]
 *                               [tun=N|ipip|gue|gre] [tport=N] [tflags=N|nocsum|csum|remcsum]
 *   del-dest SVC DEST
 * SVC is tcp/ADDR/PORT, udp/..., sctp/..., fwm/MARK or fwm6/MARK; DEST is
 * ADDR/PORT; M is a dotted mask (IPv4) or a prefix length (IPv6). Defaults
 * are ipvsadm's: sched wlc, full netmask, fwd masq, weight 1.
 *
 * dump prints one key=value line per service ("svc ...") and destination
 * ("dest ..."), every field of the structs; --as-changes prints instead the
 * apply lines that rebuild the table (destinations oldest first, so a
 * rebuilt table dumps in the same order).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../ipvs/ipvs.h"
#include "../../lib/log.h"
#include "../../lib/mono.h"
#include "../../ipvs/ipvs_nl.h" /* ipvs_nl_set_rslot(), to test the fallback */
#include "testtool.h"

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int open_or_say(struct ipvs_handle **h)
{
	int err = ipvs_open(h);

	if (err)
		fprintf(stderr, "kipvs: %s\n", ipvs_strerror(err));
	return err;
}

/* ---- identities -------------------------------------------------------- */

static int parse_svc(const char *tok, struct ipvs_service *s)
{
	char buf[128];
	char *a, *p;
	uint32_t v;

	memset(s, 0, sizeof(*s));
	if (snprintf(buf, sizeof(buf), "%s", tok) >= (int)sizeof(buf))
		return -EINVAL;
	a = strchr(buf, '/');
	if (!a)
		return -EINVAL;
	*a++ = '\0';
	if (!strcmp(buf, "fwm") || !strcmp(buf, "fwm6")) {
		s->addr.af = buf[3] == '6' ? AF_INET6 : AF_INET;
		if (parse_u32(a, &v) < 0 || !v)
			return -EINVAL;
		s->fwmark = v;
		return 0;
	}
	s->protocol = ipvs_proto_parse(buf);
	p = strrchr(a, '/');
	if (!s->protocol || !p)
		return -EINVAL;
	*p++ = '\0';
	if (addr_parse(a, &s->addr) < 0 || parse_u32(p, &v) < 0 || v > 65535)
		return -EINVAL;
	s->port = (uint16_t)v;
	return 0;
}

static const char *svc_id(const struct ipvs_service *s, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	if (s->fwmark)
		snprintf(buf, len, "%s/%" PRIu32, s->addr.af == AF_INET6 ? "fwm6" : "fwm",
		         s->fwmark);
	else
		snprintf(buf, len, "%s/%s/%u",
		         ipvs_proto_name(s->protocol) ? ipvs_proto_name(s->protocol) : "proto?",
		         addr_fmt(&s->addr, a), s->port);
	return buf;
}

static int parse_dest(const char *tok, struct ipvs_dest *d)
{
	char buf[96];
	char *p;
	uint32_t v;

	memset(d, 0, sizeof(d->addr));
	if (snprintf(buf, sizeof(buf), "%s", tok) >= (int)sizeof(buf))
		return -EINVAL;
	p = strrchr(buf, '/');
	if (!p)
		return -EINVAL;
	*p++ = '\0';
	if (addr_parse(buf, &d->addr) < 0 || parse_u32(p, &v) < 0 || v > 65535)
		return -EINVAL;
	d->port = (uint16_t)v;
	return 0;
}

/* ---- netmask, forwarding and tunnel words -------------------------------- */

static const char *mask_fmt(const struct ipvs_service *s, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)&s->netmask;

	if (s->addr.af == AF_INET6)
		snprintf(buf, len, "%" PRIu32, s->netmask);
	else
		snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

static int mask_parse(const char *v, uint16_t af, uint32_t *out)
{
	struct net_addr a;

	if (af == AF_INET && addr_parse(v, &a) == 0 && a.af == AF_INET) {
		memcpy(out, a.a.b, 4); /* bytes in network order, as on the wire */
		return 0;
	}
	return parse_u32(v, out);
}

static int word_parse(const char *v, const char *const *names, size_t n, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(v, names[i])) {
			*out = (uint32_t)i;
			return 0;
		}
	return parse_u32(v, out);
}

static const char *const fwd_names[] = { "masq", "local", "tun", "dr", "bypass" };
static const char *const tun_names[] = { "ipip", "gue", "gre" };
static const char *const tflag_names[] = { "nocsum", "csum", "remcsum" };

/* ---- change lines ------------------------------------------------------ */

static const struct {
	const char *name;
	enum ipvs_op op;
	int dest; /* 1: takes a DEST */
} ops[] = {
	{ "add-svc", IPVS_OP_ADD_SERVICE, 0 }, { "edit-svc", IPVS_OP_EDIT_SERVICE, 0 },
	{ "del-svc", IPVS_OP_DEL_SERVICE, 0 }, { "add-dest", IPVS_OP_ADD_DEST, 1 },
	{ "edit-dest", IPVS_OP_EDIT_DEST, 1 }, { "del-dest", IPVS_OP_DEL_DEST, 1 },
};

static const char *op_name(enum ipvs_op op)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].op == op)
			return ops[i].name;
	return "?";
}

static int set_key(struct ipvs_change *c, const char *k, const char *v)
{
	uint32_t n = 0;
	int err = 0;

	if (!strcmp(k, "sched"))
		err = snprintf(c->svc.sched_name, sizeof(c->svc.sched_name), "%s", v) >=
		              (int)sizeof(c->svc.sched_name)
		          ? -EINVAL
		          : 0;
	else if (!strcmp(k, "pe"))
		err = snprintf(c->svc.pe_name, sizeof(c->svc.pe_name), "%s", v) >=
		              (int)sizeof(c->svc.pe_name)
		          ? -EINVAL
		          : 0;
	else if (!strcmp(k, "flags"))
		err = parse_u32(v, &c->svc.flags);
	else if (!strcmp(k, "timeout"))
		err = parse_u32(v, &c->svc.timeout);
	else if (!strcmp(k, "netmask"))
		err = mask_parse(v, c->svc.addr.af, &c->svc.netmask);
	else if (!strcmp(k, "fwd"))
		err = word_parse(v, fwd_names, 5, &c->dest.conn_flags);
	else if (!strcmp(k, "weight") && !(err = parse_u32(v, &n)))
		c->dest.weight = (int32_t)n;
	else if (!strcmp(k, "u"))
		err = parse_u32(v, &c->dest.u_threshold);
	else if (!strcmp(k, "l"))
		err = parse_u32(v, &c->dest.l_threshold);
	else if (!strcmp(k, "tun") && !(err = word_parse(v, tun_names, 3, &n)))
		c->dest.tun_type = (uint8_t)n;
	else if (!strcmp(k, "tport") && !(err = parse_u32(v, &n)))
		c->dest.tun_port = (uint16_t)n;
	else if (!strcmp(k, "tflags") && !(err = word_parse(v, tflag_names, 3, &n)))
		c->dest.tun_flags = (uint16_t)n;
	else if (!err)
		err = -EINVAL;
	return err;
}

/* One change line into @c; 1 for a blank/comment line, 0, or -EINVAL. */
static int parse_change(char *line, struct ipvs_change *c)
{
	char *save = NULL, *tok;
	size_t i;

	memset(c, 0, sizeof(*c));
	tok = strtok_r(line, " \t\r\n", &save);
	if (!tok || tok[0] == '#')
		return 1;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && strcmp(tok, ops[i].name); i++)
		;
	if (i == sizeof(ops) / sizeof(ops[0]))
		return -EINVAL;
	c->op = ops[i].op;
	if (parse_svc(strtok_r(NULL, " \t\r\n", &save) ?: "", &c->svc) < 0)
		return -EINVAL;
	snprintf(c->svc.sched_name, sizeof(c->svc.sched_name), "wlc");
	c->svc.netmask = c->svc.addr.af == AF_INET6 ? 128 : 0xffffffffu;
	c->dest.weight = 1;
	if (ops[i].dest && parse_dest(strtok_r(NULL, " \t\r\n", &save) ?: "", &c->dest) < 0)
		return -EINVAL;
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		if (set_key(c, tok, eq + 1) < 0)
			return -EINVAL;
	}
	return 0;
}

struct change_list {
	struct ipvs_change *v;
	size_t *line;
	size_t n, cap;
};

static int read_changes(FILE *f, struct change_list *l)
{
	char buf[1024];
	size_t lineno = 0;

	while (fgets(buf, sizeof(buf), f)) {
		struct ipvs_change c;
		int r;

		lineno++;
		r = parse_change(buf, &c);
		if (r == 1)
			continue;
		if (r < 0) {
			fprintf(stderr, "kipvs-testtool nl-test: line %zu: cannot parse\n", lineno);
			return -EINVAL;
		}
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 1024;
			struct ipvs_change *nv = realloc(l->v, cap * sizeof(*nv));
			size_t *nl = nv ? realloc(l->line, cap * sizeof(*nl)) : NULL;

			if (nv)
				l->v = nv;
			if (!nv || !nl)
				return -ENOMEM;
			l->line = nl;
			l->cap = cap;
		}
		l->line[l->n] = lineno;
		l->v[l->n++] = c;
	}
	return 0;
}

static int cmd_apply(int argc, char **argv)
{
	struct change_list l = { 0 };
	struct ipvs_handle *h = NULL;
	int quiet = 0, timing = 0, rc = 1, err;
	const char *path = NULL;
	size_t failed = 0, by_errno[256] = { 0 };
	double t0, t1;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q"))
			quiet = 1;
		else if (!strcmp(argv[i], "--time"))
			timing = 1;
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: kipvs-testtool nl-test apply [-q] [--time] FILE|-\n");
		return 2;
	}
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "kipvs-testtool nl-test: %s: %s\n", path, strerror(errno));
		return 1;
	}
	err = read_changes(f, &l);
	if (f != stdin)
		fclose(f);
	if (err || open_or_say(&h))
		goto out;
	t0 = mono_s();
	err = ipvs_apply(h, l.v, l.n, &failed);
	t1 = mono_s();
	for (size_t i = 0; i < l.n; i++) {
		char why[256];
		int e = -l.v[i].err;

		if (!e)
			continue;
		by_errno[e > 0 && e < 256 ? e : 0]++;
		if (!quiet)
			printf("fail line=%zu op=%s err=%d msg=\"%s\"\n", l.line[i],
			       op_name(l.v[i].op), l.v[i].err,
			       ipvs_change_strerror(&l.v[i], why, sizeof(why)));
	}
	printf("changes=%zu failed=%zu", l.n, failed);
	for (int e = 0; e < 256; e++)
		if (by_errno[e])
			printf(" errno_%d=%zu", e, by_errno[e]);
	printf(" result=%d\n", err);
	if (timing)
		printf("apply_seconds=%.6f changes_per_second=%.0f\n", t1 - t0,
		       t1 > t0 ? (double)l.n / (t1 - t0) : 0.0);
	rc = err ? 1 : 0;
	if (err)
		fprintf(stderr, "kipvs: %s\n", ipvs_strerror(err));
out:
	ipvs_close(h);
	free(l.v);
	free(l.line);
	return rc;
}

/* ---- dump -------------------------------------------------------------- */

static void print_stats(const struct ipvs_stats *s)
{
	printf(" conns=%" PRIu64 " inpkts=%" PRIu64 " outpkts=%" PRIu64 " inbytes=%" PRIu64
	       " outbytes=%" PRIu64 " cps=%" PRIu64 " inpps=%" PRIu64 " outpps=%" PRIu64
	       " inbps=%" PRIu64 " outbps=%" PRIu64,
	       s->conns, s->inpkts, s->outpkts, s->inbytes, s->outbytes, s->cps, s->inpps,
	       s->outpps, s->inbps, s->outbps);
}

static void print_svc(const struct ipvs_service *s, const struct ipvs_stats *stats)
{
	char id[128], a[ADDR_STRLEN], m[32];

	printf("svc id=%s af=%u proto=%u addr=%s port=%u fwmark=%" PRIu32
	       " sched=%s pe=%s flags=0x%" PRIx32 " timeout=%" PRIu32 " netmask=%s",
	       svc_id(s, id, sizeof(id)), s->addr.af, s->protocol,
	       s->fwmark ? "-" : addr_fmt(&s->addr, a), s->port, s->fwmark, s->sched_name,
	       s->pe_name[0] ? s->pe_name : "-", s->flags, s->timeout, mask_fmt(s, m, sizeof(m)));
	if (stats)
		print_stats(stats);
	printf("\n");
}

static void print_dest(const struct ipvs_service *s, const struct ipvs_dest *d,
                       const struct ipvs_stats *stats)
{
	char id[128], a[ADDR_STRLEN];

	printf("dest svc=%s id=%s/%u af=%u addr=%s port=%u fwd=%" PRIu32 " weight=%" PRId32
	       " u=%" PRIu32 " l=%" PRIu32 " active=%" PRIu32 " inact=%" PRIu32 " persist=%" PRIu32
	       " tun_type=%u tun_port=%u tun_flags=%u",
	       svc_id(s, id, sizeof(id)), addr_fmt(&d->addr, a), d->port, d->addr.af, a, d->port,
	       d->conn_flags, d->weight, d->u_threshold, d->l_threshold, d->active_conns,
	       d->inact_conns, d->persist_conns, d->tun_type, d->tun_port, d->tun_flags);
	if (stats)
		print_stats(stats);
	printf("\n");
}

static void print_as_changes(const struct ipvs_vs *vs)
{
	char id[128], a[ADDR_STRLEN], m[32];
	const struct ipvs_service *s = &vs->svc;

	svc_id(s, id, sizeof(id));
	printf("add-svc %s sched=%s flags=0x%" PRIx32 " timeout=%" PRIu32 " netmask=%s", id,
	       s->sched_name, s->flags, s->timeout, mask_fmt(s, m, sizeof(m)));
	if (s->pe_name[0])
		printf(" pe=%s", s->pe_name);
	printf("\n");
	/* The dump lists newest first: add oldest first to keep that order. */
	for (size_t i = vs->n_dests; i-- > 0;) {
		const struct ipvs_dest *d = &vs->dests[i];

		printf("add-dest %s %s/%u fwd=%" PRIu32 " weight=%" PRId32 " u=%" PRIu32
		       " l=%" PRIu32 " tun=%u tport=%u tflags=%u\n",
		       id, addr_fmt(&d->addr, a), d->port, d->conn_flags, d->weight, d->u_threshold,
		       d->l_threshold, d->tun_type, d->tun_port, d->tun_flags);
	}
}

static int cmd_dump(int argc, char **argv)
{
	struct ipvs_handle *h;
	struct ipvs_table t;
	int stats = 1, as_changes = 0, timing = 0, count = 0, err;
	const char *only = NULL;
	unsigned long rslot = 0;
	double t0, t1, t2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-stats"))
			stats = 0;
		else if (!strcmp(argv[i], "--as-changes"))
			as_changes = 1;
		else if (!strcmp(argv[i], "--time"))
			timing = 1;
		else if (!strcmp(argv[i], "--count"))
			count = 1;
		else if (!strcmp(argv[i], "--svc") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--rslot") && i + 1 < argc)
			rslot = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--debug"))
			log_set_level(LOG_LVL_DEBUG); /* merged repeats, socket sizes */
		else
			return 2;
	}
	if (open_or_say(&h))
		return 1;
	if (rslot && ipvs_nl_set_rslot(h, rslot) < 0) {
		fprintf(stderr, "kipvs-testtool nl-test: bad --rslot %lu\n", rslot);
		ipvs_close(h);
		return 2;
	}
	ipvs_table_init(&t);
	t.with_stats = stats;
	t0 = mono_s();
	if (only) {
		/* One service: read by identity, then its destinations. */
		struct ipvs_service s;
		struct ipvs_stats st;
		struct ipvs_vs *vs = NULL;

		err = parse_svc(only, &s) < 0 ? -EINVAL : ipvs_get_service_stats(h, &s, &st);
		if (!err && !(vs = ipvs_table_add(&t, &s)))
			err = -ENOMEM;
		if (vs && vs->stats)
			vs->stats[0] = st;
	} else if (!timing) {
		err = ipvs_dump_table(h, &t);
	} else {
		/* The same as ipvs_dump_table(), timed in its two parts. */
		err = ipvs_dump_services(h, &t);
	}
	t1 = mono_s();
	for (size_t i = 0; !err && (only || timing) && i < t.n; i++)
		err = ipvs_dump_dests(h, &t.vs[i]);
	t2 = mono_s();
	if (err) {
		fprintf(stderr, "kipvs: dump: %s\n", ipvs_strerror(err));
	} else if (count) {
		printf("services=%zu dests=%zu\n", t.n, ipvs_table_count_dests(&t));
	} else {
		for (size_t i = 0; i < t.n; i++) {
			if (as_changes) {
				print_as_changes(&t.vs[i]);
				continue;
			}
			print_svc(&t.vs[i].svc, ipvs_vs_stats(&t.vs[i], NULL));
			for (size_t j = 0; j < t.vs[i].n_dests; j++)
				print_dest(&t.vs[i].svc, &t.vs[i].dests[j],
				           ipvs_vs_stats(&t.vs[i], &t.vs[i].dests[j]));
		}
	}
	if (timing && !err)
		fprintf(stderr,
		        "dump services=%zu dests=%zu services_seconds=%.6f dests_seconds=%.6f "
		        "total_seconds=%.6f us_per_service=%.1f\n",
		        t.n, ipvs_table_count_dests(&t), t1 - t0, t2 - t1, t2 - t0,
		        t.n ? (t2 - t0) * 1e6 / (double)t.n : 0.0);
	ipvs_table_free(&t);
	ipvs_close(h);
	return err ? 1 : 0;
}

/* ---- small operations -------------------------------------------------- */

static int cmd_simple(int argc, char **argv)
{
	struct ipvs_handle *h;
	struct ipvs_service s;
	struct ipvs_stats st;
	int err = 0;

	if (open_or_say(&h))
		return 1;
	if (!strcmp(argv[0], "open") || !strcmp(argv[0], "info")) {
		struct ipvs_info in;

		err = ipvs_get_info(h, &in);
		if (!err)
			printf("version=%u.%u.%u conn_tab_size=%" PRIu32 "\n", in.version >> 16,
			       (in.version >> 8) & 0xff, in.version & 0xff, in.conn_tab_size);
	} else if (!strcmp(argv[0], "flush")) {
		err = ipvs_flush(h);
	} else if (!strcmp(argv[0], "zero")) {
		if (argc > 1 && parse_svc(argv[1], &s) < 0)
			err = -EINVAL;
		else
			err = ipvs_zero(h, argc > 1 ? &s : NULL);
	} else if (!strcmp(argv[0], "get")) {
		if (argc < 2 || parse_svc(argv[1], &s) < 0)
			err = -EINVAL;
		else if (!(err = ipvs_get_service_stats(h, &s, &st)))
			print_svc(&s, &st);
	} else if (!strcmp(argv[0], "timeouts")) {
		struct ipvs_timeouts t = { 0 };

		if (argc == 4) {
			if (parse_u32(argv[1], &t.tcp) || parse_u32(argv[2], &t.tcp_fin) ||
			    parse_u32(argv[3], &t.udp))
				err = -EINVAL;
			else
				err = ipvs_set_timeouts(h, &t);
		}
		if (!err && !(err = ipvs_get_timeouts(h, &t)))
			printf("tcp=%" PRIu32 " tcp_fin=%" PRIu32 " udp=%" PRIu32 "\n", t.tcp,
			       t.tcp_fin, t.udp);
	} else {
		err = -EINVAL;
	}
	if (err)
		fprintf(stderr, "kipvs: %s: %s\n", argv[0], ipvs_strerror(err));
	ipvs_close(h);
	return err ? 1 : 0;
}

static int parse_state(const char *s, uint32_t *state)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "master"))
		*state = IP_VS_STATE_MASTER;
	else if (!strcmp(s, "backup"))
		*state = IP_VS_STATE_BACKUP;
	else
		return -EINVAL;
	return 0;
}

static int cmd_daemon(int argc, char **argv)
{
	struct ipvs_daemon d[2], one;
	struct ipvs_handle *h;
	size_t n = 0;
	int err;

	memset(&one, 0, sizeof(one));
	if (strcmp(argv[0], "daemons") && (argc < 2 || parse_state(argv[1], &one.state) < 0 ||
	                                   (!strcmp(argv[0], "daemon-start") &&
	                                    (argc < 4 ||
	                                     snprintf(one.mcast_ifn, sizeof(one.mcast_ifn), "%s",
	                                              argv[2]) >= (int)sizeof(one.mcast_ifn) ||
	                                     parse_u32(argv[3], &one.syncid) < 0)))) {
		fprintf(stderr,
		        "usage: kipvs-testtool nl-test daemon-start master|backup IFN SYNCID | "
		        "daemon-stop master|backup\n");
		return 2;
	}
	if (open_or_say(&h))
		return 1;
	if (!strcmp(argv[0], "daemon-start"))
		err = ipvs_start_daemon(h, &one);
	else if (!strcmp(argv[0], "daemon-stop"))
		err = ipvs_stop_daemon(h, one.state);
	else
		err = ipvs_get_daemons(h, d, &n);
	for (size_t i = 0; !err && i < n; i++) {
		char g[ADDR_STRLEN];

		printf("daemon state=%" PRIu32 " ifn=%s syncid=%" PRIu32
		       " maxlen=%u group=%s port=%u ttl=%u\n",
		       d[i].state, d[i].mcast_ifn, d[i].syncid, d[i].sync_maxlen,
		       d[i].mcast_group.af ? addr_fmt(&d[i].mcast_group, g) : "-", d[i].mcast_port,
		       d[i].mcast_ttl);
	}
	if (err)
		fprintf(stderr, "kipvs: %s: %s\n", argv[0], ipvs_strerror(err));
	ipvs_close(h);
	return err ? 1 : 0;
}

int tool_nltest(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "apply"))
		return cmd_apply(argc - 1, argv + 1);
	if (!strcmp(sub, "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(sub, "errors"))
		return tool_nltest_errors();
	if (!strcmp(sub, "open") || !strcmp(sub, "info") || !strcmp(sub, "flush") ||
	    !strcmp(sub, "zero") || !strcmp(sub, "get") || !strcmp(sub, "timeouts"))
		return cmd_simple(argc - 1, argv + 1);
	if (!strcmp(sub, "daemons") || !strcmp(sub, "daemon-start") || !strcmp(sub, "daemon-stop"))
		return cmd_daemon(argc - 1, argv + 1);
	fprintf(stderr,
	        "usage: kipvs-testtool nl-test open|info|dump|apply|errors|get|zero|flush|timeouts|"
	        "daemons|daemon-start|daemon-stop ...\n");
	return 2;
}
