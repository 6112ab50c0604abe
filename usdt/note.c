// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * .note.stapsdt -> probe sites. Each note (owner "stapsdt", type 3) carries three address-sized
 * words (PC, address of _.stapsdt.base, semaphore or 0) and then the NUL-terminated provider,
 * name and argument strings. Notes are read from the raw section bytes: the words are decoded
 * with the file's byte order, so foreign and big-endian files list as well as native ones.
 *
 * One pass, no per-site allocation: sites live in one growing array, their strings point into
 * the section data (the ELF stays open as long as the usdt_file), and parsed arguments live in
 * one shared array whose slices are handed to the sites once parsing is done.
 */
#include "note.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "hash.h"
#include "log.h"

#define NT_STAPSDT   3
#define ARENA_CHUNK  (64 * 1024)
#define NOTE_HDR_SZ  12
#define ALIGN4(x)    (((x) + 3) & ~(__u64)3)
#define STAPSDT_NAME "stapsdt"

struct usdti_arena {
	struct usdti_arena *next;
	size_t used, cap;
	alignas(16) char data[];
};

void *usdti_arena_alloc(struct usdti_arena **arena, size_t size)
{
	struct usdti_arena *a = *arena;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!a || a->cap - a->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		a = malloc(sizeof(*a) + cap);
		if (!a)
			return NULL;
		a->next = *arena;
		a->used = 0;
		a->cap = cap;
		*arena = a;
	}
	p = a->data + a->used;
	a->used += size;
	return p;
}

void usdti_arena_free(struct usdti_arena *arena)
{
	while (arena) {
		struct usdti_arena *next = arena->next;

		free(arena);
		arena = next;
	}
}

/* A distinct argument string: its hash and 1 + the index of the first site with it. */
struct spec_slot {
	__u64 hash;
	size_t site; /* 0: empty */
};

struct note_ctx {
	struct usdt_file *file;
	const unsigned char *data;
	size_t size;
	bool big_endian;
	size_t word_sz;	 /* 4 for ELF32, 8 for ELF64 */
	__u64 base_addr; /* sh_addr of .stapsdt.base, 0 when absent */
	size_t site_cap, arg_cap;
	size_t max_sites; /* what the section can hold: first capacity of the per-site arrays */
	char *scratch;	  /* see scratch_for() */
	size_t scratch_sz;
	struct spec_slot *specs; /* distinct argument strings: see spec_slot() */
	size_t spec_cap, spec_cnt;
	size_t *arg_start; /* per site: index of its first argument in file->args */
	size_t arg_start_cap;
	const unsigned char *prev_strs; /* the last site's three strings, NULs included */
	size_t prev_strs_len;
};

struct raw_note {
	__u32 namesz, descsz, type;
	const unsigned char *name, *desc;
};

/* An n-byte (4 or 8) word in the file's byte order: seven per site, so no byte loop. */
static __u64 read_uint(const struct note_ctx *c, const unsigned char *p, size_t n)
{
	bool swap = c->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	__u32 w;
	__u64 v;

	if (n == 4) {
		memcpy(&w, p, sizeof(w));
		return swap ? __builtin_bswap32(w) : w;
	}
	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap64(v) : v;
}

static int malformed(const struct note_ctx *c, size_t idx, const char *what)
{
	pr_warn("%s: .note.stapsdt note %zu: %s\n", c->file->path, idx, what);
	return -ENOEXEC;
}

/* Decodes the note at *off and advances *off past it; never reads outside the section. */
static int next_note(const struct note_ctx *c, size_t *off, size_t idx, struct raw_note *n)
{
	const unsigned char *p = c->data + *off;
	size_t left = c->size - *off;
	__u64 desc_off, end;

	if (left < NOTE_HDR_SZ)
		return malformed(c, idx, "truncated note header");
	n->namesz = read_uint(c, p, 4);
	n->descsz = read_uint(c, p + 4, 4);
	n->type = read_uint(c, p + 8, 4);
	desc_off = NOTE_HDR_SZ + ALIGN4((__u64)n->namesz);
	if (desc_off > left || n->descsz > left - desc_off)
		return malformed(c, idx, "note size past the end of the section");
	n->name = p + NOTE_HDR_SZ;
	n->desc = p + desc_off;
	end = desc_off + ALIGN4((__u64)n->descsz);
	*off += end < left ? end : left; /* the last note's padding may be cut off */
	return 0;
}

static bool is_stapsdt(const struct raw_note *n)
{
	return n->type == NT_STAPSDT && n->namesz == sizeof(STAPSDT_NAME) &&
	       memcmp(n->name, STAPSDT_NAME, sizeof(STAPSDT_NAME)) == 0;
}

/* The NUL-terminated string at *p, before end; advances *p past it. NULL if unterminated. */
static const char *take_string(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *nul = memchr(*p, 0, end - *p);
	const char *s = (const char *)*p;

	if (!nul)
		return NULL;
	*p = nul + 1;
	return s;
}

static struct usdt_site *new_site(struct note_ctx *c)
{
	struct usdt_file *f = c->file;

	if (f->site_cnt == c->site_cap) {
		size_t cap = c->site_cap ? c->site_cap * 2 : c->max_sites;
		struct usdt_site *n = realloc(f->sites, cap * sizeof(*n));

		if (!n)
			return NULL;
		f->sites = n;
		c->site_cap = cap;
	}
	f->site_cnt++;
	return memset(&f->sites[f->site_cnt - 1], 0, sizeof(*f->sites));
}

static void site_error(struct note_ctx *c, struct usdt_site *s, const char *why)
{
	s->error = why;
	pr_warn("%s: probe %s:%s at 0x%llx: %s\n", c->file->path, s->provider, s->name,
		(unsigned long long)s->address, why);
}

/* Addresses (with the prelink compensation) and their file offsets. */
/*
 * The kernel raises a semaphore (2 bytes) only in a writable mapping of the file itself: one
 * in a read-only segment makes the link fail, one in .bss would silently stay 0. Offset 0
 * means "no semaphore" to the kernel.
 */
static bool sema_in_file(const struct usdti_elf *ef, __u64 sema, __u64 *off)
{
	const struct usdti_seg *seg = usdti_elf_seg_of(ef, sema, false);

	if (!seg || !seg->writable || usdti_elf_vaddr_to_offset(ef, sema, false, off))
		return false;
	/* both differences are positive once vaddr_to_offset has found the first byte */
	return *off && seg->filesz - (sema - seg->vaddr) >= 2 && ef->file_size - *off >= 2;
}

static void locate_site(struct note_ctx *c, struct usdt_site *s, const unsigned char *desc)
{
	const struct usdti_elf *ef = &c->file->ef;
	__u64 pc = read_uint(c, desc, c->word_sz);
	__u64 base = read_uint(c, desc + c->word_sz, c->word_sz);
	__u64 sema = read_uint(c, desc + 2 * c->word_sz, c->word_sz);
	__u64 mask = c->word_sz == 8 ? ~0ULL : 0xffffffffULL;

	/* prelink moves sections but not the notes' words: shift by how far the base moved */
	if (c->base_addr && base) {
		pc = (pc + c->base_addr - base) & mask;
		if (sema)
			sema = (sema + c->base_addr - base) & mask;
	}
	s->address = pc;
	s->sema_address = sema;
	if (usdti_elf_vaddr_to_offset(ef, pc, true, &s->file_offset)) {
		site_error(c, s, "address outside every executable segment");
		return;
	}
	if (sema && !sema_in_file(ef, sema, &s->sema_offset))
		site_error(c, s, "semaphore outside the file bytes of every writable data segment");
}

static struct usdt_arg *reserve_args(struct note_ctx *c, int cnt)
{
	struct usdt_file *f = c->file;

	if (c->arg_cap - f->arg_cnt < (size_t)cnt) {
		size_t cap = c->arg_cap ? c->arg_cap * 2 : 256;
		struct usdt_arg *n;

		while (cap - f->arg_cnt < (size_t)cnt)
			cap *= 2;
		n = realloc(f->args, cap * sizeof(*n));
		if (!n)
			return NULL;
		f->args = n;
		c->arg_cap = cap;
	}
	return &f->args[f->arg_cnt];
}

static void mark_unsupported(struct usdt_arg *a, const char *text, const char *reason)
{
	memset(a, 0, sizeof(*a));
	a->kind = USDT_ARG_UNSUPPORTED;
	a->reg_off = -1;
	a->index_off = -1;
	a->text = text;
	a->reason = reason;
}

/* Where usdt_arg_parse() works: the operand, then its scratch; grown for long operands. */
static char *scratch_for(struct note_ctx *c, size_t len)
{
	/* the parser keeps the operand, a symbol and an "unknown register X" reason at most */
	size_t need = 4 * (len + 1) + 64;

	if (need > c->scratch_sz) {
		char *n = realloc(c->scratch, need);

		if (!n)
			return NULL;
		c->scratch = n;
		c->scratch_sz = need;
	}
	return c->scratch;
}

/* A copy in the arena of s when s lies in the scratch buffer (static strings stay). */
static int keep(struct note_ctx *c, const char **s)
{
	uintptr_t p = (uintptr_t)*s, lo = (uintptr_t)c->scratch;
	size_t len;
	char *copy;

	if (!*s || p < lo || p >= lo + c->scratch_sz)
		return 0;
	len = strlen(*s) + 1;
	copy = usdti_arena_alloc(&c->file->arena, len);
	if (!copy)
		return -ENOMEM;
	*s = memcpy(copy, *s, len);
	return 0;
}

/* Parses one operand (len bytes at src) into a, whose strings end up in the file's arena. */
static int parse_arg(struct note_ctx *c, const char *src, size_t len, struct usdt_arg *a)
{
	struct usdt_file *f = c->file;
	char *text = scratch_for(c, len);
	int err;

	if (!text)
		return -ENOMEM;
	memcpy(text, src, len);
	text[len] = '\0';
	err = usdt_arg_parse(f->ef.machine, f->ef.elf_class, text, a, text + len + 1,
			     c->scratch_sz - len - 1);
	if (err)
		mark_unsupported(a, text, "not a valid argument for this architecture");
	if (keep(c, &a->text) || keep(c, &a->symbol) || keep(c, &a->reason))
		return -ENOMEM;
	if (a->kind == USDT_ARG_RIP && a->symbol &&
	    usdti_elf_sym_addr(&f->ef, a->symbol, &a->sym_addr)) {
		a->kind = USDT_ARG_UNSUPPORTED;
		a->reason = "symbol not found";
	}
	return 0;
}

/* Parses a site's argument string into a new slice of the shared argument array. */
static int parse_new_args(struct note_ctx *c, const struct usdt_site *s, int *cnt)
{
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS];
	struct usdt_arg *argv;
	int err;

	*cnt = usdti_split_args(s->args, starts, lens, USDT_MAX_ARGS);
	if (*cnt < 0) {
		pr_debug("%s: probe %s:%s: cannot split arguments '%s'\n", c->file->path,
			 s->provider, s->name, s->args);
		*cnt = -1;
		return 0;
	}
	if (!*cnt)
		return 0;
	argv = reserve_args(c, *cnt);
	if (!argv)
		return -ENOMEM;
	for (int i = 0; i < *cnt; i++) {
		err = parse_arg(c, starts[i], lens[i], &argv[i]);
		if (err)
			return err;
	}
	c->file->arg_cnt += *cnt;
	return 0;
}

/*
 * The slot for args in the table of distinct argument strings: the one holding it, or the
 * empty one to fill.
 */
static struct spec_slot *spec_slot(const struct note_ctx *c, const char *args, __u64 hash)
{
	size_t mask = c->spec_cap - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct spec_slot *slot = &c->specs[i];

		if (!slot->site ||
		    (slot->hash == hash && strcmp(c->file->sites[slot->site - 1].args, args) == 0))
			return slot;
	}
}

static int grow_specs(struct note_ctx *c)
{
	struct spec_slot *old = c->specs;
	size_t old_cap = c->spec_cap;

	c->spec_cap = old_cap ? old_cap * 2 : 256;
	c->specs = calloc(c->spec_cap, sizeof(*c->specs));
	if (!c->specs) {
		c->specs = old;
		c->spec_cap = old_cap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++) {
		size_t mask = c->spec_cap - 1, j = old[i].hash & mask;

		if (!old[i].site)
			continue;
		while (c->specs[j].site) /* the strings are distinct: no need to compare */
			j = (j + 1) & mask;
		c->specs[j] = old[i];
	}
	free(old);
	return 0;
}

/*
 * Sites whose argument strings are equal (inlined copies, generated code) share one parsed
 * slice: the same text in the same file parses the same way.
 */
static int parse_site_args(struct note_ctx *c, struct usdt_site *s)
{
	size_t idx = c->file->site_cnt - 1;
	struct spec_slot *slot;
	__u64 hash;

	if (idx >= c->arg_start_cap) {
		size_t cap = c->arg_start_cap ? c->arg_start_cap * 2 : c->max_sites;
		size_t *n = realloc(c->arg_start, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		c->arg_start = n;
		c->arg_start_cap = cap;
	}
	if (idx && s->args == c->file->sites[idx - 1].args) { /* see share_strings() */
		c->arg_start[idx] = c->arg_start[idx - 1];
		s->arg_cnt = c->file->sites[idx - 1].arg_cnt;
		return 0;
	}
	if (2 * (c->spec_cnt + 1) > c->spec_cap && grow_specs(c))
		return -ENOMEM;
	hash = usdti_fnv1a_str(USDTI_FNV_SEED, s->args);
	slot = spec_slot(c, s->args, hash);
	if (slot->site) {
		c->arg_start[idx] = c->arg_start[slot->site - 1];
		s->arg_cnt = c->file->sites[slot->site - 1].arg_cnt;
		return 0;
	}
	c->arg_start[idx] = c->file->arg_cnt;
	*slot = (struct spec_slot){hash, idx + 1};
	c->spec_cnt++;
	return parse_new_args(c, s, &s->arg_cnt);
}

/* Without parse_args the count still comes from splitting: listing shows it, cheaply. */
static int count_args(const char *args)
{
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS];
	int cnt = usdti_split_args(args, starts, lens, USDT_MAX_ARGS);

	return cnt < 0 ? -1 : cnt;
}

/*
 * A site whose strings equal the previous site's points to that site's copies: sites of one
 * probe come in runs, and equal pointers let the argument parsing here and the grouping of
 * sites by probe (attach, list) skip comparing and hashing text.
 */
static void share_strings(const struct usdt_file *f, struct usdt_site *s)
{
	const struct usdt_site *prev = f->site_cnt > 1 ? s - 1 : NULL;

	if (!prev)
		return;
	if (!strcmp(s->provider, prev->provider))
		s->provider = prev->provider;
	if (!strcmp(s->name, prev->name))
		s->name = prev->name;
	if (!strcmp(s->args, prev->args))
		s->args = prev->args;
}

/*
 * The provider, name and argument strings at p (before end) into s. One memcmp when they are
 * byte for byte the previous site's (NULs included, so each string ends where its ends).
 */
static int take_strings(struct note_ctx *c, struct usdt_site *s, const unsigned char *p,
			const unsigned char *end)
{
	const unsigned char *start = p;

	if (c->prev_strs && (size_t)(end - p) >= c->prev_strs_len &&
	    !memcmp(p, c->prev_strs, c->prev_strs_len)) {
		s->provider = s[-1].provider;
		s->name = s[-1].name;
		s->args = s[-1].args;
		return 0;
	}
	s->provider = take_string(&p, end);
	s->name = s->provider ? take_string(&p, end) : NULL;
	s->args = s->name ? take_string(&p, end) : NULL;
	if (!s->args)
		return -ENOEXEC;
	share_strings(c->file, s);
	c->prev_strs = start;
	c->prev_strs_len = p - start;
	return 0;
}

static int add_site(struct note_ctx *c, const struct raw_note *n, size_t idx, bool parse_args)
{
	const unsigned char *end = n->desc + n->descsz;
	struct usdt_site *s;

	if (n->descsz < 3 * c->word_sz + 3)
		return malformed(c, idx, "description too short");
	s = new_site(c);
	if (!s)
		return -ENOMEM;
	if (take_strings(c, s, n->desc + 3 * c->word_sz, end)) {
		c->file->site_cnt--;
		return malformed(c, idx, "unterminated provider, name or argument string");
	}
	locate_site(c, s, n->desc);
	if (!parse_args) {
		s->arg_cnt = c->file->site_cnt > 1 && s->args == s[-1].args ? s[-1].arg_cnt
									    : count_args(s->args);
		return 0;
	}
	return parse_site_args(c, s);
}

/* Sites point into the argument array only now: it may have moved while it grew. */
static void link_args(struct note_ctx *c)
{
	struct usdt_file *f = c->file;

	for (size_t i = 0; i < f->site_cnt; i++) {
		if (f->sites[i].arg_cnt > 0)
			f->sites[i].argv = f->args + c->arg_start[i];
	}
}

/*
 * Both streams are cold after the kernel's attach work: ~0.6 ms of 3.5 at 50,000 sites. A
 * prefetch past the end is harmless (it never faults); integers keep the pointers in bounds.
 */
static void prefetch_ahead(const struct note_ctx *c, size_t off)
{
	const struct usdt_file *f = c->file;

	__builtin_prefetch((const void *)((uintptr_t)c->data + off + 2048));
	__builtin_prefetch(
		(const void *)((uintptr_t)f->sites + (f->site_cnt + 16) * sizeof(*f->sites)), 1);
}

int usdti_notes_parse(struct usdt_file *file, bool parse_args)
{
	struct note_ctx c = {.file = file};
	Elf_Scn *scn;
	Elf_Data *data;
	GElf_Shdr sh;
	size_t off = 0;
	int err = 0;

	scn = usdti_elf_section(&file->ef, ".note.stapsdt", &sh);
	if (!scn)
		return 0;
	data = elf_rawdata(scn, NULL);
	if (!data || (!data->d_buf && data->d_size)) {
		pr_warn("%s: .note.stapsdt lies outside the file\n", file->path);
		return -ENOEXEC;
	}
	c.data = data->d_buf;
	c.size = data->d_size;
	c.big_endian = file->ef.data == ELFDATA2MSB;
	c.word_sz = file->ef.elf_class == ELFCLASS32 ? 4 : 8;
	/* sized once, not grown by copying: a note takes at least its header, name and words */
	c.max_sites = c.size / (NOTE_HDR_SZ + sizeof(STAPSDT_NAME) + 3 * c.word_sz + 3) + 1;
	if (usdti_elf_section(&file->ef, ".stapsdt.base", &sh))
		c.base_addr = sh.sh_addr;
	for (size_t idx = 0; !err && off < c.size; idx++) {
		struct raw_note n;

		prefetch_ahead(&c, off);
		err = next_note(&c, &off, idx, &n);
		if (!err && is_stapsdt(&n))
			err = add_site(&c, &n, idx, parse_args);
	}
	if (!err && parse_args)
		link_args(&c);
	free(c.scratch);
	free(c.specs);
	free(c.arg_start);
	return err;
}
