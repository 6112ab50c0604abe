/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: the per-architecture argument grammar, one small ops table per arch (arg_<arch>.c),
 * all compiled on every host and chosen at run time from the ELF's e_machine.
 */
#ifndef USDT_ARCH_H
#define USDT_ARCH_H

#include <elf.h>
#include <stddef.h>

#include "arg.h"

/* older <elf.h> (glibc < 2.34) lacks it */
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

struct usdti_arch {
	const char *name; /* "x86_64", "i386", "aarch64", "riscv64", "s390x", "arm", "ppc64", ... */
	int e_machine;
	int elf_class; /* ELFCLASS32/64, or 0 for either */
	int reg_width; /* bytes; the size of a legacy argument written without "SIZE@" */
	/*
	 * Parses one operand (the text after "SIZE@", NUL-terminated) into arg: kind, reg, index,
	 * scale, offsets, value, symbol, and arg->regs in this arch's struct pt_regs. Sets
	 * kind UNSUPPORTED with a reason for what the BPF side cannot read (float registers,
	 * unknown registers). Copies any text it keeps (symbol names) into buf.
	 * For a legacy operand arg->pub.size is 0 on entry: set it from the register's width.
	 * Returns 0, or -EINVAL when the operand does not belong to this grammar.
	 */
	int (*parse_operand)(const char *op, struct usdti_arg *arg, char *buf, size_t buf_sz);
};

extern const struct usdti_arch usdti_arch_x86_64, usdti_arch_i386, usdti_arch_aarch64,
	usdti_arch_riscv64, usdti_arch_s390x, usdti_arch_arm, usdti_arch_ppc64,
	usdti_arch_loongarch64;
/* 32-bit PowerPC (EM_PPC): the ppc64 grammar with 4-byte registers. */
extern const struct usdti_arch usdti_arch_ppc;

const struct usdti_arch *usdti_arch_find(int e_machine, int elf_class);

#endif /* USDT_ARCH_H */
