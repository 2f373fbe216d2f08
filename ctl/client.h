/*
 * client.h - pfsyncctl's side of the control protocol: connect to the
 * daemon's socket, send one request, copy the DATA it answers to a file
 * descriptor, and report the END status.
 */
#ifndef PFSYNCCTL_CLIENT_H
#define PFSYNCCTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define CTL_DEFAULT_SOCKET "/run/pfsyncd.sock"
/* pfsyncctl's own version, kept in step with pfsyncd's PFSD_VERSION. */
#define CTL_PROGRAM_VERSION "0.1"

/*
 * Send argv (argc words, flags PFS_CTL_F_*) to the daemon listening on
 * path and write every DATA byte of the answer to outfd.  Returns 0 on
 * success; the daemon's positive errno status with its message (or
 * strerror) in err; or -1 with a message in err when the exchange itself
 * failed (cannot connect, I/O error, protocol error).
 */
int ctl_client_request(const char *path, uint16_t flags, int argc, char *argv[],
		       int outfd, char *err, size_t errlen);

#endif
