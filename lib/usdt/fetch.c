// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Argument specs as the BPF side reads them: a parsed argument (struct usdt_arg) turned into
 * how to fetch it (struct usdt_fetch_arg), a site's whole spec, and whether the BPF side can
 * read this ELF's registers at all.
 */
#include "fetch.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"
#include "hashmap.h"
#include "log.h"
#include "note.h"
#include "placement.h"

/* ---- the host's machine: the kernel's struct pt_regs is what the BPF side reads ----------- */

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__loongarch__)
#define HOST_MACHINE EM_LOONGARCH
#else
#define HOST_MACHINE EM_NONE
#endif
#define HOST_CLASS (sizeof(long) == 8 ? ELFCLASS64 : ELFCLASS32)

int usdti_spec_check_arch(int e_machine, int elf_class, const char *path)
{
	const char *arch = usdt_arch_name(e_machine, elf_class);
	const char *host = usdt_arch_name(HOST_MACHINE, HOST_CLASS);

	if (e_machine == HOST_MACHINE && elf_class == HOST_CLASS)
		return 0;
	/*
	 * An i386 process on x86-64 is a compat task: its registers are the low halves of the
	 * x86-64 pt_regs the BPF side reads (arg_x86.c places them there).
	 */
	if (HOST_MACHINE == EM_X86_64 && e_machine == EM_386 && elf_class == ELFCLASS32)
		return 0;
	pr_warn("%s: %s binary, but this host is %s: USDT arguments can only be read from binaries "
		"of the host's architecture\n",
		path, arch ? arch : "unknown-architecture", host ? host : "unknown");
	return -ENOEXEC;
}

/* ---- usdt_arg and its registers -> usdt_fetch_arg
 * ----------------------------------------------------------- */

static int scale_shift(int scale)
{
	switch (scale) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 2;
	case 8:
		return 3;
	default:
		return -1;
	}
}

/* Returns the fetch kind, USDT_FETCH_BAD for what the BPF side cannot locate. */
static enum usdt_fetch fetch_locate(struct usdt_fetch_arg *out, const struct usdt_arg *arg,
				    const struct usdti_arg_regs *regs, __u64 site_addr)
{
	switch (arg->kind) {
	case USDT_ARG_CONST:
		out->val_off = (__u64)arg->value;
		return USDT_FETCH_CONST;
	case USDT_ARG_REG:
		out->reg_off = regs->reg_off;
		return regs->reg_off >= 0 ? USDT_FETCH_REG : USDT_FETCH_BAD;
	case USDT_ARG_MEM:
		out->reg_off = regs->reg_off;
		out->val_off = (__u64)arg->offset;
		return regs->reg_off >= 0 ? USDT_FETCH_MEM : USDT_FETCH_BAD;
	case USDT_ARG_SIB:
		out->reg_off = arg->reg ? regs->reg_off : -1;
		out->idx_off = regs->index_off;
		out->val_off = (__u64)arg->offset;
		if (regs->index_off < 0 || (arg->reg && regs->reg_off < 0) ||
		    scale_shift(arg->scale) < 0)
			return USDT_FETCH_BAD;
		out->scale_shift = scale_shift(arg->scale);
		return USDT_FETCH_SIB;
	case USDT_ARG_RIP:
		/* relative to the site: both move together with the load address */
		out->val_off = arg->sym_addr + (__u64)arg->offset - site_addr;
		return arg->sym_addr ? USDT_FETCH_IP_REL : USDT_FETCH_BAD;
	default:
		return USDT_FETCH_BAD;
	}
}

void usdti_fetch_arg_init(struct usdt_fetch_arg *out, const struct usdt_arg *arg,
			  const struct usdti_arg_regs *regs, __u64 site_addr)
{
	int size = arg->size < 0 ? -arg->size : arg->size;
	bool readable = size == 1 || size == 2 || size == 4 || size == 8;

	memset(out, 0, sizeof(*out));
	out->reg_off = -1;
	out->idx_off = -1;
	out->size = size > UINT8_MAX ? UINT8_MAX : size;
	/* a float's bits are returned as they are: extending them would corrupt them */
	out->is_signed = arg->size < 0 && !arg->is_float;
	out->bitshift = readable ? 64 - size * 8 : 0;
	out->fetch = readable ? fetch_locate(out, arg, regs, site_addr) : USDT_FETCH_BAD;
}

void usdti_fetch_spec_init(struct usdt_fetch_spec *spec, const struct usdt_site *site,
			   const struct usdt_placement *place, __u32 probe_id, __u64 cookie)
{
	int cnt = site->arg_cnt < 0 ? 0 : site->arg_cnt;
	const struct usdti_arg_regs *regs = cnt ? usdti_argv_regs(site->argv, cnt) : NULL;

	if (cnt > USDT_MAX_ARGS)
		cnt = USDT_MAX_ARGS;
	memset(spec, 0, sizeof(*spec));
	spec->cookie = cookie;
	spec->probe_id = probe_id;
	spec->arg_cnt = cnt;
	for (int i = 0; i < cnt; i++) {
		usdti_fetch_arg_init(&spec->args[i], &site->argv[i], &regs[i], place->address);
		usdti_fetch_arg_sp_bias(&spec->args[i], &site->argv[i], place->sp_bias);
	}
}

/* Specs are hashed once per attached site: a word at a time, not FNV's byte at a time. */
__u64 usdti_fetch_spec_hash(const struct usdt_fetch_spec *spec)
{
	const unsigned char *p = (const unsigned char *)spec;
	__u64 h = USDTI_HASH_SEED, w;

	_Static_assert(sizeof(*spec) % sizeof(w) == 0, "specs hash in whole words");
	for (size_t i = 0; i < sizeof(*spec); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}
