/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_decode — how fast JSON from a paginated LIST becomes typed objects,
 * and how much memory the whole process needs to do it.
 *
 * In memory, page by page (500 items, like a paginated LIST): 10,000
 * Services and 10,000 EndpointSlices of 10 endpoints each, shaped like the
 * fixtures (compact JSON as the apiserver sends it, managedFields,
 * last-applied-configuration, ownerReferences, targetRefs). Each page is
 * generated (not timed: it stands for the network), then parsed with cJSON,
 * its items decoded into typed objects that are kept as a store would keep
 * them, and its DOM freed before the next page.
 *
 * Prints MB/s (JSON bytes / CPU time of parse+decode+free, one thread) and
 * the process's peak RSS (VmHWM). Targets: >= 250 MB/s, <= 64 MiB.
 * Usage: bench_decode [rounds]   (default 3; the best round is reported)
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/kube/kube_decode.h"
#include "lib/log.h"

#define N_SERVICES   10000
#define N_SLICES     10000
#define EPS_PER      10
#define PAGE_ITEMS   500
#define TARGET_MBPS  250.0
#define TARGET_RSS_M 64.0

/* ---- a growable text buffer ------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void grow(struct buf *b, size_t need)
{
	if (b->len + need + 1 <= b->cap)
		return;
	size_t nc = b->cap ? b->cap : 1 << 20;
	while (nc < b->len + need + 1)
		nc *= 2;
	b->p = realloc(b->p, nc);
	if (!b->p) {
		fprintf(stderr, "bench_decode: out of memory\n");
		exit(1);
	}
	b->cap = nc;
}

static void put(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	grow(b, n);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

__attribute__((format(printf, 2, 3))) static void putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- realistic objects -------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void put_uid(struct buf *b)
{
	uint64_t a = rnd(), c = rnd();

	putf(b, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	     (unsigned)a & 0xfff, 0x8000 | ((unsigned)(c >> 48) & 0x3fff),
	     (unsigned long long)(c & 0xffffffffffffull));
}

static void put_service(struct buf *b, int i)
{
	int ns = i % 200, type = i % 50 == 0 ? 2 : i % 10 == 0 ? 1 : 0;
	static const char *const types[] = { "ClusterIP", "NodePort", "LoadBalancer" };

	putf(b, "{\"metadata\":{\"name\":\"svc-%05d\",\"namespace\":\"ns-%03d\",\"uid\":\"", i, ns);
	put_uid(b);
	putf(
	    b,
	    "\",\"resourceVersion\":\"%d\",\"creationTimestamp\":\"2025-05-02T13:05:10Z\","
	    "\"labels\":{\"app\":\"svc-%05d\",\"tier\":\"web\",\"team\":\"team-%d\"},"
	    "\"annotations\":{\"kubectl.kubernetes.io/"
	    "last-applied-configuration\":\"{\\\"apiVersion"
	    "\\\":\\\"v1\\\",\\\"kind\\\":\\\"Service\\\",\\\"metadata\\\":{\\\"annotations\\\":{},"
	    "\\\"labels\\\":{\\\"app\\\":\\\"svc-%05d\\\",\\\"team\\\":\\\"team-%d\\\","
	    "\\\"tier\\\":"
	    "\\\"web\\\"},\\\"name\\\":\\\"svc-%05d\\\",\\\"namespace\\\":\\\"ns-%03d\\\"},"
	    "\\\"spec\\\":"
	    "{\\\"ports\\\":[{\\\"name\\\":\\\"http\\\",\\\"port\\\":80,\\\"targetPort\\\":"
	    "\\\"http\\\"},"
	    "{\\\"name\\\":\\\"metrics\\\",\\\"port\\\":9102,\\\"targetPort\\\":9102}],"
	    "\\\"selector\\\":"
	    "{\\\"app\\\":\\\"svc-%05d\\\"},\\\"type\\\":\\\"%s\\\"}}\\n\"},",
	    40000 + i, i, i % 17, i, i % 17, i, ns, i, types[type]);
	put(b,
	    "\"managedFields\":[{\"manager\":\"kubectl-client-side-apply\",\"operation\":"
	    "\"Update\",\"apiVersion\":\"v1\",\"time\":\"2025-05-02T13:05:10Z\",\"fieldsType\":"
	    "\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:annotations\":{\".\":{},"
	    "\"f:kubectl.kubernetes.io/last-applied-configuration\":{}},\"f:labels\":{\".\":{},"
	    "\"f:app\":{},\"f:team\":{},\"f:tier\":{}}},\"f:spec\":{\"f:internalTrafficPolicy\":"
	    "{},\"f:ports\":{\".\":{},\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":"
	    "{},\"f:name\":{},\"f:port\":{},\"f:protocol\":{},\"f:targetPort\":{}},"
	    "\"k:{\\\"port\\\":9102,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:name\":{},"
	    "\"f:port\":{},\"f:protocol\":{},\"f:targetPort\":{}}},\"f:selector\":{},"
	    "\"f:sessionAffinity\":{},\"f:type\":{}}}}]},");
	putf(b, "\"spec\":{\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,"
	        "\"targetPort\":\"http\"");
	if (type)
		putf(b, ",\"nodePort\":%d", 30000 + i % 2000);
	putf(b, "},{\"name\":\"metrics\",\"protocol\":\"TCP\",\"port\":9102,\"targetPort\":9102");
	if (type)
		putf(b, ",\"nodePort\":%d", 32000 + i % 700);
	putf(b,
	     "}],\"selector\":{\"app\":\"svc-%05d\"},\"clusterIP\":\"10.96.%d.%d\",\"clusterIPs\":"
	     "[\"10.96.%d.%d\"],\"type\":\"%s\",\"sessionAffinity\":\"None\",",
	     i, i / 250, i % 250 + 1, i / 250, i % 250 + 1, types[type]);
	if (type)
		put(b, "\"externalTrafficPolicy\":\"Cluster\",");
	put(b, "\"ipFamilies\":[\"IPv4\"],\"ipFamilyPolicy\":\"SingleStack\","
	       "\"internalTrafficPolicy\":\"Cluster\"},\"status\":{\"loadBalancer\":{");
	if (type == 2)
		putf(b, "\"ingress\":[{\"ip\":\"198.51.%d.%d\",\"ipMode\":\"VIP\"}]", i / 250 % 256,
		     i % 250 + 1);
	put(b, "}}}");
}

static void put_slice(struct buf *b, int i)
{
	int ns = i % 200;

	putf(b,
	     "{\"metadata\":{\"name\":\"svc-%05d-x7k2p\",\"generateName\":\"svc-%05d-\","
	     "\"namespace\":\"ns-%03d\",\"uid\":\"",
	     i, i, ns);
	put_uid(b);
	putf(b,
	     "\",\"resourceVersion\":\"%d\",\"generation\":14,\"creationTimestamp\":"
	     "\"2025-05-02T13:05:10Z\",\"labels\":{\"app\":\"svc-%05d\","
	     "\"endpointslice.kubernetes.io/managed-by\":\"endpointslice-controller.k8s.io\","
	     "\"kubernetes.io/service-name\":\"svc-%05d\",\"team\":\"team-%d\",\"tier\":\"web\"},"
	     "\"annotations\":{\"endpoints.kubernetes.io/last-change-trigger-time\":"
	     "\"2025-06-10T07:41:02Z\"},\"ownerReferences\":[{\"apiVersion\":\"v1\",\"kind\":"
	     "\"Service\",\"name\":\"svc-%05d\",\"uid\":\"",
	     60000 + i, i, i, i % 17, i);
	put_uid(b);
	put(b,
	    "\",\"controller\":true,\"blockOwnerDeletion\":true}],\"managedFields\":[{\"manager\":"
	    "\"endpointslice-controller.k8s.io\",\"operation\":\"Update\",\"apiVersion\":"
	    "\"discovery.k8s.io/v1\",\"time\":\"2025-06-10T07:41:02Z\",\"fieldsType\":"
	    "\"FieldsV1\",\"fieldsV1\":{\"f:addressType\":{},\"f:endpoints\":{},\"f:metadata\":"
	    "{\"f:annotations\":{\".\":{},\"f:endpoints.kubernetes.io/last-change-trigger-time\":"
	    "{}},\"f:generateName\":{},\"f:labels\":{\".\":{},\"f:app\":{},"
	    "\"f:endpointslice.kubernetes.io/managed-by\":{},\"f:kubernetes.io/service-name\":{},"
	    "\"f:team\":{},\"f:tier\":{}},\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\"");
	put_uid(b);
	put(b, "\\\"}\":{}}},\"f:ports\":{}}}]},\"addressType\":\"IPv4\",\"endpoints\":[");
	for (int e = 0; e < EPS_PER; e++) {
		int n = (i * EPS_PER + e), node = n % 300;
		int ready = n % 23 != 0, term = n % 47 == 0;

		putf(
		    b,
		    "%s{\"addresses\":[\"10.%d.%d.%d\"],\"conditions\":{\"ready\":%s,\"serving\":%"
		    "s,"
		    "\"terminating\":%s},\"targetRef\":{\"kind\":\"Pod\",\"namespace\":\"ns-%03d\","
		    "\"name\":\"svc-%05d-6b9f7c5d8-%05x\",\"uid\":\"",
		    e ? "," : "", 244 + n / 65536 % 8, n / 256 % 256, n % 256,
		    ready && !term ? "true" : "false", ready ? "true" : "false",
		    term ? "true" : "false", ns, i, (unsigned)(rnd() & 0xfffff));
		put_uid(b);
		putf(b, "\"},\"nodeName\":\"node-%03d\",\"zone\":\"zone-%c\"}", node,
		     'a' + node % 3);
	}
	put(b, "],\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":8080,"
	       "\"appProtocol\":\"http\"},{\"name\":\"metrics\",\"protocol\":\"TCP\","
	       "\"port\":9102}]}");
}

/* One LIST page: items [first, first+n) of @kind, with a continue token
 * unless it is the last page. */
static void make_page(struct buf *b, enum kube_kind kind, int first, int n, int total)
{
	b->len = 0;
	putf(b,
	     "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":"
	     "\"48213\"",
	     kind == KUBE_KIND_SERVICE ? "ServiceList" : "EndpointSliceList",
	     kind == KUBE_KIND_SERVICE ? "v1" : "discovery.k8s.io/v1");
	if (first + n < total)
		putf(
		    b,
		    ",\"continue\":\"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDgyMTMsInN0YXJ0IjoiJWQifQ"
		    "%d\",\"remainingItemCount\":%d",
		    first + n, total - first - n);
	put(b, "},\"items\":[");
	for (int i = first; i < first + n; i++) {
		if (i > first)
			put(b, ",");
		if (kind == KUBE_KIND_SERVICE)
			put_service(b, i);
		else
			put_slice(b, i);
	}
	put(b, "]}");
}

/* ---- measurement -------------------------------------------------------- */

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

struct phase {
	double parse, decode, del, wall;
	size_t bytes;
};

struct store {
	struct kube_object *objs;
	size_t n;
};

/*
 * Parses, decodes and releases one page; the typed objects go to @st. With
 * @arena the DOM lives in the parse arena (what kipvs does), without it in
 * ordinary malloc'd cJSON nodes (for comparison).
 */
static int run_page(struct buf *b, struct kube_json_arena *arena, struct store *st,
                    struct phase *ph)
{
	double t0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC), t1, t2, t3;
	struct kube_list_iter it;
	struct kube_list_meta lm;
	enum kube_kind kind;
	const cJSON *item, *root;
	cJSON *heap_root = NULL;
	int bad = 0;
	size_t sent = b->len;

	if (arena) {
		/* What the reflector does with a page (the heap DOM stays the plain
		 * cJSON reference). */
		b->len = kube_json_drop_managed_fields(b->p, b->len);
		if (kube_json_arena_parse(arena, b->p, b->len, "page", &root))
			return -1;
	} else {
		if (kube_json_parse(b->p, b->len, "page", &heap_root))
			return -1;
		root = heap_root;
	}
	t1 = now(CLOCK_THREAD_CPUTIME_ID);
	if (kube_list_meta_get(root, &lm) || kube_list_iter_init(&it, root, KUBE_KIND_UNKNOWN))
		bad++;
	while ((item = kube_list_iter_next(&it, &kind)))
		if (kube_object_decode(item, kind, &st->objs[st->n]) == 0)
			st->n++;
		else
			bad++;
	t2 = now(CLOCK_THREAD_CPUTIME_ID);
	if (arena)
		kube_json_arena_reset(arena);
	else
		cJSON_Delete(heap_root);
	t3 = now(CLOCK_THREAD_CPUTIME_ID);
	ph->parse += t1 - t0;
	ph->decode += t2 - t1;
	ph->del += t3 - t2;
	ph->wall += now(CLOCK_MONOTONIC) - w0;
	ph->bytes += sent; /* the page as the API server sent it */
	return bad ? -1 : 0;
}

static int run_kind(enum kube_kind kind, int total, struct buf *b, struct kube_json_arena *arena,
                    struct store *st, struct phase *ph)
{
	for (int first = 0; first < total; first += PAGE_ITEMS) {
		int n = total - first < PAGE_ITEMS ? total - first : PAGE_ITEMS;

		make_page(b, kind, first, n, total);
		if (run_page(b, arena, st, ph))
			return -1;
	}
	return 0;
}

/* Bytes malloc has handed out, small chunks and mmapped ones alike. */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* One round: every page of both kinds; the store is kept until the end. */
static int run_round(struct buf *b, struct kube_json_arena *arena, struct store *st,
                     struct phase *svc, struct phase *eps, size_t *store_bytes)
{
	size_t before = heap_in_use(), held0 = arena ? kube_json_arena_size(arena) : 0;
	size_t cap0 = b->cap;

	st->n = 0;
	memset(svc, 0, sizeof(*svc));
	memset(eps, 0, sizeof(*eps));
	if (run_kind(KUBE_KIND_SERVICE, N_SERVICES, b, arena, st, svc) ||
	    run_kind(KUBE_KIND_ENDPOINT_SLICE, N_SLICES, b, arena, st, eps) ||
	    st->n != N_SERVICES + N_SLICES) {
		fprintf(stderr, "bench_decode: a page or an object failed to decode\n");
		return -1;
	}
	/* Heap in use now minus what the arena and the page buffer grew by. */
	*store_bytes = heap_in_use() - before - (b->cap - cap0) -
	               ((arena ? kube_json_arena_size(arena) : 0) - held0);
	for (size_t i = 0; i < st->n; i++)
		kube_object_free(&st->objs[i]);
	return 0;
}

static double mb(size_t bytes)
{
	return (double)bytes / 1e6;
}

static void report(const char *what, const struct phase *ph)
{
	double cpu = ph->parse + ph->decode + ph->del;

	printf("  %-13s %7.1f MB  parse %6.3f s  decode %6.3f s  free %6.3f s  "
	       "=> %6.1f MB/s (cpu), %6.1f MB/s (wall)\n",
	       what, mb(ph->bytes), ph->parse, ph->decode, ph->del, mb(ph->bytes) / cpu,
	       mb(ph->bytes) / ph->wall);
}

static double cpu_of(const struct phase *p)
{
	return p->parse + p->decode + p->del;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
	struct phase best_svc = { 0 }, best_eps = { 0 }, svc, eps;
	struct kube_json_arena *arena;
	struct buf b = { 0 };
	struct store st;
	size_t store_bytes = 0, bytes;
	size_t arena_held;

	if (rounds < 1)
		rounds = 1;
	log_set_level(LOG_LVL_WARN);
	st.objs = calloc(N_SERVICES + N_SLICES, sizeof(*st.objs));
	if (!st.objs || kube_json_arena_new(0, &arena))
		return 1;
	printf("bench_decode: %d Services + %d EndpointSlices (%d endpoints each), LIST pages "
	       "of %d, best of %d round(s)\n",
	       N_SERVICES, N_SLICES, EPS_PER, PAGE_ITEMS, rounds);
	for (int r = 0; r < rounds; r++) {
		if (run_round(&b, arena, &st, &svc, &eps, &bytes))
			return 1;
		if (r == 0)
			store_bytes = bytes;
		if (r == 0 || cpu_of(&svc) + cpu_of(&eps) < cpu_of(&best_svc) + cpu_of(&best_eps)) {
			best_svc = svc;
			best_eps = eps;
		}
	}
	arena_held = kube_json_arena_size(arena);

	struct phase all = {
		.parse = best_svc.parse + best_eps.parse,
		.decode = best_svc.decode + best_eps.decode,
		.del = best_svc.del + best_eps.del,
		.wall = best_svc.wall + best_eps.wall,
		.bytes = best_svc.bytes + best_eps.bytes,
	};
	double cpu = cpu_of(&all), mbps = mb(all.bytes) / cpu;
	double rss_mib = (double)status_kib("VmHWM") / 1024.0;

	printf("parse arena (what kipvs uses):\n");
	report("Services", &best_svc);
	report("EndpointSlices", &best_eps);
	report("total", &all);
	printf("  share of cpu: parse %.0f%%, decode %.0f%%, release DOM %.0f%%\n",
	       100 * all.parse / cpu, 100 * all.decode / cpu, 100 * all.del / cpu);
	printf("  arena blocks held: %.1f MiB (one page's DOM)\n",
	       (double)arena_held / (1024.0 * 1024.0));
	printf("  typed store: %.1f MiB of heap for %d objects (%.0f bytes each)\n",
	       (double)store_bytes / (1024.0 * 1024.0), N_SERVICES + N_SLICES,
	       (double)store_bytes / (N_SERVICES + N_SLICES));
	/* Measured after the arena rounds so that it cannot raise their peak. */
	printf("plain malloc'd cJSON DOM (for comparison, one round):\n");
	if (run_round(&b, NULL, &st, &svc, &eps, &bytes))
		return 1;
	struct phase heap = {
		.parse = svc.parse + eps.parse,
		.decode = svc.decode + eps.decode,
		.del = svc.del + eps.del,
		.wall = svc.wall + eps.wall,
		.bytes = svc.bytes + eps.bytes,
	};
	report("total", &heap);
	printf("  arena speed-up: %.1fx\n", cpu_of(&heap) / cpu);
	printf("throughput %.1f MB/s  (target >= %.0f MB/s: %.2fx)\n", mbps, TARGET_MBPS,
	       mbps / TARGET_MBPS);
	printf("peak RSS   %.1f MiB  (target <= %.0f MiB: %.2fx; measured before the "
	       "comparison round)\n",
	       rss_mib, TARGET_RSS_M, rss_mib / TARGET_RSS_M);
	printf("RESULT bench=decode mbps=%.1f target_mbps=%.0f peak_rss_mib=%.1f "
	       "target_rss_mib=%.0f\n",
	       mbps, TARGET_MBPS, rss_mib, TARGET_RSS_M);
	kube_json_arena_free(arena);
	free(st.objs);
	free(b.p);
	return 0;
}
