// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* 32-bit arm operands: #N, rN (and sb, sl, fp, ip, sp, lr, pc), [rN], [rN, #off], [rN, rM]. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "grammar.h"

/* The names GCC and gas use for r9-r15. */
static const struct {
	const char *name;
	int num;
} aliases[] = {
	{"sb", 9}, {"sl", 10}, {"fp", 11}, {"ip", 12}, {"sp", 13}, {"lr", 14}, {"pc", 15},
};

/*
 * arm's struct pt_regs is uregs[18]: rN at N * 4. A 32-bit task on an arm64 kernel traps into
 * the arm64 pt_regs instead, whose regs[N] hold r0-r14 (compat_sp, compat_lr) and pc its pc.
 */
static int arm_off(int n)
{
	if (!usdti_kernel_64bit())
		return n * 4;
	return n == 15 ? 32 * 8 : n * 8;
}

static int arm_num(const char *name, size_t len)
{
	size_t i;

	if (name[0] == 'r')
		return usdti_reg_num(name + 1, len - 1, 15);
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (!strcmp(aliases[i].name, name))
			return aliases[i].num;
	}
	return -1;
}

static bool arm_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	char name[8];
	int n;

	if (!usdti_lower(tok, len, name, sizeof(name)))
		return false;
	n = arm_num(name, len);
	if (n >= 0) {
		return usdti_reg_gpr(r, usdti_r_names[n], arm_off(n), 4);
	}
	/* VFP/NEON: s0-s31, d0-d31, q0-q15 */
	if (!strchr("sdq", name[0]) || usdti_reg_num(name + 1, len - 1, 31) < 0)
		return false;
	return usdti_reg_float(r);
}

static int arm_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	return usdti_parse_arm_syntax(op, arg, arm_reg, buf, sz);
}

const struct usdti_arch usdti_arch_arm = {
	.name = "arm",
	.e_machine = EM_ARM,
	.elf_class = ELFCLASS32,
	.reg_width = 4,
	.parse_operand = arm_parse,
};
