/*
 * render.h - a control reply described once, rendered as text or JSON.
 *
 * A command describes its reply as a sequence of fields: a JSON key, a
 * value, and the text that shows the value.  The renderer writes either
 * the text or the JSON of that one description, so the two cannot
 * disagree.  A field's text is a printf format whose FIRST conversion is
 * the value itself (the compiler checks the format); further arguments
 * may follow for the text alone (a unit, a plural "s").  In JSON the key
 * and the value are written and the format is not used.
 *
 *   pfsd_rnd_object(r, NULL);
 *   pfsd_rnd_text(r, "pfsync:\n");              label: text only
 *   pfsd_rnd_u64(r, "ipackets", "\t%" PRIu64 " packets\n", v);
 *   pfsd_rnd_json_uint(r, "mtu", mtu);          value: JSON only
 *   pfsd_rnd_close(r);
 *
 * text:  "pfsync:\n\t3 packets\n"    JSON: {"ipackets":3,"mtu":1500}\n
 *
 * A NULL key is an array element in JSON.  Objects and arrays nest up to
 * PFSD_RND_DEPTH and write nothing in text; closing the outermost one
 * ends the JSON line.  pfsd_rnd_quiet() hides text that only -v shows,
 * while JSON keeps every field.
 */
#ifndef PFSYNCD_CMD_RENDER_H
#define PFSYNCD_CMD_RENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

#define PFSD_RND_DEPTH 8

struct pfsd_rnd {
	struct pfsd_out *out; /* may be swapped between parts of a stream */
	bool json;
	bool quiet;			 /* text hidden, JSON kept */
	unsigned depth;			 /* containers open */
	bool more[PFSD_RND_DEPTH + 1];	 /* a member written at this depth */
	char closer[PFSD_RND_DEPTH + 1]; /* '}' or ']' of each container */
};

void pfsd_rnd_init(struct pfsd_rnd *r, struct pfsd_out *o, bool json);
/* Hide (true) or show the text of the fields that follow. */
void pfsd_rnd_quiet(struct pfsd_rnd *r, bool quiet);

/* Open an object or an array (key NULL at the top or in an array). */
void pfsd_rnd_object(struct pfsd_rnd *r, const char *key);
void pfsd_rnd_array(struct pfsd_rnd *r, const char *key);
void pfsd_rnd_close(struct pfsd_rnd *r);

/* Text only: labels and layout around the values. */
void pfsd_rnd_text(struct pfsd_rnd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A field in both; the first argument after fmt is the value, of the
 * type the function names (uint64_t, unsigned, const char *). */
void pfsd_rnd_u64(struct pfsd_rnd *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pfsd_rnd_uint(struct pfsd_rnd *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pfsd_rnd_str(struct pfsd_rnd *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A boolean: JSON true/false, text the word given for its value. */
void pfsd_rnd_bool(struct pfsd_rnd *r, const char *key, bool v,
		   const char *text_true, const char *text_false);

/* JSON only: values the text does not show. */
void pfsd_rnd_json_u64(struct pfsd_rnd *r, const char *key, uint64_t v);
void pfsd_rnd_json_i64(struct pfsd_rnd *r, const char *key, int64_t v);
void pfsd_rnd_json_uint(struct pfsd_rnd *r, const char *key, unsigned v);
void pfsd_rnd_json_str(struct pfsd_rnd *r, const char *key, const char *v);

#endif
