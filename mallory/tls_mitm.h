/* mallory as a TLS interceptor (`--attack dh-mitm --proto tls`): the picture
 * of every TLS-inspection box and of mitmproxy. With the ARP poisoning and the
 * TCP relay of dh-mitm (mitm_flow.c, tcp_stream.c in TLS-record framing), she
 * terminates alice's TLS connection with her own certificate (--impersonate
 * CHAIN:KEY, or --mint with a stolen CA key) and opens her own TLS connection
 * to bob, both real TLS from OpenSSL (lib/mlab_tls.c): every application
 * record is opened on one leg, read, rewritten by --tamper rules, and sealed
 * on the other. Whether alice accepts her certificate is alice's checks'
 * business: the lab's, the same as in the lab protocol.
 *
 * The two engines run in memory; what one leg's engine has to send waits in
 * it until a record travels toward that peer (tls_mitm_on_record's out is the
 * direction the record travels): TLS handshakes alternate, so it never waits
 * long.
 *
 * Events (actor mallory): session-key (key_id, with, cipher) per leg,
 * relay-established, cert-substituted (toward alice, n, replaced, key_id),
 * message-read, message-changed, close-relayed, and error (where "tls-mitm",
 * OpenSSL's reason in the detail) — after which she forwards records as they
 * are. */
#ifndef TLS_MITM_H
#define TLS_MITM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attack_dhmitm.h"
#include "mlab_cert.h"

struct tls_mitm;

struct tls_mitm_config {
	const struct mlab_chain *chain; /* hers toward alice (borrowed) */
	EVP_PKEY *key;
	const struct dhmitm_rule *rules; /* --tamper, borrowed */
	size_t n_rules;
	const char *keylog; /* both legs' SSLKEYLOGFILE lines appended there, or NULL */
	bool downgrade;	    /* --tls-downgrade: no interception, only the hello rewritten (tls_hello.h) */
};

int tls_mitm_new(struct tls_mitm **m, const struct tls_mitm_config *cfg, struct mlab_ev *ev);
/* One whole TLS record (header included) travelling in direction d; what
 * goes on toward the same peer is written to out. 0, or the error that ended
 * the interception (reported once; later records pass unchanged). */
int tls_mitm_on_record(struct tls_mitm *m, enum dhmitm_dir d, const uint8_t *rec, size_t len, struct mlab_wr *out);
void tls_mitm_free(struct tls_mitm *m);

#endif
