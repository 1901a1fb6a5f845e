/* Unit tests for lib/mlab_pki (times, issuing, the lab PKI) and the pki and
 * cert modes of mitmlab-keygen.
 *
 * The PKI is made once per run into a mkdtemp directory, over keys made
 * there, and then judged by code nobody here wrote: the openssl command
 * (openssl verify, x509, pkey), run with fork/exec, no shell. Each bad
 * certificate must fail for its own reason, named in openssl's words.
 * mitmlab-keygen is found through MLAB_BIN (set by make test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "test_util.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_pki.h"
#include "mlab_tofu.h"

#define DAY 86400LL
#define OUT_CAP 8192

struct fx {
	char dir[64];  /* the temporary directory */
	char pki[128]; /* dir/pki */
	char bob_key[128], mallory_key[128];
	long long now;
};

/* ======================================================================
 * Helpers
 * ====================================================================== */

/* Runs argv (argv[0] looked up in PATH), stdout and stderr into out.
 * Its exit status, 127 when it could not be started. */
static int run(const char *const *argv, char *out, size_t len)
{
	int pfd[2], status;
	size_t got = 0;

	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char spill[1024];
		ssize_t r = got < len - 1 ? read(pfd[0], out + got, len - 1 - got) : read(pfd[0], spill, sizeof spill);
		if (r <= 0)
			break;
		if (got < len - 1)
			got += (size_t)r;
	}
	out[got] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *in(const struct fx *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->pki, name);
	return buf;
}

/* openssl verify of the first certificate of chain, with the whole chain
 * file as untrusted intermediates, against root.pem (or ca). extra: more
 * options (NULL-terminated, at most 6). Prints openssl's words on failure. */
static int verify(const struct fx *f, const char *ca, const char *chain, const char *const *extra, char *out)
{
	char ca_p[256], chain_p[256];
	const char *argv[16] = {"openssl",    "verify",
				"-CAfile",    in(f, ca, ca_p, sizeof ca_p),
				"-untrusted", in(f, chain, chain_p, sizeof chain_p)};
	size_t n = 6;
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n++] = chain_p;
	argv[n] = NULL;
	return run(argv, out, OUT_CAP);
}

#define assert_contains(hay, needle)                                                                                   \
	do {                                                                                                           \
		if (!strstr((hay), (needle)))                                                                          \
			fail_msg("expected \"%s\" in:\n%s", (needle), (hay));                                          \
	} while (0)

static void assert_verifies(const struct fx *f, const char *chain, const char *const *extra)
{
	char out[OUT_CAP];
	int rc = verify(f, "root.pem", chain, extra, out);
	if (rc != 0)
		fail_msg("openssl verify %s failed (%d):\n%s", chain, rc, out);
	assert_contains(out, ": OK");
}

static void assert_refused(const struct fx *f, const char *ca, const char *chain, const char *const *extra,
			   const char *why)
{
	char out[OUT_CAP];
	int rc = verify(f, ca, chain, extra, out);
	if (rc == 0)
		fail_msg("openssl verify accepted %s:\n%s", chain, out);
	assert_contains(out, why);
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		fail_msg("%s is missing", path);
	return st.st_mode & 07777;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot read %s", path);
	char *buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

/* stdout of an openssl command, which must succeed. */
static void openssl_out(const char *const *argv, char *out)
{
	int rc = run(argv, out, OUT_CAP);
	if (rc != 0)
		fail_msg("%s %s failed (%d):\n%s", argv[0], argv[1], rc, out);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_key(const char *path)
{
	char pub[256];
	EVP_PKEY *k = NULL;
	snprintf(pub, sizeof pub, "%s.pub", path);
	assert_err(mlab_ed25519_generate(&k), 0);
	assert_err(mlab_key_save(path, pub, k), 0);
	EVP_PKEY_free(k);
}

static int setup(void **state)
{
	char out[256];
	const char *argv[] = {"openssl", "version", NULL};
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	if (run(argv, out, sizeof out) != 0) {
		fprintf(stderr, "test_pki needs the openssl command: run tools/install-deps.sh\n");
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "/tmp/test_pki.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->pki, sizeof f->pki, "%s/pki", f->dir);
	snprintf(f->bob_key, sizeof f->bob_key, "%s/bob.key", f->dir);
	snprintf(f->mallory_key, sizeof f->mallory_key, "%s/mallory.key", f->dir);
	f->now = (long long)time(NULL);
	make_key(f->bob_key);
	make_key(f->mallory_key);
	*state = f;
	return mlab_pki_make(f->pki, f->now, f->bob_key, f->mallory_key, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f && f->dir[0])
		nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ======================================================================
 * mlab_time_parse
 * ====================================================================== */

static void test_time_parse_good(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		long long t;
	} good[] = {
	    {"1970-01-01", 0},
	    {"1970-01-01T00:00:00Z", 0},
	    {"2000-01-01T00:00:00Z", 946684800},
	    {"2024-02-29", 1709164800},
	    {"2024-02-29T12:34:56Z", 1709210096},
	    {"2000-02-29", 951782400},
	    {"9999-12-31T23:59:59Z", MLAB_TIME_MAX},
	    {"@0", 0},
	    {"@1700000000", 1700000000},
	    {"1700000000", 1700000000},
	    {"0001700000000", 1700000000},
	    {"253402300799", MLAB_TIME_MAX},
	};
	for (size_t i = 0; i < N_OF(good); i++) {
		long long t = -1;
		if (mlab_time_parse(good[i].s, &t) != 0)
			fail_msg("refused %s", good[i].s);
		if (t != good[i].t)
			fail_msg("%s: %lld, expected %lld", good[i].s, t, good[i].t);
	}
}

static void test_time_parse_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "@",
	    "@-1",
	    "-1",
	    "+5",
	    " 5",
	    "5 ",
	    "0x10",
	    "12a",
	    "@1e9",
	    "@253402300800",
	    "99999999999999999999999999",
	    "1969-12-31",
	    "1969-12-31T23:59:59Z",
	    "10000-01-01",
	    "0000-01-01",
	    "2023-02-29",
	    "1900-02-29",
	    "2024-02-30",
	    "2024-04-31",
	    "2024-13-01",
	    "2024-00-10",
	    "2024-01-00",
	    "2024-01-32",
	    "2024-1-01",
	    "2024-01-1",
	    "24-01-01",
	    "2024/01/01",
	    "2024-01-01T",
	    "2024-01-01T00:00Z",
	    "2024-01-01T00:00:00",
	    "2024-01-01T00:00:00z",
	    "2024-01-01t00:00:00Z",
	    "2024-01-01 00:00:00Z",
	    "2024-01-01T24:00:00Z",
	    "2024-01-01T23:60:00Z",
	    "2024-01-01T23:59:60Z",
	    "2024-01-01T00:00:00+00:00",
	    "2024-01-01T00:00:00.5Z",
	    "2024-01-01T00:00:00Z ",
	    "2024-01-01x",
	    "2024-01-01\n",
	    "2024-01-0a",
	    "2024-01-01T0a:00:00Z",
	    "now",
	};
	for (size_t i = 0; i < N_OF(bad); i++) {
		long long t = 42;
		if (mlab_time_parse(bad[i], &t) != MLAB_E_BAD_FIELD)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(t, 42); /* untouched */
	}
	long long t;
	assert_err(mlab_time_parse(NULL, &t), MLAB_E_ARG);
	assert_err(mlab_time_parse("0", NULL), MLAB_E_ARG);
}

/* ======================================================================
 * mlab_pki_issue
 * ====================================================================== */

static void test_issue_ca_and_leaf_fields(void **state)
{
	(void)state;
	EVP_PKEY *ca_k = NULL, *k = NULL;
	X509 *ca = NULL, *leaf = NULL;
	assert_err(mlab_ed25519_generate(&ca_k), 0);
	assert_err(mlab_ed25519_generate(&k), 0);
	struct mlab_cert_spec cs = {
	    .subject_cn = "A CA", .ca = true, .pathlen = 2, .not_before = 1000, .not_after = 2000, .key = ca_k};
	assert_err(mlab_pki_issue(&cs, &ca), 0);
	struct mlab_cert_spec ls = {.subject_cn = "x.lab",
				    .org = "O",
				    .san_dns = "x.lab",
				    .pathlen = -1,
				    .server_auth = true,
				    .client_auth = true,
				    .digital_signature = true,
				    .not_before = 1000,
				    .not_after = 2000,
				    .key = k,
				    .issuer_key = ca_k,
				    .issuer = ca};
	assert_err(mlab_pki_issue(&ls, &leaf), 0);

	assert_int_equal(X509_get_version(ca), X509_VERSION_3);
	assert_int_equal(X509_get_version(leaf), X509_VERSION_3);
	assert_int_equal(X509_check_ca(ca), 1);
	assert_int_equal(X509_check_ca(leaf), 0);
	assert_int_equal(X509_get_pathlen(ca), 2);
	assert_true(X509_get_key_usage(ca) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
	assert_true(X509_get_key_usage(leaf) == KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_extended_key_usage(leaf) == (XKU_SSL_SERVER | XKU_SSL_CLIENT));
	assert_int_equal(X509_check_host(leaf, "x.lab", 0, 0, NULL), 1);
	assert_int_equal(X509_check_issued(ca, leaf), X509_V_OK);
	assert_int_equal(X509_check_issued(ca, ca), X509_V_OK);
	assert_int_equal(X509_verify(leaf, ca_k), 1);
	assert_int_equal(X509_verify(ca, ca_k), 1);
	/* basicConstraints and keyUsage critical, extendedKeyUsage not */
	int crit = -2;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(leaf, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING *ku = X509_get_ext_d2i(leaf, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_int_equal(crit, 1);
	ASN1_BIT_STRING_free(ku);
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, NULL);
	assert_non_null(eku);
	assert_int_equal(crit, 0);
	EXTENDED_KEY_USAGE_free(eku);
	/* a positive serial of exactly 16 bytes, different each time */
	BIGNUM *s1 = ASN1_INTEGER_to_BN(X509_get0_serialNumber(ca), NULL);
	BIGNUM *s2 = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
	assert_false(BN_is_negative(s1));
	assert_int_equal(BN_num_bytes(s1), 16);
	assert_int_equal(BN_num_bytes(s2), 16);
	assert_int_not_equal(BN_cmp(s1, s2), 0);
	BN_free(s1);
	BN_free(s2);
	/* no use set: no extendedKeyUsage; no digitalSignature: no keyUsage */
	X509 *bare = NULL;
	ls.server_auth = ls.client_auth = ls.digital_signature = false;
	assert_err(mlab_pki_issue(&ls, &bare), 0);
	assert_int_equal(X509_get_ext_by_NID(bare, NID_ext_key_usage, -1), -1);
	assert_int_equal(X509_get_ext_by_NID(bare, NID_key_usage, -1), -1);
	X509_free(bare);

	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ca_k);
}

static void test_issue_refuses_bad_specs(void **state)
{
	(void)state;
	EVP_PKEY *ca_k = NULL, *k = NULL;
	X509 *ca = NULL, *x = (X509 *)&x;
	assert_err(mlab_ed25519_generate(&ca_k), 0);
	assert_err(mlab_ed25519_generate(&k), 0);
	struct mlab_cert_spec cs = {
	    .subject_cn = "CA", .ca = true, .pathlen = -1, .not_before = 0, .not_after = 10, .key = ca_k};
	assert_err(mlab_pki_issue(&cs, &ca), 0);
	const struct mlab_cert_spec ok = {.subject_cn = "x.lab",
					  .san_dns = "x.lab",
					  .pathlen = -1,
					  .not_before = 0,
					  .not_after = 10,
					  .key = k,
					  .issuer_key = ca_k,
					  .issuer = ca};
	static const char *const bad_names[] = {"",	  "a,DNS:evil.lab", "a b", "a..b",    ".a",	"a.",
						"-a.lab", "a-.lab",	    "*",   "a.*.lab", "**.lab", "a:b",
						"a\nb",	  "é.lab"};
	for (size_t i = 0; i < N_OF(bad_names); i++) {
		struct mlab_cert_spec s = ok;
		s.san_dns = bad_names[i];
		if (mlab_pki_issue(&s, &x) != MLAB_E_ARG)
			fail_msg("issued for SAN \"%s\"", bad_names[i]);
		assert_null(x);
		x = (X509 *)&x;
	}
	char long_label[80], long_cn[70];
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".lab");
	memset(long_cn, 'c', 65);
	long_cn[65] = '\0';
	struct mlab_cert_spec s = ok;
	s.san_dns = long_label;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.subject_cn = long_cn;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.subject_cn = "tab\there";
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.subject_cn = NULL;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.key = NULL;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.not_before = 11;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.not_before = -1;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.not_after = MLAB_TIME_MAX + 1;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.pathlen = -2;
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.issuer_key = NULL; /* an issuer without its key */
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.issuer_key = k; /* not the issuer's key */
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	s = ok;
	s.issuer = NULL; /* "self-signed" by someone else's key */
	assert_err(mlab_pki_issue(&s, &x), MLAB_E_ARG);
	assert_err(mlab_pki_issue(NULL, &x), MLAB_E_ARG);
	assert_err(mlab_pki_issue(&ok, NULL), MLAB_E_ARG);
	s = ok;
	s.san_dns = "*.lab";
	assert_err(mlab_pki_issue(&s, &x), 0);
	X509_free(x);
	s.san_dns = long_label + 1; /* 63: the longest label */
	assert_err(mlab_pki_issue(&s, &x), 0);
	X509_free(x);

	X509 *none[1] = {NULL};
	assert_err(mlab_pki_write_chain("/nonexistent-dir/x.pem", &ca, 1), MLAB_E_IO);
	assert_err(mlab_pki_write_chain("x.pem", none, 1), MLAB_E_ARG);
	assert_err(mlab_pki_write_chain("x.pem", &ca, 0), MLAB_E_ARG);
	assert_err(mlab_pki_write_key("/nonexistent-dir/x.key", k), MLAB_E_IO);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ca_k);
}

/* ======================================================================
 * mlab_pki_make, judged by openssl
 * ====================================================================== */

static const char *const PUBLIC_FILES[] = {
    "root.pem",
    "inter.pem",
    "bob.crt",
    "bob.chain.pem",
    "selfsigned-bob.chain.pem",
    "rogue-root.pem",
    "rogue-bob.chain.pem",
    "expired-bob.chain.pem",
    "future-bob.chain.pem",
    "mallory-lab.chain.pem",
    "noserver-bob.chain.pem",
    "stolen-inter.pem",
    "known-bob.tofu",
    "proxy-ca.pem",
    "trust-with-proxy.pem",
    "bob.spki",
    "README",
};
static const char *const KEY_FILES[] = {"root.key",	  "inter.key",	      "rogue-root.key", "expired-bob.key",
					"future-bob.key", "stolen-inter.key", "proxy-ca.key"};

static void assert_files_and_modes(const struct fx *f)
{
	char p[256];
	for (size_t i = 0; i < N_OF(PUBLIC_FILES); i++)
		if (mode_of(in(f, PUBLIC_FILES[i], p, sizeof p)) != 0644)
			fail_msg("%s: mode %o, expected 644", p, mode_of(p));
	for (size_t i = 0; i < N_OF(KEY_FILES); i++)
		if (mode_of(in(f, KEY_FILES[i], p, sizeof p)) != 0600)
			fail_msg("%s: mode %o, expected 600", p, mode_of(p));
	/* nothing else: no temporary file left behind */
	char out[OUT_CAP];
	const char *argv[] = {"ls", "-A", f->pki, NULL};
	assert_int_equal(run(argv, out, sizeof out), 0);
	size_t lines = 0;
	for (const char *c = out; *c; c++)
		lines += *c == '\n';
	if (lines != N_OF(PUBLIC_FILES) + N_OF(KEY_FILES))
		fail_msg("unexpected files in %s:\n%s", f->pki, out);
}

static void test_make_files_and_modes(void **state)
{
	const struct fx *f = *state;
	assert_files_and_modes(f);
	assert_int_equal(mode_of(f->pki), 0755);
	size_t n;
	char p[256], *readme = slurp(in(f, "README", p, sizeof p), &n);
	for (size_t i = 0; i < N_OF(PUBLIC_FILES); i++)
		if (strcmp(PUBLIC_FILES[i], "README") != 0 && !strstr(readme, PUBLIC_FILES[i]))
			fail_msg("README does not mention %s", PUBLIC_FILES[i]);
	free(readme);
}

static void test_bob_verifies(void **state)
{
	const struct fx *f = *state;
	char out[OUT_CAP], ca[256], inter[256], crt[256];
	const char *argv[] = {"openssl",
			      "verify",
			      "-CAfile",
			      in(f, "root.pem", ca, sizeof ca),
			      "-untrusted",
			      in(f, "inter.pem", inter, sizeof inter),
			      in(f, "bob.crt", crt, sizeof crt),
			      NULL};
	if (run(argv, out, sizeof out) != 0)
		fail_msg("openssl verify bob.crt:\n%s", out);
	assert_contains(out, "bob.crt: OK");
	const char *const server[] = {"-purpose", "sslserver", "-verify_hostname", "bob.lab", NULL};
	assert_verifies(f, "bob.chain.pem", server);
	const char *const alice[] = {"-purpose", "sslserver", "-verify_hostname", "alice.lab", NULL};
	assert_refused(f, "root.pem", "bob.chain.pem", alice, "hostname mismatch");
	/* the chain is the leaf then inter, and no root */
	size_t nc, nb, ni;
	char ch[256], *chain = slurp(in(f, "bob.chain.pem", ch, sizeof ch), &nc);
	char *leaf = slurp(crt, &nb);
	char *ic = slurp(inter, &ni);
	assert_int_equal(nc, nb + ni);
	assert_memory_equal(chain, leaf, nb);
	assert_memory_equal(chain + nb, ic, ni);
	free(chain);
	free(leaf);
	free(ic);
}

static void test_expired_and_future_refused(void **state)
{
	const struct fx *f = *state;
	assert_refused(f, "root.pem", "expired-bob.chain.pem", NULL, "certificate has expired");
	assert_refused(f, "root.pem", "future-bob.chain.pem", NULL, "not yet valid");
	/* real certificates otherwise: each verifies at a time within its validity */
	char at[32];
	const char *const then[] = {"-attime", at, "-purpose", "sslserver", "-verify_hostname", "bob.lab", NULL};
	snprintf(at, sizeof at, "%lld", f->now - 45 * DAY);
	assert_verifies(f, "expired-bob.chain.pem", then);
	snprintf(at, sizeof at, "%lld", f->now + 380 * DAY);
	assert_verifies(f, "future-bob.chain.pem", then);
}

static void test_rogue_root_refused_same_name(void **state)
{
	const struct fx *f = *state;
	assert_refused(f, "root.pem", "rogue-bob.chain.pem", NULL, "self-signed certificate in certificate chain");
	/* the leaf alone: the trusted root has the issuer's name, not its key */
	char out[OUT_CAP], ca_p[256], leaf_p[256];
	const char *alone[] = {"openssl",
			       "verify",
			       "-CAfile",
			       in(f, "root.pem", ca_p, sizeof ca_p),
			       in(f, "rogue-bob.chain.pem", leaf_p, sizeof leaf_p),
			       NULL};
	assert_int_not_equal(run(alone, out, sizeof out), 0);
	assert_contains(out, "unable to get local issuer certificate");
	/* and openssl accepts the chain when the rogue root is the one trusted */
	if (verify(f, "rogue-root.pem", "rogue-bob.chain.pem", NULL, out) != 0)
		fail_msg("rogue-bob does not verify under its own root:\n%s", out);
	char a[OUT_CAP], b[OUT_CAP], p1[256], p2[256];
	const char *x1[] = {"openssl", "x509", "-noout", "-subject", "-in", in(f, "root.pem", p1, sizeof p1), NULL};
	const char *x2[] = {"openssl", "x509", "-noout", "-subject", "-in", in(f, "rogue-root.pem", p2, sizeof p2),
			    NULL};
	openssl_out(x1, a);
	openssl_out(x2, b);
	assert_contains(a, "mitmlab Lab Root CA");
	assert_string_equal(a, b);
	const char *k1[] = {"openssl", "x509", "-noout", "-pubkey", "-in", p1, NULL};
	const char *k2[] = {"openssl", "x509", "-noout", "-pubkey", "-in", p2, NULL};
	openssl_out(k1, a);
	openssl_out(k2, b);
	assert_string_not_equal(a, b);
}

static void test_selfsigned_refused(void **state)
{
	const struct fx *f = *state;
	assert_refused(f, "root.pem", "selfsigned-bob.chain.pem", NULL, "self-signed certificate");
}

static void test_noserver_refused_for_servers(void **state)
{
	const struct fx *f = *state;
	assert_verifies(f, "noserver-bob.chain.pem", NULL); /* a real certificate... */
	const char *const server[] = {"-purpose", "sslserver", NULL};
	assert_refused(f, "root.pem", "noserver-bob.chain.pem", server, "unsuitable certificate purpose");
	const char *const client[] = {"-purpose", "sslclient", NULL};
	assert_verifies(f, "noserver-bob.chain.pem", client);
}

static void test_mallory_lab_only_for_its_name(void **state)
{
	const struct fx *f = *state;
	const char *const bob[] = {"-purpose", "sslserver", "-verify_hostname", "bob.lab", NULL};
	assert_refused(f, "root.pem", "mallory-lab.chain.pem", bob, "hostname mismatch");
	const char *const mallory[] = {"-purpose", "sslserver", "-verify_hostname", "mallory.lab", NULL};
	assert_verifies(f, "mallory-lab.chain.pem", mallory);
}

static void assert_same_pubkey(const struct fx *f, const char *cert, const char *key_path)
{
	char a[OUT_CAP], b[OUT_CAP], p[256];
	const char *x[] = {"openssl", "x509", "-noout", "-pubkey", "-in", in(f, cert, p, sizeof p), NULL};
	const char *k[] = {"openssl", "pkey", "-pubout", "-in", key_path, NULL};
	openssl_out(x, a);
	openssl_out(k, b);
	assert_contains(a, "BEGIN PUBLIC KEY");
	if (strcmp(a, b) != 0)
		fail_msg("%s does not certify %s:\n%s\n%s", cert, key_path, a, b);
}

static void test_keys_are_the_ones_certified(void **state)
{
	const struct fx *f = *state;
	char p[256];
	assert_same_pubkey(f, "bob.crt", f->bob_key);
	assert_same_pubkey(f, "selfsigned-bob.chain.pem", f->mallory_key);
	assert_same_pubkey(f, "rogue-bob.chain.pem", f->mallory_key);
	assert_same_pubkey(f, "mallory-lab.chain.pem", f->mallory_key);
	assert_same_pubkey(f, "noserver-bob.chain.pem", f->mallory_key);
	assert_same_pubkey(f, "expired-bob.chain.pem", in(f, "expired-bob.key", p, sizeof p));
	assert_same_pubkey(f, "future-bob.chain.pem", in(f, "future-bob.key", p, sizeof p));
	assert_same_pubkey(f, "root.pem", in(f, "root.key", p, sizeof p));
	assert_same_pubkey(f, "inter.pem", in(f, "inter.key", p, sizeof p));
	assert_same_pubkey(f, "rogue-root.pem", in(f, "rogue-root.key", p, sizeof p));
	assert_same_pubkey(f, "stolen-inter.pem", in(f, "stolen-inter.key", p, sizeof p));
	/* the stolen CA is the issuing CA itself */
	char q[256];
	size_t n1, n2;
	char *a = slurp(in(f, "inter.key", p, sizeof p), &n1), *b = slurp(in(f, "stolen-inter.key", q, sizeof q), &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	free(a);
	free(b);
	a = slurp(in(f, "inter.pem", p, sizeof p), &n1);
	b = slurp(in(f, "stolen-inter.pem", q, sizeof q), &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	free(a);
	free(b);
}

/* known-bob.tofu, read by lib/mlab_tofu: bob's key is KNOWN, mallory's CHANGED. */
static void test_known_bob_store(void **state)
{
	const struct fx *f = *state;
	EVP_PKEY *bob = NULL, *mallory = NULL;
	uint8_t raw[32];
	char fp_bob[MLAB_TOFU_FP_LEN], fp_mallory[MLAB_TOFU_FP_LEN], p[256], why[512] = "";
	struct mlab_tofu_entry e;
	enum mlab_tofu_verdict v;
	assert_err(mlab_key_load_private(f->bob_key, &bob), 0);
	assert_err(mlab_key_load_private(f->mallory_key, &mallory), 0);
	assert_err(mlab_ed25519_raw_public(bob, raw), 0);
	assert_err(mlab_tofu_fingerprint(raw, sizeof raw, fp_bob), 0);
	assert_err(mlab_ed25519_raw_public(mallory, raw), 0);
	assert_err(mlab_tofu_fingerprint(raw, sizeof raw, fp_mallory), 0);
	in(f, "known-bob.tofu", p, sizeof p);
	if (mlab_tofu_check(p, "bob.lab", fp_bob, &v, &e, why, sizeof why) != 0)
		fail_msg("%s does not parse: %s", p, why);
	assert_int_equal(v, MLAB_TOFU_KNOWN);
	assert_int_equal(e.first_seen, f->now);
	assert_err(mlab_tofu_check(p, "bob.lab", fp_mallory, &v, &e, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_CHANGED);
	assert_err(mlab_tofu_check(p, "mallory.lab", fp_mallory, &v, NULL, why, sizeof why), 0);
	assert_int_equal(v, MLAB_TOFU_NEW);
	EVP_PKEY_free(bob);
	EVP_PKEY_free(mallory);
}

/* The TLS lessons' files: bob.spki is openssl's own SPKI SHA-256 of bob's
 * leaf, the proxy's store holds both roots (bob's chain verifies under it,
 * a leaf of the proxy's too), and bob-rsa.chain.pem is a serverAuth bob.lab
 * over an RSA key with keyEncipherment; an Ed25519 key is refused for it. */
static void test_tls_files(void **state)
{
	const struct fx *f = *state;
	char out[OUT_CAP], crt[256], cmd[800], spki[256], p[256], dir[300];
	snprintf(cmd, sizeof cmd,
		 "openssl x509 -in %s -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -c1-64",
		 in(f, "bob.crt", crt, sizeof crt));
	const char *sh[] = {"sh", "-c", cmd, NULL};
	assert_int_equal(run(sh, out, sizeof out), 0);
	size_t n;
	char *file = slurp(in(f, "bob.spki", spki, sizeof spki), &n);
	if (strlen(out) < 64 || !strstr(file, out))
		fail_msg("bob.spki does not hold openssl's %s:\n%s", out, file);
	free(file);
	const char *const server[] = {"-purpose", "sslserver", "-verify_hostname", "bob.lab", NULL};
	if (verify(f, "trust-with-proxy.pem", "bob.chain.pem", server, out) != 0)
		fail_msg("bob's chain under the proxy's store:\n%s", out);
	assert_refused(f, "root.pem", "proxy-ca.pem", NULL, "self-signed");
	/* the RSA leaf, made in a copy of the PKI */
	snprintf(dir, sizeof dir, "%s/pki-rsa", f->dir);
	assert_err(mlab_pki_make(dir, f->now, f->bob_key, f->mallory_key, NULL), 0);
	snprintf(p, sizeof p, "%s/bob-rsa.key", f->dir);
	const char *gen[] = {"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
			     "-out",	p,	   NULL};
	assert_int_equal(run(gen, out, sizeof out), 0);
	assert_err(mlab_pki_make_rsa(dir, f->now, p, NULL), 0);
	assert_err(mlab_pki_make_rsa(dir, f->now, f->bob_key, NULL), MLAB_E_KEYFILE);
	assert_err(mlab_pki_make_rsa(dir, f->now, "/nonexistent.key", NULL), MLAB_E_KEYFILE);
	char root[400], chain[400];
	snprintf(root, sizeof root, "%s/root.pem", dir);
	snprintf(chain, sizeof chain, "%s/bob-rsa.chain.pem", dir);
	const char *v[] = {"openssl",  "verify",    "-CAfile",		root,	   "-untrusted", chain,
			   "-purpose", "sslserver", "-verify_hostname", "bob.lab", chain,	 NULL};
	if (run(v, out, sizeof out) != 0)
		fail_msg("openssl verify bob-rsa.chain.pem:\n%s", out);
	const char *ku[] = {"openssl", "x509", "-in", chain, "-noout", "-ext", "keyUsage", NULL};
	assert_int_equal(run(ku, out, sizeof out), 0);
	assert_contains(out, "Key Encipherment");
}

static void test_validity_periods(void **state)
{
	const struct fx *f = *state;
	static const struct {
		const char *file;
		long long from, to;
	} want[] = {
	    {"root.pem", -90 * DAY, 3650 * DAY},
	    {"inter.pem", -90 * DAY, 1825 * DAY},
	    {"rogue-root.pem", -90 * DAY, 3650 * DAY},
	    {"bob.crt", -3600, 30 * DAY},
	    {"expired-bob.chain.pem", -60 * DAY, -30 * DAY},
	    {"future-bob.chain.pem", 365 * DAY, 395 * DAY},
	};
	for (size_t i = 0; i < N_OF(want); i++) {
		char p[256];
		FILE *fp = fopen(in(f, want[i].file, p, sizeof p), "r");
		assert_non_null(fp);
		X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
		assert_non_null(x);
		int d, s;
		ASN1_TIME *t = ASN1_TIME_new();
		assert_non_null(ASN1_TIME_set(t, (time_t)(f->now + want[i].from)));
		assert_int_equal(ASN1_TIME_diff(&d, &s, t, X509_get0_notBefore(x)), 1);
		if (d != 0 || s != 0)
			fail_msg("%s notBefore off by %d days %d s", want[i].file, d, s);
		assert_non_null(ASN1_TIME_set(t, (time_t)(f->now + want[i].to)));
		assert_int_equal(ASN1_TIME_diff(&d, &s, t, X509_get0_notAfter(x)), 1);
		if (d != 0 || s != 0)
			fail_msg("%s notAfter off by %d days %d s", want[i].file, d, s);
		ASN1_TIME_free(t);
		X509_free(x);
	}
}

/* A second make replaces every file, with exact modes even over a key file
 * someone loosened, and leaves nothing behind. Last of the make tests: it
 * changes the directory they read. */
static void test_remake_replaces_everything(void **state)
{
	struct fx *f = *state;
	char p[256];
	size_t n1, n2;
	char *before = slurp(in(f, "root.pem", p, sizeof p), &n1);
	assert_int_equal(chmod(in(f, "inter.key", p, sizeof p), 0644), 0);
	char log[OUT_CAP] = "";
	FILE *lf = fmemopen(log, sizeof log - 1, "w");
	assert_non_null(lf);
	assert_err(mlab_pki_make(f->pki, f->now, f->bob_key, f->mallory_key, lf), 0);
	fclose(lf);
	char *after = slurp(in(f, "root.pem", p, sizeof p), &n2);
	assert_true(n1 != n2 || memcmp(before, after, n1) != 0);
	free(before);
	free(after);
	assert_files_and_modes(f);
	/* one line per file */
	size_t lines = 0;
	for (const char *c = log; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, N_OF(PUBLIC_FILES) + N_OF(KEY_FILES));
	assert_contains(log, "bob.chain.pem");
	const char *const server[] = {"-purpose", "sslserver", "-verify_hostname", "bob.lab", NULL};
	assert_verifies(f, "bob.chain.pem", server);
}

static void test_make_refuses(void **state)
{
	const struct fx *f = *state;
	char d[256], notkey[256], file[256];
	snprintf(d, sizeof d, "%s/refused", f->dir);
	snprintf(notkey, sizeof notkey, "%s/README", f->pki);
	assert_err(mlab_pki_make(d, f->now, "/nonexistent.key", f->mallory_key, NULL), MLAB_E_KEYFILE);
	assert_err(mlab_pki_make(d, f->now, f->bob_key, notkey, NULL), MLAB_E_KEYFILE);
	assert_err(mlab_pki_make(d, 89 * DAY, f->bob_key, f->mallory_key, NULL), MLAB_E_ARG);
	assert_err(mlab_pki_make(d, MLAB_TIME_MAX - 3000 * DAY, f->bob_key, f->mallory_key, NULL), MLAB_E_ARG);
	assert_err(mlab_pki_make(NULL, f->now, f->bob_key, f->mallory_key, NULL), MLAB_E_ARG);
	struct stat st;
	assert_int_not_equal(stat(d, &st), 0); /* nothing made */
	/* a directory under a regular file cannot be made */
	snprintf(file, sizeof file, "%s/README/sub", f->pki);
	assert_err(mlab_pki_make(file, f->now, f->bob_key, f->mallory_key, NULL), MLAB_E_IO);
	/* parents are made too */
	snprintf(d, sizeof d, "%s/a/b/pki", f->dir);
	assert_err(mlab_pki_make(d, f->now, f->bob_key, f->mallory_key, NULL), 0);
	assert_int_equal(mode_of(d), 0755);
}

/* ======================================================================
 * mitmlab-keygen pki and cert, end to end
 * ====================================================================== */

static void test_keygen_pki_mode(void **state)
{
	const struct fx *f = *state;
	char out[OUT_CAP], d[256], now[32];
	snprintf(d, sizeof d, "%s/cli-pki", f->dir);
	snprintf(now, sizeof now, "@%lld", f->now);
	const char *help[] = {"mitmlab-keygen", "pki", "--help", NULL};
	assert_int_equal(proc_run(help, out, sizeof out), 0);
	assert_contains(out, "--bob-key FILE");
	assert_contains(out, "--mallory-key FILE");
	assert_contains(out, "--now TIME");
	assert_contains(out, "exit status");
	const char *none[] = {"mitmlab-keygen", "pki", d, NULL};
	assert_int_equal(proc_run(none, out, sizeof out), 2);
	assert_contains(out, "--bob-key");
	const char *badtime[] = {"mitmlab-keygen", "pki",	   "--now", "2024-02-30", "--bob-key", f->bob_key,
				 "--mallory-key",  f->mallory_key, d,	    NULL};
	assert_int_equal(proc_run(badtime, out, sizeof out), 2);
	assert_contains(out, "is not a time");
	const char *nokey[] = {"mitmlab-keygen", "pki",		 "--bob-key", "/nonexistent.key",
			       "--mallory-key",	 f->mallory_key, d,	      NULL};
	assert_int_equal(proc_run(nokey, out, sizeof out), 4);
	assert_contains(out, "/nonexistent.key");
	const char *unknown[] = {"mitmlab-keygen", "pki", "--frobnicate", NULL};
	assert_int_equal(proc_run(unknown, out, sizeof out), 2);

	const char *make[] = {"mitmlab-keygen", "pki",		 "--now",	 now, "--bob-key",
			      f->bob_key,	"--mallory-key", f->mallory_key, d,   NULL};
	if (proc_run(make, out, sizeof out) != 0)
		fail_msg("mitmlab-keygen pki:\n%s", out);
	assert_contains(out, "bob.chain.pem");
	assert_int_equal(proc_run(make, out, sizeof out), 2); /* a PKI is there */
	assert_contains(out, "--force");
	const char *force[] = {"mitmlab-keygen", "pki",		  "--force",	  "--quiet", "--bob-key",
			       f->bob_key,	 "--mallory-key", f->mallory_key, d,	     NULL};
	assert_int_equal(proc_run(force, out, sizeof out), 0);
	assert_string_equal(out, "");
	char root[512], chain[512];
	snprintf(root, sizeof root, "%s/root.pem", d);
	snprintf(chain, sizeof chain, "%s/bob.chain.pem", d);
	const char *v[] = {"openssl",  "verify",    "-CAfile",		root,	   "-untrusted", chain,
			   "-purpose", "sslserver", "-verify_hostname", "bob.lab", chain,	 NULL};
	if (run(v, out, sizeof out) != 0)
		fail_msg("openssl verify:\n%s", out);
}

static void test_keygen_cert_mode(void **state)
{
	const struct fx *f = *state;
	char out[OUT_CAP], ca[256], ca_key[256], root[256], root_key[256], o1[256], k1[256], o2[256];
	in(f, "inter.pem", ca, sizeof ca);
	in(f, "inter.key", ca_key, sizeof ca_key);
	in(f, "root.pem", root, sizeof root);
	in(f, "root.key", root_key, sizeof root_key);
	snprintf(o1, sizeof o1, "%s/test.chain.pem", f->dir);
	snprintf(k1, sizeof k1, "%s/test.key", f->dir);
	snprintf(o2, sizeof o2, "%s/bob2.pem", f->dir);

	const char *help[] = {"mitmlab-keygen", "cert", "--help", NULL};
	assert_int_equal(proc_run(help, out, sizeof out), 0);
	static const char *const opts[] = {"--ca-cert FILE", "--ca-key FILE",	  "--name NAME",
					   "--days N",	     "--not-before TIME", "--no-server-auth",
					   "--key FILE",     "--out FILE",	  "exit status"};
	for (size_t i = 0; i < N_OF(opts); i++)
		assert_contains(out, opts[i]);

	/* a fresh key, 10 days from 2030-01-01 */
	const char *mk[] = {"mitmlab-keygen", "cert",	    "--ca-cert", ca,	   "--ca-key",
			    ca_key,	      "--name",	    "test.lab",	 "--days", "10",
			    "--not-before",   "2030-01-01", "--out",	 o1,	   NULL};
	if (proc_run(mk, out, sizeof out) != 0)
		fail_msg("mitmlab-keygen cert:\n%s", out);
	assert_contains(out, "2030-01-11T00:00:00Z");
	assert_int_equal(mode_of(o1), 0644);
	assert_int_equal(mode_of(k1), 0600);
	const char *dates[] = {"openssl", "x509", "-noout", "-dates", "-in", o1, NULL};
	openssl_out(dates, out);
	assert_contains(out, "notBefore=Jan  1 00:00:00 2030 GMT");
	assert_contains(out, "notAfter=Jan 11 00:00:00 2030 GMT");
	char at[32];
	snprintf(at, sizeof at, "%lld", 1893456000LL + 5 * DAY); /* 2030-01-06 */
	const char *v[] = {"openssl",  "verify",    "-attime",		at,	    "-CAfile", root, "-untrusted", o1,
			   "-purpose", "sslserver", "-verify_hostname", "test.lab", o1,	       NULL};
	if (run(v, out, sizeof out) != 0)
		fail_msg("openssl verify of the cert mode's chain:\n%s", out);
	const char *xk[] = {"openssl", "x509", "-noout", "-pubkey", "-in", o1, NULL};
	const char *pk[] = {"openssl", "pkey", "-pubout", "-in", k1, NULL};
	char a[OUT_CAP];
	openssl_out(xk, a);
	openssl_out(pk, out);
	assert_string_equal(a, out);
	/* not again without --force */
	assert_int_equal(proc_run(mk, out, sizeof out), 2);
	assert_contains(out, "--force");

	/* bob's own key, no serverAuth, default dates */
	const char *mine[] = {
	    "mitmlab-keygen",	"cert",	 "--ca-cert", ca,	 "--ca-key", ca_key, "--name", "bob.lab",
	    "--no-server-auth", "--key", f->bob_key,  "--quiet", "--out",    o2,     NULL};
	if (proc_run(mine, out, sizeof out) != 0)
		fail_msg("mitmlab-keygen cert --key:\n%s", out);
	assert_string_equal(out, "");
	const char *xk2[] = {"openssl", "x509", "-noout", "-pubkey", "-in", o2, NULL};
	const char *pk2[] = {"openssl", "pkey", "-pubout", "-in", f->bob_key, NULL};
	openssl_out(xk2, a);
	openssl_out(pk2, out);
	assert_string_equal(a, out);
	const char *v2[] = {"openssl", "verify", "-CAfile", root, "-untrusted", o2, "-purpose", "sslserver", o2, NULL};
	assert_int_not_equal(run(v2, out, sizeof out), 0);
	assert_contains(out, "unsuitable certificate purpose");

	/* a root as the CA: leaf + root */
	char o3[256];
	snprintf(o3, sizeof o3, "%s/direct.crt", f->dir);
	const char *direct[] = {"mitmlab-keygen", "cert",	"--ca-cert", root,    "--ca-key", root_key,
				"--name",	  "direct.lab", "--quiet",   "--out", o3,	  NULL};
	assert_int_equal(proc_run(direct, out, sizeof out), 0);
	const char *v3[] = {"openssl", "verify", "-CAfile", root, "-verify_hostname", "direct.lab", o3, NULL};
	if (run(v3, out, sizeof out) != 0)
		fail_msg("openssl verify of a leaf under the root:\n%s", out);

	/* refusals, each with its exit status */
	char o4[256];
	snprintf(o4, sizeof o4, "%s/never.pem", f->dir);
	const struct {
		const char *args[6];
		int rc;
		const char *says;
	} bad[] = {
	    {{"--ca-key", root_key, "--name", "x.lab"}, 4, "is not the private key of"},
	    {{"--ca-key", ca_key, "--name", "x.lab,DNS:evil.lab"}, 2, "is not a host name"},
	    {{"--ca-key", ca_key, "--name", "x.lab", "--days", "0"}, 2, "1..36500"},
	    {{"--ca-key", ca_key, "--name", "x.lab", "--days", "3x"}, 2, "--days"},
	    {{"--ca-key", ca_key, "--name", "x.lab", "--not-before", "yesterday"}, 2, "is not a time"},
	    {{"--ca-key", ca_key, "--name", "x.lab", "--not-before", "9999-12-15"}, 2, "9999-12-31"},
	    {{"--ca-key", ca_key, "--name", "x.lab", "--key", ca}, 4, "--key"},
	    {{"--ca-key", ca, "--name", "x.lab"}, 4, "--ca-key"},
	    {{"--ca-key", ca_key}, 2, "--name NAME"},
	    {{"--ca-key", ca_key, "--name"}, 2, "--name needs"},
	};
	for (size_t i = 0; i < N_OF(bad); i++) {
		const char *argv[16] = {"mitmlab-keygen", "cert", "--ca-cert", ca, "--out", o4};
		size_t n = 6;
		for (size_t j = 0; j < 6 && bad[i].args[j]; j++)
			argv[n++] = bad[i].args[j];
		int rc = proc_run(argv, out, sizeof out);
		if (rc != bad[i].rc)
			fail_msg("case %zu: exit %d, expected %d:\n%s", i, rc, bad[i].rc, out);
		assert_contains(out, bad[i].says);
		struct stat st;
		assert_int_not_equal(stat(o4, &st), 0);
	}
	const char *noca[] = {"mitmlab-keygen", "cert", "--ca-cert", "/nonexistent.pem",
			      "--ca-key",	ca_key, "--name",    "x.lab",
			      "--out",		o4,	NULL};
	assert_int_equal(proc_run(noca, out, sizeof out), 4);
	assert_contains(out, "--ca-cert");
}

/* The key pair mode as it always was. */
static void test_keygen_key_mode_unchanged(void **state)
{
	const struct fx *f = *state;
	char out[OUT_CAP], key[256], pub[256];
	snprintf(key, sizeof key, "%s/plain.key", f->dir);
	snprintf(pub, sizeof pub, "%s/plain.pub", f->dir);
	const char *mk[] = {"mitmlab-keygen", key, NULL};
	assert_int_equal(proc_run(mk, out, sizeof out), 0);
	assert_contains(out, "key id");
	assert_int_equal(mode_of(key) & 077, 0);
	assert_int_equal(mode_of(pub) & 0444, 0444);
	assert_int_equal(proc_run(mk, out, sizeof out), 2);
	const char *force[] = {"mitmlab-keygen", "--force", "--quiet", key, NULL};
	assert_int_equal(proc_run(force, out, sizeof out), 0);
	assert_string_equal(out, "");
	const char *help[] = {"mitmlab-keygen", "--help", NULL};
	assert_int_equal(proc_run(help, out, sizeof out), 0);
	assert_contains(out, "mitmlab-keygen pki");
	assert_contains(out, "mitmlab-keygen cert");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_parse_good),
	    cmocka_unit_test(test_time_parse_bad),
	    cmocka_unit_test(test_issue_ca_and_leaf_fields),
	    cmocka_unit_test(test_issue_refuses_bad_specs),
	    cmocka_unit_test(test_make_files_and_modes),
	    cmocka_unit_test(test_bob_verifies),
	    cmocka_unit_test(test_expired_and_future_refused),
	    cmocka_unit_test(test_rogue_root_refused_same_name),
	    cmocka_unit_test(test_selfsigned_refused),
	    cmocka_unit_test(test_noserver_refused_for_servers),
	    cmocka_unit_test(test_mallory_lab_only_for_its_name),
	    cmocka_unit_test(test_keys_are_the_ones_certified),
	    cmocka_unit_test(test_known_bob_store),
	    cmocka_unit_test(test_tls_files),
	    cmocka_unit_test(test_validity_periods),
	    cmocka_unit_test(test_remake_replaces_everything),
	    cmocka_unit_test(test_make_refuses),
	    cmocka_unit_test(test_keygen_pki_mode),
	    cmocka_unit_test(test_keygen_cert_mode),
	    cmocka_unit_test(test_keygen_key_mode_unchanged),
	};
	return cmocka_run_group_tests_name("mlab_pki", tests, setup, teardown);
}
