/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The event minitrace.bpf.c sends to minitrace.c: one probe hit. */
#ifndef MINITRACE_H
#define MINITRACE_H

#define MINITRACE_MAX_ARGS 12
#define MINITRACE_STR_LEN  64

struct minitrace_event {
	__u32 pid;
	__u32 probe_id; /* usdt_manager__probe_info() names it */
	__s32 arg_cnt;
	__u32 bad_mask; /* bit i: argument i could not be read */
	__u32 str_mask; /* bit i: strs[i] holds argument i as a string */
	__u32 reserved;
	__s64 args[MINITRACE_MAX_ARGS];
	char strs[MINITRACE_MAX_ARGS][MINITRACE_STR_LEN];
};

#endif /* MINITRACE_H */
