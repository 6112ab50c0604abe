// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* usdtctl: list and trace USDT probes. Global options, then a subcommand from the table. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "usdt.h"

struct cli_env cli_env;

static const struct cli_cmd cmds[] = {
	{"list", do_list, "list the probes of binaries or of a process"},
	{"trace", do_trace, "trace probes and print their arguments"},
	{"features", do_features, "show what the kernel supports and how usdtctl attaches"},
	{0},
};

static char last_msg[512];

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
	fprintf(stderr, "usdtctl: %s\n", msg);
	return code;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("usdtctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int print_fn(enum usdt_print_level level, const char *fmt, va_list ap)
{
	char msg[sizeof(last_msg)];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* only warnings explain a failure; info and debug lines must not stand in for one */
	if (level == USDT_WARN)
		memcpy(last_msg, msg, n + 1);
	if (level == USDT_WARN || (level == USDT_INFO && cli_env.verbose) ||
	    getenv("USDTCTL_DEBUG"))
		fprintf(stderr, "usdtctl: %s%s\n", level == USDT_WARN ? "warning: " : "", msg);
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
	fprintf(out,
		"\n"
		"Options:\n"
		"  -j, --json           JSON Lines output, one object per line\n"
		"  -v, --verbose        more detail (list: per site), library messages\n"
		"      --legacy-attach  one perf_event uprobe per site instead of uprobe_multi\n"
		"                       (also USDT_LEGACY_ATTACH=1)\n"
		"  -h, --help           this help; 'usdtctl COMMAND --help' for a command's\n"
		"  -V, --version        print the version\n"
		"\n"
		"Examples:\n"
		"  usdtctl list /usr/bin/python3.11\n"
		"  usdtctl list -p 1234 'python:function__*'\n"
		"  usdtctl trace -c 'python3 app.py' 'python:function__entry'\n"
		"\n"
		"Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},	   {"verbose", no_argument, NULL, 'v'},
		{"legacy-attach", no_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},	   {0},
	};
	int c;

	/* '+': stop at the subcommand, whose options are its own */
	while ((c = getopt_long(argc, argv, "+jvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			cli_env.json = true;
			break;
		case 'v':
			cli_env.verbose = true;
			break;
		case 'L':
			cli_env.legacy_attach = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("usdtctl " USDTCTL_VERSION "\n");
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cli_env.legacy_attach)
		setenv("USDT_LEGACY_ATTACH", "1", 1);
	cli_install_print();
	for (const struct cli_cmd *cmd = cmds; cmd->name; cmd++) {
		if (strcmp(argv[optind], cmd->name) == 0) {
			optind++;
			/* subcommands parse argv from index 1 with their own getopt */
			return cmd->func(argc - optind + 1, argv + optind - 1);
		}
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return 0;
	}
	return cli_error(EXIT_USAGE, "unknown command '%s'; see 'usdtctl --help'", argv[optind]);
}
