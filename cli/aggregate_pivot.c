// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * usdtctl stat's table: the aggregate rows (probe, key) turned into one line per key with a
 * column per probe, as bcc's ustat prints its rates per process.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "cli.h"
#include "hashmap.h"

struct pivot_line {
	const struct agg_row *first; /* its key's parts */
	__u64 count[];
};

/* Whether rows a and b have the same key (the probe aside). */
static bool same_key(const struct agg_row *a, const struct agg_row *b)
{
	return a->key.err_mask == b->key.err_mask &&
	       !memcmp(a->key.data, b->key.data, sizeof(a->key.data));
}

static __u64 key_hash(const struct agg_row *r)
{
	__u64 h = usdti_hash_u64(USDTI_HASH_SEED, r->key.err_mask);

	return usdti_hash_mem(h, r->key.data, sizeof(r->key.data));
}

static int column_of(const struct agg_pivot *p, const struct agg_row *r)
{
	size_t n = strlen(r->d->provider);

	for (int i = 0; i < p->probe_cnt; i++) {
		if (!strncmp(p->probes[i], r->d->provider, n) && p->probes[i][n] == ':' &&
		    !strcmp(p->probes[i] + n + 1, r->d->name))
			return p->cols[i];
	}
	return -1;
}

/* The key is pid, comm (as stat asks): text columns PID and COMM, then a rate per column. */
static void print_line(const struct agg_out *o, const struct pivot_line *l, int interval)
{
	const struct agg_pivot *p = &o->opts->pivot;
	const struct agg_cfg *c = &o->opts->cfg;
	const struct agg_key *k = &l->first->key;
	__u64 pid;
	struct json j;
	size_t w;

	memcpy(&pid, k->data + c->by[0].off, sizeof(pid));
	if (!o->json) {
		fprintf(o->f, "%-8llu", (unsigned long long)pid);
		/* the command name is the process's choice: escaped */
		w = cli_escape(o->f, k->data + c->comm_off,
			       strnlen(k->data + c->comm_off, TRACE_COMM_LEN), false);
		fprintf(o->f, "%*s", w < 17 ? (int)(17 - w) : 1, "");
		for (int i = 0; i < p->cnt; i++)
			fprintf(o->f, " %*.1f", (int)strlen(p->titles[i]) + 2,
				l->count[i] / p->per_s);
		fputc('\n', o->f);
		return;
	}
	json_begin(&j, o->f);
	json_kint(&j, "pid", (long long)pid);
	json_key(&j, "comm");
	json_strn(&j, k->data + c->comm_off, strnlen(k->data + c->comm_off, TRACE_COMM_LEN));
	for (int i = 0; i < p->cnt; i++) {
		json_key(&j, p->titles[i]);
		json_uint(&j, l->count[i]);
	}
	json_kint(&j, "interval_ms", (long long)(p->per_s * 1000));
	if (interval)
		json_kint(&j, "interval", interval);
	json_end(&j);
}

void agg_pivot_print(const struct agg_out *o, const struct agg_row *rows, size_t n, int interval)
{
	const struct agg_pivot *p = &o->opts->pivot;
	size_t sz = sizeof(struct pivot_line) + p->cnt * sizeof(__u64), cnt = 0, pos;
	char *lines = calloc(n ? n : 1, sz);
	struct usdti_hashmap index = {};
	__u32 id;

	if (!lines || usdti_hashmap_reserve(&index, n)) {
		free(lines);
		return;
	}
	/* a line per key, in the order the rows first have it; found by hash, not by a scan */
	for (size_t r = 0; r < n; r++) {
		int col = column_of(p, &rows[r]);
		__u64 h = key_hash(&rows[r]);
		struct pivot_line *l = NULL;

		usdti_hashmap_for_each_id (&index, h, pos, id) {
			struct pivot_line *x = (void *)(lines + id * sz);

			if (same_key(x->first, &rows[r])) {
				l = x;
				break;
			}
		}
		if (!l) {
			usdti_hashmap_add(&index, h, cnt); /* cannot fail: reserved */
			l = (void *)(lines + cnt++ * sz);
			l->first = &rows[r];
		}
		if (col >= 0)
			l->count[col] += rows[r].count;
	}
	if (!o->json) {
		if (interval)
			fprintf(o->f, "-- interval %d\n", interval);
		fprintf(o->f, "%-8s%-17s", "PID", "COMM");
		for (int k = 0; k < p->cnt; k++) {
			fputc(' ', o->f);
			for (const char *t = p->titles[k]; *t; t++)
				fputc(toupper((unsigned char)*t), o->f);
			fputs("/s", o->f);
		}
		fputc('\n', o->f);
	}
	for (size_t i = 0; i < cnt; i++)
		print_line(o, (void *)(lines + i * sz), interval);
	usdti_hashmap_free(&index);
	free(lines);
}
