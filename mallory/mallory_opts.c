/* mallory's options (see mallory_opts.h), in the house style of peer/peer_opts.c:
 * long options only, every value checked, a usage error names the culprit. */
#include "mallory_opts.h"
#include "mlab_rng.h"
#include "mlab_version.h"
#include "mallory_optab.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "attack_dhmitm.h"

#include "mlab_group.h"

enum {
	OPT_SNIFF = 256,
	OPT_IFACE,
	OPT_PORT,
	OPT_EVENTS,
	OPT_QUIET,
	OPT_MAX_FRAMES,
	OPT_ATTACK,
	OPT_TARGETS,
	OPT_ARMED,
	OPT_INTERVAL,
	OPT_FORGE_KEY,
	OPT_IMPERSONATE,
	OPT_MINT,
	OPT_TAMPER,
	OPT_KEY_FIXING,
	OPT_MALICIOUS_G,
	OPT_SMALL_SUBGROUP,
	OPT_STRIP_AUTH,
	OPT_DOWNGRADE_GROUP,
	OPT_DECRYPT,
	OPT_KEY,
	OPT_BREAK_CLASSICAL,
	OPT_CRACK_RNG,
	OPT_REPLAY,
	OPT_REPLAY_RECORD,
	OPT_PROTO,
	OPT_TLS_DOWNGRADE,
	OPT_KEYLOG,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_opts[] = {
    {"sniff", no_argument, NULL, OPT_SNIFF},
    {"iface", required_argument, NULL, OPT_IFACE},
    {"port", required_argument, NULL, OPT_PORT},
    {"events", required_argument, NULL, OPT_EVENTS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
    {"attack", required_argument, NULL, OPT_ATTACK},
    {"targets", required_argument, NULL, OPT_TARGETS},
    {"armed", no_argument, NULL, OPT_ARMED},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"forge-key", required_argument, NULL, OPT_FORGE_KEY},
    {"impersonate", required_argument, NULL, OPT_IMPERSONATE},
    {"mint", required_argument, NULL, OPT_MINT},
    {"tamper", required_argument, NULL, OPT_TAMPER},
    {"key-fixing", no_argument, NULL, OPT_KEY_FIXING},
    {"malicious-g", required_argument, NULL, OPT_MALICIOUS_G},
    {"small-subgroup", no_argument, NULL, OPT_SMALL_SUBGROUP},
    {"strip-auth", no_argument, NULL, OPT_STRIP_AUTH},
    {"downgrade-group", required_argument, NULL, OPT_DOWNGRADE_GROUP},
    {"decrypt", required_argument, NULL, OPT_DECRYPT},
    {"key", required_argument, NULL, OPT_KEY},
    {"break-classical", no_argument, NULL, OPT_BREAK_CLASSICAL},
    {"crack-rng", required_argument, NULL, OPT_CRACK_RNG},
    {"replay", no_argument, NULL, OPT_REPLAY},
    {"replay-record", required_argument, NULL, OPT_REPLAY_RECORD},
    {"proto", required_argument, NULL, OPT_PROTO},
    {"tls-downgrade", no_argument, NULL, OPT_TLS_DOWNGRADE},
    {"keylog", required_argument, NULL, OPT_KEYLOG},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fputs(
	    "usage: mallory --sniff [options]\n"
	    "       mallory --attack relay|dh-mitm --targets IP1,IP2 [options]\n"
	    "       mallory --decrypt CAPTURE [--key FILE] [--port N]\n\n"
	    "mallory, the attacker of the lab. Choose one mode:\n"
	    "  --sniff                 passive eavesdropping: capture every frame on --iface, follow the\n"
	    "                          protocol's TCP connections and report what she learns (every handshake\n"
	    "                          message; the content of records sent with cipher none). Never transmits.\n"
	    "  --attack relay          poison the ARP caches of the two --targets so their traffic to each other\n"
	    "                          comes to her, relay it in user space (her kernel never forwards), report\n"
	    "                          what she can read; on stop, restore the true ARP mappings\n"
	    "  --attack dh-mitm        the same, and swap her own Diffie-Hellman shares into the handshake\n"
	    "  --attack poison         poison only and relay nothing (a benchmark baseline: her kernel forwards\n"
	    "                          when the lab sets ip_forward=1 for her)\n"
	    "  --decrypt CAPTURE       record now, decrypt later: read a recorded capture (a run's wire.pcap;\n"
	    "                          pcap or pcapng, Ethernet) and report it as sniffing would have, every\n"
	    "                          connection's half sessions included. Opens no interface, never transmits\n"
	    "  --key FILE              --decrypt: the leaked key to recover session keys with (bob's RSA key:\n"
	    "                          key transport; his static X25519 key: static DH)\n"
	    "  --break-classical       --decrypt: \"get the quantum computer\" — the lab's stand-in for one, a\n"
	    "                          discrete-log solver that breaks the WEAK lab groups (lab-48) and nothing\n"
	    "                          stronger: recorded sessions in a lab group open, a lab hybrid's\n"
	    "                          ML-KEM-768 part holds\n"
	    "  --crack-rng pid|time    --sniff or --decrypt, passive: search the seed of a WEAKENED peer's\n"
	    "                          generator (every pid 1..32768, or an hour either side of the traffic),\n"
	    "                          recover its private key and decrypt the session\n"
	    "  --replay                --sniff: record alice's side of the first session, then play it back to\n"
	    "                          bob from a connection of my own (transmits: the safety rail applies)\n"
	    "  --replay-record N       dh-mitm: leave the handshake alone and send alice's Nth record to bob\n"
	    "                          twice, byte for byte\n\n"
	    "  --targets IP1,IP2       the two victims (alice and bob; or alice and her gateway: what one sends\n"
	    "                          to an address beyond the other is relayed to the other)\n"
	    "  --interval MS           re-poison every MS milliseconds (default 1000)\n"
	    "  --tamper 'FROM=>TO'     dh-mitm: replace FROM by TO in application data (repeatable)\n"
	    "  --forge-key FILE        dh-mitm on signed DH: re-sign with this Ed25519 key\n"
	    "  --impersonate CHAIN:KEY dh-mitm in mode cert: send alice this chain (PEM, leaf first) instead of\n"
	    "                          bob's and sign with KEY, the leaf's key\n"
	    "  --mint CA-KEY:CA-CERT   dh-mitm in mode cert: issue myself a bob.lab certificate with a stolen CA\n"
	    "                          key, then impersonate bob with it\n"
	    "  --key-fixing            dh-mitm: send each peer a share that fixes its secret to 0 (p, or the\n"
	    "                          all-zero X25519 point) instead of her own; peers that validate refuse it\n"
	    "  --malicious-g 1|p|p-1   dh-mitm: put \"explicit\" first in alice's group offer and replace the g\n"
	    "                          of bob's explicit parameters toward alice (Cryptopals 35): the secrets\n"
	    "                          become 1 or 0; peers that check parameters or use named groups refuse\n"
	    "  --small-subgroup        dh-mitm: send alice p-1 (order 2) as bob's share: her secret is 1 or p-1,\n"
	    "                          her Finished tells which; share validation refuses it\n"
	    "  --strip-auth            dh-mitm: remove \"sign\" from alice's offer (downgrade to unauthenticated DH)\n"
	    "  --downgrade-group NAME  dh-mitm: rewrite alice's groups to this one alone and leave the shares\n"
	    "                          alone: a WEAK lab group (lab-32, lab-48, lab-64-smooth) she then breaks\n"
	    "                          live (Logjam); x25519, ffdhe2048 or ffdhe3072 (a post-quantum hybrid\n"
	    "                          stripped from the offer) she cannot break: she relays the rest unchanged\n"
	    "  --proto lab|tls         the protocol alice and bob speak (default lab). --sniff: TLS frames are\n"
	    "                          reported, not followed; --decrypt: tshark's TLS dissector opens the\n"
	    "                          recording with --key (an RSA key opens TLS 1.2 key transport).\n"
	    "                          dh-mitm with tls: she intercepts real TLS, terminates alice's\n"
	    "                          connection with the chain of --impersonate or --mint, opens her own\n"
	    "                          to bob, reads and --tampers the application data (or, with\n"
	    "                          --tls-downgrade, only rewrites the hello)\n"
	    "  --keylog FILE           --proto tls: append both legs' TLS secrets to FILE (SSLKEYLOGFILE lines:\n"
	    "                          tshark -o tls.keylog_file:FILE opens both)\n"
	    "  --tls-downgrade         dh-mitm --proto tls: strip supported_versions from alice's ClientHello\n"
	    "                          so that bob answers TLS 1.2 (RFC 8446 section 4.1.3 tells alice)\n"
	    "  --armed                 allow transmitting outside a mitmlab lab namespace: only on a network\n"
	    "                          you own, with --iface given explicitly\n\n"
	    "  --iface IF              the interface to capture on (default eth0); capturing needs CAP_NET_RAW:\n"
	    "                          run inside the lab (mitmlab run) or as root\n"
	    "  --port N                the protocol's TCP port (default 4433)\n"
	    "  --events FD             write JSON-lines events to descriptor FD (docs/events.md)\n"
	    "  --max-frames N          stop after N captured frames (default: until SIGINT/SIGTERM; --decrypt:\n"
	    "                          the whole capture)\n"
	    "  --quiet                 no readable log on stderr\n"
	    "  --help                  this text\n"
	    "  --version               the version, and the OpenSSL it runs with\n\n"
	    "exit status: 0 success (also after SIGINT/SIGTERM; --decrypt: the capture was read, even if cut\n"
	    "             short), 2 usage, 3 capture failed (no such interface, no permission, interface down;\n"
	    "             --decrypt: missing, not a regular file, not a pcap capture, not Ethernet, corrupt),\n"
	    "             5 internal error (out of memory)\n",
	    f);
}

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mallory: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\nTry 'mallory --help'.\n", stderr);
	va_end(ap);
	return MALLORY_EXIT_USAGE;
}

static int parse_uint(const char *arg, unsigned long long min, unsigned long long max, unsigned long long *v);

/* A number within the limits of option `name` in mallory_optab. */
static int parse_opt(const char *name, const char *arg, unsigned long long *v)
{
	const struct mlab_opt *t = mlab_opt_find(mallory_optab, name, 0);
	return parse_uint(arg, t->min, t->max, v);
}

static int parse_uint(const char *arg, unsigned long long min, unsigned long long max, unsigned long long *v)
{
	char *end;
	errno = 0;
	*v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' || *v < min || *v > max)
		return bad("not a number in range: %s", arg);
	return -1;
}

static int parse_one(struct mallory_opts *o, int opt, const char *arg)
{
	unsigned long long v;
	int r;

	switch (opt) {
	case OPT_SNIFF:
		o->mode = MALLORY_MODE_SNIFF;
		return -1;
	case OPT_IFACE:
		if (arg[0] == '\0')
			return bad("--iface: empty interface name");
		o->iface = arg;
		return -1;
	case OPT_PORT:
		if ((r = parse_opt("port", arg, &v)) >= 0)
			return r;
		o->port = (uint16_t)v;
		return -1;
	case OPT_EVENTS:
		if ((r = parse_opt("events", arg, &v)) >= 0)
			return r;
		o->events_fd = (int)v;
		return -1;
	case OPT_QUIET:
		o->quiet = true;
		return -1;
	case OPT_MAX_FRAMES:
		if ((r = parse_opt("max-frames", arg, &v)) >= 0)
			return r;
		o->max_frames = v;
		return -1;
	case OPT_ATTACK:
		o->mode = MALLORY_MODE_ATTACK;
		if (strcmp(arg, "relay") == 0)
			o->attack = MALLORY_ATTACK_RELAY;
		else if (strcmp(arg, "dh-mitm") == 0)
			o->attack = MALLORY_ATTACK_DH_MITM;
		else if (strcmp(arg, "poison") == 0)
			o->attack = MALLORY_ATTACK_POISON;
		else
			return bad("--attack: expected relay, dh-mitm or poison, not '%s'", arg);
		return -1;
	case OPT_TARGETS: {
		char a[64], *comma;
		struct in_addr x, y;
		snprintf(a, sizeof a, "%s", arg);
		if (!(comma = strchr(a, ',')))
			return bad("--targets: expected IP1,IP2, not '%s'", arg);
		*comma = '\0';
		if (inet_pton(AF_INET, a, &x) != 1 || inet_pton(AF_INET, comma + 1, &y) != 1 || x.s_addr == y.s_addr)
			return bad("--targets: expected two different IPv4 addresses, not '%s'", arg);
		o->targets[0] = x.s_addr;
		o->targets[1] = y.s_addr;
		return -1;
	}
	case OPT_ARMED:
		o->armed = true;
		return -1;
	case OPT_INTERVAL:
		if ((r = parse_opt("interval", arg, &v)) >= 0)
			return r;
		o->interval_ms = (unsigned)v;
		return -1;
	case OPT_FORGE_KEY:
		o->forge_key = arg;
		return -1;
	case OPT_IMPERSONATE:
	case OPT_MINT:
		if (!strchr(arg, ':'))
			return bad(opt == OPT_MINT ? "--mint: expected CA-KEY:CA-CERT, not '%s'"
						   : "--impersonate: expected CHAIN:KEY, not '%s'",
				   arg);
		*(opt == OPT_MINT ? &o->mint : &o->impersonate) = arg;
		return -1;
	case OPT_TAMPER:
		if (!strstr(arg, "=>") || strstr(arg, "=>") == arg)
			return bad("--tamper: expected 'FROM=>TO' with a non-empty FROM, not '%s'", arg);
		if (o->n_tamper == MALLORY_MAX_TAMPER)
			return bad("--tamper: at most %d rules", MALLORY_MAX_TAMPER);
		o->tamper[o->n_tamper++] = arg;
		return -1;
	case OPT_KEY_FIXING:
		o->key_fixing = true;
		return -1;
	case OPT_MALICIOUS_G:
		if (!(o->malicious_g = (int)dhmitm_g_from_name(arg)))
			return bad("--malicious-g: expected 1, p or p-1, not '%s'", arg);
		return -1;
	case OPT_SMALL_SUBGROUP:
		o->small_subgroup = true;
		return -1;
	case OPT_STRIP_AUTH:
		o->strip_auth = true;
		return -1;
	case OPT_DOWNGRADE_GROUP: {
		const struct mlab_group *g = mlab_group_by_name(arg);
		if (!g || g->id == MLAB_GROUP_EXPLICIT || g->kem)
			return bad("--downgrade-group: expected the group to force — a weak lab group (lab-32, lab-48, "
				   "lab-64-smooth) she breaks live, or x25519, ffdhe2048, ffdhe3072 (a post-quantum "
				   "hybrid stripped: she only relays) — not '%s'",
				   arg);
		o->downgrade_group = g->id;
		return -1;
	}
	case OPT_BREAK_CLASSICAL:
		o->break_classical = true;
		return -1;
	case OPT_DECRYPT:
	case OPT_KEY:
		if (arg[0] == '\0')
			return bad("--%s: empty file name", opt == OPT_DECRYPT ? "decrypt" : "key");
		if (opt == OPT_DECRYPT) {
			o->mode = MALLORY_MODE_DECRYPT;
			o->capture = arg;
		} else {
			o->key = arg;
		}
		return -1;
	case OPT_REPLAY:
		o->replay = true;
		return -1;
	case OPT_REPLAY_RECORD:
		if ((r = parse_opt("replay-record", arg, &v)) >= 0)
			return r;
		o->replay_record = (unsigned)v;
		return -1;
	case OPT_CRACK_RNG: {
		enum mlab_rng_kind kind;
		if (mlab_rng_kind_from_name(arg, &kind) != 0 || kind == MLAB_RNG_OS)
			return bad("--crack-rng: expected pid or time, not '%s'", arg);
		o->crack_rng = (int)kind;
		return -1;
	}
	case OPT_PROTO:
		if (strcmp(arg, "lab") != 0 && strcmp(arg, "tls") != 0)
			return bad("--proto: expected lab or tls, not '%s'", arg);
		o->tls = strcmp(arg, "tls") == 0;
		return -1;
	case OPT_TLS_DOWNGRADE:
		o->tls_downgrade = true;
		return -1;
	case OPT_KEYLOG:
		if (arg[0] == '\0')
			return bad("--keylog: empty file name%s", "");
		o->keylog = arg;
		return -1;
	case OPT_VERSION:
		mlab_print_version("mallory");
		return MALLORY_EXIT_OK;
	case OPT_HELP:
		usage(stdout);
		return MALLORY_EXIT_OK;
	default:
		fputs("Try 'mallory --help'.\n", stderr);
		return MALLORY_EXIT_USAGE;
	}
}

/* --proto tls: her TLS interceptor has two moves, and none of the lab
 * protocol's (scenario.c says the same when a file loads). */
static int tls_rules(const struct mallory_opts *o)
{
	if ((o->tls_downgrade || o->keylog) && !o->tls)
		return bad("%s belongs to --proto tls", o->keylog ? "--keylog" : "--tls-downgrade");
	if (o->tls_downgrade && o->attack != MALLORY_ATTACK_DH_MITM)
		return bad("--tls-downgrade belongs to --attack dh-mitm --proto tls%s", "");
	if (!o->tls)
		return -1;
	if (o->mode == MALLORY_MODE_SNIFF || o->mode == MALLORY_MODE_DECRYPT) {
		if (o->crack_rng || o->replay || o->break_classical)
			return bad("%s belongs to the lab protocol, not to --proto tls", o->crack_rng ? "--crack-rng"
											 : o->replay
											     ? "--replay"
											     : "--break-classical");
		return o->keylog ? bad("--keylog belongs to --attack dh-mitm --proto tls%s", "") : -1;
	}
	if (o->attack != MALLORY_ATTACK_DH_MITM)
		return bad("--proto tls belongs to --attack dh-mitm, --sniff or --decrypt%s", "");
	const char *lab_only = o->forge_key	    ? "--forge-key"
			       : o->key_fixing	    ? "--key-fixing"
			       : o->strip_auth	    ? "--strip-auth"
			       : o->malicious_g	    ? "--malicious-g"
			       : o->small_subgroup  ? "--small-subgroup"
			       : o->downgrade_group ? "--downgrade-group"
			       : o->replay_record   ? "--replay-record"
						    : NULL;
	if (lab_only)
		return bad("%s is a move against the lab protocol, not against TLS (--proto tls)", lab_only);
	if (o->tls_downgrade && (o->impersonate || o->mint || o->n_tamper))
		return bad("--tls-downgrade only rewrites the hello: leave out %s", o->n_tamper ? "--tamper"
										    : o->mint	? "--mint"
												: "--impersonate");
	if (!o->tls_downgrade && !o->impersonate && !o->mint)
		return bad("--proto tls needs the certificate she shows alice: --impersonate CHAIN:KEY or --mint "
			   "CA-KEY:CA-CERT (or --tls-downgrade)%s",
			   "");
	return -1;
}

int mallory_opts_parse(struct mallory_opts *o, int argc, char **argv)
{
	int opt, r;

	memset(o, 0, sizeof *o);
	o->mode = MALLORY_MODE_NONE;
	o->iface = "eth0";
	o->port = 4433;
	o->events_fd = -1;
	o->interval_ms = 1000;
	bool iface_given = false, live_mode = false, decrypt = false;
	const char *live_only = NULL; /* an option --decrypt has no use for */

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		iface_given |= opt == OPT_IFACE;
		live_mode |= opt == OPT_SNIFF || opt == OPT_ATTACK;
		decrypt |= opt == OPT_DECRYPT;
		if (!live_only && (opt == OPT_IFACE || opt == OPT_TARGETS || opt == OPT_ARMED || opt == OPT_INTERVAL))
			live_only = opt == OPT_IFACE	 ? "--iface"
				    : opt == OPT_TARGETS ? "--targets"
				    : opt == OPT_ARMED	 ? "--armed"
							 : "--interval";
		if ((r = parse_one(o, opt, optarg)) >= 0)
			return r;
	}
	if (optind < argc)
		return bad("unexpected argument: %s", argv[optind]);
	if (o->mode == MALLORY_MODE_NONE)
		return bad("choose a mode: --sniff (passive capture), --attack relay|dh-mitm or --decrypt CAPTURE");
	/* --decrypt reads a file: it must not look like it could capture or send. */
	if (decrypt && live_mode)
		return bad("--decrypt reads a recorded capture: give it alone, without --sniff or --attack%s", "");
	if (decrypt && live_only)
		return bad("%s belongs to the live modes: --decrypt reads CAPTURE and opens no interface", live_only);
	if (o->key && !decrypt)
		return bad("--key belongs to --decrypt%s", "");
	if (o->break_classical && !decrypt)
		return bad("--break-classical belongs to --decrypt: she breaks a recording, later%s", "");
	if (o->break_classical && (o->key || o->crack_rng))
		return bad("--break-classical and %s are two lessons of later: give one",
			   o->key ? "--key" : "--crack-rng");
	if (o->replay && o->mode != MALLORY_MODE_SNIFF)
		return bad("--replay belongs to --sniff (she records first, then plays it back)%s", "");
	if (o->replay && o->crack_rng)
		return bad("--replay and --crack-rng are two lessons: give one%s", "");
	if (o->crack_rng && o->mode != MALLORY_MODE_SNIFF && !decrypt)
		return bad("--crack-rng is passive: it belongs to --sniff or --decrypt%s", "");
	if (o->mode == MALLORY_MODE_ATTACK && !o->targets[0])
		return bad("--attack needs --targets IP1,IP2 (the two victims)");
	if (o->armed && !iface_given)
		return bad("--armed needs --iface IF given explicitly: name the network you own");
	if ((o->impersonate || o->mint) && o->attack != MALLORY_ATTACK_DH_MITM)
		return bad("%s belongs to --attack dh-mitm", o->mint ? "--mint" : "--impersonate");
	if (o->impersonate && o->mint)
		return bad("--impersonate and --mint are two sources of one chain: give one%s", "");
	if ((o->impersonate || o->mint) && o->forge_key)
		return bad("%s brings its own key: leave out --forge-key", o->mint ? "--mint" : "--impersonate");
	if (o->replay_record && o->attack != MALLORY_ATTACK_DH_MITM)
		return bad("--replay-record belongs to --attack dh-mitm%s", "");
	if ((o->forge_key || o->n_tamper || o->key_fixing || o->strip_auth || o->downgrade_group || o->malicious_g ||
	     o->small_subgroup) &&
	    o->attack != MALLORY_ATTACK_DH_MITM)
		return bad("%s belongs to --attack dh-mitm", o->forge_key	 ? "--forge-key"
							     : o->n_tamper	 ? "--tamper"
							     : o->key_fixing	 ? "--key-fixing"
							     : o->strip_auth	 ? "--strip-auth"
							     : o->malicious_g	 ? "--malicious-g"
							     : o->small_subgroup ? "--small-subgroup"
										 : "--downgrade-group");
	if ((r = tls_rules(o)) >= 0)
		return r;
	if (o->events_fd >= 0) {
		int fl = fcntl(o->events_fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
			fprintf(stderr, "mallory: --events %d: that descriptor is not open for writing\n",
				o->events_fd);
			return MALLORY_EXIT_USAGE;
		}
	}
	return -1;
}
