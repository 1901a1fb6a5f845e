/* ARP poisoning with libnet (RFC 826 frames, forged).
 *
 * To make victim V send traffic for peer P to mallory, V's neighbour table
 * must map P's IP to mallory's MAC. Linux accepts that from:
 *   - an ARP request addressed to V's own IP: V records the sender's mapping
 *     even without an entry for it (how a host learns who is asking) — so
 *     mallory asks V "who-has V tell P" with her MAC as sender: this works
 *     before V ever talked to P, and is not subject to the kernel's
 *     `locktime`, which makes it ignore a second *reply* within a second;
 *   - a reply, which updates an existing entry: sent too, and in answer to
 *     V's own requests for P (she races P's true answer; re-poisoning wins).
 * On stop she sends the true mappings back (restoration), so no cache stays
 * poisoned after the lesson. Frames carry her own MAC as Ethernet source:
 * spoofing a victim's source MAC would move it on the switch and cut it off. */
#ifndef ARP_POISON_H
#define ARP_POISON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arp_victim {
	uint32_t ip; /* network byte order */
	uint8_t mac[6];
	bool known;
};

struct arp_poison {
	void *l; /* libnet_t */
	uint8_t my_mac[6];
	uint32_t my_ip;
	struct arp_victim v[2];
	uint64_t sent;
};

int arp_poison_open(struct arp_poison *p, const char *iface, uint32_t my_ip, const uint8_t my_mac[6],
		    const uint32_t targets[2], char *err, size_t errlen);
/* A truthful "who-has target tell me" broadcast, to learn a victim's MAC. */
int arp_poison_resolve(struct arp_poison *p, int i);
/* One round: each victim told (request and reply) that the other's IP is at mallory's MAC. */
int arp_poison_round(struct arp_poison *p);
/* Victim i asked for the other's IP: answer it with mallory's MAC. */
int arp_poison_answer(struct arp_poison *p, int i);
/* The true mappings, to both victims. */
int arp_poison_restore(struct arp_poison *p);
void arp_poison_close(struct arp_poison *p);

#endif
