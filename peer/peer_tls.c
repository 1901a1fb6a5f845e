/* alice's and bob's --proto tls options (see peer_tls.h). */
#include "peer_tls.h"

#include <stdio.h>
#include <string.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_tls.h"
#include "mlab_wire.h"

int peer_tls_parse(struct peer_opts *o, const char *name, const char *arg)
{
	if (strcmp(name, "proto") == 0) {
		if (strcmp(arg, "lab") != 0 && strcmp(arg, "tls") != 0)
			return peer_say(o, PEER_EXIT_USAGE, "--proto: expected lab or tls, not '%s'", arg);
		o->tls = strcmp(arg, "tls") == 0;
	} else if (strcmp(name, "tls-version") == 0) {
		if (strcmp(arg, "1.2") != 0 && strcmp(arg, "1.3") != 0)
			return peer_say(o, PEER_EXIT_USAGE, "--tls-version: expected 1.2 or 1.3, not '%s'", arg);
		o->tls_version = strcmp(arg, "1.2") == 0 ? 12 : 13;
	} else {
		if (o->role != MLAB_INITIATOR)
			return peer_say(o, PEER_EXIT_USAGE, "%s is not an option of this program", "--pin-spki");
		int e = mlab_tls_pin_arg(arg, o->pin_spki);
		if (e != 0)
			return peer_say(o, PEER_EXIT_USAGE,
					e == MLAB_E_IO
					    ? "--pin-spki: expected the SHA-256 of bob's SubjectPublicKeyInfo, "
					      "64 hex digits or sha256//BASE64, or a file holding one "
					      "(bin/keys/pki/bob.spki): '%s' is neither"
					    : "--pin-spki: the file %s holds no pin (64 hex digits or "
					      "sha256//BASE64 on its first line not starting with #)",
					arg);
		o->pin = true;
	}
	return -1;
}

/* --kex transport alone: TLS 1.2 with RSA key transport, nothing else. */
static bool only_transport(const struct peer_opts *o)
{
	return peer_offers_kind(o, MLAB_KIND_TRANSPORT) && !peer_offers_kind(o, MLAB_KIND_EPHEMERAL);
}

/* The lab protocol's own options, which TLS does not have. */
static const char *lab_only(const struct peer_opts *o)
{
	if (o->kex.mutual)
		return "--mutual";
	if (o->tofu_path)
		return "--tofu";
	if (o->peer_key_path)
		return "--peer-key";
	if (!o->kex.validate_shares)
		return "--no-share-check";
	if (o->kex.sentinel)
		return "--downgrade-sentinel (TLS 1.3 has its own: RFC 8446 4.1.3)";
	if (o->kex.fixed_nonce)
		return "--fixed-nonce";
	if (o->weak_rng)
		return "--weak-rng";
	if (o->static_key_path || o->rsa_key_path || o->peer_rsa_path)
		return "--static-key, --rsa-key and --peer-rsa";
	if (o->kex.scope != MLAB_SCOPE_TRANSCRIPT)
		return "--sign-scope";
	if (peer_offers_kind(o, MLAB_KIND_STATIC))
		return "--kex static (TLS has ephemeral (EC)DHE and, in 1.2, RSA key transport)";
	return NULL;
}

int peer_tls_check(const struct peer_opts *o)
{
	const char *bad;
	if (!o->tls) {
		if (o->tls_version || o->pin)
			return peer_say(o, PEER_EXIT_USAGE, "--tls-version and --pin-spki belong to --proto tls%s", "");
		return -1;
	}
	if (o->kex.n_modes != 1 || o->kex.modes[0] != MLAB_MODE_CERT)
		return peer_say(o, PEER_EXIT_USAGE,
				"--proto tls authenticates bob by certificate only: leave out --auth (or give --auth "
				"cert)%s",
				"");
	if ((bad = lab_only(o)))
		return peer_say(o, PEER_EXIT_USAGE, "%s belongs to the lab protocol, not to --proto tls", bad);
	if (only_transport(o) && o->tls_version == 13)
		return peer_say(o, PEER_EXIT_USAGE,
				"--kex transport is TLS 1.2's RSA key exchange, and TLS 1.3 has none: leave out "
				"--tls-version 1.3%s",
				"");
	return -1;
}

/* --groups and --cipher, as OpenSSL names them. */
static int tls_names(struct peer_opts *o)
{
	char list[MLAB_TLS_MAX_LIST] = "";
	size_t n = 0;
	for (size_t i = 0; i < o->kex.n_groups; i++) {
		const struct mlab_group *g = mlab_group_by_id(o->kex.groups[i]);
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? "," : "", g ? g->name : "?");
		if (n >= sizeof list)
			return MLAB_E_TOO_LONG;
	}
	if (mlab_tls_groups(list, o->tls_cfg.groups, sizeof o->tls_cfg.groups) != 0)
		return peer_say(o, PEER_EXIT_USAGE,
				"--groups %s: TLS has x25519, ffdhe2048, ffdhe3072, ffdhe4096, p256 and p384 (the "
				"lab's weak groups and its ML-KEM groups exist only in the lab protocol: Debian 12's "
				"OpenSSL 3.0 has no ML-KEM)",
				list);
	n = 0;
	list[0] = '\0';
	for (size_t i = 0; i < o->kex.n_ciphers; i++) {
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? "," : "",
				      mlab_cipher_name(o->kex.ciphers[i]));
		if (n >= sizeof list)
			return MLAB_E_TOO_LONG;
	}
	if (mlab_tls_ciphers(list, o->tls_cfg.ciphers, sizeof o->tls_cfg.ciphers) != 0)
		return peer_say(o, PEER_EXIT_USAGE,
				"--cipher %s: TLS has chacha20-poly1305 and aes-256-gcm (cipher none is the lab's)",
				list);
	return -1;
}

int peer_tls_load(struct peer_opts *o)
{
	if (!o->tls)
		return -1;
	struct mlab_tls_config *c = &o->tls_cfg;
	c->role = o->role;
	c->min_version = o->tls_version ? o->tls_version : 12;
	c->max_version = o->tls_version ? o->tls_version : only_transport(o) ? 12 : 13;
	/* TLS 1.2's key exchange as --kex says: ephemeral (EC)DHE (the default),
	 * and RSA key transport only when asked for (the certificate's key) */
	snprintf(c->cipher_list, sizeof c->cipher_list, "%s",
		 only_transport(o)			    ? "kRSA+AESGCM"
		 : peer_offers_kind(o, MLAB_KIND_TRANSPORT) ? "ECDHE+AESGCM:ECDHE+CHACHA20:kRSA+AESGCM"
							    : "ECDHE+AESGCM:ECDHE+CHACHA20");
	c->trust = o->role == MLAB_INITIATOR ? &o->trust : NULL;
	c->pin = o->pin;
	memcpy(c->pin_spki, o->pin_spki, sizeof c->pin_spki);
	if (o->role == MLAB_RESPONDER) { /* read once at start-up (peer_trust.c), not per connection */
		c->chain = &o->chain;
		c->key = o->kex.own_key;
	}
	c->keylog = o->keylog;
	return tls_names(o);
}
