/* tools/: small helpers around the lab. mitmlab-keygen makes an Ed25519 key
 * pair for alice, bob or mallory: FILE (private, mode 0600) and its .pub. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "mlab_crypto.h"

static int usage(FILE *f, int code)
{
	fputs("usage: mitmlab-keygen [--force] [--quiet] FILE\n\n"
	      "Makes an Ed25519 key pair: FILE holds the private key (PEM, readable by you only) and\n"
	      "FILE with .key replaced by .pub (or FILE.pub) the public key to give to peers\n"
	      "(alice --peer-key, bob --peer-key). Prints the public key's id.\n\n"
	      "  --force   overwrite existing files\n"
	      "  --quiet   print nothing\n\n"
	      "exit status: 0 success, 2 usage, 4 cannot write the files\n",
	      f);
	return code;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int force = 0, quiet = 0;
	char pub_path[4096];
	uint8_t raw[32];
	char kid[9];
	struct stat st;
	EVP_PKEY *key = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0)
			return usage(stdout, 0);
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if (argv[i][0] == '-' || path)
			return usage(stderr, 2);
		else
			path = argv[i];
	}
	if (!path)
		return usage(stderr, 2);
	size_t n = strlen(path);
	if (n + 5 > sizeof pub_path)
		return usage(stderr, 2);
	if (n > 4 && strcmp(path + n - 4, ".key") == 0)
		snprintf(pub_path, sizeof pub_path, "%.*s.pub", (int)(n - 4), path);
	else
		snprintf(pub_path, sizeof pub_path, "%s.pub", path);
	if (!force && (stat(path, &st) == 0 || stat(pub_path, &st) == 0)) {
		fprintf(stderr, "mitmlab-keygen: %s or %s exists; use --force to replace it\n", path, pub_path);
		return 2;
	}
	if (mlab_ed25519_generate(&key) != 0 || mlab_key_save(path, pub_path, key) != 0 ||
	    mlab_ed25519_raw_public(key, raw) != 0 || mlab_key_id(raw, sizeof raw, kid) != 0) {
		fprintf(stderr, "mitmlab-keygen: cannot write %s and %s\n", path, pub_path);
		EVP_PKEY_free(key);
		return 4;
	}
	if (!quiet)
		printf("wrote %s (private: keep it) and %s (public: give it to peers); key id %s\n", path, pub_path,
		       kid);
	EVP_PKEY_free(key);
	return 0;
}
