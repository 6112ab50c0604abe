// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Following processes for usdtctl trace (see follow.h): the followed set across fork and
 * exit, and the stop at the end of exec or at the dynamic loader's r_brk hook when the
 * process maps an executable file usdtctl has not seen (walking its mappings in BPF).
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <asm/ptrace.h> /* struct pt_regs, for PT_REGS_IP */

#include "follow_filter.bpf.h"
#include "stats.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGSTOP 19
#define VM_EXEC 4

/* The kernel's types, only the fields read (CO-RE relocates them). */
struct super_block {
	__u32 s_dev;
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} atomic_t;

struct signal_struct {
	atomic_t live; /* its threads not yet in do_exit() */
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	struct signal_struct *signal;
} __attribute__((preserve_access_index));

struct linux_binprm;

struct vm_area_struct {
	unsigned long vm_flags;
	struct file *vm_file;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_MAX_FILES);
	__type(key, struct follow_file);
	__type(value, __u8);
} known SEC(".maps");

/* stopped by us and not yet continued: what the guard continues if usdtctl dies */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_MAX_STOPS);
	__type(key, __u32);
	__type(value, __u8);
} stopped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, FOLLOW_RINGBUF);
} follow_events SEC(".maps");

STATS_MAP(follow_stats, FOLLOW_STAT_CNT);

static __always_inline void follow_stat(__u32 slot)
{
	stats_inc(&follow_stats, slot);
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(child, tgid);
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u8 one = 1;

	/* a new thread stays in its process; without follow_only every process counts */
	if (!follow_only || BPF_CORE_READ(child, pid) != tgid ||
	    !bpf_map_lookup_elem(&followed, &ptgid))
		return 0;
	if (bpf_map_update_elem(&followed, &tgid, &one, BPF_ANY))
		follow_stat(FOLLOW_STAT_PROCS_FULL);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(follow_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid), zero = 0;
	__u64 *epoch;

	/*
	 * Only when its last thread goes (do_exit() counts signal->live down before this
	 * tracepoint): a process whose main thread exits runs on, and stays followed.
	 */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	/* its tgid may come back for another process: what tracers remember of it is stale */
	if (!bpf_map_delete_elem(&followed, &tgid)) {
		epoch = bpf_map_lookup_elem(&follow_epoch, &zero);
		if (epoch)
			__sync_fetch_and_add(epoch, 1);
	}
	bpf_map_delete_elem(&stopped, &tgid);
	return 0;
}

/* The kernel's VMA iterator (6.7+): the current process's mappings, walked in BPF. */
struct bpf_iter_task_vma {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task,
				 __u64 addr) __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym;

/* Does the current process map an executable file usdtctl has not seen? */
static __always_inline bool maps_new_file(void)
{
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;
	struct follow_file key;
	bool found = false;

	bpf_iter_task_vma_new(&it, bpf_get_current_task_btf(), 0);
	/* the kernel's iterator ends with the mappings: the verifier needs no bound */
	while ((vma = bpf_iter_task_vma_next(&it))) {
		struct file *file = vma->vm_file;

		if (!(vma->vm_flags & VM_EXEC) || !file)
			continue;
		key.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
		key.ino = BPF_CORE_READ(file, f_inode, i_ino);
		if (!bpf_map_lookup_elem(&known, &key)) {
			found = true;
			break;
		}
	}
	bpf_iter_task_vma_destroy(&it);
	return found;
}

/*
 * Stops the current process for usdtctl if it mapped new files. SIGSTOP is taken on the way
 * back to user mode: before the new program's first instruction, before the loader goes on.
 * No event, no stop: a process is never stopped without usdtctl knowing.
 */
static __always_inline void stop_if_new(enum follow_why why)
{
	__u32 tgid = current_tgid();
	struct follow_event *e;
	__u8 one = 1;

	if (!follow_pass() || !maps_new_file())
		return;
	e = bpf_ringbuf_reserve(&follow_events, sizeof(*e), 0);
	if (!e) {
		follow_stat(FOLLOW_STAT_NOT_STOPPED);
		return;
	}
	if (bpf_map_update_elem(&stopped, &tgid, &one, BPF_ANY)) {
		bpf_ringbuf_discard(e, 0);
		follow_stat(FOLLOW_STAT_NOT_STOPPED);
		return;
	}
	if (bpf_send_signal(SIGSTOP)) {
		bpf_map_delete_elem(&stopped, &tgid);
		bpf_ringbuf_discard(e, 0);
		follow_stat(FOLLOW_STAT_NOT_STOPPED);
		return;
	}
	e->pid = tgid;
	e->why = why;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(follow_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	stop_if_new(FOLLOW_EXEC);
	return 0;
}

/*
 * The dynamic loader's _dl_debug_state(), attached by usdtctl in each ld.so it sees. The walk
 * is skipped only when r_state reads as another state than RT_CONSISTENT: an unknown place or
 * a failed read walks, as before. (dlmopen's other namespaces keep their own r_debug: the
 * base one stays consistent then, and every call walks.)
 */
SEC("uprobe")
int follow_r_brk(struct pt_regs *ctx)
{
	__s64 delta = bpf_get_attach_cookie(ctx);
	int state;

	if (delta &&
	    !bpf_probe_read_user(&state, sizeof(state), (void *)(PT_REGS_IP(ctx) + delta)) &&
	    state != FOLLOW_RT_CONSISTENT)
		return 0;
	stop_if_new(FOLLOW_DLOPEN);
	return 0;
}
