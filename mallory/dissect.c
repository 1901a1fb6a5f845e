/* One captured Ethernet frame into a summary (see dissect.h). Captured bytes
 * are hostile: every header field is read through struct mlab_rd, every
 * length field is checked against what was really captured before it is used
 * to size anything, and the first inconsistency ends in DISSECT_MALFORMED. */
#include "dissect.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mlab_buf.h"
#include "mlab_err.h"

#define ETH_VLAN 0x8100
#define ETH_MIN_TYPE 0x0600 /* below: an IEEE 802.3 length field, not a type */
#define IP4_MIN_HDR 20
#define TCP_MIN_HDR 20
#define UDP_HDR 8
#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO 8

static int malformed(struct dissect_frame *f, int err, const char *why)
{
	f->proto = DISSECT_MALFORMED;
	f->malformed = why;
	return err;
}

static int dissect_arp(struct mlab_rd *r, struct dissect_frame *f)
{
	struct dissect_arp *a = &f->arp;
	const uint8_t *skip;

	if (mlab_rd_u16(r, &a->htype) || mlab_rd_u16(r, &a->ptype) || mlab_rd_u8(r, &a->hlen) ||
	    mlab_rd_u8(r, &a->plen) || mlab_rd_u16(r, &a->op))
		return malformed(f, MLAB_E_TRUNCATED, "ARP header truncated");
	if (a->htype == 1 && a->ptype == DISSECT_ETH_IPV4 && a->hlen == DISSECT_MAC_LEN && a->plen == DISSECT_IP4_LEN) {
		if (mlab_rd_bytes(r, a->sha, DISSECT_MAC_LEN) || mlab_rd_bytes(r, a->spa, DISSECT_IP4_LEN) ||
		    mlab_rd_bytes(r, a->tha, DISSECT_MAC_LEN) || mlab_rd_bytes(r, a->tpa, DISSECT_IP4_LEN))
			return malformed(f, MLAB_E_TRUNCATED, "ARP addresses truncated");
		a->eth_ip4 = true;
	} else if (mlab_rd_view(r, &skip, 2 * (size_t)a->hlen + 2 * (size_t)a->plen)) {
		return malformed(f, MLAB_E_TRUNCATED, "ARP addresses truncated");
	}
	f->proto = DISSECT_ARP;
	return 0;
}

static int dissect_tcp(struct mlab_rd *r, struct dissect_frame *f)
{
	struct dissect_tcp *t = &f->tcp;
	uint8_t off;
	uint16_t csum, urg;
	const uint8_t *opts;

	if (mlab_rd_u16(r, &t->sport) || mlab_rd_u16(r, &t->dport) || mlab_rd_u32(r, &t->seq) ||
	    mlab_rd_u32(r, &t->ack) || mlab_rd_u8(r, &off) || mlab_rd_u8(r, &t->flags) || mlab_rd_u16(r, &t->window) ||
	    mlab_rd_u16(r, &csum) || mlab_rd_u16(r, &urg))
		return malformed(f, MLAB_E_TRUNCATED, "TCP header truncated");
	t->hdr_len = (uint16_t)((off >> 4) * 4);
	if (t->hdr_len < TCP_MIN_HDR)
		return malformed(f, MLAB_E_BAD_FIELD, "TCP data offset below 20 bytes");
	if (mlab_rd_view(r, &opts, t->hdr_len - TCP_MIN_HDR))
		return malformed(f, MLAB_E_TRUNCATED, "TCP data offset beyond the packet");
	t->payload_len = mlab_rd_left(r);
	if (mlab_rd_view(r, &t->payload, t->payload_len))
		return malformed(f, MLAB_E_TRUNCATED, "TCP payload truncated");
	f->proto = DISSECT_IPV4_TCP;
	return 0;
}

static int dissect_udp(struct mlab_rd *r, struct dissect_frame *f)
{
	struct dissect_udp *u = &f->udp;
	uint16_t csum;

	if (mlab_rd_u16(r, &u->sport) || mlab_rd_u16(r, &u->dport) || mlab_rd_u16(r, &u->len) || mlab_rd_u16(r, &csum))
		return malformed(f, MLAB_E_TRUNCATED, "UDP header truncated");
	if (u->len < UDP_HDR)
		return malformed(f, MLAB_E_BAD_FIELD, "UDP length below its 8-byte header");
	u->payload_len = (size_t)u->len - UDP_HDR;
	if (u->payload_len > mlab_rd_left(r)) {
		/* A first fragment carries the length of the whole datagram. */
		if (!f->ip4.fragment)
			return malformed(f, MLAB_E_TRUNCATED, "UDP length exceeds the IPv4 payload");
		u->payload_len = mlab_rd_left(r);
	}
	if (mlab_rd_view(r, &u->payload, u->payload_len))
		return malformed(f, MLAB_E_TRUNCATED, "UDP payload truncated");
	f->proto = DISSECT_IPV4_UDP;
	return 0;
}

static int dissect_icmp(struct mlab_rd *r, struct dissect_frame *f)
{
	struct dissect_icmp *c = &f->icmp;
	uint16_t csum;

	if (mlab_rd_u8(r, &c->type) || mlab_rd_u8(r, &c->code) || mlab_rd_u16(r, &csum))
		return malformed(f, MLAB_E_TRUNCATED, "ICMP header truncated");
	if (c->type == ICMP_ECHO || c->type == ICMP_ECHO_REPLY) {
		if (mlab_rd_u16(r, &c->id) || mlab_rd_u16(r, &c->seq))
			return malformed(f, MLAB_E_TRUNCATED, "ICMP echo header truncated");
		c->echo = true;
	}
	f->proto = DISSECT_IPV4_ICMP;
	return 0;
}

static int dissect_ip4(struct mlab_rd *r, struct dissect_frame *f)
{
	struct dissect_ip4 *ip = &f->ip4;
	struct mlab_rd pl;
	size_t avail = mlab_rd_left(r);
	uint8_t vihl, tos;
	uint16_t frag, csum;
	const uint8_t *opts, *payload;

	if (mlab_rd_u8(r, &vihl))
		return malformed(f, MLAB_E_TRUNCATED, "IPv4 header truncated");
	if (vihl >> 4 != 4)
		return malformed(f, MLAB_E_BAD_FIELD, "IPv4 version field is not 4");
	ip->hdr_len = (uint16_t)((vihl & 0x0f) * 4);
	if (ip->hdr_len < IP4_MIN_HDR)
		return malformed(f, MLAB_E_BAD_FIELD, "IPv4 header length below 20 bytes");
	if (mlab_rd_u8(r, &tos) || mlab_rd_u16(r, &ip->total_len) || mlab_rd_u16(r, &ip->id) || mlab_rd_u16(r, &frag) ||
	    mlab_rd_u8(r, &ip->ttl) || mlab_rd_u8(r, &ip->proto) || mlab_rd_u16(r, &csum) ||
	    mlab_rd_bytes(r, ip->src, DISSECT_IP4_LEN) || mlab_rd_bytes(r, ip->dst, DISSECT_IP4_LEN))
		return malformed(f, MLAB_E_TRUNCATED, "IPv4 header truncated");
	if (mlab_rd_view(r, &opts, ip->hdr_len - IP4_MIN_HDR))
		return malformed(f, MLAB_E_TRUNCATED, "IPv4 header length beyond the captured bytes");
	if (ip->total_len < ip->hdr_len)
		return malformed(f, MLAB_E_BAD_FIELD, "IPv4 total length smaller than its header");
	if (ip->total_len > avail)
		return malformed(f, MLAB_E_TRUNCATED, "IPv4 total length exceeds the captured bytes");
	ip->df = (frag & 0x4000) != 0;
	ip->mf = (frag & 0x2000) != 0;
	ip->frag_off = (uint16_t)((frag & 0x1fff) * 8);
	ip->fragment = ip->mf || ip->frag_off != 0;
	f->have_ip4 = true;

	/* Only total_len bytes are the datagram: Ethernet pads short frames. */
	if (mlab_rd_view(r, &payload, (size_t)ip->total_len - ip->hdr_len))
		return malformed(f, MLAB_E_TRUNCATED, "IPv4 payload truncated");
	mlab_rd_init(&pl, payload, (size_t)ip->total_len - ip->hdr_len);
	f->proto = DISSECT_OTHER;
	if (ip->frag_off != 0)
		return 0; /* a later fragment: no transport header in it */
	switch (ip->proto) {
	case DISSECT_IPPROTO_TCP:
		return dissect_tcp(&pl, f);
	case DISSECT_IPPROTO_UDP:
		return dissect_udp(&pl, f);
	case DISSECT_IPPROTO_ICMP:
		return dissect_icmp(&pl, f);
	default:
		return 0;
	}
}

static int dissect_ip6(struct mlab_rd *r, struct dissect_frame *f)
{
	struct dissect_ip6 *ip = &f->ip6;
	uint32_t vtcfl;

	if (mlab_rd_u32(r, &vtcfl) || mlab_rd_u16(r, &ip->payload_len) || mlab_rd_u8(r, &ip->next_header) ||
	    mlab_rd_u8(r, &ip->hop_limit) || mlab_rd_bytes(r, ip->src, sizeof ip->src) ||
	    mlab_rd_bytes(r, ip->dst, sizeof ip->dst))
		return malformed(f, MLAB_E_TRUNCATED, "IPv6 header truncated");
	if (vtcfl >> 28 != 6)
		return malformed(f, MLAB_E_BAD_FIELD, "IPv6 version field is not 6");
	if (ip->payload_len > mlab_rd_left(r))
		return malformed(f, MLAB_E_TRUNCATED, "IPv6 payload length exceeds the captured bytes");
	f->proto = DISSECT_IPV6;
	return 0;
}

int dissect_frame(const uint8_t *p, size_t caplen, struct dissect_frame *f)
{
	struct mlab_rd r;

	memset(f, 0, sizeof *f);
	f->caplen = caplen;
	mlab_rd_init(&r, p, caplen);
	if (mlab_rd_bytes(&r, f->dst_mac, DISSECT_MAC_LEN) || mlab_rd_bytes(&r, f->src_mac, DISSECT_MAC_LEN) ||
	    mlab_rd_u16(&r, &f->ethertype))
		return malformed(f, MLAB_E_TRUNCATED, "Ethernet header truncated");
	f->have_eth = true;
	if (f->ethertype == ETH_VLAN) {
		uint16_t tci;
		if (mlab_rd_u16(&r, &tci) || mlab_rd_u16(&r, &f->ethertype))
			return malformed(f, MLAB_E_TRUNCATED, "802.1Q tag truncated");
		f->vlan = true;
		f->vlan_id = tci & 0x0fff;
	}
	switch (f->ethertype) {
	case DISSECT_ETH_ARP:
		return dissect_arp(&r, f);
	case DISSECT_ETH_IPV4:
		return dissect_ip4(&r, f);
	case DISSECT_ETH_IPV6:
		return dissect_ip6(&r, f);
	default:
		f->proto = DISSECT_OTHER;
		return 0;
	}
}

const char *dissect_proto_name(enum dissect_proto proto)
{
	switch (proto) {
	case DISSECT_ARP:
		return "arp";
	case DISSECT_IPV4_TCP:
		return "ipv4-tcp";
	case DISSECT_IPV4_UDP:
		return "ipv4-udp";
	case DISSECT_IPV4_ICMP:
		return "ipv4-icmp";
	case DISSECT_IPV6:
		return "ipv6";
	case DISSECT_OTHER:
		return "other";
	case DISSECT_MALFORMED:
		break;
	}
	return "malformed";
}

char *dissect_mac_str(const uint8_t mac[DISSECT_MAC_LEN], char out[DISSECT_MAC_STR])
{
	snprintf(out, DISSECT_MAC_STR, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return out;
}

char *dissect_ip4_str(const uint8_t ip[DISSECT_IP4_LEN], char out[DISSECT_IP4_STR])
{
	snprintf(out, DISSECT_IP4_STR, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	return out;
}

char *dissect_tcp_flags_str(uint8_t flags, char out[DISSECT_FLAGS_STR])
{
	/* tcpdump's letters, in tcpdump's order; '.' is ACK. */
	static const struct {
		uint8_t bit;
		char c;
	} letters[] = {
	    {DISSECT_TCP_FIN, 'F'}, {DISSECT_TCP_SYN, 'S'}, {DISSECT_TCP_RST, 'R'}, {DISSECT_TCP_PSH, 'P'},
	    {DISSECT_TCP_ACK, '.'}, {DISSECT_TCP_URG, 'U'}, {DISSECT_TCP_ECE, 'E'}, {DISSECT_TCP_CWR, 'W'},
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
		if (flags & letters[i].bit)
			out[n++] = letters[i].c;
	if (n == 0)
		memcpy(out, "none", 5);
	else
		out[n] = '\0';
	return out;
}

/* Appends to a fixed buffer; output past the end is cut, never overflows. */
struct text {
	char *p;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len + 1 >= t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->len += (size_t)n;
	if (t->len >= t->cap)
		t->len = t->cap - 1;
}

static void put_arp(struct text *t, const struct dissect_arp *a)
{
	char s[DISSECT_IP4_STR], d[DISSECT_IP4_STR], mac[DISSECT_MAC_STR];

	if (!a->eth_ip4) {
		put(t, "ARP htype %u ptype 0x%04x op %u (not Ethernet/IPv4)", a->htype, a->ptype, a->op);
		return;
	}
	dissect_ip4_str(a->spa, s);
	dissect_ip4_str(a->tpa, d);
	switch (a->op) {
	case DISSECT_ARP_REQUEST:
		put(t, "ARP who-has %s tell %s", d, s);
		if (memcmp(a->spa, a->tpa, DISSECT_IP4_LEN) == 0)
			put(t, " (gratuitous)");
		break;
	case DISSECT_ARP_REPLY:
		put(t, "ARP reply %s is-at %s", s, dissect_mac_str(a->sha, mac));
		break;
	default:
		put(t, "ARP op %u %s > %s", a->op, s, d);
		break;
	}
}

static void put_ip4(struct text *t, const struct dissect_frame *f)
{
	const struct dissect_ip4 *ip = &f->ip4;
	char s[DISSECT_IP4_STR], d[DISSECT_IP4_STR], fl[DISSECT_FLAGS_STR];

	dissect_ip4_str(ip->src, s);
	dissect_ip4_str(ip->dst, d);
	switch (f->proto) {
	case DISSECT_IPV4_TCP:
		put(t, "%s:%u > %s:%u TCP [%s] seq %u", s, f->tcp.sport, d, f->tcp.dport,
		    dissect_tcp_flags_str(f->tcp.flags, fl), f->tcp.seq);
		if (f->tcp.flags & DISSECT_TCP_ACK)
			put(t, " ack %u", f->tcp.ack);
		put(t, " len %zu", f->tcp.payload_len);
		break;
	case DISSECT_IPV4_UDP:
		put(t, "%s:%u > %s:%u UDP len %zu", s, f->udp.sport, d, f->udp.dport, f->udp.payload_len);
		break;
	case DISSECT_IPV4_ICMP:
		put(t, "%s > %s ICMP ", s, d);
		if (f->icmp.echo)
			put(t, "echo %s id %u seq %u", f->icmp.type == ICMP_ECHO ? "request" : "reply", f->icmp.id,
			    f->icmp.seq);
		else if (f->icmp.type == ICMP_UNREACH)
			put(t, "unreachable code %u", f->icmp.code);
		else
			put(t, "type %u code %u", f->icmp.type, f->icmp.code);
		break;
	default:
		if (ip->frag_off != 0)
			put(t, "%s > %s IPv4 fragment id %u offset %u proto %u len %u", s, d, ip->id, ip->frag_off,
			    ip->proto, ip->total_len - ip->hdr_len);
		else
			put(t, "%s > %s IPv4 proto %u len %u", s, d, ip->proto, ip->total_len - ip->hdr_len);
		return;
	}
	if (ip->fragment)
		put(t, " (first fragment, id %u)", ip->id);
}

char *dissect_summary(const struct dissect_frame *f, char *out, size_t out_len)
{
	struct text t = {.p = out, .cap = out_len, .len = 0};
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (out_len == 0)
		return out;
	out[0] = '\0';
	if (f->vlan && f->proto != DISSECT_MALFORMED)
		put(&t, "vlan %u: ", f->vlan_id);
	switch (f->proto) {
	case DISSECT_MALFORMED:
		put(&t, "malformed: %s (%zu bytes", f->malformed ? f->malformed : "?", f->caplen);
		if (f->have_eth)
			put(&t, ", %s > %s", dissect_mac_str(f->src_mac, a), dissect_mac_str(f->dst_mac, b));
		put(&t, ")");
		break;
	case DISSECT_ARP:
		put_arp(&t, &f->arp);
		break;
	case DISSECT_IPV4_TCP:
	case DISSECT_IPV4_UDP:
	case DISSECT_IPV4_ICMP:
		put_ip4(&t, f);
		break;
	case DISSECT_IPV6:
		/* Cannot fail: the buffers are INET6_ADDRSTRLEN. */
		inet_ntop(AF_INET6, f->ip6.src, a, sizeof a);
		inet_ntop(AF_INET6, f->ip6.dst, b, sizeof b);
		put(&t, "%s > %s IPv6 next-header %u len %u", a, b, f->ip6.next_header, f->ip6.payload_len);
		break;
	case DISSECT_OTHER:
		if (f->have_ip4) {
			put_ip4(&t, f);
		} else {
			put(&t, "%s > %s ", dissect_mac_str(f->src_mac, a), dissect_mac_str(f->dst_mac, b));
			if (f->ethertype < ETH_MIN_TYPE)
				put(&t, "802.3 length %u", f->ethertype);
			else
				put(&t, "ethertype 0x%04x", f->ethertype);
			put(&t, " (%zu bytes)", f->caplen);
		}
		break;
	}
	return out;
}
