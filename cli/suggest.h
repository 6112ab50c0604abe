/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * "did you mean ...?": the probes closest to a PROBE that matched nothing, by edit distance
 * over provider and name (a part the pattern's glob matches costs nothing).
 */
#ifndef USDTCTL_SUGGEST_H
#define USDTCTL_SUGGEST_H

#include <stddef.h>

#define SUGGEST_MAX	3   /* suggestions kept */
#define SUGGEST_LEN_MAX 128 /* longer names are not compared */

struct suggest {
	unsigned dist; /* of the suggestions kept; 0 = none yet */
	size_t cnt;
	char best[SUGGEST_MAX][2 * SUGGEST_LEN_MAX + 2];
};

/* Weighs the probe provider:name against pattern (a glob over provider:name, or a provider). */
void suggest_add(struct suggest *s, const char *pattern, const char *provider, const char *name);
/* "did you mean A, B or C?" into buf, or "" when nothing came close. */
void suggest_format(const struct suggest *s, char *buf, size_t sz);

#endif /* USDTCTL_SUGGEST_H */
