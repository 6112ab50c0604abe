// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --filter EXPR: a recursive-descent parser into a small tree, then code generation into
 * comparisons with forward jumps (&&, || and ! become jump targets, as in classic BPF), which
 * the tracer runs in one bounded pass.
 *
 *   expr := and ('||' and)*      and := unary ('&&' unary)*
 *   unary := '!' unary | '(' expr ')' | field op value
 *   field := argN | pid | tid | uid | comm | cgroup     op := == != < <= > >=
 *   value := integer (decimal, 0x hex, may be negative) | "string" (\" and \\ escape)
 */
#define _GNU_SOURCE
#include "filter.h"
#include "cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES (4 * FILTER_MAX_TERMS)
#define MAX_DEPTH 64

enum node_kind {
	NODE_TERM,
	NODE_AND,
	NODE_OR,
	NODE_NOT,
};

/* The relation as written: what code generation turns into enum filter_cmp and a swap. */
enum rel {
	REL_EQ,
	REL_NE,
	REL_LT,
	REL_LE,
	REL_GT,
	REL_GE,
};

struct node {
	enum node_kind kind;
	int l, r; /* children (NODE_NOT: l) */
	int leaves;
	struct filter_term term;
	enum rel rel;
};

struct parser {
	const char *s, *p;
	struct node nodes[MAX_NODES];
	int cnt;
	int terms;
	int depth;
	struct filter_info *info;
	char *err;
	size_t err_sz;
	int col;
};

static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->err_sz, fmt, ap);
	va_end(ap);
	ps->col = at - ps->s + 1;
	return -1;
}

static void skip_space(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

/* Consumes tok (after spaces) when it comes next. */
static bool accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(ps);
	if (strncmp(ps->p, tok, n))
		return false;
	ps->p += n;
	return true;
}

static int new_node(struct parser *ps, enum node_kind kind, int l, int r)
{
	struct node *n;

	if (ps->cnt == MAX_NODES)
		return fail_at(ps, ps->p, "expression too long");
	n = &ps->nodes[ps->cnt];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->l = l;
	n->r = r;
	n->leaves = kind == NODE_TERM  ? 1
		    : kind == NODE_NOT ? ps->nodes[l].leaves
				       : ps->nodes[l].leaves + ps->nodes[r].leaves;
	return ps->cnt++;
}

static int parse_expr(struct parser *ps);

/* field: sets term->field; returns 0 or -1. */
static int parse_field(struct parser *ps, struct filter_term *t)
{
	static const struct {
		const char *name;
		enum filter_field field;
	} names[] = {
		{"pid", FILTER_PID},	   {"tid", FILTER_TID},	  {"uid", FILTER_UID},
		{"cgroup", FILTER_CGROUP}, {"comm", FILTER_COMM},
	};
	const char *start = ps->p;
	size_t n = 0;
	char *end;

	while (isalnum((unsigned char)start[n]) || start[n] == '_')
		n++;
	if (!n)
		return fail_at(ps, start, "expected argN, pid, tid, uid, comm, cgroup, '!' or '('");
	ps->p += n;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == n && !strncmp(start, names[i].name, n)) {
			t->field = names[i].field;
			return 0;
		}
	}
	if (n > 3 && !strncmp(start, "arg", 3) && isdigit((unsigned char)start[3])) {
		long a = strtol(start + 3, &end, 10);

		if (end == start + n && a < USDT_MAX_ARGS) {
			t->field = FILTER_ARG0 + a;
			return 0;
		}
		if (end == start + n)
			return fail_at(ps, start,
				       "'%.*s': probes have at most %d arguments (arg0..arg%d)",
				       (int)n, start, USDT_MAX_ARGS, USDT_MAX_ARGS - 1);
	}
	return fail_at(ps, start, "unknown field '%.*s' (argN, pid, tid, uid, comm, cgroup)",
		       (int)n, start);
}

static int parse_rel(struct parser *ps, enum rel *rel)
{
	static const struct {
		const char *tok;
		enum rel rel;
	} ops[] = {
		{"==", REL_EQ}, {"!=", REL_NE}, {"<=", REL_LE},
		{">=", REL_GE}, {"<", REL_LT},	{">", REL_GT},
	};

	skip_space(ps);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (accept(ps, ops[i].tok)) {
			*rel = ops[i].rel;
			return 0;
		}
	}
	return fail_at(ps, ps->p, "expected ==, !=, <, <=, > or >=");
}

/* "string" into t->glob; returns 0 or -1. */
static int parse_string(struct parser *ps, struct filter_term *t)
{
	const char *start = ps->p++;
	__u32 n = 0;

	for (; *ps->p && *ps->p != '"'; ps->p++) {
		if (*ps->p == '\\' && (ps->p[1] == '"' || ps->p[1] == '\\'))
			ps->p++;
		if (n == TRACE_STR_MAX)
			return fail_at(ps, start, "string longer than %d bytes", TRACE_STR_MAX);
		t->glob[n++] = *ps->p;
	}
	if (*ps->p != '"')
		return fail_at(ps, start, "unterminated string");
	ps->p++;
	t->len = n;
	return 0;
}

static int parse_int(struct parser *ps, struct filter_term *t)
{
	const char *start = ps->p;
	bool neg = *start == '-';
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)start[neg]))
		return fail_at(ps, start, "expected an integer or a \"string\"");
	errno = 0;
	v = strtoull(start + neg, &end, 0);
	if (errno || isalnum((unsigned char)*end) || *end == '_')
		return fail_at(ps, start, "bad integer '%.*s'", (int)strcspn(start, " \t)&|!=<>"),
			       start);
	if (neg && v > (unsigned long long)LLONG_MAX + 1)
		return fail_at(ps, start, "integer out of range");
	t->value = neg ? (__s64)(0 - v) : (__s64)v;
	ps->p = end;
	return 0;
}

/* cgroup == "path": the cgroup v2 id is the inode of its directory. */
static int resolve_cgroup(struct parser *ps, const char *at, struct filter_term *t)
{
	char path[PATH_MAX];
	__u64 id;
	__u32 level;

	snprintf(path, sizeof(path), "%.*s", (int)t->len, t->glob);
	if (cgroup_resolve(path, &id, &level))
		return fail_at(ps, at, "'%s' is not a cgroup v2 directory", path);
	t->value = id;
	t->len = 0;
	return 0;
}

/* field op value */
static int parse_term(struct parser *ps)
{
	const char *field_at, *value_at;
	struct filter_term t = {0};
	enum rel rel = REL_EQ;
	int id;

	if (++ps->terms > FILTER_MAX_TERMS)
		return fail_at(ps, ps->p, "more than %d comparisons", FILTER_MAX_TERMS);
	field_at = ps->p;
	if (parse_field(ps, &t) || parse_rel(ps, &rel))
		return -1;
	skip_space(ps);
	value_at = ps->p;
	if (*ps->p == '"') {
		if (parse_string(ps, &t))
			return -1;
		if (rel != REL_EQ && rel != REL_NE)
			return fail_at(ps, value_at, "strings compare with == and != only");
		if (t.field == FILTER_CGROUP) {
			if (resolve_cgroup(ps, value_at, &t))
				return -1;
			t.cmp = FILTER_EQ;
		} else if (t.field == FILTER_PID || t.field == FILTER_TID ||
			   t.field == FILTER_UID) {
			return fail_at(ps, value_at, "'%.*s' is a number, not a string",
				       (int)(strcspn(field_at, " =!<>")), field_at);
		} else {
			t.cmp = FILTER_GLOB;
		}
	} else {
		if (parse_int(ps, &t))
			return -1;
		if (t.field == FILTER_COMM)
			return fail_at(ps, value_at, "comm compares with a \"string\"");
		if (t.field == FILTER_CGROUP && rel != REL_EQ && rel != REL_NE)
			return fail_at(ps, field_at, "cgroup compares with == and != only");
		t.cmp = rel == REL_EQ || rel == REL_NE	 ? FILTER_EQ
			: rel == REL_LT || rel == REL_GE ? FILTER_LT
							 : FILTER_LE;
	}
	ps->info->comm |= t.field == FILTER_COMM;
	if (t.field < USDT_MAX_ARGS) {
		ps->info->arg_mask |= 1 << t.field;
		if (t.cmp == FILTER_GLOB)
			ps->info->str_mask |= 1 << t.field;
	}
	id = new_node(ps, NODE_TERM, -1, -1);
	if (id < 0)
		return -1;
	ps->nodes[id].term = t;
	ps->nodes[id].rel = rel;
	return id;
}

static int parse_unary(struct parser *ps)
{
	const char *at;
	int id;

	if (++ps->depth > MAX_DEPTH)
		return fail_at(ps, ps->p, "nested more than %d deep", MAX_DEPTH);
	skip_space(ps);
	at = ps->p;
	if (ps->p[0] == '!' && ps->p[1] != '=') {
		ps->p++;
		id = parse_unary(ps);
		id = id < 0 ? -1 : new_node(ps, NODE_NOT, id, -1);
	} else if (accept(ps, "(")) {
		id = parse_expr(ps);
		if (id >= 0 && !accept(ps, ")"))
			id = fail_at(ps, ps->p, "expected ')' to close the '(' at column %d",
				     (int)(at - ps->s + 1));
	} else {
		id = parse_term(ps);
	}
	ps->depth--;
	return id;
}

static int parse_and(struct parser *ps)
{
	int id = parse_unary(ps);

	while (id >= 0 && accept(ps, "&&")) {
		int r = parse_unary(ps);

		id = r < 0 ? -1 : new_node(ps, NODE_AND, id, r);
	}
	return id;
}

static int parse_expr(struct parser *ps)
{
	int id = parse_and(ps);

	while (id >= 0 && accept(ps, "||")) {
		int r = parse_and(ps);

		id = r < 0 ? -1 : new_node(ps, NODE_OR, id, r);
	}
	return id;
}

/* Emits node's terms from prog->cnt on: where it holds go to t, where it fails to f. */
static void gen(const struct parser *ps, int id, __u8 t, __u8 f, struct filter_prog *prog)
{
	const struct node *n = &ps->nodes[id];
	struct filter_term *out;
	bool swap;

	switch (n->kind) {
	case NODE_TERM:
		out = &prog->term[prog->cnt++];
		*out = n->term;
		swap = n->rel == REL_NE || n->rel == REL_GE || n->rel == REL_GT;
		out->jt = swap ? f : t;
		out->jf = swap ? t : f;
		break;
	case NODE_AND: /* the right side starts right after the left one's terms */
		gen(ps, n->l, prog->cnt + ps->nodes[n->l].leaves, f, prog);
		gen(ps, n->r, t, f, prog);
		break;
	case NODE_OR:
		gen(ps, n->l, t, prog->cnt + ps->nodes[n->l].leaves, prog);
		gen(ps, n->r, t, f, prog);
		break;
	case NODE_NOT:
		gen(ps, n->l, f, t, prog);
		break;
	}
}

int filter_compile(const char *expr, struct filter_prog *prog, struct filter_info *info, char *err,
		   size_t err_sz, int *col)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	int root;

	if (!ps) {
		snprintf(err, err_sz, "out of memory");
		*col = 1;
		return -ENOMEM;
	}
	memset(prog, 0, sizeof(*prog));
	memset(info, 0, sizeof(*info));
	ps->s = ps->p = expr;
	ps->info = info;
	ps->err = err;
	ps->err_sz = err_sz;
	root = parse_expr(ps);
	skip_space(ps);
	if (root >= 0 && *ps->p)
		root = fail_at(ps, ps->p,
			       *ps->p == ')' ? "unbalanced ')'"
					     : "expected '&&', '||' or the end of the expression");
	if (root >= 0)
		gen(ps, root, FILTER_PASS, FILTER_FAIL, prog);
	*col = ps->col;
	free(ps);
	return root < 0 ? -EINVAL : 0;
}
