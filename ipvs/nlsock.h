/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nlsock — what every raw netlink socket of kipvs does the same way
 * (generic netlink IPVS, nf_tables, ctnetlink): send a whole buffer to the
 * kernel, and walk the messages of one received datagram without ever
 * reading past it.
 */
#ifndef KIPVS_NLSOCK_H
#define KIPVS_NLSOCK_H

#include <linux/netlink.h>
#include <stddef.h>

/* Sends @len bytes of @buf to the kernel on @fd (EINTR retried): 0, -errno,
 * or -EIO when the kernel took less than all of it. */
int nlsock_send(int fd, const void *buf, size_t len);

/*
 * The message at *@off of the datagram @buf (@len bytes), advancing *@off to
 * the next one; NULL when no whole message is left. NLMSG_OK/NLMSG_NEXT want
 * a signed count: with an unsigned one, a last message whose length is not a
 * multiple of 4 makes the count wrap and NLMSG_OK read on past the datagram
 * (found by the ipvs_nl fuzzer). Start with *@off = 0.
 */
const struct nlmsghdr *nlsock_next(const void *buf, size_t len, size_t *off);

#endif
