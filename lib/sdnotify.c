/* SPDX-License-Identifier: Apache-2.0 */
#include "sdnotify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct sdnotify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_usec;
};

int sdnotify_open(struct sdnotify **out)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *wd = getenv("WATCHDOG_USEC");
	const char *wd_pid = getenv("WATCHDOG_PID");
	struct sdnotify *n = calloc(1, sizeof(*n));
	size_t len;

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->fd = -1;
	if (wd && *wd) {
		char *end;
		unsigned long long v = strtoull(wd, &end, 10);

		/* WATCHDOG_PID names the process the watchdog is meant for. */
		if (!*end && (!wd_pid || !*wd_pid || strtol(wd_pid, NULL, 10) == (long)getpid()))
			n->watchdog_usec = v;
	}
	if (path && *path) {
		len = strlen(path);
		if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path)) {
			free(n);
			return -EINVAL;
		}
		n->addr.sun_family = AF_UNIX;
		memcpy(n->addr.sun_path, path, len);
		if (path[0] == '@')
			n->addr.sun_path[0] = '\0';
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
		n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (n->fd < 0) {
			int err = -errno;

			free(n);
			return err;
		}
	}
	*out = n;
	return 0;
}

void sdnotify_close(struct sdnotify *n)
{
	if (!n)
		return;
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}

int sdnotify_enabled(const struct sdnotify *n)
{
	return n && n->fd >= 0;
}

uint64_t sdnotify_watchdog_usec(const struct sdnotify *n)
{
	return n && n->fd >= 0 ? n->watchdog_usec : 0;
}

int sdnotify_send(struct sdnotify *n, const char *msg)
{
	if (!sdnotify_enabled(n))
		return 0;
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&n->addr,
	           n->addr_len) < 0)
		return -errno;
	return 0;
}

int sdnotify_sendf(struct sdnotify *n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!sdnotify_enabled(n))
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sdnotify_send(n, buf);
}
