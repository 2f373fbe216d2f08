/*
 * render.c - one reply description, rendered as text or JSON (see
 * render.h).  Each field call writes the one form the request asked for.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "render.h"

void pfsd_rnd_init(struct pfsd_rnd *r, struct pfsd_out *o, bool json)
{
	*r = (struct pfsd_rnd){.out = o, .json = json};
}

void pfsd_rnd_quiet(struct pfsd_rnd *r, bool quiet)
{
	r->quiet = quiet;
}

static bool rnd_text_on(const struct pfsd_rnd *r)
{
	return !r->json && !r->quiet;
}

/* The separator and key of a JSON member. */
static void rnd_key(struct pfsd_rnd *r, const char *key)
{
	if (r->more[r->depth])
		pfsd_out_write(r->out, ",", 1);
	r->more[r->depth] = true;
	if (key == NULL)
		return;
	pfsd_out_json_str(r->out, key);
	pfsd_out_write(r->out, ":", 1);
}

static void rnd_open(struct pfsd_rnd *r, const char *key, char open, char close)
{
	if (!r->json || r->depth >= PFSD_RND_DEPTH)
		return;
	rnd_key(r, key);
	pfsd_out_write(r->out, &open, 1);
	r->depth++;
	r->more[r->depth] = false;
	r->closer[r->depth] = close;
}

void pfsd_rnd_object(struct pfsd_rnd *r, const char *key)
{
	rnd_open(r, key, '{', '}');
}

void pfsd_rnd_array(struct pfsd_rnd *r, const char *key)
{
	rnd_open(r, key, '[', ']');
}

void pfsd_rnd_close(struct pfsd_rnd *r)
{
	if (!r->json || r->depth == 0)
		return;
	pfsd_out_write(r->out, &r->closer[r->depth], 1);
	r->depth--;
	if (r->depth == 0) {
		pfsd_out_write(r->out, "\n", 1);
		r->more[0] = false;
	}
}

void pfsd_rnd_text(struct pfsd_rnd *r, const char *fmt, ...)
{
	va_list ap;

	if (!rnd_text_on(r))
		return;
	va_start(ap, fmt);
	pfsd_out_vprintf(r->out, fmt, ap);
	va_end(ap);
}

/*
 * The field calls share one shape: in text the whole format with its
 * arguments; in JSON the key and the first argument, read as TYPE and
 * written with JFMT.
 */
#define RND_FIELD(name, type, jfmt)                                            \
	void pfsd_rnd_##name(struct pfsd_rnd *r, const char *key,              \
			     const char *fmt, ...)                             \
	{                                                                      \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		if (r->json) {                                                 \
			rnd_key(r, key);                                       \
			pfsd_out_printf(r->out, jfmt, va_arg(ap, type));       \
		} else if (!r->quiet) {                                        \
			pfsd_out_vprintf(r->out, fmt, ap);                     \
		}                                                              \
		va_end(ap);                                                    \
	}

RND_FIELD(u64, uint64_t, "%" PRIu64)
RND_FIELD(uint, unsigned, "%u")

void pfsd_rnd_str(struct pfsd_rnd *r, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (r->json) {
		rnd_key(r, key);
		pfsd_out_json_str(r->out, va_arg(ap, const char *));
	} else if (!r->quiet) {
		pfsd_out_vprintf(r->out, fmt, ap);
	}
	va_end(ap);
}

void pfsd_rnd_bool(struct pfsd_rnd *r, const char *key, bool v,
		   const char *text_true, const char *text_false)
{
	if (r->json) {
		rnd_key(r, key);
		pfsd_out_printf(r->out, "%s", v ? "true" : "false");
	} else if (!r->quiet) {
		pfsd_out_printf(r->out, "%s", v ? text_true : text_false);
	}
}

void pfsd_rnd_json_u64(struct pfsd_rnd *r, const char *key, uint64_t v)
{
	if (!r->json)
		return;
	rnd_key(r, key);
	pfsd_out_printf(r->out, "%" PRIu64, v);
}

void pfsd_rnd_json_i64(struct pfsd_rnd *r, const char *key, int64_t v)
{
	if (!r->json)
		return;
	rnd_key(r, key);
	pfsd_out_printf(r->out, "%" PRId64, v);
}

void pfsd_rnd_json_uint(struct pfsd_rnd *r, const char *key, unsigned v)
{
	if (!r->json)
		return;
	rnd_key(r, key);
	pfsd_out_printf(r->out, "%u", v);
}

void pfsd_rnd_json_str(struct pfsd_rnd *r, const char *key, const char *v)
{
	if (!r->json)
		return;
	rnd_key(r, key);
	pfsd_out_json_str(r->out, v);
}
