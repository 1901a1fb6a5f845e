/* Trust on first use (TOFU): a store of peer keys by host name, as SSH's
 * known_hosts. The first time a name is met its key is stored; later, the
 * same key is KNOWN and any other is CHANGED (a new key, or someone in the
 * middle). The file format is in docs/protocol.md, "Trust on first use store".
 *
 * The store is hostile input like any other: it is read whole into a bounded
 * buffer (at most 1 MiB, lines of at most 512 bytes, at most 10000 entries)
 * and any malformed line, or a name stored twice, refuses the whole store
 * with "FILE:LINE: reason" rather than guessing. It must be a regular
 * file, never a symbolic link. Readers take a shared flock(2), writers an
 * exclusive one, each waiting at most 2 seconds for it. */
#ifndef MLAB_TOFU_H
#define MLAB_TOFU_H

#include <stddef.h>
#include <stdint.h>

/* A host name: 1..253 of A-Z a-z 0-9 '.' '-' (a DNS name's longest text form). */
#define MLAB_TOFU_NAME_MAX 253
#define MLAB_TOFU_FP_LEN 51 /* "SHA256:" + 43 chars unpadded base64 + NUL */

/* out = "SHA256:" + the unpadded standard base64 (RFC 4648 §4) of SHA-256
 * over pub[0..len). This is the shape of `ssh-keygen -l`'s fingerprints, but
 * over the raw 32-byte Ed25519 public key, not over SSH's wire blob of the
 * key, so the same key has another fingerprint in SSH. Returns 0, MLAB_E_ARG
 * (NULL pointers) or MLAB_E_CRYPTO. */
int mlab_tofu_fingerprint(const uint8_t *pub, size_t len, char out[MLAB_TOFU_FP_LEN]);

/* One line of the store. */
struct mlab_tofu_entry {
	char name[MLAB_TOFU_NAME_MAX + 1]; /* as written in the file */
	char fp[MLAB_TOFU_FP_LEN];
	long long first_seen; /* seconds since the Unix epoch, >= 0 */
	unsigned line;	      /* its line number in the file, from 1 */
};

enum mlab_tofu_verdict {
	MLAB_TOFU_NEW,	   /* the name is not in the store */
	MLAB_TOFU_KNOWN,   /* stored with this very fingerprint */
	MLAB_TOFU_CHANGED, /* stored with another fingerprint */
};

/* Looks name up in the store at path. Names compare as DNS names do, ASCII
 * case-insensitively; fingerprints exactly. A missing file is an empty store
 * (NEW). Fills *e (may be NULL) with the stored entry for KNOWN and CHANGED,
 * and zeroes it for NEW. Returns 0, or MLAB_E_TOFU_STORE with a reason in why
 * (which may be NULL): "FILE:LINE: ..." for a parse error, "FILE: ..." for one
 * of the whole file; a name or fp that is not of the shapes above is refused
 * the same way. MLAB_E_ARG for a NULL path, name, fp or v. */
int mlab_tofu_check(const char *path, const char *name, const char *fp, enum mlab_tofu_verdict *v,
		    struct mlab_tofu_entry *e, char *why, size_t whylen);

/* Appends "name fp now\n" to the store at path, creating it with mode 0600 if
 * missing, under an exclusive lock after reading the store again, so that two
 * concurrent adders cannot both add the name. If the name (compared as above)
 * is already stored with this fp it returns 0 without writing; if it is stored
 * with another fp, MLAB_E_PIN_MISMATCH (another writer stored another key
 * since the check). Otherwise 0, or MLAB_E_TOFU_STORE with a reason in why: the
 * store does not parse (including a last line without its newline, which an
 * append would corrupt), is full (10000 entries, 1 MiB), is a symbolic link, or
 * the write failed (a short write is cut back off); a name or fp of the wrong
 * shape, or now < 0, is refused the same way. MLAB_E_ARG for a NULL path, name
 * or fp. */
int mlab_tofu_add(const char *path, const char *name, const char *fp, long long now, char *why, size_t whylen);

#endif
