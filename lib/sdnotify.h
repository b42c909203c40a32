/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sdnotify — systemd's notify protocol, spoken directly: datagrams such as
 * "READY=1" or "WATCHDOG=1" sent to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). No
 * libsystemd: the protocol is a few lines and kipvs runs outside systemd too.
 *
 * When $NOTIFY_SOCKET is unset every call is a no-op returning 0.
 */
#ifndef KIPVS_SDNOTIFY_H
#define KIPVS_SDNOTIFY_H

#include <stdint.h>

struct sdnotify;

/* Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. 0 or -errno (-ENOMEM, or
 * -EINVAL for a malformed socket name). */
int sdnotify_open(struct sdnotify **out) __attribute__((warn_unused_result));
void sdnotify_close(struct sdnotify *n);

/* True when a notify socket is configured. */
int sdnotify_enabled(const struct sdnotify *n);
/* Watchdog interval in microseconds this process must ping within; 0 = none. */
uint64_t sdnotify_watchdog_usec(const struct sdnotify *n);

/* Sends one state message ("READY=1", "STATUS=...", "STOPPING=1", ...). */
int sdnotify_send(struct sdnotify *n, const char *msg) __attribute__((warn_unused_result));
int sdnotify_sendf(struct sdnotify *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), warn_unused_result));

#endif
