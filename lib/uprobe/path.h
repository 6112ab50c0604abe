/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: the host's library directories, which path lookups and DT_NEEDED resolution share. */
#ifndef USDT_PATH_H
#define USDT_PATH_H

#include <stddef.h>

/* The multiarch library directories of this host, "/lib/T:/usr/lib/T", into buf; or NULL. */
const char *usdti_multiarch_dirs(char *buf, size_t buf_sz);

#endif /* USDT_PATH_H */
