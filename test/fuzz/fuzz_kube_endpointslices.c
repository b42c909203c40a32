/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endpointslices reflector and decoder: LIST pages and WATCH streams from the
 * input, through the real kube_client (see support/kube_stream.h).
 */
#include "fuzz.h"
#include "support/kube_stream.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_kube_stream_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_kube_stream(KUBE_RES_ENDPOINTSLICES, data, size);
	return 0;
}
