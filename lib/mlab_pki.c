/* The lab PKI (see mlab_pki.h). Certificates are built and signed by OpenSSL;
 * this file only decides what goes in them, and writes every file atomically
 * so that a remake never leaves a half-written chain for a lesson to trip on. */
#include "mlab_pki.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_tofu.h"

#define DAY 86400LL
#define PATH_CAP 4096
#define CA_BACKDATE (90 * DAY)

/* ======================================================================
 * Times
 * ====================================================================== */

static bool dec(const char *s, size_t n, int *v)
{
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

static int parse_epoch(const char *p, long long *out)
{
	long long v = 0;
	if (!*p)
		return MLAB_E_BAD_FIELD;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return MLAB_E_BAD_FIELD;
		v = v * 10 + (*p - '0');
		if (v > MLAB_TIME_MAX) /* checked each digit, so v never overflows */
			return MLAB_E_BAD_FIELD;
	}
	*out = v;
	return 0;
}

int mlab_time_parse(const char *s, long long *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;

	if (!s || !out)
		return MLAB_E_ARG;
	if (s[0] == '@')
		return parse_epoch(s + 1, out);
	if (strspn(s, "0123456789") == strlen(s))
		return parse_epoch(s, out);

	size_t n = strlen(s);
	if (n != 10 && n != 20)
		return MLAB_E_BAD_FIELD;
	if (!dec(s, 4, &y) || s[4] != '-' || !dec(s + 5, 2, &mo) || s[7] != '-' || !dec(s + 8, 2, &d))
		return MLAB_E_BAD_FIELD;
	if (n == 20 && (s[10] != 'T' || !dec(s + 11, 2, &h) || s[13] != ':' || !dec(s + 14, 2, &mi) || s[16] != ':' ||
			!dec(s + 17, 2, &sec) || s[19] != 'Z'))
		return MLAB_E_BAD_FIELD;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 59)
		return MLAB_E_BAD_FIELD;

	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return MLAB_E_BAD_FIELD;
	*out = (long long)t;
	return 0;
}

/* ======================================================================
 * Issuing
 * ====================================================================== */

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Also keeps ',' and ':' out of the extension string built below. */
bool mlab_pki_dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	if (s[0] == '*' && s[1] == '.') /* one wildcard label, leftmost, then a real name */
		s += 2;
	while (*s) {
		size_t len = 0;
		while (ldh(s[len]))
			len++;
		if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
			return false;
		s += len;
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return true;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok ? 0 : MLAB_E_CRYPTO;
}

static int set_serial(X509 *x)
{
	uint8_t b[16];
	if (mlab_random(b, sizeof b) != 0)
		return MLAB_E_CRYPTO;
	/* positive (top bit clear) and exactly 16 bytes long (next bit set) */
	b[0] = (uint8_t)((b[0] & 0x7f) | 0x40);
	BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
	ASN1_INTEGER *ai = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	int ok = ai && X509_set_serialNumber(x, ai) == 1;
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok ? 0 : MLAB_E_CRYPTO;
}

static int set_name(X509 *x, const struct mlab_cert_spec *s)
{
	X509_NAME *name = X509_get_subject_name(x);
	if (s->org &&
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)s->org, -1, -1, 0) != 1)
		return MLAB_E_CRYPTO;
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)s->subject_cn, -1, -1, 0) != 1)
		return MLAB_E_CRYPTO;
	return X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer) : name) == 1 ? 0 : MLAB_E_CRYPTO;
}

static int set_extensions(X509 *x, const struct mlab_cert_spec *s)
{
	X509V3_CTX ctx;
	char v[320];
	int e;

	X509V3_set_ctx(&ctx, s->issuer ? s->issuer : x, x, NULL, NULL, 0);
	if (s->ca && s->pathlen >= 0)
		snprintf(v, sizeof v, "critical,CA:TRUE,pathlen:%d", s->pathlen);
	else
		snprintf(v, sizeof v, "critical,CA:%s", s->ca ? "TRUE" : "FALSE");
	if ((e = add_ext(x, &ctx, NID_basic_constraints, v)) != 0)
		return e;
	if (s->ca || s->digital_signature || s->key_encipherment) {
		snprintf(v, sizeof v, "critical%s%s%s", s->digital_signature ? ",digitalSignature" : "",
			 s->key_encipherment ? ",keyEncipherment" : "", s->ca ? ",keyCertSign,cRLSign" : "");
		if ((e = add_ext(x, &ctx, NID_key_usage, v)) != 0)
			return e;
	}
	if (s->server_auth || s->client_auth) {
		snprintf(v, sizeof v, "%s%s%s", s->server_auth ? "serverAuth" : "",
			 s->server_auth && s->client_auth ? "," : "", s->client_auth ? "clientAuth" : "");
		if ((e = add_ext(x, &ctx, NID_ext_key_usage, v)) != 0)
			return e;
	}
	if (s->san_dns) {
		snprintf(v, sizeof v, "DNS:%s", s->san_dns);
		if ((e = add_ext(x, &ctx, NID_subject_alt_name, v)) != 0)
			return e;
	}
	/* The subject key id first: a self-signed certificate's authority key id
	 * is read back from it. An issuer without one is named by issuer and
	 * serial instead (an instructor's own CA may lack it). */
	if ((e = add_ext(x, &ctx, NID_subject_key_identifier, "hash")) != 0)
		return e;
	bool issuer_has_skid = !s->issuer || X509_get_ext_by_NID(s->issuer, NID_subject_key_identifier, -1) >= 0;
	return add_ext(x, &ctx, NID_authority_key_identifier, issuer_has_skid ? "keyid:always" : "issuer:always");
}

int mlab_pki_issue(const struct mlab_cert_spec *s, X509 **out)
{
	if (!out)
		return MLAB_E_ARG;
	*out = NULL;
	if (!s || !s->subject_cn || !s->key || !printable(s->subject_cn, 64) || (s->org && !printable(s->org, 64)) ||
	    (s->san_dns && !mlab_pki_dns_name_ok(s->san_dns)) || s->pathlen < -1 || s->not_before < 0 ||
	    s->not_after > MLAB_TIME_MAX || s->not_before > s->not_after)
		return MLAB_E_ARG;
	EVP_PKEY *signer = s->issuer_key ? s->issuer_key : s->key;
	const EVP_PKEY *want = s->issuer ? X509_get0_pubkey(s->issuer) : s->key;
	if ((s->issuer && !s->issuer_key) || !want || EVP_PKEY_eq(want, signer) != 1)
		return MLAB_E_ARG; /* it would sign something no one could verify */

	X509 *x = X509_new();
	if (!x)
		return MLAB_E_NOMEM;
	int e = MLAB_E_CRYPTO;
	if (X509_set_version(x, X509_VERSION_3) != 1 || (e = set_serial(x)) != 0 || (e = set_name(x, s)) != 0)
		goto fail;
	e = MLAB_E_CRYPTO;
	if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->not_after) || X509_set_pubkey(x, s->key) != 1)
		goto fail;
	if ((e = set_extensions(x, s)) != 0)
		goto fail;
	/* Ed25519 and Ed448 hash inside the signature: OpenSSL wants no digest */
	int id = EVP_PKEY_get_base_id(signer);
	const EVP_MD *md = id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448 ? NULL : EVP_sha256();
	e = MLAB_E_CRYPTO;
	if (X509_sign(x, signer, md) <= 0)
		goto fail;
	*out = x;
	return 0;
fail:
	X509_free(x);
	return e;
}

/* ======================================================================
 * Files
 * ====================================================================== */

typedef int (*writer)(FILE *f, const void *arg);

/* mkstemp makes the file 0600 from the start, so a private key is never
 * readable by others, not even for a moment; fchmod then sets the exact mode
 * whatever the umask. */
static int write_atomic(const char *path, mode_t mode, writer fn, const void *arg)
{
	char tmp[PATH_CAP];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return MLAB_E_IO;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return MLAB_E_IO;
	FILE *f = fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		close(fd);
	bool ok = f && fn(f, arg) == 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (f && fclose(f) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok)
		unlink(tmp);
	return ok ? 0 : MLAB_E_IO;
}

struct chain_arg {
	X509 *const *certs;
	size_t n;
};

static int put_certs(FILE *f, const void *arg)
{
	const struct chain_arg *c = arg;
	for (size_t i = 0; i < c->n; i++)
		if (PEM_write_X509(f, c->certs[i]) != 1)
			return MLAB_E_IO;
	return 0;
}

static int put_key(FILE *f, const void *arg)
{
	return PEM_write_PrivateKey(f, (EVP_PKEY *)arg, NULL, NULL, 0, NULL, NULL) == 1 ? 0 : MLAB_E_IO;
}

static int put_text(FILE *f, const void *arg)
{
	return fputs(arg, f) >= 0 ? 0 : MLAB_E_IO;
}

int mlab_pki_write_chain(const char *path, X509 *const *certs, size_t n)
{
	if (!path || !certs || n == 0)
		return MLAB_E_ARG;
	for (size_t i = 0; i < n; i++)
		if (!certs[i])
			return MLAB_E_ARG;
	struct chain_arg c = {certs, n};
	return write_atomic(path, 0644, put_certs, &c);
}

int mlab_pki_write_key(const char *path, EVP_PKEY *key)
{
	if (!path || !key)
		return MLAB_E_ARG;
	return write_atomic(path, 0600, put_key, key);
}

/* ======================================================================
 * The lab's PKI
 * ====================================================================== */

static const char README_TEXT[] =
    "All keys are Ed25519; *.key files are private (mode 0600). These are test\n"
    "certificates: never trust root.pem outside the lab. `make` remakes the whole\n"
    "directory when bob.crt has less than a week left.\n"
    "\n"
    "The lessons name the check that stops each attack (lib/mlab_err.h):\n"
    "\n"
    "root.pem, root.key          \"mitmlab Lab Root CA\": the trust anchor alice is given.\n"
    "                            From 90 days ago, for 10 years.\n"
    "inter.pem, inter.key        \"mitmlab Lab Issuing CA 1\", under root, pathlen 0.\n"
    "                            From 90 days ago, for 5 years.\n"
    "bob.crt                     bob.lab's certificate over bob's own key (keys/bob.key),\n"
    "                            from inter, serverAuth. 30 days.\n"
    "bob.chain.pem               bob.crt + inter.pem, leaf first: the chain bob sends in\n"
    "                            the honest runs (root is not sent: alice has it).\n"
    "selfsigned-bob.chain.pem    mallory's self-signed bob.lab certificate over her key.\n"
    "                            Stopped by cert-issuer (no trusted root signed it).\n"
    "rogue-root.pem, .key        a root with exactly root.pem's name, but a key of its own.\n"
    "rogue-bob.chain.pem         bob.lab over mallory's key, signed by rogue-root, +\n"
    "                            rogue-root.pem. Stopped by cert-issuer: a name is not a key.\n"
    "expired-bob.chain.pem, expired-bob.key\n"
    "                            a real bob.lab certificate from inter, stolen with its key,\n"
    "                            expired 30 days ago. Stopped by cert-expired.\n"
    "future-bob.chain.pem, future-bob.key\n"
    "                            the same, valid only from a year from now. Stopped by\n"
    "                            cert-not-yet-valid (or let through by a wrong clock).\n"
    "mallory-lab.chain.pem       a real certificate from inter for mallory.lab over\n"
    "                            mallory's key. Stopped by cert-name; let through when name\n"
    "                            checking is WEAKENED (the hostname-verification bug).\n"
    "noserver-bob.chain.pem      bob.lab over mallory's key from inter, but clientAuth only.\n"
    "                            Stopped by cert-usage.\n"
    "stolen-inter.pem, .key      copies of inter.pem and inter.key: a compromised CA.\n"
    "                            Nothing stops what mallory issues with it, e.g.\n"
    "                              mitmlab-keygen cert --ca-cert stolen-inter.pem \\\n"
    "                                --ca-key stolen-inter.key --key ../mallory.key \\\n"
    "                                --name bob.lab --out mallory-bob.chain.pem\n"
    "                            passes every check: only revocation helps.\n"
    "proxy-ca.pem, .key          \"mitmlab Lab TLS Inspection CA\": mallory's own root, as a\n"
    "                            corporate TLS-inspection box has one. She mints bob.lab\n"
    "                            with it (mallory --mint proxy-ca.key:proxy-ca.pem).\n"
    "trust-with-proxy.pem        root.pem + proxy-ca.pem: alice's store once the proxy's\n"
    "                            root is installed in it. Then only a pin stops mallory.\n"
    "bob-rsa.chain.pem           bob.lab over bob's RSA key (keys/bob-rsa.key) + inter.pem:\n"
    "                            TLS 1.2's RSA key transport, recorded then leaked (55, 56).\n"
    "bob.spki                    the SHA-256 of bob's SubjectPublicKeyInfo: the pin for\n"
    "                            alice's --pin-spki (stopped by pinned-key otherwise).\n"
    "known-bob.tofu              a trust-on-first-use store (docs/protocol.md §15) holding\n"
    "                            bob.lab with bob's real key, as alice stored it on a first\n"
    "                            contact without mallory. Another key later: tofu-changed.\n";

struct pki {
	const char *dir;
	FILE *log;
	long long now;
	int err;
	EVP_PKEY *bob, *mallory, *root_k, *inter_k, *rogue_k, *expired_k, *future_k, *proxy_k;
	X509 *root, *inter, *bob_c, *self_c, *rogue, *rogue_c, *expired_c, *future_c, *mlab_c, *noserver_c, *proxy;
};

/* Each step below does nothing once one failed, so make reads as a list. */
static bool path_of(struct pki *p, const char *name, char *out)
{
	if (p->err)
		return false;
	int n = snprintf(out, PATH_CAP, "%s/%s", p->dir, name);
	if (n < 0 || n >= PATH_CAP)
		p->err = MLAB_E_IO;
	return !p->err;
}

static void logged(struct pki *p, const char *path, const char *what)
{
	if (p->log)
		fprintf(p->log, "wrote %s: %s\n", path, what);
}

static void w_chain(struct pki *p, const char *name, X509 *a, X509 *b, const char *what)
{
	char path[PATH_CAP];
	X509 *certs[2] = {a, b};
	if (!path_of(p, name, path))
		return;
	if ((p->err = mlab_pki_write_chain(path, certs, b ? 2 : 1)) == 0)
		logged(p, path, what);
}

static void w_key(struct pki *p, const char *name, EVP_PKEY *key, const char *what)
{
	char path[PATH_CAP];
	if (!path_of(p, name, path))
		return;
	if ((p->err = mlab_pki_write_key(path, key)) == 0)
		logged(p, path, what);
}

static void w_text(struct pki *p, const char *name, const char *text, const char *what)
{
	char path[PATH_CAP];
	if (!path_of(p, name, path))
		return;
	if ((p->err = write_atomic(path, 0644, put_text, text)) == 0)
		logged(p, path, what);
}

static void fresh_key(struct pki *p, EVP_PKEY **k)
{
	if (!p->err)
		p->err = mlab_ed25519_generate(k);
}

static void ca(struct pki *p, X509 **out, const char *cn, int pathlen, long long days, EVP_PKEY *key,
	       EVP_PKEY *issuer_key, X509 *issuer)
{
	/* The CAs predate every certificate they issued, the expired one too, so
	 * a clock set back into a leaf's validity finds its whole chain valid. */
	struct mlab_cert_spec s = {.subject_cn = cn,
				   .org = "mitmlab lab",
				   .ca = true,
				   .pathlen = pathlen,
				   .not_before = p->now - CA_BACKDATE,
				   .not_after = p->now + days * DAY,
				   .key = key,
				   .issuer_key = issuer_key,
				   .issuer = issuer};
	if (!p->err)
		p->err = mlab_pki_issue(&s, out);
}

static void leaf(struct pki *p, X509 **out, const char *name, long long from, long long to, bool server_auth,
		 EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer)
{
	struct mlab_cert_spec s = {.subject_cn = name,
				   .org = "mitmlab lab",
				   .san_dns = name,
				   .pathlen = -1,
				   .server_auth = server_auth,
				   .client_auth = !server_auth,
				   .digital_signature = true,
				   .not_before = from,
				   .not_after = to,
				   .key = key,
				   .issuer_key = issuer_key,
				   .issuer = issuer};
	if (!p->err)
		p->err = mlab_pki_issue(&s, out);
}

/* The store alice would hold after meeting the real bob once, at `now`. */
static void known_bob(struct pki *p)
{
	uint8_t raw[32];
	char fp[MLAB_TOFU_FP_LEN], text[256];
	if (p->err)
		return;
	if ((p->err = mlab_ed25519_raw_public(p->bob, raw)) != 0 ||
	    (p->err = mlab_tofu_fingerprint(raw, sizeof raw, fp)) != 0)
		return;
	snprintf(text, sizeof text, "# made by mitmlab-keygen pki: bob.lab's real key\nbob.lab %s %lld\n", fp, p->now);
	w_text(p, "known-bob.tofu", text, "trust-on-first-use store holding bob's real key");
}

/* bob's pin for --pin-spki (RFC 7469's SPKI SHA-256, in hex). */
static void bob_spki(struct pki *p)
{
	uint8_t *der = NULL, h[32];
	unsigned hl = 0;
	char hex[65], text[320];
	if (p->err)
		return;
	int n = i2d_PUBKEY(p->bob, &der);
	if (n <= 0 || EVP_Digest(der, (size_t)n, h, &hl, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		p->err = MLAB_E_CRYPTO;
		return;
	}
	OPENSSL_free(der);
	mlab_hex(h, sizeof h, hex);
	snprintf(text, sizeof text,
		 "# SHA-256 of bob's SubjectPublicKeyInfo, alice's --pin-spki; the same as\n"
		 "# openssl x509 -in bob.crt -pubkey -noout | openssl pkey -pubin -outform der | sha256sum\n%s\n",
		 hex);
	w_text(p, "bob.spki", text, "bob's SPKI pin (SHA-256, hex)");
}

/* mkdir -p: the directories it makes get exactly 0755. */
static int make_dirs(const char *dir)
{
	char buf[PATH_CAP];
	struct stat st;
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof buf)
		return MLAB_E_IO;
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (chmod(buf, 0755) != 0)
				return MLAB_E_IO;
		} else if (errno != EEXIST) {
			return MLAB_E_IO;
		}
		buf[i] = c;
	}
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : MLAB_E_IO;
}

static void pki_free(struct pki *p)
{
	EVP_PKEY *keys[] = {p->bob,	p->mallory,   p->root_k,   p->inter_k,
			    p->rogue_k, p->expired_k, p->future_k, p->proxy_k};
	X509 *certs[] = {p->root,      p->inter,    p->bob_c,  p->self_c,     p->rogue, p->rogue_c,
			 p->expired_c, p->future_c, p->mlab_c, p->noserver_c, p->proxy};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		EVP_PKEY_free(keys[i]);
	for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
		X509_free(certs[i]);
}

int mlab_pki_make(const char *dir, long long now, const char *bob_key_path, const char *mallory_key_path, FILE *log)
{
	if (!dir || !bob_key_path || !mallory_key_path)
		return MLAB_E_ARG;
	/* the earliest date below is the CAs' start, the latest the root's end */
	if (now < CA_BACKDATE || now > MLAB_TIME_MAX - 3650 * DAY)
		return MLAB_E_ARG;

	struct pki p = {.dir = dir, .log = log, .now = now};
	p.err = mlab_key_load_private(bob_key_path, &p.bob);
	if (!p.err)
		p.err = mlab_key_load_private(mallory_key_path, &p.mallory);
	if (!p.err)
		p.err = make_dirs(dir);
	fresh_key(&p, &p.root_k);
	fresh_key(&p, &p.inter_k);
	fresh_key(&p, &p.rogue_k);
	fresh_key(&p, &p.expired_k);
	fresh_key(&p, &p.future_k);
	fresh_key(&p, &p.proxy_k);

	long long t0 = now - 3600, t1 = now + 30 * DAY;
	ca(&p, &p.root, "mitmlab Lab Root CA", -1, 3650, p.root_k, NULL, NULL);
	ca(&p, &p.inter, "mitmlab Lab Issuing CA 1", 0, 1825, p.inter_k, p.root_k, p.root);
	ca(&p, &p.rogue, "mitmlab Lab Root CA", -1, 3650, p.rogue_k, NULL, NULL);
	ca(&p, &p.proxy, "mitmlab Lab TLS Inspection CA", 0, 3650, p.proxy_k, NULL, NULL);
	leaf(&p, &p.bob_c, "bob.lab", t0, t1, true, p.bob, p.inter_k, p.inter);
	leaf(&p, &p.self_c, "bob.lab", t0, t1, true, p.mallory, NULL, NULL);
	leaf(&p, &p.rogue_c, "bob.lab", t0, t1, true, p.mallory, p.rogue_k, p.rogue);
	leaf(&p, &p.expired_c, "bob.lab", now - 60 * DAY, now - 30 * DAY, true, p.expired_k, p.inter_k, p.inter);
	leaf(&p, &p.future_c, "bob.lab", now + 365 * DAY, now + 395 * DAY, true, p.future_k, p.inter_k, p.inter);
	leaf(&p, &p.mlab_c, "mallory.lab", t0, t1, true, p.mallory, p.inter_k, p.inter);
	leaf(&p, &p.noserver_c, "bob.lab", t0, t1, false, p.mallory, p.inter_k, p.inter);

	char made[32] = "?", readme[sizeof README_TEXT + 160];
	time_t tt = (time_t)now;
	struct tm tm;
	if (gmtime_r(&tt, &tm))
		strftime(made, sizeof made, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(readme, sizeof readme, "mitmlab lab PKI, made by `mitmlab-keygen pki` for %s.\n%s", made, README_TEXT);

	w_chain(&p, "root.pem", p.root, NULL, "lab root CA certificate (the trust anchor)");
	w_key(&p, "root.key", p.root_k, "lab root CA private key");
	w_chain(&p, "inter.pem", p.inter, NULL, "issuing CA certificate");
	w_key(&p, "inter.key", p.inter_k, "issuing CA private key");
	w_chain(&p, "selfsigned-bob.chain.pem", p.self_c, NULL, "self-signed bob.lab over mallory's key");
	w_chain(&p, "rogue-root.pem", p.rogue, NULL, "rogue root: root's name, another key");
	w_key(&p, "rogue-root.key", p.rogue_k, "rogue root private key");
	w_chain(&p, "rogue-bob.chain.pem", p.rogue_c, p.rogue, "bob.lab from the rogue root");
	w_chain(&p, "expired-bob.chain.pem", p.expired_c, p.inter, "bob.lab, expired 30 days ago");
	w_key(&p, "expired-bob.key", p.expired_k, "its private key (stolen with it)");
	w_chain(&p, "future-bob.chain.pem", p.future_c, p.inter, "bob.lab, valid from a year from now");
	w_key(&p, "future-bob.key", p.future_k, "its private key");
	w_chain(&p, "mallory-lab.chain.pem", p.mlab_c, p.inter, "mallory.lab, a real certificate for another name");
	w_chain(&p, "noserver-bob.chain.pem", p.noserver_c, p.inter, "bob.lab with clientAuth only");
	w_chain(&p, "stolen-inter.pem", p.inter, NULL, "copy of inter.pem (the compromised CA)");
	w_key(&p, "stolen-inter.key", p.inter_k, "copy of inter.key (the compromised CA's key)");
	w_chain(&p, "proxy-ca.pem", p.proxy, NULL, "the inspection proxy's root (mallory's own CA)");
	w_key(&p, "proxy-ca.key", p.proxy_k, "its private key (mallory's)");
	w_chain(&p, "trust-with-proxy.pem", p.root, p.proxy, "root.pem + proxy-ca.pem: a store with the proxy in it");
	known_bob(&p);
	bob_spki(&p);
	w_text(&p, "README", readme, "what each file is, and its lesson");
	w_chain(&p, "bob.crt", p.bob_c, NULL, "bob.lab's certificate over bob's key");
	/* last: make's target, so a failed run leaves it out of date */
	w_chain(&p, "bob.chain.pem", p.bob_c, p.inter, "bob.crt + inter.pem, the chain bob sends");

	int e = p.err;
	pki_free(&p);
	return e;
}

/* A PEM file's first object: a private key (key) or a certificate. */
static int read_pem(const char *path, EVP_PKEY **key, X509 **cert)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return MLAB_E_KEYFILE;
	if (key)
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	else
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return (key ? *key != NULL : *cert != NULL) ? 0 : MLAB_E_KEYFILE;
}

int mlab_pki_make_rsa(const char *dir, long long now, const char *rsa_key_path, FILE *log)
{
	if (!dir || !rsa_key_path)
		return MLAB_E_ARG;
	struct pki p = {.dir = dir, .log = log, .now = now};
	char path[PATH_CAP];
	EVP_PKEY *rsa = NULL;
	X509 *leaf_c = NULL;
	p.err = read_pem(rsa_key_path, &rsa, NULL);
	if (!p.err && (EVP_PKEY_get_id(rsa) != EVP_PKEY_RSA || EVP_PKEY_get_bits(rsa) < 2048))
		p.err = MLAB_E_KEYFILE;
	if (path_of(&p, "inter.key", path))
		p.err = read_pem(path, &p.inter_k, NULL);
	if (path_of(&p, "inter.pem", path))
		p.err = read_pem(path, NULL, &p.inter);
	struct mlab_cert_spec spec = {.subject_cn = "bob.lab",
				      .org = "mitmlab lab",
				      .san_dns = "bob.lab",
				      .pathlen = -1,
				      .server_auth = true,
				      .digital_signature = true, /* TLS 1.3 signs with it */
				      .key_encipherment = true,	 /* TLS 1.2 encrypts the premaster to it */
				      .not_before = now - 3600,
				      .not_after = now + 30 * DAY,
				      .key = rsa,
				      .issuer_key = p.inter_k,
				      .issuer = p.inter};
	if (!p.err)
		p.err = mlab_pki_issue(&spec, &leaf_c);
	w_chain(&p, "bob-rsa.chain.pem", leaf_c, p.inter, "bob.lab over bob's RSA key + inter.pem (TLS 1.2 RSA)");
	int e = p.err;
	X509_free(leaf_c);
	EVP_PKEY_free(rsa);
	pki_free(&p);
	return e;
}
