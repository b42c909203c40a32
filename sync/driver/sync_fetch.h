/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_fetch — one complete read of the cluster for the one-shot commands
 * (`kipvs diff`, `kipvs render` without -f): the API client lists Services,
 * their backends and (when a node name is given) the Node, into a store,
 * then stops. Failures are retried with the client's backoff until
 * @timeout_s; the client logs each failure with its cause.
 */
#ifndef KIPVS_SYNC_FETCH_H
#define KIPVS_SYNC_FETCH_H

#include "../../lib/config.h"
#include "../../lib/kube/kube_client.h"
#include "../sync_store.h"

/* --endpoints-api as the API client names it. */
enum kube_endpoints_api sync_endpoints_api(enum endpoints_api a);

/* 0, -ETIMEDOUT, or -errno. *zone receives the Node's zone label (or NULL);
 * the caller frees it. */
int sync_fetch(const struct kipvs_config *cfg, const char *node_name, struct sync_store *st,
               char **zone, double timeout_s) __attribute__((warn_unused_result));

#endif
