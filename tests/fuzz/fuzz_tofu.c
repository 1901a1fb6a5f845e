/* libFuzzer harness (make fuzz-tofu): arbitrary bytes as a trust-on-first-use
 * store (lib/mlab_tofu.h, protocol.md §15) — a file a scenario names
 * (`tofu = FILE`, copied into the run directory) or that a run directory from
 * elsewhere brings, so hostile like any other input. Each input is written to
 * one temporary file (the store must be a regular file, never a link, so no
 * memfd), then:
 *   1. looked up for bob.lab and BOB.LAB with one fingerprint (mlab_tofu_check);
 *   2. carol.lab added (mlab_tofu_add), and looked up again.
 * Any crash, leak, hang or sanitizer report is a bug, and so is a broken
 * invariant (a trap): a call returns 0, MLAB_E_TOFU_STORE or (add only)
 * MLAB_E_PIN_MISMATCH; a refusal names the file, in a terminated reason; a
 * found entry has the asked name (case aside), a fingerprint of 50 characters,
 * a line from 1 and a time from 0, KNOWN exactly when the fingerprint is the
 * asked one; names are looked up case-insensitively (both spellings agree);
 * after a successful add the name is KNOWN with the added fingerprint, and a
 * store that was refused before is refused by the add too. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mlab_err.h"
#include "mlab_tofu.h"

static char path[64];
static char fp[MLAB_TOFU_FP_LEN], fp2[MLAB_TOFU_FP_LEN];

static void trap_if(bool bad)
{
	if (bad)
		__builtin_trap();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	trap_if(mlab_tofu_fingerprint(key, sizeof key, fp) != 0);
	key[0] ^= 1;
	trap_if(mlab_tofu_fingerprint(key, sizeof key, fp2) != 0);
	snprintf(path, sizeof path, "/tmp/mitmlab-fuzz-tofu.%d", (int)getpid());
	return 0;
}

static void check_why(int rc, const char *why)
{
	trap_if(rc != 0 && (memchr(why, '\0', 512) == NULL || strncmp(why, path, strlen(path)) != 0));
}

static int lookup(const char *name, enum mlab_tofu_verdict *v, struct mlab_tofu_entry *e)
{
	char why[512];
	memset(why, 'x', sizeof why);
	int rc = mlab_tofu_check(path, name, fp, v, e, why, sizeof why);
	trap_if(rc != 0 && rc != MLAB_E_TOFU_STORE);
	check_why(rc, why);
	if (rc == 0 && *v != MLAB_TOFU_NEW) {
		trap_if(strcasecmp(e->name, name) != 0 || strlen(e->fp) != MLAB_TOFU_FP_LEN - 1 || e->line < 1 ||
			e->first_seen < 0);
		trap_if((*v == MLAB_TOFU_KNOWN) != (strcmp(e->fp, fp) == 0));
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	size_t w = fwrite(data, 1, size, f);
	if (fclose(f) != 0 || w != size) {
		unlink(path);
		return 0;
	}
	enum mlab_tofu_verdict v1, v2;
	struct mlab_tofu_entry e1, e2;
	int rc1 = lookup("bob.lab", &v1, &e1), rc2 = lookup("BOB.LAB", &v2, &e2);
	trap_if(rc1 != rc2 || (rc1 == 0 && (v1 != v2 || (v1 != MLAB_TOFU_NEW && e1.line != e2.line))));

	char why[512] = "";
	int add = mlab_tofu_add(path, "carol.lab", fp2, 1700000000, why, sizeof why);
	trap_if(add != 0 && add != MLAB_E_TOFU_STORE && add != MLAB_E_PIN_MISMATCH);
	check_why(add == MLAB_E_TOFU_STORE ? add : 0, why);
	trap_if(rc1 != 0 && add == 0); /* a refused store is not appended to */
	if (add == 0) {
		struct mlab_tofu_entry e;
		enum mlab_tofu_verdict v;
		char why2[512];
		trap_if(mlab_tofu_check(path, "Carol.Lab", fp2, &v, &e, why2, sizeof why2) != 0 ||
			v != MLAB_TOFU_KNOWN || strcmp(e.fp, fp2) != 0);
	}
	unlink(path);
	return 0;
}
