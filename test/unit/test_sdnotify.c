/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../lib/sdnotify.h"

/* A receiving socket standing in for systemd. */
static int listen_at(const char *name, int abstract)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len;

	assert_true(fd >= 0);
	if (abstract) {
		a.sun_path[0] = '\0';
		memcpy(a.sun_path + 1, name, strlen(name));
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	} else {
		unlink(name);
		memcpy(a.sun_path, name, strlen(name));
		len = sizeof(a);
	}
	assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
	return fd;
}

static void recv_eq(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void path_socket(void **state)
{
	char path[64];
	struct sdnotify *n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/kipvs-sdnotify-%d", (int)getpid());
	fd = listen_at(path, 0);
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "3000000", 1);
	unsetenv("WATCHDOG_PID");
	assert_int_equal(sdnotify_open(&n), 0);
	assert_true(sdnotify_enabled(n));
	assert_int_equal(sdnotify_watchdog_usec(n), 3000000);
	assert_int_equal(sdnotify_send(n, "READY=1"), 0);
	recv_eq(fd, "READY=1");
	assert_int_equal(sdnotify_sendf(n, "STATUS=services=%d", 42), 0);
	recv_eq(fd, "STATUS=services=42");
	sdnotify_close(n);
	close(fd);
	unlink(path);
}

static void abstract_socket(void **state)
{
	char name[64];
	char env[70];
	struct sdnotify *n;
	int fd;

	snprintf(name, sizeof(name), "kipvs-test-%d", (int)getpid());
	fd = listen_at(name, 1);
	snprintf(env, sizeof(env), "@%s", name);
	setenv("NOTIFY_SOCKET", env, 1);
	setenv("WATCHDOG_USEC", "1000", 1);
	setenv("WATCHDOG_PID", "1", 1); /* not us: no watchdog */
	assert_int_equal(sdnotify_open(&n), 0);
	assert_int_equal(sdnotify_watchdog_usec(n), 0);
	assert_int_equal(sdnotify_send(n, "WATCHDOG=1"), 0);
	recv_eq(fd, "WATCHDOG=1");
	sdnotify_close(n);
	close(fd);
}

static void disabled_and_bad(void **state)
{
	struct sdnotify *n;

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_open(&n), 0);
	assert_false(sdnotify_enabled(n));
	assert_int_equal(sdnotify_send(n, "READY=1"), 0);
	sdnotify_close(n);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(sdnotify_open(&n), -EINVAL);
	assert_null(n);
	setenv("NOTIFY_SOCKET", "/nonexistent/kipvs/socket", 1);
	assert_int_equal(sdnotify_open(&n), 0);
	assert_true(sdnotify_send(n, "READY=1") < 0);
	sdnotify_close(n);
	unsetenv("NOTIFY_SOCKET");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(path_socket),
	cmocka_unit_test(abstract_socket),
	cmocka_unit_test(disabled_and_bad),
};

UNIT_MAIN(tests)
