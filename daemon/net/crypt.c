/*
 * crypt.c - key file and sealer glue (see crypt.h).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "net/crypt.h"
#include "net/keyfile.h"
#include "os/log.h"
#include "loop.h"
#include "os/privdrop.h"

#define CR_MAX 65536 /* one IPv4 datagram */

struct pfsd_crypt {
	struct pfs_seal *seal;
	uint8_t out[CR_MAX + PFS_SEAL_OVERHEAD];
	uint8_t in[CR_MAX];
};

/*
 * The key is read twice by two users: as root at start (under the shipped
 * unit without CAP_DAC_OVERRIDE, so only as the file's owner) and as the
 * daemon's user on reload.  A file both can read: root:pfsyncd 0640.
 */
static void cr_hint(const struct pfsd_conf *c, gid_t gid, char *err,
		    size_t errlen)
{
	size_t n = strlen(err);

	if (n + 1 < errlen)
		snprintf(err + n, errlen - n,
			 " (read as root at start, as %s on reload: "
			 "chown root:%u %s; chmod 640 %s)",
			 pfsd_privdrop_user(c), (unsigned)gid, c->key, c->key);
}

/* Read the key file's key, as root or the daemon's user owns it. */
static int cr_read(const struct pfsd_conf *c, uint8_t key[PFS_SEAL_KEY_LEN],
		   char *err, size_t errlen)
{
	struct pfsd_keyowner o;

	if (pfsd_privdrop_ids(c, &o.uid, &o.gid) == -1) {
		o.uid = geteuid(); /* no such user: privdrop says so */
		o.gid = getegid();
	}
	if (pfsd_keyfile_read(c->key, &o, key, err, errlen) == -1) {
		if (errno == EACCES)
			cr_hint(c, o.gid, err, errlen);
		return -1;
	}
	return 0;
}

int pfsd_crypt_check(const struct pfsd_conf *c, char *err, size_t errlen)
{
	uint8_t key[PFS_SEAL_KEY_LEN];
	int rc = cr_read(c, key, err, errlen);

	sodium_memzero(key, sizeof(key));
	return rc;
}

/* Read and install the key file's key. */
static int cr_load(struct pfsd_crypt *cr, const struct pfsd_conf *c, char *err,
		   size_t errlen)
{
	uint8_t key[PFS_SEAL_KEY_LEN];
	int changed;

	if (cr_read(c, key, err, errlen) == -1)
		return -1;
	changed = pfs_seal_set_key(cr->seal, key, pfsd_now_ms(),
				   (uint64_t)c->key_grace * 1000);
	if (changed && pfs_seal_nkeys(cr->seal) > 1)
		log_info("key %s: new key %08x accepted, sent with in %u s "
			 "or once a peer uses it",
			 c->key, pfs_seal_keyid(key), c->key_grace);
	else if (changed)
		log_info("key %s: key %08x", c->key, pfs_seal_keyid(key));
	sodium_memzero(key, sizeof(key));
	return 0;
}

struct pfsd_crypt *pfsd_crypt_new(const struct pfsd_conf *c, uint32_t hostid,
				  char *err, size_t errlen)
{
	uint8_t salt[PFS_SEAL_SALT_LEN];
	struct pfsd_crypt *cr;
	uint64_t ctr0;

	if (getrandom(salt, sizeof(salt), 0) != (ssize_t)sizeof(salt)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return NULL;
	}
	/* counters go up across restarts: wall seconds in the top half */
	ctr0 = (uint64_t)time(NULL) << 32;
	cr = calloc(1, sizeof(*cr));
	if (cr == NULL ||
	    (cr->seal = pfs_seal_new(c->cluster, hostid, ctr0, salt)) == NULL) {
		snprintf(err, errlen, "sealer: %s", strerror(errno));
		free(cr);
		return NULL;
	}
	if (cr_load(cr, c, err, errlen) == -1) {
		pfsd_crypt_free(cr);
		return NULL;
	}
	return cr;
}

void pfsd_crypt_free(struct pfsd_crypt *cr)
{
	if (cr == NULL)
		return;
	pfs_seal_free(cr->seal);
	sodium_memzero(cr, sizeof(*cr));
	free(cr);
}

int pfsd_crypt_apply(struct pfsd_crypt *cr, const struct pfsd_conf *c,
		     uint32_t hostid, char *err, size_t errlen)
{
	if (cr_load(cr, c, err, errlen) == -1)
		return -1;
	(void)pfs_seal_set_cluster(cr->seal, c->cluster); /* checked: conf */
	pfs_seal_set_sender(cr->seal, hostid);
	return 0;
}

const uint8_t *pfsd_crypt_seal(struct pfsd_crypt *cr, const uint8_t *p,
			       size_t len, size_t *outlen)
{
	*outlen = pfs_seal_out(cr->seal, p, len, cr->out, sizeof(cr->out),
			       pfsd_now_ms());
	return *outlen != 0 ? cr->out : NULL;
}

const uint8_t *pfsd_crypt_open(struct pfsd_crypt *cr, const uint8_t *p,
			       size_t len, size_t *outlen)
{
	if (pfs_seal_in(cr->seal, p, len, cr->in, sizeof(cr->in), outlen,
			pfsd_now_ms()) != PFS_SEAL_RX_OK)
		return NULL;
	return cr->in;
}

const struct pfs_seal *pfsd_crypt_sealer(struct pfsd_crypt *cr)
{
	pfs_seal_tick(cr->seal, pfsd_now_ms());
	return cr->seal;
}
