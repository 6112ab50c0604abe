// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function names -> file offsets for uprobes: a glob over every function symbol, or a list of
 * exact names. Offsets go through the PT_LOAD that holds the code, never section headers,
 * so layouts where vaddr != offset work.
 *
 * STT_GNU_IFUNC symbols are taken as libbpf takes them: their value is the resolver's address,
 * so a probe on one fires when the dynamic linker resolves it, not when the chosen
 * implementation runs. Name the implementation (e.g. __memcpy_avx_unaligned) to trace calls.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "elf_file.h"
#include "log.h"
#include "mem.h"
#include "symbols.h"

static bool is_func(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_value;
}

/* ---- pattern -------------------------------------------------------------------------------- */

struct pattern_ctx {
	const char *pattern;
	__u64 *addrs;
	size_t cnt, cap;
};

static int collect_match(const char *name, const GElf_Sym *sym, void *arg)
{
	struct pattern_ctx *ctx = arg;

	if (!is_func(sym) || fnmatch(ctx->pattern, name, 0))
		return 0;
	if (usdti_ensure_mem((void **)&ctx->addrs, &ctx->cap, sizeof(*ctx->addrs), ctx->cnt + 1,
			     16))
		return -ENOMEM;
	ctx->addrs[ctx->cnt++] = sym->st_value;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorted, unique addresses -> offsets; functions outside executable segments are skipped. */
static int addrs_to_offsets(const struct usdti_elf *ef, const char *path, __u64 *addrs, size_t cnt,
			    unsigned long *offsets, size_t *out_cnt)
{
	size_t n = 0;

	qsort(addrs, cnt, sizeof(*addrs), cmp_u64);
	for (size_t i = 0; i < cnt; i++) {
		__u64 off;

		if (i && addrs[i] == addrs[i - 1])
			continue;
		if (usdti_elf_vaddr_to_offset(ef, addrs[i], true, &off)) {
			pr_debug("%s: function at 0x%llx is outside executable segments\n", path,
				 (unsigned long long)addrs[i]);
			continue;
		}
		offsets[n++] = off;
	}
	*out_cnt = n;
	return 0;
}

int usdti_pattern_offsets(const char *path, const char *pattern, unsigned long **offsets,
			  size_t *cnt)
{
	struct pattern_ctx ctx = {.pattern = pattern};
	struct usdti_elf ef;
	unsigned long *offs = NULL;
	int err;

	err = usdti_elf_open(path, &ef);
	if (err) {
		pr_warn("%s: cannot read ELF: %s\n", path, strerror(-err));
		return err;
	}
	err = usdti_elf_for_each_sym(&ef, collect_match, &ctx);
	if (!err && ctx.cnt) {
		offs = malloc(ctx.cnt * sizeof(*offs));
		err = offs ? addrs_to_offsets(&ef, path, ctx.addrs, ctx.cnt, offs, cnt) : -ENOMEM;
	}
	if (!err && (!ctx.cnt || !*cnt)) {
		pr_warn("no function matches '%s' in '%s'\n", pattern, path);
		err = -ENOENT;
	}
	free(ctx.addrs);
	usdti_elf_close(&ef);
	if (err) {
		free(offs);
		return err;
	}
	*offsets = offs;
	return 0;
}

/* ---- exact names ---------------------------------------------------------------------------- */

struct wanted {
	const char *name;
	size_t idx; /* position in the caller's array */
};

struct syms_ctx {
	const char *path;
	struct wanted *w; /* sorted by name */
	size_t cnt;
	__u64 *addrs; /* by caller index, 0 = not found yet */
	int *binds;
};

static int cmp_wanted(const void *a, const void *b)
{
	const struct wanted *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Records sym for caller index i with libbpf's rule: one strong definition, weak ones yield. */
static int record(struct syms_ctx *ctx, size_t i, const char *name, const GElf_Sym *sym)
{
	int bind = GELF_ST_BIND(sym->st_info);

	if (ctx->addrs[i] && ctx->addrs[i] != sym->st_value) {
		if (ctx->binds[i] != STB_WEAK && bind != STB_WEAK) {
			pr_warn("'%s' is ambiguous in '%s': defined at 0x%llx and 0x%llx\n", name,
				ctx->path, (unsigned long long)ctx->addrs[i],
				(unsigned long long)sym->st_value);
			return -ESRCH;
		}
		if (bind == STB_WEAK)
			return 0;
	}
	ctx->addrs[i] = sym->st_value;
	ctx->binds[i] = bind;
	return 0;
}

static int collect_wanted(const char *name, const GElf_Sym *sym, void *arg)
{
	struct syms_ctx *ctx = arg;
	size_t lo = 0, hi = ctx->cnt;

	if (!is_func(sym))
		return 0;
	while (lo < hi) { /* first wanted entry not less than name */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ctx->w[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ctx->cnt && strcmp(ctx->w[lo].name, name) == 0; lo++) {
		int err = record(ctx, ctx->w[lo].idx, name, sym);

		if (err)
			return err;
	}
	return 0;
}

static int syms_to_offsets(const struct usdti_elf *ef, const struct syms_ctx *ctx,
			   const char **syms, unsigned long *offsets)
{
	int err = 0;

	for (size_t i = 0; i < ctx->cnt; i++) {
		__u64 off;

		if (!ctx->addrs[i]) {
			pr_warn("function '%s' not found in '%s'\n", syms[i], ctx->path);
			err = -ENOENT;
		} else if (usdti_elf_vaddr_to_offset(ef, ctx->addrs[i], true, &off)) {
			pr_warn("'%s' in '%s' is outside the executable segments\n", syms[i],
				ctx->path);
			err = err ?: -EINVAL;
		} else {
			offsets[i] = off;
		}
	}
	return err;
}

int usdti_syms_offsets(const char *path, const char **syms, size_t cnt, unsigned long **offsets)
{
	struct syms_ctx ctx = {.path = path, .cnt = cnt};
	unsigned long *offs;
	struct usdti_elf ef;
	int err;

	for (size_t i = 0; i < cnt; i++) {
		if (!syms[i]) {
			pr_warn("syms[%zu] is NULL\n", i);
			return -EINVAL;
		}
	}
	err = usdti_elf_open(path, &ef);
	if (err) {
		pr_warn("%s: cannot read ELF: %s\n", path, strerror(-err));
		return err;
	}
	ctx.w = malloc(cnt * sizeof(*ctx.w));
	ctx.addrs = calloc(cnt, sizeof(*ctx.addrs));
	ctx.binds = calloc(cnt, sizeof(*ctx.binds));
	offs = malloc(cnt * sizeof(*offs));
	if (!ctx.w || !ctx.addrs || !ctx.binds || !offs) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cnt; i++)
		ctx.w[i] = (struct wanted){syms[i], i};
	qsort(ctx.w, cnt, sizeof(*ctx.w), cmp_wanted);
	err = usdti_elf_for_each_sym(&ef, collect_wanted, &ctx);
	if (!err)
		err = syms_to_offsets(&ef, &ctx, syms, offs);
out:
	free(ctx.w);
	free(ctx.addrs);
	free(ctx.binds);
	usdti_elf_close(&ef);
	if (err) {
		free(offs);
		return err;
	}
	*offsets = offs;
	return 0;
}
