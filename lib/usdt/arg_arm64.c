// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* aarch64 operands: N, xN/wN/sp (x31: sp), [xN], [xN, off], [xN, xM{, lsl #s}]. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "grammar.h"

/* struct pt_regs (arch/arm64/include/asm/ptrace.h) starts with user_pt_regs: regs[31], sp, pc */
#define SP_OFF (31 * 8)

static const char *const x_names[31] = {
	"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",	 "x7",	"x8",  "x9",  "x10",
	"x11", "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21",
	"x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
};

static bool a64_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	char name[8];
	int n = -1;

	if (!usdti_lower(tok, len, name, sizeof(name)))
		return false;
	if (!strcmp(name, "sp") || !strcmp(name, "wsp"))
		return usdti_reg_gpr(r, "sp", SP_OFF, name[0] == 'w' ? 4 : 8);
	if (name[0] == 'x' || name[0] == 'w')
		n = usdti_reg_num(name + 1, len - 1, 31);
	else if (!strcmp(name, "fp"))
		n = 29;
	else if (!strcmp(name, "lr"))
		n = 30;
	/* register 31 as a base is sp (bcc and tetragon read x31 so): user_pt_regs' sp follows
	 * regs[30], so its number gives its offset as well */
	if (n == 31)
		return usdti_reg_gpr(r, "sp", SP_OFF, name[0] == 'w' ? 4 : 8);
	if (n >= 0)
		return usdti_reg_gpr(r, x_names[n], n * 8, name[0] == 'w' ? 4 : 8);
	/* b, h, s, d, q, v: the SIMD and floating-point registers */
	if (!strchr("bhsdqv", name[0]) || usdti_reg_num(name + 1, len - 1, 31) < 0)
		return false;
	return usdti_reg_float(r);
}

static int a64_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	return usdti_parse_arm_syntax(op, arg, a64_reg, buf, sz);
}

const struct usdti_arch usdti_arch_aarch64 = {
	.name = "aarch64",
	.e_machine = EM_AARCH64,
	.elf_class = ELFCLASS64,
	.reg_width = 8,
	.parse_operand = a64_parse,
};
