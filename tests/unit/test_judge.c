/* Unit tests for lab-scenarios/judge: every verdict from streams built here.
 *
 * The judge believes alice and bob about themselves and mallory only where
 * they confirm her: each test builds the smallest stream that tells one
 * story, and the hostile ones check that broken streams give error or
 * disrupted, never a crash. No network, no processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "ev_stream.h"
#include "test_util.h"

#include "judge.h"

/* ---- building streams ---- */

static void sent(json_t *s, double t, const char *who, int n, const char *text)
{
	msg(s, t, who, "message-sent", n, text);
}

static void received(json_t *s, double t, const char *who, int n, const char *text)
{
	msg(s, t, who, "message-received", n, text);
}

static void mallory_read(json_t *s, double t, const char *from, const char *to, const char *text)
{
	char hex[512];
	to_hex(text, hex, sizeof hex);
	ev(s, t, "mallory", "message-read", "{s:s,s:s,s:i,s:i,s:s,s:s}", "from", from, "to", to, "seq", 1, "len",
	   (int)strlen(text), "hex", hex, "text", text);
}

static void handshake(json_t *s, double t, const char *who, const char *key)
{
	ev(s, t, who, "negotiated", "{s:s,s:s,s:s}", "mode", "none", "group", "x25519", "cipher", "chacha20-poly1305");
	ev(s, t + 0.01, who, "session-key", "{s:s,s:s}", "key_id", key, "cipher", "chacha20-poly1305");
	ev(s, t + 0.02, who, "handshake-done", "{s:s,s:s,s:s,s:s}", "key_id", key, "mode", "none", "group", "x25519",
	   "cipher", "chacha20-poly1305");
}

static void error_ev(json_t *s, double t, const char *who, const char *error, const char *check)
{
	ev(s, t, who, "error", "{s:s,s:s,s:s,s:i,s:s}", "error", error, "check", check, "message", "a sentence", "code",
	   -1, "where", "wait-server-signature");
}

static void lab_exit(json_t *s, double t, const char *prog, int status, int sig, bool expected)
{
	ev(s, t, "lab", "exit", "{s:s,s:i,s:i,s:b}", "program", prog, "status", status, "signal", sig, "expected",
	   expected);
}

/* The start every run has: the runner, bob listening, alice connected. */
static json_t *run_start(void)
{
	json_t *s = json_array();
	assert_non_null(s);
	ev(s, 0.0, "lab", "run-start", "{s:s,s:s}", "scenario", "test", "network", "switch");
	ev(s, 0.1, "bob", "listening", "{s:s,s:i}", "addr", "10.0.0.20:4433", "port", 4433);
	ev(s, 0.2, "alice", "connected", "{s:s}", "peer", "10.0.0.20:4433");
	ev(s, 0.21, "bob", "accepted", "{s:s,s:i}", "peer", "10.0.0.10:50000", "conn", 1);
	return s;
}

/* A whole, honest conversation: one message each way, with one key. */
static json_t *baseline(const char *key_a, const char *key_b)
{
	json_t *s = run_start();
	handshake(s, 1.0, "alice", key_a);
	handshake(s, 1.0, "bob", key_b);
	sent(s, 2.0, "alice", 1, "hello");
	received(s, 2.1, "bob", 1, "hello");
	sent(s, 2.2, "bob", 1, "bob got: hello");
	received(s, 2.3, "alice", 1, "bob got: hello");
	ev(s, 2.4, "alice", "done", "{s:i,s:i}", "sent", 1, "received", 1);
	ev(s, 2.5, "bob", "connection-end", "{s:i,s:b,s:s}", "conn", 1, "ok", 1, "error", "ok");
	lab_exit(s, 2.6, "alice", 0, 0, true);
	lab_exit(s, 2.7, "bob", 0, 0, true);
	return s;
}

static void judge(const json_t *s, struct verdict *v, enum verdict_kind want)
{
	assert_int_equal(judge_run(s, v), 0);
	if (v->kind != want)
		fail_msg("verdict %s, expected %s (reason: %s)", verdict_name(v->kind), verdict_name(want), v->reason);
}

#define assert_reason_has(v, sub)                                                                                      \
	do {                                                                                                           \
		if (!strstr((v)->reason, (sub)))                                                                       \
			fail_msg("reason \"%s\" lacks \"%s\"", (v)->reason, (sub));                                    \
	} while (0)

/* ---- confidential ---- */

static void test_baseline_confidential(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	struct verdict v;
	judge(s, &v, V_CONFIDENTIAL);
	assert_true(v.alice.present && v.bob.present && !v.mallory.present);
	assert_true(v.alice.handshake_done && v.bob.handshake_done);
	assert_string_equal(v.alice.key_id, "1a2b3c4d");
	assert_int_equal(v.alice.sent, 1);
	assert_int_equal(v.alice.received, 1);
	assert_int_equal(v.alice.received_intact, 1);
	assert_int_equal(v.bob.received_intact, 1);
	assert_int_equal(v.alice.received_altered + v.bob.received_altered, 0);
	assert_int_equal(v.alice.exit_status, 0);
	assert_int_equal(v.mallory.exit_status, -1);
	assert_false(v.alice.aborted);
	assert_int_equal(v.read_genuine + v.read_bogus + v.mallory_keys_held, 0);
	assert_string_equal(v.peer, "");
	json_decref(s);
}

/* Mallory sees only ciphertext: her frames do not make anything happen. */
static void test_mallory_watching_encrypted_is_confidential(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	ev(s, 0.05, "mallory", "sniffing", "{s:s}", "iface", "eth0");
	for (int i = 0; i < 10; i++)
		ev(s, 1.5 + i * 0.01, "mallory", "frame", "{s:i}", "len", 60);
	ev(s, 2.05, "mallory", "record-seen", "{s:s,s:s,s:i}", "from", "alice", "to", "bob", "len", 21);
	lab_exit(s, 3.0, "mallory", -1, 15, true);
	struct verdict v;
	judge(s, &v, V_CONFIDENTIAL);
	assert_true(v.mallory.present);
	assert_int_equal(v.mallory.exit_status, -1);
	json_decref(s);
}

static void test_bogus_claim_ignored(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	mallory_read(s, 2.05, "alice", "bob", "transfer everything to mallory");
	struct verdict v;
	judge(s, &v, V_CONFIDENTIAL);
	assert_int_equal(v.read_genuine, 0);
	assert_int_equal(v.read_bogus, 1);
	assert_reason_has(&v, "ignored");
	json_decref(s);
}

/* A claim without bytes, or with bytes that are not hex, is just as bogus. */
static void test_malformed_claims_are_bogus(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	ev(s, 2.05, "mallory", "message-read", "{s:s,s:s}", "from", "alice", "to", "bob");
	ev(s, 2.06, "mallory", "message-read", "{s:s}", "hex", "68656c6c6"); /* odd length */
	ev(s, 2.07, "mallory", "message-read", "{s:s}", "hex", "zz");
	ev(s, 2.08, "mallory", "message-read", "{s:i}", "hex", 42);
	/* "hello" followed by a NUL and more: must not pass as "hello". */
	json_t *e = json_pack("{s:f,s:s,s:s}", "t", 2.09, "actor", "mallory", "event", "message-read");
	json_object_set_new(e, "hex",
			    json_stringn("68656c6c6f\0"
					 "00",
					 13));
	json_array_append_new(s, e);
	struct verdict v;
	judge(s, &v, V_CONFIDENTIAL);
	assert_int_equal(v.read_genuine, 0);
	assert_int_equal(v.read_bogus, 5);
	json_decref(s);
}

/* ---- attack-succeeded ---- */

static void test_plaintext_sniff_reads_everything(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	mallory_read(s, 2.05, "alice", "bob", "hello");
	mallory_read(s, 2.25, "bob", "alice", "bob got: hello");
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.read_genuine, 2);
	assert_int_equal(v.read_bogus, 0);
	assert_reason_has(&v, "mallory read 2 of 2 messages");
	json_decref(s);
}

/* Each sent message vouches for one claim: a second claim of the same bytes
 * is not a second read. */
static void test_duplicate_claim_counts_once(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	mallory_read(s, 2.05, "alice", "bob", "hello");
	mallory_read(s, 2.06, "alice", "bob", "hello");
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.read_genuine, 1);
	assert_int_equal(v.read_bogus, 1);
	assert_reason_has(&v, "mallory read 1 of 2 messages");
	json_decref(s);
}

/* Upper-case hex from mallory still names the same bytes. */
static void test_claim_hex_case_insensitive(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	ev(s, 2.05, "mallory", "message-read", "{s:s}", "hex", "68656C6C6F");
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.read_genuine, 1);
	json_decref(s);
}

static void test_bob_receives_forged_message(void **state)
{
	(void)state;
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "1a2b3c4d");
	handshake(s, 1.0, "bob", "1a2b3c4d");
	sent(s, 2.0, "alice", 1, "transfer 100 to carol");
	received(s, 2.1, "bob", 1, "transfer 100 to mallory");
	sent(s, 2.2, "bob", 1, "ok");
	received(s, 2.3, "alice", 1, "ok");
	ev(s, 2.4, "alice", "done", "{s:i,s:i}", "sent", 1, "received", 1);
	/* Her claim of the change is noted, but the verdict rests on what bob got. */
	ev(s, 2.05, "mallory", "message-changed", "{s:s,s:s,s:s,s:s}", "from", "alice", "to", "bob", "original_hex",
	   "00", "hex", "11");
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.bob.received, 1);
	assert_int_equal(v.bob.received_altered, 1);
	assert_int_equal(v.bob.received_intact, 0);
	assert_int_equal(v.alice.received_intact, 1);
	assert_reason_has(&v, "bob received 1 message alice never sent");
	json_decref(s);
}

/* bob sent "ok" once; alice got it twice: the second one is a replay, not
 * a message bob never sent. */
static void test_replayed_message_is_replayed(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	received(s, 2.35, "alice", 2, "bob got: hello");
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.alice.received, 2);
	assert_int_equal(v.alice.received_intact, 1);
	assert_int_equal(v.alice.received_altered, 0);
	assert_int_equal(v.alice.received_replayed, 1);
	assert_reason_has(&v, "alice received 1 message once more than bob sent it: replayed");
	json_decref(s);
}

/* The relay: alice and bob hold different keys, mallory holds both. */
static void test_mallory_holds_keys(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "5e6f7a8b");
	ev(s, 1.05, "mallory", "session-key", "{s:s,s:s}", "key_id", "1a2b3c4d", "with", "alice");
	ev(s, 1.06, "mallory", "session-key", "{s:s,s:s}", "key_id", "5e6f7a8b", "with", "bob");
	/* Repeating a key, or naming one nobody has, changes nothing. */
	ev(s, 1.07, "mallory", "session-key", "{s:s,s:s}", "key_id", "1a2b3c4d", "with", "alice");
	ev(s, 1.08, "mallory", "session-key", "{s:s,s:s}", "key_id", "deadbeef", "with", "bob");
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.mallory_keys_held, 2);
	assert_string_equal(v.mallory.key_id, "1a2b3c4d");
	assert_reason_has(&v, "mallory holds the session keys of alice and bob");
	json_decref(s);
}

static void test_mallory_holds_alices_key(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	/* Her key event may come before alice's: order does not matter. */
	json_array_insert_new(s, 0,
			      json_pack("{s:f,s:s,s:s,s:s,s:s}", "t", 0.5, "actor", "mallory", "event", "session-key",
					"key_id", "1a2b3c4d", "with", "alice"));
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.mallory_keys_held, 1);
	json_decref(s);
}

/* A key without a single message is not yet a read. */
static void test_key_without_messages_is_not_attack(void **state)
{
	(void)state;
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "1a2b3c4d");
	ev(s, 1.05, "mallory", "session-key", "{s:s,s:s}", "key_id", "1a2b3c4d", "with", "alice");
	error_ev(s, 1.5, "alice", "timeout", "io");
	struct verdict v;
	judge(s, &v, V_DISRUPTED);
	assert_int_equal(v.mallory_keys_held, 1);
	json_decref(s);
}

/* A key id that only starts like alice's (too long to be one) is not hers. */
static void test_long_key_id_does_not_match(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	ev(s, 1.05, "mallory", "session-key", "{s:s,s:s}", "key_id", "1a2b3c4d00", "with", "alice");
	ev(s, 1.06, "mallory", "session-key", "{s:s,s:s}", "key_id", "", "with", "alice");
	ev(s, 1.07, "mallory", "session-key", "{s:i,s:s}", "key_id", 12345, "with", "alice");
	struct verdict v;
	judge(s, &v, V_CONFIDENTIAL);
	assert_int_equal(v.mallory_keys_held, 0);
	json_decref(s);
}

/* ---- blocked ---- */

static void test_signature_blocked_by_alice(void **state)
{
	(void)state;
	json_t *s = run_start();
	ev(s, 1.0, "alice", "negotiated", "{s:s,s:s,s:s}", "mode", "sign", "group", "x25519", "cipher", "aes-256-gcm");
	ev(s, 1.0, "bob", "negotiated", "{s:s,s:s,s:s}", "mode", "sign", "group", "x25519", "cipher", "aes-256-gcm");
	ev(s, 1.1, "mallory", "share-swapped", "{s:s}", "toward", "alice");
	error_ev(s, 1.2, "alice", "signature-invalid", "signature");
	ev(s, 1.3, "bob", "alert-received", "{s:s,s:s,s:i}", "error", "signature-invalid", "check", "signature", "code",
	   -28);
	error_ev(s, 1.3, "bob", "peer-alert", "peer");
	ev(s, 1.31, "bob", "connection-end", "{s:i,s:b,s:s}", "conn", 1, "ok", 0, "error", "peer-alert");
	lab_exit(s, 1.4, "alice", 1, 0, true);
	struct verdict v;
	judge(s, &v, V_BLOCKED);
	assert_string_equal(v.peer, "alice");
	assert_string_equal(v.check, "signature");
	assert_string_equal(v.reason,
			    "alice stopped it: signature check (signature-invalid) after mallory's share-swapped");
	assert_true(v.alice.aborted && !v.alice.peer_alert);
	assert_string_equal(v.alice.error, "signature-invalid");
	assert_true(v.bob.aborted && v.bob.peer_alert);
	assert_string_equal(v.bob.error, "peer-alert");
	assert_string_equal(v.bob.check, "peer");
	assert_int_equal(v.alice.exit_status, 1);
	json_decref(s);
}

/* The pair: alice wants signatures, bob knows none. bob's
 * negotiation check fires with nobody attacking: misconfigured. */
static void test_check_without_attack_is_misconfigured(void **state)
{
	(void)state;
	json_t *s = run_start();
	ev(s, 1.0, "alice", "hello-sent", "{s:[s],s:[s],s:[s]}", "modes", "sign", "groups", "x25519", "ciphers",
	   "aes-256-gcm");
	ev(s, 1.0, "bob", "hello-received", "{s:[s],s:[s],s:[s]}", "modes", "sign", "groups", "x25519", "ciphers",
	   "aes-256-gcm");
	error_ev(s, 1.1, "bob", "no-common-mode", "negotiation");
	error_ev(s, 1.2, "alice", "peer-alert", "peer");
	struct verdict v;
	judge(s, &v, V_MISCONFIGURED);
	assert_string_equal(v.attempt, "");
	assert_reason_has(&v, "no attack was attempted");
	assert_string_equal(verdict_name(v.kind), "misconfigured");
	json_decref(s);
}

/* Ground truth shows the attempt even when mallory says nothing: bob got
 * another offer than alice sent. */
static void test_changed_offer_is_an_attempt(void **state)
{
	(void)state;
	json_t *s = run_start();
	ev(s, 1.0, "alice", "hello-sent", "{s:[s,s],s:[s],s:[s]}", "modes", "sign", "none", "groups", "x25519",
	   "ciphers", "aes-256-gcm");
	ev(s, 1.0, "bob", "hello-received", "{s:[s],s:[s],s:[s]}", "modes", "none", "groups", "x25519", "ciphers",
	   "aes-256-gcm");
	error_ev(s, 1.1, "bob", "no-common-mode", "negotiation");
	struct verdict v;
	judge(s, &v, V_BLOCKED);
	assert_reason_has(&v, "bob received another offer (modes) than alice sent");
	json_decref(s);
}

/* Both detect something: the earlier one (by t, not by place in the stream) is named. */
static void test_both_abort_earlier_wins(void **state)
{
	(void)state;
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "1a2b3c4d");
	handshake(s, 1.0, "bob", "5e6f7a8b");
	ev(s, 1.1, "mallory", "message-changed", NULL);
	error_ev(s, 1.6, "alice", "record-auth", "record");
	error_ev(s, 1.5, "bob", "finished-mismatch", "finished");
	struct verdict v;
	judge(s, &v, V_BLOCKED);
	assert_string_equal(v.peer, "bob");
	assert_string_equal(v.check, "finished");
	assert_reason_has(&v, "bob stopped it: finished check (finished-mismatch)");
	json_decref(s);
}

/* Only the first error of a party is its story. */
static void test_first_error_counts(void **state)
{
	(void)state;
	json_t *s = run_start();
	error_ev(s, 1.0, "bob", "peer-alert", "peer");
	error_ev(s, 1.1, "bob", "share-range", "share");
	error_ev(s, 1.2, "alice", "eof", "io");
	struct verdict v;
	judge(s, &v, V_DISRUPTED);
	assert_string_equal(v.bob.error, "peer-alert");
	assert_true(v.bob.peer_alert);
	json_decref(s);
}

/* A missing check is recovered from a known error name. */
static void test_missing_check_recovered(void **state)
{
	(void)state;
	json_t *s = run_start();
	ev(s, 0.9, "mallory", "signature-forged", NULL);
	ev(s, 1.0, "alice", "error", "{s:s}", "error", "pinned-key-mismatch");
	struct verdict v;
	judge(s, &v, V_BLOCKED);
	assert_string_equal(v.check, "pinned-key");
	json_decref(s);
}

/* bob's failures without an error event still show in connection-end. */
static void test_connection_end_without_error_event(void **state)
{
	(void)state;
	json_t *s = run_start();
	ev(s, 1.0, "bob", "connection-end", "{s:i,s:b,s:s}", "conn", 1, "ok", 0, "error", "no-memory");
	struct verdict v;
	judge(s, &v, V_DISRUPTED);
	assert_true(v.bob.aborted);
	assert_string_equal(v.bob.error, "no-memory");
	assert_string_equal(v.bob.check, "internal");
	json_decref(s);
}

/* ---- disrupted ---- */

static void test_io_and_alerts_only_disrupted(void **state)
{
	(void)state;
	json_t *s = run_start();
	ev(s, 1.0, "alice", "negotiated", "{s:s,s:s,s:s}", "mode", "none", "group", "x25519", "cipher", "none");
	error_ev(s, 5.0, "alice", "timeout", "io");
	error_ev(s, 5.1, "bob", "peer-alert", "peer");
	lab_exit(s, 5.2, "alice", 3, 0, true);
	struct verdict v;
	judge(s, &v, V_DISRUPTED);
	assert_string_equal(v.peer, "");
	assert_reason_has(&v, "no handshake completed");
	assert_reason_has(&v, "alice: timeout (io check)");
	assert_reason_has(&v, "bob: peer-alert");
	assert_reason_has(&v, "mallory learned nothing");
	json_decref(s);
}

/* Handshakes done but the conversation cut: still nothing learned. */
static void test_cut_after_handshake_disrupted(void **state)
{
	(void)state;
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "1a2b3c4d");
	handshake(s, 1.0, "bob", "1a2b3c4d");
	sent(s, 2.0, "alice", 1, "hello");
	error_ev(s, 3.0, "alice", "eof", "io");
	struct verdict v;
	judge(s, &v, V_DISRUPTED);
	assert_reason_has(&v, "alice never reported the conversation done");
	json_decref(s);
}

/* ---- error ---- */

static void test_lab_timeout_error(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	ev(s, 20.0, "lab", "timeout", "{s:i,s:s}", "limit_s", 20, "waiting_for", "alice");
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "timed out after 20 s waiting for alice");
	json_decref(s);
}

static void test_lab_error_event(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	ev(s, 0.5, "lab", "lab-error", "{s:s}", "reason", "cannot create the bridge\x1b[2J");
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "cannot create the bridge");
	assert_null(strchr(v.reason, '\x1b'));
	json_decref(s);
}

static void test_signal_11_error(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	json_array_remove(s, json_array_size(s) - 2); /* alice's normal exit */
	lab_exit(s, 2.6, "alice", -1, 11, false);
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "alice was killed by signal 11");
	json_decref(s);
}

/* The runner stopping mallory with SIGTERM is how runs end. */
static void test_expected_signal_is_fine(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	lab_exit(s, 3.0, "mallory", -1, 15, true);
	struct verdict v;
	judge(s, &v, V_CONFIDENTIAL);
	json_decref(s);
}

static void test_status_86_error(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	lab_exit(s, 2.8, "build/asan/bin/bob", 86, 0, true);
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "bob exited with status 86");
	assert_int_equal(v.bob.exit_status, 86);
	json_decref(s);
}

static void test_status_127_error(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	lab_exit(s, 0.3, "mallory", 127, 0, false);
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "mallory could not be started");
	json_decref(s);
}

static void test_missing_bob_error(void **state)
{
	(void)state;
	json_t *s = json_array();
	ev(s, 0.2, "alice", "connected", "{s:s}", "peer", "10.0.0.20:4433");
	error_ev(s, 0.3, "alice", "io", "io");
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "bob never appeared");
	assert_null(strstr(v.reason, "alice never"));
	json_decref(s);
}

/* The lab's failure wins even over a successful attack. */
static void test_error_before_attack(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	mallory_read(s, 2.05, "alice", "bob", "hello");
	ev(s, 20.0, "lab", "timeout", "{s:i}", "limit_s", 20);
	struct verdict v;
	judge(s, &v, V_ERROR);
	json_decref(s);
}

/* ---- hostile and broken streams ---- */

static void test_empty_stream_error(void **state)
{
	(void)state;
	json_t *s = json_array();
	struct verdict v;
	judge(s, &v, V_ERROR);
	assert_reason_has(&v, "alice never appeared");
	assert_reason_has(&v, "bob never appeared");
	json_decref(s);
}

static void test_not_an_array(void **state)
{
	(void)state;
	struct verdict v;
	json_t *o = json_object();
	assert_int_equal(judge_run(o, &v), -1);
	assert_int_equal(v.kind, V_ERROR);
	assert_int_equal(judge_run(NULL, &v), -1);
	assert_int_equal(v.kind, V_ERROR);
	assert_true(strlen(v.reason) > 0);
	assert_int_equal(judge_run(o, NULL), -1);
	json_decref(o);
}

static void test_non_objects_and_wrong_types(void **state)
{
	(void)state;
	json_t *s = json_array();
	json_array_append_new(s, json_integer(7));
	json_array_append_new(s, json_string("alice"));
	json_array_append_new(s, json_null());
	json_array_append_new(s, json_pack("[s,s]", "alice", "handshake-done"));
	json_array_append_new(s, json_pack("{s:i,s:s}", "actor", 3, "event", "done"));
	json_array_append_new(s, json_pack("{s:s,s:i}", "actor", "alice", "event", 3));
	json_array_append_new(s, json_pack("{s:s,s:s,s:s}", "t", "soon", "actor", "alice", "event", "error"));
	json_array_append_new(s, json_pack("{s:s,s:s,s:[i]}", "actor", "bob", "event", "error", "error", 1));
	json_array_append_new(
	    s, json_pack("{s:s,s:s,s:o}", "actor", "alice", "event", "message-sent", "hex", json_object()));
	json_array_append_new(s, json_pack("{s:s,s:s,s:f}", "actor", "bob", "event", "message-received", "hex", 1.5));
	json_array_append_new(s, json_pack("{s:s,s:s,s:s}", "actor", "lab", "event", "exit", "program", "alice"));
	json_array_append_new(s, json_pack("{s:s,s:s,s:i,s:s,s:s}", "actor", "lab", "event", "exit", "program", 5,
					   "status", "x", "signal", "y"));
	json_array_append_new(s, json_pack("{s:s,s:s,s:b}", "actor", "lab", "event", "exit", "signal", 1));
	json_array_append_new(s, json_pack("{s:s,s:s}", "actor", "eve", "event", "message-read"));
	struct verdict v;
	judge(s, &v, V_DISRUPTED);
	assert_true(v.alice.present && v.bob.present);
	assert_true(v.alice.aborted);
	assert_string_equal(v.alice.error, "");
	assert_true(v.bob.aborted);
	assert_int_equal(v.alice.sent, 1);
	assert_int_equal(v.bob.received, 1);
	assert_int_equal(v.bob.received_altered + v.bob.received_intact, 0);
	assert_int_equal(v.alice.exit_status, -1);
	json_decref(s);
}

/* Status and signal beyond int, NaN-free odd times, a huge error name. */
static void test_out_of_range_values(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	char big[300];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ev(s, -1e300, "alice", "error", "{s:s,s:s}", "error", big, "check", big);
	ev(s, 3.0, "lab", "exit", "{s:s,s:I,s:I,s:b}", "program", "bob", "status", (json_int_t)1 << 40, "signal",
	   (json_int_t)0, "expected", 1);
	struct verdict v;
	judge(s, &v, V_ERROR); /* status >= 64 */
	assert_int_equal(strlen(v.alice.error), sizeof v.alice.error - 1);
	assert_int_equal(strlen(v.alice.check), sizeof v.alice.check - 1);
	json_decref(s);
}

/* Tens of thousands of claims and messages: linear-ish, and exact. */
static void test_huge_stream(void **state)
{
	(void)state;
	json_t *s = baseline("1a2b3c4d", "1a2b3c4d");
	enum { N = 20000 };
	for (int i = 0; i < N; i++) {
		char text[32];
		snprintf(text, sizeof text, "m%d", i % 100);
		sent(s, 3.0, "alice", i + 2, text);
		mallory_read(s, 3.0, "alice", "bob", "never sent at all");
	}
	for (int i = 0; i < N; i++)
		mallory_read(s, 3.0, "alice", "bob", "m7"); /* 200 of these were sent */
	struct verdict v;
	judge(s, &v, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.read_genuine, N / 100);
	assert_int_equal(v.read_bogus, N + N - N / 100);
	assert_int_equal(v.alice.sent, N + 1);
	json_decref(s);
}

/* ---- marks, names, JSON ---- */

static void test_marks(void **state)
{
	(void)state;
	json_t *s = json_array();
	sent(s, 1.0, "alice", 1, "a");
	received(s, 1.1, "bob", 1, "a");
	received(s, 1.2, "bob", 2, "a");
	mallory_read(s, 1.3, "alice", "bob", "a");
	mallory_read(s, 1.4, "alice", "bob", "a");
	ev(s, 1.5, "alice", "done", NULL);
	enum judge_mark m[6];
	assert_int_equal(judge_marks(s, m, 6), 0);
	assert_int_equal(m[0], JM_NONE);
	assert_int_equal(m[1], JM_INTACT);
	assert_int_equal(m[2], JM_REPLAYED); /* "a" was sent, once */
	assert_int_equal(m[3], JM_GENUINE);
	assert_int_equal(m[4], JM_BOGUS);
	assert_int_equal(m[5], JM_NONE);
	assert_int_equal(judge_marks(s, m, 3), -1);
	assert_int_equal(judge_marks(NULL, m, 3), -1);
	json_decref(s);
}

static void test_verdict_names(void **state)
{
	(void)state;
	static const char *const names[] = {"attack-succeeded", "blocked", "confidential", "disrupted", "error"};
	for (size_t i = 0; i < N_OF(names); i++) {
		enum verdict_kind k;
		assert_int_equal(verdict_from_name(names[i], &k), 0);
		assert_string_equal(verdict_name(k), names[i]);
	}
	enum verdict_kind k = V_BLOCKED;
	assert_int_equal(verdict_from_name("succeeded", &k), -1);
	assert_int_equal(verdict_from_name("", &k), -1);
	assert_int_equal(verdict_from_name(NULL, &k), -1);
	assert_int_equal(k, V_BLOCKED);
	assert_string_equal(verdict_name((enum verdict_kind)99), "error");
}

static void test_verdict_json(void **state)
{
	(void)state;
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "1a2b3c4d");
	ev(s, 1.1, "mallory", "signature-forged", NULL);
	error_ev(s, 1.2, "alice", "pinned-key-mismatch", "pinned-key");
	error_ev(s, 1.3, "bob", "peer-alert", "peer");
	mallory_read(s, 1.25, "alice", "bob", "nothing");
	struct verdict v;
	judge(s, &v, V_BLOCKED);
	json_t *j = verdict_json(&v);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "blocked");
	assert_string_equal(json_string_value(json_object_get(j, "peer")), "alice");
	assert_string_equal(json_string_value(json_object_get(j, "check")), "pinned-key");
	assert_string_equal(json_string_value(json_object_get(j, "reason")), v.reason);
	json_t *a = json_object_get(j, "alice");
	assert_true(json_is_true(json_object_get(a, "aborted")));
	assert_string_equal(json_string_value(json_object_get(a, "key_id")), "1a2b3c4d");
	assert_string_equal(json_string_value(json_object_get(a, "error")), "pinned-key-mismatch");
	assert_true(json_is_true(json_object_get(json_object_get(j, "bob"), "peer_alert")));
	assert_int_equal(json_integer_value(json_object_get(j, "read_bogus")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "read_genuine")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "mallory_keys_held")), 0);
	/* It is a complete JSON document. */
	char *txt = json_dumps(j, JSON_COMPACT);
	assert_non_null(txt);
	json_t *back = json_loads(txt, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(j, back));
	free(txt);
	json_decref(back);
	json_decref(j);
	assert_null(verdict_json(NULL));
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_baseline_confidential),
	    cmocka_unit_test(test_mallory_watching_encrypted_is_confidential),
	    cmocka_unit_test(test_bogus_claim_ignored),
	    cmocka_unit_test(test_malformed_claims_are_bogus),
	    cmocka_unit_test(test_plaintext_sniff_reads_everything),
	    cmocka_unit_test(test_duplicate_claim_counts_once),
	    cmocka_unit_test(test_claim_hex_case_insensitive),
	    cmocka_unit_test(test_bob_receives_forged_message),
	    cmocka_unit_test(test_replayed_message_is_replayed),
	    cmocka_unit_test(test_mallory_holds_keys),
	    cmocka_unit_test(test_mallory_holds_alices_key),
	    cmocka_unit_test(test_key_without_messages_is_not_attack),
	    cmocka_unit_test(test_long_key_id_does_not_match),
	    cmocka_unit_test(test_signature_blocked_by_alice),
	    cmocka_unit_test(test_both_abort_earlier_wins),
	    cmocka_unit_test(test_first_error_counts),
	    cmocka_unit_test(test_missing_check_recovered),
	    cmocka_unit_test(test_connection_end_without_error_event),
	    cmocka_unit_test(test_io_and_alerts_only_disrupted),
	    cmocka_unit_test(test_cut_after_handshake_disrupted),
	    cmocka_unit_test(test_lab_timeout_error),
	    cmocka_unit_test(test_lab_error_event),
	    cmocka_unit_test(test_signal_11_error),
	    cmocka_unit_test(test_expected_signal_is_fine),
	    cmocka_unit_test(test_status_86_error),
	    cmocka_unit_test(test_status_127_error),
	    cmocka_unit_test(test_missing_bob_error),
	    cmocka_unit_test(test_error_before_attack),
	    cmocka_unit_test(test_empty_stream_error),
	    cmocka_unit_test(test_not_an_array),
	    cmocka_unit_test(test_non_objects_and_wrong_types),
	    cmocka_unit_test(test_out_of_range_values),
	    cmocka_unit_test(test_huge_stream),
	    cmocka_unit_test(test_marks),
	    cmocka_unit_test(test_verdict_names),
	    cmocka_unit_test(test_verdict_json),
	    cmocka_unit_test(test_check_without_attack_is_misconfigured),
	    cmocka_unit_test(test_changed_offer_is_an_attempt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
