/* One option table for both honest peers: the same knob means the same thing
 * on both sides, and a scenario file maps onto these flags one to one. */
#include "peer_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "peer_net.h"
#include "peer_optab.h"
#include "mlab_version.h"
#include "peer_kind.h"
#include "peer_tls.h"
#include "peer_trust.h"

enum {
	OPT_AUTH = 256,
	OPT_MUTUAL,
	OPT_SCOPE,
	OPT_GROUPS,
	OPT_CIPHER,
	OPT_KEY,
	OPT_PEER_KEY,
	OPT_EVENTS,
	OPT_TIMEOUT,
	OPT_IDLE,
	OPT_QUIET,
	OPT_NO_SHARE_CHECK,
	OPT_CONNECT,
	OPT_LISTEN,
	OPT_SEND,
	OPT_REPLY,
	OPT_MAX_CONNS,
	OPT_MAX_CLIENTS,
	OPT_REPEAT,
	OPT_BULK,
	OPT_SINK,
	OPT_MIN_SECURITY,
	OPT_EXPLICIT_FROM,
	OPT_SENTINEL,
	OPT_CERT,
	OPT_CA,
	OPT_PEER_NAME,
	OPT_NOW,
	OPT_TOFU,
	OPT_INSECURE,
	OPT_NO_NAME_CHECK,
	OPT_KEX,
	OPT_STATIC_KEY,
	OPT_RSA_KEY,
	OPT_PEER_RSA,
	OPT_FIXED_NONCE,
	OPT_WEAK_RNG,
	OPT_KEYLOG,
	OPT_PROTO,
	OPT_TLS_VERSION,
	OPT_PIN_SPKI,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_opts[] = {
    {"auth", required_argument, NULL, OPT_AUTH},
    {"mutual", no_argument, NULL, OPT_MUTUAL},
    {"sign-scope", required_argument, NULL, OPT_SCOPE},
    {"groups", required_argument, NULL, OPT_GROUPS},
    {"cipher", required_argument, NULL, OPT_CIPHER},
    {"key", required_argument, NULL, OPT_KEY},
    {"peer-key", required_argument, NULL, OPT_PEER_KEY},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"no-share-check", no_argument, NULL, OPT_NO_SHARE_CHECK},
    {"no-validate-share", no_argument, NULL, OPT_NO_SHARE_CHECK},
    {"explicit-from", required_argument, NULL, OPT_EXPLICIT_FROM},
    {"downgrade-sentinel", no_argument, NULL, OPT_SENTINEL},
    {"connect", required_argument, NULL, OPT_CONNECT},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"send", required_argument, NULL, OPT_SEND},
    {"reply", required_argument, NULL, OPT_REPLY},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"bulk", required_argument, NULL, OPT_BULK},
    {"sink", no_argument, NULL, OPT_SINK},
    {"min-security", required_argument, NULL, OPT_MIN_SECURITY},
    {"cert", required_argument, NULL, OPT_CERT},
    {"ca", required_argument, NULL, OPT_CA},
    {"peer-name", required_argument, NULL, OPT_PEER_NAME},
    {"now", required_argument, NULL, OPT_NOW},
    {"tofu", required_argument, NULL, OPT_TOFU},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"no-name-check", no_argument, NULL, OPT_NO_NAME_CHECK},
    {"kex", required_argument, NULL, OPT_KEX},
    {"static-key", required_argument, NULL, OPT_STATIC_KEY},
    {"rsa-key", required_argument, NULL, OPT_RSA_KEY},
    {"peer-rsa", required_argument, NULL, OPT_PEER_RSA},
    {"fixed-nonce", no_argument, NULL, OPT_FIXED_NONCE},
    {"weak-rng", required_argument, NULL, OPT_WEAK_RNG},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"proto", required_argument, NULL, OPT_PROTO},
    {"tls-version", required_argument, NULL, OPT_TLS_VERSION},
    {"pin-spki", required_argument, NULL, OPT_PIN_SPKI},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f, const struct peer_opts *o)
{
	int ini = o->role == MLAB_INITIATOR;
	fprintf(f, "usage: %s %s [options]\n\n", o->prog, ini ? "--connect ADDR:PORT" : "--listen ADDR:PORT");
	if (ini)
		fputs(
		    "alice, the initiator: connects, negotiates a Diffie-Hellman key exchange, checks bob's\n"
		    "signature when configured, then sends each --send TEXT (or each line of stdin) and\n"
		    "prints bob's replies.\n\n"
		    "  --connect ADDR:PORT     bob's address (default 127.0.0.1:4433)\n"
		    "  --send TEXT             a message to send; repeatable (default: lines of stdin)\n"
		    "  --repeat N              send the --send list N times (round-trip measurements)\n"
		    "  --bulk BYTES            then stream BYTES of data in full records without waiting for\n"
		    "                          replies (throughput measurements; use with bob --sink)\n"
		    "  --ca FILE               mode cert: the root certificate(s) I trust, PEM (the lab's:\n"
		    "                          bin/keys/pki/root.pem, made by make)\n"
		    "  --peer-name NAME        mode cert: the name bob's certificate must carry; --tofu: the name\n"
		    "                          his key is stored under (default bob.lab)\n"
		    "  --now TIME              the lab clock certificates are checked against: 2026-12-03T12:00:00Z,\n"
		    "                          2026-12-03 or @EPOCH-SECONDS (default: the real time)\n"
		    "  --tofu FILE             mode sign without --peer-key: trust bob's key on first use and\n"
		    "                          store it in FILE (known-hosts style); later another key aborts\n"
		    "  --insecure              WEAKENED: show certificate failures, then click through them\n"
		    "  --no-name-check         WEAKENED: do not compare the certificate's name with --peer-name\n"
		    "  --peer-rsa FILE         kex transport: bob's RSA public key, pinned (bin/keys/bob-rsa.pub)\n",
		    f);
	else
		fputs(
		    "bob, the responder: serves connections one after another, picks mode, group and cipher\n"
		    "by policy, signs when configured, and answers each message.\n\n"
		    "  --listen ADDR:PORT      where to listen (default 127.0.0.1:4433; port 0 = any)\n"
		    "  --reply TEXT            the answer to the Nth message; repeatable (default: echo)\n"
		    "  --max-conns N           exit after N connections (default: serve until SIGINT/SIGTERM)\n"
		    "  --max-clients N         serve at most N connections at once, each in its own thread with its\n"
		    "                          own deadlines (default 64, 1..1024); one more is refused at once with\n"
		    "                          the alert server-busy. With --weak-rng: one at a time (one generator)\n"
		    "  --idle SECONDS          wait at most this long for the next message (default 120)\n"
		    "  --sink                  answer nothing, only count what arrives (for alice --bulk)\n"
		    "  --cert FILE             mode cert: my certificate chain, PEM, leaf first, certifying --key\n"
		    "                          (the lab's: bin/keys/pki/bob.chain.pem with bin/keys/bob.key)\n"
		    "  --static-key FILE       kex static: my long-term X25519 key, PEM (bin/keys/bob-static.key)\n"
		    "  --rsa-key FILE          kex transport: my RSA private key, PEM (bin/keys/bob-rsa.key)\n"
		    "  --fixed-nonce           WEAKENED: a constant nonce instead of a fresh one (the replay lesson)\n",
		    f);
	fprintf(
	    f,
	    "  --auth LIST             modes, comma-separated: none (unauthenticated DH), sign (Ed25519-signed DH),\n"
	    "                          cert (signed, the key certified by an X.509 chain) %s (default none)\n"
	    "  --mutual                %s\n"
	    "  --sign-scope SCOPE      what a signature covers: transcript (default) or params (nonces + share)\n"
	    "  --groups LIST           x25519, ffdhe2048, ffdhe3072 %s (default all three, in that order);\n"
	    "                          WEAK lab groups for the downgrade lessons, only when named: lab-32, lab-48,\n"
	    "                          lab-64-smooth; LEGACY: explicit (p and g travel in bob's key share,\n"
	    "                          as in TLS 1.2; never by default — named groups only); POST-QUANTUM, only\n"
	    "                          when named: mlkem768 (ML-KEM-768, FIPS 203), x25519-mlkem768 (the hybrid\n"
	    "                          of TLS's X25519MLKEM768), lab-48-mlkem768 (a LAB hybrid: its classical\n"
	    "                          half breakable on purpose)\n"
	    "  --cipher LIST           chacha20-poly1305, aes-256-gcm, none (plaintext records)\n"
	    "                          (default chacha20-poly1305,aes-256-gcm)\n"
	    "  --weak-rng pid|time     WEAKENED: draw my nonce and keys from a small PRNG seeded only by my\n"
	    "                          process id (15 bits, as Debian's OpenSSL 2006-2008) or the clock\n"
	    "  --kex LIST              key establishment: ephemeral (fresh DH keys, wiped after: forward\n"
	    "                          secrecy), static (bob's long-term DH key), transport (alice's secret,\n"
	    "                          RSA-OAEP-encrypted to bob's key) (default ephemeral)\n"
	    "  --key FILE              own Ed25519 private key, PEM (make one: mitmlab-keygen FILE)\n"
	    "  --peer-key FILE         the other side's Ed25519 public key, pinned\n"
	    "  --events FD             write JSON-lines events to descriptor FD (docs/events.md)\n"
	    "  --timeout SECONDS       limit for each handshake step and reply (default 10)\n"
	    "  --no-share-check        WEAKENED: accept key shares (and explicit p, g) without checks;\n"
	    "                          also spelled --no-validate-share\n"
	    "%s"
	    "  --downgrade-sentinel    %s\n"
	    "  --min-security BITS     never use a group below this security level (x25519 128, ffdhe2048 103,\n"
	    "                          ffdhe3072 125, lab groups 8-24); default: no policy\n"
	    "  --keylog FILE           append each session's keys to FILE (one line per session: read a capture\n"
	    "                          later, as SSLKEYLOGFILE does for TLS; docs/protocol.md §12.6); with\n"
	    "                          --proto tls, OpenSSL's SSLKEYLOGFILE lines (tshark -o tls.keylog_file:FILE)\n"
	    "  --proto lab|tls         the lab protocol (default), or real TLS from OpenSSL: bob serves his\n"
	    "                          certificate (--cert, --key), alice checks it with the lab's checks (--ca,\n"
	    "                          --peer-name, also the SNI, --now, --insecure); docs/protocol.md §16\n"
	    "  --tls-version 1.2|1.3   --proto tls: only this version (default: both, 1.3 preferred)\n"
	    "%s"
	    "  --quiet                 no readable log on stderr\n"
	    "  --help                  this text\n"
	    "  --version               the version, and the OpenSSL it runs with\n\n"
	    "%s",
	    ini ? "offered in this order" : "accepted by policy",
	    ini ? "also sign as alice (needs --key); bob checks it with his --peer-key"
		: "require alice to sign too (needs --peer-key with alice's public key)",
	    ini ? "offered in this order" : "accepted",
	    ini ? ""
		: "  --explicit-from GROUP   the named group whose p and g bob sends when explicit is chosen\n"
		  "                          (ffdhe2048, ffdhe3072 or a lab group; default ffdhe2048)\n",
	    ini ? "abort when bob's nonce carries the downgrade sentinel over another group offer\n"
		  "                          than the one sent (RFC 8446 4.1.3 style; pair with signatures)"
		: "mark the nonce with a digest of the offer received when choosing a weaker group\n"
		  "                          than the policy takes: a signed nonce tells alice of a changed offer",
	    ini ? "  --pin-spki PIN|FILE     --proto tls: bob's leaf must carry this key: SHA-256 of its\n"
		  "                          SubjectPublicKeyInfo, 64 hex digits or sha256//BASE64 (HPKP), or a\n"
		  "                          file holding one (bin/keys/pki/bob.spki)\n"
		: "",
	    /* bob outlives his connections: their outcomes are events, not his status. */
	    ini ? "exit status: 0 success, 1 a check failed or the peer aborted, 2 usage, 3 network, 4 key files,\n"
		  "             5 internal error (out of memory, crypto library)\n"
		: "exit status: 0 after --max-conns connections or on SIGINT/SIGTERM, also when connections failed\n"
		  "             (each failure is in its error and connection-end events), 2 usage, 3 cannot listen,\n"
		  "             4 key files, 5 internal error at start-up (out of memory)\n");
}

static int bad(const struct peer_opts *o, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", o->prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help'.\n", o->prog);
	return PEER_EXIT_USAGE;
}

/* Splits a comma list; lookup returns the id or 0 for an unknown name. */
static int parse_list(const struct peer_opts *o, const char *what, const char *arg, int (*lookup)(const char *),
		      unsigned *ids, size_t *n)
{
	char buf[512], *save = NULL;

	if (strlen(arg) >= sizeof buf)
		return bad(o, "%s: list too long", what);
	strcpy(buf, arg);
	*n = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int id = lookup(t);
		if (!id) {
			fprintf(stderr, "%s: %s: unknown value '%s'\n", o->prog, what, t);
			return PEER_EXIT_USAGE;
		}
		for (size_t i = 0; i < *n; i++)
			if (ids[i] == (unsigned)id)
				return bad(o, "listed twice: %s", t);
		if (*n == MLAB_MAX_OFFERS)
			return bad(o, "%s: too many entries", what);
		ids[(*n)++] = (unsigned)id;
	}
	if (*n == 0)
		return bad(o, "%s: empty list", what);
	return -1;
}

static int group_lookup(const char *name)
{
	const struct mlab_group *g = mlab_group_by_name(name);
	return g ? g->id : 0;
}

static int parse_uint(const struct peer_opts *o, const char *arg, unsigned long max, unsigned long *v)
{
	char *end;
	errno = 0;
	*v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *v > max || arg[0] == '-')
		return bad(o, "not a number in range: %s", arg);
	return -1;
}

/* A number within the limits of option `name` in peer_optab. */
static int parse_opt(const struct peer_opts *o, const char *name, const char *arg, unsigned long *v)
{
	int r;
	if ((r = parse_uint(o, arg, (unsigned long)peer_opt_max(name), v)) >= 0)
		return r;
	if (*v < peer_opt_min(name)) {
		fprintf(stderr, "%s: --%s: at least %llu, not %s\nTry '%s --help'.\n", o->prog, name,
			peer_opt_min(name), arg, o->prog);
		return PEER_EXIT_USAGE;
	}
	return -1;
}

static int set_list(struct peer_opts *o, int opt, const char *arg)
{
	unsigned ids[MLAB_MAX_OFFERS];
	size_t n;
	int r;

	switch (opt) {
	case OPT_AUTH:
		if ((r = parse_list(o, "--auth", arg, mlab_mode_from_name, ids, &n)) >= 0)
			return r;
		for (size_t i = 0; i < n; i++)
			o->kex.modes[i] = (uint8_t)ids[i];
		o->kex.n_modes = n;
		return -1;
	case OPT_GROUPS:
		if ((r = parse_list(o, "--groups", arg, group_lookup, ids, &n)) >= 0)
			return r;
		for (size_t i = 0; i < n; i++)
			o->kex.groups[i] = (uint16_t)ids[i];
		o->kex.n_groups = n;
		return -1;
	case OPT_KEX:
		if ((r = parse_list(o, "--kex", arg, mlab_kind_from_name, ids, &n)) >= 0)
			return r;
		for (size_t i = 0; i < n; i++)
			o->kex.kinds[i] = (uint8_t)ids[i];
		o->kex.n_kinds = n;
		return -1;
	default:
		if ((r = parse_list(o, "--cipher", arg, mlab_cipher_from_name, ids, &n)) >= 0)
			return r;
		for (size_t i = 0; i < n; i++)
			o->kex.ciphers[i] = (uint8_t)ids[i];
		o->kex.n_ciphers = n;
		return -1;
	}
}

/* alice's trust options (loaded by peer_trust.c). */
static int parse_trust(struct peer_opts *o, int opt, const char *arg)
{
	static const char *const names[] = {[OPT_CA - OPT_CA] = "--ca",
					    [OPT_PEER_NAME - OPT_CA] = "--peer-name",
					    [OPT_NOW - OPT_CA] = "--now",
					    [OPT_TOFU - OPT_CA] = "--tofu",
					    [OPT_INSECURE - OPT_CA] = "--insecure",
					    [OPT_NO_NAME_CHECK - OPT_CA] = "--no-name-check"};
	if (o->role != MLAB_INITIATOR)
		return bad(o, "%s is not an option of this program", names[opt - OPT_CA]);
	switch (opt) {
	case OPT_CA:
		o->ca_path = arg;
		break;
	case OPT_PEER_NAME:
		if (!peer_name_valid(arg))
			return bad(o, "--peer-name: not a host name (letters, digits, '-', '.'; at most 253): '%s'",
				   arg);
		o->peer_name = arg;
		break;
	case OPT_NOW:
		o->now_arg = arg;
		break;
	case OPT_TOFU:
		o->tofu_path = arg;
		break;
	case OPT_INSECURE:
		o->insecure = true;
		break;
	default:
		o->no_name_check = true;
	}
	return -1;
}

static int parse_one(struct peer_opts *o, int opt, const char *arg)
{
	unsigned long v;
	int r, ini = o->role == MLAB_INITIATOR;

	switch (opt) {
	case OPT_PROTO:
		return peer_tls_parse(o, "proto", arg);
	case OPT_TLS_VERSION:
		return peer_tls_parse(o, "tls-version", arg);
	case OPT_PIN_SPKI:
		return peer_tls_parse(o, "pin-spki", arg);
	case OPT_AUTH:
		o->auth_given = true;
		return set_list(o, opt, arg);
	case OPT_GROUPS:
	case OPT_CIPHER:
	case OPT_KEX:
		return set_list(o, opt, arg);
	case OPT_STATIC_KEY:
	case OPT_RSA_KEY:
	case OPT_FIXED_NONCE:
		if (ini)
			return bad(o, "%s is not an option of this program",
				   opt == OPT_STATIC_KEY ? "--static-key"
				   : opt == OPT_RSA_KEY	 ? "--rsa-key"
							 : "--fixed-nonce");
		if (opt == OPT_FIXED_NONCE)
			o->kex.fixed_nonce = true;
		else
			*(opt == OPT_STATIC_KEY ? &o->static_key_path : &o->rsa_key_path) = arg;
		return -1;
	case OPT_KEYLOG:
		if (!arg[0])
			return bad(o, "--keylog: expected a file name%s", "");
		o->keylog = arg;
		return -1;
	case OPT_WEAK_RNG: {
		enum mlab_rng_kind kind;
		if (mlab_rng_kind_from_name(arg, &kind) != 0 || (kind != MLAB_RNG_PID && kind != MLAB_RNG_TIME))
			return bad(o, "--weak-rng: expected pid or time, not '%s'", arg);
		o->weak_rng = (int)kind;
		return -1;
	}
	case OPT_PEER_RSA:
		if (!ini)
			return bad(o, "%s is not an option of this program", "--peer-rsa");
		o->peer_rsa_path = arg;
		return -1;
	case OPT_MUTUAL:
		o->kex.mutual = true;
		return -1;
	case OPT_SCOPE:
		if (strcmp(arg, "transcript") == 0)
			o->kex.scope = MLAB_SCOPE_TRANSCRIPT;
		else if (strcmp(arg, "params") == 0)
			o->kex.scope = MLAB_SCOPE_PARAMS;
		else
			return bad(o, "--sign-scope: expected transcript or params, not '%s'", arg);
		return -1;
	case OPT_KEY:
		o->key_path = arg;
		return -1;
	case OPT_PEER_KEY:
		o->peer_key_path = arg;
		return -1;
	case OPT_EVENTS:
		if ((r = parse_opt(o, "events", arg, &v)) >= 0)
			return r;
		o->events_fd = (int)v;
		return -1;
	case OPT_TIMEOUT:
	case OPT_IDLE:
		if (opt == OPT_IDLE && ini)
			return bad(o, "%s is not an option of this program", "--idle");
		if ((r = parse_opt(o, opt == OPT_TIMEOUT ? "timeout" : "idle", arg, &v)) >= 0)
			return r;
		*(opt == OPT_TIMEOUT ? &o->timeout_ms : &o->idle_ms) = (int)v * 1000;
		return -1;
	case OPT_QUIET:
		o->quiet = true;
		return -1;
	case OPT_NO_SHARE_CHECK:
		o->kex.validate_shares = false;
		return -1;
	case OPT_CONNECT:
	case OPT_LISTEN:
		if ((opt == OPT_CONNECT) != ini)
			return bad(o, "%s is not an option of this program",
				   opt == OPT_CONNECT ? "--connect" : "--listen");
		char host[256], port[16];
		if (peer_split_addr(arg, host, sizeof host, port, sizeof port) != 0)
			return bad(o, "expected HOST:PORT or [IPv6]:PORT, not '%s'", arg);
		o->addr = arg;
		return -1;
	case OPT_SEND:
	case OPT_REPLY:
		if ((opt == OPT_SEND) != ini)
			return bad(o, "%s is not an option of this program", opt == OPT_SEND ? "--send" : "--reply");
		if (o->n_msgs == PEER_MAX_MESSAGES)
			return bad(o, "at most %s messages", "64");
		if (strlen(arg) > MLAB_MAX_PLAINTEXT)
			return bad(o, "a message is limited to %s bytes", "16384");
		o->msgs[o->n_msgs++] = arg;
		return -1;
	case OPT_REPEAT:
	case OPT_BULK:
		if (!ini)
			return bad(o, "%s is not an option of this program", opt == OPT_REPEAT ? "--repeat" : "--bulk");
		if (opt == OPT_REPEAT) {
			if ((r = parse_opt(o, "repeat", arg, &v)) >= 0)
				return r;
			o->repeat = (unsigned)v;
		} else {
			if ((r = parse_opt(o, "bulk", arg, &v)) >= 0)
				return r;
			o->bulk = v;
		}
		return -1;
	case OPT_MIN_SECURITY:
		if ((r = parse_opt(o, "min-security", arg, &v)) >= 0)
			return r;
		o->kex.min_security = (unsigned)v;
		return -1;
	case OPT_EXPLICIT_FROM: {
		if (ini)
			return bad(o, "%s is not an option of this program", "--explicit-from");
		const struct mlab_group *g = mlab_group_by_name(arg);
		if (!mlab_group_finite_field(g))
			return bad(o,
				   "--explicit-from: not a finite-field group: '%s' (ffdhe2048, ffdhe3072, lab-32, "
				   "lab-48, lab-64-smooth)",
				   arg);
		o->kex.explicit_from = g->id;
		return -1;
	}
	case OPT_SENTINEL:
		o->kex.sentinel = true;
		return -1;
	case OPT_SINK:
		if (ini)
			return bad(o, "%s is not an option of this program", "--sink");
		o->sink = true;
		return -1;
	case OPT_MAX_CONNS:
		if (ini)
			return bad(o, "%s is not an option of this program", "--max-conns");
		if ((r = parse_opt(o, "max-conns", arg, &v)) >= 0)
			return r;
		o->max_conns = (unsigned)v;
		return -1;
	case OPT_MAX_CLIENTS:
		if (ini)
			return bad(o, "%s is not an option of this program", "--max-clients");
		if ((r = parse_opt(o, "max-clients", arg, &v)) >= 0)
			return r;
		o->max_clients = (unsigned)v;
		return -1;
	case OPT_CERT:
		if (ini)
			return bad(o, "%s is not an option of this program", "--cert");
		o->cert_path = arg;
		return -1;
	case OPT_CA:
	case OPT_PEER_NAME:
	case OPT_NOW:
	case OPT_TOFU:
	case OPT_INSECURE:
	case OPT_NO_NAME_CHECK:
		return parse_trust(o, opt, arg);
	case OPT_VERSION:
		mlab_print_version(o->prog);
		return PEER_EXIT_OK;
	case OPT_HELP:
		usage(stdout, o);
		return PEER_EXIT_OK;
	default:
		fprintf(stderr, "Try '%s --help'.\n", o->prog);
		return PEER_EXIT_USAGE;
	}
}

int peer_opts_parse(struct peer_opts *o, enum mlab_role role, int argc, char **argv)
{
	int opt, r;

	memset(o, 0, sizeof *o);
	o->role = role;
	o->prog = role == MLAB_INITIATOR ? "alice" : "bob";
	o->kex.role = role;
	o->kex.validate_shares = true;
	o->addr = "127.0.0.1:4433";
	o->events_fd = -1;
	o->timeout_ms = 10000;
	o->max_clients = 64;
	o->idle_ms = 120000;
	o->repeat = 1;
	(void)set_list(o, OPT_AUTH, "none");
	(void)set_list(o, OPT_GROUPS, "x25519,ffdhe2048,ffdhe3072");
	(void)set_list(o, OPT_CIPHER, "chacha20-poly1305,aes-256-gcm");

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if ((r = parse_one(o, opt, optarg)) >= 0)
			return r;
	if (optind < argc)
		return bad(o, "unexpected argument: %s", argv[optind]);
	if (o->tls && !o->auth_given) /* TLS authenticates bob by his certificate */
		(void)set_list(o, OPT_AUTH, "cert");
	return -1;
}

int peer_opts_load_keys(struct peer_opts *o)
{
	int r = peer_tls_check(o);
	if (r >= 0 || (r = peer_trust_check(o)) >= 0 || (r = peer_kind_check(o)) >= 0)
		return r;
	bool sign = false, cert = false;
	for (size_t i = 0; i < o->kex.n_modes; i++) {
		sign |= o->kex.modes[i] == MLAB_MODE_SIGN;
		cert |= o->kex.modes[i] == MLAB_MODE_CERT;
	}
	bool need_key = (sign && (o->role == MLAB_RESPONDER || o->kex.mutual)) || (cert && o->role == MLAB_RESPONDER);
	bool need_pin = sign && ((o->role == MLAB_INITIATOR && !o->tofu_path) || o->kex.mutual);
	const char *other = o->role == MLAB_INITIATOR ? "bob" : "alice";

	if (need_key && !o->key_path) {
		fprintf(
		    stderr,
		    "%s: signing needs --key FILE, %s's Ed25519 private key (make one with: mitmlab-keygen %s.key)\n",
		    o->prog, o->prog, o->prog);
		return PEER_EXIT_USAGE;
	}
	if (need_pin && !o->peer_key_path) {
		/* mitmlab-keygen NAME.key writes NAME.pub beside it. */
		fprintf(stderr,
			"%s: checking %s's signature needs --peer-key FILE, %s's public key (%s.pub, written by: "
			"mitmlab-keygen %s.key)\n",
			o->prog, other, other, other, other);
		return PEER_EXIT_USAGE;
	}
	/* TLS: OpenSSL reads the certificate's key, Ed25519 or RSA (peer_tls.c) */
	if (o->key_path && !o->tls && mlab_key_load_private(o->key_path, &o->kex.own_key) != 0) {
		fprintf(stderr, "%s: cannot read an Ed25519 private key (PEM) from %s\n", o->prog, o->key_path);
		return PEER_EXIT_SETUP;
	}
	if (o->peer_key_path && mlab_key_load_public(o->peer_key_path, &o->kex.peer_key) != 0) {
		fprintf(stderr, "%s: cannot read an Ed25519 public key (PEM) from %s\n", o->prog, o->peer_key_path);
		return PEER_EXIT_SETUP;
	}
	if ((r = peer_kind_load(o)) >= 0 || (r = peer_trust_load(o)) >= 0)
		return r;
	return peer_tls_load(o);
}

void peer_opts_free(struct peer_opts *o)
{
	EVP_PKEY_free(o->kex.own_key);
	EVP_PKEY_free(o->kex.peer_key);
	o->kex.own_key = o->kex.peer_key = NULL;
	peer_trust_free(o);
	peer_kind_free(o);
}

int peer_say(const struct peer_opts *o, int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", o->prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return code;
}

static bool listed(const uint8_t *l, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

bool peer_offers_mode(const struct peer_opts *o, uint8_t mode)
{
	return listed(o->kex.modes, o->kex.n_modes, mode);
}

bool peer_offers_kind(const struct peer_opts *o, uint8_t kind)
{
	return listed(o->kex.kinds, o->kex.n_kinds, kind);
}

int peer_exit_for(int err)
{
	if (err == 0)
		return PEER_EXIT_OK;
	if (strcmp(mlab_err_check(err), "internal") == 0)
		return PEER_EXIT_INTERNAL;
	return strcmp(mlab_err_check(err), "io") == 0 ? PEER_EXIT_NETWORK : PEER_EXIT_CHECK;
}

int peer_opts_check_events(const struct peer_opts *o)
{
	if (o->events_fd < 0)
		return -1;
	int fl = fcntl(o->events_fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
		fprintf(stderr, "%s: --events %d: that descriptor is not open for writing\n", o->prog, o->events_fd);
		return PEER_EXIT_USAGE;
	}
	return -1;
}

int peer_setup(struct peer_opts *o, enum mlab_role role, int argc, char **argv, struct mlab_ev *ev)
{
	int r;
	if ((r = peer_opts_parse(o, role, argc, argv)) >= 0 || (r = peer_opts_check_events(o)) >= 0 ||
	    (r = peer_opts_load_keys(o)) >= 0)
		return r;
	mlab_ev_init(ev, o->prog, o->events_fd, o->quiet ? NULL : stderr);
	return -1;
}
