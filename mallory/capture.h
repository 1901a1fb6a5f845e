/* The libpcap edge: a live, promiscuous, non-blocking capture on one Ethernet
 * interface, read in batches from a poll() loop. Capturing only: nothing here
 * transmits. Failures come back as a negative MLAB_E_* code plus a sentence
 * for a person (what went wrong and what to do) in the caller's buffer. */
#ifndef CAPTURE_H
#define CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define CAPTURE_SNAPLEN 65535
#define CAPTURE_TIMEOUT_MS 100
#define CAPTURE_MSG_LEN 512

struct capture;

/* Called once per captured frame: caplen bytes at p, of wirelen on the wire. */
typedef void (*capture_cb)(void *arg, const uint8_t *p, size_t caplen, size_t wirelen);

/* Opens iface live (snaplen CAPTURE_SNAPLEN, promiscuous, immediate mode,
 * CAPTURE_TIMEOUT_MS), activates it and makes it non-blocking. Refuses a
 * link type other than Ethernet. On success a warning from pcap_activate, if
 * any, is left in msg (else msg is ""). On failure returns MLAB_E_IO (or
 * MLAB_E_NOMEM) and msg says why. */
int capture_open(const char *iface, struct capture **out, char msg[CAPTURE_MSG_LEN]);
/* A descriptor to poll() for POLLIN, or -1 when the platform has none (then
 * call capture_dispatch every CAPTURE_TIMEOUT_MS). */
int capture_fd(const struct capture *c);
/* Reads what is ready, at most max frames (max <= 0: all of one buffer), and
 * calls cb for each. Returns the number of frames, or MLAB_E_IO with msg set. */
int capture_dispatch(struct capture *c, int max, capture_cb cb, void *arg, char msg[CAPTURE_MSG_LEN]);
/* Frames the kernel dropped because mallory read too slowly (0 if unknown). */
unsigned capture_dropped(struct capture *c);
void capture_close(struct capture *c);

/* The interface's own MAC address (SIOCGIFHWADDR, else /sys/class/net/IF/address).
 * Returns 0 or MLAB_E_IO. */
int capture_iface_mac(const char *iface, uint8_t mac[6]);

/* A BPF filter (pcap syntax) on the capture. */
int capture_filter(struct capture *c, const char *expr, char msg[CAPTURE_MSG_LEN]);
/* Sends one whole Ethernet frame on the interface. */
int capture_inject(struct capture *c, const uint8_t *frame, size_t len);
/* The interface's IPv4 address (network byte order). */
int capture_iface_ip4(const char *iface, uint32_t *ip);

#endif
