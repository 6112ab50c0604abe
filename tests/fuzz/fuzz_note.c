// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: arbitrary bytes as an ELF file, opened with argument parsing on. */
#define _GNU_SOURCE
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_note_one(data, size))
		abort();
	return 0;
}
