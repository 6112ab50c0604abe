// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Probe patterns: fnmatch(3) globs over "provider:name". A pattern without ':' names a
 * provider and matches all its probes. The "usdt:PATH:provider:name" form of the CLI is split
 * by its callers: only the provider:name part reaches this function.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "usdt.h"

static bool match_as_written(const char *pattern, const char *provider, const char *name)
{
	size_t plen, nlen;
	char stack[256], *full = stack;
	bool match;

	if (!strchr(pattern, ':'))
		return fnmatch(pattern, provider, 0) == 0;
	plen = strlen(provider);
	nlen = strlen(name);
	/* listing calls this once per site: stay off the heap for ordinary names */
	if (plen + nlen + 2 > sizeof(stack)) {
		full = malloc(plen + nlen + 2);
		if (!full)
			return false;
	}
	memcpy(full, provider, plen);
	full[plen] = ':';
	memcpy(full + plen + 1, name, nlen + 1);
	match = fnmatch(pattern, full, 0) == 0;
	if (full != stack)
		free(full);
	return match;
}

/*
 * DTrace shows a probe the note calls query__start as query-start (sdt.h makes "__" of "-"),
 * and DTrace users write it so: each '-' outside a [...] set stands for "__". Into buf, or
 * malloc'ed when longer; NULL without memory.
 */
static char *dtrace_spelling(const char *pattern, char *buf, size_t buf_sz)
{
	size_t len = strlen(pattern), dashes = 0, k = 0;
	bool in_set = false;
	char *out;

	for (const char *p = pattern; *p; p++)
		dashes += *p == '-';
	out = len + dashes + 1 <= buf_sz ? buf : malloc(len + dashes + 1);
	if (!out)
		return NULL;
	for (const char *p = pattern; *p; p++) {
		if (*p == '[')
			in_set = true;
		else if (*p == ']')
			in_set = false;
		if (*p == '-' && !in_set) {
			out[k++] = '_';
			out[k++] = '_';
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

bool usdt_probe_match(const char *pattern, const char *provider, const char *name)
{
	char stack[256], *dtrace;
	bool match;

	/* names can hold '-' themselves: the pattern as written first */
	if (match_as_written(pattern, provider, name))
		return true;
	if (!strchr(pattern, '-'))
		return false;
	dtrace = dtrace_spelling(pattern, stack, sizeof(stack));
	match = dtrace && match_as_written(dtrace, provider, name);
	if (dtrace != stack)
		free(dtrace);
	return match;
}
