// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Did-you-mean for PROBE patterns that matched nothing. */
#include "suggest.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* Levenshtein distance of a[0..la) and b[0..lb), both at most SUGGEST_LEN_MAX. */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned row[SUGGEST_LEN_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* 0 when the glob part matches, else its edit distance from the candidate. */
static unsigned part_distance(const char *pat, size_t plen, const char *cand)
{
	char glob[SUGGEST_LEN_MAX + 1];

	memcpy(glob, pat, plen);
	glob[plen] = '\0';
	if (fnmatch(glob, cand, 0) == 0)
		return 0;
	return edit_distance(pat, plen, cand, strlen(cand));
}

void suggest_add(struct suggest *s, const char *pattern, const char *provider, const char *name)
{
	const char *colon = strchr(pattern, ':');
	size_t plen = colon ? (size_t)(colon - pattern) : strlen(pattern);
	const char *npat = colon ? colon + 1 : NULL;
	unsigned dp, dn = 0, limit;
	char cand[sizeof(s->best[0])];

	if (plen > SUGGEST_LEN_MAX || (npat && strlen(npat) > SUGGEST_LEN_MAX) ||
	    strlen(provider) > SUGGEST_LEN_MAX || strlen(name) > SUGGEST_LEN_MAX)
		return;
	dp = part_distance(pattern, plen, provider);
	if (npat)
		dn = part_distance(npat, strlen(npat), name);
	/* a third of the pattern may be wrong, and at least two characters */
	limit = strlen(pattern) / 3 > 2 ? strlen(pattern) / 3 : 2;
	if (!dp + !dn == 2 || dp + dn > limit || (s->cnt && dp + dn > s->dist))
		return;
	/* what the user would type: their glob where it matched, the probe's name elsewhere */
	if (npat)
		snprintf(cand, sizeof(cand), "%.*s:%s", (int)(dp ? strlen(provider) : plen),
			 dp ? provider : pattern, dn ? name : npat);
	else
		snprintf(cand, sizeof(cand), "%s", provider);
	if (s->cnt && dp + dn < s->dist)
		s->cnt = 0;
	s->dist = dp + dn;
	for (size_t i = 0; i < s->cnt; i++)
		if (!strcmp(s->best[i], cand))
			return;
	if (s->cnt < SUGGEST_MAX)
		memcpy(s->best[s->cnt++], cand, sizeof(cand));
}

void suggest_format(const struct suggest *s, char *buf, size_t sz)
{
	size_t len;

	buf[0] = '\0';
	if (!s->cnt)
		return;
	len = snprintf(buf, sz, "did you mean ");
	for (size_t i = 0; i < s->cnt && len < sz; i++)
		len += snprintf(buf + len, sz - len, "%s%s",
				i == 0		  ? ""
				: i + 1 == s->cnt ? " or "
						  : ", ",
				s->best[i]);
	if (len < sz)
		snprintf(buf + len, sz - len, "?");
}
