/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: which instructions a site is (read from the file), and operands read below them. */
#ifndef USDT_PLACEMENT_H
#define USDT_PLACEMENT_H

#include "elf_file.h"
#include "usdt.h"
#include "usdt_spec.h"

/* The shape of the site at file_offset of ef: the bytes there, on x86-64 only. */
enum usdt_site_shape usdti_site_shape(const struct usdti_elf *ef, __u64 file_offset);

/* Adds sp_bias (usdt_placement.sp_bias) to out when arg, the operand it fetches, is %rsp-based. */
void usdti_fetch_arg_sp_bias(struct usdt_fetch_arg *out, const struct usdt_arg *arg, int sp_bias);

#endif /* USDT_PLACEMENT_H */
