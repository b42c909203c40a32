/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixtures of the packet-filter tests: test/fixtures/k8s/filter.json (a
 * dual-stack cluster that uses every set of kipvs's tables) loaded into a
 * store, and the node it is seen from: node-a at 172.18.0.2 and fd00:18::2.
 */
#ifndef KIPVS_TEST_FILTER_FX_H
#define KIPVS_TEST_FILTER_FX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "../../lib/kube/kube_decode.h"
#include "../../sync/sync_filter.h"
#include "../../sync/sync_store.h"

/* Every object of fixture @rel (a List) into a new store. */
static inline struct sync_store *ffx_store(const char *rel)
{
	struct sync_store *st = NULL;
	struct kube_list_iter it;
	enum kube_kind kind;
	const cJSON *item;
	cJSON *root = NULL;
	size_t len = 0;
	char *buf = unit_read_file(unit_fixture_path(rel), &len);

	assert_non_null(buf);
	assert_int_equal(kube_json_parse(buf, len, rel, &root), 0);
	free(buf);
	assert_int_equal(sync_store_new(&st), 0);
	assert_int_equal(kube_list_iter_init(&it, root, KUBE_KIND_UNKNOWN), 0);
	while ((item = kube_list_iter_next(&it, &kind))) {
		struct kube_object o = { 0 };

		if (kube_object_decode(item, kind, &o))
			continue; /* logged: the fixture has an invalid object on purpose */
		if (o.kind == KUBE_KIND_SERVICE)
			assert_int_equal(sync_store_upsert_service(st, o.svc), 0);
		else if (o.kind == KUBE_KIND_ENDPOINT_SLICE)
			assert_int_equal(sync_store_upsert_slice(st, o.slice), 0);
		else
			kube_object_free(&o);
	}
	cJSON_Delete(root);
	return st;
}

static inline void ffx_node(struct sync_node *n)
{
	struct net_addr a[2];

	sync_node_init(n);
	assert_int_equal(addr_parse("172.18.0.2", &a[0]), 0);
	assert_int_equal(addr_parse("fd00:18::2", &a[1]), 0);
	assert_int_equal(sync_node_set_name(n, "node-a"), 0);
	assert_int_equal(sync_node_set_node_addrs(n, a, 2, NULL, 0), 0);
	assert_int_equal(sync_node_set_local_addrs(n, a, 2), 0);
}

/* The options of a record.sh variant (test/fixtures/nft/). */
static inline void ffx_opts(const char *variant, struct sync_filter_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mark = 0x4000;
	if (!strcmp(variant, "masqall")) {
		o->masquerade_all = true;
	} else if (!strcmp(variant, "cidr")) {
		assert_int_equal(cidr_parse("10.240.0.0/12", &o->local_cidr[0]), 0);
		assert_int_equal(cidr_parse("fd00:10::/56", &o->local_cidr[1]), 0);
	} else if (!strcmp(variant, "cidr2")) {
		assert_int_equal(cidr_parse("10.244.0.0/16", &o->local_cidr[0]), 0);
		assert_int_equal(cidr_parse("fd00:10::/60", &o->local_cidr[1]), 0);
		o->mark = 1;
	} else if (!strcmp(variant, "bridge")) {
		o->local_mode = SYNC_LOCAL_BRIDGE;
		snprintf(o->iface, sizeof(o->iface), "cbr0");
	} else if (!strcmp(variant, "prefix")) {
		o->local_mode = SYNC_LOCAL_PREFIX;
		snprintf(o->iface, sizeof(o->iface), "veth");
	}
}

#endif
