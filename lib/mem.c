// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int usdti_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need, size_t min_cap)
{
	size_t n = *cap ? *cap : min_cap ? min_cap : 1;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need && n <= SIZE_MAX / 2)
		n *= 2;
	if (n < need || n > SIZE_MAX / elem_sz)
		return -ENOMEM;
	p = realloc(*data, n * elem_sz);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = n;
	return 0;
}
