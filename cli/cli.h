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
 * Returns code so callers can `return cli_error(EXIT_USAGE, ...)`. On stderr, these messages
 * and the library's are escaped by cli_escape(): they quote paths and names from files.
 */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line on stderr, "usdtctl: <message>", after what stdout holds: not an error. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Routes libusdt's messages to stderr (-v shows info); keeps the last warning for errors. */
void cli_install_print(void);
const char *cli_last_lib_message(void);
/* Forgets the last warning: call before the library call whose failure it should explain. */
void cli_clear_lib_message(void);
/*
 * Keeps the library's warnings back until cli_release_lib_warnings(), which prints them when
 * show is true (the call succeeded) and drops them otherwise (its one-line error says why);
 * meanwhile messages name the file internal as shown.
 */
void cli_hold_lib_warnings(const char *internal, const char *shown);
void cli_release_lib_warnings(bool show);

/* ---- text for terminals (cli/escape.c) ----------------------------------------------------- */
/*
 * Writes n bytes of a string that a file or a process chose, escaped for a terminal: \n, \t,
 * other C0 controls and DEL as \xHH, C1 controls (U+0080-U+009F) as \u00HH, bytes that are not
 * UTF-8 as \xHH; other UTF-8 as it is. quoted: " and \ as \" and \\ as well. out NULL: writes
 * nothing. Returns the bytes written.
 */
size_t cli_escape(FILE *out, const char *s, size_t n, bool quoted);

/* Columns of provider:name in text output: longer names push the rest of their line out. */
#define CLI_LABEL_MAX_W 40

/* Subcommands: each lives in its own file and ends with its help and dispatcher. */
int do_list(int argc, char **argv);
int do_trace(int argc, char **argv);
int do_latency(int argc, char **argv);
int do_features(int argc, char **argv);
/* calls, flow, gc, objnew, threads, queries, stat: one table (cli/runtime_cmds.c), by argv[0] */
int do_runtime_cmd(int argc, char **argv);

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
