/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_roundtrip — what kipvs sends the kernel for a parsed ipvsadm command,
 * checked by reading it back.
 *
 * A command line or a -R line that parses becomes one or more generic
 * netlink requests (ipvs_nl_msg.c). Each is built here exactly as the
 * netlink module builds it, then decoded again with the reply decoders
 * (ipvs_nl_parse.c), and the decoded struct must equal the one sent, field
 * by field: what the kernel would receive is what the parser meant. The
 * builders may refuse a request (-EINVAL) only for the reasons they
 * document; anything else aborts.
 */
#ifndef KIPVS_IPVS_ROUNDTRIP_H
#define KIPVS_IPVS_ROUNDTRIP_H

#include "../../../ipvs/admin/ipvs_cli.h"
#include "../../../ipvs/ipvs_types.h"

void fuzz_ipvs_change_roundtrip(const struct ipvs_change *c);
/* Every command ipvs_cli_parse() can return that talks to the kernel. */
void fuzz_ipvs_req_roundtrip(const struct ipvs_cli_req *req);

#endif
