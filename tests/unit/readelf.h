/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * An ELF file's SDT notes and LOAD segments as binutils' readelf shows them (readelf -n, -l).
 * Tests take expected values from here, never from libusdt, so that a library bug cannot make
 * test and library agree on a wrong answer. The test files are not prelinked: a note's
 * Location is the probe's address. readelf runs as a tracked child (proc.h), so a hung one
 * dies with the test's timeout.
 */
#ifndef USDT_TEST_READELF_H
#define USDT_TEST_READELF_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

#define READELF_MAX_SITES 256
#define READELF_MAX_SEGS  16

struct readelf_site {
	char provider[64];
	char name[64];
	unsigned long long addr, sema;
};

struct readelf_seg {
	unsigned long long offset, vaddr, memsz;
	bool exec;
};

struct readelf_info {
	struct readelf_site sites[READELF_MAX_SITES]; /* in note order */
	size_t site_cnt;
	struct readelf_seg segs[READELF_MAX_SEGS];
	size_t seg_cnt;
	bool overflow, in_site; /* in_site: a Provider line seen, its Location not yet */
};

/* A note is "Provider: P", "Name: N", "Location: 0x.., Base: 0x.., Semaphore: 0x..". */
static inline void readelf_note_line(struct readelf_info *info, const char *line)
{
	struct readelf_site *s = &info->sites[info->site_cnt];
	unsigned long long base;
	const char *p;

	if ((p = strstr(line, "Provider: "))) {
		info->overflow |= info->site_cnt == READELF_MAX_SITES;
		info->in_site = !info->overflow && sscanf(p, "Provider: %63s", s->provider) == 1;
	} else if (!info->in_site) {
		return;
	} else if ((p = strstr(line, "Name: "))) {
		sscanf(p, "Name: %63s", s->name);
	} else if ((p = strstr(line, "Location: ")) &&
		   sscanf(p, "Location: %llx, Base: %llx, Semaphore: %llx", &s->addr, &base,
			  &s->sema) == 3) {
		info->site_cnt++;
		info->in_site = false;
	}
}

/* "LOAD OFFSET VIRTADDR PHYSADDR FILESIZ MEMSIZ FLAGS ALIGN", FLAGS like "R E". */
static inline void readelf_seg_line(struct readelf_info *info, const char *line)
{
	struct readelf_seg *s = &info->segs[info->seg_cnt];
	const char *align;
	int flags = 0;

	if (sscanf(line, " LOAD %llx %llx %*x %*x %llx %n", &s->offset, &s->vaddr, &s->memsz,
		   &flags) != 3 ||
	    !flags)
		return;
	if (info->seg_cnt == READELF_MAX_SEGS) {
		info->overflow = true;
		return;
	}
	align = strstr(line + flags, "0x");
	s->exec = align && memchr(line + flags, 'E', align - (line + flags));
	info->seg_cnt++;
}

/* Runs "readelf OPT --wide PATH" and hands each output line to fn. 0: readelf exited 0. */
static inline int readelf_run(const char *opt, const char *path, struct readelf_info *info,
			      void (*fn)(struct readelf_info *, const char *))
{
	char line[4096];
	int fds[2], status = -1;
	FILE *out;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		setenv("LC_ALL", "C", 1); /* untranslated output */
		execlp("readelf", "readelf", opt, "--wide", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return -1;
	}
	proc_track(pid, 0);
	out = fdopen(fds[0], "r");
	while (out && fgets(line, sizeof(line), out))
		fn(info, line);
	if (out)
		fclose(out);
	else
		close(fds[0]);
	waitpid(pid, &status, 0);
	proc_track(0, pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Reads path's SDT notes and LOAD segments into *info. 0, or -1 (and a message). */
static inline int readelf_read(const char *path, struct readelf_info *info)
{
	memset(info, 0, sizeof(*info));
	if (readelf_run("-n", path, info, readelf_note_line) ||
	    readelf_run("-l", path, info, readelf_seg_line) || info->overflow || !info->seg_cnt) {
		fprintf(stderr, "readelf could not read %s\n", path);
		return -1;
	}
	return 0;
}

/* File offset of vaddr in the executable (or the non-executable) LOAD segment holding it. */
static inline bool readelf_offset(const struct readelf_info *info, unsigned long long vaddr,
				  bool exec, unsigned long long *offset)
{
	for (size_t i = 0; i < info->seg_cnt; i++) {
		const struct readelf_seg *s = &info->segs[i];

		if (s->exec == exec && vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz) {
			*offset = vaddr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

#endif /* USDT_TEST_READELF_H */
