/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: the string hash of the parser's and the attach layer's tables. */
#ifndef USDT_HASH_H
#define USDT_HASH_H

#include <linux/types.h>

#define USDTI_FNV_SEED 0xcbf29ce484222325ULL

/*
 * FNV-1a over s and its NUL, continuing from h (USDTI_FNV_SEED to start): the NUL keeps
 * chained strings apart ("ab" then "c" hashes unlike "a" then "bc").
 */
static inline __u64 usdti_fnv1a_str(__u64 h, const char *s)
{
	do
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	while (*s++);
	return h;
}

#endif
