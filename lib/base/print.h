/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* libusdt's print callback: the library's only output channel. Installed as <usdt/print.h>. */
#ifndef USDT_PRINT_H
#define USDT_PRINT_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum usdt_print_level {
	USDT_WARN,
	USDT_INFO,
	USDT_DEBUG,
};

typedef int (*usdt_print_fn_t)(enum usdt_print_level level, const char *fmt, va_list ap);

/*
 * Sets the print callback and returns the previous one. The default prints nothing unless
 * LIBUSDT_LOG_LEVEL is set to warn, info or debug in the environment, then to stderr.
 */
usdt_print_fn_t usdt_set_print(usdt_print_fn_t fn);

#ifdef __cplusplus
}
#endif

#endif /* USDT_PRINT_H */
