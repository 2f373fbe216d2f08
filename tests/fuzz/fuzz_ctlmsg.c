/*
 * fuzz_ctlmsg.c - libFuzzer harness for the control protocol decoders:
 * the input is taken as one framed message; the header decoder runs on it,
 * and the body (whatever the header claims) goes to both body decoders.
 * A request that decodes must re-encode to the very same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/ctlmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_request(const uint8_t *body, size_t len)
{
	static char store[PFS_CTL_MAX_BODY + PFS_CTL_MAX_ARGS];
	static uint8_t again[PFS_CTL_HDR_LEN + PFS_CTL_MAX_BODY];
	char *argv[PFS_CTL_MAX_ARGS];
	uint16_t flags;
	ssize_t n;
	int argc;

	argc = pfs_ctl_decode_request(body, len, &flags, argv, store,
				      sizeof(store));
	if (argc < 0)
		return;
	n = pfs_ctl_encode_request(again, sizeof(again), flags, argc, argv);
	if (n != (ssize_t)(PFS_CTL_HDR_LEN + len) ||
	    memcmp(again + PFS_CTL_HDR_LEN, body, len) != 0)
		abort();
}

static void fuzz_end(const uint8_t *body, size_t len)
{
	char msg[128];
	int32_t status;

	if (pfs_ctl_decode_end(body, len, &status, msg, sizeof(msg)) == 0 &&
	    (status < 0 || strlen(msg) >= sizeof(msg)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_ctl_hdr h;
	const uint8_t *body = data;
	size_t len = size;

	if (pfs_ctl_hdr_decode(data, size, &h) == 0) {
		if (h.len > PFS_CTL_MAX_BODY)
			abort();
		body = data + PFS_CTL_HDR_LEN;
		len = size - PFS_CTL_HDR_LEN;
		if (len > h.len)
			len = h.len;
	}
	/* Also feed the raw input as a body: more paths per input. */
	fuzz_request(body, len);
	fuzz_end(body, len);
	if (body != data) {
		fuzz_request(data, size);
		fuzz_end(data, size);
	}
	return 0;
}
