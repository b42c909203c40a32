/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nle — libnl's NLE_* codes as -errno, in one table for every module that
 * speaks netlink through libnl (generic netlink IPVS, rtnetlink interfaces).
 * Unknown codes are -EIO.
 */
#ifndef KIPVS_NLE_H
#define KIPVS_NLE_H

/* @nle: a libnl return value (negative NLE_* or 0). */
int nle_errno(int nle);

#endif
