// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fallback where uprobe_multi is missing or not wanted: one perf_event uprobe per site,
 * created through the uprobe PMU (no tracefs), with the program attached by a BPF_PERF_EVENT
 * link carrying the site's cookie. Detaching costs ~0.1 s per site (each perf event's release
 * waits for the uprobe to be unregistered), which is why it is never the default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>

#include "link_create.h"
#include "log.h"
#include "outlive.h"
#include "uprobe_internal.h"

struct uprobe_pmu {
	int type;
	int retprobe_bit;  /* format/retprobe: "config:N" */
	int ref_ctr_shift; /* format/ref_ctr_offset: "config:32-63"; -1 = unsupported */
};

static int read_sysfs(const char *name, const char *fmt, int *val)
{
	char path[128];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), UPROBE_PMU_DIR "/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, fmt, val);
	fclose(f);
	return n == 1 ? 0 : -EINVAL;
}

static int read_pmu(struct uprobe_pmu *pmu)
{
	int err;

	err = read_sysfs("type", "%d", &pmu->type);
	if (err) {
		pr_warn("cannot read the uprobe PMU type from " UPROBE_PMU_DIR ": %s\n",
			strerror(-err));
		return err;
	}
	err = read_sysfs("format/retprobe", "config:%d", &pmu->retprobe_bit);
	if (err) {
		pr_warn("cannot read " UPROBE_PMU_DIR "/format/retprobe: %s\n", strerror(-err));
		return err;
	}
	if (read_sysfs("format/ref_ctr_offset", "config:%d", &pmu->ref_ctr_shift))
		pmu->ref_ctr_shift = -1;
	return 0;
}

/* Semaphores need the PMU's ref_ctr_offset field, which holds 32 bits. */
static int check_ref_ctrs(const struct uprobe_pmu *pmu, const struct usdti_sites *s)
{
	for (size_t i = 0; s->ref_ctr_offsets && i < s->cnt; i++) {
		unsigned long ref = s->ref_ctr_offsets[i];

		if (!ref)
			continue;
		if (pmu->ref_ctr_shift < 0) {
			pr_warn("site %zu of '%s' has a semaphore, and this kernel's uprobe PMU lacks ref_ctr_offset\n",
				i, s->path);
			return -EOPNOTSUPP;
		}
		if (ref > 0xffffffffUL) {
			pr_warn("site %zu of '%s': ref_ctr_offset 0x%lx does not fit the uprobe PMU's 32 bits\n",
				i, s->path, ref);
			return -EINVAL;
		}
	}
	return 0;
}

struct perf_open {
	struct perf_event_attr *attr;
	pid_t pid;
};

static int perf_open(void *arg)
{
	struct perf_open *o = arg;
	int fd = syscall(__NR_perf_event_open, o->attr, o->pid, o->pid > 0 ? -1 : 0, -1,
			 PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * pid > 0 binds the event to that task; the uprobe filter compares the mm, so every thread of
 * the process is traced. pid -1 needs a cpu for perf_event_open (cpu 0, as libbpf does), yet
 * a uprobe's BPF program runs on whatever cpu hits it.
 */
static int open_uprobe(const struct uprobe_pmu *pmu, const struct usdti_sites *s, size_t i)
{
	struct perf_event_attr attr;
	unsigned long ref = s->ref_ctr_offsets ? s->ref_ctr_offsets[i] : 0;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = pmu->type;
	if (s->retprobe)
		attr.config |= 1ULL << pmu->retprobe_bit;
	if (ref)
		attr.config |= (__u64)ref << pmu->ref_ctr_shift;
	attr.config1 = (__u64)(unsigned long)s->path;
	attr.config2 = s->offsets[i];
	/* opening the event installs the uprobe, in the calling task */
	return usdti_outlive(perf_open, &(struct perf_open){&attr, s->pid > 0 ? s->pid : -1});
}

static int attach_site(int prog_fd, const struct uprobe_pmu *pmu, const struct usdti_sites *s,
		       size_t i, int *link_fd, int *perf_fd)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .perf_event.bpf_cookie = s->cookies ? s->cookies[i] : 0);
	const char *what = "perf_event_open";
	int pfd, lfd;

	pfd = open_uprobe(pmu, s, i);
	if (pfd < 0) {
		lfd = pfd;
		goto err;
	}
	what = "BPF_PERF_EVENT link";
	lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, &opts);
	if (lfd < 0) {
		lfd = -errno;
		close(pfd);
		goto err;
	}
	what = "enabling the perf event";
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(lfd);
		close(pfd);
		lfd = err;
		goto err;
	}
	*link_fd = lfd;
	*perf_fd = pfd;
	return 0;
err:
	pr_warn("site %zu of '%s' (offset 0x%lx, pid %d): %s failed: %s\n", i, s->path,
		s->offsets[i], (int)s->pid, what, strerror(-lfd));
	return lfd;
}

struct fds {
	int *link_fds, *perf_fds;
	size_t cnt;
};

static int close_fds(void *arg)
{
	struct fds *f = arg;

	for (size_t i = 0; i < f->cnt; i++) {
		if (f->link_fds && f->link_fds[i] >= 0)
			close(f->link_fds[i]);
		if (f->perf_fds && f->perf_fds[i] >= 0)
			close(f->perf_fds[i]);
	}
	return 0;
}

void usdti_legacy_detach(int *link_fds, int *perf_fds, size_t cnt)
{
	/* closing a perf event removes its uprobe, in the calling task: ~0.08 s per site */
	usdti_outlive(close_fds, &(struct fds){link_fds, perf_fds, cnt});
	free(link_fds);
	free(perf_fds);
}

int usdti_legacy_attach(int prog_fd, const struct usdti_sites *s, int **link_fds, int **perf_fds)
{
	struct uprobe_pmu pmu;
	int *lfds, *pfds;
	int err;

	err = read_pmu(&pmu);
	if (!err)
		err = check_ref_ctrs(&pmu, s);
	if (err)
		return err;
	lfds = malloc(s->cnt * sizeof(*lfds));
	pfds = malloc(s->cnt * sizeof(*pfds));
	if (!lfds || !pfds) {
		free(lfds);
		free(pfds);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cnt; i++) {
		err = attach_site(prog_fd, &pmu, s, i, &lfds[i], &pfds[i]);
		if (err) {
			usdti_legacy_detach(lfds, pfds, i);
			return err;
		}
	}
	*link_fds = lfds;
	*perf_fds = pfds;
	return 0;
}
