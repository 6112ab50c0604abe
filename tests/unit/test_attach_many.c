// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_attach at scale: 100,000 generated sites of 100 probes (mkelf -g) in one uprobe_multi
 * link, attached twice through one manager (its arrays are kept for the second attach, and
 * past 1 MiB live in huge pages, populated ahead of the walk in chunks). What the kernel
 * holds is read back from the link itself (BPF_OBJ_GET_INFO_BY_FD) and checked against what
 * mkelf generated: site i at file offset 0x1000 + i, and one spec per probe in the cookies.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "uprobe_multi.h"
#include "attach_internal.h"
#include "usdt.h"
#include "usdt_test.skel.h"

#define MKELF	 FIXTURES_DIR "/mkelf"
#define SITES	 100000
#define PROBES	 100
#define TEXT_OFF 0x1000 /* mkelf's executable segment: its file offset */

static char tmpdir[PATH_MAX];

/* struct bpf_link_info up to its uprobe_multi member (Linux 6.8; these headers are 6.1). */
struct um_link_info {
	__u32 type, id, prog_id, pad;
	__u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 path_size, count, flags, pid;
};

static int mkelf(const char *out)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		alarm(60);
		execl(MKELF, MKELF, "-g", "100000", "-G", "100", out, (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			       WEXITSTATUS(status) == 0
		       ? 0
		       : -1;
}

/* The kernel's offsets and cookies of the link behind l, into off and cookie (SITES each). */
static int link_arrays(const struct usdt_link *l, __u64 *off, __u64 *cookie)
{
	struct um_link_info info = {0};
	__u32 len = sizeof(info);
	char path[PATH_MAX];

	info.path = (uintptr_t)path;
	info.path_size = sizeof(path);
	info.offsets = (uintptr_t)off;
	info.cookies = (uintptr_t)cookie;
	info.count = SITES;
	if (bpf_obj_get_info_by_fd(usdt_uprobe_link__fd(usdt_link__uprobe_link(l)), &info, &len))
		return -errno;
	CHECK_INT(info.count, SITES);
	return 0;
}

/*
 * mkelf names site i probe<i % PROBES>: sites of one probe share a spec id, sites of two
 * probes never do, and every site sits where mkelf put it.
 */
static void check_link(const struct usdt_link *l, const struct usdt_manager *man)
{
	__u64 *off = calloc(SITES, sizeof(*off)), *cookie = calloc(SITES, sizeof(*cookie));
	__u64 spec_of[PROBES];
	size_t bad_off = 0, bad_spec = 0;

	CHECK_INT(usdt_link__site_cnt(l), SITES);
	CHECK_INT(usdt_link__probe_cnt(l), PROBES);
	if (!off || !cookie || link_arrays(l, off, cookie)) {
		CHECK(!"the link's offsets and cookies");
		goto out;
	}
	for (int p = 0; p < PROBES; p++)
		spec_of[p] = cookie[p];
	for (size_t i = 0; i < SITES; i++) {
		bad_off += off[i] != TEXT_OFF + i;
		bad_spec += cookie[i] != spec_of[i % PROBES];
	}
	CHECK_INT(bad_off, 0);
	CHECK_INT(bad_spec, 0);
	for (int p = 0; p < PROBES; p++) {
		const struct usdt_arg *argv;
		int argc;

		CHECK(usdti_manager_spec_args(man, spec_of[p], &argv, &argc) == 0 && argc == 3);
		for (int q = 0; q < p; q++)
			CHECK(spec_of[p] != spec_of[q]);
	}
out:
	free(off);
	free(cookie);
}

int main(void)
{
	struct usdt_manager_opts mo = {.sz = sizeof(mo), .max_specs = 4 * PROBES};
	struct usdt_link *first = NULL, *second = NULL;
	struct usdt_test *skel = NULL;
	struct usdt_manager *man = NULL;
	char elf[PATH_MAX + 16];

	alarm(100);
	test_require_root("test_attach_many");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_attach_many.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		CHECK(!"mkdtemp");
		return test_summary("test_attach_many");
	}
	snprintf(elf, sizeof(elf), "%s/many.elf", tmpdir);
	skel = usdt_test__open();
	CHECK(skel && usdt_program_prepare(skel->progs.usdt_record, USDT_MODE_MULTI) == 0);
	man = skel ? usdt_manager__new(skel->obj, &mo) : NULL;
	CHECK(man && usdt_test__load(skel) == 0);
	CHECK(mkelf(elf) == 0);
	if (!test_failures) {
		/* the second attach reuses the first one's arrays while the first link lives */
		first = usdt_attach(man, skel->progs.usdt_record, -1, elf, "bench:*", NULL);
		second = usdt_attach(man, skel->progs.usdt_record, -1, elf, "bench:probe7", NULL);
		CHECK(first && second);
	}
	if (first)
		check_link(first, man);
	if (second) {
		CHECK_INT(usdt_link__site_cnt(second), SITES / PROBES);
		CHECK_INT(usdt_link__probe_cnt(second), 1);
	}
	CHECK_INT(usdt_link__destroy(second), 0);
	CHECK_INT(usdt_link__destroy(first), 0);
	usdt_manager__free(man);
	usdt_test__destroy(skel);
	unlink(elf);
	rmdir(tmpdir);
	return test_summary("test_attach_many");
}
