/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_save — one line of `ipvsadm -S -n` for a virtual server or a
 * destination, in ipvsadm 1.31's grammar so `ipvsadm -R` accepts it:
 *
 *   -A -t|-u|--sctp-service ADDR:PORT -s SCHED [-p TIMEOUT [-M MASK]]
 *      [--pe NAME] [-o] [-b FLAGS]
 *   -a -t|-u|--sctp-service ADDR:PORT -r ADDR:PORT -m|-g|-i -w WEIGHT
 *
 * IPv6 addresses as [addr]:port; fwmark services as -f MARK [-6]. Used by
 * `kipvs render`; the order of lines is the caller's (sync_table_sort).
 */
#ifndef KIPVS_SYNC_SAVE_H
#define KIPVS_SYNC_SAVE_H

#include <stddef.h>

#include "../ipvs/ipvs_types.h"

#define SYNC_SAVE_LINE_MAX 256

/* Writes the line (no newline) into @buf. Length, or -ENOSPC. */
int sync_save_service(const struct ipvs_service *s, char *buf, size_t len);
int sync_save_dest(const struct ipvs_service *s, const struct ipvs_dest *d, char *buf, size_t len);

#endif
