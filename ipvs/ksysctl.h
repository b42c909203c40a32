/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ksysctl — read and set kernel sysctls through /proc/sys, writing only when
 * the value differs (so a restart writes nothing), and the running kernel's
 * version (conn_reuse_mode depends on it).
 *
 * Keys use '/' separators as under /proc/sys ("net/ipv4/vs/conntrack").
 * @root is the /proc/sys directory; NULL means "/proc/sys" (tests pass a
 * temporary directory).
 */
#ifndef KIPVS_KSYSCTL_H
#define KIPVS_KSYSCTL_H

#include <stdbool.h>
#include <stddef.h>

/* Reads the value, trailing whitespace removed. 0 or -errno (-ENOENT: no such key). */
int ksysctl_read(const char *root, const char *key, char *buf, size_t len)
    __attribute__((warn_unused_result));
/* Sets @key to @value unless it already holds it; *changed tells which. */
int ksysctl_ensure(const char *root, const char *key, const char *value, bool *changed)
    __attribute__((warn_unused_result));

/* Parses "5.10.0-23-cloud-amd64" style releases: 0 or -EINVAL. */
int kernel_version_parse(const char *release, unsigned *major, unsigned *minor)
    __attribute__((warn_unused_result));
/* The running kernel's version (uname). */
int kernel_version(unsigned *major, unsigned *minor) __attribute__((warn_unused_result));

#endif
