/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs — the kernel's IPVS over generic netlink (libnl-genl-3).
 *
 * One persistent genl socket per handle, the "IPVS" family resolved once at
 * open. The caller creates the handle and passes it to every call; nothing
 * hides in a static. Every function returns 0 or -errno (libnl's NLE_* codes
 * are translated once, inside this module). Nothing here prints or exits.
 *
 * Changes go through ipvs_apply(): many requests are written per sendmsg()
 * and the acks collected afterwards, each error attached to its change.
 * Dumps accept multipart replies of any size.
 */
#ifndef KIPVS_IPVS_H
#define KIPVS_IPVS_H

#include <stddef.h>

#include "ipvs_table.h"
#include "ipvs_types.h"

#define IPVS_WUR __attribute__((warn_unused_result))

struct ipvs_handle;

/*
 * Opens a handle in the caller's network namespace. Errors:
 *   -ENOENT  the kernel has no IPVS family (ip_vs not loaded / not built)
 *   -EPERM   no CAP_NET_ADMIN (seen at the first request; open probes with GET_INFO)
 *   others   socket errors
 */
int ipvs_open(struct ipvs_handle **out) IPVS_WUR;
void ipvs_close(struct ipvs_handle *h);

/* A one-line, human explanation of an ipvs_* error with the fix when known
 * (e.g. "IPVS is not available in this kernel (load it: modprobe ip_vs)"). */
const char *ipvs_strerror(int err);
/* The same for one change after ipvs_apply(), worded for its operation (ENOENT
 * is an unknown scheduler on a service add, a missing destination on a
 * destination delete). Writes at most @len bytes into @buf; returns @buf. */
const char *ipvs_change_strerror(const struct ipvs_change *c, char *buf, size_t len);

int ipvs_get_info(struct ipvs_handle *h, struct ipvs_info *out) IPVS_WUR;

/*
 * Every virtual server (no destinations), appended to @out in dump order.
 * Counters are kept when @out->with_stats (for ipvs_dump_dests(): when the
 * virtual server keeps them, ipvs_vs_keep_stats()).
 */
int ipvs_dump_services(struct ipvs_handle *h, struct ipvs_table *out) IPVS_WUR;
/* The destinations of @vs->svc appended to @vs in dump order (newest first). */
int ipvs_dump_dests(struct ipvs_handle *h, struct ipvs_vs *vs) IPVS_WUR;
/* Services, then the destinations of each: the whole table. */
int ipvs_dump_table(struct ipvs_handle *h, struct ipvs_table *out) IPVS_WUR;
/* Reads one service by identity into @inout (-ESRCH if absent). */
int ipvs_get_service(struct ipvs_handle *h, struct ipvs_service *inout) IPVS_WUR;
/* The same, with its counters into @stats. */
int ipvs_get_service_stats(struct ipvs_handle *h, struct ipvs_service *inout,
                           struct ipvs_stats *stats) IPVS_WUR;

/*
 * Sends @n changes pipelined and waits for every ack. Each change's err is
 * set to 0 or -errno (-EEXIST on an add that already exists, -ENOENT for a
 * missing destination, -ESRCH for a missing service...). Returns 0 when the
 * batch was exchanged (individual errors are in the changes), or -errno when
 * the socket failed (then changes not acked carry that error too).
 * @n_failed, if not NULL, receives the count of changes with err != 0.
 */
int ipvs_apply(struct ipvs_handle *h, struct ipvs_change *changes, size_t n,
               size_t *n_failed) IPVS_WUR;

/* Single-change conveniences over ipvs_apply(). */
int ipvs_add_service(struct ipvs_handle *h, const struct ipvs_service *s) IPVS_WUR;
int ipvs_edit_service(struct ipvs_handle *h, const struct ipvs_service *s) IPVS_WUR;
int ipvs_del_service(struct ipvs_handle *h, const struct ipvs_service *s) IPVS_WUR;
int ipvs_add_dest(struct ipvs_handle *h, const struct ipvs_service *s,
                  const struct ipvs_dest *d) IPVS_WUR;
int ipvs_edit_dest(struct ipvs_handle *h, const struct ipvs_service *s,
                   const struct ipvs_dest *d) IPVS_WUR;
int ipvs_del_dest(struct ipvs_handle *h, const struct ipvs_service *s,
                  const struct ipvs_dest *d) IPVS_WUR;

int ipvs_get_timeouts(struct ipvs_handle *h, struct ipvs_timeouts *out) IPVS_WUR;
int ipvs_set_timeouts(struct ipvs_handle *h, const struct ipvs_timeouts *t) IPVS_WUR;
/* Zero the counters of one service, or of all when @s is NULL. */
int ipvs_zero(struct ipvs_handle *h, const struct ipvs_service *s) IPVS_WUR;
/* Removes every virtual server. For tests and `kipvs -C` only: kipvs never flushes. */
int ipvs_flush(struct ipvs_handle *h) IPVS_WUR;

/* Sync daemons: up to 2 (master first). */
int ipvs_get_daemons(struct ipvs_handle *h, struct ipvs_daemon out[2], size_t *n) IPVS_WUR;
int ipvs_start_daemon(struct ipvs_handle *h, const struct ipvs_daemon *d) IPVS_WUR;
int ipvs_stop_daemon(struct ipvs_handle *h, uint32_t state) IPVS_WUR;

/*
 * Decoders for recorded replies: parse one generic netlink message (header
 * included) of a GET_SERVICE / GET_DEST dump. 0, or -EINVAL when a required
 * attribute is missing. Used by the dumps and by unit tests that replay
 * captured kernel replies. The counters go to @stats unless it is NULL.
 */
struct nlmsghdr;
int ipvs_parse_service_msg(const struct nlmsghdr *nlh, struct ipvs_service *out,
                           struct ipvs_stats *stats) IPVS_WUR;
int ipvs_parse_dest_msg(const struct nlmsghdr *nlh, struct ipvs_dest *out,
                        struct ipvs_stats *stats) IPVS_WUR;

#endif
