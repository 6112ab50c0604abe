/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: one argument as the parser leaves it (arg.c, the top of the argument parser). Where
 * its registers are in struct pt_regs is the library's business, not the ABI: it is the layout
 * of the kernel the BPF side runs on, and it cannot be recomputed from the canonical register
 * name (%ah is byte 1 of rax).
 */
#ifndef USDT_ARG_H
#define USDT_ARG_H

#include <stddef.h>

#include "usdt.h"

/* Offsets in the struct pt_regs the BPF program sees, -1 for none. */
struct usdti_arg_regs {
	int reg_off;   /* the register itself (REG) or the base (MEM, SIB, RIP) */
	int index_off; /* SIB: the index */
};

struct usdti_arg {
	struct usdt_arg pub; /* what a usdt_site's argv shows */
	struct usdti_arg_regs regs;
};

/*
 * Parses one argument ("-4@-20(%rbp)", "8@x0", legacy "%eax") for the ELF machine/class
 * into *arg. Text pointers in arg->pub point into the static register tables or into buf, a
 * scratch buffer of buf_sz bytes kept alive as long as *arg. Returns 0 (possibly with kind
 * UNSUPPORTED), -EINVAL when the text is not an argument, -ENOSPC when buf is too small.
 */
int usdti_arg_parse(int e_machine, int elf_class, const char *text, struct usdti_arg *arg,
		    char *buf, size_t buf_sz);

#endif /* USDT_ARG_H */
