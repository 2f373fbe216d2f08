/*
 * pfsyncctl.c - the control tool of pfsyncd.
 *
 *   pfsyncctl [-s socket] [-j] [-v] COMMAND [ARGS...]
 *
 * Every command but `decode` (which reads a capture locally), `capture`
 * (which writes one, as tcpdump -w does) and `top`
 * (which asks for `metrics` again and again and draws them) is sent to
 * the daemon unchanged; its answer goes to stdout.  A failure prints
 * "pfsyncctl: <message>" on stderr and exits 1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_cmd.h"
#include "client.h"
#include "decode.h"
#include "pfsync/ctlmsg.h"
#include "top.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: pfsyncctl [-jv] [-s socket] command [args ...]\n"
		   "commands:\n"
		   "  pfsync0 [up|down] [syncdev IF|-syncdev] "
		   "[syncpeer ADDR|-syncpeer] [maxupd N]\n"
		   "          [version auto|3|5|6|1301|1400|1500]\n"
		   "  stats | states | bulk | bulk-done | metrics | version\n"
		   "  latency [reset] | doctor | filter [PROTO SRC DST [mark N]]\n"
		   "  limit [states N|auto]\n"
		   "  reload\n"
		   "  add PROTO SRC DST [in|out] [if IFNAME] [no-sync] "
		   "[state S:D]\n"
		   "  update ID[/CREATOR] [state S:D] | kill ID[/CREATOR] | "
		   "flush [IFNAME]\n"
		   "  churn RATE [SECONDS] [max N] [stamp] [fill] | churn stop\n"
		   "  decode [-v] [-e] [-c COUNT] FILE | -i IFACE\n"
		   "  capture [-c COUNT] [-i IFACE] FILE\n"
		   "  top [-d SECONDS] [-n COUNT]\n");
}

/* The local half of `version`: what this binary speaks. */
static void print_local_version(int json)
{
	if (json)
		printf("{\"program\":\"pfsyncctl\",\"version\":\"%s\","
		       "\"control_protocol\":%d}\n",
		       CTL_PROGRAM_VERSION, PFS_CTL_VERSION);
	else
		printf("pfsyncctl %s, control protocol %d\n",
		       CTL_PROGRAM_VERSION, PFS_CTL_VERSION);
	fflush(stdout);
}

static int send_command(const char *path, uint16_t flags, int argc,
			char *argv[])
{
	char err[512];
	int rc;

	fflush(stdout);
	rc = ctl_client_request(path, flags, argc, argv, STDOUT_FILENO, err,
				sizeof(err));
	if (rc == 0)
		return 0;
	fprintf(stderr, "pfsyncctl: %s\n", err);
	return 1;
}

int main(int argc, char *argv[])
{
	const char *path = CTL_DEFAULT_SOCKET;
	uint16_t flags = 0;
	int ch;

	/* "+": stop at the command, whose words may start with '-'. */
	while ((ch = getopt(argc, argv, "+hjs:v")) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'j':
			flags |= PFS_CTL_F_JSON;
			break;
		case 's':
			path = optarg;
			break;
		case 'v':
			flags |= PFS_CTL_F_VERBOSE;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[0], "decode") == 0)
		return ctl_decode_main(argc, argv);
	if (strcmp(argv[0], "capture") == 0)
		return ctl_capture_main(argc, argv);
	if (strcmp(argv[0], "top") == 0)
		return ctl_top_main(path, argc, argv);
	if (strcmp(argv[0], "version") == 0)
		print_local_version(flags & PFS_CTL_F_JSON);
	return send_command(path, flags, argc, argv);
}
