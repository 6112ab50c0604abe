// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One argument, "[-]SIZE[f]@OPERAND": the size here, the operand by the grammar of the ELF's
 * architecture (arch.c), and the plain-words description.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arg.h"
#include "arch.h"
#include "grammar.h"
#include "log.h"

/* Widest "SIZE@" accepted; anything wider is text that only looks like a size. */
#define MAX_ARG_SIZE 4096

/*
 * "[-]SIZE[f]@": returns the operand after '@', or text itself for a legacy operand without
 * a size ("%eax", and "-4(%rbp)", which starts like a size but has no '@'). NULL: a bad size.
 */
static const char *parse_size(const char *text, int *size, bool *is_float)
{
	const char *p = text;
	bool neg = *p == '-';
	int n = 0;

	if (neg)
		p++;
	if (!isdigit((unsigned char)*p))
		return text;
	for (; isdigit((unsigned char)*p); p++)
		n = n > MAX_ARG_SIZE ? n : n * 10 + *p - '0';
	if (*p == 'f') {
		*is_float = true;
		p++;
	}
	if (*p != '@') {
		*is_float = false;
		return text;
	}
	if (n == 0 || n > MAX_ARG_SIZE)
		return NULL;
	*size = neg ? -n : n;
	return p + 1;
}

/* What the BPF side reads: 1, 2, 4 or 8 bytes of integer. */
static void check_readable(struct usdti_arg *arg)
{
	int abs = arg->pub.size < 0 ? -arg->pub.size : arg->pub.size;

	if (arg->pub.is_float)
		usdti_arg_unsupported(arg, usdti_float_reason);
	else if (abs > 8)
		usdti_arg_unsupported(arg, "argument wider than 8 bytes (passed by value)");
	else if (abs != 1 && abs != 2 && abs != 4 && abs != 8)
		usdti_arg_unsupported(arg, "argument size is not 1, 2, 4 or 8 bytes");
}

int usdti_arg_parse(int e_machine, int elf_class, const char *text, struct usdti_arg *arg,
		    char *buf, size_t buf_sz)
{
	const struct usdti_arch *arch = usdti_arch_find(e_machine, elf_class);
	const char *op;
	size_t len;
	int err;

	if (!text || !arg || !buf)
		return usdti_err(-EINVAL);
	memset(arg, 0, sizeof(*arg));
	arg->regs.reg_off = -1;
	arg->regs.index_off = -1;
	op = parse_size(usdti_skip_ws(text), &arg->pub.size, &arg->pub.is_float);
	if (!op)
		return usdti_err(-EINVAL);
	len = strlen(op);
	while (len && (op[len - 1] == ' ' || op[len - 1] == '\t'))
		len--;
	if (!len)
		return usdti_err(-EINVAL);
	/* the operand, then whatever the arch keeps (symbols, reasons) */
	arg->pub.text = usdti_buf_copy(&buf, &buf_sz, op, len);
	if (!arg->pub.text)
		return usdti_err(-ENOSPC);
	if (!arch) {
		usdti_arg_unsupported(arg, "unsupported architecture");
		return 0;
	}
	err = arch->parse_operand(arg->pub.text, arg, buf, buf_sz);
	if (err)
		return usdti_err(err);
	if (!arg->pub.size)
		arg->pub.size = arch->reg_width;
	check_readable(arg);
	return 0;
}

/* The constant as the BPF side delivers it: cut to size, sign- or zero-extended. */
static int describe_const(const struct usdt_arg *arg, int abs, const char *what, char *buf,
			  size_t buf_sz)
{
	unsigned long long v = arg->value;
	int shift = abs < 8 ? 64 - abs * 8 : 0;

	v <<= shift;
	if (arg->size < 0)
		return snprintf(buf, buf_sz, "constant %lld (%s)", (long long)v >> shift, what);
	return snprintf(buf, buf_sz, "constant %llu (%s)", v >> shift, what);
}

static int describe_rip(const struct usdt_arg *arg, const char *what, char *buf, size_t buf_sz)
{
	const char *how = arg->reg ? "RIP-relative" : "absolute";

	if (!arg->symbol)
		return snprintf(buf, buf_sz, "%s at %s", what, arg->text);
	if (!arg->offset)
		return snprintf(buf, buf_sz, "%s at %s (%s)", what, arg->symbol, how);
	return snprintf(buf, buf_sz, "%s at %s%+lld (%s)", what, arg->symbol, arg->offset, how);
}

int usdt_arg_describe(const struct usdt_arg *arg, char *buf, size_t buf_sz)
{
	int abs = arg->size < 0 ? -arg->size : arg->size;
	const char *text = arg->text ? arg->text : "?";
	char what[48];
	int n;

	if (!buf && buf_sz)
		return usdti_err(-EINVAL);
	snprintf(what, sizeof(what), "%d %s byte%s", abs, arg->size < 0 ? "signed" : "unsigned",
		 abs == 1 ? "" : "s");
	switch (arg->kind) {
	case USDT_ARG_CONST:
		n = describe_const(arg, abs, what, buf, buf_sz);
		break;
	case USDT_ARG_REG:
		/* the canonical name with the prefix the operand was written with: %rbx, $r4, x3 */
		n = snprintf(buf, buf_sz, "%s in %.*s%s", what, *text == '%' || *text == '$', text,
			     arg->reg);
		break;
	case USDT_ARG_MEM:
	case USDT_ARG_SIB:
		n = snprintf(buf, buf_sz, "%s at %s", what, text);
		break;
	case USDT_ARG_RIP:
		n = describe_rip(arg, what, buf, buf_sz);
		break;
	default:
		n = snprintf(buf, buf_sz, "unsupported: %s", arg->reason ? arg->reason : "unknown");
		break;
	}
	return n;
}
