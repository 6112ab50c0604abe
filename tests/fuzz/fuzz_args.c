// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: arbitrary text as an argument string of one architecture (first byte),
 * split and parsed operand by operand, each result described.
 */
#define _GNU_SOURCE
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_args_one(data, size))
		abort();
	return 0;
}
