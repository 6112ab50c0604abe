/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The argument-spec layout shared by libusdt (which fills the __usdt_specs map) and
 * <usdt/usdt.bpf.h> (which reads it). Included by both sides: plain fixed-size types only.
 * Not ABI: the library and the usdt.bpf.h of one version agree on it; programs read
 * arguments through usdt.bpf.h's functions, never the map or these structs.
 */
#ifndef USDT_SPEC_H
#define USDT_SPEC_H

#ifndef USDT_MAX_ARGS
#define USDT_MAX_ARGS 12
#endif

/* How the BPF side fetches one argument. */
enum usdt_fetch {
	USDT_FETCH_CONST,  /* val_off */
	USDT_FETCH_REG,	   /* regs[reg_off] + val_off */
	USDT_FETCH_MEM,	   /* *(regs[reg_off] + val_off) */
	USDT_FETCH_SIB,	   /* *(regs[reg_off] (if >= 0) + regs[idx_off] << scale_shift + val_off) */
	USDT_FETCH_IP_REL, /* *(probe ip + val_off): val_off = target vaddr - site vaddr */
	USDT_FETCH_BAD,	   /* unsupported: reading it fails with -EOPNOTSUPP */
};

struct usdt_fetch_arg {
	__u64 val_off;
	__u32 fetch;	  /* enum usdt_fetch */
	__s16 reg_off;	  /* offsetof(struct pt_regs, reg), -1 none */
	__s16 idx_off;	  /* offsetof(struct pt_regs, index), -1 none */
	__u8 scale_shift; /* log2(scale) */
	__u8 is_signed;
	__u8 size;     /* bytes: 1, 2, 4 or 8 */
	__u8 bitshift; /* 64 - size * 8: shift left then right to extend */
};

struct usdt_fetch_spec {
	struct usdt_fetch_arg args[USDT_MAX_ARGS];
	__u64 cookie;	/* the user's cookie from usdt_attach_opts */
	__u32 probe_id; /* which provider:name of which file */
	__u16 arg_cnt;
	__u16 reserved;
};

_Static_assert(sizeof(struct usdt_fetch_arg) == 24, "usdt_fetch_arg layout");
_Static_assert(sizeof(struct usdt_fetch_spec) == 24 * USDT_MAX_ARGS + 16, "usdt_fetch_spec layout");

/* The probe id of no probe: what usdt_probe_id() returns outside a USDT attachment. */
#define USDT_NO_PROBE ((__u32)-1)

/* Name of the spec map in every BPF object that includes usdt.bpf.h. */
#define USDT_SPECS_MAP	       "__usdt_specs"
#define USDT_DEFAULT_MAX_SPECS 256

#endif /* USDT_SPEC_H */
