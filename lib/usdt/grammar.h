/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal: the pieces of operand syntax the per-arch grammars (arg_<arch>.c) share,
 * implemented in grammar.c: the bottom of the argument parser (grammar.c <- arg_<arch>.c <-
 * arch.c, the table <- arg.c, the dispatcher). Nothing here allocates: text an argument keeps goes
 * into the caller's scratch buffer, handed along as (char **buf, size_t *sz) and consumed from the
 * front.
 */
#ifndef USDT_GRAMMAR_H
#define USDT_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

#include "arg.h"

/* A register name as an arch resolved it. */
struct usdti_reg {
	const char *canon;  /* canonical full-width name; NULL when the BPF side cannot read it */
	const char *reason; /* static: why not, when canon is NULL */
	int off;	    /* offset in the struct pt_regs the BPF program sees */
	int width;	    /* bytes the written name denotes: 4 for %eax */
	bool is_float;
};

/*
 * Resolves the register written as tok[0..len) (with the arch's '%' or '$' if any).
 * Returns false when the arch has no register of that name.
 */
typedef bool (*usdti_reg_fn)(const char *tok, size_t len, struct usdti_reg *reg);

/* Where a register goes in the argument. */
enum usdti_role {
	USDTI_VALUE, /* the argument is the register: kind REG */
	USDTI_BASE,
	USDTI_INDEX,
};

extern const char usdti_float_reason[];

/* r is the general register canon at pt_regs offset off, width bytes wide; true. */
static inline bool usdti_reg_gpr(struct usdti_reg *r, const char *canon, int off, int width)
{
	r->canon = canon;
	r->off = off;
	r->width = width;
	return true;
}

/* r is a floating-point register, which struct pt_regs does not hold; true. */
static inline bool usdti_reg_float(struct usdti_reg *r)
{
	r->reason = usdti_float_reason;
	r->is_float = true;
	return true;
}

/* "r0".."r31": the canonical names of numbered registers (arm, s390, ppc, loongarch). */
extern const char *const usdti_r_names[32];

const char *usdti_skip_ws(const char *p);
/* Length of "[%$]?[A-Za-z0-9_]*" at p: a register as written. */
size_t usdti_token_len(const char *p);
/* An integer: optional sign, then decimal, 0x hex or 0 octal (as gas reads them), any value
 * that fits 64 bits signed or unsigned. Advances *p; 0 or -EINVAL. */
int usdti_parse_int(const char **p, long long *val);
/* The register number in s[0..len) if it is decimal digits only and <= max, else -1. */
int usdti_reg_num(const char *s, size_t len, int max);
/* Copies s[0..len) lower-cased into out (out_sz >= 2); false if it does not fit. */
bool usdti_lower(const char *s, size_t len, char *out, size_t out_sz);

bool usdti_starts_int(char c);

/* The whole operand p is an integer: kind CONST. 0 or -EINVAL. */
int usdti_parse_const(const char *p, struct usdti_arg *arg);
/* The whole operand p is one register: kind REG (or unsupported). 0 or -EINVAL. */
int usdti_parse_reg(const char *p, struct usdti_arg *arg, usdti_reg_fn fn, char **buf, size_t *sz);

/* Marks arg unsupported; the first reason stays. */
void usdti_arg_unsupported(struct usdti_arg *arg, const char *reason);
/* Sets the kind unless the argument is already unsupported. */
void usdti_arg_kind(struct usdti_arg *arg, enum usdt_arg_kind kind);
/* A NUL-terminated copy of s[0..len) from the scratch buffer, or NULL when it is full. */
char *usdti_buf_copy(char **buf, size_t *sz, const char *s, size_t len);
/*
 * Resolves tok[0..len) with fn and puts it in arg as role says. An unknown or unreadable
 * register makes the argument unsupported (the operand's syntax is still checked by the
 * caller), never an error.
 */
void usdti_arg_reg(struct usdti_arg *arg, usdti_reg_fn fn, const char *tok, size_t len,
		   enum usdti_role role, char **buf, size_t *sz);

/*
 * Memory operands written with brackets (aarch64, arm, loongarch): p points after '[' (or at
 * the base register when the arch writes "base,off" bare) and the operand must end at close:
 *	base [, [#]off] | base, index [, lsl [#]shift]
 */
int usdti_parse_list(const char *p, char close, struct usdti_arg *arg, usdti_reg_fn fn, char **buf,
		     size_t *sz);

/* A whole operand in ARM assembler syntax (arm, aarch64): "[...]" as above, "#imm", imm, reg. */
int usdti_parse_arm_syntax(const char *op, struct usdti_arg *arg, usdti_reg_fn fn, char *buf,
			   size_t sz);

#define USDTI_PAREN_NO_INDEX	0x1 /* off(base) only (riscv, ppc) */
#define USDTI_PAREN_INDEX_FIRST 0x2 /* off(index,base): s390 D(X,B) */
/* Memory operands "[off](reg[,reg])"; the operand must end after ')'. */
int usdti_parse_paren(const char *p, int flags, struct usdti_arg *arg, usdti_reg_fn fn, char **buf,
		      size_t *sz);

/*
 * True when the running kernel is 64-bit. A 32-bit process (i386, arm, ppc) on a 64-bit kernel
 * traps into the 64-bit struct pt_regs, so its registers are read at the 64-bit offsets.
 */
bool usdti_kernel_64bit(void);

/* The operands of an argument string, split on spaces outside brackets: up to max. */
int usdti_split_args(const char *args, const char **starts, size_t *lens, int max);

#endif /* USDT_GRAMMAR_H */
