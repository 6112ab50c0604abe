// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdt_attach_uprobe_multi(): libbpf's bpf_program__attach_uprobe_multi() contract on libbpf
 * 1.1, which lacks it. Validates the request, turns names into file offsets, then creates one
 * uprobe_multi link with the bpf() syscall, or one perf_event uprobe per site for programs
 * prepared for the legacy path.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "link_create.h"
#include "log.h"
#include "opts.h"
#include "outlive.h"
#include "symbols.h"
#include "uprobe_internal.h"

struct usdt_uprobe_link {
	enum usdt_attach_mode mode;
	size_t cnt;    /* sites */
	size_t fd_cnt; /* 1 for uprobe_multi, cnt for legacy */
	int *fds;      /* link fds */
	int *perf_fds; /* legacy: the perf events behind the links */
	int multi_fd;  /* fds points here for uprobe_multi */
};

/* ---- the link ------------------------------------------------------------------------------- */

static int close_fd(void *fd)
{
	return close(*(int *)fd);
}

static struct usdt_uprobe_link *link_new(enum usdt_attach_mode mode, size_t cnt)
{
	struct usdt_uprobe_link *link = calloc(1, sizeof(*link));

	if (!link)
		return NULL;
	link->mode = mode;
	link->cnt = cnt;
	link->multi_fd = -1;
	return link;
}

int usdt_uprobe_link__destroy(struct usdt_uprobe_link *link)
{
	if (!link)
		return 0;
	if (link->mode == USDT_MODE_LEGACY)
		usdti_legacy_detach(link->fds, link->perf_fds, link->fd_cnt);
	else if (link->multi_fd >= 0)
		usdti_outlive(close_fd, &link->multi_fd); /* the last close removes the uprobes */
	free(link);
	return 0;
}

int usdt_uprobe_link__fd(const struct usdt_uprobe_link *link)
{
	if (!link || !link->fd_cnt)
		return usdti_err(-EINVAL);
	return link->fds[0];
}

const int *usdt_uprobe_link__fds(const struct usdt_uprobe_link *link, size_t *cnt)
{
	if (!link) {
		errno = EINVAL;
		return NULL;
	}
	if (cnt)
		*cnt = link->fd_cnt;
	return link->fds;
}

size_t usdt_uprobe_link__cnt(const struct usdt_uprobe_link *link)
{
	return link ? link->cnt : 0;
}

enum usdt_attach_mode usdt_uprobe_link__mode(const struct usdt_uprobe_link *link)
{
	return link ? link->mode : USDT_MODE_AUTO;
}

/* ---- attach --------------------------------------------------------------------------------- */

/* The two ways of libbpf's contract: a pattern alone, or cnt with syms XOR offsets. */
static int check_request(const char *func_pattern, const struct usdt_uprobe_multi_opts *r)
{
	if (func_pattern) {
		if (r->syms || r->offsets || r->ref_ctr_offsets || r->cookies || r->cnt) {
			pr_warn("func_pattern excludes syms, offsets, ref_ctr_offsets, cookies, cnt\n");
			return -EINVAL;
		}
	} else if (!r->cnt) {
		pr_warn("no func_pattern and no opts->cnt: nothing to attach\n");
		return -EINVAL;
	} else if (!r->syms == !r->offsets) {
		pr_warn("opts: exactly one of syms and offsets must be set with cnt\n");
		return -EINVAL;
	} else if (r->cnt > USDT_UPROBE_MULTI_MAX_CNT) {
		pr_warn("opts->cnt %zu exceeds the kernel's limit of %u\n", r->cnt,
			USDT_UPROBE_MULTI_MAX_CNT);
		return -EINVAL;
	}
	if (r->retprobe && r->session) {
		pr_warn("opts: retprobe and session are mutually exclusive\n");
		return -EINVAL;
	}
	return 0;
}

/* The request's mode must match what the program was loaded for. */
static int check_mode(enum usdt_attach_mode mode, bool session)
{
	if (session && mode == USDT_MODE_LEGACY) {
		pr_warn("session mode needs uprobe_multi; the program is prepared for legacy\n");
		return -EOPNOTSUPP;
	}
	if (session != (mode == USDT_MODE_SESSION)) {
		pr_warn("opts->session is %s but the program was loaded for %s\n",
			session ? "set" : "unset", mode == USDT_MODE_SESSION ? "session" : "multi");
		return -EINVAL;
	}
	return 0;
}

static struct usdt_uprobe_link *attach_multi(int prog_fd, enum usdt_attach_mode mode,
					     const struct usdti_sites *s)
{
	__u32 type = mode == USDT_MODE_SESSION ? USDT_BPF_TRACE_UPROBE_SESSION
					       : USDT_BPF_TRACE_UPROBE_MULTI;
	struct usdt_uprobe_link *link;
	int fd;

	fd = usdti_uprobe_multi_link_create(
		prog_fd, type, s->path, s->offsets, s->ref_ctr_offsets, s->cookies, s->cnt,
		s->retprobe ? USDT_BPF_F_UPROBE_MULTI_RETURN : 0, s->pid > 0 ? s->pid : 0);
	if (fd < 0) {
		pr_warn("uprobe_multi link on '%s' (%zu sites, pid %d) failed: %s\n", s->path,
			s->cnt, (int)s->pid, strerror(-fd));
		errno = -fd;
		return NULL;
	}
	link = link_new(mode, s->cnt);
	if (!link) {
		usdti_outlive(close_fd, &fd);
		errno = ENOMEM;
		return NULL;
	}
	link->multi_fd = fd;
	link->fds = &link->multi_fd;
	link->fd_cnt = 1;
	return link;
}

static struct usdt_uprobe_link *attach_legacy(int prog_fd, const struct usdti_sites *s)
{
	struct usdt_uprobe_link *link = link_new(USDT_MODE_LEGACY, s->cnt);
	int err;

	if (!link) {
		errno = ENOMEM;
		return NULL;
	}
	err = usdti_legacy_attach(prog_fd, s, &link->fds, &link->perf_fds);
	if (err) {
		free(link);
		errno = -err;
		return NULL;
	}
	link->fd_cnt = s->cnt;
	return link;
}

static struct usdt_uprobe_link *attach_sites(const struct bpf_program *prog,
					     enum usdt_attach_mode mode, struct usdti_sites *s)
{
	int prog_fd = bpf_program__fd(prog);

	if (prog_fd < 0) {
		pr_warn("program '%s' is not loaded\n", bpf_program__name(prog));
		errno = EINVAL;
		return NULL;
	}
	if (mode == USDT_MODE_LEGACY)
		return attach_legacy(prog_fd, s);
	return attach_multi(prog_fd, mode, s);
}

struct usdt_uprobe_link *usdt_attach_uprobe_multi(const struct bpf_program *prog, pid_t pid,
						  const char *binary_path, const char *func_pattern,
						  const struct usdt_uprobe_multi_opts *opts)
{
	/* the caller's opts at our size: fields its (older) struct lacks take their defaults */
	struct usdt_uprobe_multi_opts r = {
		.sz = sizeof(r),
		.syms = OPTS_GET(opts, syms, NULL),
		.offsets = OPTS_GET(opts, offsets, NULL),
		.ref_ctr_offsets = OPTS_GET(opts, ref_ctr_offsets, NULL),
		.cookies = OPTS_GET(opts, cookies, NULL),
		.cnt = OPTS_GET(opts, cnt, 0),
		.retprobe = OPTS_GET(opts, retprobe, false),
		.session = OPTS_GET(opts, session, false),
	};
	struct usdti_sites s = {.pid = pid, .cnt = r.cnt, .retprobe = r.retprobe};
	struct usdt_uprobe_link *link = NULL;
	unsigned long *resolved = NULL;
	enum usdt_attach_mode mode;
	char path[PATH_MAX];
	int err;

	if (!OPTS_VALID(opts, usdt_uprobe_multi_opts) || !prog || !binary_path || pid < -1) {
		errno = EINVAL;
		return NULL;
	}
	err = check_request(func_pattern, &r);
	if (!err) {
		mode = usdt_program_mode(prog);
		err = check_mode(mode, r.session);
	}
	if (!err) {
		err = usdt_resolve_binary_path(binary_path, path, sizeof(path));
		if (err)
			pr_warn("'%s': cannot find the binary: %s\n", binary_path, strerror(-err));
	}
	if (err) {
		errno = -err;
		return NULL;
	}
	s.path = path;
	if (func_pattern)
		err = usdti_pattern_offsets(path, func_pattern, &resolved, &s.cnt);
	else if (r.syms)
		err = usdti_syms_offsets(path, r.syms, r.cnt, &resolved);
	/* a pattern can exceed the kernel's limit (and the link passes cnt on as a __u32) */
	if (!err && func_pattern && s.cnt > USDT_UPROBE_MULTI_MAX_CNT) {
		pr_warn("pattern '%s' matches %zu functions in %s, over the kernel's limit of %u\n",
			func_pattern, s.cnt, path, USDT_UPROBE_MULTI_MAX_CNT);
		free(resolved);
		err = -E2BIG;
	}
	if (err) {
		errno = -err;
		return NULL;
	}
	s.offsets = resolved ? resolved : r.offsets;
	s.ref_ctr_offsets = r.ref_ctr_offsets;
	s.cookies = r.cookies;
	if (pid == 0)
		s.pid = getpid();
	link = attach_sites(prog, mode, &s);
	err = errno;
	free(resolved);
	errno = err;
	return link;
}
