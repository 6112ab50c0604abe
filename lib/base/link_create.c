// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* BPF_LINK_CREATE for uprobe_multi with the bpf() syscall: libbpf 1.1 has no wrapper for it. */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "link_create.h"
#include "outlive.h"

static int link_create(void *attr)
{
	int fd = syscall(__NR_bpf, BPF_LINK_CREATE, attr, sizeof(union bpf_attr));

	return fd < 0 ? -errno : fd;
}

int usdti_uprobe_multi_link_create(int prog_fd, __u32 attach_type, const char *path,
				   const unsigned long *offsets,
				   const unsigned long *ref_ctr_offsets, const __u64 *cookies,
				   size_t cnt, __u32 flags, pid_t pid)
{
	struct usdt_link_create_uprobe_multi lc = {
		.prog_fd = prog_fd,
		.attach_type = attach_type,
		.path = (__u64)(unsigned long)path,
		.offsets = (__u64)(unsigned long)offsets,
		.ref_ctr_offsets = (__u64)(unsigned long)ref_ctr_offsets,
		.cookies = (__u64)(unsigned long)cookies,
		.cnt = cnt,
		.um_flags = flags,
		.pid = pid,
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, &lc, sizeof(lc));
	/* the kernel installs every uprobe, or rolls them back, in the calling task */
	return usdti_outlive(link_create, &attr);
}
