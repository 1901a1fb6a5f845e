/* alice's --ca, --peer-name, --now, --tofu, --insecure, --no-name-check and
 * bob's --cert (docs/protocol.md §3.8, §15). */
#include "peer_trust.h"

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string.h>

#include "mlab_err.h"
#include "mlab_pki.h"

bool peer_name_valid(const char *name)
{
	size_t n = strlen(name), label = 0;
	if (n == 0 || n > MLAB_PEER_NAME_MAX || name[0] == '.' || name[n - 1] == '.')
		return false;
	for (const char *c = name; *c; c++) {
		if (*c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			   *c == '-') {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return true;
}

/* The rules between alice's options, before any file is read. */
static int check_alice(const struct peer_opts *o)
{
	bool cert = peer_offers_mode(o, MLAB_MODE_CERT);

	if (!cert && (o->ca_path || o->insecure || o->no_name_check))
		return peer_say(o, PEER_EXIT_USAGE, "--ca, --insecure and --no-name-check belong to --auth cert%s", "");
	if (o->tofu_path && !peer_offers_mode(o, MLAB_MODE_SIGN))
		return peer_say(o, PEER_EXIT_USAGE, "--tofu trusts a signer's key on first use: it needs --auth sign%s",
				"");
	if (o->tofu_path && o->peer_key_path)
		return peer_say(o, PEER_EXIT_USAGE,
				"--tofu and --peer-key are two ways to know bob's key: give one (%s)", o->tofu_path);
	if (cert && !o->ca_path && !o->insecure)
		return peer_say(o, PEER_EXIT_USAGE,
				"--auth cert needs --ca FILE, the root certificate(s) alice trusts (the lab's: %s)",
				"bin/keys/pki/root.pem");
	if (o->now_arg) {
		long long t;
		if (mlab_time_parse(o->now_arg, &t) != 0)
			return peer_say(
			    o, PEER_EXIT_USAGE,
			    "--now: expected 2026-12-03T12:00:00Z, 2026-12-03 or @SECONDS-SINCE-EPOCH, not '%s'",
			    o->now_arg);
	}
	return -1;
}

static int check_bob(const struct peer_opts *o)
{
	if (!peer_offers_mode(o, MLAB_MODE_CERT))
		return o->cert_path ? peer_say(o, PEER_EXIT_USAGE,
					       "--cert %s is sent only in mode cert: add cert to --auth", o->cert_path)
				    : -1;
	if (!o->cert_path || !o->key_path)
		return peer_say(
		    o, PEER_EXIT_USAGE,
		    "--auth cert needs --cert FILE (bob's chain, PEM, leaf first) and --key FILE (the leaf's "
		    "private key); the lab's: --cert bin/keys/pki/bob.chain.pem --key bin/keys/bob.key%s",
		    "");
	return -1;
}

int peer_trust_check(const struct peer_opts *o)
{
	return o->role == MLAB_INITIATOR ? check_alice(o) : check_bob(o);
}

static int load_alice(struct peer_opts *o)
{
	struct mlab_trust *t = &o->trust;
	bool cert = peer_offers_mode(o, MLAB_MODE_CERT);
	int e;

	snprintf(t->name, sizeof t->name, "%s", o->peer_name ? o->peer_name : "bob.lab");
	t->check_name = !o->no_name_check;
	t->insecure = o->insecure;
	t->tofu = o->tofu_path;
	if (o->now_arg) /* checked by peer_trust_check */
		t->have_now = mlab_time_parse(o->now_arg, &t->now) == 0;
	if (o->ca_path && (e = mlab_trust_load_ca(t, o->ca_path)) != 0)
		return peer_say(o, PEER_EXIT_SETUP,
				e == MLAB_E_TOO_LONG ? "--ca %s: more than 64 certificates"
						     : "--ca %s: cannot read a PEM certificate from it",
				o->ca_path);
	if (cert || o->tofu_path)
		o->kex.trust = t;
	return -1;
}

/* TLS: the leaf may carry an Ed25519 or an RSA key (TLS 1.2's key
 * transport). Read once here, checked against the leaf, and kept for the
 * TLS engine (peer_tls.c hands it the chain and key in memory). */
static int tls_key_load(struct peer_opts *o)
{
	FILE *f = fopen(o->key_path, "re");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	const unsigned char *p = o->chain.der[0];
	X509 *leaf = d2i_X509(NULL, &p, (long)o->chain.len[0]);
	int ok = k && leaf && X509_check_private_key(leaf, k) == 1;
	if (f)
		fclose(f);
	X509_free(leaf);
	ERR_clear_error();
	if (!ok) {
		EVP_PKEY_free(k);
		return peer_say(o, PEER_EXIT_SETUP,
				"--cert %s certifies another key than --key (or --key is no PEM private key): give "
				"the leaf's own key",
				o->cert_path);
	}
	o->kex.own_key = k; /* freed by peer_opts_free */
	return -1;
}

static int load_bob(struct peer_opts *o)
{
	int e;

	if (!peer_offers_mode(o, MLAB_MODE_CERT))
		return -1;
	if ((e = mlab_chain_load(o->cert_path, &o->chain)) != 0)
		return peer_say(o, PEER_EXIT_SETUP,
				e == MLAB_E_TOO_LONG
				    ? "--cert %s: more than 8 certificates, one above 8192 bytes, or above 16384 in all"
				    : "--cert %s: cannot read a PEM certificate chain from it",
				o->cert_path);
	if (o->tls)
		return tls_key_load(o);
	uint8_t leaf[MLAB_ED25519_PUB], own[MLAB_ED25519_PUB];
	if (mlab_chain_leaf_pub(&o->chain, leaf) != 0)
		return peer_say(o, PEER_EXIT_SETUP, "--cert %s: its first certificate has no Ed25519 key",
				o->cert_path);
	if (mlab_ed25519_raw_public(o->kex.own_key, own) != 0 || memcmp(leaf, own, sizeof own) != 0)
		return peer_say(o, PEER_EXIT_SETUP,
				"--cert %s certifies another key than --key: give the leaf's own key", o->cert_path);
	o->kex.chain = &o->chain;
	return -1;
}

int peer_trust_load(struct peer_opts *o)
{
	return o->role == MLAB_INITIATOR ? load_alice(o) : load_bob(o);
}

void peer_trust_free(struct peer_opts *o)
{
	mlab_chain_free(&o->chain);
	mlab_trust_free(&o->trust);
}
