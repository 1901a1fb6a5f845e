/* Unit tests for lib/mlab_buf: the bounds-checked reader and writer.
 *
 * Every reader failure must return the exact MLAB_E_* code and leave the
 * cursor where it was; every writer failure must leave the length where it
 * was and write nothing past the capacity. Inputs are heap copies of exactly
 * the tested size, so ASan catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "mlab_buf.h"
#include "mlab_err.h"

/* Compares error codes and names both on failure. */

static const uint8_t pattern[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				    0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};

/* A reader over `prefix` filler bytes followed by `n` field bytes, advanced past
 * the filler, so "unchanged" means "still at prefix", not "back at 0". */
struct fixture {
	uint8_t *mem;
	struct mlab_rd r;
	size_t start;
};

static void fixture_open(struct fixture *f, size_t prefix, size_t n)
{
	uint8_t tmp[64];
	assert_true(prefix + n <= sizeof tmp);
	memset(tmp, 0xee, prefix);
	for (size_t i = 0; i < n; i++)
		tmp[prefix + i] = pattern[i % sizeof pattern];
	f->mem = dup_exact(tmp, prefix + n);
	mlab_rd_init(&f->r, f->mem, prefix + n);
	if (prefix) {
		const uint8_t *skip;
		assert_err(mlab_rd_view(&f->r, &skip, prefix), 0);
	}
	f->start = prefix;
	assert_int_equal(f->r.off, prefix);
}

static void fixture_close(struct fixture *f)
{
	free(f->mem);
}

/* ---- getters at the exact end and one byte short ---- */

static void test_rd_u8_exact_end_ok_one_short_truncated(void **state)
{
	(void)state;
	for (size_t prefix = 0; prefix <= 3; prefix += 3) {
		struct fixture f;
		uint8_t v = 0x5a;

		fixture_open(&f, prefix, 1);
		assert_err(mlab_rd_u8(&f.r, &v), 0);
		assert_int_equal(v, 0x01);
		assert_int_equal(f.r.off, prefix + 1);
		assert_err(mlab_rd_end(&f.r), 0);
		/* Now at the end: one more is one short. */
		assert_err(mlab_rd_u8(&f.r, &v), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, prefix + 1);
		fixture_close(&f);

		fixture_open(&f, prefix, 0);
		assert_err(mlab_rd_u8(&f.r, &v), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, f.start);
		fixture_close(&f);
	}
}

static void test_rd_u16_exact_end_ok_one_short_truncated(void **state)
{
	(void)state;
	for (size_t prefix = 0; prefix <= 3; prefix += 3) {
		struct fixture f;
		uint16_t v = 0;

		fixture_open(&f, prefix, 2);
		assert_err(mlab_rd_u16(&f.r, &v), 0);
		assert_int_equal(v, 0x0123);
		assert_int_equal(f.r.off, prefix + 2);
		assert_err(mlab_rd_end(&f.r), 0);
		fixture_close(&f);

		fixture_open(&f, prefix, 1);
		assert_err(mlab_rd_u16(&f.r, &v), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, f.start);
		assert_int_equal(mlab_rd_left(&f.r), 1);
		fixture_close(&f);
	}
}

static void test_rd_u32_exact_end_ok_one_short_truncated(void **state)
{
	(void)state;
	for (size_t prefix = 0; prefix <= 3; prefix += 3) {
		struct fixture f;
		uint32_t v = 0;

		fixture_open(&f, prefix, 4);
		assert_err(mlab_rd_u32(&f.r, &v), 0);
		assert_int_equal(v, 0x01234567u);
		assert_int_equal(f.r.off, prefix + 4);
		assert_err(mlab_rd_end(&f.r), 0);
		fixture_close(&f);

		fixture_open(&f, prefix, 3);
		assert_err(mlab_rd_u32(&f.r, &v), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, f.start);
		assert_int_equal(mlab_rd_left(&f.r), 3);
		fixture_close(&f);
	}
}

static void test_rd_u64_exact_end_ok_one_short_truncated(void **state)
{
	(void)state;
	for (size_t prefix = 0; prefix <= 3; prefix += 3) {
		struct fixture f;
		uint64_t v = 0;

		fixture_open(&f, prefix, 8);
		assert_err(mlab_rd_u64(&f.r, &v), 0);
		assert_true(v == 0x0123456789abcdefull);
		assert_int_equal(f.r.off, prefix + 8);
		assert_err(mlab_rd_end(&f.r), 0);
		fixture_close(&f);

		fixture_open(&f, prefix, 7);
		assert_err(mlab_rd_u64(&f.r, &v), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, f.start);
		assert_int_equal(mlab_rd_left(&f.r), 7);
		fixture_close(&f);
	}
}

static void test_rd_bytes_exact_end_ok_one_short_truncated(void **state)
{
	(void)state;
	for (size_t prefix = 0; prefix <= 3; prefix += 3) {
		struct fixture f;
		uint8_t dst[11];

		fixture_open(&f, prefix, 10);
		memset(dst, 0xcc, sizeof dst);
		assert_err(mlab_rd_bytes(&f.r, dst, 10), 0);
		assert_memory_equal(dst, pattern, 10);
		assert_int_equal(dst[10], 0xcc); /* copies exactly n bytes */
		assert_int_equal(f.r.off, prefix + 10);
		assert_err(mlab_rd_end(&f.r), 0);
		fixture_close(&f);

		fixture_open(&f, prefix, 9);
		assert_err(mlab_rd_bytes(&f.r, dst, 10), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, f.start);
		fixture_close(&f);
	}
}

static void test_rd_view_exact_end_ok_one_short_truncated(void **state)
{
	(void)state;
	for (size_t prefix = 0; prefix <= 3; prefix += 3) {
		struct fixture f;
		const uint8_t *p = NULL;

		fixture_open(&f, prefix, 10);
		assert_err(mlab_rd_view(&f.r, &p, 10), 0);
		assert_ptr_equal(p, f.mem + prefix); /* a view, not a copy */
		assert_int_equal(f.r.off, prefix + 10);
		assert_err(mlab_rd_end(&f.r), 0);
		fixture_close(&f);

		fixture_open(&f, prefix, 9);
		assert_err(mlab_rd_view(&f.r, &p, 10), MLAB_E_TRUNCATED);
		assert_int_equal(f.r.off, f.start);
		fixture_close(&f);
	}
}

static void test_rd_zero_length_bytes_and_view_at_end_ok(void **state)
{
	(void)state;
	struct fixture f;
	const uint8_t *p = NULL;
	uint8_t dst[1] = {0x77};

	fixture_open(&f, 3, 0);
	assert_err(mlab_rd_bytes(&f.r, dst, 0), 0);
	assert_int_equal(dst[0], 0x77);
	assert_err(mlab_rd_view(&f.r, &p, 0), 0);
	assert_int_equal(f.r.off, 3);
	fixture_close(&f);
}

static void test_rd_huge_length_truncated_without_overflow(void **state)
{
	(void)state;
	struct fixture f;
	const uint8_t *p;
	uint8_t dst[1];

	fixture_open(&f, 2, 4);
	assert_err(mlab_rd_view(&f.r, &p, SIZE_MAX), MLAB_E_TRUNCATED);
	assert_int_equal(f.r.off, 2);
	assert_err(mlab_rd_bytes(&f.r, dst, SIZE_MAX - 1), MLAB_E_TRUNCATED);
	assert_int_equal(f.r.off, 2);
	assert_err(mlab_rd_view(&f.r, &p, 5), MLAB_E_TRUNCATED);
	assert_int_equal(f.r.off, 2);
	fixture_close(&f);
}

/* ---- vec16 ---- */

static void test_rd_vec16_exact_end_ok(void **state)
{
	(void)state;
	const uint8_t in[] = {0x00, 0x03, 0xaa, 0xbb, 0xcc};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	const uint8_t *p = NULL;
	size_t n = 99;

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_vec16(&r, &p, &n, 3), 0); /* exactly at max is allowed */
	assert_int_equal(n, 3);
	assert_ptr_equal(p, mem + 2);
	assert_int_equal(r.off, 5);
	assert_err(mlab_rd_end(&r), 0);
	free(mem);
}

static void test_rd_vec16_zero_length_ok(void **state)
{
	(void)state;
	const uint8_t in[] = {0x00, 0x00};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	const uint8_t *p = NULL;
	size_t n = 99;

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_vec16(&r, &p, &n, 10), 0);
	assert_int_equal(n, 0);
	assert_int_equal(r.off, 2);
	free(mem);
}

static void test_rd_vec16_length_above_remaining_truncated_cursor_before_length(void **state)
{
	(void)state;
	/* Two filler bytes, then length 4 but only 3 bytes follow. */
	const uint8_t in[] = {0xee, 0xee, 0x00, 0x04, 0xaa, 0xbb, 0xcc};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	const uint8_t *p = NULL, *skip;
	size_t n = 99;

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_view(&r, &skip, 2), 0);
	assert_err(mlab_rd_vec16(&r, &p, &n, 100), MLAB_E_TRUNCATED);
	assert_int_equal(r.off, 2); /* the two length bytes are not consumed */
	assert_int_equal(mlab_rd_left(&r), 5);
	assert_int_equal(n, 99);

	/* Every shorter input fails the same way, including a length cut in half. */
	for (size_t len = 2; len < sizeof in; len++) {
		uint8_t *cut = dup_exact(in, len);
		mlab_rd_init(&r, cut, len);
		assert_err(mlab_rd_view(&r, &skip, 2), 0);
		assert_err(mlab_rd_vec16(&r, &p, &n, 100), MLAB_E_TRUNCATED);
		assert_int_equal(r.off, 2);
		free(cut);
	}
	free(mem);
}

static void test_rd_vec16_length_0xffff_with_short_body_truncated(void **state)
{
	(void)state;
	const uint8_t in[] = {0xff, 0xff, 0x01};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	const uint8_t *p;
	size_t n;

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_vec16(&r, &p, &n, SIZE_MAX), MLAB_E_TRUNCATED);
	assert_int_equal(r.off, 0);
	free(mem);
}

static void test_rd_vec16_over_max_too_long_cursor_unchanged(void **state)
{
	(void)state;
	const uint8_t in[] = {0xee, 0x00, 0x04, 0xaa, 0xbb, 0xcc, 0xdd};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	const uint8_t *p = NULL, *skip;
	size_t n = 99;

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_view(&r, &skip, 1), 0);
	assert_err(mlab_rd_vec16(&r, &p, &n, 3), MLAB_E_TOO_LONG);
	assert_int_equal(r.off, 1);
	assert_int_equal(n, 99);
	/* The same bytes with a max that fits are accepted. */
	assert_err(mlab_rd_vec16(&r, &p, &n, 4), 0);
	assert_int_equal(n, 4);
	assert_int_equal(r.off, sizeof in);
	free(mem);
}

static void test_rd_vec16_over_max_too_long_even_when_body_missing(void **state)
{
	(void)state;
	/* A limit is checked on the length field, before the body is needed. */
	const uint8_t in[] = {0x10, 0x00};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	const uint8_t *p;
	size_t n;

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_vec16(&r, &p, &n, 1024), MLAB_E_TOO_LONG);
	assert_int_equal(r.off, 0);
	free(mem);
}

/* ---- rd_end, rd_init, big-endian decoding ---- */

static void test_rd_end_trailing_byte_is_trailing(void **state)
{
	(void)state;
	struct fixture f;
	uint8_t v;

	fixture_open(&f, 0, 3);
	assert_err(mlab_rd_u8(&f.r, &v), 0);
	assert_err(mlab_rd_u8(&f.r, &v), 0);
	assert_err(mlab_rd_end(&f.r), MLAB_E_TRAILING);
	assert_int_equal(f.r.off, 2); /* rd_end never moves the cursor */
	assert_err(mlab_rd_u8(&f.r, &v), 0);
	assert_err(mlab_rd_end(&f.r), 0);
	fixture_close(&f);
}

static void test_rd_end_of_untouched_reader_is_trailing(void **state)
{
	(void)state;
	struct fixture f;

	fixture_open(&f, 0, 5);
	assert_err(mlab_rd_end(&f.r), MLAB_E_TRAILING);
	assert_int_equal(f.r.off, 0);
	fixture_close(&f);
}

static void test_rd_init_null_pointer_reads_as_empty(void **state)
{
	(void)state;
	struct mlab_rd r;
	uint8_t v;
	uint16_t v16;

	mlab_rd_init(&r, NULL, 5);
	assert_int_equal(mlab_rd_left(&r), 0);
	assert_err(mlab_rd_u8(&r, &v), MLAB_E_TRUNCATED);
	assert_err(mlab_rd_u16(&r, &v16), MLAB_E_TRUNCATED);
	assert_int_equal(r.off, 0);
	assert_err(mlab_rd_end(&r), 0);
}

static void test_rd_big_endian_decoding_of_u16_u32_u64(void **state)
{
	(void)state;
	const uint8_t in[] = {0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, 0x80, 0x01, 0x02,
			      0x03, 0x04, 0x05, 0x06, 0xff, 0xfe, 0xfd, 0xfc, 0xfb};
	uint8_t *mem = dup_exact(in, sizeof in);
	struct mlab_rd r;
	uint16_t a;
	uint32_t b;
	uint64_t c;
	uint8_t d[4];

	mlab_rd_init(&r, mem, sizeof in);
	assert_err(mlab_rd_u16(&r, &a), 0);
	assert_int_equal(a, 0x1234);
	assert_err(mlab_rd_u32(&r, &b), 0);
	assert_int_equal(b, 0x89abcdefu); /* top bit set: no sign extension */
	assert_err(mlab_rd_u64(&r, &c), 0);
	assert_true(c == 0x80010203040506ffull);
	assert_err(mlab_rd_bytes(&r, d, 4), 0);
	assert_memory_equal(d, in + 14, 4);
	assert_err(mlab_rd_end(&r), 0);
	assert_int_equal(mlab_rd_left(&r), 0);
	free(mem);
}

/* ---- writer ---- */

#define CANARY 0xc5

/* A writer with capacity cap over a bigger buffer filled with CANARY. */
static void wr_open(struct mlab_wr *w, uint8_t *mem, size_t memsize, size_t cap)
{
	memset(mem, CANARY, memsize);
	mlab_wr_init(w, mem, cap);
}

static void assert_canary(const uint8_t *mem, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (mem[i] != CANARY)
			fail_msg("byte %zu beyond the written length was overwritten (0x%02x)", i, mem[i]);
}

static void test_wr_big_endian_layout_of_u8_u16_u32_u64(void **state)
{
	(void)state;
	uint8_t mem[32];
	struct mlab_wr w;
	const uint8_t want[] = {0x9a, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef, 0x80,
				0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xff};

	wr_open(&w, mem, sizeof mem, sizeof mem);
	assert_err(mlab_wr_u8(&w, 0x9a), 0);
	assert_err(mlab_wr_u16(&w, 0x1234), 0);
	assert_err(mlab_wr_u32(&w, 0x89abcdefu), 0);
	assert_err(mlab_wr_u64(&w, 0x80010203040506ffull), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(mem, want, sizeof want);
	assert_canary(mem, sizeof want, sizeof mem);
}

static void test_wr_fills_to_exact_capacity(void **state)
{
	(void)state;
	uint8_t mem[24];
	struct mlab_wr w;

	wr_open(&w, mem, sizeof mem, 15);
	assert_err(mlab_wr_u8(&w, 1), 0);
	assert_err(mlab_wr_u16(&w, 2), 0);
	assert_err(mlab_wr_u32(&w, 3), 0);
	assert_err(mlab_wr_u64(&w, 4), 0);
	assert_int_equal(w.len, 15);
	assert_err(mlab_wr_bytes(&w, pattern, 0), 0);
	assert_err(mlab_wr_u8(&w, 5), MLAB_E_NOSPACE);
	assert_int_equal(w.len, 15);
	assert_canary(mem, 15, sizeof mem);
}

/* Each putter, with one byte less room than it needs, at offset 0 and 3. */
static void test_wr_each_putter_one_short_nospace_length_unchanged(void **state)
{
	(void)state;
	static const size_t width[] = {1, 2, 4, 8, 5, 7, 6};
	for (size_t kind = 0; kind < sizeof width / sizeof width[0]; kind++) {
		for (size_t pre = 0; pre <= 3; pre += 3) {
			uint8_t mem[32], *p = NULL;
			struct mlab_wr w;
			size_t cap = pre + width[kind] - 1;
			int e;

			wr_open(&w, mem, sizeof mem, cap);
			for (size_t i = 0; i < pre; i++)
				assert_err(mlab_wr_u8(&w, 0x11), 0);
			switch (kind) {
			case 0:
				e = mlab_wr_u8(&w, 0xff);
				break;
			case 1:
				e = mlab_wr_u16(&w, 0xffff);
				break;
			case 2:
				e = mlab_wr_u32(&w, 0xffffffffu);
				break;
			case 3:
				e = mlab_wr_u64(&w, UINT64_MAX);
				break;
			case 4:
				e = mlab_wr_bytes(&w, pattern, 5);
				break;
			case 5:
				e = mlab_wr_vec16(&w, pattern, 5);
				break; /* 2 + 5 */
			default:
				e = mlab_wr_reserve(&w, &p, 6);
				break;
			}
			assert_err(e, MLAB_E_NOSPACE);
			assert_int_equal(w.len, pre);
			assert_canary(mem, pre, sizeof mem);
		}
	}
}

static void test_wr_vec16_layout_length_then_bytes(void **state)
{
	(void)state;
	uint8_t mem[16];
	struct mlab_wr w;
	const uint8_t want[] = {0x00, 0x03, 0x01, 0x23, 0x45, 0x00, 0x00};

	wr_open(&w, mem, sizeof mem, sizeof mem);
	assert_err(mlab_wr_vec16(&w, pattern, 3), 0);
	assert_err(mlab_wr_vec16(&w, NULL, 0), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(mem, want, sizeof want);
}

static void test_wr_vec16_over_65535_too_long(void **state)
{
	(void)state;
	/* Room for everything, so only the length limit can refuse. */
	size_t size = 65536 + 2 + 8;
	uint8_t *mem = malloc(size), *src = calloc(1, 65536);
	struct mlab_wr w;

	assert_non_null(mem);
	assert_non_null(src);
	wr_open(&w, mem, size, size);
	assert_err(mlab_wr_u8(&w, 0x42), 0);
	assert_err(mlab_wr_vec16(&w, src, 65536), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 1);
	assert_canary(mem, 1, size);
	assert_err(mlab_wr_vec16(&w, src, SIZE_MAX), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 1);

	/* 65535 is the largest that fits the u16 length. */
	assert_err(mlab_wr_vec16(&w, src, 65535), 0);
	assert_int_equal(w.len, 1 + 2 + 65535);
	assert_int_equal(mem[1], 0xff);
	assert_int_equal(mem[2], 0xff);
	free(src);
	free(mem);
}

static void test_wr_vec16_body_does_not_fit_nospace_no_partial_length(void **state)
{
	(void)state;
	uint8_t mem[16];
	struct mlab_wr w;

	/* The length would fit but not the body: nothing at all is written. */
	for (size_t cap = 0; cap < 2 + 5; cap++) {
		wr_open(&w, mem, sizeof mem, cap);
		assert_err(mlab_wr_vec16(&w, pattern, 5), MLAB_E_NOSPACE);
		assert_int_equal(w.len, 0);
		assert_canary(mem, 0, sizeof mem);
	}
}

static void test_wr_reserve_returns_slot_at_length(void **state)
{
	(void)state;
	uint8_t mem[16], *p = NULL;
	struct mlab_wr w;

	wr_open(&w, mem, sizeof mem, 10);
	assert_err(mlab_wr_u16(&w, 0xabcd), 0);
	assert_err(mlab_wr_reserve(&w, &p, 8), 0);
	assert_ptr_equal(p, mem + 2);
	assert_int_equal(w.len, 10);
	assert_err(mlab_wr_reserve(&w, &p, 1), MLAB_E_NOSPACE);
	assert_err(mlab_wr_reserve(&w, &p, SIZE_MAX), MLAB_E_NOSPACE);
	assert_int_equal(w.len, 10);
	assert_err(mlab_wr_reserve(&w, &p, 0), 0);
	assert_int_equal(w.len, 10);
}

static void test_wr_huge_sizes_nospace_without_overflow(void **state)
{
	(void)state;
	uint8_t mem[16];
	struct mlab_wr w;

	wr_open(&w, mem, sizeof mem, sizeof mem);
	assert_err(mlab_wr_u32(&w, 7), 0);
	assert_err(mlab_wr_bytes(&w, pattern, SIZE_MAX), MLAB_E_NOSPACE);
	assert_err(mlab_wr_bytes(&w, pattern, SIZE_MAX - 3), MLAB_E_NOSPACE);
	assert_int_equal(w.len, 4);
	assert_canary(mem, 4, sizeof mem);
}

static void test_wr_init_null_buffer_has_no_room(void **state)
{
	(void)state;
	struct mlab_wr w;

	mlab_wr_init(&w, NULL, 100);
	assert_int_equal(w.cap, 0);
	assert_err(mlab_wr_u8(&w, 1), MLAB_E_NOSPACE);
	assert_err(mlab_wr_u64(&w, 1), MLAB_E_NOSPACE);
	assert_int_equal(w.len, 0);
}

static void test_wr_then_rd_round_trip_of_every_field_type(void **state)
{
	(void)state;
	uint8_t mem[64], b8, bytes[5];
	struct mlab_wr w;
	struct mlab_rd r;
	uint16_t b16;
	uint32_t b32;
	uint64_t b64;
	const uint8_t *vp;
	size_t vn;

	wr_open(&w, mem, sizeof mem, sizeof mem);
	assert_err(mlab_wr_u8(&w, 0xfe), 0);
	assert_err(mlab_wr_u16(&w, 0xfedc), 0);
	assert_err(mlab_wr_u32(&w, 0xfedcba98u), 0);
	assert_err(mlab_wr_u64(&w, 0xfedcba9876543210ull), 0);
	assert_err(mlab_wr_bytes(&w, pattern, 5), 0);
	assert_err(mlab_wr_vec16(&w, pattern + 5, 7), 0);

	mlab_rd_init(&r, mem, w.len);
	assert_err(mlab_rd_u8(&r, &b8), 0);
	assert_int_equal(b8, 0xfe);
	assert_err(mlab_rd_u16(&r, &b16), 0);
	assert_int_equal(b16, 0xfedc);
	assert_err(mlab_rd_u32(&r, &b32), 0);
	assert_int_equal(b32, 0xfedcba98u);
	assert_err(mlab_rd_u64(&r, &b64), 0);
	assert_true(b64 == 0xfedcba9876543210ull);
	assert_err(mlab_rd_bytes(&r, bytes, 5), 0);
	assert_memory_equal(bytes, pattern, 5);
	assert_err(mlab_rd_vec16(&r, &vp, &vn, 7), 0);
	assert_int_equal(vn, 7);
	assert_memory_equal(vp, pattern + 5, 7);
	assert_err(mlab_rd_end(&r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rd_u8_exact_end_ok_one_short_truncated),
	    cmocka_unit_test(test_rd_u16_exact_end_ok_one_short_truncated),
	    cmocka_unit_test(test_rd_u32_exact_end_ok_one_short_truncated),
	    cmocka_unit_test(test_rd_u64_exact_end_ok_one_short_truncated),
	    cmocka_unit_test(test_rd_bytes_exact_end_ok_one_short_truncated),
	    cmocka_unit_test(test_rd_view_exact_end_ok_one_short_truncated),
	    cmocka_unit_test(test_rd_zero_length_bytes_and_view_at_end_ok),
	    cmocka_unit_test(test_rd_huge_length_truncated_without_overflow),
	    cmocka_unit_test(test_rd_vec16_exact_end_ok),
	    cmocka_unit_test(test_rd_vec16_zero_length_ok),
	    cmocka_unit_test(test_rd_vec16_length_above_remaining_truncated_cursor_before_length),
	    cmocka_unit_test(test_rd_vec16_length_0xffff_with_short_body_truncated),
	    cmocka_unit_test(test_rd_vec16_over_max_too_long_cursor_unchanged),
	    cmocka_unit_test(test_rd_vec16_over_max_too_long_even_when_body_missing),
	    cmocka_unit_test(test_rd_end_trailing_byte_is_trailing),
	    cmocka_unit_test(test_rd_end_of_untouched_reader_is_trailing),
	    cmocka_unit_test(test_rd_init_null_pointer_reads_as_empty),
	    cmocka_unit_test(test_rd_big_endian_decoding_of_u16_u32_u64),
	    cmocka_unit_test(test_wr_big_endian_layout_of_u8_u16_u32_u64),
	    cmocka_unit_test(test_wr_fills_to_exact_capacity),
	    cmocka_unit_test(test_wr_each_putter_one_short_nospace_length_unchanged),
	    cmocka_unit_test(test_wr_vec16_layout_length_then_bytes),
	    cmocka_unit_test(test_wr_vec16_over_65535_too_long),
	    cmocka_unit_test(test_wr_vec16_body_does_not_fit_nospace_no_partial_length),
	    cmocka_unit_test(test_wr_reserve_returns_slot_at_length),
	    cmocka_unit_test(test_wr_huge_sizes_nospace_without_overflow),
	    cmocka_unit_test(test_wr_init_null_buffer_has_no_room),
	    cmocka_unit_test(test_wr_then_rd_round_trip_of_every_field_type),
	};
	return cmocka_run_group_tests_name("mlab_buf", tests, NULL, NULL);
}
