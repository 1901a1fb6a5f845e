/* make bench: TLS 1.3 handshakes per second between alice and bob (--proto
 * tls), each figure next to a reference measured in the same run. Prints
 * medians and ratios; asserts nothing about speed (it fails only when a
 * handshake does not happen at all).
 *
 *  1. engine:   alice's and bob's mlab_tls engines in one process, no I/O,
 *               configured by the programs' own option parsing (peer_setup
 *               over their command lines): the lab's certificate checks as
 *               alice runs them. References: plain OpenSSL SSL objects over
 *               memory BIOs with the same chain, key, groups, suites and
 *               session settings, verified by OpenSSL from root.pem (and the
 *               host name), with contexts made once — and, to split the ratio,
 *               made per handshake as the engine makes them.
 *  2. loopback: bob on 127.0.0.1 against openssl s_server with the same chain
 *               and key: openssl s_time -new on each, then alice processes
 *               (one handshake each) against each. Only processes started
 *               here are signalled, by pid. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bench_util.h"
#include "mlab_tls.h"
#include "peer_opts.h"
#include "proc.h"

#define IO_BUF 65536
#define ROUNDS 9     /* engine batches per variant */
#define BATCH_S 0.12 /* seconds per engine batch */
#define S_TIME_SECONDS "3"
#define ALICE_RUNS 100	   /* per server */
#define ALICE_BUDGET_S 4.0 /* at most, for both servers together */
#define MAX_EVENTS_FILE (64u << 20)

static double now_s(void)
{
	return bench_now_us() / 1e6;
}

/* --- 1. engine --- */

struct engine {
	struct peer_opts alice, bob;
	struct mlab_ev ev_alice, ev_bob;
	X509_STORE *store; /* root.pem, for the references (alice loads hers once too) */
	SSL_CTX *ref_cli, *ref_srv;
	uint8_t a[IO_BUF], b[IO_BUF];
	char negotiated[128], ref_negotiated[128];
};

enum variant { V_LAB, V_REF_PER, V_REF_ONCE, V_N };

static const char *const variant_name[V_N] = {
    "mlab_tls (lab checks, contexts per handshake)",
    "OpenSSL, contexts per handshake",
    "OpenSSL, contexts made once (reference)",
};

static int lab_once(struct engine *g)
{
	struct mlab_tls a, b;
	struct mlab_wr wa, wb;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	int e = mlab_tls_init(&a, &g->alice.tls_cfg, NULL);
	if (e == 0)
		e = mlab_tls_init(&b, &g->bob.tls_cfg, NULL);
	mlab_wr_init(&wa, g->a, sizeof g->a);
	if (e == 0)
		e = mlab_tls_handshake(&a, NULL, 0, &wa);
	for (int i = 0; e == 0 && i < 4 && !(mlab_tls_connected(&a) && mlab_tls_connected(&b)); i++) {
		mlab_wr_init(&wb, g->b, sizeof g->b);
		if ((e = mlab_tls_handshake(&b, wa.p, wa.len, &wb)) != 0)
			break;
		mlab_wr_init(&wa, g->a, sizeof g->a);
		e = mlab_tls_handshake(&a, wb.p, wb.len, &wa);
	}
	if (e == 0 && !(mlab_tls_connected(&a) && mlab_tls_connected(&b) && mlab_tls_pending(&a) == 0 &&
			mlab_tls_pending(&b) == 0))
		e = -1;
	if (e == 0)
		snprintf(g->negotiated, sizeof g->negotiated, "%s, %s, %s", a.version, a.group, a.cipher);
	mlab_tls_free(&a);
	mlab_tls_free(&b);
	return e;
}

/* The engine's session settings (mlab_tls_init), so both sides do the same
 * work: the same versions, groups and suites, no tickets, no cache. */
static SSL_CTX *ref_ctx(const struct mlab_tls_config *c, bool client)
{
	SSL_CTX *ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
	if (!ctx)
		return NULL;
	int lo = c->min_version == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;
	int hi = c->max_version == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;
	SSL_CTX_set_min_proto_version(ctx, lo);
	SSL_CTX_set_max_proto_version(ctx, hi);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	if ((c->groups[0] && SSL_CTX_set1_groups_list(ctx, c->groups) != 1) ||
	    (c->ciphers[0] && SSL_CTX_set_ciphersuites(ctx, c->ciphers) != 1)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static SSL_CTX *ref_client(const struct engine *g)
{
	SSL_CTX *ctx = ref_ctx(&g->alice.tls_cfg, true);
	if (ctx) {
		SSL_CTX_set1_cert_store(ctx, g->store);		/* loaded once, as alice loads hers */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL); /* OpenSSL's own X509_verify_cert */
	}
	return ctx;
}

/* bob's chain and key as bob holds them (read once at his start-up). */
static SSL_CTX *ref_server(const struct engine *g)
{
	const struct mlab_tls_config *c = &g->bob.tls_cfg;
	SSL_CTX *ctx = ref_ctx(c, false);
	bool ok = ctx && c->chain && c->chain->n && c->key;
	for (size_t i = 0; ok && i < c->chain->n; i++) {
		const unsigned char *p = c->chain->der[i];
		X509 *x = d2i_X509(NULL, &p, (long)c->chain->len[i]);
		ok = x && (i == 0 ? SSL_CTX_use_certificate(ctx, x) : SSL_CTX_add1_chain_cert(ctx, x)) == 1;
		X509_free(x);
	}
	if (!ok || SSL_CTX_use_PrivateKey(ctx, c->key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Whatever one side wrote, to the other side's read BIO. */
static int move(SSL *from, SSL *to, uint8_t *buf, size_t cap)
{
	BIO *w = SSL_get_wbio(from), *r = SSL_get_rbio(to);
	while (BIO_ctrl_pending(w)) {
		int n = BIO_read(w, buf, (int)cap);
		if (n <= 0 || BIO_write(r, buf, n) != n)
			return -1;
	}
	return 0;
}

static SSL *ref_ssl(SSL_CTX *ctx)
{
	SSL *s = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	if (!s || !rb || !wb) {
		SSL_free(s);
		BIO_free(rb);
		BIO_free(wb);
		return NULL;
	}
	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(s, rb, wb);
	return s;
}

static bool step(SSL *s, bool *done)
{
	int r = SSL_do_handshake(s);
	*done = r == 1;
	return r == 1 || SSL_get_error(s, r) == SSL_ERROR_WANT_READ;
}

static int ref_handshake(struct engine *g, SSL_CTX *cc, SSL_CTX *sc)
{
	const char *host = g->alice.trust.name;
	SSL *c = ref_ssl(cc), *s = ref_ssl(sc);
	bool cd = false, sd = false, ok = c && s;
	if (ok) {
		SSL_set_connect_state(c);
		SSL_set_accept_state(s);
		ok = SSL_set_tlsext_host_name(c, host) == 1 && SSL_set1_host(c, host) == 1;
	}
	for (int i = 0; ok && i < 4 && !(cd && sd); i++)
		ok = step(c, &cd) && move(c, s, g->a, sizeof g->a) == 0 && step(s, &sd) &&
		     move(s, c, g->b, sizeof g->b) == 0;
	ok = ok && cd && sd && SSL_get_verify_result(c) == X509_V_OK;
	if (ok) {
		int nid = (int)SSL_get_negotiated_group(c); /* a NID: small */
		const char *gn = nid > 0 ? SSL_group_to_name(c, nid) : NULL;
		snprintf(g->ref_negotiated, sizeof g->ref_negotiated, "%s, %s, %s", SSL_get_version(c), gn ? gn : "?",
			 SSL_get_cipher_name(c));
	}
	SSL_free(c);
	SSL_free(s);
	ERR_clear_error();
	return ok ? 0 : -1;
}

static int one(struct engine *g, enum variant v)
{
	if (v == V_LAB)
		return lab_once(g);
	if (v == V_REF_ONCE)
		return ref_handshake(g, g->ref_cli, g->ref_srv);
	SSL_CTX *cc = ref_client(g), *sc = ref_server(g);
	int e = cc && sc ? ref_handshake(g, cc, sc) : -1;
	SSL_CTX_free(cc);
	SSL_CTX_free(sc);
	return e;
}

/* Handshakes per second of n in a row. */
static int batch(struct engine *g, enum variant v, size_t n, double *rate)
{
	double t0 = now_s();
	for (size_t i = 0; i < n; i++)
		if (one(g, v) != 0) {
			fprintf(stderr, "bench_tls: %s: handshake failed\n", variant_name[v]);
			return -1;
		}
	*rate = (double)n / (now_s() - t0);
	return 0;
}

/* alice's and bob's options exactly as the programs parse them. */
static int setup(struct peer_opts *o, enum mlab_role role, char **argv, int argc, struct mlab_ev *ev)
{
	int r = peer_setup(o, role, argc, argv, ev);
	if (r >= 0 || !o->tls) {
		fprintf(stderr, "bench_tls: %s's options were refused (%d)\n", argv[0], r);
		return -1;
	}
	return 0;
}

static int bench_engine(struct engine *g, const char *root, const char *chain, const char *key)
{
	char *aargv[] = {"alice", "--proto", "tls", "--ca", (char *)root, "--peer-name", "bob.lab", "--quiet", NULL};
	char *bargv[] = {"bob", "--proto", "tls", "--cert", (char *)chain, "--key", (char *)key, "--quiet", NULL};
	double rates[V_N][ROUNDS], med[V_N];
	size_t n[V_N];

	if (setup(&g->alice, MLAB_INITIATOR, aargv, 8, &g->ev_alice) != 0 ||
	    setup(&g->bob, MLAB_RESPONDER, bargv, 8, &g->ev_bob) != 0)
		return -1;
	if (!(g->store = X509_STORE_new()) || X509_STORE_load_file(g->store, root) != 1 ||
	    !(g->ref_cli = ref_client(g)) || !(g->ref_srv = ref_server(g))) {
		fprintf(stderr, "bench_tls: cannot set up the OpenSSL reference from %s, %s, %s\n", root, chain, key);
		return -1;
	}
	/* Warm up and size the batches: about BATCH_S seconds each. */
	for (int v = 0; v < V_N; v++) {
		double r;
		if (batch(g, (enum variant)v, 20, &r) != 0)
			return -1;
		double want = r * BATCH_S;
		n[v] = want < 20 ? 20 : want > 5000 ? 5000 : (size_t)want;
	}
	/* In alternation, so a noisy moment is shared by all three. */
	for (int i = 0; i < ROUNDS; i++)
		for (int v = 0; v < V_N; v++)
			if (batch(g, (enum variant)v, n[v], &rates[v][i]) != 0)
				return -1;
	printf("TLS handshake, engine only (alice's and bob's sides in one process, memory BIOs, no I/O):\n"
	       "  negotiated: %s (reference: %s); alice's trust %s, name %s; events built, not written\n",
	       g->negotiated, g->ref_negotiated, root, g->alice.trust.name);
	for (int v = 0; v < V_N; v++) {
		double *r = rates[v];
		med[v] = bench_median(r, ROUNDS);
		printf("  %-46s median %6.0f /s (%6.1f us)   min %6.0f   max %6.0f   (%d batches of %zu)\n",
		       variant_name[v], med[v], 1e6 / med[v], r[0], r[ROUNDS - 1], ROUNDS, n[v]);
	}
	printf("  ratio mlab_tls / OpenSSL reference: %.2f\n"
	       "    of which contexts per handshake (OpenSSL per handshake / reference): %.2f,\n"
	       "    and the lab's checks and events (mlab_tls / OpenSSL per handshake):  %.2f\n",
	       med[V_LAB] / med[V_REF_ONCE], med[V_REF_PER] / med[V_REF_ONCE], med[V_LAB] / med[V_REF_PER]);
	return 0;
}

static void engine_free(struct engine *g)
{
	SSL_CTX_free(g->ref_cli);
	SSL_CTX_free(g->ref_srv);
	X509_STORE_free(g->store);
	peer_opts_free(&g->alice);
	peer_opts_free(&g->bob);
}

/* --- 2. loopback --- */

/* A child with stdin from /dev/null, stdout and stderr to out, and fd 3 to
 * events when given; argv[0] a path, or a name looked up in PATH. */
static pid_t spawn(const char *const *argv, const char *out, const char *events)
{
	pid_t parent = getpid(), pid = fork();
	if (pid != 0)
		return pid;
	/* never outlive the bench */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	int in = open("/dev/null", O_RDONLY);
	int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
		_exit(127);
	if (events) {
		int ev = open(events, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
		if (ev < 0 || dup2(ev, 3) < 0)
			_exit(127);
	}
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* SIGTERM to a server we started, SIGKILL if it lingers. */
static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	(void)reap(pid);
}

static char *slurp(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = NULL;
	if (fstat(fileno(f), &st) == 0 && st.st_size >= 0 && (size_t)st.st_size < MAX_EVENTS_FILE &&
	    (s = malloc((size_t)st.st_size + 1))) {
		size_t n = fread(s, 1, (size_t)st.st_size, f);
		s[n] = '\0';
	}
	fclose(f);
	return s;
}

/* The events in a file: how many are named name, and the t of the first. */
static size_t count_events(const char *path, const char *name, double *first_t)
{
	char *s = slurp(path), *line, *save = NULL;
	size_t n = 0;
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		json_t *ev = json_loads(line, 0, NULL);
		if (ev && strcmp(proc_str(ev, "event"), name) == 0 && n++ == 0 && first_t)
			*first_t = json_real_value(json_object_get(ev, "t"));
		json_decref(ev);
	}
	free(s);
	return n;
}

/* bob's port from his listening event, s_server's from its ACCEPT line. */
static int wait_port(const char *path, bool bob, pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		char *s = slurp(path), *p;
		int port = -1;
		if (s && bob && (p = strstr(s, "\"event\":\"listening\""))) {
			char *nl = strchr(p, '\n');
			json_t *ev = json_loadb(s, (size_t)((nl ? nl : p + strlen(p)) - s), 0, NULL);
			port = (int)json_integer_value(json_object_get(ev, "port"));
			json_decref(ev);
		} else if (s && !bob && (p = strstr(s, "ACCEPT ")) && strchr(p, '\n')) {
			*strchr(p, '\n') = '\0'; /* "ACCEPT 127.0.0.1:PORT" */
			char *colon = strrchr(p, ':');
			port = colon ? atoi(colon + 1) : -1;
		}
		free(s);
		if (port > 0 && port < 65536)
			return port;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	return -1;
}

struct s_time {
	long conns;
	double wall, user_rate;
};

/* s_time's output goes to a file: it prints a '*' per connection, and its
 * summary comes last. */
static int run_s_time(int port, const char *root, const char *dir, struct s_time *r)
{
	char addr[32], out[4200];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	snprintf(out, sizeof out, "%s/s_time.out", dir);
	const char *argv[] = {"openssl", "s_time",	 "-connect", addr, "-new",
			      "-time",	 S_TIME_SECONDS, "-CAfile",  root, NULL};
	double t0 = now_s();
	pid_t pid = spawn(argv, out, NULL);
	int rc = pid > 0 ? reap(pid) : -1;
	r->wall = now_s() - t0;
	/* "N connections in X.XXs; Y connections/user sec, bytes read 0":
	 * X is s_time's own CPU time, hence Y its cost, not the server's */
	char *s = slurp(out);
	const char *p = s ? strstr(s, " connections in ") : NULL;
	while (p && p > s && p[-1] >= '0' && p[-1] <= '9')
		p--;
	double user_s = 0;
	int got = rc == 0 && p ? sscanf(p, "%ld connections in %lfs; %lf", &r->conns, &user_s, &r->user_rate) : 0;
	free(s);
	if (got != 3 || r->conns <= 0) {
		fprintf(stderr, "bench_tls: openssl s_time against port %d failed (exit %d), see %s\n", port, rc, out);
		return -1;
	}
	return 0;
}

struct alice_run {
	double wall[ALICE_RUNS], hs[ALICE_RUNS];
	size_t n;
};

/* One alice process, one handshake and nothing sent (stdin is empty). */
static int alice_once(const char *alice, const char *root, int port, const char *dir, struct alice_run *r)
{
	char addr[32], out[4200], events[4200];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	snprintf(out, sizeof out, "%s/alice.out", dir);
	snprintf(events, sizeof events, "%s/alice.jsonl", dir);
	const char *argv[] = {alice,	   "--proto", "tls",	  "--ca", root,	     "--peer-name", "bob.lab",
			      "--connect", addr,      "--events", "3",	  "--quiet", NULL};
	double t0 = now_s();
	pid_t pid = spawn(argv, out, events);
	int rc = pid > 0 ? reap(pid) : -1;
	double t1 = now_s(), tc = 0, th = 0;
	if (rc != 0 || count_events(events, "connected", &tc) != 1 ||
	    count_events(events, "handshake-done", &th) != 1) {
		fprintf(stderr, "bench_tls: alice against port %d failed (exit %d), see %s\n", port, rc, out);
		return -1;
	}
	r->wall[r->n] = t1 - t0;
	r->hs[r->n] = th - tc;
	r->n++;
	return 0;
}

static void alice_report(const char *what, struct alice_run *r)
{
	double w = bench_median(r->wall, r->n), h = bench_median(r->hs, r->n);
	printf(
	    "  (c) %-28s %6.0f /s  (a process per handshake, start-up included: median %.1f ms fork to exit, n=%zu)\n"
	    "      in alice, connected -> handshake-done: median %6.0f us   p10 %6.0f   p90 %6.0f\n",
	    what, 1 / w, w * 1e3, r->n, h * 1e6, r->hs[r->n / 10] * 1e6, r->hs[r->n * 9 / 10] * 1e6);
}

static int bench_loopback(const char *dir, const char *root, const char *chain, const char *key)
{
	char bob[4200], alice[4200], crt[4200], inter[4200], bob_out[4200], bob_ev[4200], ss_out[4200], vout[256];
	proc_bin("bob", bob, sizeof bob);
	proc_bin("alice", alice, sizeof alice);
	proc_bin("keys/pki/bob.crt", crt, sizeof crt);
	proc_bin("keys/pki/inter.pem", inter, sizeof inter);
	snprintf(bob_out, sizeof bob_out, "%s/bob.out", dir);
	snprintf(bob_ev, sizeof bob_ev, "%s/bob.jsonl", dir);
	snprintf(ss_out, sizeof ss_out, "%s/s_server.out", dir);
	const char *version[] = {"openssl", "version", NULL};
	bool have_openssl = proc_exec(version, vout, sizeof vout) == 0;
	size_t vl = strcspn(vout, "\n("); /* "OpenSSL 3.0.2 15 Mar 2022", without "(Library: …)" */
	while (vl && vout[vl - 1] == ' ')
		vl--;
	vout[vl] = '\0';

	/* bob as the lab runs him, events to a file (nothing to drain) */
	const char *bargv[] = {bob,	   "--proto",	  "tls",      "--cert", chain,	   "--key", key,
			       "--listen", "127.0.0.1:0", "--events", "3",	"--quiet", NULL};
	/* the same chain (bob.crt + inter.pem = bob.chain.pem) and key; no tickets, as bob */
	const char *sargv[] = {"openssl", "s_server", "-accept", "127.0.0.1:0",	 "-cert", crt,	  "-cert_chain", inter,
			       "-key",	  key,	      "-tls1_3", "-num_tickets", "0",	  "-www", NULL};
	pid_t bob_pid = spawn(bargv, bob_out, bob_ev), ss_pid = -1;
	int bob_port = bob_pid > 0 ? wait_port(bob_ev, true, bob_pid) : -1, ss_port = -1, e = -1;
	if (bob_port < 0) {
		fprintf(stderr, "bench_tls: bob did not start, see %s\n", bob_out);
		goto out;
	}
	if (have_openssl &&
	    ((ss_pid = spawn(sargv, ss_out, NULL)) <= 0 || (ss_port = wait_port(ss_out, false, ss_pid)) < 0)) {
		fprintf(stderr, "bench_tls: openssl s_server did not start, see %s\n", ss_out);
		goto out;
	}
	printf("TLS handshake over loopback TCP, 127.0.0.1: bob --proto tls (port %d)", bob_port);
	if (have_openssl)
		printf(
		    "; reference: openssl s_server -tls1_3 -num_tickets 0 -www (port %d), the same chain and key; %s",
		    ss_port, vout);
	putchar('\n');
	if (have_openssl) {
		struct s_time sb, ss;
		if (run_s_time(bob_port, root, dir, &sb) != 0)
			goto out;
		size_t done = count_events(bob_ev, "handshake-done", NULL);
		if (run_s_time(ss_port, root, dir, &ss) != 0)
			goto out;
		printf(
		    "  (a) s_time -new -time %s -> bob       %6.0f /s  (%ld connections in %.2f s wall, bob logged %zu "
		    "handshake-done; s_time's own figure: %.0f connections/user sec, per second of its CPU)\n",
		    S_TIME_SECONDS, (double)sb.conns / sb.wall, sb.conns, sb.wall, done, sb.user_rate);
		printf(
		    "  (b) s_time -new -time %s -> s_server  %6.0f /s  (%ld connections in %.2f s wall; s_time's own "
		    "figure: %.0f connections/user sec)\n",
		    S_TIME_SECONDS, (double)ss.conns / ss.wall, ss.conns, ss.wall, ss.user_rate);
		printf("      ratio bob / s_server: %.2f\n",
		       ((double)sb.conns / sb.wall) / ((double)ss.conns / ss.wall));
	} else {
		puts("  (a), (b): openssl not found, s_time and s_server skipped");
	}
	/* alice has no repeated connections: a process per handshake, against
	 * bob and s_server in alternation */
	struct alice_run *ab = calloc(2, sizeof *ab), *as = ab ? ab + 1 : NULL;
	if (!ab)
		goto out;
	double t0 = now_s();
	for (size_t i = 0; i < ALICE_RUNS && (i < 10 || now_s() - t0 < ALICE_BUDGET_S); i++)
		if (alice_once(alice, root, bob_port, dir, ab) != 0 ||
		    (have_openssl && alice_once(alice, root, ss_port, dir, as) != 0)) {
			free(ab);
			goto out;
		}
	alice_report("alice -> bob", ab);
	if (have_openssl) {
		alice_report("alice -> s_server", as);
		double rb = bench_median(ab->wall, ab->n), rs = bench_median(as->wall, as->n);
		double hb = bench_median(ab->hs, ab->n), hs = bench_median(as->hs, as->n);
		printf("      ratio bob / s_server: %.2f per process, %.2f for the handshake in alice\n", rs / rb,
		       hs / hb);
	}
	free(ab);
	e = 0;
out:
	stop(bob_pid);
	stop(ss_pid);
	return e;
}

int main(void)
{
	char root[4200], chain[4200], key[4200], dir[] = "/tmp/bench_tls.XXXXXX";
	proc_bin("keys/pki/root.pem", root, sizeof root);
	proc_bin("keys/pki/bob.chain.pem", chain, sizeof chain);
	proc_bin("keys/bob.key", key, sizeof key);
	signal(SIGPIPE, SIG_IGN);

	struct engine *g = calloc(1, sizeof *g);
	int e = g ? bench_engine(g, root, chain, key) : -1;
	if (g)
		engine_free(g);
	free(g);
	if (e == 0 && !mkdtemp(dir)) {
		perror("bench_tls: mkdtemp");
		e = -1;
	}
	if (e == 0) {
		fflush(stdout);
		e = bench_loopback(dir, root, chain, key);
		const char *files[] = {"bob.out",    "bob.jsonl", "s_server.out",
				       "s_time.out", "alice.out", "alice.jsonl"};
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			char p[sizeof dir + 32];
			snprintf(p, sizeof p, "%s/%s", dir, files[i]);
			if (e == 0)
				unlink(p); /* on failure kept, for the messages above */
		}
		if (e == 0)
			rmdir(dir);
	}
	return e == 0 ? 0 : 1;
}
