// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: arbitrary bytes as an ELF file, opened with argument parsing on. */
#define _GNU_SOURCE
#include "fuzz_targets.h"

FUZZ_TARGET(fuzz_note_one)
