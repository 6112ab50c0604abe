// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The print callback: the library's only global besides the feature cache. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int default_print(enum usdt_print_level level, const char *fmt, va_list ap)
{
	const char *env = getenv("LIBUSDT_LOG_LEVEL");
	enum usdt_print_level max;

	if (!env)
		return 0;
	if (strcmp(env, "debug") == 0)
		max = USDT_DEBUG;
	else if (strcmp(env, "info") == 0)
		max = USDT_INFO;
	else
		max = USDT_WARN;
	if (level > max)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static usdt_print_fn_t print_fn = default_print;

usdt_print_fn_t usdt_set_print(usdt_print_fn_t fn)
{
	usdt_print_fn_t old = print_fn;

	print_fn = fn;
	return old;
}

void usdti_print(enum usdt_print_level level, const char *fmt, ...)
{
	va_list ap;

	if (!print_fn)
		return;
	va_start(ap, fmt);
	print_fn(level, fmt, ap);
	va_end(ap);
}
