/*
 * nlrx.h - many netlink datagrams per system call.
 *
 * The kernel sends every conntrack event as a datagram of its own, and a
 * recv(2) returns one datagram: reading a burst of events one recv each
 * costs a system call per event.  recvmmsg(2) fills a vector of slots in
 * one call.  A datagram larger than its slot is cut (MSG_TRUNC) and
 * reported so, never parsed.
 */
#ifndef PFSYNCD_NLRX_H
#define PFSYNCD_NLRX_H

#include <stdbool.h>
#include <stddef.h>

struct pfsd_nlrx;

/* vlen slots of slot bytes each; NULL on error (errno). */
struct pfsd_nlrx *pfsd_nlrx_new(unsigned vlen, size_t slot);
void pfsd_nlrx_free(struct pfsd_nlrx *r);

/* One recvmmsg on fd, never waiting: the number of datagrams read, or -1
 * with errno (EAGAIN: none waiting; ENOBUFS: the socket overran). */
int pfsd_nlrx_read(struct pfsd_nlrx *r, int fd);

/* Datagram i of the last read: its bytes and length; *cut when it did
 * not fit its slot (then only the slot's bytes are there). */
const void *pfsd_nlrx_get(const struct pfsd_nlrx *r, unsigned i, size_t *len,
			  bool *cut);

#endif
