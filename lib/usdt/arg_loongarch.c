// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loongarch64 operands: N, $rN or an ABI name ($a0, $sp, $fp...), [$rN, off], and the bare
 * "$rN,off" / "$rN,$rM" that GCC's operand printer writes.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch.h"
#include "grammar.h"

/* struct pt_regs (arch/loongarch/include/asm/ptrace.h) starts with regs[32]: rN at N * 8. */

/* ABI names: the first register of each group and how many follow. */
static const struct {
	const char *name;
	int first, cnt;
} groups[] = {
	{"zero", 0, 1}, {"ra", 1, 1}, {"tp", 2, 1},  {"sp", 3, 1},  {"a", 4, 8},
	{"v", 4, 2},	{"t", 12, 9}, {"u0", 21, 1}, {"fp", 22, 1}, {"s", 23, 9},
};

static int la_num(const char *name, size_t len)
{
	size_t i, plen;
	int n;

	n = name[0] == 'r' ? usdti_reg_num(name + 1, len - 1, 31) : -1;
	if (n >= 0)
		return n;
	if (!strcmp(name, "s9"))
		return 22; /* fp */
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		plen = strlen(groups[i].name);
		if (strncmp(name, groups[i].name, plen))
			continue;
		if (groups[i].cnt == 1)
			return len == plen ? groups[i].first : -1;
		n = usdti_reg_num(name + plen, len - plen, groups[i].cnt - 1);
		return n < 0 ? -1 : groups[i].first + n;
	}
	return -1;
}

/* $fN, $fa0-7, $ft0-15, $fs0-7, and the vector $vrN, $xrN */
static bool is_float_reg(const char *name, size_t len)
{
	size_t skip;

	if (name[0] == 'f')
		skip = name[1] && strchr("ats", name[1]) ? 2 : 1;
	else if ((name[0] == 'v' || name[0] == 'x') && name[1] == 'r')
		skip = 2;
	else
		return false;
	return usdti_reg_num(name + skip, len - skip, 31) >= 0;
}

static bool la_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	char name[8];
	size_t skip = *tok == '$';
	int n;

	if (!usdti_lower(tok + skip, len - skip, name, sizeof(name)))
		return false;
	len -= skip;
	n = la_num(name, len);
	if (n >= 0) {
		return usdti_reg_gpr(r, usdti_r_names[n], n * 8, 8);
	}
	if (!is_float_reg(name, len))
		return false;
	return usdti_reg_float(r);
}

static int la_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	if (*op == '[')
		return usdti_parse_list(op + 1, ']', arg, la_reg, &buf, &sz);
	if (usdti_starts_int(*op))
		return usdti_parse_const(op, arg);
	if (strchr(op, ','))
		return usdti_parse_list(op, '\0', arg, la_reg, &buf, &sz);
	return usdti_parse_reg(op, arg, la_reg, &buf, &sz);
}

const struct usdti_arch usdti_arch_loongarch64 = {
	.name = "loongarch64",
	.e_machine = EM_LOONGARCH,
	.elf_class = ELFCLASS64,
	.reg_width = 8,
	.parse_operand = la_parse,
};
