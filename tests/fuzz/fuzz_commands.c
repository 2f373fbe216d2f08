/*
 * fuzz_commands.c - libFuzzer harness for the control commands' words
 * (daemon/cmd/): the input is one command line (words split at spaces,
 * the first byte's low bits the -j/-v flags) run by root against a memory
 * daemon with an engine and no sockets; whatever the words, the command
 * answers or fails with a positive errno and a message, never crashes,
 * and the JSON it writes is balanced.  The interface word and stats
 * (which read the TUN device and the transport) are left out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/ctlmsg.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "backend/churn.h"
#include "cmd/cmd.h"
#include "daemon.h"
#include "loop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ARGS 16

static int fz_output(void *ctx, const uint8_t *local, size_t local_len,
		     const uint8_t *wire, size_t wire_len, uint32_t dst)
{
	(void)ctx;
	(void)local;
	(void)local_len;
	(void)wire;
	(void)wire_len;
	(void)dst;
	return 0;
}

static const struct pfs_engine_ops fz_ops = {.output = fz_output};

static struct pfsd_daemon *fz_daemon(void)
{
	static struct pfsd_daemon *d;
	struct pfs_engine_conf ec;

	if (d != NULL)
		return d;
	d = calloc(1, sizeof(*d));
	pfsd_conf_default(&d->conf);
	d->hostid = 0x0a000001;
	d->loop = pfsd_loop_new();
	d->table = pfs_table_new(0, (const uint8_t *)"pfsyncd test key");
	pfs_engine_conf_default(&ec);
	ec.hostid = d->hostid;
	d->engine = pfs_engine_new(&ec, d->table, &fz_ops, d, 1000);
	if (d->loop == NULL || d->table == NULL || d->engine == NULL)
		abort();
	return d;
}

/* Brackets and braces outside strings match (the JSON is balanced). */
static void fz_balanced(const char *p, size_t n)
{
	int depth = 0;
	bool str = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (str) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				str = false;
		} else if (p[i] == '"') {
			str = true;
		} else if (p[i] == '{' || p[i] == '[') {
			depth++;
		} else if ((p[i] == '}' || p[i] == ']') && --depth < 0) {
			abort();
		}
	}
	if (depth != 0 || str)
		abort();
}

static void fz_run(struct pfsd_daemon *d, unsigned flags, int argc,
		   char *argv[])
{
	struct pfsd_ctl_who root = {.uid = 0, .known = true};
	struct pfsd_out o = {0};
	char err[256] = "";
	int rc;

	rc = pfsd_cmd_handle(d, &root, argc, argv, flags, &o, err, sizeof(err));
	while (o.more != NULL && o.more(o.more_arg, &o) == 1)
		;
	if (o.more_free != NULL)
		o.more_free(o.more_arg);
	if (rc < 0 || (rc != 0 && err[0] == '\0') ||
	    strnlen(err, sizeof(err)) == sizeof(err))
		abort();
	if (rc == 0 && (flags & PFS_CTL_F_JSON) && o.buf != NULL &&
	    strcmp(argv[0], "metrics") != 0)
		fz_balanced(o.buf, o.len);
	free(o.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfsd_daemon *d = fz_daemon();
	char line[512], *argv[FZ_ARGS], *tok, *save;
	unsigned flags;
	int argc = 0;

	if (size < 1 || size > sizeof(line))
		return 0;
	flags = data[0] & (PFS_CTL_F_JSON | PFS_CTL_F_VERBOSE);
	memcpy(line, data + 1, size - 1);
	line[size - 1] = '\0';
	for (tok = strtok_r(line, " ", &save); tok != NULL && argc < FZ_ARGS;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	if (argc == 0 || strcmp(argv[0], d->conf.ifname) == 0 ||
	    strcmp(argv[0], "stats") == 0)
		return 0;
	fz_run(d, flags, argc, argv);
	if (pfs_table_count(d->table) > 10000) /* keep runs quick */
		pfs_engine_clear(d->engine, "", 1000);
	return 0;
}
