/* mallory's options as data: her parser (mallory_opts.c) takes its limits from
 * here, and scenario files their [mallory] keys, in this order. --armed is
 * never a scenario key: the safety rail is a person's decision. */
#include "mallory_optab.h"

#define M MO_MALLORY
static const char *const attacks[] = {"relay", "dh-mitm", "poison", NULL};
static const char *const weak_rngs[] = {"pid", "time", NULL};
static const char *const protos[] = {"lab", "tls", NULL};

const struct mlab_opt mallory_optab[] = {
    {"sniff", MO_FLAG, M, 0, 0, 0, NULL, NULL},
    {"port", MO_UINT, M, 0, 1, 65535, "TCP port", NULL},
    {"attack", MO_WORD, M, 0, 0, 0, NULL, attacks},
    {"interval", MO_UINT, M, 0, 10, 60000, "milliseconds", NULL},
    {"tamper", MO_MESSAGE, M, MO_REPEAT, 0, 0, NULL, NULL},
    {"forge-key", MO_FILE, M, 0, 0, 0, NULL, NULL},
    {"impersonate", MO_FILE, M, 0, 0, 0, NULL, NULL},
    {"mint", MO_FILE, M, 0, 0, 0, NULL, NULL},
    {"key-fixing", MO_FLAG, M, 0, 0, 0, NULL, NULL},
    {"strip-auth", MO_FLAG, M, 0, 0, 0, NULL, NULL},
    {"downgrade-group", MO_TEXT, M, 0, 0, 0, NULL, NULL},
    {"malicious-g", MO_TEXT, M, 0, 0, 0, NULL, NULL},
    {"small-subgroup", MO_FLAG, M, 0, 0, 0, NULL, NULL},
    {"crack-rng", MO_WORD, M, 0, 0, 0, NULL, weak_rngs},
    {"replay", MO_FLAG, M, 0, 0, 0, NULL, NULL},
    {"replay-record", MO_UINT, M, 0, 1, 1000000, "records", NULL},
    {"proto", MO_WORD, M, 0, 0, 0, NULL, protos},
    {"tls-downgrade", MO_FLAG, M, 0, 0, 0, NULL, NULL},
    {"iface", MO_TEXT, M, MO_RUNNER, 0, 0, NULL, NULL},
    {"targets", MO_ADDR, M, MO_RUNNER, 0, 0, NULL, NULL},
    {"events", MO_UINT, M, MO_RUNNER, 0, 2147483647, "descriptor", NULL},
    {"keylog", MO_FILE, M, MO_RUNNER, 0, 0, NULL, NULL},
    {"max-frames", MO_UINT, M, MO_NOFILE, 1, 18446744073709551615ULL, "frames", NULL},
    {"quiet", MO_FLAG, M, MO_NOFILE, 0, 0, NULL, NULL},
    {"armed", MO_FLAG, M, MO_NOFILE, 0, 0, NULL, NULL},
    {"decrypt", MO_FILE, M, MO_NOFILE, 0, 0, NULL, NULL},
    {"key", MO_FILE, M, MO_NOFILE, 0, 0, NULL, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL, NULL},
};
