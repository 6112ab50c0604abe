/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: the library's messages go through the user's print callback only. */
#ifndef USDT_LOG_H
#define USDT_LOG_H

#include <errno.h>

#include "print.h"

void usdti_print(enum usdt_print_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(fmt, ...)  usdti_print(USDT_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  usdti_print(USDT_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) usdti_print(USDT_DEBUG, fmt, ##__VA_ARGS__)

/* Sets errno and returns -err: the library's error return, as libbpf's libbpf_err(). */
static inline int usdti_err(int err)
{
	if (err < 0)
		errno = -err;
	return err;
}

#endif /* USDT_LOG_H */
