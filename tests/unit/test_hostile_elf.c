// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Hostile ELF files: what usdt_file__open makes of headers, segments and notes that lie (the
 * hand-made files kept in tests/fuzz/regressions/note/, written by mkhostile.py), and how much
 * memory it takes: a small file never costs more than a small constant, a large one (mkelf,
 * 200,000 notes) a bounded multiple of its size. Complements test_note.c, which covers
 * mkelf's damage kinds (truncated header, bogus e_phnum/e_shnum, note sizes, strings).
 */
#define _GNU_SOURCE
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "usdt.h"

#define HOSTILE SOURCE_DIR "/tests/fuzz/regressions/note/hostile-"
#define MKELF	FIXTURES_DIR "/mkelf"

static char tmpdir[64];

/* ASan's shadow memory and quarantine make resident sizes meaningless: sizes are not checked */
#if defined(__SANITIZE_ADDRESS__)
static const bool check_rss = false;
#else
static const bool check_rss = true;
#endif

static int quiet(enum usdt_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

static struct usdt_file *open_parsed(const char *path)
{
	struct usdt_file_opts opts = {.sz = sizeof(opts), .parse_args = true};

	return usdt_file__open(path, &opts);
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

/* Files whose headers or notes lie beyond repair: -ENOEXEC, nothing else. */
static void test_rejected(void)
{
	static const char *const names[] = {
		"empty",
		"magic-only",
		"header-only",
		"truncated-shdrs",
		"shnum-bogus",
		"shstrndx-bogus",
		"namesz-overflow",
		"descsz-overflow",
		"desc-short",
		"strings-unterminated",
		"section-past-eof",
		"section-size-huge",
		"section-offset-huge",
		"note-nobits",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[PATH_MAX];
		struct usdt_file *f;

		snprintf(path, sizeof(path), "%s%s", HOSTILE, names[i]);
		errno = 0;
		f = open_parsed(path);
		if (f || errno != ENOEXEC)
			fprintf(stderr, "%s: opened %s, errno %d\n", names[i], f ? "yes" : "no",
				errno);
		CHECK(f == NULL);
		CHECK_INT(errno, ENOEXEC);
		usdt_file__close(f);
	}
}

/* Opens HOSTILE name, which must hold exactly one stapsdt site; returns it (file in *fp). */
static const struct usdt_site *one_site(const char *name, struct usdt_file **fp)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", HOSTILE, name);
	*fp = open_parsed(path);
	if (!*fp)
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
	CHECK(*fp != NULL);
	if (!*fp)
		return NULL;
	CHECK_INT(usdt_file__site_cnt(*fp), 1);
	return usdt_file__site(*fp, 0);
}

/*
 * Every usable site's file offsets point at bytes of the file: uprobes cannot take an offset
 * past the end, and one in a segment's memsz tail (.bss) is not the instruction the note
 * names. A site whose PC or semaphore has no file bytes behind it must carry an error.
 */
static void test_offsets_in_file(void)
{
	static const char *const names[] = {"plausible", "segments-overlap", "segment-wraps",
					    "pc-in-bss", "prelink-overflow", "elf32-arm"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[PATH_MAX];
		const struct usdt_site *s;
		struct usdt_file *f;
		size_t size;

		snprintf(path, sizeof(path), "%s%s", HOSTILE, names[i]);
		size = file_size(path);
		s = one_site(names[i], &f);
		if (s && !s->error) {
			if (s->file_offset >= size || (s->sema_address && s->sema_offset >= size))
				fprintf(stderr,
					"%s: site without error at file offset 0x%llx, semaphore "
					"offset 0x%llx, file size 0x%zx\n",
					names[i], (unsigned long long)s->file_offset,
					(unsigned long long)s->sema_offset, size);
			CHECK(s->file_offset < size);
			CHECK(!s->sema_address || s->sema_offset < size);
		}
		/* its PC lies in the .bss tail: an offset there may still be inside the file */
		if (strcmp(names[i], "pc-in-bss") == 0)
			CHECK(s && s->error);
		usdt_file__close(f);
	}
}

/* What the plausible file and the damaged-but-readable ones must yield. */
static void test_sites(void)
{
	const struct usdt_site *s;
	struct usdt_file *f;

	s = one_site("plausible", &f);
	if (s) {
		CHECK(s->error == NULL);
		CHECK_INT(s->address, 0x401010);
		CHECK_INT(s->file_offset, 0x1010);
		CHECK_INT(s->sema_address, 0x602000);
		CHECK_INT(s->sema_offset, 0x2000);
		CHECK_INT(s->arg_cnt, 2);
	}
	usdt_file__close(f);

	/* two executable segments over the same PC that agree: one answer, no error */
	s = one_site("segments-overlap", &f);
	if (s) {
		CHECK(s->error == NULL);
		CHECK_INT(s->file_offset, 0x1010);
	}
	usdt_file__close(f);

	/* e_phnum 0xffff is PN_XNUM: the count is section 0's sh_info, here 0: no segments */
	s = one_site("phnum-bogus", &f);
	CHECK(s && s->error != NULL);
	usdt_file__close(f);
	s = one_site("pc-outside", &f);
	CHECK(s && s->error != NULL);
	usdt_file__close(f);
	s = one_site("sema-in-text", &f);
	CHECK(s && s->error != NULL);
	usdt_file__close(f);
	/* .stapsdt.base near 2^64: the compensated PC wraps and lands outside */
	s = one_site("prelink-overflow", &f);
	CHECK(s && s->error != NULL);
	usdt_file__close(f);

	/* 40 operands: more than a note may have, the site stays listed */
	s = one_site("args-too-many", &f);
	CHECK(s && s->arg_cnt == -1 && s->error == NULL);
	usdt_file__close(f);

	/* a 100,000-character symbol that no symbol table has */
	s = one_site("args-long", &f);
	if (s) {
		CHECK_INT(s->arg_cnt, 1);
		CHECK(s->argv && s->argv[0].kind == USDT_ARG_UNSUPPORTED);
	}
	usdt_file__close(f);

	s = one_site("machine-unknown", &f);
	if (s) {
		CHECK(usdt_file__arch(f) == NULL);
		CHECK_INT(s->arg_cnt, 2);
		CHECK(s->argv && s->argv[0].kind == USDT_ARG_UNSUPPORTED &&
		      s->argv[1].kind == USDT_ARG_UNSUPPORTED);
	}
	usdt_file__close(f);

	/* type 4, owner "stapsdtX": not probes; the empty provider and name are */
	s = one_site("note-foreign", &f);
	if (s) {
		CHECK_STR(s->provider, "");
		CHECK_STR(s->name, "");
		CHECK_INT(s->arg_cnt, 0);
	}
	usdt_file__close(f);

	/* 32-bit big-endian words */
	s = one_site("elf32-be-s390", &f);
	if (s) {
		CHECK_INT(s->address, 0x401010);
		CHECK_INT(s->sema_address, 0x602000);
		CHECK_INT(s->file_offset, 0x1010);
		CHECK_INT(s->arg_cnt, 2);
	}
	usdt_file__close(f);
}

static long status_kb(const char *field)
{
	char line[256];
	long kb = -1;
	FILE *st = fopen("/proc/self/status", "r");

	while (st && fgets(line, sizeof(line), st)) {
		if (!strncmp(line, field, strlen(field)))
			kb = atol(line + strlen(field) + 1);
	}
	if (st)
		fclose(st);
	return kb;
}

/*
 * Peak resident growth (KiB) while path is opened with its arguments parsed, measured in a
 * child: the peak is reset through /proc/self/clear_refs first. -1 when it cannot be measured.
 */
static long open_peak_kb(const char *path, size_t *sites)
{
	int fds[2], status;
	long out[2] = {-1, 0};
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open("/proc/self/clear_refs", O_WRONLY);
		struct usdt_file *f;
		long rss;

		close(fds[0]);
		alarm(60);
		if (fd < 0 || write(fd, "5", 1) != 1)
			_exit(1);
		close(fd);
		rss = status_kb("VmRSS");
		f = open_parsed(path);
		out[0] = status_kb("VmHWM") - rss;
		out[1] = f ? (long)usdt_file__site_cnt(f) : -1;
		usdt_file__close(f);
		_exit(write(fds[1], out, sizeof(out)) == sizeof(out) ? 0 : 1);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], out, sizeof(out)) != sizeof(out))
		out[0] = -1;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	*sites = out[1];
	return out[0];
}

/* Runs mkelf with four arguments into tmpdir/name. */
static const char *mkelf(const char *name, const char *a1, const char *a2, const char *a3,
			 const char *a4)
{
	static char path[PATH_MAX];
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	pid = fork();
	if (pid == 0) {
		execl(MKELF, MKELF, a1, a2, a3, a4, path, (char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	return path;
}

/*
 * Memory bounded by file size. Hostile small files claim huge sections and counts: none may
 * cost more than 8 MiB. 200,000 notes with distinct argument strings (every site parsed and
 * kept) may cost at most 8 times the file: a note of about 95 bytes becomes one usdt_site,
 * three usdt_args (88 bytes each, 8 more for their registers) and their operand texts
 * (measured here: 6.2 times).
 */
static void test_memory_bound(void)
{
	static const char *const small[] = {"section-size-huge", "note-nobits",	    "shnum-bogus",
					    "namesz-overflow",	 "descsz-overflow", "args-long",
					    "phnum-bogus",	 "segment-wraps"};
	const char *path;
	size_t sites, size;
	long kb;

	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s%s", HOSTILE, small[i]);
		kb = open_peak_kb(p, &sites);
		printf("%-20s %8zu bytes: peak +%ld KiB\n", small[i], file_size(p), kb);
		CHECK(kb >= 0 && (!check_rss || kb < 8 * 1024));
	}
	path = mkelf("many.elf", "-g", "200000", "-A", "-4@%edi 8@%rsi -8@-%u(%rbp)");
	size = file_size(path);
	kb = open_peak_kb(path, &sites);
	printf("200,000 notes      %8zu bytes: peak +%ld KiB (%.2f x file)\n", size, kb,
	       kb * 1024.0 / size);
	CHECK_INT(sites, 200000);
	CHECK(kb >= 0 && (!check_rss || (size_t)kb * 1024 < 8 * size));
	unlink(path);
}

int main(void)
{
	alarm(110); /* bounds the mkelf runs and measuring children it waits for */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_hostile_elf.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	usdt_set_print(quiet);
	test_rejected();
	test_offsets_in_file();
	test_sites();
	test_memory_bound();
	rmdir(tmpdir);
	return test_summary("test_hostile_elf");
}
