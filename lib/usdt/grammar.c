// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The operand pieces the per-arch grammars share, the split of an argument string, and the
 * kernel's word size. Parsing runs for every site of a listing, so it never allocates and
 * uses no regex.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "grammar.h"
#include "log.h"

const char usdti_float_reason[] = "floating-point argument";

const char *const usdti_r_names[32] = {
	"r0",  "r1",  "r2",  "r3",  "r4",  "r5",  "r6",	 "r7",	"r8",  "r9",  "r10",
	"r11", "r12", "r13", "r14", "r15", "r16", "r17", "r18", "r19", "r20", "r21",
	"r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31",
};

const char *usdti_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

size_t usdti_token_len(const char *p)
{
	size_t n = (*p == '%' || *p == '$') ? 1 : 0;
	size_t start = n;

	while (is_word(p[n]))
		n++;
	return n > start ? n : 0;
}

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int usdti_parse_int(const char **p, long long *val)
{
	const char *s = *p;
	unsigned long long v = 0, base = 10, d;
	bool neg = false, any = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && isdigit((unsigned char)s[1])) {
		base = 8;
		s++;
	}
	for (; is_word(*s); s++) {
		d = digit_val(*s);
		if (d >= base || v > (~0ULL - d) / base)
			return -EINVAL;
		v = v * base + d;
		any = true;
	}
	if (!any)
		return -EINVAL;
	/* two's complement: "$0xffffffffffffffff" and "$-1" are the same 64 bits */
	*val = (long long)(neg ? 0ULL - v : v);
	*p = s;
	return 0;
}

int usdti_reg_num(const char *s, size_t len, int max)
{
	int n = 0;
	size_t i;

	if (!len || len > 2 || (len == 2 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		n = n * 10 + s[i] - '0';
	}
	return n <= max ? n : -1;
}

bool usdti_lower(const char *s, size_t len, char *out, size_t out_sz)
{
	size_t i;

	if (len + 1 > out_sz)
		return false;
	for (i = 0; i < len; i++)
		out[i] = tolower((unsigned char)s[i]);
	out[len] = '\0';
	return true;
}

void usdti_arg_unsupported(struct usdti_arg *arg, const char *reason)
{
	if (arg->pub.kind == USDT_ARG_UNSUPPORTED)
		return;
	arg->pub.kind = USDT_ARG_UNSUPPORTED;
	arg->pub.reason = reason;
}

void usdti_arg_kind(struct usdti_arg *arg, enum usdt_arg_kind kind)
{
	if (arg->pub.kind != USDT_ARG_UNSUPPORTED)
		arg->pub.kind = kind;
}

/* len + 1 bytes from the front of the scratch buffer, or NULL when it is full. */
static char *buf_take(char **buf, size_t *sz, size_t len)
{
	char *out = *buf;

	if (len + 1 > *sz)
		return NULL;
	out[len] = '\0';
	*buf += len + 1;
	*sz -= len + 1;
	return out;
}

char *usdti_buf_copy(char **buf, size_t *sz, const char *s, size_t len)
{
	char *out = buf_take(buf, sz, len);

	if (out)
		memcpy(out, s, len);
	return out;
}

/* "unknown register %foo", kept in the scratch buffer when it fits. */
static void unknown_reg(struct usdti_arg *arg, const char *tok, size_t len, char **buf, size_t *sz)
{
	static const char prefix[] = "unknown register ";
	size_t plen = sizeof(prefix) - 1;
	char *out;

	if (arg->pub.kind == USDT_ARG_UNSUPPORTED)
		return;
	out = buf_take(buf, sz, plen + len);
	if (!out) {
		usdti_arg_unsupported(arg, "unknown register");
		return;
	}
	memcpy(out, prefix, plen);
	memcpy(out + plen, tok, len);
	usdti_arg_unsupported(arg, out);
}

void usdti_arg_reg(struct usdti_arg *arg, usdti_reg_fn fn, const char *tok, size_t len,
		   enum usdti_role role, char **buf, size_t *sz)
{
	struct usdti_reg r = {};

	if (!fn(tok, len, &r)) {
		unknown_reg(arg, tok, len, buf, sz);
		return;
	}
	if (!r.canon) {
		arg->pub.is_float |= r.is_float;
		usdti_arg_unsupported(arg, r.reason);
		return;
	}
	switch (role) {
	case USDTI_VALUE:
		arg->pub.reg = r.canon;
		arg->regs.reg_off = r.off;
		if (!arg->pub.size)
			arg->pub.size = r.width;
		usdti_arg_kind(arg, USDT_ARG_REG);
		break;
	case USDTI_BASE:
		arg->pub.reg = r.canon;
		arg->regs.reg_off = r.off;
		break;
	case USDTI_INDEX:
		arg->pub.index = r.canon;
		arg->regs.index_off = r.off;
		break;
	}
}

bool usdti_starts_int(char c)
{
	return isdigit((unsigned char)c) || c == '-' || c == '+';
}

int usdti_parse_const(const char *p, struct usdti_arg *arg)
{
	if (usdti_parse_int(&p, &arg->pub.value) || *p)
		return -EINVAL;
	usdti_arg_kind(arg, USDT_ARG_CONST);
	return 0;
}

int usdti_parse_reg(const char *p, struct usdti_arg *arg, usdti_reg_fn fn, char **buf, size_t *sz)
{
	size_t n = usdti_token_len(p);

	if (!n || p[n])
		return -EINVAL;
	usdti_arg_reg(arg, fn, p, n, USDTI_VALUE, buf, sz);
	return 0;
}

/* ", lsl #N" after an index register (aarch64, arm). */
static int parse_shift(const char *p, const char **end, struct usdti_arg *arg)
{
	size_t n = usdti_token_len(p);
	long long shift;

	if (!n)
		return -EINVAL;
	if (n == 3 && !strncasecmp(p, "lsl", 3)) {
		p = usdti_skip_ws(p + 3);
		if (*p == '#')
			p++;
		if (usdti_parse_int(&p, &shift) || shift < 0 || shift > 31)
			return -EINVAL;
		if (shift > 3)
			usdti_arg_unsupported(arg, "index scaled by more than 8");
		else
			arg->pub.scale = 1 << shift;
	} else {
		/* sxtw, uxtw [#N]: a 32-bit index extended to 64 bits */
		usdti_arg_unsupported(arg, "extended index register");
		p = usdti_skip_ws(p + n);
		if (*p == '#') {
			p++;
			if (usdti_parse_int(&p, &shift))
				return -EINVAL;
		}
	}
	*end = p;
	return 0;
}

int usdti_parse_list(const char *p, char close, struct usdti_arg *arg, usdti_reg_fn fn, char **buf,
		     size_t *sz)
{
	size_t n;

	p = usdti_skip_ws(p);
	n = usdti_token_len(p);
	if (!n)
		return -EINVAL;
	usdti_arg_reg(arg, fn, p, n, USDTI_BASE, buf, sz);
	usdti_arg_kind(arg, USDT_ARG_MEM);
	p = usdti_skip_ws(p + n);
	if (*p == ',') {
		p = usdti_skip_ws(p + 1);
		/* '#' marks an immediate offset */
		if (*p == '#' || usdti_starts_int(*p)) {
			p += *p == '#';
			if (usdti_parse_int(&p, &arg->pub.offset))
				return -EINVAL;
		} else {
			n = usdti_token_len(p);
			if (!n)
				return -EINVAL;
			usdti_arg_reg(arg, fn, p, n, USDTI_INDEX, buf, sz);
			usdti_arg_kind(arg, USDT_ARG_SIB);
			arg->pub.scale = 1;
			p = usdti_skip_ws(p + n);
			if (*p == ',' && parse_shift(usdti_skip_ws(p + 1), &p, arg))
				return -EINVAL;
		}
	}
	p = usdti_skip_ws(p);
	if (*p != close || (close && p[1]))
		return -EINVAL;
	return 0;
}

int usdti_parse_arm_syntax(const char *op, struct usdti_arg *arg, usdti_reg_fn fn, char *buf,
			   size_t sz)
{
	if (*op == '[')
		return usdti_parse_list(op + 1, ']', arg, fn, &buf, &sz);
	if (*op == '#')
		return usdti_parse_const(op + 1, arg);
	if (usdti_starts_int(*op))
		return usdti_parse_const(op, arg);
	return usdti_parse_reg(op, arg, fn, &buf, &sz);
}

int usdti_parse_paren(const char *p, int flags, struct usdti_arg *arg, usdti_reg_fn fn, char **buf,
		      size_t *sz)
{
	const char *t1, *t2 = NULL;
	size_t n1, n2 = 0;

	if (*p != '(' && usdti_parse_int(&p, &arg->pub.offset))
		return -EINVAL;
	if (*p != '(')
		return -EINVAL;
	t1 = p + 1;
	n1 = usdti_token_len(t1);
	p = t1 + n1;
	if (*p == ',') {
		if (flags & USDTI_PAREN_NO_INDEX)
			return -EINVAL;
		t2 = p + 1;
		n2 = usdti_token_len(t2);
		p = t2 + n2;
		if (!n2)
			return -EINVAL;
	}
	if (*p != ')' || p[1])
		return -EINVAL;
	if (t2 && (flags & USDTI_PAREN_INDEX_FIRST)) {
		/* D(X,B); D(,B) has no index */
		usdti_arg_reg(arg, fn, t2, n2, USDTI_BASE, buf, sz);
		if (!n1) {
			usdti_arg_kind(arg, USDT_ARG_MEM);
			return 0;
		}
		usdti_arg_reg(arg, fn, t1, n1, USDTI_INDEX, buf, sz);
	} else {
		if (!n1)
			return -EINVAL;
		usdti_arg_reg(arg, fn, t1, n1, USDTI_BASE, buf, sz);
		if (!t2) {
			usdti_arg_kind(arg, USDT_ARG_MEM);
			return 0;
		}
		usdti_arg_reg(arg, fn, t2, n2, USDTI_INDEX, buf, sz);
	}
	arg->pub.scale = 1;
	usdti_arg_kind(arg, USDT_ARG_SIB);
	return 0;
}

int usdti_split_args(const char *args, const char **starts, size_t *lens, int max)
{
	const char *p = args, *start;
	int n = 0, depth;

	if (!args)
		return usdti_err(-EINVAL);
	for (;;) {
		p = usdti_skip_ws(p);
		if (!*p)
			return n;
		if (n == max)
			return usdti_err(-E2BIG);
		start = p;
		/* "[x0, 8]", "[r0, #4]": spaces inside brackets belong to the operand */
		for (depth = 0; *p; p++) {
			if (*p == '[' || *p == '(')
				depth++;
			else if (*p == ']' || *p == ')')
				depth--;
			else if ((*p == ' ' || *p == '\t') && !depth)
				break;
			if (depth < 0)
				return usdti_err(-EINVAL);
		}
		if (depth)
			return usdti_err(-EINVAL);
		starts[n] = start;
		lens[n] = p - start;
		n++;
	}
}

bool usdti_kernel_64bit(void)
{
	/* the kernel does not change under a running process: one uname() is enough */
	static int cached = -1;
	int k64 = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	struct utsname u;

	if (k64 >= 0)
		return k64;
	if (sizeof(long) == 8)
		k64 = 1;
	else
		/* x86_64, aarch64, ppc64, mips64, s390x; "armv8l" is arm64 under linux32 */
		k64 = uname(&u) == 0 && (strstr(u.machine, "64") || !strcmp(u.machine, "s390x") ||
					 !strcmp(u.machine, "armv8l"));
	__atomic_store_n(&cached, k64, __ATOMIC_RELAXED);
	return k64;
}
