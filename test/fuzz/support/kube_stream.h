/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_stream — the body of the kube_* harnesses: one kube_client with its
 * real reflectors, over fake_http, answered from the fuzz input.
 *
 * The input is a sequence of answers separated by a line "--":
 *     [STATUS [SLICE]\n]BODY \n--\n [STATUS [SLICE]\n]BODY ...
 * Each answers the request of @res's reflector that is pending at that
 * moment: first the LIST pages, then the WATCH, then whatever the reflector
 * asks next (a re-opened watch, a relist after a 410 or an ERROR event).
 * STATUS defaults to 200 (0 = the connection broke), SLICE to the whole
 * body at once (else on_data gets it SLICE bytes at a time, as libcurl may
 * cut it anywhere). The input ends, or the reflector waits on its backoff
 * timer (the loop never runs), and the client is freed.
 *
 * So list pages go through kube_json_drop_managed_fields() and the parse
 * arena, watch bodies through kube_lines and one cJSON parse per line, both
 * through the reflector's cache and kube_client's decode of each object
 * (kube_object_decode) into the consumer below, which checks what
 * kube_client.h promises: objects it can read to the last byte, deletes
 * only for objects it holds, one synced per resource.
 */
#ifndef KIPVS_KUBE_STREAM_H
#define KIPVS_KUBE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "../../../lib/kube/kube_client.h"

void fuzz_kube_stream_init(void);
void fuzz_kube_stream(enum kube_resource res, const uint8_t *data, size_t size);

/* The whole harness of resource @res. */
#define FUZZ_KUBE_STREAM_HARNESS(res)                                                              \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                                          \
	{                                                                                          \
		(void)argc;                                                                        \
		(void)argv;                                                                        \
		fuzz_kube_stream_init();                                                           \
		return 0;                                                                          \
	}                                                                                          \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		fuzz_kube_stream((res), data, size);                                               \
		return 0;                                                                          \
	}

#endif
