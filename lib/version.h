/* SPDX-License-Identifier: Apache-2.0 */
/* version — the one place kipvs's version is written. */
#ifndef KIPVS_VERSION_H
#define KIPVS_VERSION_H

#define KIPVS_VERSION "0.1.0"

#endif
