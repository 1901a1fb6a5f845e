/* Unit tests for lib/mlab_tofu (the trust-on-first-use store).
 *
 * Each test gets a fresh directory from mkdtemp under /tmp, emptied and
 * removed afterwards. Malformed stores are written byte for byte and must be
 * refused with "FILE:LINE: reason", by the check and by the add alike, and
 * the add must leave them as they were. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "mlab_err.h"
#include "mlab_tofu.h"

struct dir {
	char path[64];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	snprintf(d->path, sizeof d->path, "/tmp/mlab-tofu-XXXXXX");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	DIR *dh = opendir(d->path);
	struct dirent *de;
	char p[512];
	if (!dh)
		return -1;
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", d->path, de->d_name);
		if (unlink(p) != 0)
			return -1;
	}
	closedir(dh);
	int r = rmdir(d->path);
	free(d);
	return r;
}

static const char *in(void **state, const char *file, char out[256])
{
	const struct dir *d = *state;
	snprintf(out, 256, "%s/%s", d->path, file);
	return out;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

/* The whole file, NUL-terminated (*len without it); free() it. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t cap = (2u << 20) + 1, n;
	char *buf = malloc(cap);
	assert_non_null(buf);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void fp_of(uint8_t seed, char fp[MLAB_TOFU_FP_LEN])
{
	uint8_t key[32];
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(seed + 7 * i);
	assert_err(mlab_tofu_fingerprint(key, sizeof key, fp), 0);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ======================================================================
 * Fingerprint
 * ====================================================================== */

/* Bytes 0..31 hashed by the openssl tool, independently of the library. */
#define KEY_0_31_FP "SHA256:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0"

static void test_fingerprint_known_vector(void **state)
{
	uint8_t key[32];
	char fp[MLAB_TOFU_FP_LEN], path[256];
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)i;
	assert_err(mlab_tofu_fingerprint(key, sizeof key, fp), 0);
	assert_string_equal(fp, KEY_0_31_FP);
	assert_int_equal(strlen(fp), MLAB_TOFU_FP_LEN - 1);

	/* The same with the openssl tool now, where there is one. */
	write_bytes(in(state, "key.bin", path), key, sizeof key);
	char cmd[512], got[128] = "";
	snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -binary '%s' 2>/dev/null | base64 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *line = fgets(got, sizeof got, p);
	int st = pclose(p);
	if (!line || st != 0) {
		print_message("openssl or base64 not available: checked against the stored value only\n");
		return;
	}
	got[strcspn(got, "=\n")] = '\0'; /* unpadded */
	assert_int_equal(strlen(got), 43);
	assert_string_equal(fp + 7, got);
}

static void test_fingerprint_arguments(void **state)
{
	(void)state;
	char fp[MLAB_TOFU_FP_LEN];
	uint8_t key[32] = {0};
	assert_err(mlab_tofu_fingerprint(NULL, 32, fp), MLAB_E_ARG);
	assert_err(mlab_tofu_fingerprint(key, 32, NULL), MLAB_E_ARG);
	/* SHA-256 of nothing: 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= */
	assert_err(mlab_tofu_fingerprint(NULL, 0, fp), 0);
	assert_string_equal(fp, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
}

/* ======================================================================
 * Check and add
 * ====================================================================== */

static void test_missing_file_is_new(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	struct mlab_tofu_entry e;
	enum mlab_tofu_verdict v = MLAB_TOFU_KNOWN;
	memset(&e, 0x5a, sizeof e);
	fp_of(1, fp);
	assert_err(mlab_tofu_check(in(state, "none", path), "bob", fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_NEW);
	assert_int_equal(e.line, 0);
	assert_string_equal(e.name, "");
	/* e may be NULL */
	assert_err(mlab_tofu_check(path, "bob", fp, &v, NULL, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_NEW);
}

static void test_add_then_known(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	struct mlab_tofu_entry e;
	enum mlab_tofu_verdict v;
	fp_of(1, fp);
	assert_err(mlab_tofu_add(in(state, "store", path), "bob.lab", fp, 1700000000, why, sizeof why), 0);
	char *text = slurp(path, NULL), want[128];
	snprintf(want, sizeof want, "bob.lab %s 1700000000\n", fp);
	assert_string_equal(text, want);
	free(text);
	assert_err(mlab_tofu_check(path, "bob.lab", fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_string_equal(e.name, "bob.lab");
	assert_string_equal(e.fp, fp);
	assert_int_equal(e.first_seen, 1700000000);
	assert_int_equal(e.line, 1);
	/* Another name is still new. */
	assert_err(mlab_tofu_check(path, "alice.lab", fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_NEW);
}

static void test_other_key_changed_with_line(void **state)
{
	char path[256], fp1[MLAB_TOFU_FP_LEN], fp2[MLAB_TOFU_FP_LEN], fp3[MLAB_TOFU_FP_LEN], text[512], why[256] = "";
	struct mlab_tofu_entry e;
	enum mlab_tofu_verdict v;
	fp_of(1, fp1);
	fp_of(2, fp2);
	fp_of(3, fp3);
	snprintf(text, sizeof text, "# mitmlab trust-on-first-use store\n\nalice %s 5\n# bob:\nbob %s 0\n", fp1, fp2);
	write_text(in(state, "store", path), text);
	assert_err(mlab_tofu_check(path, "bob", fp3, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_CHANGED);
	assert_string_equal(e.fp, fp2);
	assert_int_equal(e.line, 5);
	assert_int_equal(e.first_seen, 0);
	assert_err(mlab_tofu_check(path, "alice", fp1, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_int_equal(e.line, 3);
	assert_int_equal(e.first_seen, 5);
}

static void test_names_compare_case_insensitively(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], fp2[MLAB_TOFU_FP_LEN], why[256] = "";
	struct mlab_tofu_entry e;
	enum mlab_tofu_verdict v;
	fp_of(1, fp);
	fp_of(2, fp2);
	assert_err(mlab_tofu_add(in(state, "store", path), "Bob.Lab", fp, 1, why, sizeof why), 0);
	assert_err(mlab_tofu_check(path, "bob.LAB", fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_string_equal(e.name, "Bob.Lab"); /* as stored */
	/* The same pair under another case is the same entry: not added twice. */
	assert_err(mlab_tofu_add(path, "BOB.lab", fp, 2, why, sizeof why), 0);
	assert_err(mlab_tofu_add(path, "bob.lab", fp2, 2, why, sizeof why), MLAB_E_PIN_MISMATCH);
	char *text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 1);
	free(text);
}

static void test_comments_blank_lines_and_limits_accepted(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], text[2048], why[256] = "", longname[MLAB_TOFU_NAME_MAX + 1];
	struct mlab_tofu_entry e;
	enum mlab_tofu_verdict v;
	memset(longname, 'a', MLAB_TOFU_NAME_MAX);
	longname[MLAB_TOFU_NAME_MAX] = '\0';
	fp_of(9, fp);
	/* A comment of exactly the longest line, 512 bytes. */
	char comment[513];
	memset(comment, 'x', 512);
	comment[0] = '#';
	comment[512] = '\0';
	snprintf(text, sizeof text,
		 "\n\n#\n# comment \t with odd bytes \x01\xff\n%s\n0.a-b.9 %s 9223372036854775807\n\n%s %s 00\n",
		 comment, fp, longname, fp);
	write_text(in(state, "store", path), text);
	assert_err(mlab_tofu_check(path, "0.A-B.9", fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_int_equal(e.line, 6);
	assert_true(e.first_seen == 9223372036854775807LL);
	assert_err(mlab_tofu_check(path, longname, fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_int_equal(e.line, 8);
	assert_int_equal(e.first_seen, 0);
	assert_string_equal(e.name, longname);
	/* An empty file is an empty store. */
	write_text(path, "");
	assert_err(mlab_tofu_check(path, "bob", fp, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_NEW);
	assert_err(mlab_tofu_add(path, "bob", fp, 3, why, sizeof why), 0);
}

/* The store holds bad, a malformed store: the check and the add both refuse
 * it with "PATH:LINE: " and a reason containing what, and the add leaves it
 * as it was. */
static void expect_refused(void **state, const char *bad, size_t len, unsigned line, const char *what)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[512] = "", prefix[300];
	enum mlab_tofu_verdict v;
	struct mlab_tofu_entry e;
	fp_of(42, fp);
	write_bytes(in(state, "bad", path), bad, len);
	if (line)
		snprintf(prefix, sizeof prefix, "%s:%u: ", path, line);
	else
		snprintf(prefix, sizeof prefix, "%s: ", path);
	assert_err(mlab_tofu_check(path, "probe", fp, &v, &e, why, sizeof why), MLAB_E_TOFU_STORE);
	if (strncmp(why, prefix, strlen(prefix)) != 0 || !strstr(why, what))
		fail_msg("check: expected '%s...%s', got '%s'", prefix, what, why);
	why[0] = '\0';
	assert_err(mlab_tofu_add(path, "probe", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	if (strncmp(why, prefix, strlen(prefix)) != 0 || !strstr(why, what))
		fail_msg("add: expected '%s...%s', got '%s'", prefix, what, why);
	size_t n;
	char *after = slurp(path, &n);
	assert_int_equal(n, len);
	assert_memory_equal(after, bad, len);
	free(after);
	unlink(path);
}

static void refused_line(void **state, const char *fmt, const char *what)
{
	char fp[MLAB_TOFU_FP_LEN], line[1024], text[2048];
	fp_of(1, fp);
	snprintf(line, sizeof line, fmt, fp);
	/* After a good line and a comment, so the line number is 3. */
	snprintf(text, sizeof text, "good.name %s 1\n# next:\n%s", fp, line);
	expect_refused(state, text, strlen(text), 3, what);
}

static void test_malformed_lines_refused(void **state)
{
	char longname[MLAB_TOFU_NAME_MAX + 2], fmt[600];
	refused_line(state, "bo_b %s 1\n", "character outside A-Z");
	refused_line(state, "bob\t%s 1\n", "character outside A-Z");
	refused_line(state,
		     "b\xc3\xb6"
		     "b %s 1\n",
		     "character outside A-Z");
	memset(longname, 'a', MLAB_TOFU_NAME_MAX + 1);
	longname[MLAB_TOFU_NAME_MAX + 1] = '\0';
	snprintf(fmt, sizeof fmt, "%s %%s 1\n", longname);
	refused_line(state, fmt, "longer than 253");
	refused_line(state, "bob SHA1:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0 1\n", "does not start with");
	refused_line(state, "bob sha256:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0 1\n", "does not start with");
	refused_line(state, "bob SHA256:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN 1\n", "not 43 base64");
	refused_line(state, "bob SHA256:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN0= 1\n", "not 43 base64");
	refused_line(state, "bob SHA256:Yw3NKWbEM2aRElRIu7JbT-QSpJxzLbLIq8G4WBvXEN0 1\n", "outside standard base64");
	refused_line(state, "bob SHA256:Yw3NKWbEM2aRElRIu7JbT/QSpJxzLbLIq8G4WBvXEN1 1\n", "not a canonical");
	refused_line(state, "bob %s 1 x\n", "junk after");
	refused_line(state, "bob %s 1 \n", "junk after");
	refused_line(state, "bob %s 1x\n", "not a decimal");
	refused_line(state, "bob %s +1\n", "not a decimal");
	refused_line(state, "bob %s -1\n", "negative");
	refused_line(state, "bob %s 12345678901234567890\n", "more than 19 digits");
	refused_line(state, "bob %s 9223372036854775808\n", "out of range");
	refused_line(state, "bob %s\n", "first-seen time is missing");
	refused_line(state, "bob\n%.0s", "fingerprint is missing");
	refused_line(state, "bob %s \n", "empty field");
	refused_line(state, "bob  %s 1\n", "empty field");
	refused_line(state, " bob %s 1\n", "empty field");
	refused_line(state, " \n%.0s", "empty field");
	refused_line(state, "bob %s 1\r\n", "carriage return");
	refused_line(state, "# a comment\r\n%.0s", "carriage return");
	refused_line(state, "bob %s 1", "does not end with a newline");
	refused_line(state, "# comment%.0s", "does not end with a newline");
	refused_line(state, "GOOD.NAME %s 2\n", "GOOD.NAME is stored twice (first on line 1)");
}

static void test_nul_byte_refused(void **state)
{
	char fp[MLAB_TOFU_FP_LEN], text[256];
	fp_of(1, fp);
	int n = snprintf(text, sizeof text, "# x\nbob %s 1\n", fp);
	text[12] = '\0'; /* in the fingerprint */
	expect_refused(state, text, (size_t)n, 2, "NUL byte");
	const char comment[] = "#\0\n";
	expect_refused(state, comment, sizeof comment - 1, 1, "NUL byte");
}

static void test_long_line_refused(void **state)
{
	char text[1024];
	memset(text, '#', 513);
	text[513] = '\n';
	expect_refused(state, text, 514, 1, "longer than 512 bytes");
	/* and a long line without any newline at all */
	memset(text, 'a', sizeof text);
	expect_refused(state, text, sizeof text, 1, "longer than 512 bytes");
}

static void test_duplicate_reported_at_first_second_occurrence(void **state)
{
	char a[MLAB_TOFU_FP_LEN], b[MLAB_TOFU_FP_LEN], text[1024];
	fp_of(1, a);
	fp_of(2, b);
	snprintf(text, sizeof text, "zed %s 1\nalpha %s 1\nbeta %s 1\nalpha %s 2\nzed %s 3\nalpha %s 4\n", a, a, a, b,
		 a, a);
	expect_refused(state, text, strlen(text), 4, "alpha is stored twice (first on line 2)");
}

static void test_oversized_file_refused(void **state)
{
	size_t len = (1u << 20) + 1;
	char *text = malloc(len);
	assert_non_null(text);
	memset(text, 'x', len);
	for (size_t i = 0; i < len; i += 64) {
		text[i] = '#';
		text[i + 63 < len ? i + 63 : len - 1] = '\n';
	}
	expect_refused(state, text, len, 0, "larger than 1 MiB");
	free(text);
}

/* n good entries named h0, h1, ... (each line 58..62 bytes). */
static char *many_entries(size_t n, size_t *len)
{
	char fp[MLAB_TOFU_FP_LEN];
	size_t cap = n * 80 + 1, off = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	fp_of(5, fp);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, cap - off, "h%zu %s 1\n", i, fp);
	*len = off;
	return text;
}

static void test_entry_count_limit(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	enum mlab_tofu_verdict v;
	size_t len;
	char *text = many_entries(10001, &len);
	expect_refused(state, text, len, 10001, "more than 10000 entries");
	free(text);

	/* 10000 entries read; the add of one more is refused, the store unchanged. */
	text = many_entries(10000, &len);
	write_bytes(in(state, "full", path), text, len);
	fp_of(5, fp);
	assert_err(mlab_tofu_check(path, "h9999", fp, &v, NULL, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_err(mlab_tofu_add(path, "h9999", fp, 1, why, sizeof why), 0); /* already there: no write */
	assert_err(mlab_tofu_add(path, "one.more", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "full (10000 entries)"));
	size_t n;
	char *after = slurp(path, &n);
	assert_int_equal(n, len);
	free(after);
	free(text);
}

static void test_add_refused_past_size_limit(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	size_t len = (1u << 20) - 10;
	char *text = malloc(len);
	assert_non_null(text);
	memset(text, 'x', len);
	for (size_t i = 0; i < len; i += 500) {
		text[i] = '#';
		text[i + 499 < len ? i + 499 : len - 1] = '\n';
	}
	write_bytes(in(state, "big", path), text, len);
	fp_of(1, fp);
	assert_err(mlab_tofu_add(path, "bob", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "past 1 MiB"));
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, (off_t)len);
	free(text);
}

static void test_add_same_pair_twice_no_duplicate(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], fp2[MLAB_TOFU_FP_LEN], why[256] = "";
	fp_of(1, fp);
	fp_of(2, fp2);
	assert_err(mlab_tofu_add(in(state, "store", path), "bob", fp, 10, why, sizeof why), 0);
	assert_err(mlab_tofu_add(path, "alice", fp2, 11, why, sizeof why), 0);
	assert_err(mlab_tofu_add(path, "bob", fp, 12, why, sizeof why), 0);
	char *text = slurp(path, NULL), want[256];
	snprintf(want, sizeof want, "bob %s 10\nalice %s 11\n", fp, fp2);
	assert_string_equal(text, want); /* first_seen kept from the first add */
	free(text);
}

static void test_add_conflicting_key_pin_mismatch(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], fp2[MLAB_TOFU_FP_LEN], why[256] = "", want[300];
	fp_of(1, fp);
	fp_of(2, fp2);
	write_text(in(state, "store", path), "# header\n");
	assert_err(mlab_tofu_add(path, "bob", fp, 10, why, sizeof why), 0);
	assert_err(mlab_tofu_add(path, "bob", fp2, 11, why, sizeof why), MLAB_E_PIN_MISMATCH);
	snprintf(want, sizeof want, "%s:2: ", path);
	assert_true(strncmp(why, want, strlen(want)) == 0);
	assert_non_null(strstr(why, fp));
	char *text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 2);
	free(text);
}

static void test_created_mode_0600(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	struct stat sb;
	fp_of(1, fp);
	mode_t old = umask(0); /* the mode must come from the code, not the umask */
	int r = mlab_tofu_add(in(state, "store", path), "bob", fp, 1, why, sizeof why);
	umask(old);
	assert_err(r, 0);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void test_symlink_refused(void **state)
{
	char path[256], link[256], dangling[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	enum mlab_tofu_verdict v;
	struct stat sb;
	fp_of(1, fp);
	assert_err(mlab_tofu_add(in(state, "real", path), "bob", fp, 1, why, sizeof why), 0);
	assert_int_equal(symlink(path, in(state, "link", link)), 0);
	assert_err(mlab_tofu_check(link, "bob", fp, &v, NULL, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "symbolic link"));
	assert_err(mlab_tofu_add(link, "alice", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "symbolic link"));
	char *text = slurp(path, NULL);
	assert_int_equal(count_lines(text), 1);
	free(text);
	/* A dangling link: the add must not create its target. */
	char target[256];
	in(state, "target", target);
	assert_int_equal(symlink(target, in(state, "dangling", dangling)), 0);
	assert_err(mlab_tofu_add(dangling, "bob", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "symbolic link"));
	assert_int_equal(lstat(target, &sb), -1);
}

static void test_not_a_regular_file_refused(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	enum mlab_tofu_verdict v;
	fp_of(1, fp);
	/* A FIFO must be refused, not hang the open or the read. */
	assert_int_equal(mkfifo(in(state, "fifo", path), 0600), 0);
	assert_err(mlab_tofu_check(path, "bob", fp, &v, NULL, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "not a regular file"));
	assert_err(mlab_tofu_add(path, "bob", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "not a regular file"));
	const struct dir *d = *state;
	assert_err(mlab_tofu_check(d->path, "bob", fp, &v, NULL, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_err(mlab_tofu_add(d->path, "bob", fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	/* A missing directory on the way is an error, not an empty store. */
	in(state, "fifo/x", path);
	assert_err(mlab_tofu_check(path, "bob", fp, &v, NULL, why, sizeof why), MLAB_E_TOFU_STORE);
}

static void test_bad_arguments(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "", longname[300];
	enum mlab_tofu_verdict v;
	fp_of(1, fp);
	in(state, "store", path);
	assert_err(mlab_tofu_check(NULL, "bob", fp, &v, NULL, why, sizeof why), MLAB_E_ARG);
	assert_err(mlab_tofu_check(path, NULL, fp, &v, NULL, why, sizeof why), MLAB_E_ARG);
	assert_err(mlab_tofu_check(path, "bob", NULL, &v, NULL, why, sizeof why), MLAB_E_ARG);
	assert_err(mlab_tofu_check(path, "bob", fp, NULL, NULL, why, sizeof why), MLAB_E_ARG);
	assert_err(mlab_tofu_add(NULL, "bob", fp, 1, why, sizeof why), MLAB_E_ARG);
	assert_err(mlab_tofu_add(path, NULL, fp, 1, why, sizeof why), MLAB_E_ARG);
	assert_err(mlab_tofu_add(path, "bob", NULL, 1, why, sizeof why), MLAB_E_ARG);
	const char *bad_names[] = {"", "bob smith", "bob\n", "b_b", "bob#"};
	for (size_t i = 0; i < N_OF(bad_names); i++) {
		assert_err(mlab_tofu_check(path, bad_names[i], fp, &v, NULL, why, sizeof why), MLAB_E_TOFU_STORE);
		assert_err(mlab_tofu_add(path, bad_names[i], fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	}
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_err(mlab_tofu_add(path, longname, fp, 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "longer than 253"));
	assert_err(mlab_tofu_add(path, "bob", "SHA256:short", 1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_err(mlab_tofu_add(path, "bob", fp, -1, why, sizeof why), MLAB_E_TOFU_STORE);
	assert_non_null(strstr(why, "before the epoch"));
	/* why may be NULL, or too short: cut, not overrun */
	assert_err(mlab_tofu_add(path, "b_b", fp, 1, NULL, 0), MLAB_E_TOFU_STORE);
	char tiny[4] = "zzz";
	assert_err(mlab_tofu_add(path, "b_b", fp, 1, tiny, sizeof tiny), MLAB_E_TOFU_STORE);
	assert_int_equal(strlen(tiny), 3);
	/* none of these created the store */
	assert_int_equal(access(path, F_OK), -1);
}

/* Children add at once; the lock lets exactly one key in for the name, and
 * every distinct name exactly once. */
#define ADDERS 8
static void test_concurrent_adders(void **state)
{
	char path[256], why[256] = "";
	pid_t pid[ADDERS];
	in(state, "store", path);
	for (int i = 0; i < ADDERS; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			char fp[MLAB_TOFU_FP_LEN], name[32];
			fp_of((uint8_t)(100 + i), fp);
			int a = mlab_tofu_add(path, "shared", fp, i, why, sizeof why);
			snprintf(name, sizeof name, "own%d", i);
			int b = mlab_tofu_add(path, name, fp, i, why, sizeof why);
			_exit(a == 0 ? (b == 0 ? 0 : 3) : a == MLAB_E_PIN_MISMATCH ? (b == 0 ? 1 : 3) : 2);
		}
	}
	int won = 0;
	for (int i = 0; i < ADDERS; i++) {
		int st;
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		assert_true(WIFEXITED(st));
		assert_true(WEXITSTATUS(st) <= 1);
		won += WEXITSTATUS(st) == 0;
	}
	assert_int_equal(won, 1);
	char *text = slurp(path, NULL);
	assert_int_equal(count_lines(text), ADDERS + 1);
	free(text);
	enum mlab_tofu_verdict v;
	char fp[MLAB_TOFU_FP_LEN];
	fp_of(100, fp);
	assert_err(mlab_tofu_check(path, "own7", fp, &v, NULL, why, sizeof why), 0); /* parses: no duplicate */
}

static void test_held_lock_times_out(void **state)
{
	char path[256], fp[MLAB_TOFU_FP_LEN], why[256] = "";
	enum mlab_tofu_verdict v;
	fp_of(1, fp);
	write_text(in(state, "store", path), "");
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0); /* another open file: conflicts with our own process too */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_err(mlab_tofu_check(path, "bob", fp, &v, NULL, why, sizeof why), MLAB_E_TOFU_STORE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(why, "locked by another process"));
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	close(fd);
	assert_err(mlab_tofu_check(path, "bob", fp, &v, NULL, why, sizeof why), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_fingerprint_known_vector),
	    T(test_fingerprint_arguments),
	    T(test_missing_file_is_new),
	    T(test_add_then_known),
	    T(test_other_key_changed_with_line),
	    T(test_names_compare_case_insensitively),
	    T(test_comments_blank_lines_and_limits_accepted),
	    T(test_malformed_lines_refused),
	    T(test_nul_byte_refused),
	    T(test_long_line_refused),
	    T(test_duplicate_reported_at_first_second_occurrence),
	    T(test_oversized_file_refused),
	    T(test_entry_count_limit),
	    T(test_add_refused_past_size_limit),
	    T(test_add_same_pair_twice_no_duplicate),
	    T(test_add_conflicting_key_pin_mismatch),
	    T(test_created_mode_0600),
	    T(test_symlink_refused),
	    T(test_not_a_regular_file_refused),
	    T(test_bad_arguments),
	    T(test_concurrent_adders),
	    T(test_held_lock_times_out),
	};
#undef T
	return cmocka_run_group_tests_name("mlab_tofu", tests, NULL, NULL);
}
