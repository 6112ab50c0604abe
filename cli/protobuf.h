/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A protobuf wire-format encoder into a growable buffer: varints, length-delimited fields and
 * nested messages whose length is filled in when they close. Enough for writers that emit a
 * fixed schema (cli/perfetto.c) without a code generator or a runtime library.
 */
#ifndef USDTCTL_PROTOBUF_H
#define USDTCTL_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_I32 = 5,
};

struct pb_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed: the content is incomplete */
};

#define PB_VARINT_MAX 10

/* Encodes v as a varint into out (PB_VARINT_MAX bytes of room); returns the bytes written. */
size_t pb_varint_encode(uint8_t *out, uint64_t v);

void pb_reset(struct pb_buf *b); /* empties b, keeps its memory */
void pb_free(struct pb_buf *b);

/* Bytes as they are: the body of a length-delimited field being written. */
void pb_raw(struct pb_buf *b, const void *data, size_t n);
void pb_varint(struct pb_buf *b, uint64_t v);
void pb_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire);
/* A varint field: uint32/64, enums, bools; int32/int64 go through pb_int (sign-extended). */
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_int(struct pb_buf *b, uint32_t field, int64_t v);
void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t n);

/*
 * A nested message: pb_open() writes the tag and returns a mark to pass to pb_close() once
 * its fields are written; the length goes in front of them then. Marks nest.
 */
size_t pb_open(struct pb_buf *b, uint32_t field);
void pb_close(struct pb_buf *b, size_t mark);

#endif /* USDTCTL_PROTOBUF_H */
