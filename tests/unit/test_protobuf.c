// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The protobuf encoder (cli/protobuf.c): varints at every length edge, negative int64s,
 * strings, nested messages whose length prefix outgrows its first byte (nested in turn), and
 * the Perfetto writer's framing: a file that is nothing but Trace.packet records.
 */
#include <stdint.h>
#include <stdlib.h>

#include "perfetto.h"
#include "protobuf.h"
#include "test.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void check_bytes(const char *what, const uint8_t *got, size_t got_len, const uint8_t *want,
			size_t want_len)
{
	test_checks++;
	if (got_len == want_len && memcmp(got, want, want_len) == 0)
		return;
	test_failures++;
	fprintf(stderr, "%s: got", what);
	for (size_t i = 0; i < got_len; i++)
		fprintf(stderr, " %02x", got[i]);
	fprintf(stderr, ", expected");
	for (size_t i = 0; i < want_len; i++)
		fprintf(stderr, " %02x", want[i]);
	fprintf(stderr, "\n");
}

static void check_varint(uint64_t v, const uint8_t *want, size_t want_len)
{
	uint8_t out[PB_VARINT_MAX];
	char what[48];

	snprintf(what, sizeof(what), "varint %llu", (unsigned long long)v);
	check_bytes(what, out, pb_varint_encode(out, v), want, want_len);
}

static void test_varints(void)
{
	check_varint(0, BYTES(0x00));
	check_varint(1, BYTES(0x01));
	check_varint(127, BYTES(0x7f));
	check_varint(128, BYTES(0x80, 0x01));
	check_varint(300, BYTES(0xac, 0x02));
	check_varint(16383, BYTES(0xff, 0x7f));
	check_varint(16384, BYTES(0x80, 0x80, 0x01));
	check_varint(UINT32_MAX, BYTES(0xff, 0xff, 0xff, 0xff, 0x0f));
	check_varint(1ull << 63, BYTES(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
	check_varint(UINT64_MAX, BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
}

static void test_fields(void)
{
	struct pb_buf b = {0};

	/* field 1 varint 150: the protobuf documentation's own example */
	pb_uint(&b, 1, 150);
	check_bytes("uint field", b.p, b.len, BYTES(0x08, 0x96, 0x01));
	pb_reset(&b);
	/* int64 -1: ten bytes, two's complement */
	pb_int(&b, 2, -1);
	check_bytes("int -1", b.p, b.len,
		    BYTES(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
	pb_reset(&b);
	/* a field number past 15 takes a two-byte tag: 58 << 3 = 464 */
	pb_uint(&b, 58, 3);
	check_bytes("tag 58", b.p, b.len, BYTES(0xd0, 0x03, 0x03));
	pb_reset(&b);
	pb_bytes(&b, 2, "testing", 7);
	check_bytes("string", b.p, b.len, BYTES(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'));
	pb_reset(&b);
	pb_bytes(&b, 6, "", 0);
	check_bytes("empty string", b.p, b.len, BYTES(0x32, 0x00));
	CHECK(!b.oom);
	pb_free(&b);
}

static uint64_t read_varint(const uint8_t *p, size_t *pos)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		v |= (uint64_t)(p[*pos] & 0x7f) << shift;
		if (!(p[(*pos)++] & 0x80))
			break;
	}
	return v;
}

/* A message of n bytes of payload in field 3 of a message in field 1; lengths checked. */
static void test_nested(size_t n)
{
	struct pb_buf b = {0};
	uint8_t len[PB_VARINT_MAX], *payload = malloc(n ? n : 1);
	size_t outer, inner, inner_len, pos = 0, k;
	uint64_t v;

	memset(payload, 'x', n);
	outer = pb_open(&b, 1);
	pb_uint(&b, 2, 7);
	inner = pb_open(&b, 3);
	pb_bytes(&b, 4, payload, n);
	pb_close(&b, inner);
	pb_close(&b, outer);
	CHECK(!b.oom);
	/* expected: 0a LEN(outer) 10 07 1a LEN(inner) 22 LEN(n) payload */
	k = pb_varint_encode(len, n);
	inner_len = 1 + k + n;
	CHECK_INT(b.p[pos++], 0x0a);
	v = read_varint(b.p, &pos);
	CHECK_INT(v, b.len - pos);
	CHECK_INT(b.p[pos], 0x10);
	CHECK_INT(b.p[pos + 1], 0x07);
	CHECK_INT(b.p[pos + 2], 0x1a);
	pos += 3;
	k = pb_varint_encode(len, inner_len);
	check_bytes("inner length", b.p + pos, k, len, k);
	pos += k;
	CHECK_INT(b.p[pos], 0x22);
	CHECK_INT(b.len - pos - 1 - pb_varint_encode(len, n), n);
	CHECK(memcmp(b.p + b.len - n, payload, n) == 0);
	free(payload);
	pb_free(&b);
}

/* The writer's file: Trace.packet records (tag 0x0a, length) end to end, nothing else. */
static void test_perfetto_framing(void)
{
	char path[] = "/tmp/test_protobuf.XXXXXX";
	struct perfetto_arg args[] = {
		{.name = "n", .kind = PERFETTO_ARG_INT, .i = -5},
		{.name = "s", .kind = PERFETTO_ARG_STR, .str = {"abc", 3}},
	};
	int fd = mkstemp(path), records = 0;
	struct perfetto *p;
	uint64_t track, counter;
	uint8_t *data;
	size_t size, pos = 0;
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	p = perfetto_open(path);
	CHECK(p != NULL);
	if (!p)
		return;
	track = perfetto_thread_track(p, 100, 101, "worker");
	CHECK_INT(perfetto_thread_track(p, 100, 101, "worker"), track);
	counter = perfetto_counter_track(p, "hits");
	CHECK(counter != track);
	perfetto_event(p, PERFETTO_SLICE_BEGIN, 1000, track, "c", "outer", NULL, 0);
	perfetto_event(p, PERFETTO_INSTANT, 1500, track, "c", "hit", args, 2);
	perfetto_slice_end(p, 2000, track);
	perfetto_counter(p, 2000, counter, 3);
	CHECK_INT(perfetto_close(p), 0);
	/* snapshot, process, thread, counter track, begin, instant, end, counter value */
	f = fopen(path, "rb");
	data = malloc(1 << 16);
	size = fread(data, 1, 1 << 16, f);
	fclose(f);
	unlink(path);
	while (pos < size && data[pos] == 0x0a) {
		uint64_t len;

		pos++;
		len = read_varint(data, &pos);
		pos += len;
		records++;
	}
	CHECK_INT(pos, size);
	CHECK_INT(records, 8);
	free(data);
}

int main(void)
{
	test_varints();
	test_fields();
	test_nested(0);
	test_nested(100);   /* lengths of one byte */
	test_nested(126);   /* inner fits one byte, outer needs two */
	test_nested(200);   /* both grow */
	test_nested(20000); /* three-byte lengths */
	test_perfetto_framing();
	return test_summary("test_protobuf");
}
