/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading USDT arguments from a BPF program attached with libusdt's usdt_attach().
 * Installed as <usdt/usdt.bpf.h>. Works without vmlinux.h: registers are read from the
 * program's context (struct pt_regs) at the offsets userspace recorded in the spec.
 *
 *	SEC("uprobe")
 *	int handler(void *ctx)
 *	{
 *		long v;
 *		int err = usdt_arg(ctx, 0, &v);
 *		...
 *	}
 *
 * Every attached site carries a spec id as its BPF cookie; the spec (from __usdt_specs, the
 * library's own map, which userspace fills) says where each argument lives. Attach-time
 * cookies of the user are returned by usdt_cookie().
 */
#ifndef USDT_USDT_BPF_H
#define USDT_USDT_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <linux/bpf.h>
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "usdt_spec.h"

/* Private errno values: <linux/errno.h> is not usable next to vmlinux.h. */
#define __USDT_ENOENT	  2
#define __USDT_EINVAL	  22
#define __USDT_EOPNOTSUPP 95

/*
 * Weak, so that several BPF objects linked into one (bpftool gen object) share it. The usdt
 * manager sizes it and makes it mmapable before the object loads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, USDT_DEFAULT_MAX_SPECS);
	__type(key, __u32);
	__type(value, struct usdt_fetch_spec);
} __usdt_specs SEC(".maps") __weak;

/* The spec of the site that fired: its id is the attach cookie, on every attach path. */
static __always_inline const struct usdt_fetch_spec *__usdt_spec(void *ctx)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);

	return bpf_map_lookup_elem(&__usdt_specs, &id);
}

/* Number of arguments of the probe that fired, or -ENOENT outside a USDT attachment. */
static __always_inline int usdt_arg_cnt(void *ctx)
{
	const struct usdt_fetch_spec *spec = __usdt_spec(ctx);

	if (!spec)
		return -__USDT_ENOENT;
	return spec->arg_cnt;
}

#if defined(__TARGET_ARCH_x86)
/*
 * x86-64's struct pt_regs is 21 registers, the same in the kernel and the uapi. A context load
 * costs an instruction where bpf_probe_read_kernel() costs a helper call, but the verifier
 * takes only loads at a constant offset from the context register itself: one case per
 * register, each load written in assembly so that the compiler cannot merge the cases into one
 * load at a variable offset, or move the offset into the pointer.
 */
#define __USDT_REG_CASE(n)                                                                  \
	case (n)*8:                                                                         \
		asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(*val) : "r"(ctx), "i"((n)*8)); \
		break

static __always_inline int __usdt_reg(void *ctx, __s16 off, __u64 *val)
{
	/* %ah..%dh are a byte into their register: the register, shifted down to that byte */
	switch (off & ~7) {
		__USDT_REG_CASE(0);
		__USDT_REG_CASE(1);
		__USDT_REG_CASE(2);
		__USDT_REG_CASE(3);
		__USDT_REG_CASE(4);
		__USDT_REG_CASE(5);
		__USDT_REG_CASE(6);
		__USDT_REG_CASE(7);
		__USDT_REG_CASE(8);
		__USDT_REG_CASE(9);
		__USDT_REG_CASE(10);
		__USDT_REG_CASE(11);
		__USDT_REG_CASE(12);
		__USDT_REG_CASE(13);
		__USDT_REG_CASE(14);
		__USDT_REG_CASE(15);
		__USDT_REG_CASE(16);
		__USDT_REG_CASE(17);
		__USDT_REG_CASE(18);
		__USDT_REG_CASE(19);
		__USDT_REG_CASE(20);
	default:
		return -__USDT_EINVAL;
	}
	*val >>= (off & 7) * 8;
	return 0;
}
#else
static __always_inline int __usdt_reg(void *ctx, __s16 off, __u64 *val)
{
	if (off < 0)
		return -__USDT_EINVAL;
	return bpf_probe_read_kernel(val, sizeof(*val), ctx + off);
}
#endif

/* Reads exactly size bytes, so an argument at the end of a mapping reads fine. */
static __always_inline int __usdt_read_user(__u64 addr, __u8 size, __u64 *val)
{
	int err;

	if (size > sizeof(*val))
		return -__USDT_EOPNOTSUPP;
	err = bpf_probe_read_user(val, size, (const void *)addr);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	*val >>= 64 - size * 8;
#endif
	return err;
}

static __always_inline int __usdt_fetch(void *ctx, const struct usdt_fetch_arg *arg, __u64 *val)
{
	__u64 base = 0, idx = 0;
	int err;

	switch (arg->fetch) {
	case USDT_FETCH_CONST:
		*val = arg->val_off;
		return 0;
	case USDT_FETCH_REG:
		/* val_off: how far the probe's %rsp is below the note's (a nop5 site) */
		err = __usdt_reg(ctx, arg->reg_off, val);
		*val += arg->val_off;
		return err;
	case USDT_FETCH_MEM:
		err = __usdt_reg(ctx, arg->reg_off, &base);
		if (err)
			return err;
		return __usdt_read_user(base + arg->val_off, arg->size, val);
	case USDT_FETCH_SIB:
		/* disp(,%index,scale) has no base register */
		if (arg->reg_off >= 0) {
			err = __usdt_reg(ctx, arg->reg_off, &base);
			if (err)
				return err;
		}
		err = __usdt_reg(ctx, arg->idx_off, &idx);
		if (err)
			return err;
		return __usdt_read_user(base + (idx << (arg->scale_shift & 3)) + arg->val_off,
					arg->size, val);
	case USDT_FETCH_IP_REL:
		/* the probe's address: the site's PC as this process mapped it */
		base = bpf_get_func_ip(ctx);
		return __usdt_read_user(base + arg->val_off, arg->size, val);
	default:
		return -__USDT_EOPNOTSUPP;
	}
}

/* usdt_arg() with the spec looked up already: programs reading several arguments save lookups. */
static __always_inline int __usdt_arg_of(void *ctx, const struct usdt_fetch_spec *spec, __u64 n,
					 long *value)
{
	const struct usdt_fetch_arg *arg;
	__u64 val = 0;
	__u8 shift;
	int err;

	*value = 0;
	if (!spec)
		return -__USDT_ENOENT;
	if (n >= USDT_MAX_ARGS || n >= spec->arg_cnt)
		return -__USDT_ENOENT;
	arg = &spec->args[n];
	err = __usdt_fetch(ctx, arg, &val);
	if (err)
		return err;
	shift = arg->bitshift & 63;
	val <<= shift;
	if (arg->is_signed)
		*value = (long)val >> shift;
	else
		*value = val >> shift;
	return 0;
}

/*
 * Reads argument n (from 0) of the probe that fired into *value, sign- or zero-extended from
 * its size. Returns 0, -ENOENT (no spec, or no argument n), -EOPNOTSUPP (an argument libusdt
 * cannot locate, such as a float register), or the read helper's error. *value is 0 on error.
 */
static __always_inline int usdt_arg(void *ctx, __u64 n, long *value)
{
	return __usdt_arg_of(ctx, __usdt_spec(ctx), n, value);
}

/*
 * Size in bytes of argument n, negative when the argument is signed (as in the note:
 * "-4@%eax" gives -4). 0 when there is no spec or no argument n.
 */
static __always_inline int usdt_arg_size(void *ctx, __u64 n)
{
	const struct usdt_fetch_spec *spec = __usdt_spec(ctx);
	const struct usdt_fetch_arg *arg;

	if (!spec || n >= USDT_MAX_ARGS || n >= spec->arg_cnt)
		return 0;
	arg = &spec->args[n];
	return arg->is_signed ? -(int)arg->size : (int)arg->size;
}

/* The probe (path, provider, name) that fired: see usdt_manager__probe_info(). */
static __always_inline __u32 usdt_probe_id(void *ctx)
{
	const struct usdt_fetch_spec *spec = __usdt_spec(ctx);

	return spec ? spec->probe_id : USDT_NO_PROBE;
}

/* The cookie given to usdt_attach() in usdt_attach_opts.cookie, or 0. */
static __always_inline __u64 usdt_cookie(void *ctx)
{
	const struct usdt_fetch_spec *spec = __usdt_spec(ctx);

	return spec ? spec->cookie : 0;
}

/* ___bpf_apply() and ___bpf_narg() come from bpf_tracing.h. */
#define ___usdt_arg(n)                 \
	({                             \
		long _x;               \
		usdt_arg(ctx, n, &_x); \
		(void *)_x;            \
	})
#define ___usdt_args0()		   ctx
#define ___usdt_args1(x)	   ___usdt_args0(), ___usdt_arg(0)
#define ___usdt_args2(x, args...)  ___usdt_args1(args), ___usdt_arg(1)
#define ___usdt_args3(x, args...)  ___usdt_args2(args), ___usdt_arg(2)
#define ___usdt_args4(x, args...)  ___usdt_args3(args), ___usdt_arg(3)
#define ___usdt_args5(x, args...)  ___usdt_args4(args), ___usdt_arg(4)
#define ___usdt_args6(x, args...)  ___usdt_args5(args), ___usdt_arg(5)
#define ___usdt_args7(x, args...)  ___usdt_args6(args), ___usdt_arg(6)
#define ___usdt_args8(x, args...)  ___usdt_args7(args), ___usdt_arg(7)
#define ___usdt_args9(x, args...)  ___usdt_args8(args), ___usdt_arg(8)
#define ___usdt_args10(x, args...) ___usdt_args9(args), ___usdt_arg(9)
#define ___usdt_args11(x, args...) ___usdt_args10(args), ___usdt_arg(10)
#define ___usdt_args12(x, args...) ___usdt_args11(args), ___usdt_arg(11)
#define ___usdt_args(args...)	   ___bpf_apply(___usdt_args, ___bpf_narg(args))(args)

/*
 * A handler whose parameters are the probe's arguments, as libbpf's BPF_USDT (a distinct
 * name, so that both headers can be included). Arguments that cannot be read are 0; use
 * usdt_arg() where the difference matters. ctx stays available.
 *
 *	SEC("uprobe")
 *	int USDT_PROG(on_request, int id, const char *path)
 */
/* clang-format off */
#define USDT_PROG(name, args...)						\
	name(void *ctx);							\
	static __always_inline typeof(name(0)) ____##name(void *ctx, ##args);	\
	typeof(name(0)) name(void *ctx)						\
	{									\
		_Pragma("GCC diagnostic push")					\
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")		\
		return ____##name(___usdt_args(args));				\
		_Pragma("GCC diagnostic pop")					\
	}									\
	static __always_inline typeof(name(0)) ____##name(void *ctx, ##args)
/* clang-format on */

#endif /* USDT_USDT_BPF_H */
