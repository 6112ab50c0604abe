// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl: list and trace USDT probes. A command from the table, and global options before or
 * after it, which cli_getopt() handles for every command alike.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "uprobe_multi.h"
#include "usdt.h"

struct cli_env cli_env;

static const struct cli_cmd cmds[] = {
	{"list", do_list, "list the probes of binaries or of a process"},
	{"trace", do_trace, "trace probes and print their arguments"},
	{"latency", do_latency, "time from a START probe to its END, in BPF"},
	{"features", do_features, "show what the kernel supports and how usdtctl attaches"},
	{"calls", do_runtime_cmd, "calls per function of a runtime (--latency: and their time)"},
	{"flow", do_runtime_cmd, "a runtime's function entries and returns, per thread"},
	{"gc", do_runtime_cmd, "a runtime's garbage collections and their durations"},
	{"objnew", do_runtime_cmd, "a runtime's allocations per type"},
	{"threads", do_runtime_cmd, "a runtime's thread starts and stops"},
	{"queries", do_runtime_cmd, "PostgreSQL query latency (--slower: each slow query)"},
	{"stat", do_runtime_cmd, "a runtime's calls, GCs, objects, ... per second and process"},
	{0},
};

static char last_msg[512];

/* "usdtctl: <prefix><msg>" on stderr, msg escaped: it quotes paths and names from files. */
static void put_line(const char *prefix, const char *msg)
{
	fprintf(stderr, "usdtctl: %s", prefix);
	cli_escape(stderr, msg, strlen(msg), false);
	fputc('\n', stderr);
}

int cli_error(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli_env.json) {
		struct json j;

		fflush(stdout);
		json_begin(&j, stdout);
		json_kstr(&j, "error", msg);
		json_end(&j);
		fflush(stdout);
	}
	put_line("", msg);
	return code;
}

void cli_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_line("warning: ", msg);
}

void cli_note(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_line("", msg);
}

/* Warnings kept back while a call may still fail as a whole, and the name to show for a path. */
static struct {
	bool on;
	const char *internal, *shown;
	char *text;
	size_t len;
} held;

void cli_hold_lib_warnings(const char *internal, const char *shown)
{
	held.on = true;
	held.internal = internal;
	held.shown = shown;
}

void cli_release_lib_warnings(bool show)
{
	/* each held message is NUL-terminated, escaped as it is shown */
	for (size_t at = 0; show && at < held.len; at += strlen(held.text + at) + 1)
		put_line("warning: ", held.text + at);
	free(held.text);
	memset(&held, 0, sizeof(held));
}

/* The internal name (/proc/self/fd/N) of the held call's file becomes the one users know. */
static void show_name(char *msg, size_t sz)
{
	char *at = held.internal ? strstr(msg, held.internal) : NULL;
	char rest[sizeof(last_msg)];

	if (!at)
		return;
	snprintf(rest, sizeof(rest), "%s", at + strlen(held.internal));
	snprintf(at, sz - (at - msg), "%s%s", held.shown, rest);
}

static void hold(const char *msg)
{
	size_t n = strlen(msg) + 1;
	char *text = realloc(held.text, held.len + n);

	if (!text)
		return;
	held.text = text;
	memcpy(text + held.len, msg, n);
	held.len += n;
}

static int print_fn(enum usdt_print_level level, const char *fmt, va_list ap)
{
	char msg[sizeof(last_msg)];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	show_name(msg, sizeof(msg));
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* only warnings explain a failure; info and debug lines must not stand in for one */
	if (level == USDT_WARN)
		memcpy(last_msg, msg, n + 1);
	if (level == USDT_WARN && held.on)
		hold(msg);
	else if (level == USDT_WARN || (level == USDT_INFO && cli_env.verbose) ||
		 getenv("USDTCTL_DEBUG"))
		put_line(level == USDT_WARN ? "warning: " : "", msg);
	return 0;
}

void cli_install_print(void)
{
	usdt_set_print(print_fn);
}

void cli_clear_lib_message(void)
{
	last_msg[0] = '\0';
}

const char *cli_last_lib_message(void)
{
	return last_msg[0] ? last_msg : NULL;
}

/* ---- options ------------------------------------------------------------------------------ */

/* What the global options do, in the order of CLI_GLOBAL_LONGOPTS: --help is printed from here. */
static const struct option global_opts[] = {CLI_GLOBAL_LONGOPTS};
static const char *const global_help[] = {
	"JSON Lines output, one object per line; errors as\n{\"error\": \"...\"} lines as well",
	"more detail: every site (list), libbpf's log (trace),\nand the library's messages",
	"one perf_event uprobe per site instead of uprobe_multi\n(also USDT_LEGACY_ATTACH=1)",
};
_Static_assert(sizeof(global_opts) / sizeof(global_opts[0]) ==
		       sizeof(global_help) / sizeof(global_help[0]),
	       "one help text per global option");

void cli_global_help(FILE *out, const char *cmd)
{
	fprintf(out, "Global options, before or after %s%s%s:\n", cmd ? "'" : "",
		cmd ? cmd : "COMMAND", cmd ? "'" : "");
	for (size_t i = 0; i < sizeof(global_opts) / sizeof(global_opts[0]); i++) {
		const struct option *o = &global_opts[i];
		const char *text = global_help[i];
		char name[32];
		size_t n;

		if (o->val < CLI_OPT_LEGACY_ATTACH)
			snprintf(name, sizeof(name), "-%c, --%s", o->val, o->name);
		else
			snprintf(name, sizeof(name), "    --%s", o->name);
		fprintf(out, "  %-19s", name);
		/* continuation lines under the first */
		for (; text[n = strcspn(text, "\n")]; text += n + 1)
			fprintf(out, "  %.*s\n%21s", (int)n, text, "");
		fprintf(out, "  %s\n", text);
	}
}

/* Acts on a global option; false for any other. */
static bool set_global(int opt)
{
	switch (opt) {
	case 'j':
		cli_env.json = true;
		return true;
	case 'v':
		cli_env.verbose = true;
		return true;
	case CLI_OPT_LEGACY_ATTACH:
		cli_env.legacy_attach = true;
		return true;
	}
	return false;
}

/* "--name" is a prefix of several long options: lists them in buf. */
static bool ambiguous(const struct option *opts, const char *name, char *buf, size_t sz)
{
	size_t len = strlen(name), used = 0;
	int cnt = 0;

	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, len) || used >= sz)
			continue;
		used += snprintf(buf + used, sz - used, "%s--%s", cnt++ ? ", " : "", o->name);
	}
	return cnt > 1;
}

/* Reports what getopt_long() stopped at (c: '?' or ':'), named as the user wrote it. */
static void bad_option(int c, char **argv, int before, const struct option *opts, const char *cmd)
{
	const char *arg = argv[optind - 1];
	char name[64], why[256], alts[160];

	/* a long option always moves optind past itself; a short one inside a group may not */
	if (optind > before && strncmp(arg, "--", 2) == 0) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="), arg);
		if (c == ':')
			snprintf(why, sizeof(why), "option '%s' needs an argument", name);
		else if (optopt)
			snprintf(why, sizeof(why), "option '%s' takes no argument", name);
		else if (ambiguous(opts, name + 2, alts, sizeof(alts)))
			snprintf(why, sizeof(why), "option '%s' is ambiguous (%s)", name, alts);
		else
			snprintf(why, sizeof(why), "unknown option '%s'", name);
	} else {
		if (isgraph(optopt & 0xff))
			snprintf(name, sizeof(name), "-%c", optopt);
		else
			snprintf(name, sizeof(name), "-\\x%02x", optopt & 0xff);
		snprintf(why, sizeof(why),
			 c == ':' ? "option '%s' needs an argument" : "unknown option '%s'", name);
	}
	if (cmd)
		cli_error(EXIT_USAGE, "%s: %s; see 'usdtctl %s --help'", cmd, why, cmd);
	else
		cli_error(EXIT_USAGE, "%s; see 'usdtctl --help'", why);
}

int cli_getopt(int argc, char **argv, const char *optstring, const struct option *longopts,
	       const char *cmd)
{
	for (;;) {
		int before = optind ? optind : 1;
		int c;

		opterr = 0;
		c = getopt_long(argc, argv, optstring, longopts, NULL);
		if (c == '?' || c == ':') {
			bad_option(c, argv, before, longopts, cmd);
			return '?';
		}
		if (!set_global(c))
			return c;
	}
}

/* ---- usdtctl ------------------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: usdtctl [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"List and trace USDT (SystemTap SDT) probes: every matching site of a binary is\n"
		"attached through one uprobe_multi link.\n"
		"\n"
		"Commands:\n");
	for (const struct cli_cmd *c = cmds; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputc('\n', out);
	cli_global_help(out, NULL);
	fprintf(out, "\n"
		     "Options before COMMAND:\n"
		     "  -h, --help           this help; 'usdtctl COMMAND --help' for a command's\n"
		     "  -V, --version        print the version\n"
		     "\n"
		     "Examples:\n"
		     "  usdtctl list /usr/bin/python3.11\n"
		     "  usdtctl list -p 1234 'python:function__*' --json\n"
		     "  usdtctl trace -c 'python3 app.py' 'python:function__entry'\n"
		     "  usdtctl trace --legacy-attach -p 1234 'python:*'\n"
		     "\n"
		     "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		CLI_GLOBAL_LONGOPTS,
		{0},
	};
	int c;

	optind = 0;
	/* '+': stop at the command, which takes the global options after it itself */
	while ((c = cli_getopt(argc, argv, "+:hV" CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("usdtctl " USDTCTL_VERSION "\n");
			return 0;
		default: /* reported */
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cli_install_print();
	for (const struct cli_cmd *cmd = cmds; cmd->name; cmd++) {
		if (strcmp(argv[optind], cmd->name) == 0) {
			/* argv[0] of the command is its name; it parses from argv[1] */
			return cmd->func(argc - optind, argv + optind);
		}
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return 0;
	}
	return cli_error(EXIT_USAGE, "unknown command '%s'; see 'usdtctl --help'", argv[optind]);
}
