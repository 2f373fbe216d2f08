/*
 * privdrop.h - after setup, become an unprivileged user that keeps only
 * the capabilities the daemon still uses:
 *
 *   CAP_NET_ADMIN  conntrack writes and dumps (ctnetlink checks every
 *                  message), pfsync0 up/down/mtu, socket buffers above
 *                  the limits (SO_RCVBUFFORCE), the nft table at exit
 *   CAP_NET_RAW    a new protocol 240 socket when the syncdev changes
 *
 * Every other capability leaves the bounding set too.  The user is the
 * config's `user`, else "pfsyncd" if it exists, else "nobody"; "root"
 * keeps root (and every capability).
 */
#ifndef PFSYNCD_PRIVDROP_H
#define PFSYNCD_PRIVDROP_H

#include "config.h"

/* 0, or -1 with a message in err (the caller exits: half dropped is no
 * state to run in). */
int pfsd_privdrop(const struct pfsd_conf *c, char *err, size_t errlen);

/* The user pfsd_privdrop() would switch to ("root": none). */
const char *pfsd_privdrop_user(const struct pfsd_conf *c);

#endif
