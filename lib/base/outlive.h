/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Internal: kernel calls that a SIGKILL of the caller must not cut short (lib/outlive.c). */
#ifndef USDT_OUTLIVE_H
#define USDT_OUTLIVE_H

/*
 * fn(arg) in a helper process that a SIGKILL of the caller does not stop, for the calls that
 * install or remove uprobes. fn may only make syscalls. Returns fn's result.
 */
int usdti_outlive(int (*fn)(void *arg), void *arg);

#endif /* USDT_OUTLIVE_H */
