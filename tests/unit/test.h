/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A minimal test harness: CHECK* macros count failures; each test_*.c returns test_summary(). */
#ifndef USDT_TEST_H
#define USDT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int test_checks, test_failures;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		test_checks++;                                                                   \
		if (!(cond)) {                                                                   \
			test_failures++;                                                         \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_INT(a, b)                                                                       \
	do {                                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);                           \
		test_checks++;                                                                \
		if (_a != _b) {                                                               \
			test_failures++;                                                      \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
				__LINE__, #a, _a, #b, _b);                                    \
		}                                                                             \
	} while (0)

#define CHECK_STR(a, b)                                                                     \
	do {                                                                                \
		const char *_a = (a), *_b = (b);                                            \
		test_checks++;                                                              \
		if (!_a || !_b || strcmp(_a, _b)) {                                         \
			test_failures++;                                                    \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");      \
		}                                                                           \
	} while (0)

/* Tests that need root and BPF: skip outside CI, fail in CI (CI must run them). */
static inline int test_require_root(const char *what)
{
	if (geteuid() == 0)
		return 0;
	if (getenv("CI")) {
		fprintf(stderr, "%s needs root, and CI is set: failing\n", what);
		exit(1);
	}
	fprintf(stderr, "%s needs root: skipped\n", what);
	exit(77);
}

static inline int test_summary(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	/* a test that checked nothing has not passed */
	return test_failures || !test_checks ? 1 : 0;
}

#endif /* USDT_TEST_H */
