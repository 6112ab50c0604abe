// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Strings that files and processes chose (paths, provider and probe names, argument strings,
 * comm, messages that quote them), made safe for a terminal: a name must not be able to move
 * the cursor, retitle the window or forge a line.
 */
#include "cli.h"
#include "utf8.h"

#include <string.h>

/* Writes n bytes to out (NULL: counts them only); returns n. */
static size_t put(FILE *out, const char *s, size_t n)
{
	if (out)
		fwrite_unlocked(s, 1, n, out);
	return n;
}

size_t cli_escape(FILE *out, const char *str, size_t n, bool quoted)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t w = 0, len;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (quoted && (c == '"' || c == '\\')) {
			w += put(out, (char[]){'\\', c}, 2);
		} else if (c == '\n') {
			w += put(out, "\\n", 2);
		} else if (c == '\t') {
			w += put(out, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			w += put(out, (char[]){'\\', 'x', hex[c >> 4], hex[c & 15]}, 4);
		} else if (c < 0x80) {
			if (out)
				putc_unlocked(c, out);
			w++;
		} else if (!(len = utf8_len(s + i, n - i))) {
			/* not UTF-8: a lone byte, which an 8-bit terminal may take for C1 */
			w += put(out, (char[]){'\\', 'x', hex[c >> 4], hex[c & 15]}, 4);
		} else if (c == 0xc2 && s[i + 1] < 0xa0) {
			/* U+0080-U+009F, the C1 controls (CSI, OSC...) */
			w += put(out,
				 (char[]){'\\', 'u', '0', '0', hex[s[i + 1] >> 4],
					  hex[s[i + 1] & 15]},
				 6);
			i++;
		} else {
			w += put(out, (const char *)s + i, len);
			i += len - 1;
		}
	}
	return w;
}
