/*
 * privdrop.h - after setup, become an unprivileged user that keeps only
 * the capabilities the daemon still uses:
 *
 *   CAP_NET_ADMIN  conntrack writes and dumps (ctnetlink checks every
 *                  message), pfsync0 up/down/mtu, socket buffers above
 *                  the limits (SO_RCVBUFFORCE), the nft table at exit
 *   CAP_NET_RAW    a new protocol 240 socket when the syncdev changes
 *
 * Every other capability leaves the bounding set too; the inheritable
 * set is empty and no_new_privs is set in every case.  The user is the
 * config's `user`, else "pfsyncd"; a missing user, one with uid 0 or in
 * group 0 is refused (no fallback to nobody).  "root" keeps root (and
 * every capability).
 */
#ifndef PFSYNCD_PRIVDROP_H
#define PFSYNCD_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"

#define PFSD_DEFAULT_USER "pfsyncd"

/* 0, or -1 with a message in err (the caller exits: half dropped is no
 * state to run in). */
int pfsd_privdrop(const struct pfsd_conf *c, char *err, size_t errlen);

/* The user pfsd_privdrop() would switch to ("root": none). */
const char *pfsd_privdrop_user(const struct pfsd_conf *c);

/* Whether that user is an account of the daemon's own (not root, not the
 * shared nobody): only then may its uid change things over the control
 * socket. */
bool pfsd_privdrop_dedicated(const struct pfsd_conf *c);

/* The uid and gid the daemon runs as once dropped: its own when that is
 * done (or never will be), else the user's from the password database
 * (-1, errno ENOENT, if there is none). */
int pfsd_privdrop_ids(const struct pfsd_conf *c, uid_t *uid, gid_t *gid);

#endif
