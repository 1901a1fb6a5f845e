/* Test keys (see test_keys.h). */
#include "test_keys.h"

#include <stdint.h>

#include "mlab_crypto.h"
#include "mlab_wire.h"

struct test_keys test_keys;

EVP_PKEY *public_of(EVP_PKEY *k)
{
	uint8_t raw[MLAB_ED25519_PUB];
	EVP_PKEY *p = NULL;
	if (mlab_ed25519_raw_public(k, raw) != 0 || mlab_ed25519_from_raw_public(raw, &p) != 0)
		return NULL;
	return p;
}

int keys_setup(void **state)
{
	(void)state;
	if (mlab_ed25519_generate(&alice_key) != 0 || mlab_ed25519_generate(&bob_key) != 0 ||
	    mlab_ed25519_generate(&mallory_key) != 0)
		return -1;
	alice_pub = public_of(alice_key);
	bob_pub = public_of(bob_key);
	mallory_pub = public_of(mallory_key);
	return alice_pub && bob_pub && mallory_pub ? 0 : -1;
}

int keys_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(alice_key);
	EVP_PKEY_free(bob_key);
	EVP_PKEY_free(mallory_key);
	EVP_PKEY_free(alice_pub);
	EVP_PKEY_free(bob_pub);
	EVP_PKEY_free(mallory_pub);
	test_keys = (struct test_keys){0};
	return 0;
}
