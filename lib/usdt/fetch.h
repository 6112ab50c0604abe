/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: argument specs as the BPF side reads them (struct usdt_fetch_spec). */
#ifndef USDT_FETCH_H
#define USDT_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "arg.h"
#include "usdt_spec.h"

/*
 * 0 when the BPF side can read registers of this ELF's arch (the host's: the kernel hands
 * the program its own struct pt_regs); -ENOEXEC, with a warning naming path, otherwise.
 */
int usdti_spec_check_arch(int e_machine, int elf_class, const char *path);

/*
 * How to fetch arg, whose registers are regs, at a site whose PC is site_addr. Unreadable args
 * become USDT_FETCH_BAD.
 */
void usdti_fetch_arg_init(struct usdt_fetch_arg *out, const struct usdt_arg *arg,
			  const struct usdti_arg_regs *regs, __u64 site_addr);

/*
 * The whole spec of a site probed at place (padding zeroed: specs are compared and hashed as
 * bytes). site->argv must be the parser's (a walk's or a usdt_file's): its registers are
 * found from it.
 */
void usdti_fetch_spec_init(struct usdt_fetch_spec *spec, const struct usdt_site *site,
			   const struct usdt_placement *place, __u32 probe_id, __u64 cookie);

/* The hash of a whole spec (padding zeroed), a word at a time. */
__u64 usdti_fetch_spec_hash(const struct usdt_fetch_spec *spec);

#endif /* USDT_FETCH_H */
