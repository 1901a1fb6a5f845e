/* Ed25519 keys for alice, bob and mallory, made once per test binary in
 * memory (cmocka group setup/teardown), for the engine suites. */
#ifndef TEST_KEYS_H
#define TEST_KEYS_H

#include <openssl/evp.h>

struct test_keys {
	EVP_PKEY *alice_key, *bob_key, *mallory_key; /* private */
	EVP_PKEY *alice_pub, *bob_pub, *mallory_pub; /* public only */
};

extern struct test_keys test_keys;

/* Short names for the suites. */
#define alice_key (test_keys.alice_key)
#define bob_key (test_keys.bob_key)
#define mallory_key (test_keys.mallory_key)
#define alice_pub (test_keys.alice_pub)
#define bob_pub (test_keys.bob_pub)
#define mallory_pub (test_keys.mallory_pub)

EVP_PKEY *public_of(EVP_PKEY *k);
int keys_setup(void **state);
int keys_teardown(void **state);

#endif
