/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* UTF-8 validation, shared by the writers whose readers reject malformed text. */
#ifndef USDTCTL_UTF8_H
#define USDTCTL_UTF8_H

#include <stddef.h>

/* Length of the well-formed multi-byte UTF-8 sequence at s (at most n bytes), or 0. */
size_t utf8_len(const unsigned char *s, size_t n);

#endif /* USDTCTL_UTF8_H */
