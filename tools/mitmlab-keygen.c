/* tools/: small helpers around the lab. mitmlab-keygen makes an Ed25519 key
 * pair for alice, bob or mallory: FILE (private, mode 0600) and its .pub
 * (--rsa: a 2048-bit RSA pair instead, for RSA key transport);
 * `pki` makes the lab's whole PKI (lib/mlab_pki.h) and `cert` one leaf
 * certificate from a CA of one's own choosing. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_pki.h"
#include "mlab_rsa.h"
#include "mlab_version.h"

#define PROG "mitmlab-keygen"
#define EXIT_USAGE 2
#define EXIT_FILES 4
#define PATH_CAP 4096

static int usage(FILE *f, int code)
{
	fputs("usage: mitmlab-keygen [--rsa | --x25519] [--force] [--quiet] FILE\n"
	      "       mitmlab-keygen pki ...    the lab's PKI (mitmlab-keygen pki --help)\n"
	      "       mitmlab-keygen cert ...   one certificate from a CA (mitmlab-keygen cert --help)\n\n"
	      "Makes an Ed25519 key pair: FILE holds the private key (PEM, readable by you only) and\n"
	      "FILE with .key replaced by .pub (or FILE.pub) the public key to give to peers\n"
	      "(alice --peer-key, bob --peer-key). Prints the public key's id. (A key file named\n"
	      "pki or cert is written as ./pki or ./cert.)\n\n"
	      "  --rsa     a 2048-bit RSA key pair instead (PKCS#8 and SubjectPublicKeyInfo PEM), the\n"
	      "            key alice encrypts the premaster secret to in RSA key transport\n"
	      "  --x25519  an X25519 key pair instead: bob's long-term DH key for kex static\n"
	      "            (bob --static-key)\n"
	      "  --force   overwrite existing files\n"
	      "  --quiet   print nothing\n"
	      "  --version the version, and the OpenSSL it runs with\n\n"
	      "exit status: 0 success, 2 usage, 4 cannot write the files\n",
	      f);
	return code;
}

static int pki_usage(FILE *f, int code)
{
	fputs("usage: mitmlab-keygen pki [--force] [--quiet] [--now TIME] --bob-key FILE --mallory-key FILE "
	      "[--bob-rsa-key FILE] DIR\n\n"
	      "Makes the lab's PKI in DIR (created when missing; make puts it in bin/keys/pki): a root CA,\n"
	      "an issuing CA under it, bob.lab's certificate over bob's key and the chain bob sends, and\n"
	      "the bad certificates of the certificate lessons (expired, not yet valid, self-signed, a\n"
	      "rogue root with the real root's name, another name, no serverAuth, a stolen CA key).\n"
	      "DIR/README says what each file is. Private keys are written mode 0600, the rest 0644,\n"
	      "each file replaced atomically.\n\n"
	      "  --bob-key FILE      bob's Ed25519 private key (e.g. bin/keys/bob.key): bob.crt certifies it\n"
	      "  --mallory-key FILE  mallory's Ed25519 private key: the forged and misused certificates\n"
	      "  --bob-rsa-key FILE  also bob-rsa.chain.pem, bob.lab over this RSA key (TLS 1.2 key transport)\n"
	      "                      certify it\n"
	      "  --now TIME          the time the PKI is made valid around (default: the current time):\n"
	      "                      YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or @EPOCH\n"
	      "  --force             replace the PKI already in DIR (DIR/root.pem exists)\n"
	      "  --quiet             print nothing (else one line per file written)\n\n"
	      "exit status: 0 success, 2 usage (also: DIR already holds a PKI and no --force),\n"
	      "4 cannot read the keys or write the files\n",
	      f);
	return code;
}

static int cert_usage(FILE *f, int code)
{
	fputs("usage: mitmlab-keygen cert --ca-cert FILE --ca-key FILE --name NAME [--days N]\n"
	      "           [--not-before TIME] [--no-server-auth] [--key FILE] [--force] [--quiet] --out FILE\n\n"
	      "Issues a certificate for the host NAME (subject CN=NAME, subjectAltName DNS:NAME,\n"
	      "digitalSignature, serverAuth) signed by the CA, and writes --out: that certificate then\n"
	      "the CA's (PEM, leaf first), the chain a server sends.\n\n"
	      "  --ca-cert FILE      the issuing CA's certificate (PEM, the first one in FILE),\n"
	      "                      e.g. bin/keys/pki/inter.pem\n"
	      "  --ca-key FILE       that CA's Ed25519 private key, e.g. bin/keys/pki/inter.key\n"
	      "  --name NAME         the host name: letters, digits, '-' and dots (a leading '*.' for a\n"
	      "                      wildcard), at most 64 characters\n"
	      "  --days N            valid for N days from --not-before (default 30; 1..36500)\n"
	      "  --not-before TIME   start of validity (default: an hour ago): YYYY-MM-DD,\n"
	      "                      YYYY-MM-DDTHH:MM:SSZ (UTC) or @EPOCH\n"
	      "  --no-server-auth    extendedKeyUsage clientAuth instead of serverAuth\n"
	      "  --key FILE          certify this existing Ed25519 private key; without it a fresh key\n"
	      "                      is made and written next to --out: its name with .chain.pem, .pem\n"
	      "                      or .crt replaced by .key (else --out.key), mode 0600\n"
	      "  --out FILE          where the chain goes (mode 0644)\n"
	      "  --force             replace --out (and the fresh key's file) when they exist\n"
	      "  --quiet             print nothing\n\n"
	      "exit status: 0 success, 2 usage, 4 cannot read the CA or key files, or write the files\n",
	      f);
	return code;
}

static int key_main(int argc, char **argv)
{
	const char *path = NULL;
	int force = 0, quiet = 0, rsa = 0, x25519 = 0;
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
		else if (strcmp(argv[i], "--rsa") == 0)
			rsa = 1;
		else if (strcmp(argv[i], "--x25519") == 0)
			x25519 = 1;
		else if (argv[i][0] == '-' || path)
			return usage(stderr, 2);
		else
			path = argv[i];
	}
	if (!path || (rsa && x25519))
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
	int e = rsa ? mlab_rsa_generate(MLAB_RSA_BITS, &key) : 0;
	if (x25519 && !(key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")))
		e = MLAB_E_CRYPTO;
	else if (!rsa && !x25519)
		e = mlab_ed25519_generate(&key);
	if (e == 0)
		e = rsa ? mlab_rsa_save(path, pub_path, key) : mlab_key_save(path, pub_path, key);
	size_t rn = sizeof raw;
	if (e == 0 && rsa)
		e = mlab_rsa_key_id(key, kid);
	else if (e == 0 && x25519)
		e = EVP_PKEY_get_raw_public_key(key, raw, &rn) == 1 ? mlab_key_id(raw, rn, kid) : MLAB_E_CRYPTO;
	else if (e == 0 && (e = mlab_ed25519_raw_public(key, raw)) == 0)
		e = mlab_key_id(raw, sizeof raw, kid);
	if (e != 0) {
		fprintf(stderr, "mitmlab-keygen: cannot write %s and %s\n", path, pub_path);
		EVP_PKEY_free(key);
		return 4;
	}
	if (!quiet)
		printf("wrote %s (private: keep it) and %s (public: give it to peers); %skey id %s\n", path, pub_path,
		       rsa	? "RSA-2048, "
		       : x25519 ? "X25519, "
				: "",
		       kid);
	EVP_PKEY_free(key);
	return 0;
}

/* ======================================================================
 * Options of the pki and cert modes
 * ====================================================================== */

/* The value of option argv[*i] ("--opt VALUE"), or NULL after saying so. */
static const char *value_of(int argc, char **argv, int *i, const char *what)
{
	if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
		fprintf(stderr, PROG ": %s needs %s\n", argv[*i], what);
		return NULL;
	}
	return argv[++*i];
}

static int parse_time_opt(const char *opt, const char *s, long long *t)
{
	if (mlab_time_parse(s, t) == 0)
		return 0;
	fprintf(stderr,
		PROG ": %s '%s' is not a time: write YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC, years 1970..9999) or "
		     "@EPOCH\n",
		opt, s);
	return -1;
}

static void fmt_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", t);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ======================================================================
 * pki
 * ====================================================================== */

static int pki_main(int argc, char **argv)
{
	const char *dir = NULL, *bob = NULL, *mallory = NULL, *bob_rsa = NULL;
	bool force = false, quiet = false;
	long long now = (long long)time(NULL);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0)
			return pki_usage(stdout, 0);
		else if (strcmp(a, "--force") == 0)
			force = true;
		else if (strcmp(a, "--quiet") == 0)
			quiet = true;
		else if (strcmp(a, "--bob-rsa-key") == 0) {
			if (!(bob_rsa = value_of(argc, argv, &i, "an RSA private key FILE")))
				return EXIT_USAGE;
		} else if (strcmp(a, "--bob-key") == 0 || strcmp(a, "--mallory-key") == 0) {
			const char *v = value_of(argc, argv, &i, "a private key FILE");
			if (!v)
				return EXIT_USAGE;
			*(a[2] == 'b' ? &bob : &mallory) = v;
		} else if (strcmp(a, "--now") == 0) {
			const char *v = value_of(argc, argv, &i, "a TIME");
			if (!v || parse_time_opt(a, v, &now) != 0)
				return EXIT_USAGE;
		} else if (a[0] == '-') {
			fprintf(stderr, PROG " pki: unknown option %s (see mitmlab-keygen pki --help)\n", a);
			return EXIT_USAGE;
		} else if (dir) {
			fprintf(stderr, PROG " pki: one DIR only (%s, then %s)\n", dir, a);
			return EXIT_USAGE;
		} else
			dir = a;
	}
	if (!dir || !bob || !mallory) {
		fprintf(stderr, PROG " pki: needs --bob-key FILE, --mallory-key FILE and DIR (e.g. --bob-key "
				     "bin/keys/bob.key --mallory-key bin/keys/mallory.key bin/keys/pki)\n");
		return pki_usage(stderr, EXIT_USAGE);
	}
	if (now < 90 * 86400LL || now > MLAB_TIME_MAX - 3650 * 86400LL) {
		fprintf(stderr, PROG " pki: --now must lie at least 90 days after 1970-01-01 and 10 years before "
				     "9999-12-31\n");
		return EXIT_USAGE;
	}
	char root[PATH_CAP];
	if (snprintf(root, sizeof root, "%s/root.pem", dir) >= (int)sizeof root) {
		fprintf(stderr, PROG " pki: DIR is too long\n");
		return EXIT_USAGE;
	}
	if (!force && exists(root)) {
		fprintf(stderr, PROG " pki: %s already holds a PKI (%s exists); use --force to replace it all\n", dir,
			root);
		return EXIT_USAGE;
	}
	int e = mlab_pki_make(dir, now, bob, mallory, quiet ? NULL : stdout);
	if (e == 0 && bob_rsa && (e = mlab_pki_make_rsa(dir, now, bob_rsa, quiet ? NULL : stdout)) == MLAB_E_KEYFILE) {
		fprintf(stderr,
			PROG " pki: cannot read %s as an RSA private key of 2048 bits or more (PEM); make it "
			     "with mitmlab-keygen --rsa FILE\n",
			bob_rsa);
		return EXIT_FILES;
	}
	if (e == MLAB_E_KEYFILE) {
		fprintf(stderr,
			PROG " pki: cannot read %s or %s as an Ed25519 private key (PEM); make them with "
			     "mitmlab-keygen FILE\n",
			bob, mallory);
		return EXIT_FILES;
	}
	if (e != 0) {
		fprintf(stderr,
			PROG " pki: cannot write the PKI in %s (%s): check that it is a directory you can "
			     "write\n",
			dir, mlab_err_text(e));
		return EXIT_FILES;
	}
	return 0;
}

/* ======================================================================
 * cert
 * ====================================================================== */

struct cert_opts {
	const char *ca_cert, *ca_key, *name, *key, *out;
	long long days, not_before;
	bool no_server_auth, force, quiet;
};

static int parse_days(const char *s, long long *days)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > 36500) {
		fprintf(stderr, PROG " cert: --days '%s' must be a whole number of days, 1..36500\n", s);
		return -1;
	}
	*days = v;
	return 0;
}

static int cert_args(int argc, char **argv, struct cert_opts *o)
{
	static const struct {
		const char *name, *what;
		size_t off;
	} paths[] = {
	    {"--ca-cert", "the CA's certificate FILE", offsetof(struct cert_opts, ca_cert)},
	    {"--ca-key", "the CA's private key FILE", offsetof(struct cert_opts, ca_key)},
	    {"--name", "a host NAME", offsetof(struct cert_opts, name)},
	    {"--key", "a private key FILE", offsetof(struct cert_opts, key)},
	    {"--out", "an output FILE", offsetof(struct cert_opts, out)},
	};
	bool have_nb = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t k = 0;
		while (k < sizeof paths / sizeof paths[0] && strcmp(a, paths[k].name) != 0)
			k++;
		if (k < sizeof paths / sizeof paths[0]) {
			const char *v = value_of(argc, argv, &i, paths[k].what);
			if (!v)
				return EXIT_USAGE;
			*(const char **)((char *)o + paths[k].off) = v;
		} else if (strcmp(a, "--help") == 0) {
			return cert_usage(stdout, -1);
		} else if (strcmp(a, "--days") == 0) {
			const char *v = value_of(argc, argv, &i, "a number of days");
			if (!v || parse_days(v, &o->days) != 0)
				return EXIT_USAGE;
		} else if (strcmp(a, "--not-before") == 0) {
			const char *v = value_of(argc, argv, &i, "a TIME");
			if (!v || parse_time_opt(a, v, &o->not_before) != 0)
				return EXIT_USAGE;
			have_nb = true;
		} else if (strcmp(a, "--no-server-auth") == 0) {
			o->no_server_auth = true;
		} else if (strcmp(a, "--force") == 0) {
			o->force = true;
		} else if (strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else {
			fprintf(stderr, PROG " cert: unknown argument %s (see mitmlab-keygen cert --help)\n", a);
			return EXIT_USAGE;
		}
	}
	if (!o->ca_cert || !o->ca_key || !o->name || !o->out) {
		fprintf(stderr, PROG " cert: needs --ca-cert FILE, --ca-key FILE, --name NAME and --out FILE (e.g. "
				     "--ca-cert bin/keys/pki/inter.pem --ca-key bin/keys/pki/inter.key)\n");
		return cert_usage(stderr, EXIT_USAGE);
	}
	if (strlen(o->name) > 64 || !mlab_pki_dns_name_ok(o->name)) {
		fprintf(stderr,
			PROG " cert: --name '%s' is not a host name: letters, digits, '-' and dots, at most 64 "
			     "characters (e.g. bob.lab)\n",
			o->name);
		return EXIT_USAGE;
	}
	if (!have_nb)
		o->not_before = (long long)time(NULL) - 3600;
	if (o->not_before < 0 || o->not_before > MLAB_TIME_MAX - o->days * 86400LL) {
		fprintf(stderr, PROG " cert: --not-before plus --days ends after 9999-12-31; choose fewer days\n");
		return EXIT_USAGE;
	}
	return 0;
}

/* Where a fresh key goes: --out with .chain.pem, .pem or .crt replaced by
 * .key, else --out.key. */
static int key_path_of(const char *out, char path[PATH_CAP])
{
	static const char *const ext[] = {".chain.pem", ".pem", ".crt"};
	size_t n = strlen(out);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t e = strlen(ext[i]);
		if (n > e && strcmp(out + n - e, ext[i]) == 0) {
			n -= e;
			break;
		}
	}
	return snprintf(path, PATH_CAP, "%.*s.key", (int)n, out) < PATH_CAP ? 0 : -1;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static int cert_make(const struct cert_opts *o, X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *key_out)
{
	struct mlab_cert_spec s = {.subject_cn = o->name,
				   .san_dns = o->name,
				   .pathlen = -1,
				   .server_auth = !o->no_server_auth,
				   .client_auth = o->no_server_auth,
				   .digital_signature = true,
				   .not_before = o->not_before,
				   .not_after = o->not_before + o->days * 86400LL,
				   .key = key,
				   .issuer_key = ca_key,
				   .issuer = ca};
	X509 *leaf = NULL;
	int e = mlab_pki_issue(&s, &leaf);
	if (e != 0) {
		fprintf(stderr, PROG " cert: cannot issue the certificate (%s)\n", mlab_err_text(e));
		return EXIT_FILES;
	}
	X509 *chain[2] = {leaf, ca};
	int rc = 0;
	if (key_out && mlab_pki_write_key(key_out, key) != 0) {
		fprintf(stderr, PROG " cert: cannot write %s: check the directory exists and you can write it\n",
			key_out);
		rc = EXIT_FILES;
	} else if (mlab_pki_write_chain(o->out, chain, 2) != 0) {
		fprintf(stderr, PROG " cert: cannot write %s: check the directory exists and you can write it\n",
			o->out);
		rc = EXIT_FILES;
	} else if (!o->quiet) {
		char from[32], to[32], issuer[256];
		fmt_time(s.not_before, from);
		fmt_time(s.not_after, to);
		X509_NAME_oneline(X509_get_subject_name(ca), issuer, sizeof issuer);
		printf("wrote %s: %s (%s), valid %s to %s, issued by %s; leaf then CA certificate\n", o->out, o->name,
		       o->no_server_auth ? "clientAuth" : "serverAuth", from, to, issuer);
		if (key_out)
			printf("wrote %s: its private key (keep it)\n", key_out);
	}
	X509_free(leaf);
	return rc;
}

static int cert_main(int argc, char **argv)
{
	struct cert_opts o = {.days = 30};
	char key_out[PATH_CAP];
	int rc = cert_args(argc, argv, &o);
	if (rc != 0)
		return rc < 0 ? 0 : rc; /* -1: --help printed */
	if (!o.key && key_path_of(o.out, key_out) != 0) {
		fprintf(stderr, PROG " cert: --out is too long\n");
		return EXIT_USAGE;
	}
	if (!o.force && (exists(o.out) || (!o.key && exists(key_out)))) {
		fprintf(stderr, PROG " cert: %s%s%s exists; use --force to replace it\n", o.out, o.key ? "" : " or ",
			o.key ? "" : key_out);
		return EXIT_USAGE;
	}

	X509 *ca = read_cert(o.ca_cert);
	EVP_PKEY *ca_key = NULL, *key = NULL;
	rc = EXIT_FILES;
	if (!ca) {
		fprintf(stderr, PROG " cert: cannot read a PEM certificate from %s (--ca-cert)\n", o.ca_cert);
	} else if (mlab_key_load_private(o.ca_key, &ca_key) != 0) {
		fprintf(stderr, PROG " cert: cannot read %s (--ca-key) as an Ed25519 private key (PEM)\n", o.ca_key);
	} else if (X509_check_private_key(ca, ca_key) != 1) {
		fprintf(stderr, PROG " cert: %s is not the private key of %s: pass the key that belongs to --ca-cert\n",
			o.ca_key, o.ca_cert);
	} else if (o.key && mlab_key_load_private(o.key, &key) != 0) {
		fprintf(stderr,
			PROG " cert: cannot read %s (--key) as an Ed25519 private key (PEM); make one with "
			     "mitmlab-keygen FILE\n",
			o.key);
	} else if (!o.key && mlab_ed25519_generate(&key) != 0) {
		fprintf(stderr, PROG " cert: cannot make a key\n");
	} else {
		/* A chain through a non-CA is what the cert-issuer lesson refuses:
		 * allowed, but said. */
		if (X509_check_ca(ca) == 0 && !o.quiet)
			fprintf(stderr,
				PROG " cert: note: %s is not a CA certificate; verifiers will refuse this chain\n",
				o.ca_cert);
		rc = cert_make(&o, ca, ca_key, key, o.key ? NULL : key_out);
	}
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		mlab_print_version("mitmlab-keygen");
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "pki") == 0)
		return pki_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "cert") == 0)
		return cert_main(argc - 1, argv + 1);
	return key_main(argc, argv);
}
