/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What usdt_test.bpf.c records for test_usdt_attach: one event per probe hit. */
#ifndef USDT_TEST_EVENT_H
#define USDT_TEST_EVENT_H

#define USDT_TEST_MAX_ARGS 12

struct usdt_test_event {
	__u32 pid;
	__u32 probe_id; /* usdt_probe_id() */
	__u32 spec_id;	/* the attach cookie */
	__s32 arg_cnt;	/* usdt_arg_cnt() */
	__u64 cookie;	/* usdt_cookie() */
	__s64 vals[USDT_TEST_MAX_ARGS];
	__s32 errs[USDT_TEST_MAX_ARGS];
	__s32 sizes[USDT_TEST_MAX_ARGS];
	__s32 past_end_err; /* usdt_arg(ctx, arg_cnt) */
	__s32 past_max_err; /* usdt_arg(ctx, USDT_MAX_ARGS) */
};

#endif /* USDT_TEST_EVENT_H */
