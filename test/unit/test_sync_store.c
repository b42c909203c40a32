/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The object store: indexing by service, the dirty set (only affected
 * services), no-op updates, ignored objects, invalid input, and the small
 * containers under it (hash table, interning).
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "../../sync/sync_hash.h"
#include "../../sync/sync_intern.h"
#include "test_sync_fx.h"

struct drained {
	char keys[16][64];
	int n;
};

static int collect(void *ctx, const char *key)
{
	struct drained *d = ctx;

	assert_true(d->n < 16);
	snprintf(d->keys[d->n++], sizeof(d->keys[0]), "%s", key);
	return 0;
}

static bool has_key(const struct drained *d, const char *key)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->keys[i], key))
			return true;
	return false;
}

static void drain(struct sync_store *st, struct drained *d)
{
	memset(d, 0, sizeof(*d));
	assert_int_equal(sync_store_drain(st, collect, d), 0);
	assert_int_equal(sync_store_n_dirty(st), 0);
}

static struct kube_endpoint_slice *slice(const char *key, const char *svc)
{
	struct kube_endpoint_slice *sl = fx_slice(key, svc, AF_INET);

	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	fx_ep(sl, "10.244.1.1", "node-b", FX_RS);
	return sl;
}

static void dirty_marks_only_affected(void **state)
{
	struct fx f;
	struct drained d;
	struct kube_service *s;

	fx_init(&f);
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/b", "10.96.0.2");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	fx_add_slice(&f, slice("shop/a-1", "a"));
	drain(f.st, &d);
	assert_int_equal(d.n, 2);
	assert_true(has_key(&d, "shop/a") && has_key(&d, "shop/b"));
	/* A slice event marks its service only, once however many events. */
	fx_add_slice(&f, slice("shop/a-1", "a"));
	fx_add_slice(&f, slice("shop/a-2", "a"));
	drain(f.st, &d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.keys[0], "shop/a");
	/* Nothing pending: nothing drained. */
	drain(f.st, &d);
	assert_int_equal(d.n, 0);
	/* Deleting an unknown object is harmless and marks nothing. */
	sync_store_delete_slice(f.st, "shop", "nope");
	sync_store_delete_service(f.st, "shop", "nope");
	sync_store_delete_endpoints(f.st, "shop", "nope");
	assert_int_equal(sync_store_n_dirty(f.st), 0);
	fx_fini(&f);
}

static void same_resource_version_is_noop(void **state)
{
	struct fx f;
	struct drained d;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	fx_init(&f);
	s = fx_service("shop/a", "10.96.0.1");
	free(s->meta.resource_version);
	s->meta.resource_version = strdup("41");
	fx_add_svc(&f, s);
	sl = slice("shop/a-1", "a");
	free(sl->meta.resource_version);
	sl->meta.resource_version = strdup("42");
	fx_add_slice(&f, sl);
	drain(f.st, &d);
	s = fx_service("shop/a", "10.96.0.1");
	free(s->meta.resource_version);
	s->meta.resource_version = strdup("41");
	fx_add_svc(&f, s);
	sl = slice("shop/a-1", "a");
	free(sl->meta.resource_version);
	sl->meta.resource_version = strdup("42");
	fx_add_slice(&f, sl);
	assert_int_equal(sync_store_n_dirty(f.st), 0);
	/* A new version marks it. */
	sl = slice("shop/a-1", "a");
	free(sl->meta.resource_version);
	sl->meta.resource_version = strdup("43");
	fx_add_slice(&f, sl);
	assert_int_equal(sync_store_n_dirty(f.st), 1);
	fx_fini(&f);
}

static void relabelled_slice_moves(void **state)
{
	struct fx f;
	struct drained d;
	struct kube_service *s;

	fx_init(&f);
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	s = fx_service("shop/b", "10.96.0.2");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	fx_add_slice(&f, slice("shop/custom", "a"));
	drain(f.st, &d);
	fx_add_slice(&f, slice("shop/custom", "b")); /* the label now names b */
	drain(f.st, &d);
	assert_int_equal(d.n, 2);
	assert_true(has_key(&d, "shop/a") && has_key(&d, "shop/b"));
	assert_render(&f, "-A -t 10.96.0.1:80 -s rr\n"
	                  "-A -t 10.96.0.2:80 -s rr\n"
	                  "-a -t 10.96.0.2:80 -r 10.244.1.1:8080 -m -w 1\n");
	fx_fini(&f);
}

static void ignored_slices(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;
	struct sync_store_stats ss;

	fx_init(&f);
	s = fx_service("shop/a", "10.96.0.1");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	fx_add_slice(&f, slice("shop/a-1", "a"));
	/* The same slice, now labelled for another proxy: treated as gone. */
	sl = slice("shop/a-1", "a");
	sl->proxy_name = strdup("mesh-proxy");
	fx_add_slice(&f, sl);
	sl = slice("shop/a-2", "a");
	sl->headless = true;
	fx_add_slice(&f, sl);
	sl = slice("shop/a-3", NULL); /* no service-name label */
	fx_add_slice(&f, sl);
	sl = slice("shop/a-4", "a");
	sl->address_type = 0; /* FQDN */
	fx_add_slice(&f, sl);
	sync_store_stats(f.st, &ss);
	assert_int_equal(ss.slices, 0);
	assert_render(&f, "-A -t 10.96.0.1:80 -s rr\n");
	fx_fini(&f);
}

static void invalid_objects_logged(void **state)
{
	struct fx f;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	fx_init(&f);
	unit_log_start();
	s = fx_service("shop/x", "10.96.0.1");
	free(s->meta.name);
	s->meta.name = strdup("");
	assert_int_equal(sync_store_upsert_service(f.st, s), -EINVAL);
	sl = slice("shop/y", "y");
	free(sl->meta.namespace);
	sl->meta.namespace = NULL;
	assert_int_equal(sync_store_upsert_slice(f.st, sl), -EINVAL);
	assert_int_equal(sync_store_upsert_service(f.st, NULL), -EINVAL);
	assert_int_equal(unit_log_count("object_invalid", "kind=Service", "no_name", NULL), 1);
	assert_int_equal(
	    unit_log_count("object_invalid", "kind=EndpointSlice", "name=y", "no_namespace", NULL),
	    1);
	/* A Service without a usable cluster IP (not headless): logged, skipped. */
	s = fx_service("shop/z", "");
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_add_svc(&f, s);
	assert_int_equal(unit_log_count("service_invalid", "obj=shop/z", "spec.clusterIPs", NULL),
	                 1);
	assert_render(&f, "");
	unit_log_stop();
	fx_fini(&f);
}

static int fail_second(void *ctx, const char *key)
{
	int *c = ctx;

	(void)key;
	return ++*c == 2 ? -EIO : 0;
}

static void drain_error_keeps_rest_dirty(void **state)
{
	struct fx f;
	struct kube_service *s;
	int calls = 0;

	fx_init(&f);
	for (int i = 0; i < 3; i++) {
		char key[32], ip[32];

		snprintf(key, sizeof(key), "shop/s%d", i);
		snprintf(ip, sizeof(ip), "10.96.0.%d", i + 1);
		s = fx_service(key, ip);
		fx_add_svc(&f, s);
	}
	assert_int_equal(sync_store_drain(f.st, fail_second, &calls), -EIO);
	assert_int_equal(sync_store_n_dirty(f.st), 2);
	assert_int_equal(sync_store_mark_all_dirty(f.st), 0);
	assert_int_equal(sync_store_n_dirty(f.st), 3);
	fx_fini(&f);
}

static void entries_collected_when_empty(void **state)
{
	struct fx f;
	struct drained d;
	struct sync_store_stats ss;

	fx_init(&f);
	fx_add_slice(&f, slice("shop/a-1", "a"));
	sync_store_stats(f.st, &ss);
	assert_int_equal(ss.keys, 1);
	assert_int_equal(ss.endpoints, 1);
	assert_int_equal(ss.interned, 1); /* "node-b" */
	sync_store_delete_slice(f.st, "shop", "a-1");
	/* Still there until drained: the reconcile must see the key. */
	sync_store_stats(f.st, &ss);
	assert_int_equal(ss.keys, 1);
	drain(f.st, &d);
	assert_int_equal(d.n, 1);
	sync_store_stats(f.st, &ss);
	assert_int_equal(ss.keys, 0);
	assert_int_equal(ss.endpoints, 0);
	assert_int_equal(ss.interned, 0);
	fx_fini(&f);
}

/* --- containers ----------------------------------------------------------------- */

static bool int_eq(const void *item, const void *key)
{
	return *(const int *)item == *(const int *)key;
}

static void hash_churn_matches_reference(void **state)
{
	enum { N = 5000 };
	static int vals[N];
	static bool in[N];
	struct sync_hash h;
	unsigned seed = 12345;

	sync_hash_init(&h);
	for (int i = 0; i < N; i++)
		vals[i] = i;
	/* Random inserts/removes with a deliberately weak hash (many collisions). */
	for (int round = 0; round < 200000; round++) {
		int k;

		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 8) % N);
		if (in[k]) {
			assert_ptr_equal(sync_hash_remove(&h, (uint64_t)(k % 97), int_eq, &k),
			                 &vals[k]);
			in[k] = false;
		} else {
			assert_int_equal(sync_hash_insert(&h, (uint64_t)(k % 97), &vals[k]), 0);
			in[k] = true;
		}
		if (round % 997 == 0) {
			size_t n = 0;

			for (int i = 0; i < N; i++) {
				void *it = sync_hash_find(&h, (uint64_t)(i % 97), int_eq, &i);

				assert_true(in[i] ? it == &vals[i] : it == NULL);
				n += in[i];
			}
			assert_int_equal(h.n, n);
		}
	}
	{
		size_t pos = 0, n = 0;

		while (sync_hash_next(&h, &pos))
			n++;
		assert_int_equal(n, h.n);
	}
	sync_hash_free(&h);
}

static void hash_functions_spread(void **state)
{
	assert_int_not_equal(sync_hash_str("shop/a"), sync_hash_str("shop/b"));
	assert_int_equal(sync_hash_str("x"), sync_hash_bytes("x", 1, 0));
	assert_int_not_equal(sync_hash_bytes("x", 1, 0), sync_hash_bytes("x", 1, 1));
}

static void intern_refcounts_and_reuse(void **state)
{
	struct sync_intern *in;
	uint32_t a, b, a2, none;

	assert_int_equal(sync_intern_new(&in), 0);
	assert_int_equal(sync_intern_ref(in, "node-a", &a), 0);
	assert_int_equal(sync_intern_ref(in, "node-b", &b), 0);
	assert_int_equal(sync_intern_ref(in, "node-a", &a2), 0);
	assert_int_equal(sync_intern_ref(in, "", &none), 0);
	assert_int_equal(none, 0);
	assert_int_equal(a, a2);
	assert_int_not_equal(a, b);
	assert_string_equal(sync_intern_str(in, b), "node-b");
	assert_int_equal(sync_intern_lookup(in, "node-a"), a);
	assert_int_equal(sync_intern_count(in), 2);
	sync_intern_unref(in, a);
	assert_int_equal(sync_intern_lookup(in, "node-a"), a); /* one ref left */
	sync_intern_unref(in, a);
	assert_int_equal(sync_intern_lookup(in, "node-a"), 0);
	assert_null(sync_intern_str(in, a));
	/* The freed id is handed out again. */
	assert_int_equal(sync_intern_ref(in, "node-c", &a2), 0);
	assert_int_equal(a2, a);
	assert_true(sync_intern_bytes(in) > 0);
	sync_intern_unref(in, 0); /* ignored */
	sync_intern_free(in);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(dirty_marks_only_affected),
	cmocka_unit_test(same_resource_version_is_noop),
	cmocka_unit_test(relabelled_slice_moves),
	cmocka_unit_test(ignored_slices),
	cmocka_unit_test(invalid_objects_logged),
	cmocka_unit_test(drain_error_keeps_rest_dirty),
	cmocka_unit_test(entries_collected_when_empty),
	cmocka_unit_test(hash_churn_matches_reference),
	cmocka_unit_test(hash_functions_spread),
	cmocka_unit_test(intern_refcounts_and_reuse),
};

UNIT_MAIN(tests)
