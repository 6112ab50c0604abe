// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* JSON Lines output: escaping and comma placement in one place, so output cannot break. */
#include "cli.h"

#include <string.h>

#include "utf8.h"

static void sep(struct json *j)
{
	if (j->depth > 0 && j->need_comma[j->depth])
		fputc(',', j->out);
	if (j->depth > 0)
		j->need_comma[j->depth] = true;
}

static void open_container(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth < 15)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_container(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void json_begin(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	open_container(j, '{');
}

void json_end(struct json *j)
{
	close_container(j, '}');
	fputc('\n', j->out);
}

void json_obj_open(struct json *j)
{
	sep(j);
	open_container(j, '{');
}

void json_obj_close(struct json *j)
{
	close_container(j, '}');
}

void json_arr_open(struct json *j)
{
	sep(j);
	open_container(j, '[');
}

void json_arr_close(struct json *j)
{
	close_container(j, ']');
}

void json_escape(FILE *out, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		size_t len;

		if (c == '"' || c == '\\') {
			putc_unlocked('\\', out);
			putc_unlocked(c, out);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			putc_unlocked('\\', out);
			putc_unlocked(c == '\n' ? 'n' : c == '\t' ? 't' : 'r', out);
		} else if (c < 0x20 || c == 0x7f) {
			fputs("\\u00", out);
			putc_unlocked(hex[c >> 4], out);
			putc_unlocked(hex[c & 15], out);
		} else if (c < 0x80) {
			putc_unlocked(c, out);
		} else if ((len = utf8_len(s + i, n - i))) {
			fwrite(s + i, 1, len, out); /* text stays text */
			i += len - 1;
		} else {
			fputs("\\ufffd",
			      out); /* a byte that is not UTF-8: the replacement character */
		}
	}
}

static void put_escaped(FILE *out, const char *s, size_t n)
{
	putc_unlocked('"', out);
	json_escape(out, s, n);
	putc_unlocked('"', out);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	put_escaped(j->out, key, strlen(key));
	fputc(':', j->out);
	j->need_comma[j->depth] = false; /* the value follows without a comma */
}

static void value_done(struct json *j)
{
	if (j->depth > 0)
		j->need_comma[j->depth] = true;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	put_escaped(j->out, s, n);
	value_done(j);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	sep(j);
	fprintf(j->out, "%lld", v);
	value_done(j);
}

void json_uint(struct json *j, unsigned long long v)
{
	sep(j);
	fprintf(j->out, "%llu", v);
	value_done(j);
}

void json_hex(struct json *j, unsigned long long v)
{
	sep(j);
	fprintf(j->out, "\"0x%llx\"", v);
	value_done(j);
}

void json_bool(struct json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->out);
	value_done(j);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->out);
	value_done(j);
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_khex(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_hex(j, v);
}
