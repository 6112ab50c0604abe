// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * x86-64 and i386 operands, AT&T syntax: $imm, %reg, disp(%base,%index,scale), sym(%rip),
 * and for i386 the absolute and @GOTOFF forms of globals.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "arch.h"
#include "grammar.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The general registers by their 64-, 32-, 16- and 8-bit names, at their offsets in the x86_64
 * struct pt_regs (arch/x86/include/asm/ptrace.h: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx
 * si di orig_ax ip cs flags sp ss) and in the i386 one (bx cx dx si di bp ax ds es fs gs
 * orig_ax ip cs flags sp ss); off32 -1: not a register in 32-bit mode.
 */
static const struct gpr {
	const char *names[4];
	short off64, off32;
} gprs[] = {
	{{"rax", "eax", "ax", "al"}, 80, 24},	   {{"rbx", "ebx", "bx", "bl"}, 40, 0},
	{{"rcx", "ecx", "cx", "cl"}, 88, 4},	   {{"rdx", "edx", "dx", "dl"}, 96, 8},
	{{"rsi", "esi", "si", "sil"}, 104, 12},	   {{"rdi", "edi", "di", "dil"}, 112, 16},
	{{"rbp", "ebp", "bp", "bpl"}, 32, 20},	   {{"rsp", "esp", "sp", "spl"}, 152, 60},
	{{"r8", "r8d", "r8w", "r8b"}, 72, -1},	   {{"r9", "r9d", "r9w", "r9b"}, 64, -1},
	{{"r10", "r10d", "r10w", "r10b"}, 56, -1}, {{"r11", "r11d", "r11w", "r11b"}, 48, -1},
	{{"r12", "r12d", "r12w", "r12b"}, 24, -1}, {{"r13", "r13d", "r13w", "r13b"}, 16, -1},
	{{"r14", "r14d", "r14w", "r14b"}, 8, -1},  {{"r15", "r15d", "r15w", "r15b"}, 0, -1},
	{{"rip", "eip", NULL, NULL}, 128, 48},
};
#define RIP_ROW	 16
/* sil, dil, bpl, spl (rows 4-7) exist only with a REX prefix: not in 32-bit code */
#define REX_ROWS 4

/* ah..dh are byte 1 of rax..rdx (rows 0-3): read one byte up, pt_regs being little-endian. */
static const char *const high_bytes[] = {"ah", "bh", "ch", "dh"};

static int gpr_off(const struct gpr *g, bool is64)
{
	return is64 || usdti_kernel_64bit() ? g->off64 : g->off32;
}

static bool float_reg(const char *name, struct usdti_reg *r)
{
	size_t len = strlen(name);
	bool sse = len > 3 &&
		   (!strncmp(name, "xmm", 3) || !strncmp(name, "ymm", 3) ||
		    !strncmp(name, "zmm", 3)) &&
		   usdti_reg_num(name + 3, len - 3, 31) >= 0;

	if (!sse && strcmp(name, "st"))
		return false;
	return usdti_reg_float(r);
}

static bool x86_reg(const char *tok, size_t len, struct usdti_reg *r, bool is64)
{
	char name[8];
	size_t i, w;

	if (*tok != '%' || !usdti_lower(tok + 1, len - 1, name, sizeof(name)))
		return false;
	for (i = 0; i < ARRAY_SIZE(gprs); i++) {
		const struct gpr *g = &gprs[i];

		if (!is64 && g->off32 < 0)
			continue;
		for (w = is64 ? 0 : 1; w < 4; w++) {
			const char *n = g->names[w];

			/* two characters tell most names apart before strcmp (per-site path) */
			if (!n || n[0] != name[0] || n[1] != name[1] || strcmp(n, name))
				continue;
			if (!is64 && w == 3 && i >= REX_ROWS)
				return false;
			return usdti_reg_gpr(r, g->names[is64 ? 0 : 1], gpr_off(g, is64), 8 >> w);
		}
	}
	for (i = 0; i < ARRAY_SIZE(high_bytes); i++) {
		if (!strcmp(high_bytes[i], name)) {
			return usdti_reg_gpr(r, high_bytes[i], gpr_off(&gprs[i], is64) + 1, 1);
		}
	}
	return float_reg(name, r);
}

static bool x86_64_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	return x86_reg(tok, len, r, true);
}

static bool i386_reg(const char *tok, size_t len, struct usdti_reg *r)
{
	return x86_reg(tok, len, r, false);
}

static bool sym_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.';
}

static size_t sym_len(const char *p)
{
	size_t n = 0;

	while (sym_start(p[n]) || isdigit((unsigned char)p[n]) || p[n] == '$')
		n++;
	return n;
}

enum reloc { RELOC_NONE, RELOC_GOTOFF, RELOC_OTHER };

static const char reloc_reason[] = "symbol with a relocation (GOT, TLS)";

/* "sym@GOTOFF", "sym@GOTPCREL", "sym@tpoff": what follows the '@'. */
static int parse_reloc(const char **pp, enum reloc *reloc)
{
	static const char *const names[] = {
		"GOT",	    "GOTPCREL",	 "PLT",	      "TPOFF", "NTPOFF", "DTPOFF",
		"GOTTPOFF", "INDNTPOFF", "GOTNTPOFF", "TLSGD", "TLSLD",	 "TLSLDM",
	};
	const char *p = *pp + 1;
	size_t n = 0, i;

	while (isalnum((unsigned char)p[n]))
		n++;
	*pp = p + n;
	if (n == 6 && !strncasecmp(p, "GOTOFF", n)) {
		*reloc = RELOC_GOTOFF;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (strlen(names[i]) == n && !strncasecmp(p, names[i], n)) {
			*reloc = RELOC_OTHER;
			return 0;
		}
	}
	return -EINVAL;
}

struct disp {
	long long off;
	const char *sym;
	size_t sym_len;
	enum reloc reloc;
};

/* The displacement before '(' or alone: N, sym, sym+N, sym-N, N+sym, sym@GOTOFF+N. */
static int parse_disp(const char **pp, struct disp *d)
{
	const char *p = *pp;
	long long n;

	if (usdti_starts_int(*p)) {
		if (usdti_parse_int(&p, &d->off))
			return -EINVAL;
		if (*p == '+' && sym_start(p[1]))
			p++;
		else
			goto out;
	}
	if (!sym_start(*p))
		goto out;
	d->sym = p;
	d->sym_len = sym_len(p);
	p += d->sym_len;
	if (*p == '@' && parse_reloc(&p, &d->reloc))
		return -EINVAL;
	if (*p == '+' || *p == '-') {
		/* the text is the traced file's: an offset that overflows is not one */
		if (usdti_parse_int(&p, &n) || __builtin_add_overflow(d->off, n, &d->off))
			return -EINVAL;
	}
out:
	*pp = p;
	return 0;
}

/* *(symbol + offset): %rip-relative (reg "rip"), or an absolute address (reg NULL). */
static int global(struct usdti_arg *arg, const struct disp *d, bool rip, char **buf, size_t *sz)
{
	arg->pub.symbol = usdti_buf_copy(buf, sz, d->sym, d->sym_len);
	if (!arg->pub.symbol)
		return -ENOSPC;
	arg->pub.offset = d->off;
	if (rip) {
		arg->pub.reg = gprs[RIP_ROW].names[0];
		arg->regs.reg_off = gprs[RIP_ROW].off64;
	}
	if (d->reloc == RELOC_OTHER)
		usdti_arg_unsupported(arg, reloc_reason);
	usdti_arg_kind(arg, USDT_ARG_RIP);
	return 0;
}

/* "(%base,%index,scale)" after the displacement; p points after '('. */
static int parse_regs(const char *p, struct usdti_arg *arg, usdti_reg_fn fn, char **buf, size_t *sz)
{
	size_t n = usdti_token_len(p);
	long long scale;

	if (n && *p != '%')
		return -EINVAL;
	if (n)
		usdti_arg_reg(arg, fn, p, n, USDTI_BASE, buf, sz);
	p += n;
	if (*p == ',') {
		n = usdti_token_len(++p);
		if (!n || *p != '%')
			return -EINVAL;
		usdti_arg_reg(arg, fn, p, n, USDTI_INDEX, buf, sz);
		p += n;
		arg->pub.scale = 1;
		if (*p == ',') {
			p++;
			if (usdti_parse_int(&p, &scale) ||
			    (scale != 1 && scale != 2 && scale != 4 && scale != 8))
				return -EINVAL;
			arg->pub.scale = scale;
		}
		usdti_arg_kind(arg, USDT_ARG_SIB);
	} else {
		if (!n)
			return -EINVAL;
		usdti_arg_kind(arg, USDT_ARG_MEM);
	}
	return *p == ')' && !p[1] ? 0 : -EINVAL;
}

static int parse_mem(const char *p, struct usdti_arg *arg, usdti_reg_fn fn, bool is64, char **buf,
		     size_t *sz)
{
	struct disp d = {};
	int err;

	if (parse_disp(&p, &d))
		return -EINVAL;
	if (!*p) {
		/* no register: an absolute address (non-PIC i386) */
		if (!d.sym) {
			usdti_arg_unsupported(arg, "absolute address");
			return 0;
		}
		return global(arg, &d, false, buf, sz);
	}
	if (*p++ != '(')
		return -EINVAL;
	if (is64 && !strncasecmp(p, "%rip)", 5) && !p[5]) {
		arg->pub.offset = d.off;
		if (d.sym)
			return global(arg, &d, true, buf, sz);
		/* relative to an instruction the note does not name: no address to read */
		usdti_arg_unsupported(arg, "RIP-relative offset without a symbol");
		return 0;
	}
	err = parse_regs(p, arg, fn, buf, sz);
	if (err || !d.sym) {
		arg->pub.offset = d.off;
		return err;
	}
	/* i386 PIC: the base holds the GOT, so sym@GOTOFF(%ebx) is sym itself */
	if (d.reloc == RELOC_GOTOFF && arg->pub.kind == USDT_ARG_MEM) {
		arg->pub.reg = NULL;
		arg->regs.reg_off = -1;
		return global(arg, &d, false, buf, sz);
	}
	if (d.reloc == RELOC_OTHER)
		usdti_arg_unsupported(arg, reloc_reason);
	usdti_arg_unsupported(arg, "symbol with a base register");
	return 0;
}

/* "$42", "$-1", "$0xff"; "$sym" is a symbol's address in non-PIC code. */
static int parse_imm(const char *p, struct usdti_arg *arg)
{
	struct disp d = {};

	if (sym_start(*p)) {
		if (parse_disp(&p, &d) || *p)
			return -EINVAL;
		usdti_arg_unsupported(arg, "address of a symbol as an immediate");
		return 0;
	}
	return usdti_parse_const(p, arg);
}

static int x86_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz, bool is64)
{
	usdti_reg_fn fn = is64 ? x86_64_reg : i386_reg;
	size_t n = usdti_token_len(op);

	if (*op == '$')
		return parse_imm(op + 1, arg);
	if (*op != '%')
		return parse_mem(op, arg, fn, is64, &buf, &sz);
	if (n && op[n] == ':') {
		/* %fs:N, %gs:(%rax): thread-local, the segment base is not in pt_regs */
		if (!op[n + 1])
			return -EINVAL;
		usdti_arg_unsupported(arg, "segment-relative address");
		return 0;
	}
	return usdti_parse_reg(op, arg, fn, &buf, &sz);
}

static int x86_64_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	return x86_parse(op, arg, buf, sz, true);
}

static int i386_parse(const char *op, struct usdti_arg *arg, char *buf, size_t sz)
{
	return x86_parse(op, arg, buf, sz, false);
}

const struct usdti_arch usdti_arch_x86_64 = {
	.name = "x86_64",
	.e_machine = EM_X86_64,
	.elf_class = 0, /* x32 binaries are ELFCLASS32 with the same registers */
	.reg_width = 8,
	.parse_operand = x86_64_parse,
};

const struct usdti_arch usdti_arch_i386 = {
	.name = "i386",
	.e_machine = EM_386,
	.elf_class = ELFCLASS32,
	.reg_width = 4,
	.parse_operand = i386_parse,
};
