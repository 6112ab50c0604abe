// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Argument specs for the BPF side, and the two id spaces of a usdt_manager.
 *
 * Spec ids: every attached site carries one as its BPF cookie; the usdt_specs map holds the
 * spec at that index. Sites whose specs are byte-identical (same fetches, probe id and user
 * cookie) share an id, so a probe inlined a thousand times with the same operands costs one
 * map entry. Ids are refcounted by the links that use them and reused once released.
 *
 * Probe ids: one per (path, provider, name), never reused while the manager lives, so the
 * BPF side can report them and userspace can still name them after a link is gone.
 *
 * Both tables are hash-indexed: attaching 50,000 sites must stay linear.
 */
#include "spec.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "arch.h"
#include "hash.h"
#include "log.h"
#include "mem.h"
#include "placement.h"

#define NO_ID	    UINT32_MAX
#define MIN_BUCKETS 64

/* ---- the host's machine: the kernel's struct pt_regs is what the BPF side reads ----------- */

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__loongarch__)
#define HOST_MACHINE EM_LOONGARCH
#else
#define HOST_MACHINE EM_NONE
#endif
#define HOST_CLASS (sizeof(long) == 8 ? ELFCLASS64 : ELFCLASS32)

int usdti_spec_check_arch(int e_machine, int elf_class, const char *path)
{
	const char *arch = usdt_arch_name(e_machine, elf_class);
	const char *host = usdt_arch_name(HOST_MACHINE, HOST_CLASS);

	if (e_machine == HOST_MACHINE && elf_class == HOST_CLASS)
		return 0;
	pr_warn("%s: %s binary, but this host is %s: USDT arguments can only be read from binaries "
		"of the host's architecture\n",
		path, arch ? arch : "unknown-architecture", host ? host : "unknown");
	return -ENOEXEC;
}

/* ---- usdt_arg -> usdt_fetch_arg ----------------------------------------------------------- */

static int scale_shift(int scale)
{
	switch (scale) {
	case 1:
		return 0;
	case 2:
		return 1;
	case 4:
		return 2;
	case 8:
		return 3;
	default:
		return -1;
	}
}

/* Returns the fetch kind, USDT_FETCH_BAD for what the BPF side cannot locate. */
static enum usdt_fetch fetch_locate(struct usdt_fetch_arg *out, const struct usdt_arg *arg,
				    __u64 site_addr)
{
	switch (arg->kind) {
	case USDT_ARG_CONST:
		out->val_off = (__u64)arg->value;
		return USDT_FETCH_CONST;
	case USDT_ARG_REG:
		out->reg_off = arg->reg_off;
		return arg->reg_off >= 0 ? USDT_FETCH_REG : USDT_FETCH_BAD;
	case USDT_ARG_MEM:
		out->reg_off = arg->reg_off;
		out->val_off = (__u64)arg->offset;
		return arg->reg_off >= 0 ? USDT_FETCH_MEM : USDT_FETCH_BAD;
	case USDT_ARG_SIB:
		out->reg_off = arg->reg ? arg->reg_off : -1;
		out->idx_off = arg->index_off;
		out->val_off = (__u64)arg->offset;
		if (arg->index_off < 0 || (arg->reg && arg->reg_off < 0) ||
		    scale_shift(arg->scale) < 0)
			return USDT_FETCH_BAD;
		out->scale_shift = scale_shift(arg->scale);
		return USDT_FETCH_SIB;
	case USDT_ARG_RIP:
		/* relative to the site: both move together with the load address */
		out->val_off = arg->sym_addr + (__u64)arg->offset - site_addr;
		return arg->sym_addr ? USDT_FETCH_IP_REL : USDT_FETCH_BAD;
	default:
		return USDT_FETCH_BAD;
	}
}

void usdti_fetch_arg_init(struct usdt_fetch_arg *out, const struct usdt_arg *arg, __u64 site_addr)
{
	int size = arg->size < 0 ? -arg->size : arg->size;
	bool readable = size == 1 || size == 2 || size == 4 || size == 8;

	memset(out, 0, sizeof(*out));
	out->reg_off = -1;
	out->idx_off = -1;
	out->size = size > UINT8_MAX ? UINT8_MAX : size;
	/* a float's bits are returned as they are: extending them would corrupt them */
	out->is_signed = arg->size < 0 && !arg->is_float;
	out->bitshift = readable ? 64 - size * 8 : 0;
	out->fetch = readable ? fetch_locate(out, arg, site_addr) : USDT_FETCH_BAD;
}

void usdti_fetch_spec_init(struct usdt_fetch_spec *spec, const struct usdt_site *site,
			   const struct usdt_placement *place, __u32 probe_id, __u64 cookie)
{
	int cnt = site->arg_cnt < 0 ? 0 : site->arg_cnt;

	if (cnt > USDT_MAX_ARGS)
		cnt = USDT_MAX_ARGS;
	memset(spec, 0, sizeof(*spec));
	spec->cookie = cookie;
	spec->probe_id = probe_id;
	spec->arg_cnt = cnt;
	for (int i = 0; i < cnt; i++) {
		usdti_fetch_arg_init(&spec->args[i], &site->argv[i], place->address);
		usdti_fetch_arg_sp_bias(&spec->args[i], &site->argv[i], place->sp_bias);
	}
}

/* ---- hashing ------------------------------------------------------------------------------ */

/* Specs are hashed once per attached site: a word at a time, not FNV's byte at a time. */
static __u64 hash_spec(const struct usdt_fetch_spec *spec)
{
	const unsigned char *p = (const unsigned char *)spec;
	__u64 h = USDTI_FNV_SEED, w;

	_Static_assert(sizeof(*spec) % sizeof(w) == 0, "specs hash in whole words");
	for (size_t i = 0; i < sizeof(*spec); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

/* ---- chained hash index: both tables' entries link by index, never by pointer ------------ */

/* An entry's place in a chain: the first member of every indexed entry. */
struct chain_link {
	__u64 hash;
	__u32 next; /* the next entry of the chain, NO_ID at its end */
};

struct chain_index {
	__u32 *buckets; /* heads, NO_ID when empty */
	size_t cnt;	/* a power of two, at least twice the entries */
	size_t stride;	/* bytes from one entry to the next */
};

static __u32 *buckets_new(size_t cnt)
{
	__u32 *b = malloc(cnt * sizeof(*b));

	if (b)
		memset(b, 0xff, cnt * sizeof(*b)); /* NO_ID */
	return b;
}

static int chain_init(struct chain_index *x, size_t stride)
{
	x->cnt = MIN_BUCKETS;
	x->stride = stride;
	x->buckets = buckets_new(x->cnt);
	return x->buckets ? 0 : -ENOMEM;
}

static struct chain_link *chain_at(const struct chain_index *x, void *ents, __u32 i)
{
	return (struct chain_link *)((char *)ents + (size_t)i * x->stride);
}

/* The head of hash's chain: walk it through the entries' link.next. */
static __u32 *chain_head(const struct chain_index *x, __u64 hash)
{
	return &x->buckets[hash & (x->cnt - 1)];
}

static void chain_add(struct chain_index *x, void *ents, __u32 i)
{
	struct chain_link *l = chain_at(x, ents, i);
	__u32 *head = chain_head(x, l->hash);

	l->next = *head;
	*head = i;
}

static void chain_del(struct chain_index *x, void *ents, __u32 i)
{
	__u32 *p = chain_head(x, chain_at(x, ents, i)->hash);

	while (*p != i)
		p = &chain_at(x, ents, *p)->next;
	*p = chain_at(x, ents, i)->next;
}

/*
 * Room for want entries: when the buckets must grow, entries 0..n-1 that are linked (live,
 * when given) are linked again into twice as many.
 */
static int chain_grow(struct chain_index *x, void *ents, size_t n, size_t want,
		      bool (*live)(const void *ent))
{
	size_t cnt = x->cnt;
	__u32 *old = x->buckets;

	while (cnt < want * 2)
		cnt <<= 1;
	if (cnt == x->cnt)
		return 0;
	x->buckets = buckets_new(cnt);
	if (!x->buckets) {
		x->buckets = old;
		return -ENOMEM;
	}
	x->cnt = cnt;
	free(old);
	for (size_t i = 0; i < n; i++) {
		if (!live || live(chain_at(x, ents, i)))
			chain_add(x, ents, i);
	}
	return 0;
}

/* ---- spec table --------------------------------------------------------------------------- */

/*
 * A copy of a site's parsed arguments (the args, then their strings, one block), independent
 * of the usdt_file and shared by the specs made from equal arguments: 500 probes with the
 * same operands keep one.
 */
struct args_copy {
	__u32 refcnt;
	int arg_cnt;
	struct usdt_arg argv[];
};

struct spec_ent {
	struct chain_link link; /* link.next: the free list once released */
	__u32 refcnt;
	struct args_copy *args;
};

/*
 * specs is the usdt_specs map itself, mapped into this process: a spec is written where the
 * BPF side reads it, with no syscall and no copy. ents is sized for max specs once and
 * never copied.
 */
struct usdti_spec_table {
	struct usdt_fetch_spec *specs; /* NULL until usdti_spec_table_map() */
	size_t specs_sz;
	struct spec_ent *ents;
	size_t ent_cnt;		     /* ids handed out at least once */
	struct args_copy *last_args; /* the last copy made: the next spec's, often */
	size_t max, live;
	struct chain_index index;
	__u32 free_head;
};

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *str_copy(char **dst, const char *s)
{
	char *p = *dst;
	size_t n = str_size(s);

	if (!s)
		return NULL;
	memcpy(p, s, n);
	*dst += n;
	return p;
}

static struct args_copy *args_copy(const struct usdt_arg *argv, int cnt)
{
	size_t size = sizeof(struct args_copy) + sizeof(*argv) * (cnt > 0 ? cnt : 0);
	struct args_copy *copy;
	char *strs;

	for (int i = 0; i < cnt; i++)
		size += str_size(argv[i].reg) + str_size(argv[i].index) + str_size(argv[i].symbol) +
			str_size(argv[i].reason) + str_size(argv[i].text);
	copy = malloc(size);
	if (!copy)
		return NULL;
	copy->refcnt = 1;
	copy->arg_cnt = cnt;
	strs = (char *)(copy->argv + (cnt > 0 ? cnt : 0));
	for (int i = 0; i < cnt; i++) {
		copy->argv[i] = argv[i];
		copy->argv[i].reg = str_copy(&strs, argv[i].reg);
		copy->argv[i].index = str_copy(&strs, argv[i].index);
		copy->argv[i].symbol = str_copy(&strs, argv[i].symbol);
		copy->argv[i].reason = str_copy(&strs, argv[i].reason);
		copy->argv[i].text = str_copy(&strs, argv[i].text);
	}
	return copy;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool args_equal(const struct args_copy *c, const struct usdt_arg *argv, int cnt)
{
	if (c->arg_cnt != cnt)
		return false;
	for (int i = 0; i < cnt; i++) {
		const struct usdt_arg *a = &c->argv[i], *b = &argv[i];

		if (a->kind != b->kind || a->size != b->size || a->is_float != b->is_float ||
		    a->value != b->value || a->offset != b->offset || a->scale != b->scale ||
		    a->reg_off != b->reg_off || a->index_off != b->index_off ||
		    a->sym_addr != b->sym_addr || !str_eq(a->reg, b->reg) ||
		    !str_eq(a->index, b->index) || !str_eq(a->symbol, b->symbol) ||
		    !str_eq(a->reason, b->reason) || !str_eq(a->text, b->text))
			return false;
	}
	return true;
}

/* A reference on a copy of argv: the last copy made when equal, else a new one. */
static struct args_copy *args_get(struct usdti_spec_table *t, const struct usdt_arg *argv, int cnt)
{
	if (t->last_args && args_equal(t->last_args, argv, cnt)) {
		t->last_args->refcnt++;
		return t->last_args;
	}
	t->last_args = args_copy(argv, cnt);
	return t->last_args;
}

static void args_put(struct usdti_spec_table *t, struct args_copy *c)
{
	if (--c->refcnt)
		return;
	if (t->last_args == c)
		t->last_args = NULL;
	free(c);
}

struct usdti_spec_table *usdti_spec_table_new(size_t max_specs)
{
	struct usdti_spec_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max_specs;
	t->free_head = NO_ID;
	t->ents = malloc(max_specs * sizeof(*t->ents));
	if (chain_init(&t->index, sizeof(*t->ents)) || !t->ents) {
		usdti_spec_table_free(t);
		return NULL;
	}
	return t;
}

void usdti_spec_table_free(struct usdti_spec_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ent_cnt; i++) {
		if (t->ents[i].args)
			args_put(t, t->ents[i].args);
	}
	if (t->specs)
		munmap(t->specs, t->specs_sz);
	free(t->ents);
	free(t->index.buckets);
	free(t);
}

static bool spec_live(const void *ent)
{
	return ((const struct spec_ent *)ent)->refcnt;
}

static __u32 spec_find(const struct usdti_spec_table *t, const struct usdt_fetch_spec *spec,
		       __u64 hash)
{
	for (__u32 i = *chain_head(&t->index, hash); i != NO_ID; i = t->ents[i].link.next) {
		if (t->ents[i].link.hash == hash && !memcmp(&t->specs[i], spec, sizeof(*spec)))
			return i;
	}
	return NO_ID;
}

/* An unused id: a released one first, so the map's low indexes stay in use. */
static int spec_alloc(struct usdti_spec_table *t, __u32 *id)
{
	if (t->free_head != NO_ID) {
		*id = t->free_head;
		t->free_head = t->ents[*id].link.next;
		return 0;
	}
	if (t->ent_cnt >= t->max) {
		pr_warn("spec table full (%zu entries): raise usdt_manager_opts.max_specs\n",
			t->max);
		return -E2BIG;
	}
	memset(&t->ents[t->ent_cnt], 0, sizeof(t->ents[0]));
	*id = t->ent_cnt++;
	return 0;
}

static void spec_release(struct usdti_spec_table *t, __u32 id)
{
	struct spec_ent *e = &t->ents[id];

	if (e->args)
		args_put(t, e->args);
	e->args = NULL;
	e->refcnt = 0;
	e->link.next = t->free_head;
	t->free_head = id;
}

int usdti_spec_get(struct usdti_spec_table *t, const struct usdt_fetch_spec *spec,
		   const struct usdt_arg *argv, int arg_cnt, __u32 *id)
{
	__u64 hash = hash_spec(spec);
	struct spec_ent *e;
	__u32 i = spec_find(t, spec, hash);
	int err;

	if (i != NO_ID) {
		t->ents[i].refcnt++;
		*id = i;
		return 0;
	}
	err = chain_grow(&t->index, t->ents, t->ent_cnt, t->live + 1, spec_live);
	if (!err)
		err = spec_alloc(t, &i);
	if (err)
		return err;
	e = &t->ents[i];
	t->specs[i] = *spec;
	e->link.hash = hash;
	e->refcnt = 1;
	e->args = args_get(t, argv, arg_cnt);
	if (!e->args) {
		spec_release(t, i);
		return -ENOMEM;
	}
	chain_add(&t->index, t->ents, i);
	t->live++;
	*id = i;
	return 0;
}

int usdti_spec_table_map(struct usdti_spec_table *t, int map_fd)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *mem;

	if (t->specs)
		return 0;
	t->specs_sz = (t->max * sizeof(*t->specs) + page - 1) / page * page;
	mem = mmap(NULL, t->specs_sz, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (mem == MAP_FAILED) {
		pr_warn("cannot map the %s map into memory: %s (it must be BPF_F_MMAPABLE, as "
			"<usdt/usdt.bpf.h> declares it)\n",
			USDT_SPECS_MAP, strerror(errno));
		return -errno;
	}
	t->specs = mem;
	return 0;
}

__u32 usdti_spec_probe_id(const struct usdti_spec_table *t, __u32 id)
{
	return t->specs[id].probe_id;
}

void usdti_spec_put(struct usdti_spec_table *t, __u32 id)
{
	if (id >= t->ent_cnt || !t->ents[id].refcnt || --t->ents[id].refcnt)
		return;
	chain_del(&t->index, t->ents, id);
	t->live--;
	spec_release(t, id);
}

int usdti_spec_args(const struct usdti_spec_table *t, __u32 id, const struct usdt_arg **argv,
		    int *arg_cnt)
{
	if (id >= t->ent_cnt || !t->ents[id].refcnt)
		return -ENOENT;
	*argv = t->ents[id].args->argv;
	*arg_cnt = t->ents[id].args->arg_cnt;
	return 0;
}

/* ---- probe table -------------------------------------------------------------------------- */

struct probe_ent {
	struct chain_link link;
	const char *path, *provider, *name; /* in strs */
	int arg_cnt;
};

struct usdti_probe_table {
	struct probe_ent *ents;
	size_t cnt, cap;
	struct usdti_arena *strs; /* the entries' strings: ids live as long as the table */
	struct chain_index index;
};

struct usdti_probe_table *usdti_probe_table_new(void)
{
	struct usdti_probe_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (chain_init(&t->index, sizeof(*t->ents))) {
		free(t);
		return NULL;
	}
	return t;
}

void usdti_probe_table_free(struct usdti_probe_table *t)
{
	if (!t)
		return;
	usdti_arena_free(t->strs);
	free(t->ents);
	free(t->index.buckets);
	free(t);
}

static __u64 probe_hash(const char *path, const char *provider, const char *name)
{
	__u64 h = usdti_fnv1a_str(USDTI_FNV_SEED, path);

	h = usdti_fnv1a_str(h, provider);
	return usdti_fnv1a_str(h, name);
}

/* s in the table's arena, or prev when equal: a file's probes share its path, mostly a provider */
static const char *probe_str(struct usdti_probe_table *t, const char *s, const char *prev)
{
	size_t n;
	char *copy;

	if (prev && !strcmp(prev, s))
		return prev;
	n = strlen(s) + 1;
	copy = usdti_arena_alloc(&t->strs, n);
	return copy ? memcpy(copy, s, n) : NULL;
}

static int probe_add(struct usdti_probe_table *t, const char *path, const char *provider,
		     const char *name, int arg_cnt, __u64 hash)
{
	const struct probe_ent *prev;
	struct probe_ent *e;
	int err = chain_grow(&t->index, t->ents, t->cnt, t->cnt + 1, NULL);

	if (err)
		return err;
	if (usdti_ensure_mem((void **)&t->ents, &t->cap, sizeof(*t->ents), t->cnt + 1, 16))
		return -ENOMEM;
	prev = t->cnt ? &t->ents[t->cnt - 1] : NULL;
	e = &t->ents[t->cnt];
	e->path = probe_str(t, path, prev ? prev->path : NULL);
	e->provider = probe_str(t, provider, prev ? prev->provider : NULL);
	e->name = probe_str(t, name, NULL);
	if (!e->path || !e->provider || !e->name)
		return -ENOMEM;
	e->arg_cnt = arg_cnt;
	e->link.hash = hash;
	chain_add(&t->index, t->ents, t->cnt++);
	return 0;
}

int usdti_probe_id(struct usdti_probe_table *t, const char *path, const char *provider,
		   const char *name, int arg_cnt, __u32 *id)
{
	__u64 hash = probe_hash(path, provider, name);
	int err;

	for (__u32 i = *chain_head(&t->index, hash); i != NO_ID; i = t->ents[i].link.next) {
		const struct probe_ent *e = &t->ents[i];

		if (e->link.hash == hash && !strcmp(e->name, name) &&
		    !strcmp(e->provider, provider) && !strcmp(e->path, path)) {
			*id = i;
			return 0;
		}
	}
	if (t->cnt >= NO_ID)
		return -E2BIG;
	err = probe_add(t, path, provider, name, arg_cnt, hash);
	if (err)
		return err;
	*id = t->cnt - 1;
	return 0;
}

int usdti_probe_info(const struct usdti_probe_table *t, __u32 id, struct usdt_probe_info *info)
{
	const struct probe_ent *e;

	if (id >= t->cnt)
		return -ENOENT;
	e = &t->ents[id];
	info->path = e->path;
	info->provider = e->provider;
	info->name = e->name;
	info->arg_cnt = e->arg_cnt;
	return 0;
}
