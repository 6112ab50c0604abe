/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What usdtctl's subcommands share: global options, error reporting, JSON output. */
#ifndef USDTCTL_CLI_H
#define USDTCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

struct cli_cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *summary;
};

/* Global options, set by cli_getopt() wherever they stand: before or after the command. */
struct cli_env {
	bool json;
	bool verbose;
	bool legacy_attach; /* --legacy-attach: one perf_event uprobe per site */
};
extern struct cli_env cli_env;

struct option;

/*
 * Every getopt table, usdtctl's own and each command's, ends with the global options, and
 * cli_getopt() acts on them: one meaning before and after the command, as in bpftool.
 */
#define CLI_OPT_LEGACY_ATTACH 0x100
#define CLI_GLOBAL_SHORTOPTS  "jv"
/* clang-format off */
#define CLI_GLOBAL_LONGOPTS						\
	{"json", no_argument, NULL, 'j'},				\
	{"verbose", no_argument, NULL, 'v'},				\
	{"legacy-attach", no_argument, NULL, CLI_OPT_LEGACY_ATTACH}
/* clang-format on */

/*
 * getopt_long() over argv[1..] for command cmd (NULL: usdtctl's own options, before the
 * command). optstring starts with ':' (after '+' to stop at the first argument) and ends with
 * CLI_GLOBAL_SHORTOPTS; longopts ends with CLI_GLOBAL_LONGOPTS; set optind = 0 before the
 * first call. Returns the command's next option, -1 after the last, or '?' once an unknown
 * option or a missing argument is reported: "usdtctl: CMD: ...; see 'usdtctl CMD --help'".
 */
int cli_getopt(int argc, char **argv, const char *optstring, const struct option *longopts,
	       const char *cmd);
/* The global options' part of a --help: "Global options, before or after 'cmd':" */
void cli_global_help(FILE *out, const char *cmd);

/*
 * One line on stderr: "usdtctl: <message>", or {"error": "..."} on stdout with --json.
 * Returns code so callers can `return cli_error(EXIT_USAGE, ...)`.
 */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Routes libusdt's messages to stderr (-v shows info); keeps the last warning for errors. */
void cli_install_print(void);
const char *cli_last_lib_message(void);
/* Forgets the last warning: call before the library call whose failure it should explain. */
void cli_clear_lib_message(void);

/* Subcommands: each lives in its own file and ends with its help and dispatcher. */
int do_list(int argc, char **argv);
int do_trace(int argc, char **argv);
int do_latency(int argc, char **argv);
int do_features(int argc, char **argv);

/* ---- JSON Lines writer: one object per line, always balanced and escaped ------------------- */
struct json {
	FILE *out;
	int depth;
	bool need_comma[16];
};
void json_begin(struct json *j, FILE *out); /* starts a line's top-level object */
/* A JSON string's body: escapes, UTF-8 kept, bytes that are not UTF-8 as U+FFFD. */
void json_escape(FILE *out, const char *s, size_t n);
void json_end(struct json *j); /* closes it, writes '\n' */
void json_key(struct json *j, const char *key);
void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_uint(struct json *j, unsigned long long v);
void json_hex(struct json *j, unsigned long long v); /* "0x..." */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* key + value shorthands */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, long long v);
void json_khex(struct json *j, const char *key, unsigned long long v);

#endif /* USDTCTL_CLI_H */
