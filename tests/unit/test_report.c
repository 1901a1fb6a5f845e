/* Unit tests for lab-scenarios/report: the text a trainee reads and the JSON
 * beside it, from streams built here.
 *
 * The text must carry the lines that teach (VERDICT, the key ids, ALTERED
 * messages, ignored claims), the ASCII mode must be pure ASCII whatever the
 * stream holds, nothing from the stream may reach the terminal as a control
 * byte, and report.json must say the same verdict. */
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
#include "report.h"
#include "scenario.h"

static void mallory_read(json_t *s, double t, const char *from, const char *to, const char *text)
{
	char hex[1024];
	to_hex(text, hex, sizeof hex);
	ev(s, t, "mallory", "message-read", "{s:s,s:s,s:i,s:i,s:s,s:s}", "from", from, "to", to, "seq", 1, "len",
	   (int)strlen(text), "hex", hex, "text", text);
}

static void handshake(json_t *s, double t, const char *who, const char *mode, const char *key)
{
	ev(s, t, who, "negotiated", "{s:s,s:s,s:s,s:b,s:s}", "mode", mode, "group", "x25519", "cipher",
	   "chacha20-poly1305", "client_auth", 0, "scope", "transcript");
	ev(s, t + 0.01, who, "session-key", "{s:s,s:s}", "key_id", key, "cipher", "chacha20-poly1305");
	ev(s, t + 0.02, who, "handshake-done", "{s:s,s:s,s:s,s:s}", "key_id", key, "mode", mode, "group", "x25519",
	   "cipher", "chacha20-poly1305");
}

static void lab_exit(json_t *s, double t, const char *prog, int status, int sig, bool expected)
{
	ev(s, t, "lab", "exit", "{s:s,s:i,s:i,s:b}", "program", prog, "status", status, "signal", sig, "expected",
	   expected);
}

static json_t *run_start(void)
{
	json_t *s = json_array();
	assert_non_null(s);
	ev(s, 0.0, "lab", "run-start", "{s:s,s:s}", "scenario", "test", "network", "switch");
	ev(s, 0.05, "mallory", "sniffing", "{s:s}", "iface", "eth0");
	ev(s, 0.1, "bob", "listening", "{s:s,s:i}", "addr", "10.0.0.20:4433", "port", 4433);
	ev(s, 0.2, "alice", "connected", "{s:s}", "peer", "10.0.0.20:4433");
	ev(s, 0.21, "bob", "accepted", "{s:s,s:i}", "peer", "10.0.0.10:50000", "conn", 1);
	for (int i = 0; i < 7; i++)
		ev(s, 0.3 + i * 0.01, "mallory", "frame", "{s:i}", "len", 74);
	ev(s, 0.4, "mallory", "handshake-seen", "{s:s}", "type", "client-hello");
	return s;
}

/* mallory swaps the signed share: alice's signature check refuses. */
static json_t *blocked_run(void)
{
	json_t *s = run_start();
	ev(s, 1.0, "alice", "negotiated", "{s:s,s:s,s:s,s:b}", "mode", "sign", "group", "x25519", "cipher",
	   "chacha20-poly1305", "client_auth", 0);
	ev(s, 1.0, "bob", "signature-sent", "{s:s,s:s}", "scope", "transcript", "signer_key", "2cd41d8c");
	ev(s, 1.05, "mallory", "share-swapped", "{s:s}", "toward", "alice"); /* the attempt */
	ev(s, 1.1, "alice", "error", "{s:s,s:s,s:s,s:i,s:s}", "error", "signature-invalid", "check", "signature",
	   "message", "the signature does not verify over what this side saw", "code", -28, "where",
	   "wait-server-signature");
	ev(s, 1.2, "bob", "alert-received", "{s:s,s:s,s:i}", "error", "signature-invalid", "check", "signature", "code",
	   -28);
	ev(s, 1.2, "bob", "error", "{s:s,s:s,s:s,s:i,s:s,s:s}", "error", "peer-alert", "check", "peer", "message",
	   "the peer aborted and said why", "code", -34, "where", "wait-client-share", "detail",
	   "the peer reported signature-invalid");
	ev(s, 1.21, "bob", "connection-end", "{s:i,s:b,s:s}", "conn", 1, "ok", 0, "error", "peer-alert");
	ev(s, 1.25, "mallory", "session-key", "{s:s,s:s}", "key_id", "99990000", "with", "bob");
	mallory_read(s, 1.3, "alice", "bob", "I read your secrets");
	lab_exit(s, 1.4, "alice", 1, 0, true);
	lab_exit(s, 1.5, "bob", 0, 0, true);
	lab_exit(s, 1.6, "mallory", -1, 15, true);
	return s;
}

/* The relay on unauthenticated DH: two keys, mallory holds both, reads
 * everything, changes one message and claims one read she never saw. */
static json_t *attack_run(void)
{
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "none", "1a2b3c4d");
	handshake(s, 1.0, "bob", "none", "5e6f7a8b");
	ev(s, 1.05, "mallory", "session-key", "{s:s,s:s}", "key_id", "1a2b3c4d", "with", "alice");
	ev(s, 1.06, "mallory", "session-key", "{s:s,s:s}", "key_id", "5e6f7a8b", "with", "bob");
	msg(s, 2.0, "alice", "message-sent", 1, "transfer 100 to carol");
	mallory_read(s, 2.05, "alice", "bob", "transfer 100 to carol");
	ev(s, 2.06, "mallory", "message-changed", "{s:s,s:s,s:s,s:s}", "from", "alice", "to", "bob", "original_hex",
	   "7472616e73666572", "hex", "6d616c6c6f7279");
	msg(s, 2.1, "bob", "message-received", 1, "transfer 100 to mallory");
	msg(s, 2.2, "bob", "message-sent", 1, "ok \xe2\x9c\x94 caf\xc3\xa9");
	mallory_read(s, 2.25, "bob", "alice", "ok \xe2\x9c\x94 caf\xc3\xa9");
	msg(s, 2.3, "alice", "message-received", 1, "ok \xe2\x9c\x94 caf\xc3\xa9");
	mallory_read(s, 2.35, "alice", "bob", "the vault code is 1234");
	ev(s, 2.4, "alice", "done", "{s:i,s:i}", "sent", 1, "received", 1);
	lab_exit(s, 2.5, "alice", 0, 0, true);
	lab_exit(s, 2.6, "bob", 0, 0, true);
	return s;
}

static struct scenario scenario(const char *name, const char *expect, const char *peer, const char *check)
{
	struct scenario sc;
	memset(&sc, 0, sizeof sc);
	sc.path = (char *)"lab-scenarios/test.ini";
	sc.name = (char *)name;
	sc.title = (char *)"A test scenario \xe2\x80\x94 with a dash";
	sc.teaching = (char *)"Watch the key ids.\nWhen they differ, someone is in the middle \xe2\x80\x94 "
			      "that\xe2\x80\x99s the lesson.";
	sc.network = SC_SWITCH;
	sc.expect = (char *)expect;
	sc.expect_peer = (char *)peer;
	sc.expect_check = (char *)check;
	sc.timeout_s = 20;
	sc.alice.present = sc.bob.present = sc.mallory.present = true;
	sc.alice.args[0] = (char *)"--auth";
	sc.alice.args[1] = (char *)"sign";
	sc.alice.n_args = 2;
	return sc;
}

/* The text report in memory (free it). */
static char *render(const struct scenario *sc, const json_t *events, const struct verdict *v, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_text_opts(f, sc, events, v, "/tmp/mitmlab-runs/test-1", flags);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

#define assert_has(text, sub)                                                                                          \
	do {                                                                                                           \
		if (!strstr((text), (sub)))                                                                            \
			fail_msg("report lacks \"%s\":\n%s", (sub), (text));                                           \
	} while (0)

#define assert_lacks(text, sub)                                                                                        \
	do {                                                                                                           \
		if (strstr((text), (sub)))                                                                             \
			fail_msg("report has \"%s\":\n%s", (sub), (text));                                             \
	} while (0)

static void assert_ascii(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p >= 0x80)
			fail_msg("byte 0x%02x at offset %zu in the ASCII report:\n%s", *p,
				 (size_t)(p - (const unsigned char *)text), text);
}

static void assert_no_controls(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control byte 0x%02x in the report", *p);
}

/* ---- text ---- */

static void test_blocked_text(void **state)
{
	(void)state;
	json_t *s = blocked_run();
	struct scenario sc = scenario("05-signed-dh", "blocked", "alice", "signature");
	struct verdict v;
	assert_int_equal(judge_run(s, &v), 0);
	assert_int_equal(v.kind, V_BLOCKED);
	char *t = render(&sc, s, &v, 0);
	assert_has(t, "Scenario 5: 05-signed-dh \xe2\x80\x94 A test scenario");
	assert_has(t, "Expected verdict: blocked by alice (signature check)");
	assert_has(t, "10.0.0.10");
	assert_has(t, "10.0.0.20");
	assert_has(t, "10.0.0.66");
	assert_has(t, "--auth sign");
	assert_has(t, "VERDICT: blocked \xe2\x80\x94 alice's signature check stopped it");
	assert_has(t, "why: alice stopped it: signature check (signature-invalid) after mallory's share-swapped");
	assert_has(t, "\xe2\x9c\x94 matches the scenario's expectation");
	assert_has(t, "\xe2\x9c\x98 the peer's signature failed the signature check (signature-invalid)");
	assert_has(t, "ABORTED");
	assert_has(t, "in wait-server-signature");
	assert_has(t, "the peer aborted: signature-invalid");
	assert_has(t, "keys        alice key (none)  bob key (none)");
	assert_has(t, "claimed but never sent \xe2\x80\x94 ignored");
	assert_has(t, "nobody's key (claim ignored)");
	assert_has(t, "7 frames, 1 handshake message");
	assert_has(t, "Watch the key ids.\n  When they differ");
	assert_has(t, "Run directory: /tmp/mitmlab-runs/test-1");
	assert_no_controls(t);
	free(t);

	/* The same run against another expectation says it does not match. */
	struct scenario other = scenario("05-signed-dh", "blocked", "bob", "signature");
	assert_false(report_matches(&other, &v));
	t = render(&other, s, &v, 0);
	assert_has(t, "does NOT match the scenario's expectation (blocked by bob, signature check)");
	free(t);
	json_decref(s);
}

static void test_attack_text(void **state)
{
	(void)state;
	json_t *s = attack_run();
	struct scenario sc = scenario("03-dh-mitm", "attack-succeeded", NULL, NULL);
	struct verdict v;
	assert_int_equal(judge_run(s, &v), 0);
	assert_int_equal(v.kind, V_ATTACK_SUCCEEDED);
	assert_int_equal(v.read_genuine, 2);
	assert_int_equal(v.read_bogus, 1);
	char *t = render(&sc, s, &v, 0);
	assert_has(t, "VERDICT: attack-succeeded \xe2\x80\x94 mallory read every message");
	assert_has(
	    t, "keys        alice key 1a2b3c4d  bob key 5e6f7a8b  \xe2\x80\x94 different keys, and mallory holds both");
	assert_has(t, "session key 1a2b3c4d");
	/* the lab's view, not bob's own section, says the message was altered */
	assert_has(t, "bob's #1 \"transfer 100 to mallory\"  \xe2\x9c\x98 ALTERED: the other side never sent this");
	assert_has(t, "\"ok \xe2\x9c\x94 caf\xc3\xa9\"  \xe2\x9c\x94 intact");
	assert_lacks(t, "received    #1 \"transfer 100 to mallory\"  \xe2\x9c\x98");
	assert_has(t, "\"the vault code is 1234\"  \xe2\x9c\x98 claimed but never sent \xe2\x80\x94 ignored");
	assert_has(t, "\"transfer 100 to carol\"  \xe2\x9c\x94 genuine");
	assert_has(t, "1a2b3c4d with alice \xe2\x80\x94 alice's key");
	assert_has(t, "mode none: nobody proves who they are");
	assert_has(t, "\xe2\x9c\x94 matches the scenario's expectation (attack-succeeded)");
	assert_has(t, "changed");
	assert_no_controls(t);
	free(t);
	json_decref(s);
}

/* The parameter lessons: what alice received (g named as p-1 when it is),
 * whether she checked it, the sentinel, and each of mallory's moves. */
static void test_parameter_lessons_text(void **state)
{
	(void)state;
	json_t *s = attack_run();
	ev(s, 0.9, "alice", "params-received", "{s:i,s:s,s:s,s:b}", "bits", 48, "p", "D1E596348893", "g",
	   "D1E596348892", "checked", 0);
	ev(s, 0.91, "bob", "sentinel-set", "{s:s}", "group", "lab-48");
	ev(s, 0.92, "mallory", "offer-explicit", "{s:s}", "toward", "bob");
	ev(s, 0.93, "mallory", "generator-replaced", "{s:s,s:s,s:s,s:i}", "toward", "alice", "g", "p-1", "original",
	   "04", "bits", 48);
	ev(s, 0.94, "mallory", "secret-guessed", "{s:s,s:i,s:s}", "with", "alice", "candidates", 2, "secret", "p-1");
	ev(s, 0.95, "mallory", "dlog-solved", "{s:s,s:i,s:f}", "group", "lab-48", "steps", 1000, "ms", 140.4);
	struct scenario sc = scenario("21-x", "attack-succeeded", NULL, NULL);
	struct verdict v;
	assert_int_equal(judge_run(s, &v), 0);
	char *t = render(&sc, s, &v, 0);
	assert_has(t, "48-bit p from the peer, g = p-1 \xe2\x80\x94 NOT CHECKED");
	assert_has(t, "downgrade sentinel (a digest of the offer received) in the nonce");
	assert_has(t, "move        offer: explicit first");
	assert_has(t, "move        g \xe2\x86\x92 p-1 toward alice");
	assert_has(t, "move        alice's secret = p-1");
	assert_has(t, "move        dlog solved lab-48 (140.4 ms)");
	free(t);
	/* g = 1 and a checked ordinary g. */
	json_t *e = json_array_get(s, 0);
	for (size_t i = 0; i < json_array_size(s); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(s, i), "event")), "params-received") == 0)
			e = json_array_get(s, i);
	json_object_set_new(e, "g", json_string("01"));
	t = render(&sc, s, &v, 0);
	assert_has(t, "g = 1 \xe2\x80\x94 NOT CHECKED");
	free(t);
	json_object_set_new(e, "g", json_string("04"));
	json_object_set_new(e, "checked", json_true());
	t = render(&sc, s, &v, 0);
	assert_has(t, "g = 04 \xe2\x80\x94 checked");
	free(t);
	json_decref(s);
}

static void test_confidential_key_picture(void **state)
{
	(void)state;
	json_t *s = run_start();
	handshake(s, 1.0, "alice", "sign", "9869d3e1");
	handshake(s, 1.0, "bob", "sign", "9869d3e1");
	ev(s, 1.005, "alice", "signature-verified", "{s:s,s:s}", "scope", "transcript", "signer_key", "2cd41d8c");
	msg(s, 2.0, "alice", "message-sent", 1, "hello");
	msg(s, 2.1, "bob", "message-received", 1, "hello");
	ev(s, 2.4, "alice", "done", "{s:i,s:i}", "sent", 1, "received", 0);
	struct verdict v;
	assert_int_equal(judge_run(s, &v), 0);
	assert_int_equal(v.kind, V_CONFIDENTIAL);
	char *t = render(NULL, s, NULL, 0); /* no scenario, no verdict given */
	assert_has(t, "keys        alice key 9869d3e1  bob key 9869d3e1  \xe2\x80\x94 same key: nobody in the middle");
	assert_has(t, "VERDICT: confidential");
	assert_has(t, "\xe2\x9c\x94 the peer's signature verified with the pinned key 2cd41d8c over the transcript");
	assert_has(t, "0 records she could not read");
	assert_lacks(t, "Run directory: (null)");
	free(t);
	json_decref(s);
}

/* ---- ASCII and hostile strings ---- */

static void test_ascii_mode(void **state)
{
	(void)state;
	json_t *s = attack_run();
	/* Hostile bytes from mallory and a NUL inside a text. */
	mallory_read(s, 2.5, "alice\x1b[31m", "bob\xc2\x9b", "\x1b]0;pwned\x07 \xe2\x80\xae reversed \\ back");
	json_t *e = json_pack("{s:f,s:s,s:s,s:i,s:i,s:s}", "t", 2.6, "actor", "alice", "event", "message-received", "n",
			      2, "len", 3, "hex", "610062");
	json_object_set_new(e, "text", json_stringn("a\0b", 3));
	json_array_append_new(s, e);
	struct scenario sc = scenario("03-dh-mitm", "attack-succeeded", NULL, NULL);
	struct verdict v;
	assert_int_equal(judge_run(s, &v), 0);

	char *t = render(&sc, s, &v, REPORT_ASCII);
	assert_ascii(t);
	assert_no_controls(t);
	assert_has(t, "VERDICT: attack-succeeded -- mallory read every message");
	assert_has(t, "ALTERED: the other side never sent this");
	assert_has(t, "[X] claimed but never sent -- ignored");
	assert_has(t, "[ok] intact");
	assert_has(t, "caf\\xc3\\xa9");
	assert_has(t, "\\x1b]0;pwned\\x07");
	assert_has(t, "\"a\\x00b\"");
	assert_has(t, "back");
	free(t);

	/* In UTF-8 the glyphs stay, but control bytes and the bidi override do not. */
	t = render(&sc, s, &v, 0);
	assert_no_controls(t);
	assert_lacks(t, "\xe2\x80\xae");
	assert_lacks(t, "\xc2\x9b");
	assert_has(t, "\\xe2\\x80\\xae reversed \\x5c back");
	free(t);
	json_decref(s);
}

static void test_ascii_wrapper_and_long_messages(void **state)
{
	(void)state;
	json_t *s = attack_run();
	char big[900];
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	msg(s, 2.7, "alice", "message-received", 2, big);
	for (int i = 0; i < 100; i++)
		mallory_read(s, 3.0, "alice", "bob", "spam");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	report_text_ascii(f, NULL, s, NULL, NULL);
	fclose(f);
	assert_ascii(buf);
	assert_has(buf, "AAAA...");
	assert_has(buf, "and 64 more");
	assert_lacks(buf, "Run directory");
	/* No line runs away with the message. */
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		assert_true(l < 400);
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	json_decref(s);
}

/* Broken streams give a report, not a crash. */
static void test_broken_streams(void **state)
{
	(void)state;
	struct scenario sc = scenario("01-baseline", "confidential", NULL, NULL);
	json_t *empty = json_array();
	json_t *obj = json_object();
	json_t *junk = json_array();
	json_array_append_new(junk, json_integer(1));
	json_array_append_new(junk, json_pack("{s:s,s:s,s:i}", "actor", "mallory", "event", "message-read", "hex", 1));
	json_array_append_new(junk, json_pack("{s:s,s:s,s:i}", "actor", "lab", "event", "exit", "program", 2));
	json_array_append_new(junk, json_pack("{s:s,s:s,s:[]}", "actor", "alice", "event", "negotiated", "mode"));
	json_array_append_new(junk, json_pack("{s:s,s:s,s:s}", "actor", "alice", "event", "error", "where", "x"));
	json_array_append_new(junk, json_pack("{s:s,s:s,s:s}", "actor", "lab", "event", "timeout", "limit_s", "x"));
	json_t *streams[] = {empty, obj, junk, NULL};
	for (size_t i = 0; i < N_OF(streams); i++) {
		struct verdict v;
		judge_run(streams[i], &v);
		char *t = render(&sc, streams[i], &v, 0);
		assert_has(t, "VERDICT: error");
		assert_has(t, "does NOT match");
		free(t);
		t = render(&sc, streams[i], NULL, REPORT_ASCII);
		assert_ascii(t);
		free(t);
		json_t *j = report_json(&sc, streams[i], &v, NULL);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(json_object_get(j, "verdict"), "kind")), "error");
		json_decref(j);
	}
	report_text(NULL, &sc, empty, NULL, NULL); /* no stream to write to: nothing happens */
	json_decref(empty);
	json_decref(obj);
	json_decref(junk);
}

/* ---- JSON ---- */

static void test_json_round_trip(void **state)
{
	(void)state;
	json_t *runs[] = {blocked_run(), attack_run()};
	for (size_t i = 0; i < N_OF(runs); i++) {
		struct scenario sc = scenario("03-dh-mitm", i == 0 ? "blocked" : "attack-succeeded", NULL, NULL);
		struct verdict v;
		assert_int_equal(judge_run(runs[i], &v), 0);
		json_t *j = report_json(&sc, runs[i], &v, "/tmp/run");
		assert_non_null(j);
		char *txt = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		assert_non_null(txt);
		json_error_t err;
		json_t *back = json_loads(txt, 0, &err);
		assert_non_null(back);
		assert_true(json_equal(j, back));

		enum verdict_kind k;
		const char *kind = json_string_value(json_object_get(json_object_get(back, "verdict"), "kind"));
		assert_int_equal(verdict_from_name(kind, &k), 0);
		assert_int_equal(k, v.kind);
		assert_true(json_is_true(json_object_get(back, "matches")));
		assert_string_equal(json_string_value(json_object_get(back, "run_dir")), "/tmp/run");
		assert_int_equal(json_integer_value(json_object_get(json_object_get(back, "scenario"), "number")), 3);
		assert_string_equal(json_string_value(json_object_get(json_object_get(back, "verdict"), "reason")),
				    v.reason);
		free(txt);
		json_decref(back);
		json_decref(j);
	}

	/* The attack's details as data. */
	struct verdict v;
	assert_int_equal(judge_run(runs[1], &v), 0);
	json_t *j = report_json(NULL, runs[1], &v, NULL);
	json_t *bob_msgs = json_object_get(json_object_get(json_object_get(j, "parties"), "bob"), "messages");
	assert_int_equal(json_array_size(bob_msgs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(bob_msgs, 0), "status")), "altered");
	assert_string_equal(json_string_value(json_object_get(json_array_get(bob_msgs, 0), "text")),
			    "transfer 100 to mallory");
	json_t *reads = json_object_get(json_object_get(j, "mallory"), "reads");
	assert_int_equal(json_array_size(reads), 3);
	assert_true(json_is_true(json_object_get(json_array_get(reads, 0), "genuine")));
	assert_true(json_is_false(json_object_get(json_array_get(reads, 2), "genuine")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(reads, 2), "status")), "ignored");
	json_t *keys = json_object_get(j, "keys");
	assert_true(json_is_true(json_object_get(keys, "mallory_holds_alice")));
	assert_true(json_is_true(json_object_get(keys, "mallory_holds_bob")));
	assert_true(json_is_false(json_object_get(keys, "same")));
	assert_null(json_object_get(j, "scenario"));
	assert_null(json_object_get(j, "matches"));
	json_decref(j);
	for (size_t i = 0; i < N_OF(runs); i++)
		json_decref(runs[i]);
}

static void test_headline_and_matches(void **state)
{
	(void)state;
	struct verdict v;
	char line[128];
	memset(&v, 0, sizeof v);
	v.kind = V_ATTACK_SUCCEEDED;
	v.alice.sent = 3;
	v.bob.sent = 1;
	v.read_genuine = 2;
	report_headline(&v, line, sizeof line);
	assert_string_equal(line, "mallory read 2 of 4 messages");
	v.read_genuine = 0;
	v.bob.received_altered = 1;
	report_headline(&v, line, sizeof line);
	assert_string_equal(line, "mallory changed messages and bob accepted them");
	v.kind = V_BLOCKED;
	snprintf(v.peer, sizeof v.peer, "bob");
	snprintf(v.check, sizeof v.check, "pinned-key");
	report_headline(&v, line, sizeof line);
	assert_string_equal(line, "bob's pinned-key check stopped it");
	report_headline(NULL, line, sizeof line);
	assert_string_equal(line, "no verdict");

	struct scenario sc = scenario("x", "blocked", "bob", NULL);
	assert_true(report_matches(&sc, &v));
	sc.expect_check = (char *)"pinned-key";
	assert_true(report_matches(&sc, &v));
	sc.expect_check = (char *)"signature";
	assert_false(report_matches(&sc, &v));
	sc.expect = NULL;
	assert_false(report_matches(&sc, &v));
	sc.expect = (char *)"not-a-verdict";
	assert_false(report_matches(&sc, &v));
	assert_false(report_matches(NULL, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_blocked_text),
	    cmocka_unit_test(test_attack_text),
	    cmocka_unit_test(test_parameter_lessons_text),
	    cmocka_unit_test(test_confidential_key_picture),
	    cmocka_unit_test(test_ascii_mode),
	    cmocka_unit_test(test_ascii_wrapper_and_long_messages),
	    cmocka_unit_test(test_broken_streams),
	    cmocka_unit_test(test_json_round_trip),
	    cmocka_unit_test(test_headline_and_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
