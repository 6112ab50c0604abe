// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * PowerPC operands, 64- and 32-bit. GCC writes registers as bare numbers unless -mregnames:
 * "9" is r9, "i5" the immediate 5, "-8(9)" or "-8(%r9)" memory, "9,10" base plus index.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "grammar.h"

/*
 * struct pt_regs (arch/powerpc/include/asm/ptrace.h) starts with gpr[32] of unsigned long; a
 * 32-bit task on a 64-bit kernel has its registers in the 64-bit pt_regs.
 */
static int gpr_off(int n, bool is64)
{
	return is64 || usdti_kernel_64bit() ? n * 8 : n * 4;
}

static bool ppc_reg(const char *tok, size_t len, struct usdti_reg *r, bool is64)
{
	char name[8];
	size_t skip = 0;
	int n;

	if (*tok == '%')
		skip = 1;
	if (!usdti_lower(tok + skip, len - skip, name, sizeof(name)))
		return false;
	len -= skip;
	n = usdti_reg_num(name + (name[0] == 'r'), len - (name[0] == 'r'), 31);
	if (n >= 0) {
		return usdti_reg_gpr(r, usdti_r_names[n], gpr_off(n, is64), is64 ? 8 : 4);
	}
	/* fN, vN, vsN: floating-point and vector registers */
	skip = !strncmp(name, "vs", 2) ? 2 : 1;
	if ((name[0] != 'f' && name[0] != 'v') || usdti_reg_num(name + skip, len - skip, 63) < 0)
		return false;
	return usdti_reg_float(r);
}

static bool ppc64_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	return ppc_reg(tok, len, r, true);
}

static bool ppc32_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	return ppc_reg(tok, len, r, false);
}

/* "9,10", "%r9,%r10": indexed addressing, base + index. */
static int parse_indexed(const char *op, const char *comma, struct usdti_arg *arg, usdti_reg_fn fn,
			 char **buf, size_t *sz)
{
	size_t n1 = usdti_token_len(op), n2 = usdti_token_len(comma + 1);

	if (!n1 || op + n1 != comma || !n2 || comma[1 + n2])
		return -EINVAL;
	usdti_arg_reg(arg, fn, op, n1, USDTI_BASE, buf, sz);
	usdti_arg_reg(arg, fn, comma + 1, n2, USDTI_INDEX, buf, sz);
	arg->pub.scale = 1;
	usdti_arg_kind(arg, USDT_ARG_SIB);
	return 0;
}

static int ppc_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz, usdti_reg_fn fn)
{
	const char *comma;

	if (op[0] == 'i' && usdti_starts_int(op[1]))
		return usdti_parse_const(op + 1, arg);
	if (strchr(op, '('))
		return usdti_parse_paren(op, USDTI_PAREN_NO_INDEX, arg, fn, &buf, &sz);
	comma = strchr(op, ',');
	if (comma)
		return parse_indexed(op, comma, arg, fn, &buf, &sz);
	return usdti_parse_reg(op, arg, fn, &buf, &sz);
}

static int ppc64_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	return ppc_parse(op, arg, buf, sz, ppc64_reg);
}

static int ppc32_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	return ppc_parse(op, arg, buf, sz, ppc32_reg);
}

const struct usdti_arch usdti_arch_ppc64 = {
	.name = "ppc64",
	.e_machine = EM_PPC64,
	.elf_class = ELFCLASS64,
	.reg_width = 8,
	.parse_operand = ppc64_parse,
};

const struct usdti_arch usdti_arch_ppc = {
	.name = "ppc",
	.e_machine = EM_PPC,
	.elf_class = ELFCLASS32,
	.reg_width = 4,
	.parse_operand = ppc32_parse,
};
