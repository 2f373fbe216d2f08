/*
 * fuzz_mhttp.c - libFuzzer harness for the metrics listener's request
 * handling (pfsd_mhttp_route) and its address parser
 * (pfsd_mhttp_parse_addr, also the metrics-listen config word): any
 * bytes, never a crash; the route is one of the four answers and
 * matches a plain re-check of the request line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "metrics/metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int starts(const uint8_t *d, size_t n, const char *p)
{
	return n >= strlen(p) && memcmp(d, p, strlen(p)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	char addr[80];
	socklen_t len;
	int code;

	code = pfsd_mhttp_route((const char *)data, size);
	if (code != 200 && code != 400 && code != 404 && code != 405)
		abort();
	if (size < PFSD_MHTTP_REQ_MAX &&
	    (code == 200) != (starts(data, size, "GET /metrics ") ||
			      starts(data, size, "GET / ")))
		abort();
	if (size < sizeof(addr)) {
		memcpy(addr, data, size);
		addr[size] = '\0';
		if (pfsd_mhttp_parse_addr(addr, &ss, &len) == 0 &&
		    ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
			abort();
	}
	return 0;
}
