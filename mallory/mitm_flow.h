/* dh-mitm's per-connection glue: each TCP connection to the protocol port
 * gets a tcp_stream (sequence mapping, retransmissions) whose frames go
 * through the dh-mitm attack (share swap, re-encryption, tamper), and the
 * segments it emits are built into whole Ethernet/IPv4/TCP frames here.
 *
 * mallory rewrites every segment of such a connection, both ways, so she
 * also owns its TCP options: SYNs carry only an MSS option (no SACK, whose
 * blocks would name original offsets; no window scaling and no timestamps,
 * so both ends agree on plain 16-bit windows), other segments none. */
#ifndef MITM_FLOW_H
#define MITM_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dissect.h"
#include "mlab_event.h"

#define MITM_MAX_FLOWS 8
#define MITM_MSS 1400

/* Sends one built Ethernet frame. */
typedef int (*mitm_send_fn)(void *arg, const uint8_t *frame, size_t len);

struct mitm_table;

struct mitm_params {
	uint16_t port;
	uint8_t my_mac[6];
	EVP_PKEY *forge_key;		/* may be NULL */
	const struct mlab_chain *chain; /* mode cert: hers toward alice, or NULL */
	const char *const *tamper;
	size_t n_tamper;
	bool key_fixing;
	bool strip_auth;
	uint16_t downgrade_group;
	int malicious_g; /* enum dhmitm_g */
	bool small_subgroup;
	unsigned replay_record;
	bool tls;	    /* --proto tls: intercept TLS with chain and forge_key (tls_mitm.h) */
	bool tls_downgrade; /* --proto tls: only strip supported_versions from alice's hello */
	const char *keylog; /* --proto tls: both legs' SSLKEYLOGFILE, or NULL */
	mitm_send_fn send;
	void *send_arg;
	struct mlab_ev *ev;
};

struct mitm_table *mitm_table_new(const struct mitm_params *p);
/* A captured IPv4 TCP frame to or from the port, with the true MACs of its
 * sender and receiver. Returns 0, or a negative MLAB_E_* code when the
 * attack on that connection failed (reported once as an "error" event). */
int mitm_table_input(struct mitm_table *t, const struct dissect_frame *f, const uint8_t src_mac[6],
		     const uint8_t dst_mac[6]);
void mitm_table_free(struct mitm_table *t);

#endif
