// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where a site is probed. A <usdt/probe.h> site on x86-64 is the note's nop followed by
 * lea -128(%rsp),%rsp; nop5; lea 128(%rsp),%rsp. Linux 6.18 turns a uprobe on a nop5 into a
 * call into a trampoline (about a third of the trap's cost); the call pushes below %rsp,
 * which the lea has moved past the red zone. There, %rsp is 128 bytes lower than at the
 * note's PC, where the operands were written: %rsp-based operands are read 128 bytes up.
 */
#include "placement.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define RED_ZONE 128

/* nop; lea -0x80(%rsp),%rsp; nopl 0x0(%rax,%rax,1); lea 0x80(%rsp),%rsp */
static const unsigned char nop5_site[] = {
	0x90, 0x48, 0x8d, 0x64, 0x24, 0x80, 0x0f, 0x1f, 0x44, 0x00,
	0x00, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,
};
#define NOP5_AT 6 /* the nop5's offset in the site */

enum usdt_site_shape usdti_site_shape(const struct usdti_elf *ef, __u64 file_offset)
{
	unsigned char buf[sizeof(nop5_site)];

	if (ef->machine != EM_X86_64 || ef->elf_class != ELFCLASS64 || file_offset > INT64_MAX)
		return USDT_SITE_NOP;
	/* the site's bytes alone: the file is read with pread, never mapped or read whole */
	if (pread(ef->fd, buf, sizeof(buf), (off_t)file_offset) != (ssize_t)sizeof(buf) ||
	    memcmp(buf, nop5_site, sizeof(buf)))
		return USDT_SITE_NOP;
	return USDT_SITE_NOP5;
}

int usdt_site__placement(const struct usdt_site *site, bool optimized, struct usdt_placement *p)
{
	bool nop5;

	if (!site || !p || site->error)
		return usdti_err(-EINVAL);
	nop5 = optimized && site->shape == USDT_SITE_NOP5;
	p->nop5 = nop5;
	p->address = site->address + (nop5 ? NOP5_AT : 0);
	p->file_offset = site->file_offset + (nop5 ? NOP5_AT : 0);
	p->sp_bias = nop5 ? RED_ZONE : 0;
	return 0;
}

void usdti_fetch_arg_sp_bias(struct usdt_fetch_arg *out, const struct usdt_arg *arg, int sp_bias)
{
	/* the register form adds too: %rsp as a value is the note's %rsp */
	if (sp_bias && arg->reg && !strcmp(arg->reg, "rsp") &&
	    (out->fetch == USDT_FETCH_REG || out->fetch == USDT_FETCH_MEM ||
	     out->fetch == USDT_FETCH_SIB))
		out->val_off += sp_bias;
}
