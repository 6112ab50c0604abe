// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "protobuf.h"

#include <stdlib.h>
#include <string.h>

size_t pb_varint_encode(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)v | 0x80;
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

/* Room for n more bytes; false (and b->oom) when there is none. */
static bool reserve(struct pb_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void pb_raw(struct pb_buf *b, const void *data, size_t n)
{
	if (n && reserve(b, n)) {
		memcpy(b->p + b->len, data, n);
		b->len += n;
	}
}

void pb_reset(struct pb_buf *b)
{
	b->len = 0;
	b->oom = false;
}

void pb_free(struct pb_buf *b)
{
	free(b->p);
	*b = (struct pb_buf){0};
}

void pb_varint(struct pb_buf *b, uint64_t v)
{
	if (reserve(b, PB_VARINT_MAX))
		b->len += pb_varint_encode(b->p + b->len, v);
}

void pb_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_tag(b, field, PB_VARINT);
	pb_varint(b, v);
}

void pb_int(struct pb_buf *b, uint32_t field, int64_t v)
{
	/* int32 and int64 alike: a negative number is its 64-bit two's complement, 10 bytes */
	pb_uint(b, field, (uint64_t)v);
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t n)
{
	pb_tag(b, field, PB_LEN);
	pb_varint(b, n);
	pb_raw(b, data, n);
}

size_t pb_open(struct pb_buf *b, uint32_t field)
{
	pb_tag(b, field, PB_LEN);
	/* one byte for the length, the common case; pb_close() makes room for a longer one */
	pb_raw(b, "", 1);
	return b->len;
}

void pb_close(struct pb_buf *b, size_t mark)
{
	uint8_t len[PB_VARINT_MAX];
	size_t body, n;

	if (b->oom)
		return;
	body = b->len - mark;
	n = pb_varint_encode(len, body);
	if (n > 1) {
		if (!reserve(b, n - 1))
			return;
		memmove(b->p + mark + n - 1, b->p + mark, body);
		b->len += n - 1;
	}
	memcpy(b->p + mark - 1, len, n);
}
