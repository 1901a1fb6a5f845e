/* Trust-on-first-use store (see mlab_tofu.h; format in docs/protocol.md). */
#include "mlab_tofu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mlab_crypto.h"
#include "mlab_err.h"

#define FILE_MAX (1u << 20) /* bytes */
#define LINE_MAX_LEN 512    /* bytes, without the LF */
#define ENTRIES_MAX 10000
#define TIME_DIGITS_MAX 19
#define FP_PREFIX "SHA256:"
#define FP_PREFIX_LEN 7
#define FP_B64_LEN 43 /* 32 bytes, unpadded */
#define LOCK_TRIES 200
#define LOCK_SLEEP_NS 10000000L /* 200 x 10 ms: a stuck lock fails, it does not hang the peer */

_Static_assert(MLAB_SHA256_LEN == 32 && FP_PREFIX_LEN + FP_B64_LEN + 1 == MLAB_TOFU_FP_LEN,
	       "the fingerprint is 43 base64 characters of a 32-byte hash");

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

__attribute__((format(printf, 3, 4))) static void say(char *why, size_t whylen, const char *fmt, ...)
{
	if (!why || whylen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int mlab_tofu_fingerprint(const uint8_t *pub, size_t len, char out[MLAB_TOFU_FP_LEN])
{
	uint8_t h[MLAB_SHA256_LEN];
	if ((!pub && len) || !out)
		return MLAB_E_ARG;
	int e = mlab_sha256(pub ? (const void *)pub : "", len, h);
	if (e != 0)
		return e;
	char *o = out;
	memcpy(o, FP_PREFIX, FP_PREFIX_LEN);
	o += FP_PREFIX_LEN;
	size_t i = 0;
	for (; i + 3 <= sizeof h; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8 | h[i + 2];
		for (int k = 18; k >= 0; k -= 6)
			*o++ = b64[(v >> k) & 63];
	}
	/* 32 = 3*10 + 2: the last two bytes make three characters, no '='. */
	uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8;
	for (int k = 18; k >= 6; k -= 6)
		*o++ = b64[(v >> k) & 63];
	*o = '\0';
	return 0;
}

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* ASCII only: the C library's case folding follows the locale. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	for (size_t i = 0; i < alen && i < blen; i++) {
		unsigned char x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int b64_index(unsigned char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

/* NULL if s[0..len) has the exact shape of a fingerprint, else what is wrong.
 * The last character carries 4 bits of the hash and 2 zero bits, so only the
 * canonical encoding, the one mlab_tofu_fingerprint writes, is accepted. */
static const char *fp_problem(const char *s, size_t len)
{
	if (len < FP_PREFIX_LEN || memcmp(s, FP_PREFIX, FP_PREFIX_LEN) != 0)
		return "the fingerprint does not start with \"" FP_PREFIX "\"";
	if (len != FP_PREFIX_LEN + FP_B64_LEN)
		return "the fingerprint is not 43 base64 characters after \"" FP_PREFIX "\"";
	for (size_t i = FP_PREFIX_LEN; i < len; i++) {
		int k = b64_index((unsigned char)s[i]);
		if (k < 0)
			return "the fingerprint has a character outside standard base64 (A-Z a-z 0-9 + /)";
		if (i == len - 1 && (k & 3) != 0)
			return "the fingerprint's last character is not a canonical encoding of a SHA-256 hash";
	}
	return NULL;
}

/* NULL if s[0..len) is a name the store can hold, else what is wrong. */
static const char *name_problem(const char *s, size_t len)
{
	if (len == 0)
		return "the host name is empty";
	if (len > MLAB_TOFU_NAME_MAX)
		return "the host name is longer than 253 characters";
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)s[i]))
			return "the host name has a character outside A-Z a-z 0-9 '.' '-'";
	return NULL;
}

/* A name of the file, for the sort that finds one stored twice. */
struct ent {
	const char *name;
	size_t len;
	unsigned line;
};

static int ent_cmp(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	int c = name_cmp(a->name, a->len, b->name, b->len);
	return c ? c : a->line < b->line ? -1 : a->line > b->line;
}

/* What reading the store found. */
struct store {
	size_t size, entries;
	bool found;
	struct mlab_tofu_entry e; /* when found */
};

/* Parses one entry line (no LF), "NAME SP FP SP TIME". NULL if good, with
 * ent's name, *fp and *t filled, else what is wrong. */
static const char *parse_entry(const char *s, size_t len, struct ent *ent, const char **fp, size_t *fplen, long long *t)
{
	const char *f[3];
	size_t flen[3], nf = 0;
	for (size_t i = 0, start = 0;; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (nf == 3) /* a space after the third field */
			return "junk after the first-seen time";
		if (i == start)
			return "an empty field (fields are separated by exactly one space, with none at either end)";
		f[nf] = s + start;
		flen[nf++] = i - start;
		start = i + 1;
		if (i == len)
			break;
	}
	/* Field by field, so that a tab in the name is named as such rather
	 * than as a missing field. */
	const char *p;
	if ((p = name_problem(f[0], flen[0])) != NULL)
		return p;
	if (nf < 2)
		return "the fingerprint is missing";
	if ((p = fp_problem(f[1], flen[1])) != NULL)
		return p;
	if (nf < 3)
		return "the first-seen time is missing";
	long long v = 0;
	for (size_t k = 0; k < flen[2]; k++) {
		unsigned char c = (unsigned char)f[2][k];
		if (c < '0' || c > '9')
			return c == '-' && k == 0 ? "the first-seen time is negative"
						  : "the first-seen time is not a decimal number of seconds";
	}
	if (flen[2] > TIME_DIGITS_MAX)
		return "the first-seen time has more than 19 digits";
	for (size_t k = 0; k < flen[2]; k++) {
		int d = f[2][k] - '0';
		if (v > (LLONG_MAX - d) / 10)
			return "the first-seen time is out of range";
		v = v * 10 + d;
	}
	ent->name = f[0];
	ent->len = flen[0];
	*fp = f[1];
	*fplen = flen[1];
	*t = v;
	return NULL;
}

/* Parses buf[0..n) into *st, looking name up. 0 or MLAB_E_TOFU_STORE. */
static int parse(const char *path, const char *buf, size_t n, const char *name, struct store *st, char *why,
		 size_t whylen)
{
	/* At most one entry per 2 bytes, and ENTRIES_MAX + 1 to notice too many. */
	size_t cap = n / 2 + 1 < ENTRIES_MAX + 1 ? n / 2 + 1 : ENTRIES_MAX + 1;
	struct ent *ents = malloc(cap * sizeof *ents);
	size_t namelen = strlen(name);
	unsigned line = 1;
	int rc = MLAB_E_TOFU_STORE;

	memset(st, 0, sizeof *st);
	st->size = n;
	if (!ents) {
		say(why, whylen, "%s: out of memory", path);
		return rc;
	}
	for (size_t pos = 0; pos < n; line++) {
		const char *s = buf + pos, *nl = memchr(s, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - s) : n - pos;
		const char *p = NULL, *fp = NULL;
		size_t fplen = 0;
		long long t = 0;
		struct ent ent;

		pos += len + 1;
		if (len > LINE_MAX_LEN)
			p = "the line is longer than 512 bytes";
		else if (memchr(s, '\0', len))
			p = "a NUL byte";
		else if (memchr(s, '\r', len))
			p = "a carriage return (CR): lines must end with LF alone";
		else if (!nl)
			p = "the last line does not end with a newline";
		else if (len == 0 || s[0] == '#')
			continue;
		else if (st->entries == ENTRIES_MAX)
			p = "more than 10000 entries";
		else
			p = parse_entry(s, len, &ent, &fp, &fplen, &t);
		if (p) {
			say(why, whylen, "%s:%u: %s", path, line, p);
			goto out;
		}
		ent.line = line;
		ents[st->entries++] = ent;
		if (!st->found && name_cmp(ent.name, ent.len, name, namelen) == 0) {
			st->found = true;
			memcpy(st->e.name, ent.name, ent.len);
			st->e.name[ent.len] = '\0';
			memcpy(st->e.fp, fp, fplen);
			st->e.fp[fplen] = '\0';
			st->e.first_seen = t;
			st->e.line = line;
		}
	}
	/* A name stored twice is ambiguous: which key is trusted? Report the
	 * earliest second occurrence, as a line-by-line reader would. */
	qsort(ents, st->entries, sizeof *ents, ent_cmp);
	const struct ent *dup = NULL, *first = NULL;
	for (size_t i = 1, g = 0; i < st->entries; i++) {
		if (name_cmp(ents[i].name, ents[i].len, ents[g].name, ents[g].len) != 0) {
			g = i;
			continue;
		}
		if (i == g + 1 && (!dup || ents[i].line < dup->line)) {
			dup = &ents[i];
			first = &ents[g];
		}
	}
	if (dup) {
		say(why, whylen, "%s:%u: the host name %.*s is stored twice (first on line %u)", path, dup->line,
		    (int)dup->len, dup->name, first->line);
		goto out;
	}
	rc = 0;
out:
	free(ents);
	return rc;
}

/* Waits a bounded time for the lock, so that a stuck holder fails this peer
 * rather than hanging it. */
static int lock(int fd, int how, const char *path, char *why, size_t whylen)
{
	for (int i = 0; i < LOCK_TRIES; i++) {
		if (flock(fd, how | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			say(why, whylen, "%s: cannot lock: %s", path, strerror(errno));
			return MLAB_E_TOFU_STORE;
		}
		struct timespec ts = {0, LOCK_SLEEP_NS};
		nanosleep(&ts, NULL);
	}
	say(why, whylen, "%s: locked by another process for more than 2 seconds", path);
	return MLAB_E_TOFU_STORE;
}

static int open_error(const char *path, int err, char *why, size_t whylen)
{
	if (err == ELOOP)
		say(why, whylen, "%s: is a symbolic link; the store must be a regular file, named by its own path",
		    path);
	else
		say(why, whylen, "%s: cannot open: %s", path, strerror(err));
	return MLAB_E_TOFU_STORE;
}

/* Reads and parses the whole (locked) store. */
static int load(int fd, const char *path, const char *name, struct store *st, char *why, size_t whylen)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		say(why, whylen, "%s: %s", path, strerror(errno));
		return MLAB_E_TOFU_STORE;
	}
	if (!S_ISREG(sb.st_mode)) {
		say(why, whylen, "%s: not a regular file", path);
		return MLAB_E_TOFU_STORE;
	}
	if (sb.st_size < 0 || (unsigned long long)sb.st_size > FILE_MAX) {
		say(why, whylen, "%s: larger than 1 MiB (%u bytes), refused", path, FILE_MAX);
		return MLAB_E_TOFU_STORE;
	}
	/* One byte more than fstat said, to notice a file that grew under us. */
	size_t want = (size_t)sb.st_size + 1, n = 0;
	char *buf = malloc(want);
	if (!buf) {
		say(why, whylen, "%s: out of memory", path);
		return MLAB_E_TOFU_STORE;
	}
	while (n < want) {
		ssize_t r = pread(fd, buf + n, want - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say(why, whylen, "%s: cannot read: %s", path, strerror(errno));
			free(buf);
			return MLAB_E_TOFU_STORE;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	int rc = MLAB_E_TOFU_STORE;
	if (n == want)
		say(why, whylen, "%s: changed while being read (written by something that does not lock it)", path);
	else
		rc = parse(path, buf, n, name, st, why, whylen);
	free(buf);
	return rc;
}

/* The arguments' shapes, checked before the file is touched. */
static int check_args(const char *name, const char *fp, char *why, size_t whylen)
{
	const char *p = name_problem(name, strnlen(name, MLAB_TOFU_NAME_MAX + 1));
	if (!p)
		p = fp_problem(fp, strnlen(fp, MLAB_TOFU_FP_LEN));
	if (p) {
		say(why, whylen, "cannot look up or store this peer: %s", p);
		return MLAB_E_TOFU_STORE;
	}
	return 0;
}

int mlab_tofu_check(const char *path, const char *name, const char *fp, enum mlab_tofu_verdict *v,
		    struct mlab_tofu_entry *e, char *why, size_t whylen)
{
	struct store st;
	int rc;

	if (!path || !name || !fp || !v)
		return MLAB_E_ARG;
	if (e)
		memset(e, 0, sizeof *e);
	if ((rc = check_args(name, fp, why, whylen)) != 0)
		return rc;
	/* O_NONBLOCK: a FIFO in its place must not hang the open. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*v = MLAB_TOFU_NEW;
			return 0;
		}
		return open_error(path, errno, why, whylen);
	}
	if ((rc = lock(fd, LOCK_SH, path, why, whylen)) == 0)
		rc = load(fd, path, name, &st, why, whylen);
	close(fd);
	if (rc != 0)
		return rc;
	*v = !st.found ? MLAB_TOFU_NEW : strcmp(st.e.fp, fp) == 0 ? MLAB_TOFU_KNOWN : MLAB_TOFU_CHANGED;
	if (e && st.found)
		*e = st.e;
	return 0;
}

/* Appends the line in one write(2), under the caller's exclusive lock; a short
 * write is cut off again so the store stays whole lines. */
static int append(int fd, const char *path, const char *line, size_t len, size_t old_size, char *why, size_t whylen)
{
	ssize_t w;
	do
		w = write(fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)len) {
		if (fsync(fd) == 0)
			return 0;
		say(why, whylen, "%s: cannot sync to disk: %s", path, strerror(errno));
		return MLAB_E_TOFU_STORE;
	}
	int err = w < 0 ? errno : ENOSPC;
	if (w > 0 && ftruncate(fd, (off_t)old_size) != 0)
		say(why, whylen, "%s: short write, and cutting it off failed (%s): its last line is incomplete", path,
		    strerror(errno));
	else
		say(why, whylen, "%s: cannot write: %s", path, strerror(err));
	return MLAB_E_TOFU_STORE;
}

int mlab_tofu_add(const char *path, const char *name, const char *fp, long long now, char *why, size_t whylen)
{
	struct store st;
	char line[MLAB_TOFU_NAME_MAX + MLAB_TOFU_FP_LEN + TIME_DIGITS_MAX + 3];
	int rc;

	if (!path || !name || !fp)
		return MLAB_E_ARG;
	if ((rc = check_args(name, fp, why, whylen)) != 0)
		return rc;
	if (now < 0) {
		say(why, whylen, "cannot store this peer: the time %lld is before the epoch", now);
		return MLAB_E_TOFU_STORE;
	}
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0)
		return open_error(path, errno, why, whylen);
	/* Read again under the lock: another writer may have stored the name
	 * since our caller's check. */
	if ((rc = lock(fd, LOCK_EX, path, why, whylen)) != 0 || (rc = load(fd, path, name, &st, why, whylen)) != 0)
		goto out;
	if (st.found) {
		if (strcmp(st.e.fp, fp) != 0) {
			say(why, whylen, "%s:%u: %s is already stored with another key, %s", path, st.e.line, st.e.name,
			    st.e.fp);
			rc = MLAB_E_PIN_MISMATCH;
		}
		goto out;
	}
	int len = snprintf(line, sizeof line, "%s %s %lld\n", name, fp, now);
	rc = MLAB_E_TOFU_STORE;
	if (len < 0 || (size_t)len >= sizeof line)
		say(why, whylen, "%s: the entry does not fit a line", path);
	else if (st.entries >= ENTRIES_MAX)
		say(why, whylen, "%s: full (10000 entries)", path);
	else if (st.size + (size_t)len > FILE_MAX)
		say(why, whylen, "%s: full (it would grow past 1 MiB)", path);
	else
		rc = append(fd, path, line, (size_t)len, st.size, why, whylen);
out:
	close(fd); /* releases the lock */
	return rc;
}
