/* Unit tests for ui/viewmodel: the dashboard's picture of a run after its
 * first k events, without a terminal.
 *
 * A single-translation-unit test: the Makefile links tests against the
 * libraries (liblab, libmlab, ...) but not against the ui/ sources, so
 * viewmodel.c is compiled right here by including it.
 *
 * Two recorded runs (tests/vectors/runs/06-dh-mitm and 08-signed-dh-mitm:
 * events.jsonl and the scenario file, as `mitmlab run` left them) are loaded
 * from $MLAB_SRC (or "."); everything else is built here with ev()/msg(). */
#include "../../ui/viewmodel.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev_stream.h"
#include "test_util.h"

/* ---- helpers ---- */

static struct vm *new_vm(void)
{
	struct vm *m = malloc(sizeof *m);
	assert_non_null(m);
	return m;
}

static const char *src_dir(void)
{
	const char *s = getenv("MLAB_SRC");
	return s && s[0] ? s : ".";
}

static json_t *load_vector(const char *run)
{
	char dir[1024], err[256];
	snprintf(dir, sizeof dir, "%s/tests/vectors/runs/%s", src_dir(), run);
	json_t *ev = vm_load_run(dir, err, sizeof err);
	if (!ev)
		fail_msg("cannot load %s: %s", dir, err);
	return ev;
}

static void load_scenario(const char *run, struct scenario *sc)
{
	char path[1024], err[512];
	snprintf(path, sizeof path, "%s/tests/vectors/runs/%s/%s.ini", src_dir(), run, run);
	if (scenario_load(path, "lab-scenarios", sc, err, sizeof err) != 0)
		fail_msg("cannot load %s: %s", path, err);
}

/* Index of the nth (from 0) event of actor with this name; fails if none. */
static size_t find_ev(const json_t *s, const char *actor, const char *name, int nth)
{
	for (size_t i = 0; i < json_array_size(s); i++) {
		const json_t *e = json_array_get(s, i);
		if (streq(json_string_value(json_object_get(e, "actor")), actor) &&
		    streq(json_string_value(json_object_get(e, "event")), name) && nth-- == 0)
			return i;
	}
	fail_msg("no event %s %s", actor, name);
	return 0;
}

/* A line of the lab's view whose text contains needle (NULL if none). */
static const struct vm_truth *truth_with(const struct vm *m, const char *needle)
{
	for (size_t i = 0; i < m->n_truth; i++)
		if (strstr(m->truth[i].text, needle))
			return &m->truth[i];
	return NULL;
}

struct want {
	const char *text;
	enum vm_mark mark;
};

/* The column holds exactly these steps, in order. */
static void assert_steps(const struct vm_column *c, const struct want *w, size_t n)
{
	if (c->n_steps != n) {
		for (size_t i = 0; i < c->n_steps; i++)
			print_message("  %s step %zu: [%d] %s\n", c->name, i, c->steps[i].mark, c->steps[i].text);
		fail_msg("%s has %zu steps, expected %zu", c->name, c->n_steps, n);
	}
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(c->steps[i].text, w[i].text);
		assert_int_equal(c->steps[i].mark, w[i].mark);
	}
}

/* A step of the column whose text contains needle (NULL if none). */
static const struct vm_step *step_with(const struct vm_column *c, const char *needle)
{
	for (size_t i = 0; i < c->n_steps; i++)
		if (strstr(c->steps[i].text, needle))
			return &c->steps[i];
	return NULL;
}

/* Printable ASCII, plus only the five characters the ASCII fallback maps
 * (and, where middot is true, the key line's separator). */
static bool mappable_ex(const char *s, size_t room, bool middot)
{
	static const char *const ok[] = {U_CHECK, U_CROSS, U_ARROW, U_ELLIPSIS, U_DASH};
	size_t len = strnlen(s, room);
	if (len >= room)
		return false; /* not terminated */
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		if (middot && strncmp(s + i, U_MIDDOT, 2) == 0) {
			i += 2;
			continue;
		}
		size_t k = 0;
		for (; k < N_OF(ok); k++)
			if (strncmp(s + i, ok[k], 3) == 0)
				break;
		if (k == N_OF(ok))
			return false;
		i += 3;
	}
	return true;
}

static bool mappable(const char *s, size_t room)
{
	return mappable_ex(s, room, false);
}

static void assert_model_sane(const struct vm *m)
{
	for (int c = 0; c < VM_COLS; c++) {
		const struct vm_column *col = &m->col[c];
		assert_true(col->n_steps <= VM_MAX_STEPS);
		assert_true(mappable(col->name, sizeof col->name));
		assert_true(mappable(col->key_id, sizeof col->key_id));
		assert_true(mappable(col->key_id2, sizeof col->key_id2));
		assert_true(mappable(col->error, sizeof col->error));
		assert_true(mappable(col->check, sizeof col->check));
		for (size_t i = 0; i < col->n_steps; i++) {
			assert_true(mappable(col->steps[i].text, sizeof col->steps[i].text));
			assert_true(col->steps[i].event < m->cursor);
		}
	}
	assert_true(m->n_timeline <= VM_TIMELINE);
	for (size_t i = 0; i < m->n_timeline; i++) {
		assert_true(mappable(m->timeline[i].text, sizeof m->timeline[i].text));
		assert_true(mappable(m->timeline[i].actor, sizeof m->timeline[i].actor));
		assert_true(m->timeline[i].event < m->cursor);
		if (i)
			assert_true(m->timeline[i].event > m->timeline[i - 1].event);
	}
	for (int i = 0; i < 2; i++) {
		assert_true(mappable(m->neigh[i].host, sizeof m->neigh[i].host));
		assert_true(mappable(m->neigh[i].mac, sizeof m->neigh[i].mac));
		assert_true(mappable(m->neigh[i].phase, sizeof m->neigh[i].phase));
	}
	assert_true(mappable(m->name, sizeof m->name));
	assert_true(mappable(m->verdict_line, sizeof m->verdict_line));
	assert_true(mappable_ex(m->key_line, sizeof m->key_line, true));
	assert_true(m->cursor <= m->n_events);
	assert_int_equal(m->finished, m->cursor == m->n_events);
}

/* ---- the recorded run of scenario 06: mallory in the middle ---- */

static void test_06_scenario_and_columns(void **state)
{
	(void)state;
	json_t *s = load_vector("06-dh-mitm");
	struct scenario sc;
	struct vm *m = new_vm();
	load_scenario("06-dh-mitm", &sc);
	assert_int_equal(json_array_size(s), 69);

	vm_build(m, &sc, s, 0);
	assert_int_equal(m->number, 6);
	assert_string_equal(m->name, "06-dh-mitm");
	assert_string_equal(m->network, "switch");
	assert_string_equal(m->expect, "attack-succeeded");
	assert_non_null(strstr(m->title, "mallory in the middle"));
	assert_non_null(strstr(m->teaching, "relay attack"));
	assert_int_equal(m->n_events, 69);
	assert_int_equal(m->cursor, 0);
	assert_false(m->finished);
	assert_string_equal(m->verdict, "");
	/* cursor 0: the cast is there, nothing has happened yet */
	for (int c = 0; c < VM_COLS; c++) {
		assert_true(m->col[c].present); /* mallory too: she appears later in the stream */
		assert_int_equal(m->col[c].n_steps, 0);
	}
	assert_int_equal(m->n_timeline, 0);
	assert_false(m->neigh[0].known);
	assert_string_equal(m->col[VM_ALICE].name, "alice");
	assert_string_equal(m->col[VM_ALICE].ip, "10.0.0.10");
	assert_string_equal(m->col[VM_ALICE].mac, "02:00:00:00:00:0a");
	assert_string_equal(m->col[VM_BOB].ip, "10.0.0.20");
	assert_string_equal(m->col[VM_BOB].mac, "02:00:00:00:00:0b");
	assert_string_equal(m->col[VM_MALLORY].name, "mallory");
	assert_string_equal(m->col[VM_MALLORY].ip, "10.0.0.66");
	assert_string_equal(m->col[VM_MALLORY].mac, "02:00:00:00:00:66");

	/* the same without the scenario: names from the run-start event */
	vm_build(m, NULL, s, 3);
	assert_string_equal(m->name, "06-dh-mitm");
	assert_int_equal(m->number, 6);
	assert_string_equal(m->network, "switch");
	assert_string_equal(m->title, "");

	free(m);
	scenario_free(&sc);
	json_decref(s);
}

static void test_06_steps_at_alice_session_key(void **state)
{
	(void)state;
	json_t *s = load_vector("06-dh-mitm");
	struct vm *m = new_vm();
	size_t ka = find_ev(s, "alice", "session-key", 0);

	vm_build(m, NULL, s, ka + 1);
	assert_model_sane(m);
	const struct want alice[] = {
	    {"started on 10.0.0.10", VM_MARK_NONE},
	    {"connected to 10.0.0.20:4433", VM_MARK_NONE},
	    {"offer none / x25519,ffdhe2048,ffdhe3072", VM_MARK_NONE},
	    {"negotiated none x25519 chacha20", VM_MARK_WARN},
	    {"share received 34c8f16b" U_ELLIPSIS, VM_MARK_NONE}, /* she cannot tell whose it is */
	    {"share sent bf982b24" U_ELLIPSIS, VM_MARK_NONE},
	    {"session key 7304dd76", VM_MARK_NONE},
	};
	const struct want mallory[] = {
	    {"started on 10.0.0.66", VM_MARK_NONE},
	    {"found alice at 02:00:00:00:00:0a", VM_MARK_NONE},
	    {"found bob at 02:00:00:00:00:0b", VM_MARK_NONE},
	    {"poisoning alice+bob", VM_MARK_WARN},
	    {"relaying alice" U_ARROW "bob (confirmed)", VM_MARK_NONE},
	    {"relaying bob" U_ARROW "alice (confirmed)", VM_MARK_NONE},
	    {"share swapped " U_ARROW " alice", VM_MARK_WARN},
	};
	const struct want bob[] = {
	    {"started on 10.0.0.20", VM_MARK_NONE},
	    {"listening on 10.0.0.20:4433", VM_MARK_NONE},
	    {"accepted 10.0.0.10:49872", VM_MARK_NONE},
	    {"offered none / x25519,ffdhe2048,ffdhe3072", VM_MARK_NONE},
	    {"negotiated none x25519 chacha20", VM_MARK_WARN},
	    {"share sent 01c69c58" U_ELLIPSIS, VM_MARK_NONE},
	};
	assert_steps(&m->col[VM_ALICE], alice, N_OF(alice));
	assert_steps(&m->col[VM_MALLORY], mallory, N_OF(mallory));
	assert_steps(&m->col[VM_BOB], bob, N_OF(bob));
	/* the lab knows what alice cannot: the share is mallory's */
	assert_non_null(truth_with(m, "the share alice received is mallory's"));
	assert_int_equal(truth_with(m, "the share alice received is mallory's")->mark, VM_MARK_WARN);
	assert_string_equal(m->col[VM_ALICE].key_id, "7304dd76");
	assert_string_equal(m->col[VM_BOB].key_id, "");
	/* in this recording mallory reports her keys just after alice's */
	assert_string_equal(m->col[VM_MALLORY].key_id, "");
	assert_int_equal(m->col[VM_ALICE].steps[6].event, ka);

	/* mallory's key with alice, then with bob */
	size_t kma = find_ev(s, "mallory", "session-key", 0), kmb = find_ev(s, "mallory", "session-key", 1);
	assert_true(kma > ka);
	vm_build(m, NULL, s, kma + 1);
	assert_string_equal(m->col[VM_ALICE].key_id, "7304dd76");
	assert_string_equal(m->col[VM_MALLORY].key_id, "7304dd76");
	assert_string_equal(m->col[VM_MALLORY].key_id2, "");
	assert_string_equal(m->col[VM_MALLORY].steps[m->col[VM_MALLORY].n_steps - 1].text, "key with alice 7304dd76");
	vm_build(m, NULL, s, kmb + 1);
	assert_string_equal(m->col[VM_MALLORY].key_id, "7304dd76");
	assert_string_equal(m->col[VM_MALLORY].key_id2, "2b9f4a49");
	assert_string_equal(m->col[VM_BOB].key_id, ""); /* bob's own comes later */
	assert_false(m->finished);
	assert_string_equal(m->key_line, "");

	free(m);
	json_decref(s);
}

static void test_06_final(void **state)
{
	(void)state;
	json_t *s = load_vector("06-dh-mitm");
	struct scenario sc;
	struct vm *m = new_vm();
	load_scenario("06-dh-mitm", &sc);

	vm_build(m, &sc, s, 1000); /* clamped */
	assert_model_sane(m);
	assert_int_equal(m->cursor, 69);
	assert_true(m->finished);
	assert_string_equal(m->verdict, "attack-succeeded");
	assert_string_equal(m->verdict_line, "attack-succeeded " U_DASH " mallory read every message");
	assert_true(m->matches);
	assert_string_equal(m->peer, "");

	const struct vm_column *a = &m->col[VM_ALICE], *b = &m->col[VM_BOB], *ml = &m->col[VM_MALLORY];
	assert_string_equal(a->key_id, "7304dd76");
	assert_string_equal(b->key_id, "2b9f4a49");
	assert_string_not_equal(a->key_id, b->key_id);
	assert_string_equal(ml->key_id, a->key_id);
	assert_string_equal(ml->key_id2, b->key_id);
	assert_string_equal(m->key_line,
			    "alice 7304dd76 " U_MIDDOT " mallory 7304dd76 / 2b9f4a49 " U_MIDDOT " bob 2b9f4a49 " U_DASH
			    " different keys " U_DASH " mallory holds both: relay");
	assert_false(a->aborted);
	assert_false(b->aborted);

	/* mallory reads every message, each a WARN */
	const struct vm_step *rd = step_with(ml, "read alice" U_ARROW "bob \"hello bob\"");
	assert_non_null(rd);
	assert_int_equal(rd->mark, VM_MARK_WARN);
	assert_non_null(step_with(ml, "read bob" U_ARROW "alice \"bob got: hello bob\""));
	assert_non_null(step_with(ml, "restored ARP"));
	assert_non_null(step_with(ml, "share swapped " U_ARROW " bob"));
	/* every message arrived intact: nothing ALTERED */
	for (size_t i = 0; i < b->n_steps; i++)
		assert_int_not_equal(b->steps[i].mark, VM_MARK_FAIL);
	const struct vm_step *got = step_with(b, "received #1 \"hello bob\"");
	assert_non_null(got);
	assert_int_equal(got->mark, VM_MARK_NONE);
	const struct vm_step *fin = step_with(a, "Finished " U_CHECK);
	assert_non_null(fin);
	assert_int_equal(fin->mark, VM_MARK_OK);

	/* the neighbour tables: poisoned with mallory's MAC while she ran, the
	 * latest check (after-stop) shows them restored */
	for (int i = 0; i < 2; i++) {
		const struct vm_neigh *nb = &m->neigh[i];
		assert_true(nb->known);
		assert_string_equal(nb->host, i == 0 ? "alice" : "bob");
		assert_string_equal(nb->ip, i == 0 ? "10.0.0.20" : "10.0.0.10");
		assert_string_equal(nb->phase, "after-stop");
		assert_false(nb->poisoned);
		assert_string_equal(nb->mac, i == 0 ? "02:00:00:00:00:0b" : "02:00:00:00:00:0a");
		assert_true(nb->was_poisoned);
		assert_string_equal(nb->poisoned_mac, ml->mac);
	}
	size_t end_bob = find_ev(s, "lab", "neighbour", 3); /* the "end" phase, bob's table */
	vm_build(m, &sc, s, end_bob + 1);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(m->neigh[i].phase, "end");
		assert_true(m->neigh[i].poisoned);
		assert_string_equal(m->neigh[i].mac, "02:00:00:00:00:66");
	}

	/* the time line: one line per event, t from the first event */
	vm_build(m, &sc, s, 4);
	assert_int_equal(m->n_timeline, 4);
	assert_string_equal(m->timeline[3].actor, "bob");
	assert_string_equal(m->timeline[3].text, "listening on 10.0.0.20:4433");
	assert_true(m->timeline[3].t > 0.025 && m->timeline[3].t < 0.027);
	assert_true(m->timeline[0].t == 0.0);
	assert_int_equal(m->timeline[3].event, 3);

	free(m);
	scenario_free(&sc);
	json_decref(s);
}

/* Moving the cursor from 0 to the end only ever adds. */
static void test_06_playback_monotonic(void **state)
{
	(void)state;
	json_t *s = load_vector("06-dh-mitm");
	struct vm *m = new_vm(), *prev = new_vm();
	size_t n = json_array_size(s);

	vm_build(prev, NULL, s, 0);
	for (size_t k = 1; k <= n; k++) {
		vm_build(m, NULL, s, k);
		assert_model_sane(m);
		assert_int_equal(m->cursor, k);
		assert_int_equal(m->n_timeline, k < VM_TIMELINE ? k : VM_TIMELINE);
		assert_true(m->n_timeline > prev->n_timeline);
		assert_true(m->col[VM_MALLORY].present);
		for (int c = 0; c < VM_COLS; c++) {
			/* what was there stays, in order */
			assert_true(m->col[c].n_steps >= prev->col[c].n_steps);
			for (size_t i = 0; i < prev->col[c].n_steps; i++) {
				assert_string_equal(m->col[c].steps[i].text, prev->col[c].steps[i].text);
				assert_int_equal(m->col[c].steps[i].event, prev->col[c].steps[i].event);
			}
			if (prev->col[c].key_id[0])
				assert_string_equal(m->col[c].key_id, prev->col[c].key_id);
		}
		for (size_t i = 0; i < prev->n_timeline; i++)
			assert_string_equal(m->timeline[i].text, prev->timeline[i].text);
		assert_int_equal(m->finished, k == n);
		if (k < n)
			assert_string_equal(m->verdict, "");
		struct vm *t = prev;
		prev = m;
		m = t;
	}
	free(m);
	free(prev);
	json_decref(s);
}

/* ---- the recorded run of scenario 08: the signature check stops her ---- */

static void test_08_blocked(void **state)
{
	(void)state;
	json_t *s = load_vector("08-signed-dh-mitm");
	struct scenario sc;
	struct vm *m = new_vm();
	load_scenario("08-signed-dh-mitm", &sc);
	assert_int_equal(json_array_size(s), 42);

	vm_build(m, &sc, s, json_array_size(s));
	assert_model_sane(m);
	assert_int_equal(m->number, 8);
	assert_string_equal(m->expect, "blocked by alice (signature check)");
	assert_true(m->finished);
	assert_string_equal(m->verdict, "blocked");
	assert_string_equal(m->verdict_line, "blocked " U_DASH " alice's signature check stopped it");
	assert_string_equal(m->peer, "alice");
	assert_string_equal(m->check, "signature");
	assert_true(m->matches);

	const struct vm_column *a = &m->col[VM_ALICE], *b = &m->col[VM_BOB], *ml = &m->col[VM_MALLORY];
	assert_true(a->aborted);
	assert_string_equal(a->error, "signature-invalid");
	assert_string_equal(a->check, "signature");
	assert_true(b->aborted);
	assert_string_equal(b->error, "peer-alert");
	assert_string_equal(b->check, "peer");
	assert_false(ml->aborted);
	/* alice's last steps: the failed signature check (then her exit) */
	assert_true(a->n_steps >= 2);
	bool found = false;
	for (size_t i = a->n_steps - 2; i < a->n_steps; i++)
		if (a->steps[i].mark == VM_MARK_FAIL && strstr(a->steps[i].text, "signature"))
			found = true;
	assert_true(found);
	assert_non_null(step_with(a, "signature " U_CROSS " (signature-invalid)"));
	assert_int_equal(step_with(a, "share received 407748f5")->mark, VM_MARK_NONE);
	assert_non_null(truth_with(m, "the share alice received is mallory's"));
	assert_int_equal(step_with(b, "peer aborted (signature-invalid)")->mark, VM_MARK_FAIL);
	assert_non_null(step_with(ml, "signature forwarded " U_ARROW " alice"));
	assert_string_equal(a->key_id, "");
	assert_string_equal(b->key_id, "");
	assert_string_equal(ml->key_id, "");
	assert_non_null(strstr(m->key_line, "no session key"));

	/* before alice's error she has not aborted */
	size_t ke = find_ev(s, "alice", "error", 0);
	vm_build(m, &sc, s, ke);
	assert_false(m->col[VM_ALICE].aborted);
	assert_null(step_with(&m->col[VM_ALICE], U_CROSS));
	vm_build(m, &sc, s, ke + 1);
	assert_true(m->col[VM_ALICE].aborted);
	assert_string_equal(m->col[VM_ALICE].steps[m->col[VM_ALICE].n_steps - 1].text,
			    "signature " U_CROSS " (signature-invalid)");

	/* without the scenario: no expectation to match */
	vm_build(m, NULL, s, json_array_size(s));
	assert_string_equal(m->name, "08-signed-dh-mitm");
	assert_string_equal(m->verdict, "blocked");
	assert_false(m->matches);

	free(m);
	scenario_free(&sc);
	json_decref(s);
}

/* ---- details of one event ---- */

static void test_event_detail(void **state)
{
	(void)state;
	json_t *s = load_vector("06-dh-mitm");
	char buf[4096];
	size_t kr = find_ev(s, "mallory", "message-read", 0);

	vm_event_detail(s, kr, buf, sizeof buf);
	assert_non_null(strstr(buf, "mallory"));
	assert_non_null(strstr(buf, "message-read"));
	assert_non_null(strstr(buf, "from: \"alice\""));
	assert_non_null(strstr(buf, "seq: 0"));
	assert_non_null(strstr(buf, "hex: 68656c6c6f20626f62 (9 bytes)"));
	assert_non_null(strstr(buf, "= \"hello bob\""));

	/* a share is not text: a hex dump, 16 bytes a row */
	size_t ks = find_ev(s, "mallory", "share-swapped", 0);
	vm_event_detail(s, ks, buf, sizeof buf);
	assert_non_null(strstr(buf, "share: 34c8f16b"));
	assert_non_null(
	    strstr(buf, "    0000  34 c8 f1 6b be ee 7d e3  6b b1 1b 5f df c9 1b 3c  |4..k..}.k.._...<|\n"));
	assert_non_null(strstr(buf, "    0010  c4 a3 10 92"));
	assert_non_null(strstr(buf, "replaced: 01c69c58"));
	assert_non_null(strstr(buf, "toward: \"alice\""));

	/* cut to what fits, always terminated */
	for (size_t n = 0; n < 80; n++) {
		char small[80];
		memset(small, 'X', sizeof small);
		vm_event_detail(s, ks, small, n);
		if (n == 0) {
			assert_int_equal(small[0], 'X');
			continue;
		}
		assert_true(strnlen(small, n) < n);
	}
	vm_event_detail(s, 999, buf, sizeof buf);
	assert_string_equal(buf, "no event #999");
	vm_event_detail(NULL, 0, buf, sizeof buf);
	assert_string_equal(buf, "no event #0");
	json_decref(s);
}

/* ---- streams built by hand ---- */

static json_t *hand_stream(void)
{
	json_t *s = json_array();
	char hex_new[128];
	assert_non_null(s);
	ev(s, 100.0, "lab", "run-start", "{s:s,s:s}", "scenario", "42-custom", "network", "hub");
	ev(s, 100.012, "bob", "listening", "{s:s,s:i}", "addr", "10.0.0.20:4433", "port", 4433);
	ev(s, 100.02, "alice", "hello-sent", "{s:[s,s],s:[s,s],s:[s],s:b}", "modes", "none", "sign", "groups", "x25519",
	   "ffdhe2048", "ciphers", "chacha20-poly1305", "client_auth", 0);
	ev(s, 100.03, "alice", "negotiated", "{s:s,s:s,s:s,s:b}", "mode", "sign", "group", "x25519", "cipher",
	   "chacha20-poly1305", "client_auth", 0);
	ev(s, 100.04, "alice", "signature-verified", "{s:s,s:s}", "scope", "transcript", "signer_key", "cd604f47");
	ev(s, 100.05, "alice", "session-key", "{s:s,s:s}", "key_id", "fbe6914a", "cipher", "chacha20-poly1305");
	ev(s, 100.06, "bob", "session-key", "{s:s,s:s}", "key_id", "fbe6914a", "cipher", "chacha20-poly1305");
	msg(s, 100.07, "alice", "message-sent", 1, "transfer 100 to carol");
	to_hex("transfer 9999 to carol", hex_new, sizeof hex_new);
	ev(s, 100.08, "mallory", "message-changed", "{s:s,s:s,s:i,s:i,s:i,s:s,s:s,s:s,s:s}", "from", "alice", "to",
	   "bob", "seq", 0, "original_len", 21, "len", 22, "original_hex", "7472616e736665722031303020746f206361726f6c",
	   "hex", hex_new, "original_text", "transfer 100 to carol", "text", "transfer 9999 to carol");
	msg(s, 100.09, "bob", "message-received", 1, "transfer 9999 to carol");
	ev(s, 100.10, "mallory", "signature-forged", "{s:s,s:s,s:s}", "toward", "alice", "signer_key", "1a2b3c4d",
	   "scope", "transcript");
	ev(s, 100.11, "mallory", "message-read", "{s:s,s:s,s:i,s:i,s:s,s:s}", "from", "10.0.0.10:49872", "to",
	   "10.0.0.20:4433", "seq", 0, "len", 21, "hex", "7472616e736665722031303020746f206361726f6c", "text",
	   "transfer 100 to carol");
	ev(s, 100.12, "bob", "error", "{s:s,s:s,s:s,s:i,s:s}", "error", "pinned-key-mismatch", "check", "pinned-key",
	   "message", "the peer signed with a key that is not the pinned key", "code", -27, "where",
	   "wait-client-signature");
	ev(s, 100.13, "bob", "error", "{s:s}", "error", "record-auth");		/* only the first counts */
	ev(s, 100.14, "alice", "error", "{s:s}", "error", "signature-invalid"); /* check from the name */
	ev(s, 100.15, "mallory", "restored", NULL);
	return s;
}

static void test_hand_stream_texts(void **state)
{
	(void)state;
	json_t *s = hand_stream();
	struct vm *m = new_vm();

	vm_build(m, NULL, s, json_array_size(s));
	assert_model_sane(m);
	assert_string_equal(m->name, "42-custom");
	assert_int_equal(m->number, 42);
	assert_string_equal(m->network, "hub");
	assert_true(m->col[VM_MALLORY].present);

	const struct want alice[] = {
	    {"offer none,sign / x25519,ffdhe2048", VM_MARK_NONE},
	    {"negotiated sign x25519 chacha20", VM_MARK_NONE},
	    {"signature " U_CHECK " pinned cd604f47", VM_MARK_OK},
	    {"session key fbe6914a", VM_MARK_NONE},
	    {"sent #1 \"transfer 100 to caro" U_ELLIPSIS "\"", VM_MARK_NONE},
	    {"signature " U_CROSS " (signature-invalid)", VM_MARK_FAIL},
	};
	const struct want mallory[] = {
	    {"changed \"transfer 100" U_ELLIPSIS "\" " U_ARROW " \"transfer 9999" U_ELLIPSIS "\"", VM_MARK_WARN},
	    {"signature forged (mallory 1a2b3c4d)", VM_MARK_WARN},
	    {"read alice" U_ARROW "bob \"transfer 100 to caro" U_ELLIPSIS "\"", VM_MARK_WARN},
	    {"restored ARP", VM_MARK_NONE},
	};
	const struct want bob[] = {
	    {"listening on 10.0.0.20:4433", VM_MARK_NONE},
	    {"session key fbe6914a", VM_MARK_NONE},
	    {"received #1 \"transfer 9999 to car" U_ELLIPSIS "\"", VM_MARK_NONE}, /* bob sees nothing wrong */
	    {"pinned-key " U_CROSS " (pinned-key-mismatch)", VM_MARK_FAIL},
	    {"record " U_CROSS " (record-auth)", VM_MARK_FAIL},
	};
	assert_steps(&m->col[VM_ALICE], alice, N_OF(alice));
	assert_steps(&m->col[VM_MALLORY], mallory, N_OF(mallory));
	assert_steps(&m->col[VM_BOB], bob, N_OF(bob));
	assert_true(m->col[VM_BOB].aborted);
	assert_string_equal(m->col[VM_BOB].error, "pinned-key-mismatch");
	assert_string_equal(m->col[VM_BOB].check, "pinned-key");
	assert_string_equal(m->col[VM_ALICE].check, "signature");
	/* the alteration is the lab's knowledge, shown apart */
	assert_non_null(truth_with(m, "bob's #1 \"transfer 9999 to car"));
	assert_non_null(truth_with(m, "was ALTERED: alice never sent it"));

	assert_string_equal(m->verdict, "attack-succeeded");
	assert_non_null(strstr(m->key_line, "same key " U_DASH " nobody in the middle"));
	/* the time line: seconds since the first event */
	assert_string_equal(m->timeline[1].actor, "bob");
	assert_string_equal(m->timeline[1].text, "listening on 10.0.0.20:4433");
	assert_true(fabs(m->timeline[1].t - 0.012) < 1e-6);
	assert_string_equal(m->timeline[0].text, "run 42-custom (hub)");
	free(m);
	json_decref(s);
}

/* mallory's column is there iff the whole stream has her: never flickers. */
/* A breakable lab group is marked where the trainee looks: the negotiated step. */
static void test_weak_group_marked(void **state)
{
	(void)state;
	json_t *s = json_array();
	struct vm *m = calloc(1, sizeof *m);
	assert_non_null(m);
	ev(s, 1.0, "alice", "negotiated", "{s:s,s:s,s:s}", "mode", "sign", "group", "lab-48", "cipher",
	   "chacha20-poly1305");
	ev(s, 1.1, "bob", "negotiated", "{s:s,s:s,s:s}", "mode", "sign", "group", "x25519", "cipher",
	   "chacha20-poly1305");
	vm_build(m, NULL, s, 2);
	assert_int_equal(m->col[VM_ALICE].n_steps, 1);
	assert_non_null(strstr(m->col[VM_ALICE].steps[0].text, "WEAK"));
	assert_int_equal(m->col[VM_ALICE].steps[0].mark, VM_MARK_WARN);
	assert_null(strstr(m->col[VM_BOB].steps[0].text, "WEAK"));
	assert_int_equal(m->col[VM_BOB].steps[0].mark, VM_MARK_NONE);
	free(m);
	json_decref(s);
}

/* The parameter lessons in the columns: unchecked explicit parameters and a
 * sentinel are marked; mallory's moves are named. */
static void test_parameter_lessons_marked(void **state)
{
	(void)state;
	json_t *s = json_array();
	struct vm *m = calloc(1, sizeof *m);
	assert_non_null(m);
	ev(s, 1.0, "alice", "params-received", "{s:i,s:s,s:s,s:b}", "bits", 48, "p", "D1E596348893", "g", "01",
	   "checked", 0);
	ev(s, 1.1, "alice", "sentinel-seen", "{s:s}", "group", "lab-48");
	ev(s, 1.2, "bob", "sentinel-set", "{s:s}", "group", "lab-48");
	ev(s, 1.3, "mallory", "generator-replaced", "{s:s,s:s}", "toward", "alice", "g", "1");
	ev(s, 1.4, "mallory", "secret-guessed", "{s:s,s:i,s:s}", "with", "alice", "candidates", 2, "secret", "p-1");
	ev(s, 1.5, "mallory", "offer-explicit", "{s:s}", "toward", "bob");
	vm_build(m, NULL, s, json_array_size(s));
	const struct vm_step *st = step_with(&m->col[VM_ALICE], "UNCHECKED");
	assert_non_null(st);
	assert_non_null(strstr(st->text, "p 48 bits"));
	assert_int_equal(st->mark, VM_MARK_WARN);
	assert_non_null(st = step_with(&m->col[VM_ALICE], "DOWNGRADE sentinel"));
	assert_int_equal(st->mark, VM_MARK_FAIL);
	assert_non_null(step_with(&m->col[VM_BOB], "downgrade sentinel set"));
	assert_non_null(step_with(&m->col[VM_MALLORY], "toward alice"));
	assert_non_null(step_with(&m->col[VM_MALLORY], "alice's secret = p-1"));
	assert_non_null(step_with(&m->col[VM_MALLORY], "offer: explicit first"));
	free(m);
	json_decref(s);
}

static void test_mallory_presence(void **state)
{
	(void)state;
	struct vm *m = new_vm();
	json_t *s = json_array();
	ev(s, 1.0, "bob", "listening", "{s:s}", "addr", "10.0.0.20:4433");
	ev(s, 1.1, "alice", "connected", "{s:s}", "peer", "10.0.0.20:4433");
	for (size_t k = 0; k <= 2; k++) {
		vm_build(m, NULL, s, k);
		assert_false(m->col[VM_MALLORY].present);
		assert_true(m->col[VM_ALICE].present);
		assert_true(m->col[VM_BOB].present);
	}
	vm_build(m, NULL, s, 2);
	assert_null(strstr(m->key_line, "mallory"));
	assert_string_equal(m->key_line, "alice - " U_MIDDOT " bob - " U_DASH " no session key");

	ev(s, 1.2, "mallory", "stopped", "{s:i}", "relayed", 3); /* her only event, the last one */
	for (size_t k = 0; k <= 3; k++) {
		vm_build(m, NULL, s, k);
		assert_true(m->col[VM_MALLORY].present);
		assert_int_equal(m->col[VM_MALLORY].n_steps, k == 3 ? 1 : 0);
	}
	json_decref(s);

	s = json_array();
	ev(s, 1.0, "lab", "started", "{s:s,s:i,s:s}", "program", "mallory", "pid", 3, "host", "10.0.0.66");
	vm_build(m, NULL, s, 0);
	assert_true(m->col[VM_MALLORY].present);
	vm_build(m, NULL, s, 1);
	assert_string_equal(m->col[VM_MALLORY].steps[0].text, "started on 10.0.0.66");
	json_decref(s);
	free(m);
}

/* More steps than a column keeps, more events than the time line keeps:
 * the newest, in order. */
static void test_rings_keep_newest(void **state)
{
	(void)state;
	struct vm *m = new_vm();
	json_t *s = json_array();
	char peer[32];
	for (int i = 0; i < 250; i++) {
		snprintf(peer, sizeof peer, "p%d", i);
		ev(s, 10.0 + i, i % 2 ? "alice" : "lab", i % 2 ? "connected" : "poisoned", "{s:s}", "peer", peer);
	}
	vm_build(m, NULL, s, 250);
	assert_model_sane(m);
	const struct vm_column *a = &m->col[VM_ALICE];
	assert_int_equal(a->n_steps, VM_MAX_STEPS); /* 125 made */
	assert_string_equal(a->steps[VM_MAX_STEPS - 1].text, "connected to p249");
	assert_string_equal(a->steps[0].text, "connected to p123");
	for (size_t i = 1; i < a->n_steps; i++)
		assert_true(a->steps[i].event == a->steps[i - 1].event + 2);
	assert_int_equal(m->n_timeline, VM_TIMELINE);
	assert_int_equal(m->timeline[0].event, 50);
	assert_int_equal(m->timeline[VM_TIMELINE - 1].event, 249);
	assert_true(fabs(m->timeline[VM_TIMELINE - 1].t - 249.0) < 1e-9);

	vm_build(m, NULL, s, 77);
	assert_int_equal(m->n_timeline, 77);
	assert_int_equal(m->timeline[76].event, 76);
	assert_int_equal(a->n_steps, 38);
	json_decref(s);
	free(m);
}

/* ---- hostile streams ---- */

static void add(json_t *s, const char *json)
{
	json_error_t err;
	json_t *e = json_loads(json, JSON_ALLOW_NUL, &err);
	if (!e)
		fail_msg("bad fixture %s: %s", json, err.text);
	assert_int_equal(json_array_append_new(s, e), 0);
}

static void test_hostile_stream(void **state)
{
	(void)state;
	struct vm *m = new_vm();
	json_t *s = json_array();
	char big[12000];

	json_array_append_new(s, json_integer(5));
	json_array_append_new(s, json_string("not an event"));
	json_array_append_new(s, json_null());
	json_array_append_new(s, json_array());
	add(s, "{\"t\":\"soon\",\"actor\":7,\"event\":\"x\"}");
	add(s, "{\"actor\":\"alice\"}");
	add(s, "{\"t\":1e308,\"actor\":\"alice\",\"event\":\"session-key\",\"key_id\":{\"a\":1}}");
	add(s, "{\"t\":-5,\"actor\":\"bob\",\"event\":\"session-key\",\"key_id\":\"zzzzzzzzzzzz\"}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"session-key\",\"key_id\":\"abcdef012\",\"with\":5}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"session-key\",\"key_id\":\"abc\",\"with\":\"carol\"}");
	add(s, "{\"actor\":\"alice\",\"event\":\"message-received\",\"n\":\"one\",\"hex\":\"zzz\",\"text\":5}");
	add(s, "{\"actor\":\"bob\",\"event\":\"message-received\",\"n\":1,\"hex\":\"00ff1b5b33316d\"}");
	add(s, "{\"actor\":\"bob\",\"event\":\"message-sent\",\"n\":2,\"text\":\"a\\u0000b\\u001b[31m\\u202e\"}");
	add(s, "{\"actor\":\"lab\",\"event\":\"neighbour\",\"host\":\"alice\",\"mac\":null,\"ip\":5,\"phase\":[],"
	       "\"poisoned\":\"yes\"}");
	add(s, "{\"actor\":\"lab\",\"event\":\"neighbour\",\"host\":\"carol\",\"mac\":\"x\",\"poisoned\":true}");
	add(s, "{\"actor\":\"lab\",\"event\":\"neighbour\",\"host\":\"bob\",\"mac\":\"\\u001b]0;pwn\\u0007\","
	       "\"poisoned\":true}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"poisoning\",\"targets\":\"10.0.0.10\"}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"poisoning\",\"targets\":[1,{},\"10.0.0.20\",null,\"x\",\"y\"]}");
	add(s, "{\"actor\":\"alice\",\"event\":\"hello-sent\",\"modes\":[{},7,\"x\"],\"groups\":5}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"message-changed\",\"hex\":\"41\"}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"message-changed\",\"original_hex\":\"\",\"hex\":\"\"}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"message-changed\",\"original_text\":\"same\",\"text\":\"same\"}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"share-swapped\",\"share\":123,\"toward\":[]}");
	add(s, "{\"actor\":\"alice\",\"event\":\"share-received\",\"share\":null}");
	add(s, "{\"actor\":\"lab\",\"event\":\"exit\",\"program\":\"mallory\",\"status\":\"1\"}");
	add(s, "{\"actor\":\"lab\",\"event\":\"exit\",\"program\":\"alice\",\"status\":-1,\"signal\":9}");
	add(s, "{\"actor\":\"lab\",\"event\":\"started\",\"program\":5}");
	add(s, "{\"actor\":\"bob\",\"event\":\"error\",\"error\":5,\"check\":[]}");
	add(s, "{\"actor\":\"bob\",\"event\":\"connection-end\",\"ok\":false,\"error\":\"no-memory\"}");
	add(s, "{\"actor\":\"\\u00e9v\\u0000il\",\"event\":\"x\\u0007\"}");
	add(s, "{\"actor\":\"mallory\",\"event\":\"frame\",\"summary\":{\"x\":[1,[2,[3,[4,[5]]]]]}}");
	add(s, "{\"actor\":\"lab\",\"event\":\"run-start\",\"scenario\":\"999999999999-x\",\"network\":7}");
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ev(s, 2.0, "alice", "connected", "{s:s}", "peer", big);
	ev(s, 2.1, "mallory", "message-read", "{s:s,s:s,s:s}", "from", big, "to", big, "text", big);
	ev(s, 2.2, big, big, NULL);
	ev(s, 2.3, "alice", big, "{s:s}", "hex", big);
	/* a string jansson holds with invalid UTF-8 bytes */
	json_t *raw = json_object();
	json_object_set_new(raw, "actor", json_string("mallory"));
	json_object_set_new(raw, "event", json_string("message-read"));
	json_object_set_new(raw, "from", json_stringn_nocheck("\xff\xfe\xc3", 3));
	json_object_set_new(raw, "text", json_stringn_nocheck("\xe2\x80\xae\x80\x9b", 5));
	json_object_set_new(raw, "hex", json_stringn_nocheck("41\xff", 3));
	json_array_append_new(s, raw);

	size_t n = json_array_size(s);
	for (size_t k = 0; k <= n; k++) {
		vm_build(m, NULL, s, k);
		assert_model_sane(m);
		assert_int_equal(m->n_timeline, k); /* one line per entry, even a broken one */
	}
	assert_true(m->finished);
	assert_string_equal(m->col[VM_ALICE].key_id, ""); /* an object is no key id */
	assert_string_equal(m->col[VM_BOB].key_id, "");	  /* neither is a 12-letter word */
	assert_string_equal(m->col[VM_MALLORY].key_id, "");
	assert_true(m->col[VM_BOB].aborted);
	assert_true(m->neigh[1].poisoned);
	assert_false(m->neigh[0].poisoned); /* "yes" is not true */
	assert_string_equal(m->name, "999999999999-x");
	assert_int_equal(m->number, 0);
	/* nothing from the stream reaches the screen as a control byte */
	assert_non_null(step_with(&m->col[VM_BOB], "\\x1b[31m"));
	assert_string_equal(m->neigh[1].mac, "?]0;pwn?");

	char buf[512];
	for (size_t k = 0; k < n; k++) {
		static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 16, 100, sizeof buf};
		for (size_t i = 0; i < N_OF(sizes); i++) {
			vm_event_detail(s, k, buf, sizes[i]);
			assert_true(strnlen(buf, sizes[i]) < sizes[i]);
		}
	}
	vm_event_detail(s, 0, buf, sizeof buf);
	assert_string_equal(buf, "#0: not an event (a number)\n");

	/* not a stream at all */
	vm_build(m, NULL, NULL, 5);
	assert_int_equal(m->n_events, 0);
	assert_true(m->finished);
	assert_string_equal(m->verdict, "error");
	json_t *obj = json_object();
	vm_build(m, NULL, obj, 0);
	assert_int_equal(m->n_events, 0);
	assert_string_equal(m->verdict, "error");
	vm_build(NULL, NULL, s, 0);
	json_decref(obj);
	json_decref(s);
	free(m);
}

/* ---- loading a run directory ---- */

static void test_load_run(void **state)
{
	(void)state;
	char tmpl[512], path[600], err[256];
	const char *tmp = getenv("TMPDIR");
	snprintf(tmpl, sizeof tmpl, "%s/test_viewmodel.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof path, "%s/events.jsonl", tmpl);

	json_t *ev0 = vm_load_run(tmpl, err, sizeof err); /* no file yet */
	assert_null(ev0);
	assert_non_null(strstr(err, "events.jsonl"));

	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"t\":1,\"actor\":\"bob\",\"event\":\"listening\",\"addr\":\"10.0.0.20:4433\"}\n", f);
	fputs("this is not JSON\n", f);
	fputs("[1,2,3]\n", f);
	fputs("\n", f);
	fputs("   \n", f);
	fputs("{\"t\":2,\"actor\":\"alice\",\"event\":\"connected\"}\r\n", f);
	fputs("{\"t\":3,\"actor\":\"alice\",\"event\":\"message-sent\",\"text\":\"a\\u0000b\",\"hex\":\"610062\"}\n",
	      f);
	fwrite("{\"a\":1}\0junk\n", 1, 13, f);			      /* a NUL in the line: not one JSON object */
	fputs("{\"t\":4,\"actor\":\"alice\",\"event\":\"done\"}", f); /* no final newline */
	fclose(f);

	json_t *ev = vm_load_run(tmpl, err, sizeof err);
	assert_non_null(ev);
	assert_int_equal(json_array_size(ev), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 1), "event")), "connected");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 3), "event")), "done");
	struct vm *m = new_vm();
	vm_build(m, NULL, ev, 3);
	assert_string_equal(m->col[VM_ALICE].steps[1].text, "sent \"a\\x00b\"");
	free(m);
	json_decref(ev);

	assert_null(vm_load_run(NULL, err, sizeof err));
	assert_null(vm_load_run("/nonexistent/run", NULL, 0));
	unlink(path);
	rmdir(tmpl);
}

/* Every catalog run (the golden recordings): at every cursor, no party's
 * column says what only the lab knows — whose share arrived, that a message
 * was altered, that a cache is poisoned, that a claim is ignored. Those are
 * in the lab's view, and the scenarios where they happen have them there. */
static void test_columns_truthful_for_every_catalog_run(void **state)
{
	(void)state;
	static const char *const lab_only[] = {"mallory's", "ALTERED", "POISONED", "claim ignored", "is mallory"};
	static const char *const runs[] = {"02-sniff-plaintext-hub", "05-arp-poison-plaintext", "06-dh-mitm",
					   "07-dh-mitm-tamper",	     "08-signed-dh-mitm",	"11-key-fixing",
					   "13-strip-auth",	     "15-downgrade-group",	"19-malicious-g-1",
					   "24-small-subgroup"};
	struct vm *m = new_vm();
	for (size_t r = 0; r < N_OF(runs); r++) {
		char path[1024], err[256];
		snprintf(path, sizeof path, "%s/tests/golden/%s.events.jsonl", src_dir(), runs[r]);
		json_t *s = ev_load_jsonl(path, err, sizeof err);
		if (!s)
			fail_msg("%s", err);
		size_t n = json_array_size(s);
		for (size_t k = 0; k <= n; k++) {
			vm_build(m, NULL, s, k);
			for (int c = 0; c < VM_COLS; c++) {
				if (c == VM_MALLORY)
					continue; /* her own moves are hers to know */
				for (size_t i = 0; i < m->col[c].n_steps; i++)
					for (size_t w = 0; w < N_OF(lab_only); w++)
						if (strstr(m->col[c].steps[i].text, lab_only[w]))
							fail_msg("%s at %zu: %s's column says \"%s\"", runs[r], k,
								 m->col[c].name, m->col[c].steps[i].text);
			}
		}
		/* at the end the lab's view knows what happened */
		bool active = strncmp(runs[r], "02", 2) != 0;
		if (active)
			assert_true(m->n_truth > 0);
		if (strcmp(runs[r], "07-dh-mitm-tamper") == 0)
			assert_non_null(truth_with(m, "was ALTERED"));
		if (strcmp(runs[r], "06-dh-mitm") == 0 || strcmp(runs[r], "13-strip-auth") == 0)
			assert_non_null(truth_with(m, "the share bob received is mallory's"));
		json_decref(s);
	}
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_columns_truthful_for_every_catalog_run),
	    cmocka_unit_test(test_06_scenario_and_columns),
	    cmocka_unit_test(test_06_steps_at_alice_session_key),
	    cmocka_unit_test(test_06_final),
	    cmocka_unit_test(test_06_playback_monotonic),
	    cmocka_unit_test(test_08_blocked),
	    cmocka_unit_test(test_event_detail),
	    cmocka_unit_test(test_hand_stream_texts),
	    cmocka_unit_test(test_mallory_presence),
	    cmocka_unit_test(test_weak_group_marked),
	    cmocka_unit_test(test_parameter_lessons_marked),
	    cmocka_unit_test(test_rings_keep_newest),
	    cmocka_unit_test(test_hostile_stream),
	    cmocka_unit_test(test_load_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
