/*
 * test_buf.c - the byte cursors: big-endian values, bounds, sticky errors.
 */
#include <stdint.h>
#include <string.h>

#include "pfsync/buf.h"
#include "t.h"

static const uint8_t test_buf_bytes[15] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static void test_rbuf_values(void)
{
	struct pfs_rbuf rb;

	pfs_rbuf_init(&rb, test_buf_bytes, sizeof(test_buf_bytes));
	T_EQ(pfs_rbuf_left(&rb), 15);
	T_EQ(pfs_rbuf_get_u8(&rb), 0x01);
	T_EQ(pfs_rbuf_get_be16(&rb), 0x0203);
	T_EQ(pfs_rbuf_get_be32(&rb), 0x04050607);
	T_CHECK(pfs_rbuf_get_be64(&rb) == 0x08090a0b0c0d0e0fULL);
	T_EQ(pfs_rbuf_left(&rb), 0);
	T_EQ(rb.off, 15);
	T_CHECK(!rb.err);
}

static void test_rbuf_high_bits(void)
{
	static const uint8_t ff[8] = {0xff, 0xfe, 0xfd, 0xfc,
				      0xfb, 0xfa, 0xf9, 0xf8};
	struct pfs_rbuf rb;

	pfs_rbuf_init(&rb, ff, sizeof(ff));
	T_CHECK(pfs_rbuf_get_be64(&rb) == 0xfffefdfcfbfaf9f8ULL);
	pfs_rbuf_init(&rb, ff, sizeof(ff));
	T_CHECK(pfs_rbuf_get_be32(&rb) == 0xfffefdfcu);
	T_EQ(pfs_rbuf_get_be16(&rb), 0xfbfa);
}

static void test_rbuf_bytes_skip(void)
{
	struct pfs_rbuf rb;
	uint8_t out[4];

	pfs_rbuf_init(&rb, test_buf_bytes, sizeof(test_buf_bytes));
	pfs_rbuf_skip(&rb, 3);
	pfs_rbuf_get_bytes(&rb, out, 4);
	T_MEMEQ(out, test_buf_bytes + 3, 4);
	pfs_rbuf_get_bytes(&rb, out, 0);
	T_EQ(rb.off, 7);
	pfs_rbuf_skip(&rb, 8);
	T_EQ(pfs_rbuf_left(&rb), 0);
	T_CHECK(!rb.err);
}

/* Every get of size n on every buffer shorter than n fails and sticks. */
static void test_rbuf_short_every_length(void)
{
	static const size_t sizes[] = {1, 2, 4, 8};
	struct pfs_rbuf rb;
	size_t s, len;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (len = 0; len < sizes[s]; len++) {
			uint64_t v = 1;

			pfs_rbuf_init(&rb, test_buf_bytes, len);
			if (sizes[s] == 1)
				v = pfs_rbuf_get_u8(&rb);
			else if (sizes[s] == 2)
				v = pfs_rbuf_get_be16(&rb);
			else if (sizes[s] == 4)
				v = pfs_rbuf_get_be32(&rb);
			else
				v = pfs_rbuf_get_be64(&rb);
			T_EQ(v, 0);
			T_CHECK(rb.err);
			T_EQ(rb.off, 0);
			T_EQ(pfs_rbuf_left(&rb), 0);
		}
	}
}

static void test_rbuf_sticky(void)
{
	struct pfs_rbuf rb;
	uint8_t out[4] = {9, 9, 9, 9};

	pfs_rbuf_init(&rb, test_buf_bytes, 3);
	T_EQ(pfs_rbuf_get_be32(&rb), 0);
	T_CHECK(rb.err);
	/* would fit, but the error is sticky */
	T_EQ(pfs_rbuf_get_u8(&rb), 0);
	pfs_rbuf_get_bytes(&rb, out, 2);
	T_EQ(out[0], 0);
	T_EQ(out[1], 0);
	T_EQ(out[2], 9);
	pfs_rbuf_init(&rb, test_buf_bytes, 3);
	pfs_rbuf_skip(&rb, 4);
	T_CHECK(rb.err);
	T_EQ(pfs_rbuf_get_u8(&rb), 0);
	pfs_rbuf_init(&rb, test_buf_bytes, 3);
	pfs_rbuf_skip(&rb, SIZE_MAX);
	T_CHECK(rb.err);
}

static void test_rbuf_null(void)
{
	struct pfs_rbuf rb;

	pfs_rbuf_init(&rb, NULL, 100);
	T_EQ(pfs_rbuf_left(&rb), 0);
	T_EQ(pfs_rbuf_get_u8(&rb), 0);
	T_CHECK(rb.err);
}

static void test_wbuf_values(void)
{
	uint8_t out[20];
	struct pfs_wbuf wb;

	memset(out, 0xaa, sizeof(out));
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_wbuf_put_u8(&wb, 0x01);
	pfs_wbuf_put_be16(&wb, 0x0203);
	pfs_wbuf_put_be32(&wb, 0x04050607);
	pfs_wbuf_put_be64(&wb, 0x08090a0b0c0d0e0fULL);
	T_MEMEQ(out, test_buf_bytes, 15);
	pfs_wbuf_put_zero(&wb, 2);
	pfs_wbuf_put_bytes(&wb, "xyz", 3);
	T_EQ(wb.off, 20);
	T_EQ(pfs_wbuf_left(&wb), 0);
	T_EQ(out[15], 0);
	T_EQ(out[16], 0);
	T_MEMEQ(out + 17, "xyz", 3);
	T_CHECK(!wb.err);
}

static void test_wbuf_poke(void)
{
	uint8_t out[4] = {0};
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_wbuf_put_be16(&wb, 0x1122);
	pfs_wbuf_poke_u8(&wb, 1, 0x33);
	T_EQ(out[1], 0x33);
	T_CHECK(!wb.err);
	pfs_wbuf_poke_u8(&wb, 2, 0x44); /* not written yet */
	T_CHECK(wb.err);
	T_EQ(out[2], 0);
}

/* A put that does not fit writes nothing, sets err, and err sticks. */
static void test_wbuf_overflow_every_length(void)
{
	static const size_t sizes[] = {1, 2, 4, 8};
	uint8_t out[8];
	struct pfs_wbuf wb;
	size_t s, cap;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (cap = 0; cap < sizes[s]; cap++) {
			memset(out, 0xaa, sizeof(out));
			pfs_wbuf_init(&wb, out, cap);
			if (sizes[s] == 1)
				pfs_wbuf_put_u8(&wb, 0x55);
			else if (sizes[s] == 2)
				pfs_wbuf_put_be16(&wb, 0x5555);
			else if (sizes[s] == 4)
				pfs_wbuf_put_be32(&wb, 0x55555555);
			else
				pfs_wbuf_put_be64(&wb, 0x5555555555555555);
			T_CHECK(wb.err);
			T_EQ(wb.off, 0);
			T_EQ(out[0], 0xaa);
			T_EQ(pfs_wbuf_left(&wb), 0);
		}
	}
	pfs_wbuf_init(&wb, out, 4);
	pfs_wbuf_put_zero(&wb, 5);
	T_CHECK(wb.err);
	pfs_wbuf_put_u8(&wb, 1); /* sticky */
	T_EQ(wb.off, 0);
	pfs_wbuf_init(&wb, out, 4);
	pfs_wbuf_put_bytes(&wb, test_buf_bytes, 5);
	T_CHECK(wb.err);
	T_EQ(out[0], 0xaa);
}

int main(void)
{
	T_RUN(test_rbuf_values);
	T_RUN(test_rbuf_high_bits);
	T_RUN(test_rbuf_bytes_skip);
	T_RUN(test_rbuf_short_every_length);
	T_RUN(test_rbuf_sticky);
	T_RUN(test_rbuf_null);
	T_RUN(test_wbuf_values);
	T_RUN(test_wbuf_poke);
	T_RUN(test_wbuf_overflow_every_length);
	return t_done();
}
