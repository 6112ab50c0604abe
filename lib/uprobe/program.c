// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Before load, a program must be told how it will attach: the kernel refuses a uprobe_multi
 * link for a program not loaded with that expected attach type, and a perf_event link for one
 * that was. The choice is made here, once, and read back at attach time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "compat.h"
#include "log.h"
#include "uprobe_multi.h"

static bool legacy_forced(void)
{
	const char *v = getenv("USDT_LEGACY_ATTACH");

	return v && v[0] && strcmp(v, "0") != 0;
}

/* 0 when the kernel has feat, -EOPNOTSUPP when it lacks it, or the probe's own error. */
static int require(enum usdt_feature feat, enum usdt_attach_mode mode)
{
	int ret = usdt_feature_probe(feat);

	if (ret > 0)
		return 0;
	if (ret == 0) {
		pr_warn("attach mode %s needs %s, which this kernel lacks\n",
			mode == USDT_MODE_SESSION ? "session" : "multi", usdt_feature_name(feat));
		return -EOPNOTSUPP;
	}
	pr_warn("cannot probe the kernel for %s: %s\n", usdt_feature_name(feat), strerror(-ret));
	return ret;
}

enum usdt_attach_mode usdt_attach_mode_auto(const char **reason)
{
	const char *why;
	int multi;

	if (legacy_forced()) {
		why = "forced by USDT_LEGACY_ATTACH";
	} else {
		multi = usdt_feature_probe(USDT_FEAT_UPROBE_MULTI);
		if (multi > 0) {
			if (reason)
				*reason = "the kernel has uprobe_multi";
			return USDT_MODE_MULTI;
		}
		why = multi == 0 ? "the kernel lacks uprobe_multi with the pid filter fix"
				 : "probing the kernel for uprobe_multi failed";
	}
	if (reason)
		*reason = why;
	return USDT_MODE_LEGACY;
}

static enum usdt_attach_mode resolve_auto(void)
{
	const char *why;
	enum usdt_attach_mode mode = usdt_attach_mode_auto(&why);

	if (mode == USDT_MODE_LEGACY)
		pr_info("attach mode legacy (%s): one perf_event uprobe per site\n", why);
	return mode;
}

int usdt_program_prepare(struct bpf_program *prog, enum usdt_attach_mode mode)
{
	bool auto_mode = mode == USDT_MODE_AUTO;
	__u32 type;
	int err = 0;

	if (!prog)
		return usdti_err(-EINVAL);
	if (auto_mode)
		mode = resolve_auto();
	switch (mode) {
	case USDT_MODE_MULTI:
		err = require(USDT_FEAT_UPROBE_MULTI, mode);
		type = USDT_BPF_TRACE_UPROBE_MULTI;
		break;
	case USDT_MODE_SESSION:
		err = require(USDT_FEAT_UPROBE_SESSION, mode);
		type = USDT_BPF_TRACE_UPROBE_SESSION;
		break;
	case USDT_MODE_LEGACY:
		if (!auto_mode)
			pr_info("attach mode legacy, as asked: one perf_event uprobe per site\n");
		type = 0;
		break;
	default:
		return usdti_err(-EINVAL);
	}
	if (err)
		return usdti_err(err);
	err = bpf_program__set_type(prog, BPF_PROG_TYPE_KPROBE);
	if (!err)
		err = bpf_program__set_expected_attach_type(prog, (enum bpf_attach_type)type);
	if (err) {
		pr_warn("program '%s': cannot set its attach mode (loaded already?): %s\n",
			bpf_program__name(prog), strerror(-err));
		return usdti_err(err);
	}
	return 0;
}

enum usdt_attach_mode usdt_program_mode(const struct bpf_program *prog)
{
	__u32 type;

	if (!prog)
		return USDT_MODE_AUTO;
	type = bpf_program__expected_attach_type(prog);
	if (type == USDT_BPF_TRACE_UPROBE_MULTI)
		return USDT_MODE_MULTI;
	if (type == USDT_BPF_TRACE_UPROBE_SESSION)
		return USDT_MODE_SESSION;
	return USDT_MODE_LEGACY;
}
