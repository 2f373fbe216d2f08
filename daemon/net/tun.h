/*
 * tun.h - the pfsync0 interface: a TUN device that mirrors every pfsync
 * packet sent (the local, uncompressed form) as an IPv4 packet, or an
 * IPv6 one when it went over IPv6, so that tcpdump -i pfsync0 shows the
 * sync traffic as bpf does on BSD.
 *
 * Nothing written into it may reach forwarding or local delivery: the
 * device gets forwarding 0, accept_local 0, rp_filter 1, IPv6 disabled,
 * and (best effort, with nft) a netdev ingress table that drops all.
 */
#ifndef PFSYNCD_TUN_H
#define PFSYNCD_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFSD_TUN_IPHDR 20
#define PFSD_TUN_IP6HDR 40

struct pfsd_tun;

/* Create (or attach to) the device, non-blocking.  NULL with errno. */
struct pfsd_tun *pfsd_tun_open(const char *ifname, unsigned mtu, bool up);
/* Close the device (it disappears) and remove its nft table. */
void pfsd_tun_close(struct pfsd_tun *t);

int pfsd_tun_set_mtu(struct pfsd_tun *t, unsigned mtu);
int pfsd_tun_set_up(struct pfsd_tun *t, bool up);
bool pfsd_tun_is_up(const struct pfsd_tun *t);
unsigned pfsd_tun_mtu(const struct pfsd_tun *t);
const char *pfsd_tun_name(const struct pfsd_tun *t);

/*
 * Write one pfsync payload behind an IPv4 header (src, dst host order).
 * Never blocks: a full queue drops the copy (counted).  0 or -1.
 * In tap mode auto, nothing is built or written while no packet socket
 * listens on the device (as bpf on BSD taps only with a listener).
 */
int pfsd_tun_write(struct pfsd_tun *t, const uint8_t *payload, size_t len,
		   uint32_t src, uint32_t dst);
/* The same behind an IPv6 header (a packet sent over IPv6). */
int pfsd_tun_write6(struct pfsd_tun *t, const uint8_t *payload, size_t len,
		    const uint8_t src[16], const uint8_t dst[16]);
uint64_t pfsd_tun_drops(const struct pfsd_tun *t);

/*
 * Tap mode: always writes every copy; auto (the default) writes only
 * while pfsd_tun_poll_listeners() last found a listener.
 */
void pfsd_tun_set_tap_always(struct pfsd_tun *t, bool always);
bool pfsd_tun_tap_always(const struct pfsd_tun *t);
/* Whether the next copy would be written (up, and always or listened). */
bool pfsd_tun_tapping(const struct pfsd_tun *t);

/*
 * Count the packet sockets of this namespace that see the device: those
 * bound to its ifindex and those bound to none (tcpdump -i any), read
 * from /proc/net/packet.  Returns the count (also kept), or -1/errno.
 */
int pfsd_tun_poll_listeners(struct pfsd_tun *t);
unsigned pfsd_tun_listeners(const struct pfsd_tun *t);

/*
 * Whether one /proc/net/packet line is a listener of ifindex:
 *   sk RefCnt Type Proto Iface R Rmem User Inode
 * with Iface (5th column, decimal) ifindex or 0.  The header is not.
 */
bool pfsd_tun_packet_line_listens(const char *line, unsigned ifindex);

/*
 * Build the 20-byte IPv4 header the tap copy carries: version 4, ihl 5,
 * tos 0x10, tot_len, id, DF, ttl 255, protocol 240, header checksum.
 */
void pfsd_tun_ip_header(uint8_t hdr[PFSD_TUN_IPHDR], size_t payload_len,
			uint16_t id, uint32_t src, uint32_t dst);
/*
 * The 40-byte IPv6 header of a tap copy: version 6, traffic class 0x10,
 * flow label 0, payload length, next header 240, hop limit 255.
 */
void pfsd_tun_ip6_header(uint8_t hdr[PFSD_TUN_IP6HDR], size_t payload_len,
			 const uint8_t src[16], const uint8_t dst[16]);

#endif
