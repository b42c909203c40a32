/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit_http — a raw HTTP client for unit tests of servers that run on a
 * libev loop in the same thread (lib/httpd and what is built on it): the
 * test sends bytes and turns the loop itself until the server closes.
 */
#ifndef KIPVS_UNIT_HTTP_H
#define KIPVS_UNIT_HTTP_H

#include <ev.h>
#include <stdint.h>

/* A non-blocking TCP connection to 127.0.0.1:@port (asserts it connects). */
int unit_http_connect(uint16_t port);
/* Turns @loop until the peer closes @fd (then closed here) or @max_s passes;
 * returns what was read (caller frees) and the seconds it took in @took
 * (may be NULL). */
char *unit_http_drain(struct ev_loop *loop, int fd, double max_s, double *took);
/* Sends @req on a new connection and drains the answer (5 s at most). */
char *unit_http_request(struct ev_loop *loop, uint16_t port, const char *req);
/* -1 when nothing listens on 127.0.0.1:@port (connection refused), else 0. */
int unit_http_probe(uint16_t port);
/* A port nothing listens on right now (bound to 0 and released). */
uint16_t unit_http_free_port(void);

#endif
