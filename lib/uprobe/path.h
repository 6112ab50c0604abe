/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: the host's library directories, which path lookups and DT_NEEDED resolution share. */
#ifndef USDT_PATH_H
#define USDT_PATH_H

#include <stddef.h>

/*
 * The system library directories, in the order the dynamic loader searches them after
 * LD_LIBRARY_PATH, RUNPATH and its cache (Debian 12's ld.so --help: /lib/T, /usr/lib/T, /lib,
 * /usr/lib for the multiarch triplet T of the host), ':'-separated into buf. A host without
 * the triplet's directory (not Debian's layout) gets /lib64:/usr/lib64:/lib:/usr/lib.
 */
const char *usdti_system_lib_dirs(char *buf, size_t buf_sz);

#endif /* USDT_PATH_H */
