/* See mlab_version.h. */
#include "mlab_version.h"

#include <openssl/crypto.h>

void mlab_print_version(const char *prog)
{
	printf("%s (mitmlab) %s\nlab protocol version 1; %s\n", prog, MITMLAB_VERSION,
	       OpenSSL_version(OPENSSL_VERSION));
}
