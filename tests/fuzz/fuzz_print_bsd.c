/*
 * fuzz_print_bsd.c - libFuzzer harness for pfsyncctl's dispatching packet
 * printer (v3, v5, v6 by the version byte): any bytes from a capture,
 * printed at every verbosity, must not crash or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>

#include "print_bsd.h"
#include "print_v3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	static const unsigned flags[] = {
	    0, CTL_PRINT_E, CTL_PRINT_V, CTL_PRINT_V | CTL_PRINT_VV,
	    CTL_PRINT_V | CTL_PRINT_VV | CTL_PRINT_E};
	size_t i;

	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	if (sink == NULL)
		return 0;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		ctl_print_pfsync(sink, data, size, flags[i]);
	return 0;
}
