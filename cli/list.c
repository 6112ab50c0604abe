// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdtctl list: the probes of files or of a process, as aligned text or JSON Lines. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "list.h"
#include "target.h"
#include "uprobe_multi.h"
#include "usdt.h"

/* no TARGET: the pids shown on a probe's line, the rest counted */
#define PIDS_SHOWN 8

/* ---- JSON ---------------------------------------------------------------------------------- */

static const char *const kind_names[] = {
	[USDT_ARG_CONST] = "const", [USDT_ARG_REG] = "reg", [USDT_ARG_MEM] = "mem",
	[USDT_ARG_SIB] = "sib",	    [USDT_ARG_RIP] = "rip", [USDT_ARG_UNSUPPORTED] = "unsupported",
};

static void json_arg(struct json *j, const struct usdt_arg *a)
{
	json_obj_open(j);
	json_kint(j, "size", a->size);
	json_kstr(j, "kind", kind_names[a->kind]);
	switch (a->kind) {
	case USDT_ARG_CONST:
		json_kint(j, "value", a->value);
		break;
	case USDT_ARG_REG:
		json_kstr(j, "reg", a->reg);
		break;
	case USDT_ARG_MEM:
		json_kstr(j, "base", a->reg);
		json_kint(j, "offset", a->offset);
		break;
	case USDT_ARG_SIB:
		json_kstr(j, "base", a->reg);
		json_kstr(j, "index", a->index);
		json_kint(j, "scale", a->scale);
		json_kint(j, "offset", a->offset);
		break;
	case USDT_ARG_RIP:
		json_kstr(j, "symbol", a->symbol);
		json_kint(j, "offset", a->offset);
		break;
	case USDT_ARG_UNSUPPORTED:
		json_kstr(j, "reason", a->reason);
		break;
	}
	json_obj_close(j);
}

static const char *shape_name(const struct usdt_site *s)
{
	return s->shape == USDT_SITE_NOP5 ? "nop5" : "nop";
}

static void json_site(struct json *j, const struct usdt_site *s, bool optimized)
{
	struct usdt_placement p;

	json_obj_open(j);
	json_khex(j, "address", s->address);
	json_khex(j, "file_offset", s->file_offset);
	json_key(j, "semaphore");
	if (s->sema_address)
		json_hex(j, s->sema_address);
	else
		json_null(j);
	json_key(j, "semaphore_offset");
	if (s->sema_address)
		json_hex(j, s->sema_offset);
	else
		json_null(j);
	json_kstr(j, "args", s->args);
	json_key(j, "arguments");
	json_arr_open(j);
	for (int i = 0; s->argv && i < s->arg_cnt; i++)
		json_arg(j, &s->argv[i]);
	json_arr_close(j);
	json_kstr(j, "shape", shape_name(s));
	if (!usdt_site__placement(s, optimized, &p)) {
		json_kstr(j, "probed_at", p.nop5 ? "nop5" : "nop");
		json_khex(j, "probe_address", p.address);
		json_khex(j, "probe_file_offset", p.file_offset);
	}
	if (s->error)
		json_kstr(j, "error", s->error);
	json_obj_close(j);
}

static void json_probe(const struct list_ctx *lc, const struct usdt_file *file, const char *path,
		       size_t probe)
{
	const struct usdt_site *first = usdt_file__probe_site(file, probe, 0);
	struct json j;

	json_begin(&j, stdout);
	json_kstr(&j, "path", path);
	json_kstr(&j, "arch", usdt_file__arch(file));
	json_kstr(&j, "provider", first->provider);
	json_kstr(&j, "name", first->name);
	if (lc->pids) {
		json_key(&j, "pids");
		json_arr_open(&j);
		for (size_t i = 0; i < lc->pid_cnt; i++)
			json_int(&j, lc->pids[i]);
		json_arr_close(&j);
	}
	json_key(&j, "sites");
	json_arr_open(&j);
	for (size_t k = 0; k < usdt_file__probe_site_cnt(file, probe); k++)
		json_site(&j, usdt_file__probe_site(file, probe, k), lc->optimized);
	json_arr_close(&j);
	json_end(&j);
}

/* ---- text ---------------------------------------------------------------------------------- */

struct text_widths {
	size_t probe; /* at most CLI_LABEL_MAX_W */
	int sites;
};

/* "args=3", "args=2-3" when sites disagree, "args=?" when a site's args could not be split */
static void format_arg_cnt(const struct usdt_file *file, size_t probe, char *buf, size_t buf_sz)
{
	int lo = INT_MAX, hi = -1;

	for (size_t k = 0; k < usdt_file__probe_site_cnt(file, probe); k++) {
		int cnt = usdt_file__probe_site(file, probe, k)->arg_cnt;

		if (cnt < 0) {
			snprintf(buf, buf_sz, "args=?");
			return;
		}
		lo = cnt < lo ? cnt : lo;
		hi = cnt > hi ? cnt : hi;
	}
	if (lo == hi)
		snprintf(buf, buf_sz, "args=%d", lo);
	else
		snprintf(buf, buf_sz, "args=%d-%d", lo, hi);
}

/* A string from the file, escaped, then a newline. */
static void put_line(const char *s)
{
	cli_escape(stdout, s, strlen(s), false);
	putchar('\n');
}

/* Where the site is probed, and why there. */
static void text_placement(const struct usdt_site *s, bool optimized)
{
	struct usdt_placement p;

	if (usdt_site__placement(s, optimized, &p))
		return;
	if (p.nop5)
		printf("        probed at: nop5 0x%llx (file offset 0x%llx), optimized uprobe, "
		       "%%rsp operands read %d bytes up\n",
		       (unsigned long long)p.address, (unsigned long long)p.file_offset, p.sp_bias);
	else if (s->shape == USDT_SITE_NOP5)
		printf("        probed at: nop (a nop5 site, but this kernel lacks optimized "
		       "uprobes)\n");
	else
		printf("        probed at: nop\n");
}

static void text_site(const struct usdt_site *s, size_t k, bool optimized)
{
	char desc[256];

	printf("    site %zu: address 0x%llx, file offset 0x%llx, ", k + 1,
	       (unsigned long long)s->address, (unsigned long long)s->file_offset);
	if (s->sema_address)
		printf("semaphore 0x%llx (file offset 0x%llx)\n",
		       (unsigned long long)s->sema_address, (unsigned long long)s->sema_offset);
	else
		printf("no semaphore\n");
	fputs("        args: ", stdout);
	put_line(s->args[0] ? s->args : "(none)");
	if (s->error) {
		fputs("        error: ", stdout);
		put_line(s->error);
	}
	if (s->arg_cnt < 0)
		printf("        error: the argument string could not be split\n");
	for (int i = 0; s->argv && i < s->arg_cnt; i++) {
		usdt_arg_describe(&s->argv[i], desc, sizeof(desc));
		printf("        arg%d: ", i + 1);
		put_line(desc);
	}
	text_placement(s, optimized);
}

/* provider:name escaped, to out (NULL: measured only); returns its width. */
static size_t put_label(FILE *out, const struct usdt_site *s)
{
	size_t w = cli_escape(out, s->provider, strlen(s->provider), false);

	if (out)
		putc(':', out);
	return w + 1 + cli_escape(out, s->name, strlen(s->name), false);
}

static void text_probe(const struct list_ctx *lc, const struct usdt_file *file, const char *path,
		       size_t probe, const struct text_widths *w)
{
	const struct usdt_site *first = usdt_file__probe_site(file, probe, 0);
	size_t n = usdt_file__probe_site_cnt(file, probe), k, len;
	char args[32];
	bool sema = false;

	for (k = 0; k < n; k++)
		sema |= usdt_file__probe_site(file, probe, k)->sema_address != 0;
	format_arg_cnt(file, probe, args, sizeof(args));
	cli_escape(stdout, path, strlen(path), false);
	fputs("  ", stdout);
	len = put_label(stdout, first);
	printf("%*s  sites=%-*zu  %-9s  %s", len < w->probe ? (int)(w->probe - len) : 0, "",
	       w->sites, n, sema ? "semaphore" : "-", args);
	for (k = 0; k < lc->pid_cnt && k < PIDS_SHOWN; k++)
		printf("%s%d", k ? "," : "  pids=", (int)lc->pids[k]);
	if (lc->pid_cnt > PIDS_SHOWN)
		printf(",+%zu", lc->pid_cnt - PIDS_SHOWN);
	putchar('\n');
	for (k = 0; lc->verbose && k < n; k++)
		text_site(usdt_file__probe_site(file, probe, k), k, lc->optimized);
}

static int digits(size_t v)
{
	int d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* ---- one file ------------------------------------------------------------------------------ */

static bool probe_selected(const struct list_ctx *lc, const struct usdt_file *file, size_t probe)
{
	const struct usdt_site *s = usdt_file__probe_site(file, probe, 0);

	return !lc->pattern || usdt_probe_match(lc->pattern, s->provider, s->name);
}

static void print_file(struct list_ctx *lc, const struct usdt_file *file, const char *path)
{
	struct text_widths w = {0};
	size_t shown = 0;

	for (size_t probe = 0; probe < usdt_file__probe_cnt(file); probe++) {
		size_t len;
		int sites;

		if (!probe_selected(lc, file, probe))
			continue;
		len = put_label(NULL, usdt_file__probe_site(file, probe, 0));
		sites = digits(usdt_file__probe_site_cnt(file, probe));
		/* capped: a 1 MiB name must not pad every other line to 1 MiB */
		len = len < CLI_LABEL_MAX_W ? len : CLI_LABEL_MAX_W;
		w.probe = len > w.probe ? len : w.probe;
		w.sites = sites > w.sites ? sites : w.sites;
	}
	for (size_t probe = 0; probe < usdt_file__probe_cnt(file); probe++) {
		if (!probe_selected(lc, file, probe))
			continue;
		if (lc->json)
			json_probe(lc, file, path, probe);
		else
			text_probe(lc, file, path, probe, &w);
		shown++;
	}
	lc->shown += shown;
	if (lc->verbose && !shown && !lc->needed) {
		if (!usdt_file__probe_cnt(file))
			cli_note("%s: no USDT probes", path);
		else
			cli_note("%s: no probe matches '%s'", path, lc->pattern);
	}
}

/* open_path is what to read, path what to show (the process's view with -p). */
static int list_file(const char *open_path, const char *path, void *ctx)
{
	struct list_ctx *lc = ctx;
	/* decoding arguments costs; only -v and --json show them */
	struct usdt_file_opts opts = {
		.sz = sizeof(opts),
		.parse_args = lc->json || lc->verbose,
		.group_probes = true,
	};
	struct usdt_file *file;
	int err;

	if (!list_searched_add(&lc->searched, open_path, path, lc->needed))
		return 0; /* a library of two TARGETs, or a TARGET another one loads */
	/* with -p, open_path is /proc/self/fd/N: messages name the file as the process does */
	cli_hold_lib_warnings(open_path, path);
	file = usdt_file__open(open_path, &opts);
	cli_release_lib_warnings(true);
	if (!file && lc->skip_unreadable && errno != ENOMEM)
		return 0;
	if (!file) {
		err = errno;
		fflush(stdout);
		lc->status = cli_error(EXIT_RUNTIME, "%s: %s", path, cli_file_strerror(err));
		return 0;
	}
	print_file(lc, file, path);
	usdt_file__close(file);
	return 0;
}

/* ---- command line -------------------------------------------------------------------------- */

struct list_args {
	const char **targets; /* TARGETs, and the PATH of a usdt: spec */
	size_t target_cnt;
	const char *pattern;
	char *spec_path; /* from usdt:PATH:provider:name */
	char *spec_glob;
	pid_t pid; /* 0 = no -p */
};

static bool is_pattern_arg(const char *arg)
{
	if (cli_is_usdt_spec(arg))
		return true;
	return cli_has_pattern_chars(arg) && !cli_is_target(arg);
}

/* Providers are C identifiers (sdt.h builds symbol names from them); library names are not. */
static bool is_provider(const char *arg)
{
	for (const char *p = arg; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

static int add_target(struct list_args *a, const char *t)
{
	for (size_t i = 0; i < a->target_cnt; i++)
		if (strcmp(a->targets[i], t) == 0)
			return 0;
	a->targets[a->target_cnt++] = t;
	return 0;
}

static int take_pattern(struct list_args *a, const char *arg)
{
	int err;

	if (!cli_is_usdt_spec(arg)) {
		a->pattern = arg;
		return 0;
	}
	err = cli_parse_usdt_spec(arg, &a->spec_path, &a->spec_glob);
	if (err == -ENOMEM)
		return cli_error(EXIT_RUNTIME, "out of memory");
	if (err)
		return cli_error(EXIT_USAGE, "bad probe '%s': expected usdt:PATH:provider:name",
				 arg);
	a->pattern = a->spec_glob;
	return add_target(a, a->spec_path);
}

/*
 * The TARGET/PATTERN rule (see do_help): a PATTERN has ':' or glob characters and is no
 * TARGET; a TARGET has '/', resolves, or (with -p) names an object of the process; a
 * last argument that is neither is a provider-only PATTERN when it is a provider name and
 * something to list precedes it.
 */
static int classify(int argc, char **argv, struct list_args *a)
{
	int pat_idx = -1;

	for (int i = 0; i < argc; i++) {
		if (!is_pattern_arg(argv[i]))
			continue;
		if (pat_idx >= 0)
			return cli_error(EXIT_USAGE, "more than one PATTERN ('%s' and '%s')",
					 argv[pat_idx], argv[i]);
		pat_idx = i;
	}
	if (pat_idx >= 0 && pat_idx != argc - 1)
		return cli_error(EXIT_USAGE, "PATTERN '%s' must be the last argument",
				 argv[pat_idx]);
	a->targets = calloc(argc + 1, sizeof(*a->targets));
	if (!a->targets)
		return cli_error(EXIT_RUNTIME, "out of memory");
	for (int i = 0; i < argc; i++) {
		if (i == pat_idx)
			return take_pattern(a, argv[i]);
		if (cli_is_target(argv[i]) || (a->pid && cli_pid_maps(a->pid, argv[i])))
			add_target(a, argv[i]);
		else if (i == argc - 1 && (a->target_cnt || a->pid) && is_provider(argv[i]))
			a->pattern = argv[i];
		else if (a->pid)
			add_target(a, argv[i]); /* list_pid says the process does not map it */
		else
			return cli_no_target(argv[i]);
	}
	return 0;
}

static int list_pid(struct list_ctx *lc, const struct list_args *a)
{
	bool *matched = calloc(a->target_cnt + 1, sizeof(*matched));
	int err;

	if (!matched)
		return cli_error(EXIT_RUNTIME, "out of memory");
	err = cli_pid_objects(a->pid, a->targets, a->target_cnt, matched, list_file, lc);
	fflush(stdout);
	if (err == -ESRCH)
		lc->status = cli_error(EXIT_RUNTIME, "process %d: no such process", a->pid);
	else if (err)
		lc->status = cli_error(EXIT_RUNTIME, "process %d: %s", a->pid, strerror(-err));
	for (size_t i = 0; !err && i < a->target_cnt; i++)
		if (!matched[i])
			lc->status =
				cli_error(EXIT_RUNTIME, "process %d maps no object matching '%s'",
					  a->pid, a->targets[i]);
	free(matched);
	return lc->status;
}

static int list_library(const char *path, void *ctx)
{
	return list_file(path, path, ctx);
}

/* Each TARGET, then the libraries it loads, as trace -c attaches to them. */
static int list_targets(struct list_ctx *lc, const struct list_args *a)
{
	struct usdt_needed_opts nopts = {.sz = sizeof(nopts),
					 .library_path = getenv("LD_LIBRARY_PATH")};
	char path[PATH_MAX];

	for (size_t i = 0; i < a->target_cnt; i++) {
		if (cli_resolve_target(a->targets[i], path, sizeof(path))) {
			fflush(stdout);
			lc->status = cli_no_target(a->targets[i]);
			continue;
		}
		list_file(path, path, lc);
		lc->needed = true;
		/* unreadable: list_file said so */
		if (usdt_needed_objects(path, &nopts, list_library, lc) == -E2BIG)
			cli_warn("%s: not all its libraries listed: it names more than the search "
				 "takes (4,096 objects, 65,536 files tried)",
				 path);
		lc->needed = false;
	}
	return lc->status;
}

static int do_help(FILE *out)
{
	fprintf(out,
		"Usage: usdtctl list [-v] [--json] [-p PID] [TARGET...] [PATTERN]\n"
		"\n"
		"Lists the USDT probes of ELF files, or of every object a process maps: one line\n"
		"per probe and file with its site count, semaphore and argument count. A TARGET's\n"
		"probes come first, then those of the libraries it loads (DT_NEEDED, found as\n"
		"the dynamic loader finds them, without running anything): what 'usdtctl trace\n"
		"-c' attaches to. With no TARGET and no -p, of every object every running process\n"
		"maps, each file once, with the pids that map it (pids=, the first %d; \"pids\" in\n"
		"JSON). When nothing is listed, one line on stderr says what was searched. With\n"
		"-v, every site as well: address, file offset, semaphore, where trace probes it\n"
		"(the nop5 of a <usdt/probe.h> site where the kernel has optimized uprobes, else\n"
		"the nop), raw arguments and each argument in words. With --json, JSON Lines: one\n"
		"object per probe and file, with every site.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID    the files PID maps (shown by its own paths, containers too);\n"
		"                   TARGETs then select among them\n"
		"  -h, --help       this help\n"
		"\n",
		PIDS_SHOWN);
	cli_global_help(out, "list");
	fprintf(out,
		"\n"
		"TARGET and PATTERN:\n"
		"  An argument that contains '/', or resolves as a library (like the dynamic\n"
		"  loader) or a program (through PATH, as the shell does: ./NAME for a file in\n"
		"  this directory), or with -p names an object the process maps, is a TARGET.\n"
		"  The last argument is the PATTERN when it contains ':' or a glob character\n"
		"  (* ? [) and is no TARGET, or when it is a provider name (letters, digits, _)\n"
		"  that is no TARGET and follows one or -p.\n"
		"  PATTERN is a glob over provider:name; a provider alone matches all its probes\n"
		"  (write PROVIDER:* when the provider is also a program name); DTrace's spelling\n"
		"  query-start matches query__start.\n"
		"  usdt:PATH:provider:name (or usdt:PATH:name) names its TARGET as well.\n"
		"\n"
		"Examples:\n"
		"  usdtctl list ruby\n"
		"  usdtctl list /usr/bin/python3.11\n"
		"  usdtctl list -v libstdc++.so.6 'libstdcxx:*throw'\n"
		"  usdtctl list -p 1234 'python:function__*' --json\n"
		"  usdtctl list 'hotspot:*'\n"
		"\n"
		"Exit status: 0 success (also when nothing has probes), 1 runtime failure,\n"
		"2 usage error.\n");
	return 0;
}

/* Options anywhere among the arguments; -1 after --help. */
static int parse_options(int argc, char **argv, struct list_args *a)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		CLI_GLOBAL_LONGOPTS,
		{0},
	};
	int c;

	optind = 0;
	while ((c = cli_getopt(argc, argv, ":p:h" CLI_GLOBAL_SHORTOPTS, opts, "list")) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_pid(optarg, &a->pid))
				return cli_error(EXIT_USAGE, "list: bad pid '%s'", optarg);
			break;
		case 'h':
			do_help(stdout);
			return -1;
		default: /* reported */
			return EXIT_USAGE;
		}
	}
	return 0;
}

int do_list(int argc, char **argv)
{
	struct list_ctx lc = {0};
	struct list_args a = {0};
	int err;

	err = parse_options(argc, argv, &a);
	if (err)
		return err < 0 ? 0 : err;
	lc.verbose = cli_env.verbose;
	lc.json = cli_env.json;
	/* where trace would probe each site: only -v and --json say */
	lc.optimized = (lc.verbose || lc.json) && usdt_feature_probe(USDT_FEAT_UPROBE_SYSCALL) > 0;
	err = classify(argc - optind, argv + optind, &a);
	lc.pattern = a.pattern;
	if (!err && !a.target_cnt && !a.pid)
		err = list_all(&lc, list_file);
	else if (!err)
		err = a.pid ? list_pid(&lc, &a) : list_targets(&lc, &a);
	if (!err && !lc.shown)
		list_searched_note(&lc.searched, lc.pattern, a.pid);
	list_searched_free(&lc.searched);
	free(a.targets);
	free(a.spec_path);
	free(a.spec_glob);
	return err;
}
