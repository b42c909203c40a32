/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The services reflector and decoder: LIST pages and WATCH streams from the
 * input, through the real kube_client (see support/kube_stream.h).
 */
#include "fuzz.h"
#include "support/kube_stream.h"

FUZZ_KUBE_STREAM_HARNESS(KUBE_RES_SERVICES)
