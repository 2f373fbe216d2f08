/*
 * keyfile.h - read a pre-shared key file, refusing one that others may
 * read, as wg(8) does.
 *
 * The file holds one key: 32 random bytes in base64 (44 characters, as
 * `wg genkey` or `head -c 32 /dev/urandom | base64` print), optionally
 * followed by a newline.  It must be a regular file owned by root or by
 * the daemon's user, that others may not read or write and a group only
 * read when it is the daemon's group (0600, 0400, or root:pfsyncd 0640),
 * in a directory no one else may change.
 */
#ifndef PFSYNCD_KEYFILE_H
#define PFSYNCD_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pfsync/seal.h"

/* The daemon's user and group (privdrop.h): the key's other owner. */
struct pfsd_keyowner {
	uid_t uid;
	gid_t gid;
};

/* 0, or -1 with a message naming the file in err (key left zeroed) and
 * errno set (EACCES: we may not read it). */
int pfsd_keyfile_read(const char *path, const struct pfsd_keyowner *o,
		      uint8_t key[PFS_SEAL_KEY_LEN], char *err, size_t errlen);

#endif
