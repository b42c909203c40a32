/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_print — the kernel table printed exactly as Debian 12's ipvsadm 1.31
 * prints it: `-L/-l` in every layout, `-S`, `--timeout`, `--daemon` and the
 * `-c` connection listing. Byte for byte, quirks included (the captures in
 * test/fixtures/ipvsadm are the oracle): wrapping sort order, signed
 * fwmarks, "(null)" for unknown forwarding methods, trailing spaces, number
 * scaling, destination stats cut to 32 bits, names cut to 33/28 columns.
 *
 * Every printer writes to the FILE the caller passes (cmd/ the standard
 * output, tests an open_memstream) and never picks a stream itself. Without
 * IPVS_FMT_NUMERIC, addresses and ports are resolved to names as ipvsadm does
 * (reverse DNS / hosts, services database), falling back to numbers.
 */
#ifndef KIPVS_IPVS_PRINT_H
#define KIPVS_IPVS_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "../ipvs_table.h"
#include "../ipvs_types.h"

/* Format flags: ipvsadm's listing options. The layout is picked by
 * precedence STATS > RATE > THRESHOLDS > PERSISTENTCONN > TUN_INFO > default. */
#define IPVS_FMT_NUMERIC        0x0001 /* -n */
#define IPVS_FMT_STATS          0x0004 /* --stats */
#define IPVS_FMT_RATE           0x0008 /* --rate */
#define IPVS_FMT_THRESHOLDS     0x0010 /* --thresholds */
#define IPVS_FMT_PERSISTENTCONN 0x0020 /* --persistent-conn (also for -c) */
#define IPVS_FMT_NOSORT         0x0040 /* --nosort: dump order */
#define IPVS_FMT_EXACT          0x0080 /* --exact */
#define IPVS_FMT_TUN_INFO       0x0100 /* --tun-info */

/* ipvsadm's name buffer: "addr:port" strings are cut to 59 characters. */
#define IPVS_PRINT_NAMELEN 60

/*
 * `-L`: the version line (unless @info is NULL), the two title lines, then
 * every virtual server with its destinations, sorted as ipvsadm sorts them
 * unless IPVS_FMT_NOSORT. 0 or -ENOMEM / -EIO (write error on @out).
 */
int ipvs_print_list(FILE *out, const struct ipvs_info *info, const struct ipvs_table *t,
                    unsigned fmt) __attribute__((warn_unused_result));
/* `-L -t|-u|-f|--sctp-service X`: the title, then @vs alone (no version line). */
int ipvs_print_one(FILE *out, const struct ipvs_vs *vs, unsigned fmt)
    __attribute__((warn_unused_result));
/*
 * The one writer of ipvsadm -S lines (ipvsadm 1.31's grammar, so ipvsadm -R
 * and kipvs -R read them back; render and diff print with it too):
 *   -A -t|-u|--sctp-service ADDR:PORT -s SCHED [-p T [-M MASK]] [--pe NAME]
 *      [-o] [-b FLAGS]        (-f MARK [-6] for a firewall mark)
 *   -a ... -r ADDR:PORT -m|-g|-i -w WEIGHT [--tun-type ...]
 * One line each, with its newline. 0 or -EIO (write error).
 */
int ipvs_print_save_service(FILE *out, const struct ipvs_service *s, unsigned fmt);
int ipvs_print_save_dest(FILE *out, const struct ipvs_service *s, const struct ipvs_dest *d,
                         unsigned fmt);
/* The part of such a line that names the virtual server ("-t ADDR:PORT",
 * "-f MARK [-6]"). */
void ipvs_print_service_id(char *buf, size_t len, const struct ipvs_service *s, unsigned fmt);
/* `-S`: -A/-a lines, always sorted; only IPVS_FMT_NUMERIC matters. */
int ipvs_print_save(FILE *out, const struct ipvs_table *t, unsigned fmt)
    __attribute__((warn_unused_result));
/* `-L --timeout`. */
int ipvs_print_timeouts(FILE *out, const struct ipvs_timeouts *t)
    __attribute__((warn_unused_result));
/* `-L --daemon`: one line per running daemon, in the order given. */
int ipvs_print_daemons(FILE *out, const struct ipvs_daemon *d, size_t n)
    __attribute__((warn_unused_result));

/*
 * `-L -c`: reads /proc/net/ip_vs_conn text from @in (header line first) and
 * prints ipvsadm's connection listing; IPVS_FMT_NUMERIC and
 * IPVS_FMT_PERSISTENTCONN matter. Like ipvsadm it reads 255-byte pieces of
 * lines. Errors: -ENODATA when @in has no header line (nothing printed:
 * ipvsadm says "unexpected input"), -EBADMSG on a line with no field at all
 * (ipvsadm stops there, exit status 1, no message), -EIO on write errors.
 */
int ipvs_print_conns(FILE *out, FILE *in, unsigned fmt) __attribute__((warn_unused_result));

/* N(): one statistics number as ipvsadm formats it (%9llu, K/M/G/T, --exact). */
void ipvs_print_number(FILE *out, uint64_t v, unsigned fmt);

/*
 * ipvsadm's "addr:port" formatter into @buf (IPVS_PRINT_NAMELEN): numeric
 * with IPVS_FMT_NUMERIC, else host and service names (@proto picks the
 * services database: tcp, udp, sctp; any other proto keeps the port
 * numeric). Brackets around anything that is not AF_INET. Returns @buf.
 */
const char *ipvs_print_addrport(char *buf, uint16_t af, const union addr_raw *a, uint16_t port,
                                uint16_t proto, unsigned fmt);

#endif
