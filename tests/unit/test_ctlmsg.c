/*
 * test_ctlmsg.c - the control protocol codec: golden bytes, round trips and
 * every malformed case.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/ctlmsg.h"
#include "t.h"

static void test_golden_request(void)
{
	/* "pfsyncctl -j pfsync0 up" as the header comment lays it out. */
	/* clang-format off */
	static const uint8_t want[] = {
		'P', 'S', 1, 1, 0, 0, 0, 17,	    /* header, body 17 */
		0x00, 0x01, 0x00, 0x02,		    /* flags JSON, argc 2 */
		0x00, 0x07, 'p', 'f', 's', 'y', 'n', 'c', '0', /* argv[0] */
		0x00, 0x02, 'u', 'p',		    /* argv[1] */
	};
	/* clang-format on */
	char *argv[] = {"pfsync0", "up"};
	uint8_t out[64];
	ssize_t n;

	n = pfs_ctl_encode_request(out, sizeof(out), PFS_CTL_F_JSON, 2, argv);
	T_EQ(n, sizeof(want));
	T_MEMEQ(out, want, sizeof(want));
}

static void test_golden_end(void)
{
	static const uint8_t want[] = {
	    'P', 'S', 1, 3, 0, 0, 0, 7, 0, 0, 0, 22, 'b', 'a', 'd',
	};
	uint8_t out[32];

	T_EQ(pfs_ctl_encode_end(out, sizeof(out), EINVAL, "bad"), sizeof(want));
	T_MEMEQ(out, want, sizeof(want));
}

static void test_request_round_trip(void)
{
	char *in[] = {"add", "tcp", "10.0.0.1:1234", "[fd00::1]:80", ""};
	char *argv[PFS_CTL_MAX_ARGS], store[256];
	struct pfs_ctl_hdr h;
	uint8_t out[256];
	uint16_t flags;
	ssize_t n;
	int argc, i;

	n = pfs_ctl_encode_request(out, sizeof(out), 3, 5, in);
	T_CHECK(n > PFS_CTL_HDR_LEN);
	T_EQ(pfs_ctl_hdr_decode(out, (size_t)n, &h), 0);
	T_EQ(h.type, PFS_CTL_REQUEST);
	T_EQ(h.version, PFS_CTL_VERSION);
	T_EQ(h.len, n - PFS_CTL_HDR_LEN);
	argc = pfs_ctl_decode_request(out + PFS_CTL_HDR_LEN, h.len, &flags,
				      argv, store, sizeof(store));
	T_EQ(argc, 5);
	T_EQ(flags, 3);
	for (i = 0; i < argc && i < 5; i++)
		T_CHECK(strcmp(argv[i], in[i]) == 0);
}

static void test_request_max_args(void)
{
	char *in[PFS_CTL_MAX_ARGS + 1], *argv[PFS_CTL_MAX_ARGS];
	char store[1024];
	uint8_t out[1024];
	uint16_t flags;
	ssize_t n;
	int i;

	for (i = 0; i <= PFS_CTL_MAX_ARGS; i++)
		in[i] = "x";
	n = pfs_ctl_encode_request(out, sizeof(out), 0, PFS_CTL_MAX_ARGS, in);
	T_CHECK(n > 0);
	T_EQ(pfs_ctl_decode_request(out + 8, (size_t)n - 8, &flags, argv, store,
				    sizeof(store)),
	     PFS_CTL_MAX_ARGS);
	errno = 0;
	T_EQ(pfs_ctl_encode_request(out, sizeof(out), 0, PFS_CTL_MAX_ARGS + 1,
				    in),
	     -1);
	T_EQ(errno, EMSGSIZE);
	/* Forge argc 65 in a valid-looking body. */
	out[8 + 2] = 0;
	out[8 + 3] = PFS_CTL_MAX_ARGS + 1;
	errno = 0;
	T_EQ(pfs_ctl_decode_request(out + 8, (size_t)n - 8, &flags, argv, store,
				    sizeof(store)),
	     -1);
	T_EQ(errno, EPROTO);
}

static void test_encode_too_small(void)
{
	char *in[] = {"stats"};
	uint8_t out[64];

	errno = 0;
	T_EQ(pfs_ctl_encode_request(out, 12, 0, 1, in), -1);
	T_EQ(errno, EMSGSIZE);
	errno = 0;
	T_EQ(pfs_ctl_encode_data(out, 10, "abcdef", 6), -1);
	T_EQ(errno, EMSGSIZE);
	errno = 0;
	T_EQ(pfs_ctl_encode_end(out, 11, 0, NULL), -1);
	T_EQ(errno, EMSGSIZE);
	T_EQ(pfs_ctl_encode_end(out, 12, 0, NULL), 12);
}

static void test_encode_too_long(void)
{
	size_t big = PFS_CTL_MAX_BODY + 1;
	uint8_t *out = malloc(big + 16);
	char *s = malloc(big);
	char *in[1];

	T_CHECK(out != NULL && s != NULL);
	if (out == NULL || s == NULL)
		goto cleanup;
	memset(s, 'a', big - 1);
	s[big - 1] = '\0';
	in[0] = s;
	errno = 0;
	T_EQ(pfs_ctl_encode_data(out, big + 16, s, big), -1);
	T_EQ(errno, EMSGSIZE);
	T_EQ(pfs_ctl_encode_data(out, big + 16, s, PFS_CTL_MAX_BODY),
	     PFS_CTL_MAX_BODY + 8);
	errno = 0;
	T_EQ(pfs_ctl_encode_request(out, big + 16, 0, 1, in), -1);
	T_EQ(errno, EMSGSIZE);
	errno = 0;
	T_EQ(pfs_ctl_encode_end(out, big + 16, 1, s), -1);
	T_EQ(errno, EMSGSIZE);
cleanup:
	free(out);
	free(s);
}

static void test_data_round_trip(void)
{
	struct pfs_ctl_hdr h;
	uint8_t out[32];
	ssize_t n;

	n = pfs_ctl_encode_data(out, sizeof(out), "hello\n", 6);
	T_EQ(n, 14);
	T_EQ(pfs_ctl_hdr_decode(out, (size_t)n, &h), 0);
	T_EQ(h.type, PFS_CTL_DATA);
	T_EQ(h.len, 6);
	T_MEMEQ(out + 8, "hello\n", 6);
	T_EQ(pfs_ctl_encode_data(out, sizeof(out), NULL, 0), 8);
}

static void test_end_round_trip(void)
{
	char msg[8];
	int32_t st;
	uint8_t out[64];
	ssize_t n;

	n = pfs_ctl_encode_end(out, sizeof(out), ENOENT, "no such state");
	T_CHECK(n > 0);
	T_EQ(pfs_ctl_decode_end(out + 8, (size_t)n - 8, &st, msg, sizeof(msg)),
	     0);
	T_EQ(st, ENOENT);
	T_CHECK(strcmp(msg, "no such") == 0); /* cut to fit msgcap */
	n = pfs_ctl_encode_end(out, sizeof(out), 0, "");
	T_EQ(n, 12);
	T_EQ(pfs_ctl_decode_end(out + 8, 4, &st, msg, sizeof(msg)), 0);
	T_EQ(st, 0);
	T_EQ(msg[0], '\0');
}

static void expect_hdr_err(const uint8_t *p, size_t len, int err)
{
	struct pfs_ctl_hdr h;

	errno = 0;
	T_EQ(pfs_ctl_hdr_decode(p, len, &h), -1);
	T_EQ(errno, err);
}

static void test_bad_headers(void)
{
	uint8_t ok[8] = {'P', 'S', 1, 2, 0, 1, 0, 0}; /* DATA, 65536 */
	uint8_t p[8];
	struct pfs_ctl_hdr h;

	T_EQ(pfs_ctl_hdr_decode(ok, 8, &h), 0);
	T_EQ(h.len, PFS_CTL_MAX_BODY);
	expect_hdr_err(ok, 7, EPROTO);
	memcpy(p, ok, 8), p[0] = 'p';
	expect_hdr_err(p, 8, EPROTO);
	memcpy(p, ok, 8), p[1] = 'T';
	expect_hdr_err(p, 8, EPROTO);
	memcpy(p, ok, 8), p[2] = 2;
	expect_hdr_err(p, 8, EPROTO);
	memcpy(p, ok, 8), p[2] = 0;
	expect_hdr_err(p, 8, EPROTO);
	memcpy(p, ok, 8), p[3] = 0;
	expect_hdr_err(p, 8, EPROTO);
	memcpy(p, ok, 8), p[3] = 4;
	expect_hdr_err(p, 8, EPROTO);
	memcpy(p, ok, 8), p[7] = 1; /* 65537 */
	expect_hdr_err(p, 8, EMSGSIZE);
	memcpy(p, ok, 8), p[4] = 0x80;
	expect_hdr_err(p, 8, EMSGSIZE);
}

static void expect_req_err(const uint8_t *body, size_t len, size_t cap)
{
	char *argv[PFS_CTL_MAX_ARGS], store[64];
	uint16_t flags;

	errno = 0;
	T_EQ(pfs_ctl_decode_request(body, len, &flags, argv, store, cap), -1);
	T_EQ(errno, EPROTO);
}

static void test_bad_requests(void)
{
	/* flags 0, argc 2, "ab", "c" */
	static const uint8_t ok[] = {0, 0, 0, 2, 0, 2, 'a', 'b', 0, 1, 'c'};
	char *argv[PFS_CTL_MAX_ARGS], store[64];
	uint8_t p[sizeof(ok) + 1];
	uint16_t flags;
	size_t i;

	T_EQ(pfs_ctl_decode_request(ok, sizeof(ok), &flags, argv, store, 64),
	     2);
	/* Every truncation is refused. */
	for (i = 0; i < sizeof(ok); i++)
		expect_req_err(ok, i, 64);
	/* A trailing byte. */
	memcpy(p, ok, sizeof(ok));
	p[sizeof(ok)] = 'x';
	expect_req_err(p, sizeof(ok) + 1, 64);
	/* A NUL inside a string. */
	memcpy(p, ok, sizeof(ok));
	p[7] = '\0';
	expect_req_err(p, sizeof(ok), 64);
	/* A string length past the end. */
	memcpy(p, ok, sizeof(ok));
	p[9] = 2;
	expect_req_err(p, sizeof(ok), 64);
	/* Store too small for "ab\0c\0" (5 bytes). */
	expect_req_err(ok, sizeof(ok), 4);
	T_EQ(pfs_ctl_decode_request(ok, sizeof(ok), &flags, argv, store, 5), 2);
}

static void test_bad_ends(void)
{
	static const uint8_t nul[] = {0, 0, 0, 1, 'a', 0, 'b'};
	static const uint8_t neg[] = {0xff, 0xff, 0xff, 0xff};
	char msg[16];
	int32_t st;

	errno = 0;
	T_EQ(pfs_ctl_decode_end(nul, 3, &st, msg, sizeof(msg)), -1);
	T_EQ(errno, EPROTO);
	errno = 0;
	T_EQ(pfs_ctl_decode_end(nul, sizeof(nul), &st, msg, sizeof(msg)), -1);
	T_EQ(errno, EPROTO);
	errno = 0;
	T_EQ(pfs_ctl_decode_end(neg, sizeof(neg), &st, msg, sizeof(msg)), -1);
	T_EQ(errno, EPROTO);
	T_EQ(pfs_ctl_decode_end(nul, 5, &st, msg, sizeof(msg)), 0);
	T_EQ(st, 1);
	T_CHECK(strcmp(msg, "a") == 0);
}

int main(void)
{
	T_RUN(test_golden_request);
	T_RUN(test_golden_end);
	T_RUN(test_request_round_trip);
	T_RUN(test_request_max_args);
	T_RUN(test_encode_too_small);
	T_RUN(test_encode_too_long);
	T_RUN(test_data_round_trip);
	T_RUN(test_end_round_trip);
	T_RUN(test_bad_headers);
	T_RUN(test_bad_requests);
	T_RUN(test_bad_ends);
	return t_done();
}
