/*
 * nftq.h - pfsyncd's own nftables table for defer, written over netlink
 * (libmnl), without nft(8) or iptables(8):
 *
 *   table inet pfsyncd_defer {      # flags owner
 *     chain defer {
 *       type filter hook postrouting priority 300; policy accept;
 *       ct status & (snat|dnat) == 0 ct state new
 *           xt target NFQUEUE num N bypass
 *       ct status & (snat|dnat) == 0 meta l4proto tcp ct direction reply
 *           tcp flags & (fin|syn|rst|ack) == syn|ack
 *           xt target NFQUEUE num N+1 bypass
 *     }
 *   }
 *
 * This kernel has no nftables `queue` expression (NFT_QUEUE not built),
 * so the verdict is the xtables NFQUEUE target (revision 3, with
 * NFQ_FLAG_BYPASS) through nft's compat expression, as iptables-nft
 * writes it.  Postrouting at 300 comes after NAT (the entry queued
 * holds both translations) and before conntrack confirms the entry.
 * Connections with NAT are not queued: the kernel here cannot hand the
 * entry with the packet (no NETFILTER_NETLINK_GLUE_CT), and after NAT
 * the headers are not the entry's original tuple (defer.c).
 * The table is owned by our netlink socket (NFT_TABLE_F_OWNER): the
 * kernel removes it when the daemon exits or dies, and nobody else can
 * change it.  With bypass, packets pass when no program listens.
 */
#ifndef PFSYNCD_NFTQ_H
#define PFSYNCD_NFTQ_H

#include <stdbool.h>
#include <stdint.h>

#define PFSD_NFTQ_TABLE "pfsyncd_defer"

struct pfsd_nftq;

/* The socket the table will be owned by; NULL on error (errno). */
struct pfsd_nftq *pfsd_nftq_open(void);
/* Deletes the table if installed, closes the socket. */
void pfsd_nftq_free(struct pfsd_nftq *t);

/* Install the table for queues num (new) and num + 1 (first replies),
 * replacing ours; -1 (errno). */
int pfsd_nftq_install(struct pfsd_nftq *t, uint16_t num);
/* Remove it; -1 (errno) when it was there and could not be removed. */
int pfsd_nftq_remove(struct pfsd_nftq *t);
bool pfsd_nftq_installed(const struct pfsd_nftq *t);

#endif
