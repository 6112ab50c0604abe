/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: function names to file offsets, as the attach layer's func_pattern and syms take them.
 */
#ifndef USDT_SYMBOLS_H
#define USDT_SYMBOLS_H

#include <stddef.h>

/*
 * File offsets of the functions (STT_FUNC and STT_GNU_IFUNC, .symtab and .dynsym) whose names
 * match the fnmatch() pattern, one per address (aliases attach once), in address order.
 * *offsets is malloc'ed. -ENOENT: nothing matches.
 */
int usdti_pattern_offsets(const char *path, const char *pattern, unsigned long **offsets,
			  size_t *cnt);

/*
 * File offsets of cnt exact symbol names, in the order given. A strong definition wins over
 * weak ones; two strong definitions at different addresses are ambiguous (-ESRCH).
 * -ENOENT: a name is missing (each one is named through pr_warn).
 */
int usdti_syms_offsets(const char *path, const char **syms, size_t cnt, unsigned long **offsets);

#endif /* USDT_SYMBOLS_H */
