/* alice's and bob's options as data: the parser (peer_opts.c) takes its limits
 * from here, and scenario files their [alice] and [bob] keys. In scenario-key
 * order: the order a scenario's error messages list them. */
#include "peer_optab.h"

#include <stdlib.h>

#define AB (MO_ALICE | MO_BOB)
static const char *const scopes[] = {"transcript", "params", NULL};
static const char *const weak_rngs[] = {"pid", "time", NULL};
static const char *const protos[] = {"lab", "tls", NULL};
static const char *const tls_versions[] = {"1.2", "1.3", NULL};

const struct mlab_opt peer_optab[] = {
    {"proto", MO_WORD, AB, 0, 0, 0, NULL, protos},
    {"tls-version", MO_WORD, AB, 0, 0, 0, NULL, tls_versions},
    {"auth", MO_MODES, AB, 0, 0, 0, NULL, NULL},
    {"groups", MO_GROUPS, AB, 0, 0, 0, NULL, NULL},
    {"cipher", MO_CIPHERS, AB, 0, 0, 0, NULL, NULL},
    {"kex", MO_KINDS, AB, 0, 0, 0, NULL, NULL},
    {"sign-scope", MO_WORD, AB, 0, 0, 0, NULL, scopes},
    {"mutual", MO_FLAG, AB, 0, 0, 0, NULL, NULL},
    {"key", MO_FILE, AB, 0, 0, 0, NULL, NULL},
    {"peer-key", MO_FILE, AB, 0, 0, 0, NULL, NULL},
    {"timeout", MO_UINT, AB, 0, 1, 86400, "seconds", NULL},
    {"idle", MO_UINT, MO_BOB, 0, 1, 86400, "seconds", NULL},
    {"no-share-check", MO_FLAG, AB, 0, 0, 0, NULL, NULL},
    {"send", MO_MESSAGE, MO_ALICE, MO_REPEAT, 0, 0, NULL, NULL},
    {"reply", MO_MESSAGE, MO_BOB, MO_REPEAT, 0, 0, NULL, NULL},
    {"repeat", MO_UINT, MO_ALICE, 0, 1, 1000000, "times", NULL},
    {"sink", MO_FLAG, MO_BOB, 0, 0, 0, NULL, NULL},
    {"min-security", MO_UINT, AB, 0, 0, 256, "bits", NULL},
    {"bulk", MO_UINT, MO_ALICE, 0, 0, 1ULL << 34, "bytes", NULL},
    {"explicit-from", MO_TEXT, MO_BOB, 0, 0, 0, NULL, NULL},
    {"downgrade-sentinel", MO_FLAG, AB, 0, 0, 0, NULL, NULL},
    {"cert", MO_FILE, MO_BOB, 0, 0, 0, NULL, NULL},
    {"static-key", MO_FILE, MO_BOB, 0, 0, 0, NULL, NULL},
    {"rsa-key", MO_FILE, MO_BOB, 0, 0, 0, NULL, NULL},
    {"peer-rsa", MO_FILE, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"fixed-nonce", MO_FLAG, MO_BOB, 0, 0, 0, NULL, NULL},
    {"weak-rng", MO_WORD, AB, 0, 0, 0, NULL, weak_rngs},
    {"ca", MO_FILE, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"peer-name", MO_TEXT, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"now", MO_TEXT, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"tofu", MO_FILE, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"insecure", MO_FLAG, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"no-name-check", MO_FLAG, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"pin-spki", MO_TEXT, MO_ALICE, 0, 0, 0, NULL, NULL},
    {"connect", MO_ADDR, MO_ALICE, MO_RUNNER, 0, 0, NULL, NULL},
    {"listen", MO_ADDR, MO_BOB, MO_RUNNER, 0, 0, NULL, NULL},
    {"max-conns", MO_UINT, MO_BOB, MO_RUNNER, 0, 4294967295ULL, "connections", NULL},
    {"max-clients", MO_UINT, MO_BOB, 0, 1, 1024, "connections", NULL},
    {"events", MO_UINT, AB, MO_RUNNER, 0, 2147483647, "descriptor", NULL},
    {"keylog", MO_FILE, AB, MO_RUNNER, 0, 0, NULL, NULL},
    {"quiet", MO_FLAG, AB, MO_NOFILE, 0, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL},
};

unsigned long long peer_opt_max(const char *name)
{
	const struct mlab_opt *o = mlab_opt_find(peer_optab, name, 0);
	if (!o)
		abort(); /* a typo in this program: the table must have it */
	return o->max;
}

unsigned long long peer_opt_min(const char *name)
{
	const struct mlab_opt *o = mlab_opt_find(peer_optab, name, 0);
	if (!o)
		abort();
	return o->min;
}
