/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * <usdt/probe.h>: USDT probes for applications, in C and C++ (GCC and clang).
 *
 *	USDT_PROBE(myapp, request, id, path);		0 to 12 arguments
 *
 *	USDT_SEMA(myapp, query);			once per program: the semaphore
 *	if (USDT_IS_ENABLED(myapp, query))		non-zero while a tracer is attached
 *		prepare_expensive_args();
 *	USDT_PROBE_SEMA(myapp, query, sql, rows);	fires (args evaluated) only when enabled
 *
 * The notes are <sys/sdt.h>'s, byte for byte in format (.note.stapsdt, owner "stapsdt", type 3,
 * .stapsdt.base, semaphores named provider_name_semaphore in .probes), and the arguments are
 * chosen the way it chooses them, so readelf, gdb, bpftrace, bcc and perf read these probes as
 * any SDT probe. Only the site differs, on x86-64:
 *
 *	nop				the note's PC: what other tools probe, %rsp untouched
 *	lea -128(%rsp),%rsp		steps over the red zone of a leaf function
 *	nopl 0x0(%rax,%rax,1)		nop5: Linux 6.18 turns a uprobe here into a call
 *	lea 128(%rsp),%rsp
 *
 * A uprobe on a 5-byte nop costs about a third of one on the 1-byte nop (a call into a
 * trampoline instead of a trap), but the call pushes below %rsp: a bare nop5 would corrupt
 * the red zone. libusdt recognizes the sequence by its bytes, attaches at the nop5 where the
 * kernel has optimized uprobes, and reads %rsp-based operands 128 bytes up. Untraced, the
 * site costs two lea and two nops. Other architectures get the plain nop.
 *
 * USDT_PROBE_ASM(provider, name, ARGS) is the site and note as text for an extended asm
 * statement whose operands the caller writes (as <sys/sdt.h>'s STAP_PROBE_ASM).
 */
#ifndef USDT_PROBE_H
#define USDT_PROBE_H

#define _USDT_STR_(x) #x
#define _USDT_STR(x)  _USDT_STR_(x)

/* ---- the site ------------------------------------------------------------------------------ */

#if defined(__x86_64__)
/* the nop5 is spelled out: libusdt matches these 19 bytes exactly */
#define _USDT_SITE                              \
	"990:	nop\n"                            \
	"	lea -128(%%rsp), %%rsp\n"             \
	"	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n" \
	"	lea 128(%%rsp), %%rsp\n"
#elif defined(__s390__) || defined(__s390x__) || defined(__ia64__)
#define _USDT_SITE "990:	nop 0\n"
#else
#define _USDT_SITE "990:	nop\n"
#endif

#ifdef __LP64__
#define _USDT_ADDR ".8byte "
#else
#define _USDT_ADDR ".4byte "
#endif

/* How an operand is printed in the note, as <sys/sdt.h> prints it. */
#if defined(__powerpc__) || defined(__powerpc64__)
#define _USDT_ARGTMPL(id) "%I[" #id "]%[" #id "]"
#elif defined(__i386__)
#define _USDT_ARGTMPL(id) "%k[" #id "]"
#else
#define _USDT_ARGTMPL(id) "%[" #id "]"
#endif

/* <sys/sdt.h>'s default constraint: an immediate, a register or an offsettable memory operand */
#ifndef USDT_ARG_CONSTRAINT
#if defined(__powerpc__) || defined(__powerpc64__)
#define USDT_ARG_CONSTRAINT "nZr"
#elif defined(__arm__)
#define USDT_ARG_CONSTRAINT "g"
#else
#define USDT_ARG_CONSTRAINT "nor"
#endif
#endif

/* ---- argument sizes and signs -------------------------------------------------------------- */

/* arrays and functions are passed as pointers */
#define _USDT_ARRAY(x) (__builtin_classify_type(x) == 14 || __builtin_classify_type(x) == 5)
#define _USDT_SIZE(x)  (_USDT_ARRAY(x) ? sizeof(void *) : sizeof(x))
#define _USDT_FLOAT(x) (__builtin_classify_type(x) == 8)

#ifdef __cplusplus
#include <type_traits>
#define _USDT_SIGNED(x)                                                           \
	(!_USDT_ARRAY(x) &&                                                       \
	 std::is_integral<typename std::remove_cv<__typeof__(x)>::type>::value && \
	 std::is_signed<typename std::remove_cv<__typeof__(x)>::type>::value)
#else
/* <sys/sdt.h>'s test: an integer type whose -1 is negative; floats and pointers are unsigned */
__extension__ extern unsigned long long __usdt_unsp;
#define _USDT_INTTYPE(x) \
	__typeof__(__builtin_choose_expr(((__builtin_classify_type(x) + 3) & -4) == 4, (x), 0U))
#define _USDT_SIGNED(x)                                                                        \
	(!__extension__(                                                                       \
		__builtin_constant_p((((unsigned long long)(_USDT_INTTYPE(x))__usdt_unsp) &    \
				      (1ULL << (sizeof(unsigned long long) * 8 - 1))) == 0) || \
		(_USDT_INTTYPE(x)) - 1 > (_USDT_INTTYPE(x))0))
#endif

/*
 * One constant per argument (asm statements take at most 30 operands): the size times 256 plus
 * 1 for a float, negated when signed. The assembler macros below print it as "-4@" or "8f@".
 */
#define _USDT_DESC(x) \
	((_USDT_SIGNED(x) ? -1 : 1) * (int)(_USDT_SIZE(x) * 256 + (_USDT_FLOAT(x) ? 1 : 0)))

#define _USDT_MACROS                    \
	".altmacro\n"                   \
	".macro _usdt_sz sz\n"          \
	".ascii \"\\sz\"\n"             \
	".endm\n"                       \
	".macro _usdt_fl fl\n"          \
	".if \\fl\n"                    \
	".ascii \"f\"\n"                \
	".endif\n"                      \
	".endm\n"                       \
	".macro _usdt_desc d\n"         \
	".iflt \\d\n"                   \
	".ascii \"-\"\n"                \
	"_usdt_sz %%((-(\\d)) >> 8)\n"  \
	"_usdt_fl %%((-(\\d)) & 255)\n" \
	".else\n"                       \
	"_usdt_sz %%((\\d) >> 8)\n"     \
	"_usdt_fl %%((\\d) & 255)\n"    \
	".endif\n"                      \
	".ascii \"@\"\n"                \
	".endm\n"

#define _USDT_PURGE            \
	".purgem _usdt_desc\n" \
	".purgem _usdt_fl\n"   \
	".purgem _usdt_sz\n"   \
	".noaltmacro\n"

#define _USDT_ARGFMT(i)                  \
	"_usdt_desc %c[_usdt_d" #i "]\n" \
	".ascii \"" _USDT_ARGTMPL(_usdt_a##i) "\"\n"
#define _USDT_BLANK " .ascii \" \"\n"

#define _USDT_TPL_0  ""
#define _USDT_TPL_1  _USDT_ARGFMT(1)
#define _USDT_TPL_2  _USDT_TPL_1 _USDT_BLANK _USDT_ARGFMT(2)
#define _USDT_TPL_3  _USDT_TPL_2 _USDT_BLANK _USDT_ARGFMT(3)
#define _USDT_TPL_4  _USDT_TPL_3 _USDT_BLANK _USDT_ARGFMT(4)
#define _USDT_TPL_5  _USDT_TPL_4 _USDT_BLANK _USDT_ARGFMT(5)
#define _USDT_TPL_6  _USDT_TPL_5 _USDT_BLANK _USDT_ARGFMT(6)
#define _USDT_TPL_7  _USDT_TPL_6 _USDT_BLANK _USDT_ARGFMT(7)
#define _USDT_TPL_8  _USDT_TPL_7 _USDT_BLANK _USDT_ARGFMT(8)
#define _USDT_TPL_9  _USDT_TPL_8 _USDT_BLANK _USDT_ARGFMT(9)
#define _USDT_TPL_10 _USDT_TPL_9 _USDT_BLANK _USDT_ARGFMT(10)
#define _USDT_TPL_11 _USDT_TPL_10 _USDT_BLANK _USDT_ARGFMT(11)
#define _USDT_TPL_12 _USDT_TPL_11 _USDT_BLANK _USDT_ARGFMT(12)

#define _USDT_OP(i, x) [_usdt_d##i] "n"(_USDT_DESC(x)), [_usdt_a##i] USDT_ARG_CONSTRAINT(x)

/*
 * The operands of (provider, name, args...), the first two dropped. A probe without
 * arguments still has an operand: "%%" then means "%" in every template.
 */
#define _USDT_OPS_0(P, N)		       [_usdt_none] "g"(0)
#define _USDT_OPS_1(P, N, a)		       _USDT_OP(1, a)
#define _USDT_OPS_2(P, N, a, b)		       _USDT_OPS_1(P, N, a), _USDT_OP(2, b)
#define _USDT_OPS_3(P, N, a, b, c)	       _USDT_OPS_2(P, N, a, b), _USDT_OP(3, c)
#define _USDT_OPS_4(P, N, a, b, c, d)	       _USDT_OPS_3(P, N, a, b, c), _USDT_OP(4, d)
#define _USDT_OPS_5(P, N, a, b, c, d, e)       _USDT_OPS_4(P, N, a, b, c, d), _USDT_OP(5, e)
#define _USDT_OPS_6(P, N, a, b, c, d, e, f)    _USDT_OPS_5(P, N, a, b, c, d, e), _USDT_OP(6, f)
#define _USDT_OPS_7(P, N, a, b, c, d, e, f, g) _USDT_OPS_6(P, N, a, b, c, d, e, f), _USDT_OP(7, g)
#define _USDT_OPS_8(P, N, a, b, c, d, e, f, g, h) \
	_USDT_OPS_7(P, N, a, b, c, d, e, f, g), _USDT_OP(8, h)
#define _USDT_OPS_9(P, N, a, b, c, d, e, f, g, h, i) \
	_USDT_OPS_8(P, N, a, b, c, d, e, f, g, h), _USDT_OP(9, i)
#define _USDT_OPS_10(P, N, a, b, c, d, e, f, g, h, i, j) \
	_USDT_OPS_9(P, N, a, b, c, d, e, f, g, h, i), _USDT_OP(10, j)
#define _USDT_OPS_11(P, N, a, b, c, d, e, f, g, h, i, j, k) \
	_USDT_OPS_10(P, N, a, b, c, d, e, f, g, h, i, j), _USDT_OP(11, k)
#define _USDT_OPS_12(P, N, a, b, c, d, e, f, g, h, i, j, k, l) \
	_USDT_OPS_11(P, N, a, b, c, d, e, f, g, h, i, j, k), _USDT_OP(12, l)

/* ---- the note ------------------------------------------------------------------------------ */

/* clang-format off */
#define _USDT_NOTE(provider, name, sema, args)                                                 \
	".pushsection .note.stapsdt,\"?\",\"note\"\n"                                          \
	".balign 4\n"                                                                          \
	".4byte 992f-991f, 994f-993f, 3\n"                                                     \
	"991: .asciz \"stapsdt\"\n"                                                            \
	"992: .balign 4\n"                                                                     \
	"993: " _USDT_ADDR "990b\n"                                                            \
	_USDT_ADDR "_.stapsdt.base\n"                                                          \
	_USDT_ADDR _USDT_STR(sema) "\n"                                                        \
	".asciz \"" #provider "\"\n"                                                           \
	".asciz \"" #name "\"\n"                                                               \
	args                                                                                   \
	".ascii \"\\0\"\n"                                                                     \
	"994: .balign 4\n"                                                                     \
	".popsection\n"                                                                        \
	".ifndef _.stapsdt.base\n"                                                             \
	".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"                \
	".weak _.stapsdt.base\n"                                                               \
	".hidden _.stapsdt.base\n"                                                             \
	"_.stapsdt.base: .space 1\n"                                                           \
	".size _.stapsdt.base, 1\n"                                                            \
	".popsection\n"                                                                        \
	".endif\n"
/* clang-format on */

#define _USDT_BODY(provider, name, sema, args) \
	_USDT_MACROS _USDT_SITE _USDT_NOTE(provider, name, sema, args) _USDT_PURGE

/*
 * (provider, name, args...) taken apart in ISO C, where a macro's "..." must not be empty:
 * the count of args (0 to 12), the provider and the name.
 */
/* clang-format off */
#define _USDT_NARG(...) _USDT_NARG_(__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, _)
#define _USDT_NARG_(P, N, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, n, ...) n
#define _USDT_PROV(P, ...) P
#define _USDT_NAME(...) _USDT_NAME_(__VA_ARGS__, _)
#define _USDT_NAME_(P, N, ...) N
/* clang-format on */

#define _USDT_PROBE_N(sema, n, ...)                                                               \
	__asm__ __volatile__(                                                                     \
		_USDT_BODY(_USDT_PROV(__VA_ARGS__), _USDT_NAME(__VA_ARGS__), sema, _USDT_TPL_##n) \
		:                                                                                 \
		: _USDT_OPS_##n(__VA_ARGS__))
#define _USDT_PROBE(sema, n, ...) _USDT_PROBE_N(sema, n, __VA_ARGS__)

/* ---- the interface ------------------------------------------------------------------------- */

/* USDT_PROBE(provider, name, args...): 0 to 12 arguments */
#define USDT_PROBE(...) _USDT_PROBE(0, _USDT_NARG(__VA_ARGS__), __VA_ARGS__)

#define _USDT_SEMA_NAME(provider, name)	 _USDT_SEMA_NAME_(provider, name)
#define _USDT_SEMA_NAME_(provider, name) provider##_##name##_semaphore
/* The semaphore of provider:name, defined once per program or library (at file scope). */
#define USDT_SEMA(provider, name)                                    \
	__extension__ unsigned short _USDT_SEMA_NAME(provider, name) \
		__attribute__((unused, section(".probes")))
/* Its declaration, for the other files that fire the probe. */
#define USDT_SEMA_DECLARE(provider, name)                                   \
	__extension__ extern unsigned short _USDT_SEMA_NAME(provider, name) \
		__attribute__((unused, section(".probes")))
/* Non-zero while a tracer is attached to provider:name: the kernel counts them there. */
#define USDT_IS_ENABLED(provider, name) \
	__builtin_expect(*(volatile unsigned short *)&_USDT_SEMA_NAME(provider, name) != 0, 0)
/*
 * USDT_PROBE_SEMA(provider, name, args...): the probe of a semaphore, which fires (and
 * evaluates its arguments) only while enabled.
 */
#define USDT_PROBE_SEMA(...)                                                                       \
	do {                                                                                       \
		if (USDT_IS_ENABLED(_USDT_PROV(__VA_ARGS__), _USDT_NAME(__VA_ARGS__)))             \
			_USDT_PROBE(                                                               \
				_USDT_SEMA_NAME(_USDT_PROV(__VA_ARGS__), _USDT_NAME(__VA_ARGS__)), \
				_USDT_NARG(__VA_ARGS__), __VA_ARGS__);                             \
	} while (0)

/* The site and note as asm text; args as written in the note, operands "%[x]", "%%rip". */
#define USDT_PROBE_ASM(provider, name, args) \
	_USDT_SITE _USDT_NOTE(provider, name, 0, ".ascii \"" #args "\"\n")

#endif /* USDT_PROBE_H */
