/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_ops.h"

#include <errno.h>

int sync_ops_read_keys(const struct sync_ops *ops, void *be, const struct sync_keys *keys,
                       struct ipvs_table *out)
{
	for (size_t i = 0; i < keys->n; i++) {
		struct ipvs_service s = keys->v[i];
		struct ipvs_vs *vs;
		int err = ops->service(be, &s);

		if (err == -ESRCH || err == -ENOENT)
			continue;
		if (err)
			return err;
		vs = ipvs_table_add(out, &s);
		if (!vs)
			return -ENOMEM;
		err = ops->dests(be, vs);
		if (err == -ESRCH || err == -ENOENT) {
			/* Gone between the two reads: absent. */
			ipvs_vs_free(vs);
			out->n--;
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}
