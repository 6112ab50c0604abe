/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fuzz entry points, shared by the libFuzzer targets (fuzz_note.c, fuzz_args.c) and by the
 * regression replay (tests/unit/test_fuzz_regressions.c), so a kept crasher runs through exactly
 * the code that found it. Each returns the number of broken contract invariants; memory errors
 * are left to the sanitizers. Includers define _GNU_SOURCE (memfd_create, strndup, asprintf).
 */
#ifndef USDT_FUZZ_TARGETS_H
#define USDT_FUZZ_TARGETS_H

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch.h"
#include "grammar.h"
#include "note.h"

static inline int fuzz_report(const char *what)
{
	fprintf(stderr, "fuzz: broken invariant: %s\n", what);
	return 1;
}

#define FUZZ_EXPECT(cond) ((cond) ? 0 : fuzz_report(#cond))

/* Formats every library message, so a bad pointer or format argument shows under ASan. */
static inline int fuzz_print(enum usdt_print_level level, const char *fmt, va_list ap)
{
	char msg[512];

	(void)level;
	return vsnprintf(msg, sizeof(msg), fmt, ap);
}

/* Describes arg into heap buffers of several sizes: an overflow of any of them is caught. */
static inline int fuzz_describe(const struct usdt_arg *arg)
{
	static const size_t sizes[] = {1, 7, 32, 256};
	int bad = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *buf = malloc(sizes[i]);
		int n;

		if (!buf)
			return bad;
		n = usdt_arg_describe(arg, buf, sizes[i]);
		bad += FUZZ_EXPECT(n >= 0);
		bad += FUZZ_EXPECT(strnlen(buf, sizes[i]) < sizes[i]);
		if (n >= 0 && (size_t)n < sizes[i])
			bad += FUZZ_EXPECT(strlen(buf) == (size_t)n);
		free(buf);
	}
	return bad;
}

/* Reads every byte of s, so a dangling or unterminated text shows under ASan. */
static volatile size_t fuzz_sink;
static inline void fuzz_strlen(const char *s)
{
	if (s)
		fuzz_sink += strlen(s);
}

/* What usdt.h promises about a parsed argument, and what the BPF side needs of its registers. */
static inline int fuzz_check_arg(const struct usdt_arg *arg, const struct usdti_arg_regs *regs)
{
	int bad = 0;

	fuzz_strlen(arg->reg);
	fuzz_strlen(arg->index);
	fuzz_strlen(arg->symbol);
	fuzz_strlen(arg->reason);
	bad += FUZZ_EXPECT(arg->text != NULL);
	fuzz_strlen(arg->text);
	bad += FUZZ_EXPECT(arg->kind >= USDT_ARG_CONST && arg->kind <= USDT_ARG_UNSUPPORTED);
	bad += FUZZ_EXPECT(regs->reg_off >= -1 && regs->index_off >= -1);
	switch (arg->kind) {
	case USDT_ARG_REG:
		bad += FUZZ_EXPECT(arg->reg && regs->reg_off >= 0);
		break;
	case USDT_ARG_MEM:
		bad += FUZZ_EXPECT(!arg->reg || regs->reg_off >= 0);
		break;
	case USDT_ARG_SIB:
		bad += FUZZ_EXPECT(arg->index && regs->index_off >= 0);
		bad += FUZZ_EXPECT(arg->scale == 1 || arg->scale == 2 || arg->scale == 4 ||
				   arg->scale == 8);
		bad += FUZZ_EXPECT(!arg->reg || regs->reg_off >= 0);
		break;
	case USDT_ARG_UNSUPPORTED:
		bad += FUZZ_EXPECT(arg->reason != NULL);
		break;
	default:
		break;
	}
	return bad + fuzz_describe(arg);
}

/* A name without glob metacharacters or ':' must match itself as a pattern. */
static inline int fuzz_check_match(const struct usdt_site *s)
{
	const char *special = "*?[]\\:";
	char *pattern;
	int bad = 0;

	if (!s->provider || !s->name)
		return 0;
	if (asprintf(&pattern, "%s:%s", s->provider, s->name) < 0)
		return 0;
	usdt_probe_match(s->provider, s->provider, s->name);
	if (!strpbrk(s->provider, special) && !strpbrk(s->name, special) && *s->provider &&
	    *s->name)
		bad += FUZZ_EXPECT(usdt_probe_match(pattern, s->provider, s->name));
	free(pattern);
	return bad;
}

static inline int fuzz_check_site(const struct usdt_site *s, size_t file_size)
{
	int bad = 0;

	/* a usable site's offsets name bytes of the file: uprobes take nothing past its end */
	if (!s->error) {
		bad += FUZZ_EXPECT(s->file_offset < file_size);
		bad += FUZZ_EXPECT(!s->sema_address || s->sema_offset < file_size);
	}

	fuzz_strlen(s->provider);
	fuzz_strlen(s->name);
	fuzz_strlen(s->args);
	fuzz_strlen(s->error);
	bad += FUZZ_EXPECT(s->arg_cnt >= -1 && s->arg_cnt <= USDT_MAX_ARGS);
	if (s->arg_cnt > 0)
		bad += FUZZ_EXPECT(s->argv != NULL);
	for (int i = 0; s->argv && i < s->arg_cnt; i++)
		bad += fuzz_check_arg(&s->argv[i], &usdti_argv_regs(s->argv, s->arg_cnt)[i]);
	return bad + fuzz_check_match(s);
}

/*
 * One ELF image: written to a memfd (a regular file, as usdt_file__open wants) and opened
 * by path with argument parsing on; every site and argument is then read.
 */
static inline int fuzz_note_one(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct usdt_file_opts opts = {.sz = sizeof(opts), .parse_args = true};
	struct usdt_file *f;
	char path[64];
	int bad = 0;
	size_t n;

	usdt_set_print(fuzz_print);
	if (fd < 0)
		fd = memfd_create("fuzz_note", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return fuzz_report("cannot write the memfd");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	f = usdt_file__open(path, &opts);
	if (!f)
		/* usdt.h: malformed input is -ENOEXEC; -ENOMEM only on a real shortage */
		return FUZZ_EXPECT(errno == ENOEXEC || errno == ENOMEM);
	bad += FUZZ_EXPECT(strcmp(usdt_file__path(f), path) == 0);
	fuzz_strlen(usdt_file__arch(f));
	bad += FUZZ_EXPECT(usdt_file__class(f) == ELFCLASS32 || usdt_file__class(f) == ELFCLASS64);
	n = usdt_file__site_cnt(f);
	for (size_t i = 0; i < n; i++) {
		const struct usdt_site *s = usdt_file__site(f, i);

		bad += FUZZ_EXPECT(s != NULL);
		if (s)
			bad += fuzz_check_site(s, size);
	}
	usdt_file__close(f);
	return bad;
}

/*
 * The arch table the argument fuzzer walks; the first input byte picks an entry, modulo the
 * count plus one: the extra value is a machine no grammar knows. tests/fuzz/run.sh seeds
 * by these indexes.
 */
static const struct usdti_arch *const fuzz_archs[] __attribute__((unused)) = {
	&usdti_arch_x86_64,  &usdti_arch_i386,	&usdti_arch_aarch64,
	&usdti_arch_riscv64, &usdti_arch_s390x, &usdti_arch_arm,
	&usdti_arch_ppc64,   &usdti_arch_ppc,	&usdti_arch_loongarch64,
};
#define FUZZ_ARCH_CNT (sizeof(fuzz_archs) / sizeof(fuzz_archs[0]))

static inline int fuzz_parse_one(int machine, int elf_class, const char *text, size_t len,
				 size_t scratch_sz)
{
	char *op = strndup(text, len), *scratch = malloc(scratch_sz);
	struct usdti_arg arg;
	int bad = 0, err;

	if (op && scratch) {
		memset(&arg, 0, sizeof(arg));
		err = usdti_arg_parse(machine, elf_class, op, &arg, scratch, scratch_sz);
		bad += FUZZ_EXPECT(err == 0 || err == -EINVAL || err == -ENOTSUP ||
				   err == -EOPNOTSUPP || err == -ENOSPC);
		if (err == 0)
			bad += fuzz_check_arg(&arg.pub, &arg.regs);
	}
	free(op);
	free(scratch);
	return bad;
}

/*
 * Input: [arch index][scratch size - 1][argument string...]. The string is split like a
 * note's argument string, then each operand, and the whole string, is parsed and described.
 */
static inline int fuzz_args_one(const uint8_t *data, size_t size)
{
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS], scratch_sz, tlen;
	int machine = EM_SPARCV9, elf_class = ELFCLASS64, bad = 0, n;
	size_t idx;
	char *text;

	if (size < 2)
		return 0;
	usdt_set_print(fuzz_print);
	idx = data[0] % (FUZZ_ARCH_CNT + 1);
	if (idx < FUZZ_ARCH_CNT) {
		machine = fuzz_archs[idx]->e_machine;
		if (fuzz_archs[idx]->elf_class)
			elf_class = fuzz_archs[idx]->elf_class;
		bad += FUZZ_EXPECT(usdt_arch_name(machine, elf_class) != NULL);
	}
	scratch_sz = (size_t)data[1] + 1;
	text = strndup((const char *)data + 2, size - 2);
	if (!text)
		return 0;
	tlen = strlen(text);
	n = usdti_split_args(text, starts, lens, USDT_MAX_ARGS);
	bad += FUZZ_EXPECT(n <= USDT_MAX_ARGS);
	for (int i = 0; i < n; i++) {
		bad += FUZZ_EXPECT(starts[i] >= text && lens[i] <= tlen &&
				   (size_t)(starts[i] - text) <= tlen - lens[i]);
		if (starts[i] >= text && (size_t)(starts[i] - text) + lens[i] <= tlen)
			bad += fuzz_parse_one(machine, elf_class, starts[i], lens[i], scratch_sz);
	}
	bad += fuzz_parse_one(machine, elf_class, text, tlen, scratch_sz);
	free(text);
	return bad;
}

/* A libFuzzer entry point running one of the targets above; a failed check aborts. */
#define FUZZ_TARGET(one)                                              \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)  \
	{                                                             \
		if (one(data, size))                                  \
			abort();                                      \
		return 0;                                             \
	}

#endif /* USDT_FUZZ_TARGETS_H */
