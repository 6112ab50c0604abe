// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: arbitrary text as an argument string of one architecture (first byte),
 * split and parsed operand by operand, each result described.
 */
#define _GNU_SOURCE
#include "fuzz_targets.h"

FUZZ_TARGET(fuzz_args_one)
