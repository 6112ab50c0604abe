// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "opts.h"

#include <string.h>

#include "log.h"

bool usdti_opts_valid(const void *opts, size_t known, const char *type_name)
{
	const char *p = opts;
	size_t sz;

	if (!opts)
		return true;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(sz)) {
		pr_warn("%s: size %zu is too small\n", type_name, sz);
		return false;
	}
	for (size_t i = known; i < sz; i++) {
		if (p[i]) {
			pr_warn("%s: unknown non-zero byte at offset %zu\n", type_name, i);
			return false;
		}
	}
	return true;
}
