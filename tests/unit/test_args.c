// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The argument grammar of every architecture: a table of argument strings with what each must
 * parse to (or that it must be refused), every register name of every arch, the split of
 * argument lists, and the plain-words description. On an x86_64 host the x86 register offsets
 * are checked against the host's own struct pt_regs.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#if defined(__x86_64__)
#include <asm/ptrace.h>
#endif

#include "arch.h"
#include "grammar.h"
#include "test.h"

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

#define X64   EM_X86_64, ELFCLASS64
#define X86   EM_386, ELFCLASS32
#define A64   EM_AARCH64, ELFCLASS64
#define RV    EM_RISCV, ELFCLASS64
#define S390  EM_S390, ELFCLASS64
#define ARM   EM_ARM, ELFCLASS32
#define PPC64 EM_PPC64, ELFCLASS64
#define PPC   EM_PPC, ELFCLASS32
#define LA    EM_LOONGARCH, ELFCLASS64

struct want {
	int machine, cls, line;
	const char *text;
	int err;
	enum usdt_arg_kind kind;
	int size;
	const char *reg;
	int reg_off;
	const char *index;
	int index_off, scale;
	long long offset, value;
	const char *symbol;
	const char *reason; /* UNSUPPORTED: the reason starts with this */
	bool is_float;
};

/* clang-format off */
#define REG(a, t, sz, r, off) \
	{ a, __LINE__, t, 0, USDT_ARG_REG, sz, r, off, NULL, -1, 0, 0, 0, NULL, NULL, false }
#define MEM(a, t, sz, r, off, disp) \
	{ a, __LINE__, t, 0, USDT_ARG_MEM, sz, r, off, NULL, -1, 0, disp, 0, NULL, NULL, false }
#define SIB(a, t, sz, r, off, i, ioff, sc, disp) \
	{ a, __LINE__, t, 0, USDT_ARG_SIB, sz, r, off, i, ioff, sc, disp, 0, NULL, NULL, false }
#define CONST(a, t, sz, v) \
	{ a, __LINE__, t, 0, USDT_ARG_CONST, sz, NULL, -1, NULL, -1, 0, 0, v, NULL, NULL, false }
#define RIP(a, t, sz, r, off, sym, disp) \
	{ a, __LINE__, t, 0, USDT_ARG_RIP, sz, r, off, NULL, -1, 0, disp, 0, sym, NULL, false }
#define UNSUP(a, t, why) \
	{ a, __LINE__, t, 0, USDT_ARG_UNSUPPORTED, 0, NULL, -1, NULL, -1, 0, 0, 0, NULL, why, false }
#define FLOAT(a, t) \
	{ a, __LINE__, t, 0, USDT_ARG_UNSUPPORTED, 0, NULL, -1, NULL, -1, 0, 0, 0, NULL, \
	  "floating-point argument", true }
#define BAD(a, t) { a, __LINE__, t, -EINVAL }
/* clang-format on */

#define EXPECT_INT(w, what, a, b)                                                                \
	do {                                                                                     \
		long long _a = (a), _b = (b);                                                    \
		test_checks++;                                                                   \
		if (_a != _b) {                                                                  \
			test_failures++;                                                         \
			fprintf(stderr, "line %d \"%s\": %s = %lld, expected %lld\n", (w)->line, \
				(w)->text, what, _a, _b);                                        \
		}                                                                                \
	} while (0)

#define EXPECT_STR(w, what, a, b)                                                         \
	do {                                                                              \
		const char *_a = (a), *_b = (b);                                          \
		test_checks++;                                                            \
		if ((_a || _b) && (!_a || !_b || strcmp(_a, _b))) {                       \
			test_failures++;                                                  \
			fprintf(stderr, "line %d \"%s\": %s = \"%s\", expected \"%s\"\n", \
				(w)->line, (w)->text, what, _a ? _a : "(null)",           \
				_b ? _b : "(null)");                                      \
		}                                                                         \
	} while (0)

static void check_one(const struct want *w)
{
	struct usdti_arg parsed;
	const struct usdt_arg *a = &parsed.pub;
	char buf[256];
	int err = usdti_arg_parse(w->machine, w->cls, w->text, &parsed, buf, sizeof(buf));

	EXPECT_INT(w, "return", err, w->err);
	if (err || w->err)
		return;
	EXPECT_INT(w, "kind", a->kind, w->kind);
	EXPECT_INT(w, "is_float", a->is_float, w->is_float);
	if (w->kind == USDT_ARG_UNSUPPORTED) {
		test_checks++;
		if (a->kind != USDT_ARG_UNSUPPORTED || !a->reason ||
		    strncmp(a->reason, w->reason, strlen(w->reason))) {
			test_failures++;
			fprintf(stderr, "line %d \"%s\": reason \"%s\", expected \"%s...\"\n",
				w->line, w->text, a->reason ? a->reason : "(null)", w->reason);
		}
		return;
	}
	EXPECT_INT(w, "size", a->size, w->size);
	EXPECT_STR(w, "reg", a->reg, w->reg);
	EXPECT_INT(w, "reg_off", parsed.regs.reg_off, w->reg_off);
	EXPECT_STR(w, "index", a->index, w->index);
	EXPECT_INT(w, "index_off", parsed.regs.index_off, w->index_off);
	EXPECT_INT(w, "scale", a->scale, w->scale);
	EXPECT_INT(w, "offset", a->offset, w->offset);
	EXPECT_INT(w, "value", a->value, w->value);
	EXPECT_STR(w, "symbol", a->symbol, w->symbol);
}

static void check_all(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_one(&w[i]);
}

static void test_x86(void)
{
	/* an i386 process on a 64-bit kernel has its registers in the x86_64 pt_regs */
	const bool k64 = usdti_kernel_64bit();
	const struct want wants[] = {
		REG(X64, "-4@%esi", -4, "rsi", 104),
		REG(X64, "8@%rdi", 8, "rdi", 112),
		REG(X64, "2@%ax", 2, "rax", 80),
		REG(X64, "1@%al", 1, "rax", 80),
		REG(X64, "1@%ah", 1, "ah", 81),
		REG(X64, "-1@%dh", -1, "dh", 97),
		REG(X64, "-1@%sil", -1, "rsi", 104),
		REG(X64, "1@%spl", 1, "rsp", 152),
		REG(X64, "8@%r8", 8, "r8", 72),
		REG(X64, "-4@%r9d", -4, "r9", 64),
		REG(X64, "2@%r10w", 2, "r10", 56),
		REG(X64, "1@%r11b", 1, "r11", 48),
		REG(X64, "8@%r15", 8, "r15", 0),
		REG(X64, "8@%rip", 8, "rip", 128),
		REG(X64, "-4@%EAX", -4, "rax", 80),
		REG(X64, "  8@%rbx  ", 8, "rbx", 40),
		/* legacy operands: no SIZE@, the size is the register's or the arch's width */
		REG(X64, "%eax", 4, "rax", 80),
		REG(X64, "%cl", 1, "rcx", 88),
		MEM(X64, "-4(%rbp)", 8, "rbp", 32, -4),
		CONST(X64, "$5", 8, 5),
		MEM(X64, "-4@-20(%rbp)", -4, "rbp", 32, -20),
		MEM(X64, "8@(%rax)", 8, "rax", 80, 0),
		MEM(X64, "8@0x10(%rsp)", 8, "rsp", 152, 16),
		MEM(X64, "-2@-0x8(%r12)", -2, "r12", 24, -8),
		MEM(X64, "4@(%edi)", 4, "rdi", 112, 0),
		SIB(X64, "8@16(%rax,%rbx,8)", 8, "rax", 80, "rbx", 40, 8, 16),
		SIB(X64, "8@(,%rcx,4)", 8, NULL, -1, "rcx", 88, 4, 0),
		SIB(X64, "4@(%rdi,%rsi)", 4, "rdi", 112, "rsi", 104, 1, 0),
		SIB(X64, "-8@-8(%rbp,%r12,2)", -8, "rbp", 32, "r12", 24, 2, -8),
		SIB(X64, "1@0x20(,%r13)", 1, NULL, -1, "r13", 16, 1, 32),
		/* globals, as postgres and friends ship them */
		RIP(X64, "8@sym(%rip)", 8, "rip", 128, "sym", 0),
		RIP(X64, "-4@NBuffers(%rip)", -4, "rip", 128, "NBuffers", 0),
		RIP(X64, "8@BufferBlocks+8(%rip)", 8, "rip", 128, "BufferBlocks", 8),
		RIP(X64, "4@8+LocalRefCount(%rip)", 4, "rip", 128, "LocalRefCount", 8),
		RIP(X64, "8@sym-8(%rip)", 8, "rip", 128, "sym", -8),
		RIP(X64, "8@foo.lto_priv.0+0x10(%rip)", 8, "rip", 128, "foo.lto_priv.0", 16),
		RIP(X64, "8@_ZN3foo3barE(%rip)", 8, "rip", 128, "_ZN3foo3barE", 0),
		CONST(X64, "8@$42", 8, 42),
		CONST(X64, "-4@$-1", -4, -1),
		CONST(X64, "8@$0xffffffffffffffff", 8, -1),
		CONST(X64, "-8@$-9223372036854775808", -8, LLONG_MIN),
		CONST(X64, "-8@$9223372036854775807", -8, LLONG_MAX),
		CONST(X64, "2@$0x7FfF", 2, 0x7fff),
		CONST(X64, "4@$010", 4, 8),
		CONST(X64, "4@$0", 4, 0),
		FLOAT(X64, "8f@%xmm0"),
		FLOAT(X64, "-4@%xmm15"),
		FLOAT(X64, "16@%ymm2"),
		FLOAT(X64, "8@%st"),
		FLOAT(X64, "8f@-8(%rbp)"),
		FLOAT(X64, "-4f@$1"),
		UNSUP(X64, "8@%fs:40", "segment-relative address"),
		UNSUP(X64, "8@%fs:(%rax)", "segment-relative address"),
		UNSUP(X64, "8@%foo", "unknown register %foo"),
		UNSUP(X64, "8@(%foo)", "unknown register %foo"),
		UNSUP(X64, "8@8(%rax,%bar,2)", "unknown register %bar"),
		UNSUP(X64, "16@(%rsp)", "argument wider than 8 bytes"),
		UNSUP(X64, "-24@8(%rbp)", "argument wider than 8 bytes"),
		UNSUP(X64, "3@%eax", "argument size is not 1, 2, 4 or 8"),
		UNSUP(X64, "8@$sym", "address of a symbol"),
		UNSUP(X64, "8@1234", "absolute address"),
		UNSUP(X64, "8@sym(%rax)", "symbol with a base register"),
		UNSUP(X64, "8@sym@GOTPCREL(%rip)", "symbol with a relocation"),
		UNSUP(X64, "8@24(%rip)", "RIP-relative offset without a symbol"),
		BAD(X64, "8@"),
		BAD(X64, "@"),
		BAD(X64, "8@(%rax"),
		BAD(X64, "x@y"),
		BAD(X64, ""),
		BAD(X64, "   "),
		BAD(X64, "0@%rax"),
		BAD(X64, "8@%"),
		BAD(X64, "8@$"),
		BAD(X64, "8@$12x"),
		BAD(X64, "8@$0x"),
		BAD(X64, "8@$099"),
		BAD(X64, "8@$18446744073709551616"),
		BAD(X64, "8@()"),
		BAD(X64, "8@(,)"),
		BAD(X64, "8@(%rax))"),
		BAD(X64, "8@(%rax,%rbx,3)"),
		BAD(X64, "8@(rax)"),
		BAD(X64, "8@-4(%rbp)x"),
		BAD(X64, "8@%rax%rbx"),
		BAD(X64, "8@%fs:"),
		BAD(X64, "8@sym@FOO(%rip)"),
		BAD(X64, "8@sym(%rip)+4"),
		BAD(X64, "8f(%rax)"),

		REG(X86, "-4@%eax", -4, "eax", k64 ? 80 : 24),
		REG(X86, "4@%ebx", 4, "ebx", k64 ? 40 : 0),
		REG(X86, "2@%cx", 2, "ecx", k64 ? 88 : 4),
		REG(X86, "1@%dl", 1, "edx", k64 ? 96 : 8),
		REG(X86, "1@%ah", 1, "ah", k64 ? 81 : 25),
		REG(X86, "4@%esp", 4, "esp", k64 ? 152 : 60),
		REG(X86, "%esi", 4, "esi", k64 ? 104 : 12),
		MEM(X86, "8(%esp)", 4, "esp", k64 ? 152 : 60, 8),
		MEM(X86, "-4@8(%ebp)", -4, "ebp", k64 ? 32 : 20, 8),
		SIB(X86, "4@(%eax,%ecx,4)", 4, "eax", k64 ? 80 : 24, "ecx", k64 ? 88 : 4, 4, 0),
		RIP(X86, "4@counter", 4, NULL, -1, "counter", 0),
		RIP(X86, "4@counter+4", 4, NULL, -1, "counter", 4),
		RIP(X86, "-4@global@GOTOFF(%ebx)", -4, NULL, -1, "global", 0),
		RIP(X86, "4@tab@GOTOFF+8(%ebx)", 4, NULL, -1, "tab", 8),
		CONST(X86, "$7", 4, 7),
		UNSUP(X86, "8@%rax", "unknown register %rax"),
		UNSUP(X86, "1@%sil", "unknown register %sil"),
		UNSUP(X86, "4@%r8d", "unknown register %r8d"),
		UNSUP(X86, "4@sym(%rip)", "unknown register %rip"),
		UNSUP(X86, "4@x@GOT(%ebx)", "symbol with a relocation"),
		UNSUP(X86, "4@tab@GOTOFF(%ebx,%eax,4)", "symbol with a base register"),
		FLOAT(X86, "4@%xmm0"),
		BAD(X86, "4@x@y"),
		BAD(X86, "4@(%eax"),
	};

	check_all(wants, sizeof(wants) / sizeof(wants[0]));
}

static void test_aarch64_riscv(void)
{
	const struct want wants[] = {
		REG(A64, "-4@x0", -4, "x0", 0),
		REG(A64, "8@x30", 8, "x30", 240),
		REG(A64, "-4@w3", -4, "x3", 24),
		REG(A64, "w3", 4, "x3", 24),
		REG(A64, "x5", 8, "x5", 40),
		REG(A64, "8@sp", 8, "sp", 248),
		REG(A64, "4@wsp", 4, "sp", 248),
		REG(A64, "8@fp", 8, "x29", 232),
		REG(A64, "8@lr", 8, "x30", 240),
		REG(A64, "8@X7", 8, "x7", 56),
		MEM(A64, "8@[x0, 8]", 8, "x0", 0, 8),
		MEM(A64, "-4@[sp, 96]", -4, "sp", 248, 96),
		MEM(A64, "-4@[x29, -4]", -4, "x29", 232, -4),
		MEM(A64, "8@[x1]", 8, "x1", 8, 0),
		MEM(A64, "8@[x2,#16]", 8, "x2", 16, 16),
		MEM(A64, "8@[  x3 ,  24 ]", 8, "x3", 24, 24),
		SIB(A64, "8@[x0, x1]", 8, "x0", 0, "x1", 8, 1, 0),
		SIB(A64, "8@[x0, x1, lsl #3]", 8, "x0", 0, "x1", 8, 8, 0),
		SIB(A64, "4@[x4, x5, lsl 2]", 4, "x4", 32, "x5", 40, 4, 0),
		CONST(A64, "4@5", 4, 5),
		CONST(A64, "-4@-1", -4, -1),
		CONST(A64, "8@#42", 8, 42),
		CONST(A64, "-8@-9223372036854775808", -8, LLONG_MIN),
		FLOAT(A64, "8f@d0"),
		FLOAT(A64, "-4@s1"),
		FLOAT(A64, "16@v0"),
		FLOAT(A64, "8@q31"),
		FLOAT(A64, "8f@[x0, 8]"),
		MEM(A64, "-4@[x31,-40]", -4, "sp", 248, -40),
		MEM(A64, "8@[x31]", 8, "sp", 248, 0),
		REG(A64, "8@x31", 8, "sp", 248),
		REG(A64, "4@w31", 4, "sp", 248),
		UNSUP(A64, "4@x32", "unknown register x32"),
		UNSUP(A64, "8@[y9, 8]", "unknown register y9"),
		UNSUP(A64, "8@[x0, w1, sxtw]", "extended index register"),
		UNSUP(A64, "8@[x0, w1, uxtw #2]", "extended index register"),
		UNSUP(A64, "24@[sp, 16]", "argument wider than 8 bytes"),
		BAD(A64, "8@[x0, 8"),
		BAD(A64, "8@[x0 8]"),
		BAD(A64, "8@[]"),
		BAD(A64, "8@x0]"),
		BAD(A64, "8@[x0, 8]!"),
		BAD(A64, "8@[x0, x1, lsl]"),
		BAD(A64, "8@#"),
		BAD(A64, "x@y"),
		BAD(A64, "@"),

		REG(RV, "-8@a0", -8, "a0", 80),
		REG(RV, "8@a7", 8, "a7", 136),
		REG(RV, "8@s0", 8, "s0", 64),
		REG(RV, "8@fp", 8, "s0", 64),
		REG(RV, "8@x10", 8, "a0", 80),
		REG(RV, "8@ra", 8, "ra", 8),
		REG(RV, "8@sp", 8, "sp", 16),
		REG(RV, "8@gp", 8, "gp", 24),
		REG(RV, "8@tp", 8, "tp", 32),
		REG(RV, "8@t0", 8, "t0", 40),
		REG(RV, "8@s1", 8, "s1", 72),
		REG(RV, "8@s2", 8, "s2", 144),
		REG(RV, "8@s11", 8, "s11", 216),
		REG(RV, "8@t6", 8, "t6", 248),
		REG(RV, "a1", 8, "a1", 88),
		MEM(RV, "-8@-88(s0)", -8, "s0", 64, -88),
		MEM(RV, "8@0(a5)", 8, "a5", 120, 0),
		MEM(RV, "4@(sp)", 4, "sp", 16, 0),
		MEM(RV, "-4@0x10(x2)", -4, "sp", 16, 16),
		CONST(RV, "4@5", 4, 5),
		CONST(RV, "-8@-3", -8, -3),
		FLOAT(RV, "8f@fa0"),
		FLOAT(RV, "8@ft3"),
		FLOAT(RV, "4@fs11"),
		FLOAT(RV, "8@f31"),
		UNSUP(RV, "8@zero", "zero register"),
		UNSUP(RV, "8@x0", "zero register"),
		UNSUP(RV, "8@x32", "unknown register x32"),
		UNSUP(RV, "8@8(q1)", "unknown register q1"),
		BAD(RV, "8@-8(a0"),
		BAD(RV, "8@8(a0,a1)"),
		BAD(RV, "8@8()"),
		BAD(RV, "8@a0)"),
		BAD(RV, "8@5x"),
	};

	check_all(wants, sizeof(wants) / sizeof(wants[0]));
}

static void test_s390_arm_ppc_loongarch(void)
{
	const bool k64 = usdti_kernel_64bit();
	const struct want wants[] = {
		REG(S390, "8@%r2", 8, "r2", 40),
		REG(S390, "-4@%r15", -4, "r15", 144),
		REG(S390, "%r0", 8, "r0", 24),
		MEM(S390, "8@160(%r15)", 8, "r15", 144, 160),
		MEM(S390, "4@(%r3)", 4, "r3", 48, 0),
		MEM(S390, "-8@-8(%r11)", -8, "r11", 112, -8),
		MEM(S390, "4@8(,%r5)", 4, "r5", 64, 8),
		SIB(S390, "4@8(%r1,%r2)", 4, "r2", 40, "r1", 32, 1, 8),
		CONST(S390, "8@5", 8, 5),
		CONST(S390, "-4@-7", -4, -7),
		FLOAT(S390, "8@%f0"),
		FLOAT(S390, "8f@%f15"),
		UNSUP(S390, "8@%r16", "unknown register %r16"),
		UNSUP(S390, "8@%a0", "unknown register %a0"),
		BAD(S390, "8@%r2)"),
		BAD(S390, "8@160(%r15"),
		BAD(S390, "8@160(%r15,)"),

		REG(ARM, "-4@r0", -4, "r0", 0),
		REG(ARM, "4@r5", 4, "r5", k64 ? 40 : 20),
		REG(ARM, "4@sb", 4, "r9", k64 ? 72 : 36),
		REG(ARM, "4@sl", 4, "r10", k64 ? 80 : 40),
		REG(ARM, "4@fp", 4, "r11", k64 ? 88 : 44),
		REG(ARM, "4@ip", 4, "r12", k64 ? 96 : 48),
		REG(ARM, "4@sp", 4, "r13", k64 ? 104 : 52),
		REG(ARM, "4@lr", 4, "r14", k64 ? 112 : 56),
		REG(ARM, "4@pc", 4, "r15", k64 ? 256 : 60),
		REG(ARM, "r3", 4, "r3", k64 ? 24 : 12),
		CONST(ARM, "4@#5", 4, 5),
		CONST(ARM, "-4@#-1", -4, -1),
		CONST(ARM, "4@7", 4, 7),
		MEM(ARM, "4@[r0, #4]", 4, "r0", 0, 4),
		MEM(ARM, "-4@[fp, #-8]", -4, "r11", k64 ? 88 : 44, -8),
		MEM(ARM, "4@[sp]", 4, "r13", k64 ? 104 : 52, 0),
		SIB(ARM, "4@[r1, r2]", 4, "r1", k64 ? 8 : 4, "r2", k64 ? 16 : 8, 1, 0),
		SIB(ARM, "4@[r1, r2, lsl #2]", 4, "r1", k64 ? 8 : 4, "r2", k64 ? 16 : 8, 4, 0),
		FLOAT(ARM, "8f@d0"),
		FLOAT(ARM, "4@s1"),
		FLOAT(ARM, "16@q15"),
		UNSUP(ARM, "4@r16", "unknown register r16"),
		UNSUP(ARM, "4@[r1, r2, lsl #5]", "index scaled by more than 8"),
		BAD(ARM, "4@[r0, #4"),
		BAD(ARM, "4@#"),
		BAD(ARM, "4@[r0, #x]"),
		BAD(ARM, "4@[r0, #4] r1"),

		REG(PPC64, "8@9", 8, "r9", 72),
		REG(PPC64, "-4@3", -4, "r3", 24),
		REG(PPC64, "8@%r31", 8, "r31", 248),
		REG(PPC64, "8@r4", 8, "r4", 32),
		REG(PPC64, "8@0", 8, "r0", 0),
		REG(PPC64, "9", 8, "r9", 72),
		CONST(PPC64, "8@i5", 8, 5),
		CONST(PPC64, "-4@i-1", -4, -1),
		MEM(PPC64, "8@-8(9)", 8, "r9", 72, -8),
		MEM(PPC64, "8@16(%r1)", 8, "r1", 8, 16),
		MEM(PPC64, "-4@0(31)", -4, "r31", 248, 0),
		SIB(PPC64, "4@9,10", 4, "r9", 72, "r10", 80, 1, 0),
		SIB(PPC64, "8@%r3,%r4", 8, "r3", 24, "r4", 32, 1, 0),
		FLOAT(PPC64, "8f@1"),
		FLOAT(PPC64, "8@%f1"),
		FLOAT(PPC64, "16@%vs34"),
		UNSUP(PPC64, "8@32", "unknown register 32"),
		BAD(PPC64, "8@-8(9"),
		BAD(PPC64, "8@9,"),
		BAD(PPC64, "8@,9"),
		UNSUP(PPC64, "8@i", "unknown register i"),
		BAD(PPC64, "8@-5"),
		REG(PPC, "4@3", 4, "r3", k64 ? 24 : 12),
		REG(PPC, "3", 4, "r3", k64 ? 24 : 12),
		MEM(PPC, "-4@8(%r1)", -4, "r1", k64 ? 8 : 4, 8),

		REG(LA, "8@$r4", 8, "r4", 32),
		REG(LA, "-4@$a0", -4, "r4", 32),
		REG(LA, "8@$a7", 8, "r11", 88),
		REG(LA, "8@$v1", 8, "r5", 40),
		REG(LA, "8@$sp", 8, "r3", 24),
		REG(LA, "8@$fp", 8, "r22", 176),
		REG(LA, "8@$s9", 8, "r22", 176),
		REG(LA, "8@$s0", 8, "r23", 184),
		REG(LA, "8@$s8", 8, "r31", 248),
		REG(LA, "8@$t0", 8, "r12", 96),
		REG(LA, "8@$t8", 8, "r20", 160),
		REG(LA, "8@$ra", 8, "r1", 8),
		REG(LA, "8@$tp", 8, "r2", 16),
		REG(LA, "8@$zero", 8, "r0", 0),
		REG(LA, "8@$u0", 8, "r21", 168),
		REG(LA, "$a1", 8, "r5", 40),
		MEM(LA, "8@[$r3, 8]", 8, "r3", 24, 8),
		MEM(LA, "-4@[$sp, -16]", -4, "r3", 24, -16),
		MEM(LA, "8@[$r4]", 8, "r4", 32, 0),
		MEM(LA, "8@$r3,16", 8, "r3", 24, 16),
		SIB(LA, "8@$r3,$r4", 8, "r3", 24, "r4", 32, 1, 0),
		SIB(LA, "8@[$a0, $a1]", 8, "r4", 32, "r5", 40, 1, 0),
		CONST(LA, "8@5", 8, 5),
		CONST(LA, "-8@-5", -8, -5),
		FLOAT(LA, "8f@$f0"),
		FLOAT(LA, "8@$fa0"),
		FLOAT(LA, "8@$ft15"),
		FLOAT(LA, "16@$vr1"),
		UNSUP(LA, "8@$r32", "unknown register $r32"),
		UNSUP(LA, "8@$a8", "unknown register $a8"),
		BAD(LA, "8@[$r3, 8"),
		BAD(LA, "8@$r3,"),
		BAD(LA, "8@[$r3, 8] 4"),
	};

	check_all(wants, sizeof(wants) / sizeof(wants[0]));
}

/* Parses text as a legacy operand and checks where it reads from. */
static void check_reg(int machine, int cls, const char *text, int size, const char *reg, int off)
{
	struct want w = {machine, cls, 0, text, 0, USDT_ARG_REG, size, reg, off, NULL, -1};

	check_one(&w);
}

/* Every name of every register of every arch: canonical name, width, pt_regs offset. */
static void test_all_registers(void)
{
	const bool k64 = usdti_kernel_64bit();
	char name[16], canon[8];
	int n;

	for (n = 0; n <= 30; n++) {
		snprintf(name, sizeof(name), "x%d", n);
		check_reg(A64, name, 8, name, n * 8);
		snprintf(canon, sizeof(canon), "x%d", n);
		snprintf(name, sizeof(name), "w%d", n);
		check_reg(A64, name, 4, canon, n * 8);
	}
	for (n = 1; n <= 31; n++) {
		static const char *const abi[32] = {
			"zero", "ra", "sp", "gp", "tp",	 "t0",	"t1", "t2", "s0", "s1", "a0",
			"a1",	"a2", "a3", "a4", "a5",	 "a6",	"a7", "s2", "s3", "s4", "s5",
			"s6",	"s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
		};

		snprintf(name, sizeof(name), "x%d", n);
		check_reg(RV, name, 8, abi[n], n * 8);
		check_reg(RV, abi[n], 8, abi[n], n * 8);
	}
	for (n = 0; n <= 15; n++) {
		snprintf(canon, sizeof(canon), "r%d", n);
		snprintf(name, sizeof(name), "%%r%d", n);
		check_reg(S390, name, 8, canon, 24 + n * 8);
		check_reg(ARM, canon, 4, canon, n == 15 && k64 ? 256 : n * (k64 ? 8 : 4));
	}
	for (n = 0; n <= 31; n++) {
		snprintf(canon, sizeof(canon), "r%d", n);
		snprintf(name, sizeof(name), "%d", n);
		check_reg(PPC64, name, 8, canon, n * 8);
		check_reg(PPC, name, 4, canon, n * (k64 ? 8 : 4));
		check_reg(PPC64, canon, 8, canon, n * 8);
		snprintf(name, sizeof(name), "%%r%d", n);
		check_reg(PPC64, name, 8, canon, n * 8);
		snprintf(name, sizeof(name), "$r%d", n);
		check_reg(LA, name, 8, canon, n * 8);
	}
	for (n = 0; n <= 7; n++) {
		snprintf(canon, sizeof(canon), "r%d", 4 + n);
		snprintf(name, sizeof(name), "$a%d", n);
		check_reg(LA, name, 8, canon, (4 + n) * 8);
	}
}

#if defined(__x86_64__)
/* The x86 table against this host's own struct pt_regs (<asm/ptrace.h>). */
static void test_x86_host_layout(void)
{
	static const struct {
		const char *names[4];
		size_t off;
	} regs[] = {
		{{"rax", "eax", "ax", "al"}, offsetof(struct pt_regs, rax)},
		{{"rbx", "ebx", "bx", "bl"}, offsetof(struct pt_regs, rbx)},
		{{"rcx", "ecx", "cx", "cl"}, offsetof(struct pt_regs, rcx)},
		{{"rdx", "edx", "dx", "dl"}, offsetof(struct pt_regs, rdx)},
		{{"rsi", "esi", "si", "sil"}, offsetof(struct pt_regs, rsi)},
		{{"rdi", "edi", "di", "dil"}, offsetof(struct pt_regs, rdi)},
		{{"rbp", "ebp", "bp", "bpl"}, offsetof(struct pt_regs, rbp)},
		{{"rsp", "esp", "sp", "spl"}, offsetof(struct pt_regs, rsp)},
		{{"r8", "r8d", "r8w", "r8b"}, offsetof(struct pt_regs, r8)},
		{{"r9", "r9d", "r9w", "r9b"}, offsetof(struct pt_regs, r9)},
		{{"r10", "r10d", "r10w", "r10b"}, offsetof(struct pt_regs, r10)},
		{{"r11", "r11d", "r11w", "r11b"}, offsetof(struct pt_regs, r11)},
		{{"r12", "r12d", "r12w", "r12b"}, offsetof(struct pt_regs, r12)},
		{{"r13", "r13d", "r13w", "r13b"}, offsetof(struct pt_regs, r13)},
		{{"r14", "r14d", "r14w", "r14b"}, offsetof(struct pt_regs, r14)},
		{{"r15", "r15d", "r15w", "r15b"}, offsetof(struct pt_regs, r15)},
		{{"rip", "eip", NULL, NULL}, offsetof(struct pt_regs, rip)},
	};
	static const char *const high[] = {"ah", "bh", "ch", "dh"};
	char name[16];
	size_t i, w;

	/* a 64-bit host runs a 64-bit kernel: i386 code is read at the same offsets */
	CHECK(usdti_kernel_64bit());
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		for (w = 0; w < 4 && regs[i].names[w]; w++) {
			snprintf(name, sizeof(name), "%%%s", regs[i].names[w]);
			check_reg(X64, name, 8 >> w, regs[i].names[0], regs[i].off);
			/* 32-bit code has no r8-r15 and no sil, dil, bpl, spl */
			if (w > 0 && i < 8 && !(w == 3 && i >= 4))
				check_reg(X86, name, 8 >> w, regs[i].names[1], regs[i].off);
		}
	}
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%%%s", high[i]);
		check_reg(X64, name, 1, high[i], regs[i].off + 1);
		check_reg(X86, name, 1, high[i], regs[i].off + 1);
	}
}
#endif

static void test_arch_names(void)
{
	CHECK_STR(usdt_arch_name(EM_X86_64, ELFCLASS64), "x86_64");
	CHECK_STR(usdt_arch_name(EM_X86_64, ELFCLASS32), "x86_64"); /* x32 */
	CHECK_STR(usdt_arch_name(EM_386, ELFCLASS32), "i386");
	CHECK_STR(usdt_arch_name(EM_AARCH64, ELFCLASS64), "aarch64");
	CHECK_STR(usdt_arch_name(EM_RISCV, ELFCLASS64), "riscv64");
	CHECK_STR(usdt_arch_name(EM_S390, ELFCLASS64), "s390x");
	CHECK_STR(usdt_arch_name(EM_ARM, ELFCLASS32), "arm");
	CHECK_STR(usdt_arch_name(EM_PPC64, ELFCLASS64), "ppc64");
	CHECK_STR(usdt_arch_name(EM_PPC, ELFCLASS32), "ppc");
	CHECK_STR(usdt_arch_name(EM_LOONGARCH, ELFCLASS64), "loongarch64");
	CHECK(!usdt_arch_name(EM_RISCV, ELFCLASS32));
	CHECK(!usdt_arch_name(EM_MIPS, ELFCLASS64));
	CHECK(usdti_arch_find(EM_AARCH64, ELFCLASS64) == &usdti_arch_aarch64);
	CHECK_INT(usdti_arch_find(EM_386, ELFCLASS32)->reg_width, 4);
}

/* An arch without a grammar still lists: its arguments are unsupported, not errors. */
static void test_unknown_arch_and_buffers(void)
{
	struct usdti_arg parsed;
	const struct usdt_arg *a = &parsed.pub;
	char buf[64];

	CHECK_INT(usdti_arg_parse(EM_MIPS, ELFCLASS64, "-4@$5", &parsed, buf, sizeof(buf)), 0);
	CHECK_INT(a->kind, USDT_ARG_UNSUPPORTED);
	CHECK_STR(a->reason, "unsupported architecture");
	CHECK_INT(a->size, -4);
	CHECK_STR(a->text, "$5");

	/* the operand and the symbol both live in buf: 11 + 1 + 3 + 1 bytes */
	CHECK_INT(usdti_arg_parse(X64, "8@sym+8(%rip)", &parsed, buf, 16), 0);
	CHECK_STR(a->text, "sym+8(%rip)");
	CHECK_STR(a->symbol, "sym");
	CHECK(a->text >= buf && a->symbol >= buf && a->symbol + 4 <= buf + 16);
	CHECK_INT(usdti_arg_parse(X64, "8@sym+8(%rip)", &parsed, buf, 15), -ENOSPC);
	CHECK_INT(errno, ENOSPC);
	CHECK_INT(usdti_arg_parse(X64, "8@%rax", &parsed, buf, 4), -ENOSPC);
	/* no room for "unknown register %foo": the reason is shorter, still unsupported */
	CHECK_INT(usdti_arg_parse(X64, "8@%foo", &parsed, buf, 6), 0);
	CHECK_STR(a->reason, "unknown register");
	CHECK_INT(usdti_arg_parse(X64, "x@y", &parsed, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(usdti_arg_parse(X64, NULL, &parsed, buf, sizeof(buf)), -EINVAL);
}

static void check_split(const char *args, int want, const char *const *parts)
{
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS];
	int i, n = usdti_split_args(args, starts, lens, USDT_MAX_ARGS);

	test_checks++;
	if (n != want) {
		test_failures++;
		fprintf(stderr, "split \"%s\": %d, expected %d\n", args, n, want);
		return;
	}
	for (i = 0; i < n; i++) {
		test_checks++;
		if (lens[i] != strlen(parts[i]) || strncmp(starts[i], parts[i], lens[i])) {
			test_failures++;
			fprintf(stderr, "split \"%s\": arg %d \"%.*s\", expected \"%s\"\n", args, i,
				(int)lens[i], starts[i], parts[i]);
		}
	}
}

static void test_split(void)
{
	static const char *const x86[] = {"-4@%esi", "-4@-24(%rbp)", "-4@%ecx", "2@%ax", "8@%rdx"};
	static const char *const a64[] = {"8@[x0, 8]", "-4@[sp, 96]", "8@x1"};
	static const char *const arm[] = {"4@[r0, #4]", "-4@r1"};
	static const char *const la[] = {"8@[$r3, 8]", "8@$a0", "-4@[$sp,  -16]"};
	static const char *const one[] = {"8@%rax"};
	static const char *const twelve[] = {"1@%al",  "2@%ax",	 "4@%eax", "8@%rax",
					     "1@%bl",  "2@%bx",	 "4@%ebx", "8@%rbx",
					     "-1@%cl", "-2@%cx", "-4@$1",  "-8@(%rsp)"};

	check_split("-4@%esi -4@-24(%rbp) -4@%ecx 2@%ax 8@%rdx", 5, x86);
	check_split("8@[x0, 8] -4@[sp, 96] 8@x1", 3, a64);
	check_split("4@[r0, #4]   -4@r1", 2, arm);
	check_split("\t8@[$r3, 8]\t8@$a0 -4@[$sp,  -16] ", 3, la);
	check_split("  8@%rax  ", 1, one);
	check_split("", 0, NULL);
	check_split("   ", 0, NULL);
	check_split("1@%al 2@%ax 4@%eax 8@%rax 1@%bl 2@%bx 4@%ebx 8@%rbx -1@%cl -2@%cx -4@$1 "
		    "-8@(%rsp)",
		    12, twelve);
	check_split("1@%al 2@%ax 4@%eax 8@%rax 1@%bl 2@%bx 4@%ebx 8@%rbx -1@%cl -2@%cx -4@$1 "
		    "-8@(%rsp) 8@%rdx",
		    -E2BIG, NULL);
	check_split("8@[x0, 8", -EINVAL, NULL);
	check_split("8@x0] 8@x1", -EINVAL, NULL);
	check_split("8@(%rax))", -EINVAL, NULL);
}

/* Splits and parses a whole list: one bad register spoils one argument, not the list. */
static void test_list_survives_unknown_register(void)
{
	const char *args = "-4@%esi 8@%nope -4@-20(%rbp) 8f@%xmm0 -8@$-1";
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS];
	struct usdti_arg argv[USDT_MAX_ARGS];
	static const enum usdt_arg_kind kinds[] = {USDT_ARG_REG, USDT_ARG_UNSUPPORTED, USDT_ARG_MEM,
						   USDT_ARG_UNSUPPORTED, USDT_ARG_CONST};
	char text[64], bufs[USDT_MAX_ARGS][64];
	int i, n = usdti_split_args(args, starts, lens, USDT_MAX_ARGS);

	CHECK_INT(n, 5);
	if (n != 5)
		return;
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%.*s", (int)lens[i], starts[i]);
		CHECK_INT(usdti_arg_parse(X64, text, &argv[i], bufs[i], sizeof(bufs[i])), 0);
		CHECK_INT(argv[i].pub.kind, kinds[i]);
	}
	CHECK_STR(argv[1].pub.reason, "unknown register %nope");
	CHECK_STR(argv[2].pub.reg, "rbp");
}

static void test_describe(void)
{
	static const struct {
		int machine, cls;
		const char *text, *want;
	} cases[] = {
		{X64, "8@%rbx", "8 unsigned bytes in %rbx"},
		{X64, "-4@%esi", "4 signed bytes in %rsi"},
		{X64, "1@%al", "1 unsigned byte in %rax"},
		{X64, "1@%ah", "1 unsigned byte in %ah"},
		{X64, "-4@-20(%rbp)", "4 signed bytes at -20(%rbp)"},
		{X64, "8@16(%rax,%rbx,8)", "8 unsigned bytes at 16(%rax,%rbx,8)"},
		{X64, "-4@$42", "constant 42 (4 signed bytes)"},
		{X64, "4@$-1", "constant 4294967295 (4 unsigned bytes)"},
		{X64, "-2@$0xffff", "constant -1 (2 signed bytes)"},
		{X64, "8@$0xffffffffffffffff", "constant 18446744073709551615 (8 unsigned bytes)"},
		{X64, "-8@$-9223372036854775808", "constant -9223372036854775808 (8 signed bytes)"},
		{X64, "8@sym+8(%rip)", "8 unsigned bytes at sym+8 (RIP-relative)"},
		{X64, "8@8+sym(%rip)", "8 unsigned bytes at sym+8 (RIP-relative)"},
		{X64, "8@sym-8(%rip)", "8 unsigned bytes at sym-8 (RIP-relative)"},
		{X64, "-4@NBuffers(%rip)", "4 signed bytes at NBuffers (RIP-relative)"},
		{X64, "8@24(%rip)", "unsupported: RIP-relative offset without a symbol"},
		{X64, "8f@%xmm0", "unsupported: floating-point argument"},
		{X64, "8@%foo", "unsupported: unknown register %foo"},
		{X64, "16@(%rsp)", "unsupported: argument wider than 8 bytes (passed by value)"},
		{X86, "4@counter+4", "4 unsigned bytes at counter+4 (absolute)"},
		{A64, "-4@w3", "4 signed bytes in x3"},
		{A64, "8@[x0, 8]", "8 unsigned bytes at [x0, 8]"},
		{LA, "8@$a0", "8 unsigned bytes in $r4"},
		{PPC64, "8@9", "8 unsigned bytes in r9"},
		{PPC64, "8@%r9", "8 unsigned bytes in %r9"},
		{S390, "-8@%r2", "8 signed bytes in %r2"},
		{RV, "-8@-88(s0)", "8 signed bytes at -88(s0)"},
	};
	struct usdti_arg a;
	char buf[128], out[128], small[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_checks++;
		if (usdti_arg_parse(cases[i].machine, cases[i].cls, cases[i].text, &a, buf,
				    sizeof(buf))) {
			test_failures++;
			fprintf(stderr, "describe \"%s\": does not parse\n", cases[i].text);
			continue;
		}
		CHECK_INT(usdt_arg_describe(&a.pub, out, sizeof(out)), strlen(cases[i].want));
		CHECK_STR(out, cases[i].want);
	}

	/* snprintf semantics: truncated, NUL-terminated, returns the full length */
	CHECK_INT(usdti_arg_parse(X64, "8@%rbx", &a, buf, sizeof(buf)), 0);
	CHECK_INT(usdt_arg_describe(&a.pub, small, sizeof(small)),
		  strlen("8 unsigned bytes in %rbx"));
	CHECK_STR(small, "8 unsig");
}

int main(void)
{
	test_x86();
	test_aarch64_riscv();
	test_s390_arm_ppc_loongarch();
	test_all_registers();
#if defined(__x86_64__)
	test_x86_host_layout();
#endif
	test_arch_names();
	test_unknown_arch_and_buffers();
	test_split();
	test_list_survives_unknown_register();
	test_describe();
	return test_summary("test_args");
}
