/* Integration over loopback TCP: real bob and alice processes, a hostile
 * relay between them where a test needs one. Every attack must make the
 * receiving peer abort with the matching error, and bob must then serve the
 * next honest alice. Besides the altered frames of attacks[]: raw bytes at
 * bob (test_raw_*), frames cut by EOF or left unfinished (the drip to alice
 * ends at her --timeout), and a peer that never reads (test_never_reads_*:
 * the writer's deadline ends it). tests/HOSTILE-INPUT-MAP names which test
 * holds which case of ../shared/HOSTILE-INPUT.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sys/socket.h>

#include "mlab_wire.h"
#include "proc.h"
#include "tamper_proxy.h"

#define T_MS 15000
#define MAX_ARGS 40

static char keydir[4096];

static const char *key(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", keydir, name);
	return out;
}

/* bob with the given extra flags, on an ephemeral port; returns the port. */
static unsigned start_bob(struct proc *bob, unsigned conns, const char *const *extra)
{
	const char *argv[MAX_ARGS] = {"bob", "--listen", "127.0.0.1:0", "--timeout", "5", "--max-conns"};
	char nconns[16], kpath[4200], ppath[4200];
	size_t n = 6;

	snprintf(nconns, sizeof nconns, "%u", conns);
	argv[n++] = nconns;
	argv[n++] = "--key";
	argv[n++] = key("bob.key", kpath, sizeof kpath);
	argv[n++] = "--peer-key";
	argv[n++] = key("alice.pub", ppath, sizeof ppath);
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	assert_int_equal(proc_start(bob, argv), 0);
	json_t *ev = proc_wait_event(bob, "listening", T_MS);
	assert_non_null(ev);
	return (unsigned)json_integer_value(json_object_get(ev, "port"));
}

/* alice against port with the given flags; returns her exit status. */
static int run_alice(struct proc *alice, unsigned port, const char *const *extra)
{
	const char *argv[MAX_ARGS] = {"alice", "--connect", NULL, "--timeout", "5"};
	char addr[64];
	size_t n = 5;

	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	argv[2] = addr;
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	assert_int_equal(proc_start(alice, argv), 0);
	return proc_wait(alice, T_MS);
}

static const char *error_of(const struct proc *p)
{
	return proc_str(proc_event(p, "error", 0), "error");
}

static const char *key_id(const struct proc *p)
{
	return proc_str(proc_event(p, "session-key", 0), "key_id");
}

/* An honest exchange; checks key ids, messages both ways, exit codes. */
static void honest_exchange(struct proc *bob, unsigned port, const char *const *alice_flags)
{
	struct proc alice;
	const char *argv[MAX_ARGS];
	size_t n = 0;

	for (; alice_flags && alice_flags[n]; n++)
		argv[n] = alice_flags[n];
	argv[n++] = "--send";
	argv[n++] = "hello";
	argv[n++] = "--send";
	argv[n++] = "transfer 100";
	argv[n] = NULL;
	size_t before = proc_count(bob, "message-received");
	assert_int_equal(run_alice(&alice, port, argv), 0);
	assert_null(proc_event(&alice, "error", 0));
	/* bob's events for this connection arrive by its close. */
	json_t *end = proc_wait_event(bob, "connection-end", T_MS);
	assert_non_null(end);
	assert_true(json_is_true(json_object_get(end, "ok")));
	size_t nk = proc_count(bob, "session-key");
	assert_true(nk > 0);
	assert_string_equal(key_id(&alice), proc_str(proc_event(bob, "session-key", nk - 1), "key_id"));
	assert_int_equal(strlen(key_id(&alice)), 8);
	assert_string_equal(proc_str(proc_event(bob, "message-received", before), "text"), "hello");
	assert_string_equal(proc_str(proc_event(bob, "message-received", before + 1), "text"), "transfer 100");
	assert_string_equal(proc_str(proc_event(&alice, "message-received", 0), "text"), "bob got: hello");
	assert_string_equal(proc_str(proc_event(&alice, "message-received", 1), "text"), "bob got: transfer 100");
	proc_free(&alice);
}

struct combo {
	const char *auth, *group, *cipher, *extra;
};

static void test_combo(void **state)
{
	const struct combo *c = *state;
	struct proc bob;
	char pin[4200], own[4200];
	const char *bob_flags[] = {
	    "--auth", c->auth, "--groups", c->group, "--cipher", c->cipher, c->extra ? c->extra : NULL, NULL};
	const char *alice_flags[] = {"--auth",
				     c->auth,
				     "--groups",
				     c->group,
				     "--cipher",
				     c->cipher,
				     "--peer-key",
				     key("bob.pub", pin, sizeof pin),
				     "--key",
				     key("alice.key", own, sizeof own),
				     c->extra ? c->extra : NULL,
				     NULL};
	unsigned port = start_bob(&bob, 1, bob_flags);

	honest_exchange(&bob, port, alice_flags);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	json_t *neg = proc_event(&bob, "negotiated", 0);
	assert_string_equal(proc_str(neg, "mode"), c->auth);
	assert_string_equal(proc_str(neg, "group"), c->group);
	assert_string_equal(proc_str(neg, "cipher"), c->cipher);
	if (strcmp(c->auth, "sign") == 0)
		assert_non_null(proc_event(&bob, "signature-sent", 0));
	else
		assert_null(proc_event(&bob, "signature-sent", 0));
	proc_free(&bob);
}

/* The p-1 of ffdhe2048, straight from OpenSSL's copy of RFC 7919. */
static void ffdhe2048_p_minus(unsigned sub, uint8_t out[256])
{
	OSSL_PARAM params[] = {OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"ffdhe2048", 0),
			       OSSL_PARAM_END};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *p = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEY_PARAMETERS, params), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, &p), 1);
	assert_int_equal(BN_sub_word(p, sub), 1);
	assert_int_equal(BN_bn2binpad(p, out, 256), 256);
	BN_free(p);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
}

struct attack {
	const char *name;
	const char *auth, *group;
	struct tamper t;
	int share_value;		     /* for REPLACE_SHARE: 0, 1, or -1 for p-1 (ffdhe) / zeros (x25519) */
	const char *alice_error, *bob_error; /* expected error names ("" = none) */
	const char *pin;		     /* bob's key as alice pins it */
	int alice_rc;			     /* her exit status; 0 here means 1 (a check failed) */
};

/* Appends the NULL-terminated more to the NULL-terminated argv[MAX_ARGS]. */
static void append(const char **argv, const char *const *more)
{
	size_t n = 0;
	while (argv[n])
		n++;
	for (; *more; more++) {
		assert_true(n + 1 < MAX_ARGS);
		argv[n++] = *more;
	}
}

/* The attack, with the NULL-terminated extra flags (or none) for both and
 * alice_extra (or none) for the attacked alice only. */
static void run_attack_alice(struct attack *a, const char *const *extra, const char *const *alice_extra)
{
	const char *const none[] = {NULL};
	struct proc bob, alice;
	struct tamper_proxy tp;
	char pin[4200], honest_pin[4200];
	const char *bob_flags[MAX_ARGS] = {"--auth", a->auth, "--groups", a->group};
	const char *alice_flags[MAX_ARGS] = {"--auth", a->auth,	      "--groups",
					     a->group, "--peer-key",  key(a->pin ? a->pin : "bob.pub", pin, sizeof pin),
					     "--send", "transfer 100"};
	const char *honest_flags[MAX_ARGS] = {"--auth", a->auth,      "--groups",
					      a->group, "--peer-key", key("bob.pub", honest_pin, sizeof honest_pin)};
	append(bob_flags, extra ? extra : none);
	append(alice_flags, extra ? extra : none);
	append(alice_flags, alice_extra ? alice_extra : none);
	append(honest_flags, extra ? extra : none);
	unsigned port = start_bob(&bob, 2, bob_flags), target = port;

	if (a->t.action == TAMPER_REPLACE_SHARE) {
		size_t len = strcmp(a->group, "x25519") == 0 ? 32 : 256;
		memset(a->t.data, 0, len);
		if (a->share_value == 1)
			a->t.data[len - 1] = 1;
		else if (a->share_value < 0 && len == 256)
			ffdhe2048_p_minus(1, a->t.data);
		a->t.data_len = len;
	}
	if (a->t.action != TAMPER_NOTHING) {
		assert_int_equal(tamper_proxy_start(&tp, port, &a->t), 0);
		target = tp.port;
	}
	int rc = run_alice(&alice, target, alice_flags);
	if (a->t.action != TAMPER_NOTHING)
		assert_int_equal(tamper_proxy_wait(&tp, T_MS), 1); /* it did alter exactly one frame */
	assert_int_equal(rc, a->alice_rc ? a->alice_rc : 1);	   /* 1: a check failed */
	assert_string_equal(error_of(&alice), a->alice_error);
	json_t *end = proc_wait_event(&bob, "connection-end", T_MS);
	assert_non_null(end);
	assert_false(json_is_true(json_object_get(end, "ok")));
	assert_string_equal(error_of(&bob), a->bob_error);
	/* No altered or replayed application data was released to bob (a
	 * replay's original is genuine and is delivered once). */
	assert_int_equal(proc_count(&bob, "message-received"),
			 a->t.action == TAMPER_DUPLICATE && a->t.type == MLAB_MSG_RECORD ? 1 : 0);
	proc_free(&alice);

	honest_exchange(&bob, port, honest_flags);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
}

static void run_attack(struct attack *a, const char *const *extra)
{
	run_attack_alice(a, extra, NULL);
}

static void test_attack(void **state)
{
	run_attack(*state, NULL);
}

/* Raw bytes at bob: hostile framing must end in an error event and bob goes
 * on. With close_after the client closes right after the bytes (EOF where
 * bob waits for more), else it keeps the connection open and silent. */
static void raw_at_bob(const uint8_t *bytes, size_t n, bool close_after, const char *bob_error)
{
	struct proc bob;
	const char *flags[] = {"--timeout", "1", NULL};
	unsigned port = start_bob(&bob, 2, flags);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	if (n)
		assert_int_equal(send(fd, bytes, n, 0), (ssize_t)n);
	if (close_after)
		close(fd);
	json_t *end = proc_wait_event(&bob, "connection-end", T_MS);
	assert_non_null(end);
	assert_false(json_is_true(json_object_get(end, "ok")));
	assert_string_equal(error_of(&bob), bob_error);
	if (!close_after)
		close(fd);
	honest_exchange(&bob, port, NULL);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
}

static void raw_then_honest(const uint8_t *bytes, size_t n, const char *bob_error)
{
	raw_at_bob(bytes, n, false, bob_error);
}

static void test_raw_huge_length(void **state)
{
	(void)state;
	const uint8_t hdr[] = {MLAB_MSG_CLIENT_HELLO, 0xff, 0xff, 0xff, 0xff};
	raw_then_honest(hdr, sizeof hdr, "too-long");
}

static void test_raw_unknown_type(void **state)
{
	(void)state;
	const uint8_t hdr[] = {0x42, 0, 0, 0, 1, 0};
	raw_then_honest(hdr, sizeof hdr, "unknown-type");
}

static void test_raw_slow_drip(void **state)
{
	(void)state;
	const uint8_t part[] = {MLAB_MSG_CLIENT_HELLO, 0, 0}; /* and then nothing */
	raw_then_honest(part, sizeof part, "timeout");
}

/* Three of the five header bytes, then the client closes: EOF, not a wait
 * for the rest. */
static void test_raw_header_cut_by_eof(void **state)
{
	(void)state;
	const uint8_t part[] = {MLAB_MSG_CLIENT_HELLO, 0, 0};
	raw_at_bob(part, sizeof part, true, "eof");
}

/* A whole header announcing a 40-byte ClientHello, 10 bytes of it, then the
 * client closes. */
static void test_raw_eof_inside_body(void **state)
{
	(void)state;
	uint8_t part[MLAB_FRAME_HDR + 10] = {MLAB_MSG_CLIENT_HELLO, 0, 0, 0, 40, 1};
	raw_at_bob(part, sizeof part, true, "eof");
}

static void test_raw_record_first(void **state)
{
	(void)state;
	uint8_t rec[5 + 8 + 17] = {MLAB_MSG_RECORD, 0, 0, 0, 25};
	raw_then_honest(rec, sizeof rec, "unexpected-message");
}

/* A hostile responder's explicit parameters with an unknown 3072-bit p
 * (RFC 3526's MODP prime, which the lab does not name) in place of bob's
 * ffdhe2048: alice refuses them before any arithmetic (protocol.md §3.3:
 * group-params-cost) instead of spending seconds on primality tests. */
static void test_hostile_unknown_3072_p(void **state)
{
	(void)state;
	struct attack a = {.name = "unknown 3072-bit p",
			   .auth = "none",
			   .group = "explicit",
			   .t = {.dir = TAMPER_TO_ALICE, .type = MLAB_MSG_KEY_SHARE, .action = TAMPER_REPLACE_BODY},
			   .alice_error = "group-params-cost",
			   .bob_error = "peer-alert"};
	uint8_t p[384], share[384] = {0}, frame[MLAB_FRAME_HDR + 1024];
	const uint8_t g = 2;
	BIGNUM *bp = BN_get_rfc3526_prime_3072(NULL);
	assert_non_null(bp);
	assert_int_equal(BN_bn2binpad(bp, p, sizeof p), (int)sizeof p);
	BN_free(bp);
	share[sizeof share - 1] = 4;
	struct mlab_key_share ks = {.group = MLAB_GROUP_EXPLICIT,
				    .len = sizeof share,
				    .share = share,
				    .p = p,
				    .p_len = sizeof p,
				    .g = &g,
				    .g_len = 1};
	struct mlab_wr w;
	mlab_wr_init(&w, frame, sizeof frame);
	assert_int_equal(mlab_key_share_encode(&w, &ks), 0);
	a.t.data_len = w.len - MLAB_FRAME_HDR;
	assert_true(a.t.data_len <= sizeof a.t.data);
	memcpy(a.t.data, frame + MLAB_FRAME_HDR, a.t.data_len);
	run_attack(&a, NULL);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Part of a frame to alice and then nothing, the connection left open: she
 * gives up at her --timeout (1 s here; the header within the limit, then the
 * body within the limit after it) with timeout, exit status 3, and her Alert
 * ends bob's side. */
static void drip_to_alice(uint8_t type, long bytes)
{
	struct attack a = {.auth = "none",
			   .group = "x25519",
			   .t = {.dir = TAMPER_TO_ALICE, .type = type, .action = TAMPER_STALL, .offset = bytes},
			   .alice_error = "timeout",
			   .bob_error = "peer-alert",
			   .alice_rc = 3};
	const char *const alice_extra[] = {"--timeout", "1", NULL};
	long t0 = now_ms();
	run_attack_alice(&a, NULL, alice_extra);
	long ms = now_ms() - t0;
	assert_true(ms >= 1000); /* she did wait for the rest... */
	assert_true(ms < 8000);	 /* ...and no longer than her limits and the honest exchange */
}

/* Three of the ServerHello's five header bytes. */
static void test_drip_header_to_alice(void **state)
{
	(void)state;
	drip_to_alice(MLAB_MSG_SERVER_HELLO, 3);
}

/* The KeyShare's header and 10 bytes of its 36-byte body. */
static void test_drip_body_to_alice(void **state)
{
	(void)state;
	drip_to_alice(MLAB_MSG_KEY_SHARE, MLAB_FRAME_HDR + 10);
}

/* Resources: a peer that never reads. alice streams 64 MiB (--bulk) to a bob
 * that echoes every record; from his first reply on the relay never reads
 * bob's side again and keeps the connection open, so his writes back up.
 * His write deadline (--timeout 1) ends the connection with timeout: at most
 * twice the limit (the write, then the Alert's), bounded however much is
 * left to send. When he closes, the relay (itself stuck writing to him) goes
 * and alice's stream ends with eof. He then serves the next alice. */
static void test_never_reads_bob_writing(void **state)
{
	(void)state;
	const struct tamper t = {.dir = TAMPER_TO_ALICE, .type = MLAB_MSG_RECORD, .action = TAMPER_STALL};
	const char *const bob_flags[] = {"--timeout", "1", NULL};
	char addr[64];
	const char *const alice_argv[] = {"alice", "--connect", addr, "--bulk", "67108864", NULL};
	struct proc bob, alice;
	struct tamper_proxy tp;
	unsigned port = start_bob(&bob, 2, bob_flags);

	assert_int_equal(tamper_proxy_start(&tp, port, &t), 0);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", tp.port);
	assert_int_equal(proc_start(&alice, alice_argv), 0);
	/* bob's events are read meanwhile: he reports every record he echoes,
	 * and a reader that stops reading them stalls him (protocol.md §14) */
	json_t *hs = proc_wait_event(&bob, "handshake-done", T_MS);
	long t0 = now_ms();
	json_t *end = proc_wait_event(&bob, "connection-end", T_MS);
	long ms = now_ms() - t0;
	int rc = proc_wait(&alice, T_MS);
	assert_int_equal(tamper_proxy_wait(&tp, T_MS), 1);
	assert_non_null(hs);
	assert_non_null(end);
	assert_false(json_is_true(json_object_get(end, "ok")));
	assert_string_equal(error_of(&bob), "timeout");
	assert_string_equal(proc_str(proc_event(&bob, "error", 0), "where"), "connected");
	assert_true(ms < 6000); /* twice his limit, and the events he reports on the way */
	assert_int_equal(rc, 3);
	assert_string_equal(error_of(&alice), "eof");
	proc_free(&alice);
	honest_exchange(&bob, port, NULL);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
}

/* The same the other way: alice streams 64 MiB (--bulk) and the relay never
 * reads her side again from her first record on, the connection left open.
 * Her write deadline (--timeout 1) ends her with timeout, exit status 3,
 * within twice the limit (the write, then the Alert's). bob got nothing
 * after the handshake (his --idle is 120 s): the relay is then stopped, he
 * sees the close where a record was due (truncation) and serves the next
 * alice. */
static void test_never_reads_alice_writing(void **state)
{
	(void)state;
	const struct tamper t = {.dir = TAMPER_TO_BOB, .type = MLAB_MSG_RECORD, .action = TAMPER_STALL};
	const char *const alice_flags[] = {"--bulk", "67108864", "--timeout", "1", NULL};
	struct proc bob, alice;
	struct tamper_proxy tp;
	unsigned port = start_bob(&bob, 2, NULL);

	assert_int_equal(tamper_proxy_start(&tp, port, &t), 0);
	long t0 = now_ms();
	int rc = run_alice(&alice, tp.port, alice_flags);
	long ms = now_ms() - t0;
	assert_int_equal(rc, 3);
	assert_string_equal(error_of(&alice), "timeout");
	assert_string_equal(proc_str(proc_event(&alice, "error", 0), "where"), "connected");
	assert_non_null(proc_event(&alice, "bulk-start", 0));
	assert_null(proc_event(&alice, "bulk-done", 0));
	assert_true(ms >= 1000 && ms < 6000); /* twice her limit, and her start-up */
	tamper_proxy_wait(&tp, 0);	      /* still relaying bob's side: stopped now */
	json_t *end = proc_wait_event(&bob, "connection-end", T_MS);
	assert_non_null(end);
	assert_false(json_is_true(json_object_get(end, "ok")));
	assert_string_equal(error_of(&bob), "truncation");
	assert_int_equal(proc_count(&bob, "message-received"), 0);
	proc_free(&alice);
	honest_exchange(&bob, port, NULL);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
}

static void test_wrong_pin_key(void **state)
{
	(void)state;
	struct attack a = {.auth = "sign",
			   .group = "x25519",
			   .pin = "mallory.pub",
			   .alice_error = "pinned-key-mismatch",
			   .bob_error = "peer-alert"};
	void *s = &a;
	test_attack(&s);
}

/* The offer changed on its way to bob, under a params-scope signature (the
 * scenario 18 setting): the ClientHello body is version, nonce (32), flags,
 * one mode, n_groups at 36 and x25519 (00 1d) at 37; bit 0 of byte 38 makes
 * it 0x001c, unknown to bob, who skips it and picks lab-48. His signed
 * nonce names the offer he got; alice sent another and aborts. */
static void test_sentinel_rewritten_offer(void **state)
{
	(void)state;
	struct attack a = {
	    .auth = "sign",
	    .group = "x25519,lab-48",
	    .t = {.dir = TAMPER_TO_BOB, .type = MLAB_MSG_CLIENT_HELLO, .action = TAMPER_FLIP_BIT, .offset = 38},
	    .alice_error = "downgrade-detected",
	    .bob_error = "peer-alert"};
	const char *const extra[] = {"--sign-scope", "params", "--downgrade-sentinel", NULL};
	run_attack(&a, extra);
}

static void test_bob_refuses_bad_events_fd(void **state)
{
	(void)state;
	struct proc bob;
	const char *argv[] = {"bob", "--listen", "127.0.0.1:0", "--events", "0", NULL};
	/* proc_start appends --events 3 too; the first, fd 0 (read-only), must be refused. */
	assert_int_equal(proc_start(&bob, argv), 0);
	assert_int_not_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
}

/* Honest peers with the downgrade sentinel, signing in params scope as in
 * scenario 18, whatever alice's preference order: no false alarm. bob
 * keeps his default list (x25519, ffdhe2048, ffdhe3072), so he marks his
 * nonce whenever alice's first choice is not x25519. */
static void test_sentinel_honest_orders(void **state)
{
	(void)state;
	static const struct {
		const char *groups;
		bool marked;
	} orders[] = {
	    {"ffdhe2048,x25519", true}, /* the case the old rule refused */
	    {"ffdhe2048", true},
	    {"ffdhe3072,x25519,ffdhe2048", true},
	    {"x25519,ffdhe2048", false},
	};
	struct proc bob;
	char pin[4200];
	const char *bob_flags[] = {"--auth", "sign", "--sign-scope", "params", "--downgrade-sentinel", NULL};
	unsigned port = start_bob(&bob, sizeof orders / sizeof orders[0], bob_flags);

	for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
		const char *alice_flags[] = {"--auth",
					     "sign",
					     "--sign-scope",
					     "params",
					     "--downgrade-sentinel",
					     "--groups",
					     orders[i].groups,
					     "--peer-key",
					     key("bob.pub", pin, sizeof pin),
					     NULL};
		size_t before = proc_count(&bob, "sentinel-set");
		honest_exchange(&bob, port, alice_flags);
		assert_int_equal(proc_count(&bob, "sentinel-set") - before, orders[i].marked ? 1 : 0);
	}
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
}

/* The by-hand commands with the lab PKI from make: mode cert agrees
 * on a key id; a lab clock past the leaf's notAfter, another name, the rogue
 * root as anchor each end alice with exit 1 and the named check. */
static void test_cert_mode_with_the_lab_pki(void **state)
{
	(void)state;
	char chain[4200], root[4200], rogue[4200];
	const char *const bob_flags[] = {"--auth", "cert", "--cert", key("pki/bob.chain.pem", chain, sizeof chain),
					 NULL};
	struct proc bob;
	unsigned port = start_bob(&bob, 4, bob_flags);
	key("pki/root.pem", root, sizeof root);
	key("pki/rogue-root.pem", rogue, sizeof rogue);

	const char *const good[] = {"--auth", "cert", "--ca", root, "--peer-name", "bob.lab", NULL};
	honest_exchange(&bob, port, good);
	static const struct {
		const char *flag, *value, *error;
	} bad[] = {{"--now", "2099-01-01", "cert-expired"},
		   {"--peer-name", "other.lab", "cert-name"},
		   {"--ca", NULL, "cert-issuer"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct proc alice;
		const char *v = bad[i].value ? bad[i].value : rogue;
		const char *ca = bad[i].value ? root : rogue;
		const char *const flags[] = {"--auth", "cert", "--ca", ca, bad[i].flag, v, "--send", "x", NULL};
		assert_int_equal(run_alice(&alice, port, flags), 1);
		assert_string_equal(error_of(&alice), bad[i].error);
		assert_string_equal(proc_str(proc_event(&alice, "error", 0), "where"), "wait-server-certificate");
		proc_free(&alice);
	}
	assert_int_equal(proc_wait(&bob, T_MS), 0); /* after its 4 connections */
	proc_free(&bob);
}

/* Trust on first use over real processes: the first contact stores bob's
 * key, the second finds it, and a bob with another key is refused with both
 * fingerprints named. */
static void test_tofu_first_then_known_then_changed(void **state)
{
	(void)state;
	char store[] = "/tmp/mlab-tofu-XXXXXX", path[64], mkey[4200];
	assert_non_null(mkdtemp(store));
	snprintf(path, sizeof path, "%s/known", store);
	const char *const sign[] = {"--auth", "sign", NULL};
	const char *const alice_flags[] = {"--auth", "sign", "--tofu", path, "--send", "x", NULL};
	const char *events[] = {"tofu-new", "tofu-known"};
	struct proc bob, alice;
	unsigned port = start_bob(&bob, 2, sign);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(run_alice(&alice, port, alice_flags), 0);
		assert_non_null(proc_event(&alice, events[i], 0));
		assert_string_equal(proc_str(proc_event(&alice, "signature-verified", 0), "trust"),
				    i ? "known" : "first-seen");
		proc_free(&alice);
	}
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);

	const char *const other[] = {"--auth", "sign", "--key", key("mallory.key", mkey, sizeof mkey), NULL};
	port = start_bob(&bob, 1, other);
	assert_int_equal(run_alice(&alice, port, alice_flags), 1);
	assert_string_equal(error_of(&alice), "tofu-changed");
	json_t *ch = proc_event(&alice, "tofu-changed", 0);
	assert_non_null(ch);
	assert_int_equal(strncmp(proc_str(ch, "fingerprint"), "SHA256:", 7), 0);
	assert_string_not_equal(proc_str(ch, "fingerprint"), proc_str(ch, "stored"));
	proc_free(&alice);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	proc_free(&bob);
	unlink(path);
	rmdir(store);
}

/* --keylog: alice and bob each append one line for the session; the keys
 * agree (nobody in the middle) and the key id is the session-key event's. */
static void test_keylog(void **state)
{
	(void)state;
	char dir[] = "/tmp/mlab-keylog-XXXXXX", path[64], line[2][512];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/keys.log", dir);
	const char *const bob_flags[] = {"--keylog", path, NULL};
	const char *const alice_flags[] = {"--keylog", path, "--send", "x", NULL};
	struct proc bob, alice;
	unsigned port = start_bob(&bob, 1, bob_flags);
	assert_int_equal(run_alice(&alice, port, alice_flags), 0);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0;
	while (n < 2 && fgets(line[n], sizeof line[n], f))
		n++;
	assert_int_equal(n, 2);
	assert_null(fgets(line[0] + 500, 8, f)); /* exactly two lines */
	fclose(f);
	char party[2][16], nonce[2][80], cipher[2][32], keys[2][4][80], kid[2][16];
	for (int i = 0; i < 2; i++)
		assert_int_equal(sscanf(line[i], "MITMLAB_KEYS %15s %79s %31s %79s %79s %79s %79s %15s", party[i],
					nonce[i], cipher[i], keys[i][0], keys[i][1], keys[i][2], keys[i][3], kid[i]),
				 8);
	assert_string_not_equal(party[0], party[1]);
	assert_string_equal(nonce[0], nonce[1]);
	for (int k = 0; k < 4; k++)
		assert_string_equal(keys[0][k], keys[1][k]);
	assert_string_equal(kid[0], key_id(&alice));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	proc_free(&alice);
	proc_free(&bob);
	unlink(path);
	rmdir(dir);
}

static int setup(void **state)
{
	(void)state;
	const char *bin = getenv("MLAB_BIN");
	snprintf(keydir, sizeof keydir, "%s/keys", bin && *bin ? bin : "bin");
	return access(keydir, R_OK) == 0 ? 0 : -1;
}

#define COMBO(a, g, c, x)                                                                                              \
	{                                                                                                              \
		a, g, c, x                                                                                             \
	}
static struct combo combos[] = {
    COMBO("none", "x25519", "chacha20-poly1305", NULL),
    COMBO("none", "ffdhe2048", "chacha20-poly1305", NULL),
    COMBO("sign", "x25519", "chacha20-poly1305", NULL),
    COMBO("sign", "ffdhe2048", "chacha20-poly1305", NULL),
    COMBO("sign", "ffdhe3072", "aes-256-gcm", NULL),
    COMBO("none", "x25519", "none", NULL),
    COMBO("sign", "x25519", "aes-256-gcm", "--mutual"),
    COMBO("sign", "ffdhe2048", "chacha20-poly1305", "--sign-scope=params"),
    /* post-quantum: the key ids agree over the KEM groups (protocol.md §10.4) */
    COMBO("sign", "x25519-mlkem768", "chacha20-poly1305", NULL),
    COMBO("none", "mlkem768", "aes-256-gcm", NULL),
    COMBO("sign", "lab-48-mlkem768", "chacha20-poly1305", "--sign-scope=params"),
};

#define FLIP(d, ty, n, off)                                                                                            \
	{                                                                                                              \
		.dir = d, .type = ty, .nth = n, .action = TAMPER_FLIP_BIT, .offset = off                               \
	}
#define T(d, ty, act)                                                                                                  \
	{                                                                                                              \
		.dir = d, .type = ty, .action = TAMPER_##act                                                           \
	}
#define RETYPE(d, ty, to)                                                                                              \
	{                                                                                                              \
		.dir = d, .type = ty, .action = TAMPER_RETYPE, .data = {to}, .data_len = 1                             \
	}
#define FLIP_BIT(d, ty, off, b)                                                                                        \
	{                                                                                                              \
		.dir = d, .type = ty, .action = TAMPER_FLIP_BIT, .offset = off, .bit = b                               \
	}
#define SHARE(d)                                                                                                       \
	{                                                                                                              \
		.dir = d, .type = MLAB_MSG_KEY_SHARE, .action = TAMPER_REPLACE_SHARE                                   \
	}
static struct attack attacks[] = {
    {"signature bit flip", "sign", "x25519", FLIP(TAMPER_TO_ALICE, MLAB_MSG_SIGNATURE, 0, -1), 0, "signature-invalid",
     "peer-alert", NULL, 0},
    {"record bit flip", "sign", "x25519", FLIP(TAMPER_TO_BOB, MLAB_MSG_RECORD, 0, 12), 0, "peer-alert", "record-auth",
     NULL, 0},
    {"record replay",
     "none",
     "x25519",
     {.dir = TAMPER_TO_BOB, .type = MLAB_MSG_RECORD, .action = TAMPER_DUPLICATE},
     0,
     "peer-alert",
     "record-replay",
     NULL,
     0},
    {"finished bit flip", "none", "ffdhe2048", FLIP(TAMPER_TO_BOB, MLAB_MSG_FINISHED, 0, 3), 0, "peer-alert",
     "finished-mismatch", NULL, 0},
    {"share 0 to bob", "none", "ffdhe2048", SHARE(TAMPER_TO_BOB), 0, "peer-alert", "share-range", NULL, 0},
    {"share 1 to bob", "none", "ffdhe2048", SHARE(TAMPER_TO_BOB), 1, "peer-alert", "share-range", NULL, 0},
    {"share p-1 to bob", "none", "ffdhe2048", SHARE(TAMPER_TO_BOB), -1, "peer-alert", "share-range", NULL, 0},
    {"share p-1 to alice", "sign", "ffdhe2048", SHARE(TAMPER_TO_ALICE), -1, "share-range", "peer-alert", NULL, 0},
    {"x25519 low-order share to bob", "none", "x25519", SHARE(TAMPER_TO_BOB), 0, "peer-alert", "share-low-order", NULL,
     0},
    /* ---- ../shared/HOSTILE-INPUT.md, item by item, against bob (to bob) and alice (to alice); the
     * cases the unit suites hold are named in tests/HOSTILE-INPUT-MAP ---- */
    /* Framing: a length above the limit / 0xFFFFFFFF */
    {"hostile: length 0xFFFFFFFF to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_CLIENT_HELLO, HUGE_LENGTH), 0,
     "peer-alert", "too-long", NULL, 0},
    {"hostile: length 0xFFFFFFFF to alice", "none", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_SERVER_HELLO, HUGE_LENGTH), 0,
     "too-long", "peer-alert", NULL, 0},
    /* a header cut short by EOF; EOF inside a body (the relay shuts that direction down). The side cut
     * off sends no Alert (the link is gone, §11): its peer sees the close, eof too */
    {"hostile: a header cut short by EOF to alice", "none", "x25519",
     T(TAMPER_TO_ALICE, MLAB_MSG_SERVER_HELLO, CUT_HEADER), 0, "eof", "eof", NULL, 3},
    {"hostile: a header cut short by EOF to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, CUT_HEADER), 0,
     "eof", "eof", NULL, 3},
    {"hostile: EOF inside a body to alice", "none", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_KEY_SHARE, CUT_BODY), 0,
     "eof", "eof", NULL, 3},
    {"hostile: EOF inside a body to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, CUT_BODY), 0, "eof",
     "eof", NULL, 3},
    /* an inner length longer than its parent */
    {"hostile: share length past the body to bob", "none", "x25519", FLIP(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, 0, 2), 0,
     "peer-alert", "truncated", NULL, 0},
    {"hostile: share length past the body to alice", "none", "x25519", FLIP(TAMPER_TO_ALICE, MLAB_MSG_KEY_SHARE, 0, 2),
     0, "truncated", "peer-alert", NULL, 0},
    /* trailing bytes */
    {"hostile: trailing byte to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_FINISHED, APPEND), 0, "peer-alert",
     "trailing-bytes", NULL, 0},
    {"hostile: trailing byte to alice", "none", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_FINISHED, APPEND), 0,
     "trailing-bytes", "peer-alert", NULL, 0},
    /* (a byte after a hello is not trailing: it reads as the optional kinds list, §3.1) */
    {"hostile: a byte after the hello to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_CLIENT_HELLO, APPEND), 0,
     "peer-alert", "empty", NULL, 0},
    /* an empty body where content is required */
    {"hostile: empty Finished to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_FINISHED, EMPTY), 0, "peer-alert",
     "empty", NULL, 0},
    {"hostile: empty ServerHello to alice", "none", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_SERVER_HELLO, EMPTY), 0,
     "empty", "peer-alert", NULL, 0},
    /* an unknown type */
    {"hostile: unknown type to bob", "none", "x25519", RETYPE(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, 0xEE), 0, "peer-alert",
     "unknown-type", NULL, 0},
    {"hostile: unknown type to alice", "none", "x25519", RETYPE(TAMPER_TO_ALICE, MLAB_MSG_KEY_SHARE, 0xEE), 0,
     "unknown-type", "peer-alert", NULL, 0},
    /* Order: Finished before the key share; a skipped signature; data before Finished; duplicates */
    {"hostile: Finished before the share to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, HOLD), 0,
     "peer-alert", "unexpected-message", NULL, 0},
    {"hostile: Signature before the share to alice", "sign", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_KEY_SHARE, HOLD), 0,
     "unexpected-message", "peer-alert", NULL, 0},
    {"hostile: a Finished in place of the Signature to alice", "sign", "x25519",
     RETYPE(TAMPER_TO_ALICE, MLAB_MSG_SIGNATURE, MLAB_MSG_FINISHED), 0, "unexpected-message", "peer-alert", NULL, 0},
    {"hostile: a record in place of Finished to bob", "none", "x25519",
     RETYPE(TAMPER_TO_BOB, MLAB_MSG_FINISHED, MLAB_MSG_RECORD), 0, "peer-alert", "unexpected-message", NULL, 0},
    {"hostile: a duplicated hello to bob",
     "none",
     "x25519",
     {.dir = TAMPER_TO_BOB, .type = MLAB_MSG_CLIENT_HELLO, .action = TAMPER_DUPLICATE},
     0,
     "peer-alert",
     "unexpected-message",
     NULL,
     0},
    {"hostile: a duplicated share to alice",
     "sign",
     "x25519",
     {.dir = TAMPER_TO_ALICE, .type = MLAB_MSG_KEY_SHARE, .action = TAMPER_DUPLICATE},
     0,
     "unexpected-message",
     "peer-alert",
     NULL,
     0},
    /* Negotiation: the responder choosing a group never offered (an unknown id) */
    {"hostile: a group never offered to alice", "none", "x25519", FLIP(TAMPER_TO_ALICE, MLAB_MSG_SERVER_HELLO, 0, 36),
     0, "not-offered", "peer-alert", NULL, 0},
    {"hostile: a mode never offered to alice", "none", "x25519", FLIP(TAMPER_TO_ALICE, MLAB_MSG_SERVER_HELLO, 0, 34), 0,
     "not-offered", "peer-alert", NULL, 0},
    {"hostile: 17 modes offered to bob", "none", "x25519", FLIP_BIT(TAMPER_TO_BOB, MLAB_MSG_CLIENT_HELLO, 34, 4), 0,
     "peer-alert", "too-long", NULL, 0},
    /* Key shares: from another group; reflected back to its sender */
    {"hostile: a share of another group to bob", "none", "x25519", FLIP(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, 0, 1), 0,
     "peer-alert", "share-wrong-group", NULL, 0},
    {"hostile: bob's own share reflected to bob", "none", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_KEY_SHARE, REFLECT), 0,
     "peer-alert", "share-reflected", NULL, 0},
    /* Signatures: garbage appended; the wrong length */
    {"hostile: a signature with a byte appended to alice", "sign", "x25519",
     T(TAMPER_TO_ALICE, MLAB_MSG_SIGNATURE, APPEND), 0, "trailing-bytes", "peer-alert", NULL, 0},
    {"hostile: a signature one byte short to alice", "sign", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_SIGNATURE, TRUNCATE),
     0, "truncated", "peer-alert", NULL, 0},
    /* Finished and records: a bit flipped, truncated, reflected back (keys per direction) */
    {"hostile: Finished bit flip to alice", "none", "x25519", FLIP(TAMPER_TO_ALICE, MLAB_MSG_FINISHED, 0, 5), 0,
     "finished-mismatch", "peer-alert", NULL, 0},
    {"hostile: alice's own Finished reflected to her", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_FINISHED, REFLECT),
     0, "finished-mismatch", "peer-alert", NULL, 0},
    /* bob sends his Finished only after checking alice's (protocol.md §6): his own comes back to him
     * when he is connected, a handshake message where only records may come */
    {"hostile: bob's own Finished reflected to him", "none", "x25519", T(TAMPER_TO_ALICE, MLAB_MSG_FINISHED, REFLECT),
     0, "peer-alert", "unexpected-message", NULL, 0},
    {"hostile: a record one byte short to bob", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_RECORD, TRUNCATE), 0,
     "peer-alert", "record-auth", NULL, 0},
    {"hostile: alice's own record reflected to her", "none", "x25519", T(TAMPER_TO_BOB, MLAB_MSG_RECORD, REFLECT), 0,
     "record-auth", "peer-alert", NULL, 0},
    /* one bit of alice's ML-KEM ciphertext: implicit rejection, then bob's Finished check */
    {"mlkem ciphertext bit flip", "none", "x25519-mlkem768", FLIP(TAMPER_TO_BOB, MLAB_MSG_KEY_SHARE, 0, 104), 0,
     "peer-alert", "finished-mismatch", NULL, 0},
};

int main(void)
{
	enum { NC = sizeof combos / sizeof combos[0], NA = sizeof attacks / sizeof attacks[0] };
	struct CMUnitTest tests[NC + NA + 19];
	char names[NC][96];
	size_t n = 0;

	for (size_t i = 0; i < NC; i++) {
		snprintf(names[i], sizeof names[i], "handshake %s/%s/%s%s%s", combos[i].auth, combos[i].group,
			 combos[i].cipher, combos[i].extra ? " " : "", combos[i].extra ? combos[i].extra : "");
		tests[n++] = (struct CMUnitTest){names[i], test_combo, NULL, NULL, &combos[i]};
	}
	for (size_t i = 0; i < NA; i++)
		tests[n++] = (struct CMUnitTest){attacks[i].name, test_attack, NULL, NULL, &attacks[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_wrong_pin_key);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hostile_unknown_3072_p);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_raw_huge_length);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_raw_unknown_type);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_raw_slow_drip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_raw_record_first);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_raw_header_cut_by_eof);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_raw_eof_inside_body);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_drip_header_to_alice);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_drip_body_to_alice);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_never_reads_bob_writing);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_never_reads_alice_writing);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bob_refuses_bad_events_fd);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sentinel_honest_orders);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_sentinel_rewritten_offer);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cert_mode_with_the_lab_pki);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tofu_first_then_known_then_changed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_keylog);
	return _cmocka_run_group_tests("loopback", tests, n, setup, NULL);
}
