// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* riscv64 operands: N, a register by ABI name or xN, off(reg). */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "grammar.h"

/*
 * struct pt_regs (arch/riscv/include/asm/ptrace.h) is epc, then x1..x31 in order: xN sits at
 * N * 8, and x0 (always zero) has no slot.
 */
static const char *const abi_names[32] = {
	"zero", "ra", "sp", "gp", "tp",	 "t0",	"t1", "t2", "s0", "s1", "a0",
	"a1",	"a2", "a3", "a4", "a5",	 "a6",	"a7", "s2", "s3", "s4", "s5",
	"s6",	"s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static int abi_num(const char *name, size_t len)
{
	int i;

	if (name[0] == 'x')
		return usdti_reg_num(name + 1, len - 1, 31);
	if (!strcmp(name, "fp"))
		return 8;
	for (i = 0; i < 32; i++) {
		if (abi_names[i][0] == name[0] && !strcmp(abi_names[i], name))
			return i;
	}
	return -1;
}

/* f0-f31, and by ABI name ft0-ft11, fs0-fs11, fa0-fa7 */
static bool is_float_reg(const char *name, size_t len)
{
	if (name[0] != 'f')
		return false;
	if (usdti_reg_num(name + 1, len - 1, 31) >= 0)
		return true;
	return name[1] && strchr("tsa", name[1]) && usdti_reg_num(name + 2, len - 2, 11) >= 0;
}

static bool rv_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	char name[8];
	int n;

	if (!usdti_lower(tok, len, name, sizeof(name)))
		return false;
	n = abi_num(name, len);
	if (n > 0) {
		return usdti_reg_gpr(r, abi_names[n], n * 8, 8);
	}
	if (n == 0) {
		r->reason = "zero register (not in pt_regs)";
		return true;
	}
	if (!is_float_reg(name, len))
		return false;
	return usdti_reg_float(r);
}

static int rv_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	if (strchr(op, '('))
		return usdti_parse_paren(op, USDTI_PAREN_NO_INDEX, arg, rv_reg, &buf, &sz);
	if (usdti_starts_int(*op))
		return usdti_parse_const(op, arg);
	return usdti_parse_reg(op, arg, rv_reg, &buf, &sz);
}

const struct usdti_arch usdti_arch_riscv64 = {
	.name = "riscv64",
	.e_machine = EM_RISCV,
	.elf_class = ELFCLASS64,
	.reg_width = 8,
	.parse_operand = rv_parse,
};
