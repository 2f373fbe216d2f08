/*
 * state.c - helpers on the host-order firewall state.
 */
#include <string.h>

#include "pfsync/state.h"

/*
 * The key is zeroed first so that its padding byte (after direction) is
 * defined: callers may then hash or compare whole keys if they wish, although
 * the table itself compares field by field.
 */
void pfs_state_flowkey(const struct pfs_state *st, struct pfs_flowkey *k)
{
	memset(k, 0, sizeof(*k));
	k->af = st->af;
	k->proto = st->proto;
	k->direction = st->direction;
	k->lan = st->lan;
	k->ext = st->ext;
}
