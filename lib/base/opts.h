/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: libbpf's opts discipline (OPTS_VALID / OPTS_GET) for every public opts struct. */
#ifndef USDT_OPTS_H
#define USDT_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#define offsetofend(T, f) (offsetof(T, f) + sizeof(((T *)0)->f))
/* whether the caller's struct (of size o->sz, maybe older and smaller) has field f */
#define OPTS_HAS(o, f)	  ((o) && (o)->sz >= offsetofend(typeof(*(o)), f))
#define OPTS_GET(o, f, d) (OPTS_HAS(o, f) ? (o)->f : (d))

/*
 * NULL, or sz (the struct's first member) covers at least itself and every byte past the
 * first known ones is zero: callers built against a newer header may pass a larger struct.
 * Names type_name through pr_warn when not.
 */
bool usdti_opts_valid(const void *opts, size_t known, const char *type_name);
/* OPTS_VALID(opts, usdt_file_opts): the known bytes end with TYPE##__last_field, not sizeof */
#define OPTS_VALID(opts, type) \
	usdti_opts_valid(opts, offsetofend(struct type, type##__last_field), #type)

#endif
