/*
 * cmd_priv.h - what the command modules share: the request being run,
 * its error helper, the argument parsers, and each module's handlers
 * (called from dispatch.c's table).
 */
#ifndef PFSYNCD_CMD_PRIV_H
#define PFSYNCD_CMD_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/state.h"

#include "render.h"

struct pfsd_daemon;
struct pfs_table;

struct cmd_req {
	struct pfsd_daemon *d;
	int argc;
	char **argv;
	bool json;
	bool verbose;
	struct pfsd_rnd rnd; /* the reply */
	char *err;
	size_t errlen;
};

/* Write the message into r->err and return e (a positive errno). */
int cmd_fail(struct cmd_req *r, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- parse.c: command-line words ---------------------------------------- */

/* A state named on the command line: "ID" or "ID/CREATOR", both hex. */
struct cmd_ref {
	uint64_t id;
	uint32_t creator;
	bool has_creator;
};

int cmd_parse_peer(const char *s, uint8_t *out);
int cmd_parse_pair(const char *arg, uint8_t *src, uint8_t *dst);
int cmd_parse_proto(const char *s, uint8_t *p);
int cmd_parse_host(const char *s, uint8_t *af, struct pfs_host *h);
int cmd_parse_ref(const char *s, struct cmd_ref *ref);
int cmd_parse_uint(const char *s, unsigned long max, unsigned *out);
/* ID/CREATOR exactly; a bare ID: hostid's state first, else any
 * creator's (ids are unique per creator only). */
struct pfs_state *cmd_parse_find(struct pfs_table *t, uint32_t hostid,
				 const struct cmd_ref *ref);

/* --- the handlers, by module -------------------------------------------- */

int cmd_iface(struct cmd_req *r);	   /* iface.c: pfsync0 [WORDS] */
void cmd_iface_dialect(struct cmd_req *r); /* the dialect fields */
void cmd_iface_security(struct cmd_req *r); /* sealed or not */
int cmd_stats(struct cmd_req *r);	   /* stats.c */
void cmd_stats_parts(struct cmd_req *r);   /* stats_parts.c */
void cmd_digest_creators(struct cmd_req *r); /* digest.c: anti-entropy */
void cmd_digest_counters(struct cmd_req *r);
const char *pfsd_digest_stat_key(int i);  /* metric names and help */
const char *pfsd_digest_stat_help(int i);
int cmd_states(struct cmd_req *r);	   /* states.c */
int cmd_memfw_add(struct cmd_req *r);	   /* memfw.c */
int cmd_memfw_update(struct cmd_req *r);
int cmd_memfw_kill(struct cmd_req *r);
int cmd_memfw_flush(struct cmd_req *r);
int cmd_memfw_churn(struct cmd_req *r);
int cmd_bulk(struct cmd_req *r); /* bulk.c */
const char *cmd_bulk_word(const struct pfsd_daemon *d);
int cmd_bulk_done(struct cmd_req *r);
int cmd_info_version(struct cmd_req *r); /* info.c */
int cmd_info_latency(struct cmd_req *r);
int cmd_info_metrics(struct cmd_req *r);
int cmd_doctor(struct cmd_req *r); /* doctor.c */
int cmd_filter(struct cmd_req *r); /* filter.c */
int cmd_limit(struct cmd_req *r);	/* limit.c: limit [states N|auto] */
void cmd_limit_show(struct cmd_req *r); /* its fields, in stats too */
void cmd_defer_show(struct cmd_req *r); /* defer.c: stats -v */
int cmd_reload(struct cmd_req *r);	/* reload.c */

#endif
