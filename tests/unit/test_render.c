/*
 * test_render.c - control replies described once (cmd/render.h): the
 * text and the JSON of one description, byte for byte; nesting, JSON
 * escapes, fields only one form shows, text that only -v shows.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/render.h"
#include "control.h"
#include "t.h"

/* A reply with every kind of field: what a command would describe. */
static void describe(struct pfsd_rnd *r, bool verbose)
{
	pfsd_rnd_object(r, NULL);
	pfsd_rnd_str(r, "ifname", "%s: flags=<", "pfsync0");
	pfsd_rnd_bool(r, "up", true, "UP", "");
	pfsd_rnd_uint(r, "mtu", "> mtu %u\n", 1500u);
	pfsd_rnd_json_uint(r, "syncdev_mtu", 9000u); /* JSON only */
	pfsd_rnd_text(r, "\tcounters:\n");	     /* text only */
	pfsd_rnd_u64(r, "packets", "\t%" PRIu64 " packet%s\n", (uint64_t)1,
		     ""); /* text-only extra argument */
	pfsd_rnd_text(r, "\tage %" PRId64 " s\n", (int64_t)-3);
	pfsd_rnd_json_i64(r, "age", -3); /* a signed field: JSON only */
	pfsd_rnd_quiet(r, !verbose);
	pfsd_rnd_str(r, "note", "\tnote: %s\n", "a \"quoted\"\tword");
	pfsd_rnd_array(r, "peers");
	pfsd_rnd_object(r, NULL);
	pfsd_rnd_str(r, "addr", "\tpeer: %s\n", "10.0.0.2");
	pfsd_rnd_close(r);
	pfsd_rnd_object(r, NULL);
	pfsd_rnd_str(r, "addr", "\tpeer: %s\n", "10.0.0.3");
	pfsd_rnd_json_u64(r, "seen", UINT64_MAX);
	pfsd_rnd_close(r);
	pfsd_rnd_close(r);
	pfsd_rnd_array(r, "pairs");
	pfsd_rnd_array(r, NULL);
	pfsd_rnd_uint(r, NULL, "\t<= %u: ", 10u);
	pfsd_rnd_u64(r, NULL, "%" PRIu64 "\n", (uint64_t)7);
	pfsd_rnd_close(r);
	pfsd_rnd_close(r);
	pfsd_rnd_quiet(r, false);
	pfsd_rnd_bool(r, "done", false, "done\n", "pending\n");
	pfsd_rnd_close(r);
}

static char *render(bool json, bool verbose)
{
	struct pfsd_out o = {0};
	struct pfsd_rnd r;

	pfsd_rnd_init(&r, &o, json);
	describe(&r, verbose);
	pfsd_out_write(&o, "", 1); /* terminate */
	return o.buf;
}

static void test_text(void)
{
	char *t = render(false, false);

	T_CHECK(t != NULL && strcmp(t, "pfsync0: flags=<UP> mtu 1500\n"
				       "\tcounters:\n"
				       "\t1 packet\n"
				       "\tage -3 s\n"
				       "pending\n") == 0);
	free(t);
}

static void test_text_verbose(void)
{
	char *t = render(false, true);

	T_CHECK(t != NULL && strcmp(t, "pfsync0: flags=<UP> mtu 1500\n"
				       "\tcounters:\n"
				       "\t1 packet\n"
				       "\tage -3 s\n"
				       "\tnote: a \"quoted\"\tword\n"
				       "\tpeer: 10.0.0.2\n"
				       "\tpeer: 10.0.0.3\n"
				       "\t<= 10: 7\n"
				       "pending\n") == 0);
	free(t);
}

/* One JSON whatever -v says: every field, in the description's order. */
static void test_json(void)
{
	const char *want =
	    "{\"ifname\":\"pfsync0\",\"up\":true,\"mtu\":1500,"
	    "\"syncdev_mtu\":9000,\"packets\":1,\"age\":-3,"
	    "\"note\":\"a \\\"quoted\\\"\\tword\","
	    "\"peers\":[{\"addr\":\"10.0.0.2\"},{\"addr\":\"10.0.0.3\","
	    "\"seen\":18446744073709551615}],"
	    "\"pairs\":[[10,7]],\"done\":false}\n";
	char *j = render(true, false), *jv = render(true, true);

	T_CHECK(j != NULL && strcmp(j, want) == 0);
	T_CHECK(jv != NULL && strcmp(jv, want) == 0);
	if (j != NULL && strcmp(j, want) != 0)
		fprintf(stderr, "got %s", j);
	free(j);
	free(jv);
}

/* A top-level array, written across parts (a streamed answer): the
 * separator carries over from one output buffer to the next. */
static void test_stream_parts(void)
{
	struct pfsd_out a = {0}, b = {0};
	struct pfsd_rnd r;
	int i;

	pfsd_rnd_init(&r, &a, true);
	pfsd_rnd_array(&r, NULL);
	for (i = 0; i < 4; i++) {
		r.out = i < 2 ? &a : &b;
		pfsd_rnd_object(&r, NULL);
		pfsd_rnd_uint(&r, "n", "%u\n", (unsigned)i);
		pfsd_rnd_close(&r);
	}
	pfsd_rnd_close(&r);
	T_CHECK(a.len == 16 && memcmp(a.buf, "[{\"n\":0},{\"n\":1}", 16) == 0);
	T_CHECK(b.len == 18 &&
		memcmp(b.buf, ",{\"n\":2},{\"n\":3}]\n", 18) == 0);
	free(a.buf);
	free(b.buf);
	/* the empty array, and text that shows nothing for containers */
	memset(&a, 0, sizeof(a));
	pfsd_rnd_init(&r, &a, true);
	pfsd_rnd_array(&r, NULL);
	pfsd_rnd_close(&r);
	T_CHECK(a.len == 3 && memcmp(a.buf, "[]\n", 3) == 0);
	free(a.buf);
	memset(&a, 0, sizeof(a));
	pfsd_rnd_init(&r, &a, false);
	pfsd_rnd_array(&r, NULL);
	pfsd_rnd_close(&r);
	T_EQ(a.len, 0);
	free(a.buf);
}

/* Nesting deeper than PFSD_RND_DEPTH is ignored, never overflows. */
static void test_depth_bound(void)
{
	struct pfsd_out o = {0};
	struct pfsd_rnd r;
	int i;

	pfsd_rnd_init(&r, &o, true);
	for (i = 0; i < PFSD_RND_DEPTH + 4; i++)
		pfsd_rnd_array(&r, NULL);
	for (i = 0; i < PFSD_RND_DEPTH + 4; i++)
		pfsd_rnd_close(&r);
	T_EQ(o.len, 2 * PFSD_RND_DEPTH + 1);
	T_EQ(r.depth, 0);
	free(o.buf);
}

int main(void)
{
	T_RUN(test_text);
	T_RUN(test_text_verbose);
	T_RUN(test_json);
	T_RUN(test_stream_parts);
	T_RUN(test_depth_bound);
	return t_done();
}
