// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * .note.stapsdt -> probe sites. Each note (owner "stapsdt", type 3) carries three address-sized
 * words (PC, address of _.stapsdt.base, semaphore or 0) and then the NUL-terminated provider,
 * name and argument strings. Notes are read from the raw section bytes: the words are decoded
 * with the file's byte order, so foreign and big-endian files list as well as native ones.
 *
 * One pass, no per-site allocation: a walk hands out one site at a time (attach keeps none of
 * them, a usdt_file keeps them all in one array sized from the section), site strings point
 * into the section data (the ELF stays open as long as the usdt_file), and each distinct
 * argument string is parsed once, into the file's arena.
 */
#include "note.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "hashmap.h"
#include "log.h"
#include "placement.h"

#define NT_STAPSDT   3
#define NOTE_HDR_SZ  12
#define ALIGN4(x)    (((x) + 3) & ~(__u64)3)
#define STAPSDT_NAME "stapsdt"

struct raw_note {
	__u32 namesz, descsz, type;
	const unsigned char *name, *desc;
};

/* An n-byte (4 or 8) word in the file's byte order: seven per site, so no byte loop. */
static __u64 read_uint(const struct usdti_notes *walk, const unsigned char *p, size_t n)
{
	bool swap = walk->big_endian != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
	__u32 w;
	__u64 v;

	if (n == 4) {
		memcpy(&w, p, sizeof(w));
		return swap ? __builtin_bswap32(w) : w;
	}
	memcpy(&v, p, sizeof(v));
	return swap ? __builtin_bswap64(v) : v;
}

static int malformed(const struct usdti_notes *walk, size_t idx, const char *what)
{
	pr_warn("%s: .note.stapsdt note %zu: %s\n", walk->file->path, idx, what);
	return -ENOEXEC;
}

/* Decodes the note at *off and advances *off past it; never reads outside the section. */
static int next_note(const struct usdti_notes *walk, size_t *off, size_t idx, struct raw_note *n)
{
	const unsigned char *p = walk->data + *off;
	size_t left = walk->size - *off;
	__u64 desc_off, end;

	if (left < NOTE_HDR_SZ)
		return malformed(walk, idx, "truncated note header");
	n->namesz = read_uint(walk, p, 4);
	n->descsz = read_uint(walk, p + 4, 4);
	n->type = read_uint(walk, p + 8, 4);
	desc_off = NOTE_HDR_SZ + ALIGN4((__u64)n->namesz);
	if (desc_off > left || n->descsz > left - desc_off)
		return malformed(walk, idx, "note size past the end of the section");
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

static void site_error(struct usdti_notes *walk, struct usdt_site *s, const char *why)
{
	s->error = why;
	if (!walk->quiet && walk->site_errors++ < USDTI_SITE_WARN_MAX)
		pr_warn("%s: probe %s:%s at 0x%llx: %s\n", walk->file->path, s->provider, s->name,
			(unsigned long long)s->address, why);
}

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

/* Addresses (with the prelink compensation) and their file offsets. */
static void locate_site(struct usdti_notes *walk, struct usdt_site *s, const unsigned char *desc)
{
	const struct usdti_elf *ef = &walk->file->ef;
	__u64 pc = read_uint(walk, desc, walk->word_sz);
	__u64 base = read_uint(walk, desc + walk->word_sz, walk->word_sz);
	__u64 sema = read_uint(walk, desc + 2 * walk->word_sz, walk->word_sz);
	__u64 mask = walk->word_sz == 8 ? ~0ULL : 0xffffffffULL;

	/* prelink moves sections but not the notes' words: shift by how far the base moved */
	if (walk->base_addr && base) {
		pc = (pc + walk->base_addr - base) & mask;
		if (sema)
			sema = (sema + walk->base_addr - base) & mask;
	}
	s->address = pc;
	s->sema_address = sema;
	/* sites come in address order: the last site's segment first */
	if (usdti_elf_seg_offset(ef, walk->pc_seg, pc, &s->file_offset)) {
		walk->pc_seg = usdti_elf_seg_of(ef, pc, true);
		if (usdti_elf_seg_offset(ef, walk->pc_seg, pc, &s->file_offset)) {
			site_error(walk, s, "address outside every executable segment");
			return;
		}
	}
	s->shape = usdti_site_shape(ef, s->file_offset);
	if (sema && !sema_in_file(ef, sema, &s->sema_offset))
		site_error(walk, s,
			   "semaphore outside the file bytes of every writable data segment");
}

static void mark_unsupported(struct usdti_arg *a, const char *text, const char *reason)
{
	memset(a, 0, sizeof(*a));
	a->pub.kind = USDT_ARG_UNSUPPORTED;
	a->pub.text = text;
	a->pub.reason = reason;
	a->regs.reg_off = -1;
	a->regs.index_off = -1;
}

/* Where usdti_arg_parse() works: the operand, then its scratch; grown for long operands. */
static char *scratch_for(struct usdti_notes *walk, size_t len)
{
	/* the parser keeps the operand, a symbol and an "unknown register X" reason at most */
	size_t need = 4 * (len + 1) + 64;

	if (need > walk->scratch_sz) {
		char *n = realloc(walk->scratch, need);

		if (!n)
			return NULL;
		walk->scratch = n;
		walk->scratch_sz = need;
	}
	return walk->scratch;
}

/* A copy in the arena of s when s lies in the scratch buffer (static strings stay). */
static int keep(struct usdti_notes *walk, const char **s)
{
	uintptr_t p = (uintptr_t)*s, lo = (uintptr_t)walk->scratch;
	size_t len;
	char *copy;

	if (!*s || p < lo || p >= lo + walk->scratch_sz)
		return 0;
	len = strlen(*s) + 1;
	copy = usdti_arena_alloc(&walk->file->arena, len);
	if (!copy)
		return -ENOMEM;
	*s = memcpy(copy, *s, len);
	return 0;
}

/*
 * Parses one operand (len bytes at src) into a and its registers into r; a's strings end up in
 * the file's arena.
 */
static int parse_arg(struct usdti_notes *walk, const char *src, size_t len, struct usdt_arg *a,
		     struct usdti_arg_regs *r)
{
	struct usdt_file *f = walk->file;
	char *text = scratch_for(walk, len);
	struct usdti_arg arg;
	int err;

	if (!text)
		return -ENOMEM;
	memcpy(text, src, len);
	text[len] = '\0';
	err = usdti_arg_parse(f->ef.machine, f->ef.elf_class, text, &arg, text + len + 1,
			      walk->scratch_sz - len - 1);
	if (err)
		mark_unsupported(&arg, text, "not a valid argument for this architecture");
	if (keep(walk, &arg.pub.text) || keep(walk, &arg.pub.symbol) || keep(walk, &arg.pub.reason))
		return -ENOMEM;
	if (arg.pub.kind == USDT_ARG_RIP && arg.pub.symbol &&
	    usdti_elf_sym_addr(&f->ef, arg.pub.symbol, &arg.pub.sym_addr)) {
		arg.pub.kind = USDT_ARG_UNSUPPORTED;
		arg.pub.reason = "symbol not found";
	}
	*a = arg.pub;
	*r = arg.regs;
	return 0;
}

/*
 * Parses a site's argument string into a new argv, with its registers, in the file's arena
 * (stable: never moves).
 */
static int parse_new_args(struct usdti_notes *walk, const struct usdt_site *s,
			  struct usdti_parsed_args *slot)
{
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS];
	int cnt = usdti_split_args(s->args, starts, lens, USDT_MAX_ARGS), err;
	struct usdti_arg_regs *regs;
	struct usdt_arg *argv;

	slot->argv = NULL;
	slot->arg_cnt = cnt < 0 ? -1 : cnt;
	if (cnt < 0) {
		pr_debug("%s: probe %s:%s: cannot split arguments '%s'\n", walk->file->path,
			 s->provider, s->name, s->args);
		return 0;
	}
	if (!cnt)
		return 0;
	/* the block usdti_argv_regs() reads */
	argv = usdti_arena_alloc(&walk->file->arena, cnt * (sizeof(*argv) + sizeof(*regs)));
	if (!argv)
		return -ENOMEM;
	regs = (struct usdti_arg_regs *)(argv + cnt);
	for (int i = 0; i < cnt; i++) {
		err = parse_arg(walk, starts[i], lens[i], &argv[i], &regs[i]);
		if (err)
			return err;
	}
	slot->argv = argv;
	return 0;
}

/*
 * Sites whose argument strings are equal (inlined copies, generated code) share one parse:
 * the same text in the same file parses the same way.
 */
static int parse_site_args(struct usdti_notes *walk, struct usdt_site *s)
{
	__u64 hash = usdti_hash_str(USDTI_HASH_SEED, s->args);
	struct usdti_parsed_args *p;
	size_t pos;
	__u32 id;
	int err;

	usdti_hashmap_for_each_id (&walk->parsed_index, hash, pos, id)
		if (!strcmp(walk->parsed[id].args, s->args))
			goto found;
	id = walk->parsed_cnt;
	if (usdti_ensure_mem((void **)&walk->parsed, &walk->parsed_cap, sizeof(*walk->parsed),
			     id + 1, 64))
		return -ENOMEM;
	err = parse_new_args(walk, s, &walk->parsed[id]);
	if (!err)
		err = usdti_hashmap_add(&walk->parsed_index, hash, id);
	if (err)
		return err;
	walk->parsed[id].args = s->args;
	walk->parsed_cnt++;
found:
	p = &walk->parsed[id];
	s->argv = p->argv;
	s->arg_cnt = p->arg_cnt;
	return 0;
}

/* Without parsing, the count still comes from splitting: listing shows it, cheaply. */
static int count_args(const char *args)
{
	const char *starts[USDT_MAX_ARGS];
	size_t lens[USDT_MAX_ARGS];
	int cnt = usdti_split_args(args, starts, lens, USDT_MAX_ARGS);

	return cnt < 0 ? -1 : cnt;
}

int usdti_notes_args(struct usdti_notes *walk, struct usdt_site *s, bool parse)
{
	int err = 0;

	/* sites of one probe come in runs, with the strings of the run's first site */
	if (s->args == walk->last_args && (walk->last_parsed || !parse)) {
		s->arg_cnt = walk->last_arg_cnt;
		s->argv = parse ? walk->last_argv : NULL;
		return 0;
	}
	if (parse)
		err = parse_site_args(walk, s);
	else
		s->arg_cnt = count_args(s->args);
	if (err)
		return err;
	walk->last_args = s->args;
	walk->last_arg_cnt = s->arg_cnt;
	walk->last_argv = s->argv;
	walk->last_parsed = parse;
	return 0;
}

/*
 * A string equal to the previous site's points to that site's copy: equal pointers let the
 * argument parsing here and the grouping of sites by probe (attach, list) skip comparing
 * and hashing text.
 */
static void share_strings(const struct usdti_notes *walk, struct usdt_site *s)
{
	if (!walk->prev_strs)
		return;
	if (!strcmp(s->provider, walk->prev.provider))
		s->provider = walk->prev.provider;
	if (!strcmp(s->name, walk->prev.name))
		s->name = walk->prev.name;
	if (!strcmp(s->args, walk->prev.args))
		s->args = walk->prev.args;
}

/*
 * The provider, name and argument strings at p (before end) into s. One memcmp when they are
 * byte for byte the previous site's (NULs included, so each string ends where its ends).
 */
static int take_strings(struct usdti_notes *walk, struct usdt_site *s, const unsigned char *p,
			const unsigned char *end)
{
	const unsigned char *start = p;

	if (walk->prev_strs && (size_t)(end - p) >= walk->prev_strs_len &&
	    !memcmp(p, walk->prev_strs, walk->prev_strs_len)) {
		s->provider = walk->prev.provider;
		s->name = walk->prev.name;
		s->args = walk->prev.args;
		return 0;
	}
	s->provider = take_string(&p, end);
	s->name = s->provider ? take_string(&p, end) : NULL;
	s->args = s->name ? take_string(&p, end) : NULL;
	if (!s->args)
		return -ENOEXEC;
	share_strings(walk, s);
	walk->prev_strs = start;
	walk->prev_strs_len = p - start;
	walk->prev.provider = s->provider;
	walk->prev.name = s->name;
	walk->prev.args = s->args;
	return 0;
}

static int read_site(struct usdti_notes *walk, const struct raw_note *n, size_t idx,
		     struct usdt_site *s)
{
	s->file_offset = 0;
	s->sema_offset = 0;
	s->arg_cnt = 0;
	s->argv = NULL;
	s->error = NULL;
	s->shape = USDT_SITE_NOP;
	if (n->descsz < 3 * walk->word_sz + 3)
		return malformed(walk, idx, "description too short");
	if (take_strings(walk, s, n->desc + 3 * walk->word_sz, n->desc + n->descsz))
		return malformed(walk, idx, "unterminated provider, name or argument string");
	locate_site(walk, s, n->desc);
	return 1;
}

int usdti_notes_begin(struct usdti_notes *walk, struct usdt_file *file)
{
	Elf_Scn *scn;
	Elf_Data *data;
	GElf_Shdr sh;
	int err;

	memset(walk, 0, sizeof(*walk));
	walk->file = file;
	scn = usdti_elf_section(&file->ef, ".note.stapsdt", &sh);
	if (!scn)
		return 0;
	err = usdti_elf_section_fits(&file->ef, &sh);
	if (err == -EFBIG) {
		pr_info("%s: .note.stapsdt of %llu bytes is larger than the limit (%u MiB)\n",
			file->path, (unsigned long long)sh.sh_size, USDTI_SECTION_MAX >> 20);
		return err;
	}
	data = err ? NULL : elf_rawdata(scn, NULL);
	if (!data || (!data->d_buf && data->d_size)) {
		pr_warn("%s: .note.stapsdt lies outside the file\n", file->path);
		return -ENOEXEC;
	}
	walk->data = data->d_buf;
	walk->size = data->d_size;
	walk->big_endian = file->ef.data == ELFDATA2MSB;
	walk->word_sz = file->ef.elf_class == ELFCLASS32 ? 4 : 8;
	/* a note takes at least its header, name, words and three NULs */
	walk->max_sites =
		walk->size / (NOTE_HDR_SZ + sizeof(STAPSDT_NAME) + 3 * walk->word_sz + 3) + 1;
	if (usdti_elf_section(&file->ef, ".stapsdt.base", &sh))
		walk->base_addr = sh.sh_addr;
	return 0;
}

int usdti_notes_next(struct usdti_notes *walk, struct usdt_site *s)
{
	while (walk->off < walk->size) {
		size_t idx = walk->idx++;
		struct raw_note n;
		int err;

		/* the note data is cold after the kernel's attach work: read ahead */
		__builtin_prefetch((const void *)((uintptr_t)walk->data + walk->off + 2048));
		err = next_note(walk, &walk->off, idx, &n);
		if (err)
			return err;
		if (is_stapsdt(&n))
			return read_site(walk, &n, idx, s);
	}
	return 0;
}

void usdti_notes_end(struct usdti_notes *walk)
{
	if (walk->site_errors > USDTI_SITE_WARN_MAX)
		pr_warn("%s: %zu more sites unusable, not named one by one\n", walk->file->path,
			walk->site_errors - USDTI_SITE_WARN_MAX);
	walk->site_errors = 0;
	free(walk->scratch);
	free(walk->parsed);
	usdti_hashmap_free(&walk->parsed_index);
	/* ending an ended walk again frees nothing twice (attach's error paths rely on it) */
	walk->scratch = NULL;
	walk->scratch_sz = 0;
	walk->parsed = NULL;
	walk->parsed_cap = walk->parsed_cnt = 0;
}

int usdti_notes_parse(struct usdt_file *file, bool parse_args)
{
	struct usdti_notes walk;
	int err = usdti_notes_begin(&walk, file);

	/* sized once from the section, never grown by copying */
	if (!err && walk.size && !(file->sites = malloc(walk.max_sites * sizeof(*file->sites))))
		err = -ENOMEM;
	while (!err && file->sites) {
		struct usdt_site *s = &file->sites[file->site_cnt];

		__builtin_prefetch((const void *)((uintptr_t)(s + 16)), 1);
		err = usdti_notes_next(&walk, s);
		if (err <= 0)
			break;
		err = usdti_notes_args(&walk, s, parse_args);
		if (!err)
			file->site_cnt++;
	}
	usdti_notes_end(&walk);
	return err;
}
