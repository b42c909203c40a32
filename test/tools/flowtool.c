/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kipvs-testtool flow-client` / `flow-echo` — real datagrams for the
 * conntrack clean-up tests (test/vm/cases/conntrack_*.sh):
 *
 *   flow-echo NAME PORT [udp|sctp]
 *       answers every message on PORT (IPv4 and IPv6) with "NAME SEQ", SEQ
 *       being the first word of the message; "listening" on stdout once bound.
 *   flow-client ADDR PORT SRCPORT [udp|sctp] [INTERVAL_MS] [SECONDS]
 *       sends "SEQ" every INTERVAL_MS (100) for SECONDS (60) from the fixed
 *       source port SRCPORT — one flow, as a resolver's — and prints one
 *       line per event, as it happens:
 *         S <epoch_ms> <seq>            sent
 *         R <epoch_ms> <seq> <name>     an answer (to message <seq>)
 *         E <epoch_ms> <errno name>     the socket reported an error (ICMP
 *                                       unreachable, an SCTP abort ...)
 *       UDP: one connected socket for the whole run. SCTP: a one-to-one
 *       socket; a lost association is set up again from the same port.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/addr.h"
#include "testtool.h"

static long long epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long mono_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_proto(const char *s, int *type, int *proto)
{
	if (!s || !strcmp(s, "udp")) {
		*type = SOCK_DGRAM;
		*proto = IPPROTO_UDP;
		return 0;
	}
	if (!strcmp(s, "sctp")) {
		*type = SOCK_SEQPACKET;
		*proto = IPPROTO_SCTP;
		return 0;
	}
	return -EINVAL;
}

/* @a:@port as a socket address; its length. */
static socklen_t sockaddr_of(const struct net_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->a.b, 4);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, a->a.b, 16);
	return sizeof(*s6);
}

int tool_flow_echo(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	int type, proto, fd, off = 0, on = 1;
	const char *name;

	if (argc < 3 || parse_proto(argc > 3 ? argv[3] : NULL, &type, &proto)) {
		fprintf(stderr, "usage: kipvs-testtool flow-echo NAME PORT [udp|sctp]\n");
		return 2;
	}
	name = argv[1];
	sa.sin6_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	fd = socket(AF_INET6, type, proto);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_SEQPACKET && listen(fd, 16))) {
		fprintf(stderr, "flow-echo: %s\n", strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		char in[64], out[128];
		ssize_t n = recvfrom(fd, in, sizeof(in) - 1, 0, (struct sockaddr *)&peer, &plen);
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "flow-echo: recv: %s\n", strerror(errno));
			continue;
		}
		in[n] = '\0';
		in[strcspn(in, " \n")] = '\0';
		len = snprintf(out, sizeof(out), "%s %s", name, in);
		if (sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&peer, plen) < 0)
			fprintf(stderr, "flow-echo: send: %s\n", strerror(errno));
	}
}

/* UDP: a socket bound to @sport and connected to @dst. SCTP: a one-to-many
 * socket bound to @sport (each send goes to @dst: a lost association is set
 * up again by the next one, from the same port). -1 with errno set. */
static int client_socket(const struct net_addr *dst, uint16_t dport, uint16_t sport, int type,
                         int proto)
{
	struct sockaddr_storage to, from;
	struct net_addr any = { .af = dst->af };
	socklen_t tl = sockaddr_of(dst, dport, &to), fl = sockaddr_of(&any, sport, &from);
	int on = 1, fd = socket(dst->af, type, proto);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&from, fl) ||
	    (type == SOCK_DGRAM && connect(fd, (struct sockaddr *)&to, tl))) {
		close(fd);
		return -1;
	}
	return fd;
}

int tool_flow_client(int argc, char **argv)
{
	struct net_addr dst;
	struct sockaddr_storage to;
	socklen_t tl;
	int type, proto, fd;
	long interval, seconds;
	uint16_t dport, sport;
	long long start, next;
	unsigned seq = 0;

	if (argc < 4 || addr_parse(argv[1], &dst) < 0 ||
	    parse_proto(argc > 4 ? argv[4] : NULL, &type, &proto)) {
		fprintf(stderr, "usage: kipvs-testtool flow-client ADDR PORT SRCPORT [udp|sctp] "
		                "[INTERVAL_MS] [SECONDS]\n");
		return 2;
	}
	dport = (uint16_t)strtoul(argv[2], NULL, 10);
	sport = (uint16_t)strtoul(argv[3], NULL, 10);
	interval = argc > 5 ? strtol(argv[5], NULL, 10) : 100;
	seconds = argc > 6 ? strtol(argv[6], NULL, 10) : 60;
	tl = sockaddr_of(&dst, dport, &to);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = client_socket(&dst, dport, sport, type, proto);
	if (fd < 0) {
		fprintf(stderr, "flow-client: socket: %s\n", strerror(errno));
		return 1;
	}
	start = next = mono_now_ms();
	while (mono_now_ms() - start < seconds * 1000) {
		long long now = mono_now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = next > now ? (int)(next - now) : 0;
		char buf[128], msg[32];
		int len;

		if (poll(&p, 1, wait) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

			if (n > 0) {
				char *sp;

				buf[n] = '\0';
				sp = strchr(buf, ' ');
				if (sp)
					*sp++ = '\0';
				printf("R %lld %s %s\n", epoch_ms(), sp ? sp : "?", buf);
			} else if (n < 0 && errno != EAGAIN) {
				printf("E %lld %s\n", epoch_ms(), strerrorname_np(errno));
			}
			continue;
		}
		if (mono_now_ms() < next)
			continue;
		len = snprintf(msg, sizeof(msg), "%u", ++seq);
		if ((type == SOCK_DGRAM ? send(fd, msg, (size_t)len, MSG_DONTWAIT)
		                        : sendto(fd, msg, (size_t)len, MSG_DONTWAIT,
		                                 (struct sockaddr *)&to, tl)) < 0)
			printf("E %lld %s\n", epoch_ms(), strerrorname_np(errno));
		else
			printf("S %lld %u\n", epoch_ms(), seq);
		next += interval;
	}
	close(fd);
	return 0;
}
