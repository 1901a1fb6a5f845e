/* --kex, --static-key, --rsa-key, --peer-rsa, --fixed-nonce (docs/protocol.md
 * §4.8). */
#include "peer_kind.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_rsa.h"

int peer_kind_check(const struct peer_opts *o)
{
	bool ini = o->role == MLAB_INITIATOR;
	bool st = peer_offers_kind(o, MLAB_KIND_STATIC), tr = peer_offers_kind(o, MLAB_KIND_TRANSPORT);
	if (o->tls) /* TLS 1.2's key transport uses the certificate's key (peer_tls.c) */
		return -1;

	if (!ini && st && !o->static_key_path)
		return peer_say(o, PEER_EXIT_USAGE,
				"--kex static needs --static-key FILE, bob's long-term X25519 key (the lab's: %s)",
				"bin/keys/bob-static.key");
	if (!ini && tr && !o->rsa_key_path)
		return peer_say(o, PEER_EXIT_USAGE,
				"--kex transport needs --rsa-key FILE, bob's RSA private key (the lab's: %s)",
				"bin/keys/bob-rsa.key");
	if (ini && tr && !o->peer_rsa_path)
		return peer_say(
		    o, PEER_EXIT_USAGE,
		    "--kex transport needs --peer-rsa FILE, bob's RSA public key to encrypt to (the lab's: %s)",
		    "bin/keys/bob-rsa.pub");
	if (!ini && o->static_key_path && !st)
		return peer_say(o, PEER_EXIT_USAGE, "--static-key is used only with static in --kex%s", "");
	if (!ini && o->rsa_key_path && !tr)
		return peer_say(o, PEER_EXIT_USAGE, "--rsa-key is used only with transport in --kex%s", "");
	for (size_t i = 0; o->weak_rng && i < o->kex.n_groups; i++) {
		const struct mlab_group *g = mlab_group_by_id(o->kex.groups[i]);
		if (g && g->kem)
			return peer_say(
			    o, PEER_EXIT_USAGE,
			    "--weak-rng weakens the Diffie-Hellman groups only: leave %s out of --groups (ML-KEM "
			    "keys always come from the OS generator)",
			    g->name);
	}
	if (tr && o->kex.scope == MLAB_SCOPE_PARAMS)
		return peer_say(o, PEER_EXIT_USAGE,
				"--sign-scope params signs a share, and transport has none: use the transcript scope%s",
				"");
	return -1;
}

/* An X25519 private key, PEM (openssl genpkey -algorithm X25519). */
static int load_x25519(const char *path, EVP_PKEY **key)
{
	FILE *f = fopen(path, "re");
	*key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (*key && EVP_PKEY_is_a(*key, "X25519"))
		return 0;
	EVP_PKEY_free(*key);
	*key = NULL;
	return MLAB_E_KEYFILE;
}

int peer_kind_load(struct peer_opts *o)
{
	if (o->weak_rng) { /* the seed the weakened generator really had, nothing more */
		uint64_t seed = o->weak_rng == MLAB_RNG_PID ? mlab_rng_pid_seed((long)getpid()) : (uint64_t)time(NULL);
		mlab_rng_seeded(&o->rng, (enum mlab_rng_kind)o->weak_rng, seed);
		o->kex.rng = &o->rng;
	}
	if (o->static_key_path && load_x25519(o->static_key_path, &o->kex.static_key) != 0)
		return peer_say(o, PEER_EXIT_SETUP, "cannot read an X25519 private key (PEM) from %s",
				o->static_key_path);
	if (o->rsa_key_path && mlab_rsa_load_private(o->rsa_key_path, &o->kex.rsa_key) != 0)
		return peer_say(o, PEER_EXIT_SETUP, "cannot read an RSA private key (PEM, 2048 to 4096 bits) from %s",
				o->rsa_key_path);
	if (o->peer_rsa_path && mlab_rsa_load_public(o->peer_rsa_path, &o->kex.peer_rsa) != 0)
		return peer_say(o, PEER_EXIT_SETUP, "cannot read an RSA public key (PEM, 2048 to 4096 bits) from %s",
				o->peer_rsa_path);
	return -1;
}

void peer_kind_free(struct peer_opts *o)
{
	EVP_PKEY_free(o->kex.static_key);
	EVP_PKEY_free(o->kex.rsa_key);
	EVP_PKEY_free(o->kex.peer_rsa);
	o->kex.static_key = o->kex.rsa_key = o->kex.peer_rsa = NULL;
}
