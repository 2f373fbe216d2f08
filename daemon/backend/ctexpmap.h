/*
 * ctexpmap.h - pure mapping between conntrack expectation messages of
 * ctnetlink (IPCTNL_MSG_EXP_*) and struct pfs_xexp (wire_xexp.h).  No
 * sockets, no logging: it parses and builds netlink messages in
 * caller-owned buffers with libmnl.
 *
 * What an expectation is made of (CTA_EXPECT_*): its master's original
 * tuple, the expected tuple and the mask (source address and port: the
 * kernel masks only the source), timeout, flags, class, zone, the
 * helper's name, and for a NATed master the NAT of the expected
 * connection (direction and the address and port it is sent to) and the
 * expect function that applies it ("nat-follow-master").  The kernel's
 * id is not carried: it names the expectation in one kernel only.
 */
#ifndef PFSYNCD_CTEXPMAP_H
#define PFSYNCD_CTEXPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/wire_xexp.h"

#define PFSD_CTEXPMAP_MSG_MAX 512

/*
 * Parse one netlink message (buf, len: at least its header) of an
 * expectation (event or dump).  Returns PFS_XEXP_NEW or PFS_XEXP_DESTROY
 * with x filled, *portid the message's port id (who caused it), or -1
 * with errno EINVAL when it is not an expectation message or lacks its
 * master, tuple or mask.
 */
int pfsd_ctexpmap_parse(const void *buf, size_t len, struct pfs_xexp *x,
			uint32_t *portid);

/* An EXP_NEW that creates x (NLM_F_CREATE|EXCL, with an ACK asked): its
 * length, 0 when buf (of len bytes) is too small or x unusable. */
size_t pfsd_ctexpmap_build_new(void *buf, size_t len, const struct pfs_xexp *x,
			       uint32_t seq);
/* An EXP_DELETE of x's expected tuple (in its zone), ACK asked. */
size_t pfsd_ctexpmap_build_delete(void *buf, size_t len,
				  const struct pfs_xexp *x, uint32_t seq);

#endif
