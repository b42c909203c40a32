/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "unit_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

int unit_http_connect(uint16_t port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

char *unit_http_drain(struct ev_loop *loop, int fd, double max_s, double *took)
{
	size_t len = 0;
	char *buf = calloc(1, 65536);
	double t0 = now_s();
	int closed = 0;

	assert_non_null(buf);
	while (!closed && now_s() - t0 < max_s) {
		ssize_t n;

		ev_run(loop, EVRUN_NOWAIT);
		n = recv(fd, buf + len, 65535 - len, 0);
		if (n > 0)
			len += (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			closed = 1;
		else
			usleep(1000);
	}
	if (took)
		*took = now_s() - t0;
	close(fd);
	return buf;
}

char *unit_http_request(struct ev_loop *loop, uint16_t port, const char *req)
{
	int fd = unit_http_connect(port);

	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	return unit_http_drain(loop, fd, 5, NULL);
}

int unit_http_probe(uint16_t port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	assert_true(fd >= 0);
	rc = connect(fd, (struct sockaddr *)&a, sizeof(a)) ? -1 : 0;
	close(fd);
	return rc;
}

uint16_t unit_http_free_port(void)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}
