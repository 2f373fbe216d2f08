/*
 * fuzz_top.c - libFuzzer harness for `pfsyncctl top`'s reader of the
 * daemon's metrics answer (ctl_top_parse, input from the control socket)
 * and its drawing of what it parsed: any text, never a crash, never a
 * read past the answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_top_sample a, b;
	char *text = malloc(size + 1);
	FILE *null;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ctl_top_parse(text, &a) == 0) {
		b = a;
		b.t_ms = a.t_ms + 1000;
		null = fopen("/dev/null", "w");
		if (null != NULL) {
			ctl_top_draw(null, &a, &b, 1.7e9, 80);
			fclose(null);
		}
	}
	free(text);
	return 0;
}
