// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdtctl features: what the kernel supports, and which attach path usdtctl will take. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "uprobe_multi.h"

static const char *const descriptions[__USDT_FEAT_CNT] = {
	[USDT_FEAT_UPROBE_MULTI] =
		"one link for many uprobes, with the pid filter fix (6.6+, fixed 6.10)",
	[USDT_FEAT_UPROBE_SESSION] =
		"uprobe session mode: entry decides on the return probe (6.13+)",
	[USDT_FEAT_BPF_COOKIE] = "bpf_get_attach_cookie() for uprobe programs (5.15+)",
	[USDT_FEAT_REF_CTR] = "USDT semaphores through the uprobe ref_ctr_offset (4.20+)",
	[USDT_FEAT_UPROBE_SYSCALL] =
		"optimized uprobes: <usdt/probe.h> sites are probed at their nop5 (x86-64, 6.18+)",
};

struct attach_path {
	bool legacy;
	const char *reason;
};

/* --legacy-attach, or the library's own choice for USDT_MODE_AUTO */
static struct attach_path attach_path(void)
{
	struct attach_path p = {true, "forced by --legacy-attach"};

	if (!cli_env.legacy_attach)
		p.legacy = usdt_attach_mode_auto(&p.reason) == USDT_MODE_LEGACY;
	return p;
}

static const char *path_name(const struct attach_path *p)
{
	return p->legacy ? "legacy (perf_event per site)" : "uprobe_multi";
}

static void print_text(const int *res, const struct attach_path *p, const char *kernel)
{
	printf("kernel %s\n", kernel);
	for (int f = 0; f < __USDT_FEAT_CNT; f++) {
		printf("  %-15s %-3s  %s", usdt_feature_name(f),
		       res[f] > 0    ? "yes"
		       : res[f] == 0 ? "no"
				     : "?",
		       descriptions[f]);
		if (res[f] < 0)
			printf(" [probe failed: %s]", strerror(-res[f]));
		putchar('\n');
	}
	printf("attach path: %s: %s\n", path_name(p), p->reason);
}

/* {"kernel": ..., "<feature>": true|false|null, ..., "errors": {...}, "attach": ...} */
static void print_json(const int *res, const struct attach_path *p, const char *kernel)
{
	bool failed = false;
	struct json j;

	json_begin(&j, stdout);
	json_kstr(&j, "kernel", kernel);
	for (int f = 0; f < __USDT_FEAT_CNT; f++) {
		json_key(&j, usdt_feature_name(f));
		if (res[f] >= 0)
			json_bool(&j, res[f]);
		else
			json_null(&j);
		failed |= res[f] < 0;
	}
	if (failed) {
		json_key(&j, "errors");
		json_obj_open(&j);
		for (int f = 0; f < __USDT_FEAT_CNT; f++) {
			if (res[f] < 0)
				json_kstr(&j, usdt_feature_name(f), strerror(-res[f]));
		}
		json_obj_close(&j);
	}
	json_kstr(&j, "attach", p->legacy ? "legacy" : "uprobe_multi");
	json_kstr(&j, "attach_reason", p->reason);
	json_end(&j);
}

static void do_help(FILE *out)
{
	fprintf(out,
		"Usage: usdtctl features [--json] [--legacy-attach]\n"
		"\n"
		"Probes the running kernel for what libusdt uses (uprobe_multi links, uprobe\n"
		"sessions, BPF cookies, semaphores, optimized uprobes: the uprobe syscall) and\n"
		"tells which attach path 'trace' takes:\n"
		"uprobe_multi (one link per binary), or legacy (one perf_event uprobe per site,\n"
		"slow to detach) when forced by --legacy-attach or USDT_LEGACY_ATTACH=1, or when\n"
		"the kernel lacks uprobe_multi. Probing needs root (CAP_BPF and CAP_PERFMON).\n"
		"With --json, one JSON object: kernel, a field per feature (true, false, or null\n"
		"with the reason under errors), attach, attach_reason.\n"
		"\n"
		"Options:\n"
		"  -h, --help   this help\n"
		"\n");
	cli_global_help(out, "features");
}

int do_features(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		CLI_GLOBAL_LONGOPTS,
		{0},
	};
	int res[__USDT_FEAT_CNT], c;
	struct attach_path path;
	struct utsname u;

	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h" CLI_GLOBAL_SHORTOPTS, opts, "features")) != -1) {
		switch (c) {
		case 'h':
			do_help(stdout);
			return 0;
		default: /* reported */
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_error(
			EXIT_USAGE,
			"features: unexpected argument '%s'; see 'usdtctl features --help'",
			argv[optind]);
	for (int f = 0; f < __USDT_FEAT_CNT; f++)
		res[f] = usdt_feature_probe(f);
	path = attach_path();
	if (uname(&u))
		strcpy(u.release, "unknown");
	if (cli_env.json)
		print_json(res, &path, u.release);
	else
		print_text(res, &path, u.release);
	return 0;
}
