/* SPDX-License-Identifier: Apache-2.0 */
#include "ksysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int key_path(const char *root, const char *key, char *path, size_t len)
{
	int n;

	if (!key || !*key || strstr(key, ".."))
		return -EINVAL;
	n = snprintf(path, len, "%s/%s", root ? root : "/proc/sys", key);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ksysctl_read(const char *root, const char *key, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd, err = key_path(root, key, path, sizeof(path));

	if (err < 0)
		return err;
	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err < 0)
		return err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return 0;
}

int ksysctl_ensure(const char *root, const char *key, const char *value, bool *changed)
{
	char cur[256], path[512];
	size_t vlen = strlen(value);
	ssize_t n;
	int fd, err;

	*changed = false;
	err = ksysctl_read(root, key, cur, sizeof(cur));
	if (err < 0)
		return err;
	if (strcmp(cur, value) == 0)
		return 0;
	err = key_path(root, key, path, sizeof(path));
	if (err < 0)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, vlen);
	err = n < 0 ? -errno : (size_t)n != vlen ? -EIO : 0;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err)
		*changed = true;
	return err;
}

int kernel_version_parse(const char *release, unsigned *major, unsigned *minor)
{
	char *end;
	unsigned long ma, mi;

	errno = 0;
	ma = strtoul(release, &end, 10);
	if (errno || end == release || *end != '.')
		return -EINVAL;
	release = end + 1;
	mi = strtoul(release, &end, 10);
	if (errno || end == release || ma > 1000 || mi > 1000)
		return -EINVAL;
	*major = (unsigned)ma;
	*minor = (unsigned)mi;
	return 0;
}

int kernel_version(unsigned *major, unsigned *minor)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	return kernel_version_parse(u.release, major, minor);
}
