// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * minitrace: the smallest useful USDT tracer built on libusdt, in the shape of bcc's
 * libbpf-tools (open, set rodata, load, attach, poll, one cleanup label).
 *
 *   minitrace [-p PID] [-s ARG]... [-n COUNT] [-d SECONDS] [-v] BINARY PROBE
 *
 * Attaches to every site of BINARY whose provider:name matches the glob PROBE, in one link,
 * and prints "PID provider:name arg1 arg2 ..." per hit: integers as the probe passed them
 * (sign-extended where the note says signed), "?" for an argument that cannot be read, and
 * the arguments named with -s (from 1, repeatable) as quoted strings.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "uprobe_multi.h" /* installed: <usdt/uprobe_multi.h> */
#include "usdt.h"	  /* installed: <usdt/usdt.h> */
#include "minitrace.h"
#include "minitrace_bpf.skel.h"

static struct env {
	pid_t pid;
	__u32 str_args;
	long max_events;
	int duration;
	bool verbose;
	const char *binary;
	const char *probe;
} env = {.pid = -1};

static volatile sig_atomic_t exiting;
static long events_seen;
static struct usdt_manager *manager; /* names probe ids in handle_event() */

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-p PID] [-s ARG]... [-n COUNT] [-d SECONDS] [-v] BINARY PROBE\n"
		"  -p PID      trace this process only (default: every process)\n"
		"  -s ARG      print argument ARG (1-12) as a string\n"
		"  -n COUNT    exit after COUNT events\n"
		"  -d SECONDS  exit after SECONDS\n"
		"  -v          print libbpf and libusdt debug messages\n",
		prog);
}

static int parse_args(int argc, char **argv)
{
	int opt, n;

	while ((opt = getopt(argc, argv, "p:s:n:d:v")) != -1) {
		switch (opt) {
		case 'p':
			env.pid = atoi(optarg);
			break;
		case 's':
			n = atoi(optarg);
			if (n < 1 || n > MINITRACE_MAX_ARGS) {
				fprintf(stderr, "minitrace: -s takes 1 to %d\n",
					MINITRACE_MAX_ARGS);
				return -1;
			}
			env.str_args |= 1U << (n - 1);
			break;
		case 'n':
			env.max_events = atol(optarg);
			break;
		case 'd':
			env.duration = atoi(optarg);
			break;
		case 'v':
			env.verbose = true;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != 2)
		return -1;
	env.binary = argv[optind];
	env.probe = argv[optind + 1];
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static int usdt_print(enum usdt_print_level level, const char *fmt, va_list args)
{
	if (level == USDT_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void sig_handler(int sig)
{
	(void)sig;
	exiting = 1;
}

static void print_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct minitrace_event *e = data;
	struct usdt_probe_info info;

	(void)ctx;
	/* one poll can bring more than -n asked for */
	if (size < sizeof(*e) || (env.max_events && events_seen >= env.max_events))
		return 0;
	if (usdt_manager__probe_info(manager, e->probe_id, &info))
		info.provider = info.name = "?";
	printf("%u %s:%s", e->pid, info.provider, info.name);
	for (int i = 0; i < e->arg_cnt && i < MINITRACE_MAX_ARGS; i++) {
		putchar(' ');
		if (e->bad_mask & (1U << i))
			putchar('?');
		else if (e->str_mask & (1U << i))
			print_string(e->strs[i]);
		else
			printf("%lld", (long long)e->args[i]);
	}
	putchar('\n');
	if (env.max_events && ++events_seen >= env.max_events)
		exiting = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct minitrace_bpf *skel;
	struct usdt_link *link = NULL;
	time_t end;
	int err;

	if (parse_args(argc, argv)) {
		usage(argv[0]);
		return 2;
	}
	libbpf_set_print(libbpf_print);
	usdt_set_print(usdt_print);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, sig_handler);
	signal(SIGTERM, sig_handler);

	skel = minitrace_bpf__open();
	if (!skel) {
		fprintf(stderr, "minitrace: cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->str_args = env.str_args;
	/* before load: the attach mode fixes the program's type, the manager sizes its map */
	err = usdt_program_prepare(skel->progs.minitrace, USDT_MODE_AUTO);
	if (err) {
		fprintf(stderr, "minitrace: the kernel cannot attach USDT probes: %s\n",
			strerror(-err));
		goto cleanup;
	}
	manager = usdt_manager__new(skel->obj, NULL);
	if (!manager) {
		err = -errno;
		fprintf(stderr, "minitrace: %s\n", strerror(errno));
		goto cleanup;
	}
	err = minitrace_bpf__load(skel);
	if (err) {
		fprintf(stderr, "minitrace: cannot load the BPF object: %s\n", strerror(-err));
		goto cleanup;
	}
	link = usdt_attach(manager, skel->progs.minitrace, env.pid, env.binary, env.probe, NULL);
	if (!link) {
		err = -errno;
		fprintf(stderr, "minitrace: cannot attach to %s in %s: %s\n", env.probe, env.binary,
			strerror(errno));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "minitrace: cannot open the ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	fprintf(stderr, "Tracing %zu site(s) of %zu probe(s) in %s. Hit Ctrl-C to end.\n",
		usdt_link__site_cnt(link), usdt_link__probe_cnt(link), env.binary);

	end = time(NULL) + env.duration;
	while (!exiting && (!env.duration || time(NULL) < end)) {
		err = ring_buffer__poll(rb, 100);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0) {
			fprintf(stderr, "minitrace: polling the ring buffer: %s\n", strerror(-err));
			goto cleanup;
		}
		err = 0;
	}
	if (skel->bss->dropped)
		fprintf(stderr, "minitrace: %llu event(s) dropped: the ring buffer was full\n",
			(unsigned long long)skel->bss->dropped);

cleanup:
	ring_buffer__free(rb);
	usdt_link__destroy(link);
	usdt_manager__free(manager);
	minitrace_bpf__destroy(skel);
	return err ? 1 : 0;
}
