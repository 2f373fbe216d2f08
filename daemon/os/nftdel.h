/*
 * nftdel.h - delete one nftables table over netlink, without running
 * nft(8): what the daemon needs at exit, when it no longer may start
 * programs (seccomp) and holds only CAP_NET_ADMIN.
 */
#ifndef PFSYNCD_NFTDEL_H
#define PFSYNCD_NFTDEL_H

#include <linux/netfilter.h> /* NFPROTO_* */
#include <stdint.h>

/* family: NFPROTO_NETDEV, ...; 0, or -1 with errno (ENOENT: no such
 * table). */
int pfsd_nft_delete_table(uint8_t family, const char *name);

#endif
