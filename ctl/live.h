/*
 * live.h - live capture of IP protocol 240 on one interface, shared by
 * `pfsyncctl decode -i` and `pfsyncctl capture`.
 *
 * An AF_PACKET SOCK_DGRAM socket: the kernel strips the link header, so
 * an Ethernet device and a TUN device (pfsync0) both give the bare IP
 * packet.  A classic BPF program keeps everything but IPv4 protocol 240
 * and IPv6 next header 240 in the kernel.  SIGINT and SIGTERM arrive on
 * a signalfd polled next to the socket, so Ctrl-C ends the loop without
 * a signal handler.
 */
#ifndef CTL_LIVE_H
#define CTL_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Receive buffer: the largest IPv4 packet. */
#define CTL_LIVE_BUF 65536u

/* One packet (from its IP header) and when it came (CLOCK_REALTIME).
 * Returns 0 to go on, 1 to stop, -1 on an error (errno set). */
typedef int (*ctl_live_fn)(void *arg, const uint8_t *pkt, size_t len,
			   const struct timespec *ts);

/*
 * Hand every protocol-240 packet seen on ifname to fn until it says
 * stop, or SIGINT/SIGTERM.  On loopback the outgoing copy of each packet
 * is dropped, as libpcap does.  Messages on err start with "who: ".
 * Returns 0, or -1 after a message.
 */
int ctl_live_run(const char *ifname, const char *who, ctl_live_fn fn, void *arg,
		 FILE *err);

#endif
