/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KubeProxyConfiguration loader (config_load_file: libyaml through
 * lib/yamltree, every field onto its flag's parser in lib/config.c), on top
 * of kipvs's defaults, as `kipvs run --config FILE` loads it.
 *
 * The loader takes a path, so the input is put in an anonymous memory file
 * (memfd_create: nothing on disk) and read through /proc/self/fd/N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kipvs_config c;
	char path[64], err[512];
	int fd = memfd_create("kube-proxy-config", MFD_CLOEXEC), rc;

	FUZZ_ASSERT(fd >= 0, "memfd_create");
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size, "write to the memory file");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	config_init(&c);
	err[0] = '\0';
	rc = config_load_file(&c, path, err, sizeof(err));
	if (rc) {
		FUZZ_ASSERT(rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM, "a load error");
		FUZZ_ASSERT(err[0] && strnlen(err, sizeof(err)) < sizeof(err), "a reason");
	} else {
		FUZZ_ASSERT(config_scheduler_known(c.scheduler), "a known scheduler");
		FUZZ_ASSERT(c.nodeport_min >= 1 && c.nodeport_min <= c.nodeport_max,
		            "a NodePort range");
		FUZZ_ASSERT(c.bind_address.af == 0 || c.bind_address.af == AF_INET ||
		                c.bind_address.af == AF_INET6,
		            "an address family");
	}
	config_free(&c);
	close(fd);
	return 0;
}
