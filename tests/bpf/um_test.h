/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the uprobe_multi test's BPF programs, its target and the test itself. */
#ifndef UM_TEST_H
#define UM_TEST_H

/* Counters are kept per cookie slot: slot = cookie & (UM_SLOTS - 1). */
#define UM_SLOTS 16

/* The target's functions return their argument plus a per-function base. */
#define UM_RET_A 1000
#define UM_RET_B 2000
#define UM_RET_C 3000
#define UM_RET_T 4000

#endif /* UM_TEST_H */
