// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel feature probes for the attach layer, each run once per process and cached. They load
 * trivial programs and create links (or call a syscall) that must fail in a known way: nothing
 * is ever attached, and no tracefs is needed.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "link_create.h"
#include "log.h"
#include "uprobe_multi.h"

static const char *const feature_names[__USDT_FEAT_CNT] = {
	[USDT_FEAT_UPROBE_MULTI] = "uprobe_multi",
	[USDT_FEAT_UPROBE_SESSION] = "uprobe_session",
	[USDT_FEAT_BPF_COOKIE] = "bpf_cookie",
	[USDT_FEAT_REF_CTR] = "ref_ctr_offset",
	[USDT_FEAT_UPROBE_SYSCALL] = "uprobe_syscall",
};

/* "return 0", or "return bpf_get_attach_cookie(ctx)" */
static int load_kprobe_prog(__u32 expected, bool call_cookie)
{
	const struct bpf_insn insns[] = {
		call_cookie ? (struct bpf_insn){.code = BPF_JMP | BPF_CALL,
						.imm = BPF_FUNC_get_attach_cookie}
			    : (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)expected);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);

	return fd < 0 ? -errno : fd;
}

/* The errno of a uprobe_multi link create on "/" (never a regular file, so it never attaches). */
static int link_on_root_errno(int prog_fd, __u32 attach_type, pid_t pid)
{
	const unsigned long offset = 0;
	int fd;

	fd = usdti_uprobe_multi_link_create(prog_fd, attach_type, "/", &offset, NULL, NULL, 1, 0,
					    pid);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd;
}

/*
 * A kernel with the attach type refuses "/" with EBADF. Kernels fixed by 46ba0e49b642 check
 * the pid before the path: pid -1 fails with EINVAL there (measured on 6.18: EBADF for pid 0,
 * EINVAL for pid -1); kernels that filter by thread still say EBADF and count as lacking it.
 */
static int probe_uprobe_multi(__u32 attach_type, bool check_pid_fix)
{
	int prog_fd, err, ret;

	prog_fd = load_kprobe_prog(attach_type, false);
	if (prog_fd == -EINVAL)
		return 0;
	if (prog_fd < 0)
		return prog_fd;
	err = link_on_root_errno(prog_fd, attach_type, 0);
	if (err != -EBADF) {
		pr_debug("feature probe: attach type %u on '/' gave %d: absent\n", attach_type,
			 err);
		ret = 0;
	} else if (check_pid_fix) {
		err = link_on_root_errno(prog_fd, attach_type, -1);
		pr_debug("feature probe: attach type %u with pid -1 gave %d\n", attach_type, err);
		ret = err == -EINVAL;
	} else {
		ret = 1;
	}
	close(prog_fd);
	return ret;
}

static int probe_bpf_cookie(void)
{
	int fd = load_kprobe_prog(0, true);

	if (fd == -EINVAL)
		return 0;
	if (fd < 0)
		return fd;
	close(fd);
	return 1;
}

static int probe_ref_ctr(void)
{
	if (access(UPROBE_PMU_DIR "/format/ref_ctr_offset", F_OK) == 0)
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

/*
 * The uprobe syscall enters the kernel from the trampoline an optimized uprobe calls; from
 * anywhere else it fails with ENXIO, and kernels without it say ENOSYS. The number is x86-64's:
 * elsewhere 336 is another syscall, and no other architecture optimizes uprobes.
 */
static int probe_uprobe_syscall(void)
{
#if defined(__x86_64__)
	if (syscall(336) == 0)
		return -EPROTO;
	return errno == ENXIO ? 1 : errno == ENOSYS ? 0 : -errno;
#else
	return 0;
#endif
}

static int run_probe(enum usdt_feature feat)
{
	switch (feat) {
	case USDT_FEAT_UPROBE_MULTI:
		return probe_uprobe_multi(USDT_BPF_TRACE_UPROBE_MULTI, true);
	case USDT_FEAT_UPROBE_SESSION:
		return probe_uprobe_multi(USDT_BPF_TRACE_UPROBE_SESSION, false);
	case USDT_FEAT_BPF_COOKIE:
		return probe_bpf_cookie();
	case USDT_FEAT_REF_CTR:
		return probe_ref_ctr();
	case USDT_FEAT_UPROBE_SYSCALL:
		return probe_uprobe_syscall();
	default:
		return -EINVAL;
	}
}

/*
 * 0 = not probed yet; otherwise the result + CACHE_BIAS. Concurrent first calls may both probe:
 * the probes are idempotent, so the race costs time, never a wrong answer.
 */
#define CACHE_BIAS 4096
static _Atomic int cache[__USDT_FEAT_CNT];

int usdt_feature_probe(enum usdt_feature feat)
{
	int v;

	if ((unsigned int)feat >= __USDT_FEAT_CNT)
		return usdti_err(-EINVAL);
	v = atomic_load(&cache[feat]);
	if (!v) {
		int ret = run_probe(feat);

		pr_debug("feature %s: %d\n", feature_names[feat], ret);
		v = ret + CACHE_BIAS;
		atomic_store(&cache[feat], v);
	}
	return usdti_err(v - CACHE_BIAS);
}

const char *usdt_feature_name(enum usdt_feature feat)
{
	if ((unsigned int)feat >= __USDT_FEAT_CNT)
		return NULL;
	return feature_names[feat];
}
