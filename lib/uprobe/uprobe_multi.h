/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libusdt's uprobe_multi attach layer: the contract of libbpf's
 * bpf_program__attach_uprobe_multi() (libbpf 1.3+), on any libbpf >= 1.0.
 * Installed as <usdt/uprobe_multi.h>.
 */
#ifndef USDT_UPROBE_MULTI_H
#define USDT_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <linux/types.h>

#include "print.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_program;

/* ---- kernel features ------------------------------------------------------------------------ */

enum usdt_feature {
	USDT_FEAT_UPROBE_MULTI,	  /* uprobe_multi link with the fixed pid filter (46ba0e49b642) */
	USDT_FEAT_UPROBE_SESSION, /* BPF_TRACE_UPROBE_SESSION */
	USDT_FEAT_BPF_COOKIE,	  /* bpf_get_attach_cookie() on perf_event uprobes */
	USDT_FEAT_REF_CTR,	  /* uprobe ref_ctr_offset (semaphores), 4.20+ */
	USDT_FEAT_UPROBE_SYSCALL, /* optimized uprobes: a uprobe on a nop5 is a call (x86-64 6.18+)
				   */
	__USDT_FEAT_CNT,
};

/* 1 = present, 0 = absent, < 0 = -errno when the probe itself failed. Cached per process. */
int usdt_feature_probe(enum usdt_feature feat);
const char *usdt_feature_name(enum usdt_feature feat);

/* ---- program preparation (before bpf_object__load) ------------------------------------------ */

enum usdt_attach_mode {
	USDT_MODE_AUTO = 0, /* uprobe_multi where the kernel has it, else legacy */
	USDT_MODE_MULTI,    /* one uprobe_multi link */
	USDT_MODE_SESSION,  /* one uprobe_multi link in session mode */
	USDT_MODE_LEGACY,   /* one perf_event uprobe per site */
};

/*
 * Sets the program's type and expected attach type for the mode. USDT_MODE_AUTO resolves to
 * USDT_MODE_LEGACY when USDT_LEGACY_ATTACH=1 is in the environment or the kernel lacks
 * uprobe_multi. Returns 0 or -errno (-EOPNOTSUPP: the kernel lacks what the mode needs).
 */
int usdt_program_prepare(struct bpf_program *prog, enum usdt_attach_mode mode);

/*
 * What USDT_MODE_AUTO resolves to here: USDT_MODE_LEGACY when USDT_LEGACY_ATTACH=1 is in the
 * environment or the kernel lacks uprobe_multi (or probing it failed), else USDT_MODE_MULTI.
 * *reason, when reason is not NULL, says why in a few words (a static string).
 */
enum usdt_attach_mode usdt_attach_mode_auto(const char **reason);

/* The mode a loaded or prepared program attaches with. */
enum usdt_attach_mode usdt_program_mode(const struct bpf_program *prog);

/* ---- attach ---------------------------------------------------------------------------------- */

struct usdt_uprobe_multi_opts {
	size_t sz; /* sizeof(struct usdt_uprobe_multi_opts) */
	const char **syms;
	const unsigned long *offsets;
	const unsigned long *ref_ctr_offsets;
	const __u64 *cookies;
	size_t cnt;
	bool retprobe;
	bool session;
	size_t : 0;
};
#define usdt_uprobe_multi_opts__last_field session

/*
 * Declares and zeroes an opts struct (padding included, which the size check reads) with sz
 * set, as libbpf's LIBBPF_OPTS: USDT_OPTS(usdt_uprobe_multi_opts, o, .retprobe = true);
 */
#define USDT_OPTS(TYPE, NAME, ...)                                     \
	struct TYPE NAME = ({                                          \
		memset(&NAME, 0, sizeof(struct TYPE));                 \
		(struct TYPE){.sz = sizeof(struct TYPE), __VA_ARGS__}; \
	})

struct usdt_uprobe_link;

/*
 * Attaches prog to many uprobes of one binary in one link (see libbpf's
 * bpf_program__attach_uprobe_multi for the contract). pid: 0 = the calling process, -1 = every
 * process, N = that process and its threads. binary_path: absolute, or a bare name resolved as
 * libbpf does. Returns NULL with errno set on failure.
 *
 * Either func_pattern alone (an fnmatch() glob over the STT_FUNC and STT_GNU_IFUNC symbols of
 * .symtab and .dynsym, one site per address; an IFUNC's site is its resolver, as in libbpf), or
 * opts->cnt sites given by syms (exact names) XOR offsets (file offsets), with optional
 * ref_ctr_offsets (semaphore file offsets) and cookies. The program's prepared mode
 * (usdt_program_prepare) picks the path: uprobe_multi, session, or one perf_event per site.
 * Errors: EINVAL (bad combination, cnt > 1 << 20, unknown non-zero opts bytes, pid < -1,
 * program not loaded, opts->session not matching the program's mode), EOPNOTSUPP (session on
 * a legacy program, semaphores without kernel support), ENOENT (binary, pattern or a sym not
 * found: named through the print callback), ESRCH (ambiguous sym, or no such pid), E2BIG
 * (func_pattern matches more than 1 << 20 functions), and what the kernel returns.
 */
struct usdt_uprobe_link *usdt_attach_uprobe_multi(const struct bpf_program *prog, pid_t pid,
						  const char *binary_path, const char *func_pattern,
						  const struct usdt_uprobe_multi_opts *opts);

/* Detaches and frees. Safe on NULL. */
int usdt_uprobe_link__destroy(struct usdt_uprobe_link *link);
/* The uprobe_multi link fd, or the first perf_event link fd on the legacy path. */
int usdt_uprobe_link__fd(const struct usdt_uprobe_link *link);
/* All link fds: one for uprobe_multi, one per site for legacy. */
const int *usdt_uprobe_link__fds(const struct usdt_uprobe_link *link, size_t *cnt);
/* Number of attached sites. */
size_t usdt_uprobe_link__cnt(const struct usdt_uprobe_link *link);
enum usdt_attach_mode usdt_uprobe_link__mode(const struct usdt_uprobe_link *link);

/*
 * Resolves a bare binary or library name as libbpf does: names containing '/' are taken as
 * they are; "*.so*" through LD_LIBRARY_PATH and the system library directories (in the dynamic
 * loader's order: the multiarch directories, then /lib and /usr/lib); others through PATH.
 * Writes an absolute path. Returns 0 or -errno (-ENOENT: not found, which is an answer, not a
 * warning: the caller says what it means).
 */
int usdt_resolve_binary_path(const char *name, char *buf, size_t buf_sz);

#ifdef __cplusplus
}
#endif

#endif /* USDT_UPROBE_MULTI_H */
