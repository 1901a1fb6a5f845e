/* Dissector for one captured Ethernet frame (pcap link type DLT_EN10MB): a
 * summary of the Ethernet, ARP (RFC 826), IPv4 (RFC 791), TCP (RFC 9293),
 * UDP (RFC 768) and ICMP (RFC 792) headers, and a tcpdump-like line.
 *
 * Pure code: no I/O, no allocation. Every byte is read through struct mlab_rd,
 * so a truncated or malformed frame yields proto DISSECT_MALFORMED with a
 * reason, never a read past the captured bytes. Pointers in the summary
 * (the TCP/UDP payload) point into the frame given to dissect_frame. */
#ifndef DISSECT_H
#define DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISSECT_MAC_LEN 6
#define DISSECT_IP4_LEN 4

#define DISSECT_ETH_ARP 0x0806
#define DISSECT_ETH_IPV4 0x0800
#define DISSECT_ETH_IPV6 0x86dd

#define DISSECT_ARP_REQUEST 1
#define DISSECT_ARP_REPLY 2

#define DISSECT_IPPROTO_ICMP 1
#define DISSECT_IPPROTO_TCP 6
#define DISSECT_IPPROTO_UDP 17

/* TCP flags, as in the header's low byte. */
#define DISSECT_TCP_FIN 0x01
#define DISSECT_TCP_SYN 0x02
#define DISSECT_TCP_RST 0x04
#define DISSECT_TCP_PSH 0x08
#define DISSECT_TCP_ACK 0x10
#define DISSECT_TCP_URG 0x20
#define DISSECT_TCP_ECE 0x40
#define DISSECT_TCP_CWR 0x80

/* What a frame is; names (dissect_proto_name) are the "proto" of the frame event. */
enum dissect_proto {
	DISSECT_MALFORMED = 0, /* "malformed": truncated or inconsistent headers */
	DISSECT_ARP,	       /* "arp" */
	DISSECT_IPV4_TCP,      /* "ipv4-tcp" */
	DISSECT_IPV4_UDP,      /* "ipv4-udp" */
	DISSECT_IPV4_ICMP,     /* "ipv4-icmp" */
	DISSECT_IPV6,	       /* "ipv6": only noted, not decoded further */
	DISSECT_OTHER,	       /* "other": other ethertypes, other IPv4 protocols, later fragments */
};

struct dissect_arp {
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;
	bool eth_ip4; /* htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4: the fields below are set */
	uint8_t sha[DISSECT_MAC_LEN], spa[DISSECT_IP4_LEN];
	uint8_t tha[DISSECT_MAC_LEN], tpa[DISSECT_IP4_LEN];
};

struct dissect_ip4 {
	uint8_t src[DISSECT_IP4_LEN], dst[DISSECT_IP4_LEN];
	uint8_t proto, ttl;
	uint16_t hdr_len;   /* bytes, 20..60 */
	uint16_t total_len; /* header + payload, checked against the captured bytes */
	uint16_t id;
	uint16_t frag_off; /* bytes */
	bool df, mf;
	bool fragment; /* mf or frag_off != 0: not a whole datagram */
};

struct dissect_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint16_t hdr_len; /* data offset in bytes, 20..60 */
	const uint8_t *payload;
	size_t payload_len;
};

struct dissect_udp {
	uint16_t sport, dport;
	uint16_t len; /* header + payload, from the header */
	const uint8_t *payload;
	size_t payload_len;
};

struct dissect_icmp {
	uint8_t type, code;
	bool echo; /* echo request or reply: id and seq are set */
	uint16_t id, seq;
};

struct dissect_ip6 {
	uint8_t src[16], dst[16];
	uint8_t next_header, hop_limit;
	uint16_t payload_len;
};

struct dissect_frame {
	enum dissect_proto proto;
	size_t caplen;
	bool have_eth; /* the 14-byte Ethernet header was complete */
	uint8_t dst_mac[DISSECT_MAC_LEN], src_mac[DISSECT_MAC_LEN];
	uint16_t ethertype;
	bool vlan; /* one 802.1Q tag was skipped */
	uint16_t vlan_id;
	const char *malformed; /* why, when proto is DISSECT_MALFORMED (a static string) */
	bool have_ip4;	       /* ip4 is valid (also for ICMP/UDP/TCP/other IPv4) */
	struct dissect_arp arp;
	struct dissect_ip4 ip4;
	struct dissect_tcp tcp;
	struct dissect_udp udp;
	struct dissect_icmp icmp;
	struct dissect_ip6 ip6;
};

/* Dissects one frame of caplen captured bytes into f (always fully set).
 * Returns 0, or MLAB_E_TRUNCATED / MLAB_E_BAD_FIELD when f->proto is
 * DISSECT_MALFORMED (f->malformed says why). */
int dissect_frame(const uint8_t *p, size_t caplen, struct dissect_frame *f);

/* "arp", "ipv4-tcp", ... (see enum dissect_proto). */
const char *dissect_proto_name(enum dissect_proto proto);

/* The one-line text, tcpdump-like:
 *   10.0.0.10:51234 > 10.0.0.20:4433 TCP [S] seq 123 len 0
 *   ARP who-has 10.0.0.20 tell 10.0.0.10
 *   ARP reply 10.0.0.20 is-at 02:00:00:00:00:0b
 * Always NUL-terminated (truncated to fit out). Returns out. */
char *dissect_summary(const struct dissect_frame *f, char *out, size_t out_len);

/* "02:00:00:00:00:0a" (out holds DISSECT_MAC_STR bytes). */
#define DISSECT_MAC_STR 18
char *dissect_mac_str(const uint8_t mac[DISSECT_MAC_LEN], char out[DISSECT_MAC_STR]);
/* "10.0.0.10" (out holds DISSECT_IP4_STR bytes). */
#define DISSECT_IP4_STR 16
char *dissect_ip4_str(const uint8_t ip[DISSECT_IP4_LEN], char out[DISSECT_IP4_STR]);
/* tcpdump's flag letters: "S", "S.", "P.", "F.", "R", "none". out holds 9 bytes. */
#define DISSECT_FLAGS_STR 9
char *dissect_tcp_flags_str(uint8_t flags, char out[DISSECT_FLAGS_STR]);

#endif
