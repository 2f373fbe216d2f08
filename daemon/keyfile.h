/*
 * keyfile.h - read a pre-shared key file, refusing one that others may
 * read, as wg(8) does.
 *
 * The file holds one key: 32 random bytes in base64 (44 characters, as
 * `wg genkey` or `head -c 32 /dev/urandom | base64` print), optionally
 * followed by a newline.  It must be a regular file that neither group
 * nor others may read or write (mode 0600 or 0400).
 */
#ifndef PFSYNCD_KEYFILE_H
#define PFSYNCD_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/seal.h"

/* 0, or -1 with a message naming the file in err (key left zeroed). */
int pfsd_keyfile_read(const char *path, uint8_t key[PFS_SEAL_KEY_LEN],
		      char *err, size_t errlen);

#endif
