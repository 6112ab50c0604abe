// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --stack symbolization. The tracer records frames as (build id, file offset), so a stack
 * means the same whatever process it came from, and files are found by build id among the
 * objects usdtctl traces. Symbols load on a file's first frame: from its debug file when
 * there is one (by build id, then by .gnu_debuglink), else from its own .symtab and .dynsym.
 */
#define _GNU_SOURCE
#include "symbolize.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "cli.h"
#include "elf_file.h"
#include "trace.h"

#define NT_GNU_BUILD_ID_TYPE 3

struct sym {
	__u64 addr, size;
	char *name;
};

struct symfile {
	unsigned char build_id[BPF_BUILD_ID_SIZE];
	char *path;
	struct usdti_seg *segs; /* to turn file offsets into addresses */
	size_t seg_cnt;
	bool loaded;
	struct sym *syms; /* functions, by address */
	size_t sym_cnt;
};

struct symbolizer {
	char *debug_dir;
	struct symfile *files;
	size_t cnt;
};

struct symbolizer *symbolizer_new(const char *debug_dir)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (s && !(s->debug_dir = strdup(debug_dir))) {
		free(s);
		s = NULL;
	}
	return s;
}

static void free_syms(struct symfile *f)
{
	for (size_t i = 0; i < f->sym_cnt; i++)
		free(f->syms[i].name);
	free(f->syms);
	f->syms = NULL;
	f->sym_cnt = 0;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cnt; i++) {
		free_syms(&s->files[i]);
		free(s->files[i].path);
		free(s->files[i].segs);
	}
	free(s->files);
	free(s->debug_dir);
	free(s);
}

/* The GNU build id of ef into id (zero-padded as the kernel does): 0, or -ENOENT. */
static int read_build_id(const struct usdti_elf *ef, unsigned char *id)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID_TYPE || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) ||
			    nh.n_descsz > BPF_BUILD_ID_SIZE)
				continue;
			memset(id, 0, BPF_BUILD_ID_SIZE);
			memcpy(id, (char *)d->d_buf + desc_off, nh.n_descsz);
			return 0;
		}
	}
	return -ENOENT;
}

int symbolizer_add(struct symbolizer *s, const char *path)
{
	struct usdti_elf ef;
	struct symfile *n, f = {0};
	int err = usdti_elf_open(path, &ef);

	if (err)
		return err;
	err = read_build_id(&ef, f.build_id);
	for (size_t i = 0; !err && i < s->cnt; i++) {
		if (!memcmp(s->files[i].build_id, f.build_id, sizeof(f.build_id)))
			err = 1; /* the same file under another name */
	}
	if (!err) {
		f.path = strdup(path);
		f.segs = malloc(ef.seg_cnt * sizeof(*f.segs) + 1);
		f.seg_cnt = ef.seg_cnt;
		n = realloc(s->files, (s->cnt + 1) * sizeof(*n));
		if (n)
			s->files = n;
		if (!f.path || !f.segs || !n) {
			free(f.path);
			free(f.segs);
			err = -ENOMEM;
		} else {
			memcpy(f.segs, ef.segs, ef.seg_cnt * sizeof(*f.segs));
			s->files[s->cnt++] = f;
		}
	}
	usdti_elf_close(&ef);
	return err < 0 && err != -ENOENT ? err : 0;
}

static int collect_func(const char *name, const GElf_Sym *sym, void *ctx)
{
	struct symfile *f = ctx;
	int type = GELF_ST_TYPE(sym->st_info);
	struct sym *n;

	if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !sym->st_value || !*name)
		return 0;
	n = realloc(f->syms, (f->sym_cnt + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	f->syms = n;
	n[f->sym_cnt] = (struct sym){sym->st_value, sym->st_size, strdup(name)};
	if (!n[f->sym_cnt].name)
		return -ENOMEM;
	f->sym_cnt++;
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Loads the functions of path into f; false when it has no .symtab (prefer_symtab). */
static bool load_from(struct symfile *f, const char *path, bool need_symtab)
{
	struct usdti_elf ef;
	GElf_Shdr sh;
	bool ok;

	if (usdti_elf_open(path, &ef))
		return false;
	ok = !need_symtab || usdti_elf_section(&ef, ".symtab", &sh);
	if (ok && usdti_elf_for_each_sym(&ef, collect_func, f))
		free_syms(f);
	usdti_elf_close(&ef);
	return ok;
}

/* The file .gnu_debuglink of path names, into name; false without one. */
static bool debuglink(const char *path, char *name, size_t sz)
{
	struct usdti_elf ef;
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Shdr sh;
	bool ok = false;

	if (usdti_elf_open(path, &ef))
		return false;
	scn = usdti_elf_section(&ef, ".gnu_debuglink", &sh);
	d = scn ? elf_getdata(scn, NULL) : NULL;
	if (d && d->d_size > 4 && memchr(d->d_buf, '\0', d->d_size))
		ok = snprintf(name, sz, "%s", (char *)d->d_buf) < (int)sz;
	usdti_elf_close(&ef);
	return ok;
}

static void load_syms(const struct symbolizer *s, struct symfile *f)
{
	char dbg[PATH_MAX], link[NAME_MAX + 1], dir[PATH_MAX];
	size_t n;
	bool found;

	f->loaded = true;
	/* /usr/lib/debug/.build-id/ab/cdef....debug */
	n = snprintf(dbg, sizeof(dbg), "%s/.build-id/%02x/", s->debug_dir, f->build_id[0]);
	for (int i = 1; i < BPF_BUILD_ID_SIZE && n < sizeof(dbg) - 8; i++)
		n += snprintf(dbg + n, sizeof(dbg) - n, "%02x", f->build_id[i]);
	/* the kernel pads a short id with zeros: debug files are named by the real one */
	while (n > 2 && !memcmp(dbg + n - 2, "00", 2) && dbg[n - 3] != '/')
		n -= 2;
	snprintf(dbg + n, sizeof(dbg) - n, ".debug");
	found = load_from(f, dbg, true);
	if (!found && debuglink(f->path, link, sizeof(link))) {
		snprintf(dir, sizeof(dir), "%s", f->path);
		dirname(dir);
		found = (snprintf(dbg, sizeof(dbg), "%s/%s", dir, link) < (int)sizeof(dbg) &&
			 strcmp(dbg, f->path) && load_from(f, dbg, true)) ||
			(snprintf(dbg, sizeof(dbg), "%s/.debug/%s", dir, link) < (int)sizeof(dbg) &&
			 load_from(f, dbg, true)) ||
			(snprintf(dbg, sizeof(dbg), "%s%s/%s", s->debug_dir, dir, link) <
				 (int)sizeof(dbg) &&
			 load_from(f, dbg, true));
	}
	if (!found)
		load_from(f, f->path, false);
	if (f->sym_cnt)
		qsort(f->syms, f->sym_cnt, sizeof(*f->syms), sym_cmp);
}

/* The function holding addr in f, or NULL. */
static const struct sym *find_sym(const struct symfile *f, __u64 addr)
{
	size_t lo = 0, hi = f->sym_cnt;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (f->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* a size of 0 (hand-written assembly): up to the next symbol */
	if (f->syms[lo - 1].size && addr >= f->syms[lo - 1].addr + f->syms[lo - 1].size)
		return NULL;
	return &f->syms[lo - 1];
}

/* Frame fr as "func+0x12 (path)" (with_place) or "func", into buf. */
static void frame_name(struct symbolizer *s, const struct bpf_stack_build_id *fr, bool caller,
		       bool with_place, char *buf, size_t sz)
{
	struct symfile *f = NULL;
	const struct sym *sym = NULL;
	__u64 addr = 0;

	for (size_t i = 0; fr->status == BPF_STACK_BUILD_ID_VALID && !f && i < s->cnt; i++) {
		if (!memcmp(s->files[i].build_id, fr->build_id, BPF_BUILD_ID_SIZE))
			f = &s->files[i];
	}
	for (size_t i = 0; f && i < f->seg_cnt; i++) {
		const struct usdti_seg *g = &f->segs[i];

		if (g->exec && fr->offset >= g->offset && fr->offset < g->offset + g->filesz) {
			/* a caller's frame is a return address: the call is the byte before */
			addr = fr->offset - g->offset + g->vaddr - caller;
			if (!f->loaded)
				load_syms(s, f);
			sym = find_sym(f, addr);
		}
	}
	if (!sym)
		snprintf(buf, sz, "[unknown]");
	else if (!with_place)
		snprintf(buf, sz, "%s", sym->name);
	else
		snprintf(buf, sz, "%s+0x%llx (%s)", sym->name,
			 (unsigned long long)(addr + caller - sym->addr), f->path);
}

int symbolizer_print(struct symbolizer *s, int fd, __s32 id, FILE *f, enum stack_fmt fmt)
{
	struct bpf_stack_build_id st[STACK_DEPTH];
	char name[PATH_MAX + 256];
	int n = 0;

	if (id < 0 || bpf_map_lookup_elem(fd, &id, st))
		return -ENOENT;
	while (n < STACK_DEPTH && st[n].status != BPF_STACK_BUILD_ID_EMPTY)
		n++;
	for (int k = 0; k < n; k++) {
		/* folded stacks go from the outermost frame in */
		int i = fmt == STACK_FOLDED ? n - 1 - k : k;

		frame_name(s, &st[i], i > 0, fmt != STACK_FOLDED, name, sizeof(name));
		if (fmt == STACK_LINES) {
			fprintf(f, "        %s\n", name);
		} else if (fmt == STACK_FOLDED) {
			/* ';' separates frames and ' ' ends the stack in the folded format */
			for (char *p = name; *p; p++)
				*p = *p == ';' || *p == ' ' ? '_' : *p;
			fprintf(f, "%s%s", k ? ";" : "", name);
		} else {
			fprintf(f, "%s\"", k ? "," : "");
			json_escape(f, name, strlen(name));
			fputc('"', f);
		}
	}
	return n;
}
