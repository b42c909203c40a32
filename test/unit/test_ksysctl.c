/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../ipvs/ksysctl.h"

static char root[64];

static int setup(void **state)
{
	char path[128];
	FILE *f;

	snprintf(root, sizeof(root), "/tmp/kipvs-sysctl-%d", (int)getpid());
	snprintf(path, sizeof(path), "mkdir -p %s/net/ipv4/vs", root);
	if (system(path) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/net/ipv4/vs/conntrack", root);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("0\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void read_and_ensure(void **state)
{
	char buf[32];
	bool changed;
	struct stat st1, st2;
	char path[128];

	assert_int_equal(ksysctl_read(root, "net/ipv4/vs/conntrack", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0");
	assert_int_equal(ksysctl_ensure(root, "net/ipv4/vs/conntrack", "1", &changed), 0);
	assert_true(changed);
	assert_int_equal(ksysctl_read(root, "net/ipv4/vs/conntrack", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	/* Same value again: no write at all (the file is not even opened for writing). */
	snprintf(path, sizeof(path), "%s/net/ipv4/vs/conntrack", root);
	assert_int_equal(stat(path, &st1), 0);
	sleep(1);
	assert_int_equal(ksysctl_ensure(root, "net/ipv4/vs/conntrack", "1", &changed), 0);
	assert_false(changed);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
}

static void errors(void **state)
{
	char buf[8];
	bool changed;

	assert_int_equal(ksysctl_read(root, "net/ipv4/vs/nope", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(ksysctl_ensure(root, "net/ipv4/vs/nope", "1", &changed), -ENOENT);
	assert_false(changed);
	assert_int_equal(ksysctl_read(root, "../etc/passwd", buf, sizeof(buf)), -EINVAL);
}

static void versions(void **state)
{
	unsigned ma, mi;

	assert_int_equal(kernel_version_parse("6.1.0-28-cloud-amd64", &ma, &mi), 0);
	assert_int_equal(ma, 6);
	assert_int_equal(mi, 1);
	assert_int_equal(kernel_version_parse("4.19.0", &ma, &mi), 0);
	assert_int_equal(ma, 4);
	assert_int_equal(mi, 19);
	assert_int_equal(kernel_version_parse("5", &ma, &mi), -EINVAL);
	assert_int_equal(kernel_version_parse("x.1", &ma, &mi), -EINVAL);
	assert_int_equal(kernel_version(&ma, &mi), 0);
	assert_true(ma >= 3);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(read_and_ensure, setup, teardown),
	cmocka_unit_test_setup_teardown(errors, setup, teardown),
	cmocka_unit_test(versions),
};

UNIT_MAIN(tests)
