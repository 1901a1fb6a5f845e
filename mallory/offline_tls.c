/* mallory --decrypt on a TLS recording, through tshark (see offline_tls.h). */
#include "offline_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "mlab_err.h"
#include "mlab_crypto.h"
#include "sniff_stream.h"

#define OT_MAX_CONNS 64
#define OT_LINE_CAP (512 * 1024) /* a frame's worth of records in hex, and its other fields */
#define OT_ADDR 64

/* Per TCP connection (tshark's tcp.stream). */
struct ot_conn {
	long id; /* -1: free */
	char client[OT_ADDR], server[OT_ADDR];
	bool have_suite;
	uint16_t suite; /* the ServerHello's */
	uint64_t seq[2], decrypted;
};

struct ot {
	const struct mallory_opts *o;
	struct mlab_ev *ev;
	SSL_CTX *ctx; /* only to name cipher suites */
	SSL *ssl;
	struct ot_conn conns[OT_MAX_CONNS];
	uint64_t lines, frames, records, decrypted, skipped;
	uint8_t plain[MLAB_MAX_PLAINTEXT > 16384 ? MLAB_MAX_PLAINTEXT : 16384];
	char hex[2 * (MLAB_MAX_PLAINTEXT > 16384 ? MLAB_MAX_PLAINTEXT : 16384) + 1];
};

static int fail(struct mlab_ev *ev, int err, const char *where, const char *msg, int code)
{
	mlab_ev_error(ev, err, where, msg);
	return code;
}

static struct ot_conn *conn_of(struct ot *t, long id)
{
	struct ot_conn *free_slot = NULL;
	for (size_t i = 0; i < OT_MAX_CONNS; i++) {
		if (t->conns[i].id == id)
			return &t->conns[i];
		if (!free_slot && t->conns[i].id < 0)
			free_slot = &t->conns[i];
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof *free_slot);
		free_slot->id = id;
	}
	return free_slot; /* NULL: more connections than she follows */
}

/* Splits line at tabs into at most n fields (in place); how many. */
static size_t split(char *line, char **f, size_t n)
{
	size_t k = 0;
	for (char *p = line; k < n;) {
		f[k++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return k;
}

static bool lists(const char *csv, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = csv; *p;) {
		if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		const char *c = strchr(p, ',');
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

/* One decrypted record, hex: a message she read. */
static void report(struct ot *t, struct ot_conn *c, int d, const char *hex, size_t hex_len)
{
	size_t n = 0;
	char shown[256];
	if (hex_len == 0 || hex_len % 2 || hex_len / 2 > sizeof t->plain) {
		t->skipped++;
		return;
	}
	memcpy(t->hex, hex, hex_len);
	t->hex[hex_len] = '\0';
	if (mlab_unhex(t->hex, t->plain, sizeof t->plain, &n) != 0) {
		t->skipped++;
		return;
	}
	json_t *j = json_pack("{s:s,s:s,s:I,s:b,s:I,s:s}", "from", d == SNIFF_C2S ? c->client : c->server, "to",
			      d == SNIFF_C2S ? c->server : c->client, "seq", (json_int_t)c->seq[d], "decrypted", 1,
			      "len", (json_int_t)n, "hex", t->hex);
	json_t *text = json_stringn((const char *)t->plain, n); /* NULL unless valid UTF-8 */
	if (text)
		json_object_set_new(j, "text", text);
	sniff_printable(t->plain, n, shown, sizeof shown);
	mlab_ev_emit(t->ev, "message-read", j, "read \"%s\" (TLS record %llu, %s > %s, opened by tshark)", shown,
		     (unsigned long long)c->seq[d], d == SNIFF_C2S ? c->client : c->server,
		     d == SNIFF_C2S ? c->server : c->client);
	c->seq[d]++;
	c->decrypted++;
	t->decrypted++;
	OPENSSL_cleanse(t->plain, n);
}

/* How many entries of a comma-separated field list are "23" (application data). */
static uint64_t count_23(const char *list)
{
	uint64_t n = 0;
	for (const char *p = list; *p;) {
		if (p[0] == '2' && p[1] == '3' && (p[2] == ',' || !p[2]))
			n++;
		const char *comma = strchr(p, ',');
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

/* tshark's fields: tcp.stream ip.src tcp.srcport ip.dst tcp.dstport
 * tls.handshake.type tls.handshake.ciphersuite tls.record.opaque_type
 * tls.record.content_type data.data */
static void on_line(struct ot *t, char *line)
{
	char *f[10], *end;
	t->lines++;
	if (split(line, f, 10) != 10) {
		t->skipped++;
		return;
	}
	errno = 0;
	long id = strtol(f[0], &end, 10);
	unsigned long sport = strtoul(f[2], NULL, 10), dport = strtoul(f[4], NULL, 10);
	if (errno || end == f[0] || *end || id < 0 || strlen(f[1]) > 45 || strlen(f[3]) > 45 ||
	    (sport != t->o->port && dport != t->o->port)) {
		t->skipped++;
		return;
	}
	struct ot_conn *c = conn_of(t, id);
	if (!c) {
		t->skipped++;
		return;
	}
	int d = dport == t->o->port ? SNIFF_C2S : SNIFF_S2C;
	if (!c->client[0]) {
		snprintf(c->client, sizeof c->client, "%s:%lu", d == SNIFF_C2S ? f[1] : f[3],
			 d == SNIFF_C2S ? sport : dport);
		snprintf(c->server, sizeof c->server, "%s:%lu", d == SNIFF_C2S ? f[3] : f[1],
			 d == SNIFF_C2S ? dport : sport);
	}
	t->frames++;
	/* the ServerHello's suite (a ClientHello's field lists the offer) */
	if (lists(f[5], "2") && !lists(f[5], "1") && !c->have_suite) {
		unsigned long s = strtoul(f[6], &end, 16);
		if (end != f[6] && s <= 0xffff) {
			c->have_suite = true;
			c->suite = (uint16_t)s;
		}
	}
	/* encrypted records seen, opened or not: TLS 1.3 hides every record after
	 * the ServerHello behind the outer type 23 (its encrypted handshake too);
	 * earlier versions show application data as type 23 in the clear */
	t->records += f[7][0] ? count_23(f[7]) : count_23(f[8]);
	for (char *p = f[9]; *p;) { /* records of the frame that tshark opened */
		char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		report(t, c, d, p, n);
		if (!comma)
			break;
		p = comma + 1;
	}
}

/* Why a connection stayed closed, from its key exchange. */
static void explain(struct ot *t, const struct ot_conn *c, bool rsa_key)
{
	char detail[320];
	const char *why = "cannot recover the session keys";
	const SSL_CIPHER *sc = NULL;
	if (c->have_suite) {
		const unsigned char b[2] = {(unsigned char)(c->suite >> 8), (unsigned char)c->suite};
		sc = t->ssl ? SSL_CIPHER_find(t->ssl, b) : NULL;
	}
	int kx = sc ? SSL_CIPHER_get_kx_nid(sc) : NID_undef;
	const char *name = sc ? SSL_CIPHER_get_name(sc) : "?";
	if (!c->have_suite) {
		why = "cannot follow the handshake";
		snprintf(detail, sizeof detail, "%s > %s: the recording misses the ServerHello", c->client, c->server);
	} else if (kx == NID_kx_rsa) {
		why = "a record does not open";
		snprintf(detail, sizeof detail,
			 "%s > %s used RSA key transport (%s), but %s: the premaster was encrypted to another key",
			 c->client, c->server, name,
			 rsa_key ? "the leaked key does not open it" : "the leaked key is no RSA key");
	} else {
		snprintf(detail, sizeof detail,
			 "%s > %s: the key exchange was ephemeral (%s%s): the leaked key only signed, and the "
			 "(EC)DHE secrets were wiped after the handshake — forward secrecy",
			 c->client, c->server, name, kx == NID_kx_any ? ", TLS 1.3" : ", (EC)DHE");
	}
	mlab_ev_emit(t->ev, "keys-unrecovered", json_pack("{s:s,s:s}", "why", why, "detail", detail), "%s: %s", why,
		     detail);
}

/* tshark over the capture, its stdout to fd out, its stderr to fd err. */
static pid_t start_tshark(const struct ot *t, const char *rsa_uat, int out, int err)
{
	char decode[64];
	snprintf(decode, sizeof decode, "tcp.port==%u,tls", t->o->port);
	const char *argv[40] = {"tshark", "-r",	 t->o->capture, "-n", "-o", "tcp.analyze_sequence_numbers:FALSE",
				"-d",	  decode};
	size_t n = 8;
	if (rsa_uat) {
		argv[n++] = "-o";
		argv[n++] = rsa_uat;
	}
	static const char *const fields[] = {"tcp.stream",
					     "ip.src",
					     "tcp.srcport",
					     "ip.dst",
					     "tcp.dstport",
					     "tls.handshake.type",
					     "tls.handshake.ciphersuite",
					     "tls.record.opaque_type",
					     "tls.record.content_type",
					     "data.data"};
	argv[n++] = "-Y";
	argv[n++] = "tls";
	argv[n++] = "-T";
	argv[n++] = "fields";
	argv[n++] = "-E";
	argv[n++] = "separator=/t";
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		argv[n++] = "-e";
		argv[n++] = fields[i];
	}
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		/* her own Wireshark, not the invoking user's: no personal preferences
		 * change what it opens, and a home she cannot read is no failure */
		setenv("HOME", "/nonexistent", 1);
		unsetenv("XDG_CONFIG_HOME");
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

int offline_tls_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop)
{
	char msg[512], uat[PATH_MAX + 32];
	struct stat st;
	EVP_PKEY *key = NULL;
	bool rsa = false;
	int r = MALLORY_EXIT_OK;

	errno = 0; /* the message below names stat's or access's reason, not an older one */
	if (stat(o->capture, &st) != 0 || !S_ISREG(st.st_mode) || access(o->capture, R_OK) != 0) {
		snprintf(msg, sizeof msg, "%s: %s", o->capture,
			 errno ? strerror(errno) : "not a regular file: give a recorded capture (a run's wire.pcap)");
		return fail(ev, MLAB_E_IO, "capture", msg, MALLORY_EXIT_NETWORK);
	}
	if (o->key) {
		FILE *f = fopen(o->key, "re");
		key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (!key) {
			snprintf(msg, sizeof msg, "cannot read a PEM private key from %s", o->key);
			return fail(ev, MLAB_E_KEYFILE, "setup", msg, MALLORY_EXIT_USAGE);
		}
		rsa = EVP_PKEY_get_id(key) == EVP_PKEY_RSA;
		EVP_PKEY_free(key);
		/* tshark's UAT syntax quotes the path: a quote or a line break in it cannot be said */
		if (strpbrk(o->key, "\"\n\r\\")) {
			snprintf(msg, sizeof msg, "%s: a key path with a quote, backslash or line break: rename it",
				 o->key);
			return fail(ev, MLAB_E_KEYFILE, "setup", msg, MALLORY_EXIT_USAGE);
		}
		snprintf(uat, sizeof uat, "uat:rsa_keys:\"%s\",\"\"", o->key);
	}
	struct ot *t = calloc(1, sizeof *t);
	if (!t)
		return fail(ev, MLAB_E_NOMEM, "setup", "out of memory", MALLORY_EXIT_INTERNAL);
	t->o = o;
	t->ev = ev;
	for (size_t i = 0; i < OT_MAX_CONNS; i++)
		t->conns[i].id = -1;
	if ((t->ctx = SSL_CTX_new(TLS_method())) != NULL)
		t->ssl = SSL_new(t->ctx);

	json_t *j =
	    json_pack("{s:s,s:s,s:i}", "capture", o->capture, "format", "tls (read by tshark)", "port", (int)o->port);
	if (o->key)
		json_object_set_new(j, "key", json_string(o->key));
	mlab_ev_emit(ev, "decrypt-start", j, "reading %s with Wireshark's TLS dissector (tshark), TCP port %u%s%s%s",
		     o->capture, o->port, o->key ? "; key " : "", o->key ? o->key : "",
		     o->key && !rsa ? " (no RSA key: it opens no key transport)" : "");

	int pfd[2] = {-1, -1};
	FILE *errf = tmpfile(), *in = NULL;
	char *line = malloc(OT_LINE_CAP);
	pid_t pid = -1;
	if (!errf || !line || pipe(pfd) != 0) {
		r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory, or no pipe", MALLORY_EXIT_INTERNAL);
		goto out;
	}
	if ((pid = start_tshark(t, o->key && rsa ? uat : NULL, pfd[1], fileno(errf))) < 0) {
		r = fail(ev, MLAB_E_IO, "setup", "cannot start tshark", MALLORY_EXIT_NETWORK);
		goto out;
	}
	close(pfd[1]);
	pfd[1] = -1;
	if (!(in = fdopen(pfd[0], "r"))) {
		r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory", MALLORY_EXIT_INTERNAL);
		goto out;
	}
	pfd[0] = -1;
	bool cut = false; /* inside a line longer than OT_LINE_CAP: skipped to its end */
	while (!(stop && *stop) && fgets(line, OT_LINE_CAP, in)) {
		size_t n = strlen(line);
		bool whole = n && line[n - 1] == '\n';
		if (whole)
			line[--n] = '\0';
		if (!cut && whole)
			on_line(t, line);
		else if (!cut)
			t->skipped++;
		cut = !whole;
	}
	fclose(in);
	in = NULL;
	int status = 0;
	if (stop && *stop)
		kill(pid, SIGTERM); /* hers, by pid */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !(stop && *stop)) {
		char tail[256] = "", l[256];
		rewind(errf);
		while (fgets(l, sizeof l, errf)) /* its first line that is not the warning about root */
			if (!tail[0] && !strstr(l, "Running as user")) {
				l[strcspn(l, "\n")] = '\0';
				snprintf(tail, sizeof tail, "%s", l);
			}
		snprintf(msg, sizeof msg, "tshark could not read %s (%s%s%s)", o->capture,
			 WIFEXITED(status) && WEXITSTATUS(status) == 127
			     ? "tshark is not installed: tools/install-deps.sh"
			     : "it failed",
			 tail[0] ? ": " : "", tail);
		r = fail(ev, MLAB_E_IO, "capture", msg, MALLORY_EXIT_NETWORK);
		goto out;
	}
	size_t conns = 0;
	for (size_t i = 0; i < OT_MAX_CONNS; i++)
		if (t->conns[i].id >= 0) {
			conns++;
			if (o->key && t->conns[i].decrypted == 0)
				explain(t, &t->conns[i], rsa);
		}
	mlab_ev_emit(ev, "decrypt-done",
		     json_pack("{s:I,s:I,s:I,s:I,s:s}", "frames", (json_int_t)t->frames, "connections",
			       (json_int_t)conns, "records", (json_int_t)t->records, "decrypted",
			       (json_int_t)t->decrypted, "reason", stop && *stop ? "stopped" : "end"),
		     "read %llu TLS frame%s: %zu connection%s, %llu encrypted record%s, %llu opened by tshark%s",
		     (unsigned long long)t->frames, t->frames == 1 ? "" : "s", conns, conns == 1 ? "" : "s",
		     (unsigned long long)t->records, t->records == 1 ? "" : "s", (unsigned long long)t->decrypted,
		     t->skipped ? " (some lines of its output were malformed or too long: skipped)" : "");
out:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	if (in)
		fclose(in);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (errf)
		fclose(errf);
	free(line);
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	OPENSSL_cleanse(t, sizeof *t);
	free(t);
	return r;
}
