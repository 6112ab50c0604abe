// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* s390x operands: N, %rN, D(%rB), D(%rX,%rB) (index first, as the assembler writes it). */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "grammar.h"

/*
 * struct pt_regs (arch/s390/include/asm/ptrace.h) begins like user_pt_regs: args[1], psw_t psw
 * (mask, addr), then gprs[16].
 */
#define GPRS_OFF (8 + 16)

static bool s390_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	char name[8];
	int n;

	if (*tok != '%' || !usdti_lower(tok + 1, len - 1, name, sizeof(name)))
		return false;
	n = usdti_reg_num(name + 1, len - 2, name[0] == 'v' ? 31 : 15);
	if (n < 0)
		return false;
	if (name[0] == 'r') {
		return usdti_reg_gpr(r, usdti_r_names[n], GPRS_OFF + n * 8, 8);
	}
	if (name[0] != 'f' && name[0] != 'v')
		return false;
	return usdti_reg_float(r);
}

static int s390_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	if (strchr(op, '('))
		return usdti_parse_paren(op, USDTI_PAREN_INDEX_FIRST, arg, s390_reg, &buf, &sz);
	if (usdti_starts_int(*op))
		return usdti_parse_const(op, arg);
	return usdti_parse_reg(op, arg, s390_reg, &buf, &sz);
}

const struct usdti_arch usdti_arch_s390x = {
	.name = "s390x",
	.e_machine = EM_S390,
	.elf_class = ELFCLASS64,
	.reg_width = 8,
	.parse_operand = s390_parse,
};
