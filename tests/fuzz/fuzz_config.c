/*
 * fuzz_config.c - libFuzzer harness for the pfsyncd.conf parser and the
 * ifconfig words: any input either fails with a message or parses to a
 * config whose printed form parses back to an equal config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_round_trip(const struct pfsd_conf *c)
{
	struct pfsd_conf back;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return;
	pfsd_conf_print(c, f);
	fclose(f);
	if (pfsd_conf_parse_string(text, "printed", &back, err, sizeof err) ==
		    -1 ||
	    !pfsd_conf_equal(c, &back)) {
		fprintf(stderr, "round trip failed: %s\n%s", err, text);
		abort();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfsd_conf c;
	char err[256];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (pfsd_conf_parse_string(text, "fuzz", &c, err, sizeof err) == 0)
		fuzz_round_trip(&c);
	else if (err[0] == '\0')
		abort(); /* every refusal says why */
	free(text);
	return 0;
}
