// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Spec ids: every attached site carries one as its BPF cookie; the spec map holds the spec at
 * that index. Sites whose specs are byte-identical (same fetches, probe id and user cookie)
 * share an id, so a probe inlined a thousand times with the same operands costs one map
 * entry. Ids are refcounted by the links that use them and reused once released. Indexed by
 * the library's hash map: attaching 50,000 sites must stay linear.
 */
#include "spec_table.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hashmap.h"
#include "log.h"

#define NO_ID UINT32_MAX

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
	__u64 hash;
	__u32 refcnt;
	__u32 next_free; /* once released: the free list */
	struct args_copy *args;
};

/*
 * specs is the __usdt_specs map itself, mapped into this process: a spec is written where the
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
	struct usdti_hashmap index;
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
	if (!t->ents) {
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
	usdti_hashmap_free(&t->index);
	free(t);
}

static __u32 spec_find(const struct usdti_spec_table *t, const struct usdt_fetch_spec *spec,
		       __u64 hash)
{
	size_t pos;
	__u32 i;

	usdti_hashmap_for_each_id (&t->index, hash, pos, i)
		if (!memcmp(&t->specs[i], spec, sizeof(*spec)))
			return i;
	return NO_ID;
}

/* An unused id: a released one first, so the map's low indexes stay in use. */
static int spec_alloc(struct usdti_spec_table *t, __u32 *id)
{
	if (t->free_head != NO_ID) {
		*id = t->free_head;
		t->free_head = t->ents[*id].next_free;
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
	e->next_free = t->free_head;
	t->free_head = id;
}

int usdti_spec_get(struct usdti_spec_table *t, const struct usdt_fetch_spec *spec,
		   const struct usdt_arg *argv, int arg_cnt, __u32 *id)
{
	__u64 hash = usdti_fetch_spec_hash(spec);
	struct spec_ent *e;
	__u32 i = spec_find(t, spec, hash);
	int err;

	if (i != NO_ID) {
		t->ents[i].refcnt++;
		*id = i;
		return 0;
	}
	err = usdti_hashmap_reserve(&t->index, t->live + 1);
	if (!err)
		err = spec_alloc(t, &i);
	if (err)
		return err;
	e = &t->ents[i];
	t->specs[i] = *spec;
	e->hash = hash;
	e->refcnt = 1;
	e->args = args_get(t, argv, arg_cnt);
	if (!e->args) {
		spec_release(t, i);
		return -ENOMEM;
	}
	usdti_hashmap_add(&t->index, hash, i); /* cannot fail: reserved */
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
	usdti_hashmap_del(&t->index, t->ents[id].hash, id);
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
