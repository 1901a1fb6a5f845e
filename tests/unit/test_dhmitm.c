/* Unit tests for mallory/attack_dhmitm: the message-level DH man in the middle.
 *
 * Three parties in memory, no network: an honest initiator engine (alice,
 * lib/mlab_kex), mallory's dhmitm, an honest responder engine (bob). The pump
 * splits each side's output with mlab_frame_next and hands every frame to
 * dhmitm_on_frame (alice's in direction TO_BOB, bob's in TO_ALICE), then
 * splits what mallory forwards and delivers it to the other engine (RECORD
 * frames to mlab_kex_open once that engine is connected). Bodies are heap
 * copies of exactly their length, so ASan catches an over-read. Events of all
 * three are captured with sinks. MLAB_TEST_VERBOSE=1 shows the human lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "test_keys.h"
#include "kex_pump.h"
#include "test_util.h"

#include <jansson.h>
#include <openssl/evp.h>

#include "attack_dhmitm.h"
#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_kex.h"
#include "mlab_keysched.h"
#include "mlab_transcript.h"
#include "mlab_wire.h"

#define OUT_CAP (8 * MLAB_MAX_FRAME)
#define WIRE_CAP (64 * MLAB_MAX_FRAME)

/* ======================================================================
 * Keys
 * ====================================================================== */

/* alice_key, bob_pub, ...: tests/helpers/test_keys.h */

static void kid_of(EVP_PKEY *k, char out[9])
{
	uint8_t raw[MLAB_ED25519_PUB];
	assert_err(mlab_ed25519_raw_public(k, raw), 0);
	assert_err(mlab_key_id(raw, sizeof raw, out), 0);
}

/* ======================================================================
 * Events
 * ====================================================================== */

static void sink(void *arg, const char *name, const json_t *event)
{
	(void)name;
	assert_int_equal(json_array_append_new((json_t *)arg, json_deep_copy(event)), 0);
}

static void ev_setup(struct mlab_ev *ev, const char *actor, json_t **log)
{
	*log = json_array();
	assert_non_null(*log);
	mlab_ev_init(ev, actor, -1, getenv("MLAB_TEST_VERBOSE") ? stderr : NULL);
	ev->sink = sink;
	ev->sink_arg = *log;
}

static size_t ev_count(const json_t *log, const char *name)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(log, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0)
			n++;
	}
	return n;
}

/* The nth (from 0) event of that name, whose field key equals val (key NULL: any). */
static json_t *ev_find(const json_t *log, const char *name, const char *key, const char *val, size_t nth)
{
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "event")), name) != 0)
			continue;
		if (key) {
			const char *v = json_string_value(json_object_get(e, key));
			if (!v || strcmp(v, val) != 0)
				continue;
		}
		if (nth-- == 0)
			return e;
	}
	return NULL;
}

static json_t *ev_get(const json_t *log, const char *name, const char *key, const char *val, size_t nth)
{
	json_t *e = ev_find(log, name, key, val, nth);
	if (!e)
		fail_msg("no event %s #%zu%s%s%s%s", name, nth, key ? " with " : "", key ? key : "", key ? "=" : "",
			 key ? val : "");
	return e;
}

static const char *str_of(const json_t *e, const char *key)
{
	const char *v = json_string_value(json_object_get(e, key));
	if (!v)
		fail_msg("event has no string field %s", key);
	return v;
}

/* ======================================================================
 * Parties, the world and the pump
 * ====================================================================== */

struct party {
	struct mlab_kex k;
	struct mlab_ev ev;
	json_t *events;
	uint8_t *obuf;
	struct mlab_wr out;
	uint8_t *data; /* the last record opened */
	size_t data_len;
	uint8_t content;
	int n_opened;
	/* Every handshake frame this party sent or received, whole, in order:
	 * what its transcript is made of. */
	uint8_t *seen;
	size_t seen_len;
};

struct world;
/* May change a frame (body is a private heap copy) before mallory sees it. */
typedef void (*hook_fn)(struct world *w, enum dhmitm_dir d, uint8_t type, uint8_t *body, size_t len);

struct world {
	struct party a, b;
	struct dhmitm *m;
	struct mlab_ev mev;
	json_t *mevents;
	uint8_t *fbuf;
	struct mlab_wr fwd;
	uint8_t *wire[2]; /* everything mallory forwarded, per direction */
	size_t wire_len[2];
	hook_fn hook;
	/* The last frame each side sent, as it sent it. */
	uint8_t last_type[2];
	uint8_t *last_body[2];
	size_t last_len[2];
};

static struct world *live[4];

static void party_init(struct party *p, const char *name, const struct mlab_kex_config *cfg)
{
	ev_setup(&p->ev, name, &p->events);
	p->obuf = malloc(OUT_CAP);
	p->data = malloc(MLAB_MAX_PLAINTEXT);
	p->seen = malloc(OUT_CAP);
	assert_non_null(p->obuf);
	assert_non_null(p->data);
	assert_non_null(p->seen);
	mlab_wr_init(&p->out, p->obuf, OUT_CAP);
	assert_err(mlab_kex_init(&p->k, cfg, &p->ev), 0);
}

static void party_free(struct party *p)
{
	mlab_kex_free(&p->k);
	json_decref(p->events);
	free(p->obuf);
	free(p->data);
	free(p->seen);
}

static void note_seen(struct party *p, uint8_t type, const uint8_t *body, size_t len)
{
	struct mlab_wr w;
	if (type < MLAB_MSG_CLIENT_HELLO || type > MLAB_MSG_FINISHED)
		return;
	mlab_wr_init(&w, p->seen + p->seen_len, OUT_CAP - p->seen_len);
	assert_err(mlab_frame_put_hdr(&w, type, len), 0);
	assert_err(mlab_wr_bytes(&w, body, len), 0);
	p->seen_len += w.len;
}

static void world_release(struct world *w)
{
	party_free(&w->a);
	party_free(&w->b);
	dhmitm_free(w->m);
	json_decref(w->mevents);
	free(w->fbuf);
	for (int d = 0; d < 2; d++) {
		free(w->wire[d]);
		free(w->last_body[d]);
	}
	free(w);
}

/* Teardown of every test: frees what a failed assertion left behind. */
static int cleanup(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_OF(live); i++)
		if (live[i]) {
			world_release(live[i]);
			live[i] = NULL;
		}
	return 0;
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < N_OF(live); i++)
		if (live[i] == w)
			live[i] = NULL;
	world_release(w);
}

static struct world *world_new(const struct mlab_kex_config *ca, const struct mlab_kex_config *cb,
			       const struct dhmitm_config *mc)
{
	struct world *w = calloc(1, sizeof *w);
	size_t i;

	assert_non_null(w);
	for (i = 0; i < N_OF(live) && live[i]; i++)
		;
	assert_true(i < N_OF(live));
	live[i] = w;
	ev_setup(&w->mev, "mallory", &w->mevents);
	party_init(&w->a, "alice", ca);
	party_init(&w->b, "bob", cb);
	w->fbuf = malloc(OUT_CAP);
	w->wire[0] = malloc(WIRE_CAP);
	w->wire[1] = malloc(WIRE_CAP);
	assert_non_null(w->fbuf);
	assert_non_null(w->wire[0]);
	assert_non_null(w->wire[1]);
	mlab_wr_init(&w->fwd, w->fbuf, OUT_CAP);
	assert_err(dhmitm_new(&w->m, mc, &w->mev), 0);
	return w;
}

static void deliver(struct party *to, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *copy = dup_exact(body, len);
	note_seen(to, type, body, len);
	if (to->k.err) {
		/* A failed peer has closed the connection. */
	} else if (type == MLAB_MSG_RECORD && (to->k.state == MLAB_KEX_CONNECTED || to->k.state == MLAB_KEX_CLOSED)) {
		uint8_t content = 0;
		size_t n = 0;
		if (mlab_kex_open(&to->k, copy, len, &content, to->data, &n, &to->out) == 0) {
			to->content = content;
			to->data_len = n;
			to->n_opened++;
		}
	} else {
		(void)mlab_kex_input(&to->k, type, copy, len, &to->out);
	}
	free(copy);
}

/* One frame through mallory in direction d, and what she forwards on to the
 * receiving engine. */
static void through_mallory(struct world *w, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len)
{
	struct party *to = d == DHMITM_TO_BOB ? &w->b : &w->a;
	uint8_t *copy = dup_exact(body, len);
	struct mlab_rd r;

	if (w->hook)
		w->hook(w, d, type, copy, len);
	w->fwd.len = 0;
	assert_err(dhmitm_on_frame(w->m, d, type, copy, len, &w->fwd), 0);
	free(copy);
	assert_true(w->wire_len[d] + w->fwd.len <= WIRE_CAP);
	memcpy(w->wire[d] + w->wire_len[d], w->fwd.p, w->fwd.len);
	w->wire_len[d] += w->fwd.len;
	mlab_rd_init(&r, w->fwd.p, w->fwd.len);
	while (mlab_rd_left(&r)) {
		uint8_t t = 0;
		const uint8_t *b = NULL;
		uint32_t n = 0;
		assert_err(mlab_frame_next(&r, &t, &b, &n), 0);
		deliver(to, t, b, n);
	}
}

static void pump(struct world *w, enum dhmitm_dir d)
{
	struct party *from = d == DHMITM_TO_BOB ? &w->a : &w->b;
	uint8_t *buf = dup_exact(from->obuf, from->out.len);
	size_t n = from->out.len;
	struct mlab_rd r;

	from->out.len = 0;
	mlab_rd_init(&r, buf, n);
	while (mlab_rd_left(&r)) {
		uint8_t t = 0;
		const uint8_t *b = NULL;
		uint32_t len = 0;
		assert_err(mlab_frame_next(&r, &t, &b, &len), 0);
		free(w->last_body[d]);
		w->last_type[d] = t;
		w->last_body[d] = dup_exact(b, len);
		w->last_len[d] = len;
		note_seen(from, t, b, len);
		through_mallory(w, d, t, b, len);
	}
	free(buf);
}

static void settle(struct world *w)
{
	for (int i = 0; i < 16; i++) {
		if (!w->a.out.len && !w->b.out.len)
			return;
		pump(w, DHMITM_TO_BOB);
		pump(w, DHMITM_TO_ALICE);
	}
	fail_msg("still talking after 16 rounds");
}

static void run(struct world *w)
{
	assert_err(mlab_kex_start(&w->a.k, &w->a.out), 0);
	settle(w);
}

/* from seals data, the world settles, the other side must have opened it. */
static void send_msg(struct world *w, struct party *from, const void *data, size_t len, const void *want,
		     size_t want_len)
{
	struct party *to = from == &w->a ? &w->b : &w->a;
	int before = to->n_opened;
	assert_err(mlab_kex_seal(&from->k, MLAB_CONTENT_DATA, data, len, &from->out), 0);
	settle(w);
	assert_int_equal(to->k.err, 0);
	assert_int_equal(to->n_opened, before + 1);
	assert_int_equal(to->content, MLAB_CONTENT_DATA);
	assert_int_equal(to->data_len, want_len);
	assert_memory_equal(to->data, want, want_len);
}

static void send_text(struct world *w, struct party *from, const char *text, const char *want)
{
	send_msg(w, from, text, strlen(text), want, strlen(want));
}

static void close_both(struct world *w)
{
	assert_err(mlab_kex_seal(&w->a.k, MLAB_CONTENT_CLOSE, NULL, 0, &w->a.out), 0);
	settle(w);
	assert_int_equal(w->b.k.err, 0);
	assert_int_equal(w->b.content, MLAB_CONTENT_CLOSE);
	assert_err(mlab_kex_seal(&w->b.k, MLAB_CONTENT_CLOSE, NULL, 0, &w->b.out), 0);
	settle(w);
	assert_int_equal(w->a.k.err, 0);
	assert_int_equal(w->a.content, MLAB_CONTENT_CLOSE);
	assert_int_equal(ev_count(w->mevents, "close-relayed"), 2);
}

static void hex_of(const void *p, size_t n, char *out)
{
	mlab_hex(p, n, out);
}

/* ======================================================================
 * Configurations
 * ====================================================================== */

static struct mlab_kex_config cfg_of(enum mlab_role role, uint8_t mode, uint16_t group, uint8_t cipher)
{
	struct mlab_kex_config c = kex_cfg(role, mode, group, cipher);
	c.own_key = role == MLAB_INITIATOR ? alice_key : bob_key;
	c.peer_key = role == MLAB_INITIATOR ? bob_pub : alice_pub;
	return c;
}

static struct world *none_world(uint16_t group, uint8_t cipher, const struct dhmitm_config *mc)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, group, cipher);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, group, cipher);
	return world_new(&a, &b, mc);
}

static void assert_no_mallory_error(struct world *w)
{
	json_t *e = ev_find(w->mevents, "error", NULL, NULL, 0);
	if (e)
		fail_msg("mallory reported an error: %s", json_string_value(json_object_get(e, "error")));
	assert_false(dhmitm_transparent(w->m));
}

/* Both honest engines connected through her, each with another key, each
 * key equal to one of hers. */
static void assert_relayed(struct world *w)
{
	assert_int_equal(w->a.k.err, 0);
	assert_int_equal(w->b.k.err, 0);
	assert_true(mlab_kex_connected(&w->a.k));
	assert_true(mlab_kex_connected(&w->b.k));
	assert_true(dhmitm_relaying(w->m));
	assert_no_mallory_error(w);
	assert_string_not_equal(w->a.k.keys.key_id, w->b.k.keys.key_id);
	assert_int_equal(ev_count(w->mevents, "session-key"), 2);
	assert_string_equal(str_of(ev_get(w->mevents, "session-key", "with", "alice", 0), "key_id"),
			    w->a.k.keys.key_id);
	assert_string_equal(str_of(ev_get(w->mevents, "session-key", "with", "bob", 0), "key_id"), w->b.k.keys.key_id);
	assert_string_equal(dhmitm_key_id(w->m, DHMITM_TO_ALICE), w->a.k.keys.key_id);
	assert_string_equal(dhmitm_key_id(w->m, DHMITM_TO_BOB), w->b.k.keys.key_id);
	json_t *r = ev_get(w->mevents, "relay-established", NULL, NULL, 0);
	assert_string_equal(str_of(r, "alice_key_id"), w->a.k.keys.key_id);
	assert_string_equal(str_of(r, "bob_key_id"), w->b.k.keys.key_id);
}

/* Each peer received her share, not the other peer's. */
static void assert_shares_swapped(struct world *w)
{
	json_t *to_a = ev_get(w->mevents, "share-swapped", "toward", "alice", 0);
	json_t *to_b = ev_get(w->mevents, "share-swapped", "toward", "bob", 0);
	const char *bob_sent = str_of(ev_get(w->b.events, "share-sent", NULL, NULL, 0), "share");
	const char *alice_sent = str_of(ev_get(w->a.events, "share-sent", NULL, NULL, 0), "share");
	const char *alice_got = str_of(ev_get(w->a.events, "share-received", NULL, NULL, 0), "share");
	const char *bob_got = str_of(ev_get(w->b.events, "share-received", NULL, NULL, 0), "share");

	assert_int_equal(ev_count(w->mevents, "share-swapped"), 2);
	assert_string_equal(str_of(to_a, "share"), alice_got);
	assert_string_equal(str_of(to_a, "replaced"), bob_sent);
	assert_string_equal(str_of(to_b, "share"), bob_got);
	assert_string_equal(str_of(to_b, "replaced"), alice_sent);
	assert_string_not_equal(alice_got, bob_sent);
	assert_string_not_equal(bob_got, alice_sent);
}

/* One implementation: on each leg her session keys are byte for byte the
 * peer's, and each Finished on that leg — hers and the peer's — is the MAC
 * lib's shared module (mlab_transcript_frame, mlab_finished_compute) makes
 * over the frames exactly as that peer sent and received them. */
static void assert_same_as_engines(struct world *w)
{
	struct party *ps[2] = {&w->a, &w->b};

	for (int i = 0; i < 2; i++) {
		struct party *p = ps[i];
		const struct mlab_keys *k = dhmitm_keys(w->m, p == &w->a ? DHMITM_TO_ALICE : DHMITM_TO_BOB);
		struct mlab_transcript tr;
		struct mlab_rd r;
		uint8_t type = 0, mac[MLAB_MAC_LEN];
		const uint8_t *body = NULL;
		uint32_t len = 0;
		int fin = 0;

		assert_non_null(k);
		assert_memory_equal(k, &p->k.keys, sizeof *k);
		assert_err(mlab_transcript_init(&tr), 0);
		mlab_rd_init(&r, p->seen, p->seen_len);
		while (mlab_rd_left(&r)) {
			assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
			if (type == MLAB_MSG_FINISHED) {
				/* The initiator's first (fin_client), then the responder's. */
				assert_err(mlab_finished_compute(&tr, fin == 0 ? k->fin_client : k->fin_server, mac),
					   0);
				assert_memory_equal(body, mac, sizeof mac);
				assert_err(mlab_finished_verify(&tr, fin == 0 ? k->fin_client : k->fin_server, body),
					   0);
				fin++;
			}
			assert_err(mlab_transcript_frame(&tr, type, body, len), 0);
		}
		assert_int_equal(fin, 2);
		mlab_transcript_free(&tr);
	}
}

/* ======================================================================
 * (1) Unauthenticated DH: she reads everything, nobody notices
 * ====================================================================== */

static void relay_case(uint16_t group, uint8_t cipher)
{
	struct dhmitm_config mc = {0};
	const char *hello = "hello bob, it's alice";
	const char *reply = "hi alice — bob here"; /* UTF-8 beyond ASCII */
	const uint8_t binary[] = {0xff, 0x00, 0xc3, 0x28};
	char hex[2 * 64 + 1];
	json_t *e;

	struct world *w = none_world(group, cipher, &mc);
	run(w);
	assert_relayed(w);
	assert_shares_swapped(w);
	assert_same_as_engines(w);
	assert_string_equal(str_of(ev_get(w->mevents, "share-swapped", "toward", "alice", 0), "group"),
			    mlab_group_by_id(group)->name);

	send_text(w, &w->a, hello, hello);
	e = ev_get(w->mevents, "message-read", "from", "alice", 0);
	hex_of(hello, strlen(hello), hex);
	assert_string_equal(str_of(e, "to"), "bob");
	assert_string_equal(str_of(e, "hex"), hex);
	assert_string_equal(str_of(e, "text"), hello);
	assert_int_equal(json_integer_value(json_object_get(e, "len")), strlen(hello));
	assert_int_equal(json_integer_value(json_object_get(e, "seq")), 0);

	send_text(w, &w->b, reply, reply);
	e = ev_get(w->mevents, "message-read", "from", "bob", 0);
	hex_of(reply, strlen(reply), hex);
	assert_string_equal(str_of(e, "to"), "alice");
	assert_string_equal(str_of(e, "hex"), hex);
	assert_string_equal(str_of(e, "text"), reply);

	/* Not UTF-8: hex only. */
	send_msg(w, &w->a, binary, sizeof binary, binary, sizeof binary);
	e = ev_get(w->mevents, "message-read", "from", "alice", 1);
	assert_string_equal(str_of(e, "hex"), "ff00c328");
	assert_null(json_object_get(e, "text"));
	assert_int_equal(json_integer_value(json_object_get(e, "seq")), 1);

	/* An empty message is a message too. */
	send_msg(w, &w->b, "", 0, "", 0);
	e = ev_get(w->mevents, "message-read", "from", "bob", 1);
	assert_string_equal(str_of(e, "hex"), "");

	assert_int_equal(ev_count(w->mevents, "message-changed"), 0);
	close_both(w);
	assert_no_mallory_error(w);
	world_free(w);
}

static void test_relay_x25519_chacha(void **s)
{
	(void)s;
	relay_case(MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
}

static void test_relay_x25519_aes(void **s)
{
	(void)s;
	relay_case(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
}

static void test_relay_ffdhe2048_chacha(void **s)
{
	(void)s;
	relay_case(MLAB_GROUP_FFDHE2048, MLAB_CIPHER_CHACHA20_POLY1305);
}

static void test_relay_ffdhe2048_aes(void **s)
{
	(void)s;
	relay_case(MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
}

/* Each run: fresh keys of hers on both legs. */
static void test_relay_two_sessions_fresh_keys(void **s)
{
	(void)s;
	struct dhmitm_config mc = {0};
	struct world *w1 = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, &mc);
	struct world *w2 = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, &mc);
	run(w1);
	run(w2);
	assert_relayed(w1);
	assert_relayed(w2);
	assert_string_not_equal(w1->a.k.keys.key_id, w2->a.k.keys.key_id);
	assert_string_not_equal(w1->b.k.keys.key_id, w2->b.k.keys.key_id);
	world_free(w1);
	world_free(w2);
}

/* ======================================================================
 * (2) Tampering
 * ====================================================================== */

static struct dhmitm_config tamper_cfg(struct dhmitm_rule *rules, size_t n, const char *const *specs)
{
	struct dhmitm_config mc = {0};
	for (size_t i = 0; i < n; i++)
		assert_err(dhmitm_rule_parse(specs[i], &rules[i]), 0);
	mc.rules = rules;
	mc.n_rules = n;
	return mc;
}

static void assert_changed(struct world *w, const char *from, size_t nth, const char *was, const char *now)
{
	json_t *e = ev_get(w->mevents, "message-changed", "from", from, nth);
	char hex[2 * 256 + 1];

	assert_string_equal(str_of(e, "to"), strcmp(from, "alice") == 0 ? "bob" : "alice");
	assert_string_equal(str_of(e, "original_text"), was);
	assert_string_equal(str_of(e, "text"), now);
	hex_of(was, strlen(was), hex);
	assert_string_equal(str_of(e, "original_hex"), hex);
	hex_of(now, strlen(now), hex);
	assert_string_equal(str_of(e, "hex"), hex);
	assert_int_equal(json_integer_value(json_object_get(e, "original_len")), strlen(was));
	assert_int_equal(json_integer_value(json_object_get(e, "len")), strlen(now));
}

static void tamper_case(uint8_t cipher)
{
	static const char *const specs[] = {"transfer 100=>transfer 9999"};
	struct dhmitm_rule rules[1];
	struct dhmitm_config mc = tamper_cfg(rules, 1, specs);
	struct world *w = none_world(MLAB_GROUP_X25519, cipher, &mc);
	char hex[128];

	run(w);
	assert_relayed(w);
	send_text(w, &w->a, "transfer 100 to carol", "transfer 9999 to carol");
	assert_changed(w, "alice", 0, "transfer 100 to carol", "transfer 9999 to carol");
	/* She read what alice really sent. */
	hex_of("transfer 100 to carol", 21, hex);
	assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "alice", 0), "hex"), hex);

	/* Lengths changed, sequence numbers of each leg stay right, both ways. */
	send_text(w, &w->b, "ok: transfer 100 queued", "ok: transfer 9999 queued");
	assert_changed(w, "bob", 0, "ok: transfer 100 queued", "ok: transfer 9999 queued");
	send_text(w, &w->a, "transfer 100, transfer 100, transfer 1000",
		  "transfer 9999, transfer 9999, transfer 99990");
	send_text(w, &w->a, "nothing to change", "nothing to change");
	send_text(w, &w->b, "bye", "bye");
	send_text(w, &w->a, "transfer 10", "transfer 10");
	assert_int_equal(ev_count(w->mevents, "message-read"), 6);
	assert_int_equal(ev_count(w->mevents, "message-changed"), 3);
	close_both(w);
	assert_no_mallory_error(w);
	world_free(w);
}

static void test_tamper_chacha(void **s)
{
	(void)s;
	tamper_case(MLAB_CIPHER_CHACHA20_POLY1305);
}

static void test_tamper_aes(void **s)
{
	(void)s;
	tamper_case(MLAB_CIPHER_AES_256_GCM);
}

/* Rules apply in order, each to the previous one's result; TO may be empty. */
static void test_tamper_several_rules_shrink_and_grow(void **s)
{
	(void)s;
	static const char *const specs[] = {"transfer 100=>transfer 9999", "carol=>mallory", "please =>"};
	struct dhmitm_rule rules[3];
	struct dhmitm_config mc = tamper_cfg(rules, 3, specs);
	struct world *w = none_world(MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM, &mc);

	run(w);
	assert_relayed(w);
	send_text(w, &w->a, "please transfer 100 to carol", "transfer 9999 to mallory");
	assert_changed(w, "alice", 0, "please transfer 100 to carol", "transfer 9999 to mallory");
	send_text(w, &w->a, "please please ", ""); /* all of it deleted */
	send_text(w, &w->a, "please please", "please");
	send_text(w, &w->b, "carol? carolcarol", "mallory? mallorymallory");
	assert_int_equal(ev_count(w->mevents, "message-changed"), 4);
	close_both(w);
	world_free(w);
}

/* A rewrite that would not fit one record is not made: bob gets the original. */
static void test_tamper_too_long_skipped(void **s)
{
	(void)s;
	static const char *const specs[] = {"a=>aa"};
	struct dhmitm_rule rules[1];
	struct dhmitm_config mc = tamper_cfg(rules, 1, specs);
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, &mc);
	uint8_t *big = malloc(MLAB_MAX_PLAINTEXT);

	assert_non_null(big);
	memset(big, 'a', MLAB_MAX_PLAINTEXT);
	run(w);
	assert_relayed(w);
	send_msg(w, &w->a, big, MLAB_MAX_PLAINTEXT, big, MLAB_MAX_PLAINTEXT);
	free(big);
	json_t *e = ev_get(w->mevents, "tamper-skipped", "from", "alice", 0);
	assert_string_equal(str_of(e, "reason"), "too-long");
	assert_int_equal(ev_count(w->mevents, "message-changed"), 0);
	assert_int_equal(json_integer_value(json_object_get(ev_get(w->mevents, "message-read", NULL, NULL, 0), "len")),
			 MLAB_MAX_PLAINTEXT);
	send_text(w, &w->a, "banana", "baanaanaa");
	close_both(w);
	assert_no_mallory_error(w);
	world_free(w);
}

static void test_rule_parse(void **s)
{
	(void)s;
	struct dhmitm_rule r;
	assert_err(dhmitm_rule_parse("a=>b", &r), 0);
	assert_int_equal(r.from_len, 1);
	assert_memory_equal(r.from, "a", 1);
	assert_int_equal(r.to_len, 1);
	assert_memory_equal(r.to, "b", 1);
	assert_err(dhmitm_rule_parse("x=>y=>z", &r), 0);
	assert_int_equal(r.from_len, 1);
	assert_int_equal(r.to_len, 4);
	assert_memory_equal(r.to, "y=>z", 4);
	assert_err(dhmitm_rule_parse("delete me=>", &r), 0);
	assert_int_equal(r.from_len, 9);
	assert_int_equal(r.to_len, 0);
	assert_err(dhmitm_rule_parse("=>b", &r), MLAB_E_ARG);
	assert_err(dhmitm_rule_parse("no arrow", &r), MLAB_E_ARG);
	assert_err(dhmitm_rule_parse("a=b", &r), MLAB_E_ARG);
	assert_err(dhmitm_rule_parse("", &r), MLAB_E_ARG);
	assert_err(dhmitm_rule_parse(NULL, &r), MLAB_E_ARG);
}

/* ======================================================================
 * (3), (4) Signed mode: the honest peer's check stops her
 * ====================================================================== */

static void assert_blocked(struct world *w, struct party *victim, struct party *other, int err)
{
	json_t *e;

	assert_err(victim->k.err, err);
	assert_int_equal(victim->k.state, MLAB_KEX_FAILED);
	e = ev_get(victim->events, "error", NULL, NULL, 0);
	assert_string_equal(str_of(e, "error"), mlab_err_name(err));
	assert_string_equal(str_of(e, "check"), mlab_err_check(err));
	/* The other peer got the alert through her, and names the reason. */
	assert_err(other->k.err, MLAB_E_PEER_ALERT);
	assert_string_equal(str_of(ev_get(other->events, "alert-received", NULL, NULL, 0), "error"),
			    mlab_err_name(err));
	e = ev_get(w->mevents, "alert-seen", NULL, NULL, 0);
	assert_string_equal(str_of(e, "error"), mlab_err_name(err));
	assert_false(mlab_kex_connected(&w->a.k));
	assert_false(mlab_kex_connected(&w->b.k));
	assert_null(ev_find(w->mevents, "message-read", NULL, NULL, 0));
	assert_null(ev_find(w->mevents, "error", NULL, NULL, 0));
}

/* Key fixing: the secret is known (zero, n bytes), so the keys follow from
 * the bytes each peer saw alone: through the shared key schedule, over that
 * peer's transcript through alice's share (TH_keys), they are the peer's and
 * mallory's. */
static void assert_fixed_keys(struct world *w, size_t n)
{
	struct party *ps[2] = {&w->a, &w->b};
	uint8_t zero[MLAB_MAX_SECRET] = {0};

	for (int i = 0; i < 2; i++) {
		struct mlab_transcript tr;
		struct mlab_keys k;
		struct mlab_rd r;
		uint8_t type = 0;
		const uint8_t *body = NULL;
		uint32_t len = 0;
		int shares = 0;

		assert_err(mlab_transcript_init(&tr), 0);
		mlab_rd_init(&r, ps[i]->seen, ps[i]->seen_len);
		while (shares < 2) {
			assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
			assert_err(mlab_transcript_frame(&tr, type, body, len), 0);
			shares += type == MLAB_MSG_KEY_SHARE;
		}
		assert_err(mlab_keysched_derive_tr(&tr, zero, n, &k), 0);
		assert_memory_equal(&k, &ps[i]->k.keys, sizeof k);
		assert_memory_equal(&k, dhmitm_keys(w->m, i == 0 ? DHMITM_TO_ALICE : DHMITM_TO_BOB), sizeof k);
		mlab_keys_wipe(&k);
		mlab_transcript_free(&tr);
	}
}

/* Key fixing (Cryptopals 34): peers that skip validation both end up with a
 * zero secret she knows without any key; peers that validate refuse p. */
static void key_fixing_case(uint16_t group, bool validate)
{
	struct dhmitm_config mc = {.key_fixing = true};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, group, MLAB_CIPHER_CHACHA20_POLY1305);
	a.validate_shares = b.validate_shares = validate;
	struct world *w = world_new(&a, &b, &mc);

	run(w);
	if (validate) {
		/* bob's share is replaced first, on its way to alice. */
		assert_blocked(w, &w->a, &w->b,
			       group == MLAB_GROUP_X25519 ? MLAB_E_SHARE_LOW_ORDER : MLAB_E_SHARE_RANGE);
	} else {
		assert_relayed(w);
		assert_same_as_engines(w);
		assert_fixed_keys(w, mlab_group_by_id(group)->share_len);
		send_text(w, &w->a, "transfer 100", "transfer 100");
		assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "alice", 0), "text"),
				    "transfer 100");
		close_both(w);
	}
	world_free(w);
}

static void test_key_fixing_unvalidated_ffdhe2048(void **s)
{
	(void)s;
	key_fixing_case(MLAB_GROUP_FFDHE2048, false);
}

static void test_key_fixing_unvalidated_x25519(void **s)
{
	(void)s;
	key_fixing_case(MLAB_GROUP_X25519, false);
}

static void test_key_fixing_validated_ffdhe2048_blocked(void **s)
{
	(void)s;
	key_fixing_case(MLAB_GROUP_FFDHE2048, true);
}

static void test_key_fixing_validated_x25519_blocked(void **s)
{
	(void)s;
	key_fixing_case(MLAB_GROUP_X25519, true);
}

/* Offer stripping: alice allows a fallback, mallory forces it, the relay
 * works; with "sign" alone offered there is nothing to strip. */
static void test_strip_auth_forces_fallback(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.strip_auth = true};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.modes[1] = b.modes[1] = MLAB_MODE_NONE;
	a.n_modes = b.n_modes = 2;
	struct world *w = world_new(&a, &b, &mc);

	run(w);
	assert_relayed(w);
	assert_int_equal(w->a.k.mode, MLAB_MODE_NONE);
	assert_int_equal(w->b.k.mode, MLAB_MODE_NONE);
	assert_int_equal(ev_count(w->mevents, "offer-stripped"), 1);
	send_text(w, &w->a, "transfer 100", "transfer 100");
	assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "alice", 0), "text"), "transfer 100");
	close_both(w);
	world_free(w);
}

static void test_strip_auth_nothing_to_strip_blocked(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.strip_auth = true};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	b.modes[1] = MLAB_MODE_NONE;
	b.n_modes = 2;
	struct world *w = world_new(&a, &b, &mc);

	run(w);
	assert_int_equal(ev_count(w->mevents, "offer-stripped"), 0);
	assert_blocked(w, &w->a, &w->b, MLAB_E_SIG_INVALID);
	world_free(w);
}

static void signed_forward_case(uint16_t group)
{
	struct dhmitm_config mc = {0};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct world *w = world_new(&a, &b, &mc);
	char bob_kid[9];

	run(w);
	assert_blocked(w, &w->a, &w->b, MLAB_E_SIG_INVALID);
	kid_of(bob_key, bob_kid);
	json_t *e = ev_get(w->mevents, "signature-forwarded", "toward", "alice", 0);
	assert_string_equal(str_of(e, "signer_key"), bob_kid);
	assert_int_equal(ev_count(w->mevents, "share-swapped"), 1);
	/* alice never sent her share: no leg got keys. */
	assert_int_equal(ev_count(w->mevents, "session-key"), 0);
	assert_null(dhmitm_key_id(w->m, DHMITM_TO_ALICE));
	world_free(w);
}

static void test_signed_forwarded_signature_invalid(void **s)
{
	(void)s;
	signed_forward_case(MLAB_GROUP_X25519);
}

static void test_signed_forwarded_signature_invalid_ffdhe2048(void **s)
{
	(void)s;
	signed_forward_case(MLAB_GROUP_FFDHE2048);
}

static void test_signed_forged_pinned_key(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.forge_key = mallory_key};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct world *w = world_new(&a, &b, &mc);
	char m_kid[9], b_kid[9];

	run(w);
	assert_blocked(w, &w->a, &w->b, MLAB_E_PIN_MISMATCH);
	kid_of(mallory_key, m_kid);
	kid_of(bob_key, b_kid);
	json_t *e = ev_get(w->mevents, "signature-forged", "toward", "alice", 0);
	assert_string_equal(str_of(e, "signer_key"), m_kid);
	assert_string_equal(str_of(e, "scope"), "transcript");
	/* alice saw mallory's key where she pinned bob's. */
	e = ev_get(w->a.events, "signature-key", NULL, NULL, 0);
	assert_string_equal(str_of(e, "signer_key"), m_kid);
	assert_string_equal(str_of(e, "pinned_key"), b_kid);
	world_free(w);
}

/* Mutual: alice was fooled into pinning mallory's key as bob's, so the forged
 * signature passes and alice signs; mallory re-signs alice's signature toward
 * bob, whose pinned copy of alice's key stops it. */
static void test_mutual_forged_stopped_by_bob(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.forge_key = mallory_key};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.mutual = b.mutual = true;
	a.peer_key = mallory_pub;
	struct world *w = world_new(&a, &b, &mc);

	run(w);
	assert_blocked(w, &w->b, &w->a, MLAB_E_PIN_MISMATCH);
	assert_int_equal(ev_count(w->mevents, "signature-forged"), 2);
	assert_non_null(ev_find(w->mevents, "signature-forged", "toward", "bob", 0));
	/* Both legs had their keys once alice's signature was in. */
	assert_int_equal(ev_count(w->mevents, "session-key"), 2);
	world_free(w);
}

/* When the peers pin her key (trust gone wrong), she completes both signed
 * handshakes and reads everything: the pin is the whole defence. */
static void fooled_case(bool mutual, enum mlab_scope scope, uint16_t group)
{
	static const char *const specs[] = {"100=>9999"};
	struct dhmitm_rule rules[1];
	struct dhmitm_config mc = tamper_cfg(rules, 1, specs);
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);

	mc.forge_key = mallory_key;
	mc.scope = scope;
	a.mutual = b.mutual = mutual;
	a.scope = b.scope = scope;
	a.peer_key = mallory_pub;
	b.peer_key = mallory_pub;
	struct world *w = world_new(&a, &b, &mc);
	run(w);
	assert_relayed(w);
	assert_shares_swapped(w);
	assert_same_as_engines(w);
	assert_int_equal(ev_count(w->mevents, "signature-forged"), mutual ? 2 : 1);
	send_text(w, &w->a, "pay 100", "pay 9999");
	send_text(w, &w->b, "paid 100", "paid 9999");
	close_both(w);
	world_free(w);
}

static void test_fooled_signed_transcript(void **s)
{
	(void)s;
	fooled_case(false, MLAB_SCOPE_TRANSCRIPT, MLAB_GROUP_X25519);
}

static void test_fooled_mutual_transcript(void **s)
{
	(void)s;
	fooled_case(true, MLAB_SCOPE_TRANSCRIPT, MLAB_GROUP_X25519);
}

static void test_fooled_mutual_params_ffdhe2048(void **s)
{
	(void)s;
	fooled_case(true, MLAB_SCOPE_PARAMS, MLAB_GROUP_FFDHE2048);
}

/* Explicit parameters under the params scope: alice verifies p and g with
 * bob's share (lib/mlab_share.c, mlab_share_signed), so her forgery must
 * cover them too — signing the share alone fails alice's signature check. */
static void test_fooled_params_explicit(void **s)
{
	(void)s;
	fooled_case(false, MLAB_SCOPE_PARAMS, MLAB_GROUP_EXPLICIT);
}

/* ======================================================================
 * (4b) Group downgrade (Logjam): the offer rewritten to a weak group, the
 *      shares and bob's signature passed unchanged, bob's key solved live
 * ====================================================================== */

static struct world *downgrade_world(uint8_t mode, enum mlab_scope scope, bool offer_weak)
{
	struct dhmitm_config mc = {.downgrade_group = MLAB_GROUP_LAB32};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, mode, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, mode, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	a.groups[1] = b.groups[1] = MLAB_GROUP_LAB32; /* alice prefers x25519 */
	a.n_groups = offer_weak ? 2 : 1;
	b.n_groups = 2;
	a.scope = b.scope = scope;
	mc.scope = scope;
	return world_new(&a, &b, &mc);
}

/* Params scope: bob's signature covers the nonces and his share, not the
 * offer, so it verifies at alice; she reads everything. */
static void test_downgrade_params_scope_reads(void **s)
{
	(void)s;
	struct world *w = downgrade_world(MLAB_MODE_SIGN, MLAB_SCOPE_PARAMS, true);

	run(w);
	assert_relayed(w);
	assert_int_equal(w->a.k.group, MLAB_GROUP_LAB32);
	assert_int_equal(w->b.k.group, MLAB_GROUP_LAB32);
	assert_string_equal(str_of(ev_get(w->mevents, "offer-downgraded", "toward", "bob", 0), "group"), "lab-32");
	assert_string_equal(str_of(ev_get(w->mevents, "dlog-solved", NULL, NULL, 0), "group"), "lab-32");
	/* Nothing swapped: alice verified bob's own signature over bob's share. */
	assert_int_equal(ev_count(w->mevents, "share-swapped"), 0);
	assert_int_equal(ev_count(w->mevents, "signature-forwarded"), 1);
	assert_non_null(ev_find(w->a.events, "signature-verified", NULL, NULL, 0));
	assert_same_as_engines(w);
	send_text(w, &w->a, "transfer 100", "transfer 100");
	assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "alice", 0), "text"), "transfer 100");
	close_both(w);
	world_free(w);
}

/* Transcript scope: bob signed the hello he got, alice checks the one she
 * sent. */
static void test_downgrade_transcript_scope_blocked(void **s)
{
	(void)s;
	struct world *w = downgrade_world(MLAB_MODE_SIGN, MLAB_SCOPE_TRANSCRIPT, true);

	run(w);
	assert_int_equal(ev_count(w->mevents, "offer-downgraded"), 1);
	assert_blocked(w, &w->a, &w->b, MLAB_E_SIG_INVALID);
	world_free(w);
}

/* Not offered: nothing to downgrade, and the share swap takes the turn. */
static void test_downgrade_not_offered_swaps(void **s)
{
	(void)s;
	struct world *w = downgrade_world(MLAB_MODE_NONE, MLAB_SCOPE_TRANSCRIPT, false);

	run(w);
	assert_relayed(w);
	assert_int_equal(ev_count(w->mevents, "offer-downgraded"), 0);
	assert_int_equal(ev_count(w->mevents, "dlog-solved"), 0);
	assert_shares_swapped(w);
	assert_same_as_engines(w);
	world_free(w);
}

/* ======================================================================
 * (5) Cipher none: plaintext records, read and rewritten the same way
 * ====================================================================== */

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static void test_cipher_none_read_and_tamper(void **s)
{
	(void)s;
	static const char *const specs[] = {"transfer 100=>transfer 9999"};
	struct dhmitm_rule rules[1];
	struct dhmitm_config mc = tamper_cfg(rules, 1, specs);
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_NONE, &mc);
	char hex[64];

	run(w);
	assert_relayed(w);
	send_text(w, &w->a, "transfer 100 to carol", "transfer 9999 to carol");
	assert_changed(w, "alice", 0, "transfer 100 to carol", "transfer 9999 to carol");
	hex_of("transfer 100 to carol", 21, hex);
	assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "alice", 0), "hex"), hex);
	/* On bob's wire the rewritten text travels in clear. */
	assert_true(contains(w->wire[DHMITM_TO_BOB], w->wire_len[DHMITM_TO_BOB], "transfer 9999 to carol"));
	send_text(w, &w->b, "done", "done");
	send_text(w, &w->a, "transfer 100 again", "transfer 9999 again");
	close_both(w);
	assert_no_mallory_error(w);
	world_free(w);
}

/* ======================================================================
 * (6) Frames she cannot follow: one error, then a plain wire
 * ====================================================================== */

static struct dhmitm *bare_mitm(struct mlab_ev *ev, json_t **log)
{
	struct dhmitm_config mc = {0};
	struct dhmitm *m = NULL;
	ev_setup(ev, "mallory", log);
	assert_err(dhmitm_new(&m, &mc, ev), 0);
	return m;
}

/* Feeds one frame; it must come out unchanged. */
static void feed_unchanged(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *out = malloc(OUT_CAP), *copy = dup_exact(body, len);
	struct mlab_wr w;
	assert_non_null(out);
	mlab_wr_init(&w, out, OUT_CAP);
	assert_err(dhmitm_on_frame(m, d, type, copy, len, &w), 0);
	assert_int_equal(w.len, MLAB_FRAME_HDR + len);
	assert_int_equal(out[0], type);
	assert_int_equal(((uint32_t)out[1] << 24) | ((uint32_t)out[2] << 16) | ((uint32_t)out[3] << 8) | out[4], len);
	if (len)
		assert_memory_equal(out + MLAB_FRAME_HDR, body, len);
	free(copy);
	free(out);
}

static void test_garbage_unknown_type_then_transparent(void **s)
{
	(void)s;
	struct mlab_ev ev;
	json_t *log;
	struct dhmitm *m = bare_mitm(&ev, &log);
	const uint8_t junk[] = "junk";

	feed_unchanged(m, DHMITM_TO_BOB, 99, junk, 4);
	assert_true(dhmitm_transparent(m));
	assert_int_equal(ev_count(log, "error"), 1);
	json_t *e = ev_get(log, "error", NULL, NULL, 0);
	assert_string_equal(str_of(e, "error"), "unknown-type");
	assert_string_equal(str_of(e, "where"), "dh-mitm");
	/* More garbage, both ways, of every kind: forwarded, no further report. */
	feed_unchanged(m, DHMITM_TO_ALICE, 0, NULL, 0);
	feed_unchanged(m, DHMITM_TO_BOB, MLAB_MSG_CLIENT_HELLO, junk, 3);
	feed_unchanged(m, DHMITM_TO_ALICE, MLAB_MSG_RECORD, junk, 4);
	feed_unchanged(m, DHMITM_TO_ALICE, MLAB_MSG_ALERT, junk, 2);
	assert_int_equal(ev_count(log, "error"), 1);
	assert_int_equal(json_array_size(log), 1);
	dhmitm_free(m);
	json_decref(log);
}

/* The first frame of each kind that she cannot follow. */
static void test_garbage_first_frames(void **s)
{
	(void)s;
	static const struct {
		enum dhmitm_dir d;
		uint8_t type;
		size_t len;
		int err;
	} cases[] = {
	    {DHMITM_TO_BOB, MLAB_MSG_CLIENT_HELLO, 3, MLAB_E_TRUNCATED},
	    {DHMITM_TO_ALICE, MLAB_MSG_CLIENT_HELLO, 41, MLAB_E_UNEXPECTED},
	    {DHMITM_TO_BOB, MLAB_MSG_SERVER_HELLO, 38, MLAB_E_UNEXPECTED},
	    {DHMITM_TO_BOB, MLAB_MSG_KEY_SHARE, 36, MLAB_E_UNEXPECTED},
	    {DHMITM_TO_ALICE, MLAB_MSG_SIGNATURE, 102, MLAB_E_UNEXPECTED},
	    {DHMITM_TO_BOB, MLAB_MSG_FINISHED, 32, MLAB_E_UNEXPECTED},
	    {DHMITM_TO_ALICE, MLAB_MSG_RECORD, 25, MLAB_E_UNEXPECTED},
	    {DHMITM_TO_BOB, 0, 1, MLAB_E_UNKNOWN_TYPE},
	    {DHMITM_TO_BOB, 200, 0, MLAB_E_UNKNOWN_TYPE},
	};
	uint8_t body[128];

	memset(body, 0x01, sizeof body); /* version 1 where one is read */
	for (size_t i = 0; i < N_OF(cases); i++) {
		struct mlab_ev ev;
		json_t *log;
		struct dhmitm *m = bare_mitm(&ev, &log);
		feed_unchanged(m, cases[i].d, cases[i].type, body, cases[i].len);
		assert_true(dhmitm_transparent(m));
		assert_int_equal(ev_count(log, "error"), 1);
		assert_string_equal(str_of(ev_get(log, "error", NULL, NULL, 0), "error"), mlab_err_name(cases[i].err));
		dhmitm_free(m);
		json_decref(log);
	}
}

/* A ServerHello with a group outside her policy: she stands aside, and
 * alice and bob, untouched, share one key. */
static void test_group_outside_policy_transparent(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.groups = {MLAB_GROUP_FFDHE2048}, .n_groups = 1};
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, &mc);

	run(w);
	assert_true(dhmitm_transparent(w->m));
	assert_int_equal(ev_count(w->mevents, "error"), 1);
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "error"), "no-common-group");
	assert_true(mlab_kex_connected(&w->a.k));
	assert_true(mlab_kex_connected(&w->b.k));
	assert_string_equal(w->a.k.keys.key_id, w->b.k.keys.key_id);
	send_text(w, &w->a, "private", "private");
	assert_int_equal(ev_count(w->mevents, "message-read"), 0);
	assert_int_equal(ev_count(w->mevents, "share-swapped"), 0);
	world_free(w);
}

static void flip_alice_finished(struct world *w, enum dhmitm_dir d, uint8_t type, uint8_t *body, size_t len)
{
	(void)w;
	if (d == DHMITM_TO_BOB && type == MLAB_MSG_FINISHED && len)
		body[0] ^= 0x01;
}

/* alice's Finished altered on its way to her: it does not verify under her
 * keys; she reports it, stands aside, and bob catches it too. */
static void test_finished_not_verifying(void **s)
{
	(void)s;
	struct dhmitm_config mc = {0};
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, &mc);

	w->hook = flip_alice_finished;
	run(w);
	assert_true(dhmitm_transparent(w->m));
	assert_int_equal(ev_count(w->mevents, "error"), 1);
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "error"), "finished-mismatch");
	assert_err(w->b.k.err, MLAB_E_FINISHED);
	assert_err(w->a.k.err, MLAB_E_PEER_ALERT);
	world_free(w);
}

/* Mid-session: a record that does not open under alice's leg (forged), then a
 * replayed one in another session. She reports once and forwards. */
static void test_bad_records_mid_session(void **s)
{
	(void)s;
	struct dhmitm_config mc = {0};
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, &mc);
	uint8_t rec[8 + 1 + 5 + 16];

	run(w);
	assert_relayed(w);
	send_text(w, &w->a, "first", "first");
	memset(rec, 0, sizeof rec);
	rec[7] = 1; /* seq 1: the next one, but no valid tag */
	through_mallory(w, DHMITM_TO_BOB, MLAB_MSG_RECORD, rec, sizeof rec);
	assert_true(dhmitm_transparent(w->m));
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "error"), "record-auth");
	/* Forwarded as it came: bob's own check stops it. */
	assert_err(w->b.k.err, MLAB_E_RECORD_AUTH);
	settle(w);
	assert_int_equal(ev_count(w->mevents, "error"), 1);
	world_free(w);

	w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, &mc);
	run(w);
	send_text(w, &w->a, "once", "once");
	/* The same record from alice again. */
	through_mallory(w, DHMITM_TO_BOB, w->last_type[DHMITM_TO_BOB], w->last_body[DHMITM_TO_BOB],
			w->last_len[DHMITM_TO_BOB]);
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "error"), "record-replay");
	assert_true(dhmitm_transparent(w->m));
	assert_err(w->b.k.err, MLAB_E_REPLAY);
	world_free(w);
}

/* Handshake messages after the handshake, a record after the close. */
static void test_out_of_order_after_handshake(void **s)
{
	(void)s;
	struct dhmitm_config mc = {0};
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_NONE, &mc);
	uint8_t fin[MLAB_MAC_LEN] = {0};

	run(w);
	assert_relayed(w);
	through_mallory(w, DHMITM_TO_ALICE, MLAB_MSG_FINISHED, fin, sizeof fin);
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "error"), "unexpected-message");
	world_free(w);

	w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_NONE, &mc);
	run(w);
	assert_err(mlab_kex_seal(&w->a.k, MLAB_CONTENT_CLOSE, NULL, 0, &w->a.out), 0);
	settle(w);
	uint8_t rec[] = {0, 0, 0, 0, 0, 0, 0, 1, MLAB_CONTENT_DATA, 'x'};
	through_mallory(w, DHMITM_TO_BOB, MLAB_MSG_RECORD, rec, sizeof rec);
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "error"), "unexpected-message");
	assert_err(w->b.k.err, MLAB_E_UNEXPECTED);
	world_free(w);
}

/* An output buffer too small: refused up front, nothing changes. */
static void test_no_space_and_bad_arguments(void **s)
{
	(void)s;
	struct mlab_ev ev;
	json_t *log;
	struct dhmitm *m = bare_mitm(&ev, &log);
	uint8_t small[64], body[4] = {0};
	struct mlab_wr w;

	mlab_wr_init(&w, small, sizeof small);
	assert_err(dhmitm_on_frame(m, DHMITM_TO_BOB, 99, body, sizeof body, &w), MLAB_E_NOSPACE);
	assert_int_equal(w.len, 0);
	assert_int_equal(json_array_size(log), 0);
	assert_false(dhmitm_transparent(m));
	assert_err(dhmitm_on_frame(NULL, DHMITM_TO_BOB, 99, body, sizeof body, &w), MLAB_E_ARG);
	assert_err(dhmitm_on_frame(m, DHMITM_TO_BOB, 99, NULL, 4, &w), MLAB_E_ARG);
	assert_err(dhmitm_on_frame(m, (enum dhmitm_dir)7, 99, body, sizeof body, &w), MLAB_E_ARG);
	assert_err(dhmitm_on_frame(m, DHMITM_TO_BOB, 99, body, sizeof body, NULL), MLAB_E_ARG);
	assert_int_equal(json_array_size(log), 0);
	assert_null(dhmitm_key_id(m, DHMITM_TO_BOB));
	assert_false(dhmitm_relaying(m));
	dhmitm_free(m);
	dhmitm_free(NULL);
	json_decref(log);
}

static void test_new_refuses_bad_config(void **s)
{
	(void)s;
	struct dhmitm *m = (struct dhmitm *)1;
	struct dhmitm_rule empty = {(const uint8_t *)"x", 0, (const uint8_t *)"y", 1};
	struct dhmitm_config mc = {0};

	mc.groups[0] = 0x9999;
	mc.n_groups = 1;
	assert_err(dhmitm_new(&m, &mc, NULL), MLAB_E_ARG);
	assert_null(m);
	mc = (struct dhmitm_config){0};
	mc.n_groups = MLAB_MAX_OFFERS + 1;
	assert_err(dhmitm_new(&m, &mc, NULL), MLAB_E_ARG);
	mc = (struct dhmitm_config){.rules = &empty, .n_rules = 1};
	assert_err(dhmitm_new(&m, &mc, NULL), MLAB_E_ARG);
	mc = (struct dhmitm_config){.n_rules = 1};
	assert_err(dhmitm_new(&m, &mc, NULL), MLAB_E_ARG);
	/* A public key cannot sign. */
	mc = (struct dhmitm_config){.forge_key = bob_pub};
	assert_err(dhmitm_new(&m, &mc, NULL), MLAB_E_NO_KEY);
	assert_null(m);
	assert_err(dhmitm_new(&m, NULL, NULL), MLAB_E_ARG);
	/* The rules are copied: the caller's storage may go. */
	char spec[] = "abc=>xyz";
	struct dhmitm_rule r;
	assert_err(dhmitm_rule_parse(spec, &r), 0);
	mc = (struct dhmitm_config){.rules = &r, .n_rules = 1, .forge_key = mallory_key};
	assert_err(dhmitm_new(&m, &mc, NULL), 0);
	memset(spec, 0, sizeof spec);
	dhmitm_free(m);
}

/* ======================================================================
 * (7) Explicit parameters: malicious generator (Cryptopals 35) and the
 *     small-subgroup share
 * ====================================================================== */

/* p of the group whose parameters bob sends (or of a named group), big-endian. */
static size_t p_bytes(uint16_t id, uint8_t *p)
{
	struct mlab_xgroup *x = malloc(sizeof *x);
	uint8_t g[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;
	assert_non_null(x);
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(id)), 0);
	assert_err(mlab_xgroup_bytes(x, p, &pl, g, &gl), 0);
	free(x);
	return pl;
}

/* Hex of 1, p-1 or 0 (which: 1, -1, 0) in p's length. */
static void special_hex(const uint8_t *p, size_t pl, int which, char *hex)
{
	uint8_t v[MLAB_MAX_SHARE];
	memset(v, 0, pl);
	if (which == 1)
		v[pl - 1] = 1;
	else if (which == -1) {
		memcpy(v, p, pl);
		v[pl - 1] &= 0xfe; /* p is odd */
	}
	hex_of(v, pl, hex);
}

static struct world *explicit_world(uint16_t from, bool validate_a, bool validate_b, const struct dhmitm_config *mc)
{
	struct mlab_kex_config a =
	    cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b =
	    cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT, MLAB_CIPHER_CHACHA20_POLY1305);
	a.validate_shares = validate_a;
	b.validate_shares = validate_b;
	b.explicit_from = from;
	return world_new(&a, &b, mc);
}

static void read_both_ways(struct world *w)
{
	send_text(w, &w->a, "transfer 100 to carol", "transfer 100 to carol");
	assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "alice", 0), "text"),
			    "transfer 100 to carol");
	send_text(w, &w->b, "done", "done");
	assert_string_equal(str_of(ev_get(w->mevents, "message-read", "from", "bob", 0), "text"), "done");
	close_both(w);
	assert_no_mallory_error(w);
}

/* Weakened peers, groups = {explicit}: she replaces g toward alice, both
 * handshakes complete, she reads everything. Returns which share alice sent
 * (1, 0 or -1 for p-1). */
static int malicious_g_case(enum dhmitm_g g, uint16_t from)
{
	struct dhmitm_config mc = {.malicious_g = g};
	struct world *w = explicit_world(from, false, false, &mc);
	uint8_t p[MLAB_MAX_SHARE];
	size_t pl = p_bytes(from ? from : MLAB_GROUP_FFDHE2048, p);
	char one[2 * MLAB_MAX_SHARE + 1], zero[2 * MLAB_MAX_SHARE + 1], pm1[2 * MLAB_MAX_SHARE + 1];
	int sent;

	special_hex(p, pl, 1, one);
	special_hex(p, pl, 0, zero);
	special_hex(p, pl, -1, pm1);
	run(w);
	assert_relayed(w);
	assert_int_equal(w->a.k.group, MLAB_GROUP_EXPLICIT);
	assert_int_equal(w->b.k.group, MLAB_GROUP_EXPLICIT);
	/* alice offered explicit first already: nothing to reorder. */
	assert_int_equal(ev_count(w->mevents, "offer-explicit"), 0);
	json_t *e = ev_get(w->mevents, "generator-replaced", "toward", "alice", 0);
	assert_string_equal(str_of(e, "g"), dhmitm_g_name(g));
	assert_int_equal(json_integer_value(json_object_get(e, "bits")),
			 mlab_group_by_id(from ? from : MLAB_GROUP_FFDHE2048)->bits);
	/* alice took (p, g') unchecked. */
	e = ev_get(w->a.events, "params-received", NULL, NULL, 0);
	assert_false(json_is_true(json_object_get(e, "checked")));
	const char *ag = str_of(e, "g");
	char phex[2 * MLAB_MAX_SHARE + 1];
	hex_of(p, pl, phex);
	if (g == DHMITM_G_ONE)
		assert_string_equal(ag, "01");
	else if (strcasecmp(ag, g == DHMITM_G_P ? phex : pm1) != 0)
		fail_msg("alice's g is %s", ag);
	assert_true(strcasecmp(str_of(e, "p"), phex) == 0);
	/* Every share alice can make is degenerate. */
	const char *as = str_of(ev_get(w->a.events, "share-sent", NULL, NULL, 0), "share");
	if (strcmp(as, one) == 0)
		sent = 1;
	else if (strcmp(as, zero) == 0)
		sent = 0;
	else if (strcmp(as, pm1) == 0)
		sent = -1;
	else
		fail_msg("alice's share under g = %s is %.32s…", dhmitm_g_name(g), as);
	assert_int_equal(sent == 0, g == DHMITM_G_P);
	if (g == DHMITM_G_ONE)
		assert_int_equal(sent, 1);
	/* What bob got from her: 1 or 0, never p-1. */
	const char *bs = str_of(ev_get(w->b.events, "share-received", NULL, NULL, 0), "share");
	assert_string_equal(bs, g == DHMITM_G_P ? zero : one);
	assert_same_as_engines(w);
	read_both_ways(w);
	world_free(w);
	return sent;
}

static void test_malicious_g_one(void **s)
{
	(void)s;
	malicious_g_case(DHMITM_G_ONE, 0);
}

static void test_malicious_g_p(void **s)
{
	(void)s;
	malicious_g_case(DHMITM_G_P, 0);
}

static void test_malicious_g_p_minus_1(void **s)
{
	(void)s;
	malicious_g_case(DHMITM_G_P_MINUS_1, 0);
}

/* g' = p-1: alice's share is 1 or p-1 by the parity of her exponent; both
 * must work. lab-48 keeps the runs cheap. */
static void test_malicious_g_p_minus_1_both_parities(void **s)
{
	(void)s;
	bool seen_one = false, seen_pm1 = false;
	for (int i = 0; i < 64 && (i < 8 || !seen_one || !seen_pm1); i++) {
		int sent = malicious_g_case(DHMITM_G_P_MINUS_1, MLAB_GROUP_LAB48);
		seen_one |= sent == 1;
		seen_pm1 |= sent == -1;
	}
	assert_true(seen_one);
	assert_true(seen_pm1);
	malicious_g_case(DHMITM_G_ONE, MLAB_GROUP_LAB48);
	malicious_g_case(DHMITM_G_P, MLAB_GROUP_LAB48);
}

/* alice prefers x25519; mallory moves explicit to the front on its way to
 * bob, who takes it. */
static void test_malicious_g_offer_explicit_first(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.malicious_g = DHMITM_G_ONE};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.groups[1] = b.groups[1] = MLAB_GROUP_EXPLICIT;
	a.n_groups = b.n_groups = 2;
	a.validate_shares = b.validate_shares = false;
	struct world *w = world_new(&a, &b, &mc);

	run(w);
	assert_relayed(w);
	assert_int_equal(ev_count(w->mevents, "offer-explicit"), 1);
	assert_int_equal(w->a.k.group, MLAB_GROUP_EXPLICIT);
	assert_int_equal(w->b.k.group, MLAB_GROUP_EXPLICIT);
	read_both_ways(w);
	world_free(w);
}

/* alice checks the parameters she is sent: g' is refused. */
static void test_malicious_g_validating_alice_blocked(void **s)
{
	(void)s;
	const enum dhmitm_g gs[] = {DHMITM_G_ONE, DHMITM_G_P, DHMITM_G_P_MINUS_1};
	for (size_t i = 0; i < N_OF(gs); i++) {
		struct dhmitm_config mc = {.malicious_g = gs[i]};
		struct world *w = explicit_world(0, true, false, &mc);
		run(w);
		assert_blocked(w, &w->a, &w->b, MLAB_E_GROUP_PARAMS);
		assert_int_equal(ev_count(w->mevents, "generator-replaced"), 1);
		assert_int_equal(ev_count(w->a.events, "share-sent"), 0);
		world_free(w);
	}
}

/* alice offers named groups only: bob takes the reordered offer's
 * explicit, alice refuses a group she never offered. */
static void test_malicious_g_named_only_alice(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.malicious_g = DHMITM_G_ONE};
	struct mlab_kex_config a =
	    cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b =
	    cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT, MLAB_CIPHER_CHACHA20_POLY1305);
	b.groups[1] = MLAB_GROUP_FFDHE2048;
	b.n_groups = 2;
	a.validate_shares = b.validate_shares = false;
	struct world *w = world_new(&a, &b, &mc);

	run(w);
	assert_int_equal(ev_count(w->mevents, "offer-explicit"), 1);
	assert_int_equal(w->b.k.group, MLAB_GROUP_EXPLICIT);
	assert_blocked(w, &w->a, &w->b, MLAB_E_NOT_OFFERED);
	assert_int_equal(ev_count(w->a.events, "params-received"), 0);
	world_free(w);
}

/* Small subgroup: alice gets p-1 as bob's share; her secret is 1 or p-1
 * and her Finished says which. Returns the guess ("1" is 1, "p-1" is -1). */
static int small_subgroup_case(uint16_t group)
{
	struct dhmitm_config mc = {.small_subgroup = true};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, group, MLAB_CIPHER_CHACHA20_POLY1305);
	a.validate_shares = b.validate_shares = false;
	struct world *w = world_new(&a, &b, &mc);
	uint8_t p[MLAB_MAX_SHARE];
	size_t pl = p_bytes(group, p);
	char pm1[2 * MLAB_MAX_SHARE + 1];

	special_hex(p, pl, -1, pm1);
	run(w);
	assert_relayed(w);
	assert_string_equal(str_of(ev_get(w->mevents, "share-swapped", "toward", "alice", 0), "share"), pm1);
	assert_string_equal(str_of(ev_get(w->a.events, "share-received", NULL, NULL, 0), "share"), pm1);
	assert_int_equal(ev_count(w->mevents, "secret-guessed"), 1);
	json_t *e = ev_get(w->mevents, "secret-guessed", "with", "alice", 0);
	assert_int_equal(json_integer_value(json_object_get(e, "candidates")), 2);
	const char *secret = str_of(e, "secret");
	int guess = strcmp(secret, "1") == 0 ? 1 : strcmp(secret, "p-1") == 0 ? -1 : 0;
	if (!guess)
		fail_msg("secret-guessed: secret %s", secret);
	assert_same_as_engines(w);
	read_both_ways(w);
	world_free(w);
	return guess;
}

static void test_small_subgroup_lab48_both_parities(void **s)
{
	(void)s;
	bool seen_one = false, seen_pm1 = false;
	for (int i = 0; i < 64 && (i < 8 || !seen_one || !seen_pm1); i++) {
		int guess = small_subgroup_case(MLAB_GROUP_LAB48);
		seen_one |= guess == 1;
		seen_pm1 |= guess == -1;
	}
	assert_true(seen_one);
	assert_true(seen_pm1);
}

static void test_small_subgroup_ffdhe2048(void **s)
{
	(void)s;
	for (int i = 0; i < 2; i++)
		small_subgroup_case(MLAB_GROUP_FFDHE2048);
}

static void test_small_subgroup_validating_alice_blocked(void **s)
{
	(void)s;
	const uint16_t groups[] = {MLAB_GROUP_FFDHE2048, MLAB_GROUP_LAB48};
	for (size_t i = 0; i < N_OF(groups); i++) {
		struct dhmitm_config mc = {.small_subgroup = true};
		struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, groups[i], MLAB_CIPHER_AES_256_GCM);
		struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, groups[i], MLAB_CIPHER_AES_256_GCM);
		b.validate_shares = false;
		struct world *w = world_new(&a, &b, &mc);
		run(w);
		assert_blocked(w, &w->a, &w->b, MLAB_E_SHARE_RANGE);
		assert_int_equal(ev_count(w->mevents, "secret-guessed"), 0);
		world_free(w);
	}
}

/* X25519 has no element of order 2 to send: she gives up at once, and the
 * honest handshake goes through untouched. */
static void test_small_subgroup_x25519_gives_up(void **s)
{
	(void)s;
	struct dhmitm_config mc = {.small_subgroup = true};
	struct world *w = none_world(MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, &mc);

	run(w);
	assert_true(dhmitm_transparent(w->m));
	assert_int_equal(ev_count(w->mevents, "error"), 1);
	assert_string_equal(str_of(ev_get(w->mevents, "error", NULL, NULL, 0), "where"), "dh-mitm");
	assert_true(mlab_kex_connected(&w->a.k));
	assert_true(mlab_kex_connected(&w->b.k));
	assert_string_equal(w->a.k.keys.key_id, w->b.k.keys.key_id);
	assert_int_equal(ev_count(w->mevents, "share-swapped"), 0);
	assert_int_equal(ev_count(w->mevents, "secret-guessed"), 0);
	assert_null(dhmitm_key_id(w->m, DHMITM_TO_ALICE));
	send_text(w, &w->a, "private", "private");
	send_text(w, &w->b, "also private", "also private");
	assert_int_equal(ev_count(w->mevents, "message-read"), 0);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_relay_x25519_chacha, cleanup),
	    cmocka_unit_test_teardown(test_relay_x25519_aes, cleanup),
	    cmocka_unit_test_teardown(test_relay_ffdhe2048_chacha, cleanup),
	    cmocka_unit_test_teardown(test_relay_ffdhe2048_aes, cleanup),
	    cmocka_unit_test_teardown(test_relay_two_sessions_fresh_keys, cleanup),
	    cmocka_unit_test_teardown(test_key_fixing_unvalidated_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_key_fixing_unvalidated_x25519, cleanup),
	    cmocka_unit_test_teardown(test_key_fixing_validated_ffdhe2048_blocked, cleanup),
	    cmocka_unit_test_teardown(test_key_fixing_validated_x25519_blocked, cleanup),
	    cmocka_unit_test_teardown(test_strip_auth_forces_fallback, cleanup),
	    cmocka_unit_test_teardown(test_strip_auth_nothing_to_strip_blocked, cleanup),
	    cmocka_unit_test_teardown(test_tamper_chacha, cleanup),
	    cmocka_unit_test_teardown(test_tamper_aes, cleanup),
	    cmocka_unit_test_teardown(test_tamper_several_rules_shrink_and_grow, cleanup),
	    cmocka_unit_test_teardown(test_tamper_too_long_skipped, cleanup),
	    cmocka_unit_test_teardown(test_rule_parse, cleanup),
	    cmocka_unit_test_teardown(test_signed_forwarded_signature_invalid, cleanup),
	    cmocka_unit_test_teardown(test_signed_forwarded_signature_invalid_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_signed_forged_pinned_key, cleanup),
	    cmocka_unit_test_teardown(test_mutual_forged_stopped_by_bob, cleanup),
	    cmocka_unit_test_teardown(test_fooled_signed_transcript, cleanup),
	    cmocka_unit_test_teardown(test_fooled_mutual_transcript, cleanup),
	    cmocka_unit_test_teardown(test_fooled_mutual_params_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_fooled_params_explicit, cleanup),
	    cmocka_unit_test_teardown(test_downgrade_params_scope_reads, cleanup),
	    cmocka_unit_test_teardown(test_downgrade_transcript_scope_blocked, cleanup),
	    cmocka_unit_test_teardown(test_downgrade_not_offered_swaps, cleanup),
	    cmocka_unit_test_teardown(test_cipher_none_read_and_tamper, cleanup),
	    cmocka_unit_test_teardown(test_garbage_unknown_type_then_transparent, cleanup),
	    cmocka_unit_test_teardown(test_garbage_first_frames, cleanup),
	    cmocka_unit_test_teardown(test_group_outside_policy_transparent, cleanup),
	    cmocka_unit_test_teardown(test_finished_not_verifying, cleanup),
	    cmocka_unit_test_teardown(test_bad_records_mid_session, cleanup),
	    cmocka_unit_test_teardown(test_out_of_order_after_handshake, cleanup),
	    cmocka_unit_test_teardown(test_no_space_and_bad_arguments, cleanup),
	    cmocka_unit_test_teardown(test_new_refuses_bad_config, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_one, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_p, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_p_minus_1, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_p_minus_1_both_parities, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_offer_explicit_first, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_validating_alice_blocked, cleanup),
	    cmocka_unit_test_teardown(test_malicious_g_named_only_alice, cleanup),
	    cmocka_unit_test_teardown(test_small_subgroup_lab48_both_parities, cleanup),
	    cmocka_unit_test_teardown(test_small_subgroup_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_small_subgroup_validating_alice_blocked, cleanup),
	    cmocka_unit_test_teardown(test_small_subgroup_x25519_gives_up, cleanup),
	};
	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
