/* Internet checksums (RFC 1071) for frames mallory re-emits.
 *
 * On veth, frames captured before they leave the sender carry unfinished
 * TCP/UDP checksums (checksum offload: the kernel leaves it to "hardware"
 * that does not exist on this path). A relay that re-emits them unchanged
 * gets them dropped by the receiver — ettercap fails exactly so. mallory
 * therefore recomputes the IPv4, TCP and UDP checksums of every frame she
 * emits. */
#ifndef NETSUM_H
#define NETSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of n bytes added to sum (not folded). */
uint32_t netsum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t netsum_fold(uint32_t sum);
/* Recomputes, in place, the IPv4 header checksum and the TCP or UDP
 * checksum of the IPv4 packet at ip (ip_len bytes, as captured). Returns 0,
 * or -1 when it is not a whole, well-formed IPv4 packet (left untouched). */
int netsum_fix_ip4(uint8_t *ip, size_t ip_len);

#endif
