/*
 * crypt.h - the daemon's side of sealed packets (pfsync/seal.h): reads
 * the key file at start and at each reload, seals what the engine sends
 * and opens what arrives, into buffers of its own.
 */
#ifndef PFSYNCD_CRYPT_H
#define PFSYNCD_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/seal.h"

#include "config.h"

struct pfsd_crypt;

/* From c->key, c->cluster and c->key_grace; NULL with a message in err. */
struct pfsd_crypt *pfsd_crypt_new(const struct pfsd_conf *c, uint32_t hostid,
				  char *err, size_t errlen);
void pfsd_crypt_free(struct pfsd_crypt *cr);

/* Whether c's key file can be read and holds a key, as a reload would
 * read it now (0, or -1 with a message in err); the key is not kept. */
int pfsd_crypt_check(const struct pfsd_conf *c, char *err, size_t errlen);
/* A reload: read the key file again (a new key rotates in, seal.h), take
 * the cluster name and hostid.  -1 with err: nothing changed. */
int pfsd_crypt_apply(struct pfsd_crypt *cr, const struct pfsd_conf *c,
		     uint32_t hostid, char *err, size_t errlen);

/* The sealed packet (valid until the next call), NULL if it does not
 * fit or there is no key. */
const uint8_t *pfsd_crypt_seal(struct pfsd_crypt *cr, const uint8_t *p,
			       size_t len, size_t *outlen);
/* The opened payload (valid until the next call), NULL when the packet
 * is dropped (counted by reason). */
const uint8_t *pfsd_crypt_open(struct pfsd_crypt *cr, const uint8_t *p,
			       size_t len, size_t *outlen);
/* The sealer, its ring moved on to now (for status and stats). */
const struct pfs_seal *pfsd_crypt_sealer(struct pfsd_crypt *cr);

#endif
