/* Unit tests for lib/mlab_kex: the key-exchange state machine.
 *
 * Two engines, alice (initiator) and bob (responder), talk in memory: a pump
 * splits each side's output into frames with mlab_frame_next and feeds them to
 * the other side (RECORD frames to mlab_kex_open once connected). On the way
 * an edit list or a hook may alter, drop, duplicate, reorder or inject frames,
 * as mallory would. Events are captured with a sink.
 *
 * Every failure asserts the exact error code and the sticky state: k.err, the
 * state "failed", exactly one "error" event (error, check, code, message,
 * where), exactly one ALERT for the peer (none when the peer aborted first),
 * nothing else written by the failing call, wiped secrets, and MLAB_E_FAILED
 * for every later call without further output or events. Bodies handed to the
 * engine are heap copies of exactly their length, so ASan catches an
 * over-read. Set MLAB_TEST_VERBOSE=1 to see the engines' human lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_keys.h"
#include "kex_pump.h"
#include "test_util.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_group.h"
#include "mlab_kex.h"
#include "mlab_keysched.h"
#include "mlab_record.h"
#include "mlab_wire.h"

#define MAX_FRAMES 128
#define OUT_CAP (8 * MLAB_MAX_FRAME)

/* Body offsets (docs/protocol.md). */
#define CH_FLAGS_OFF (1 + MLAB_NONCE_LEN)
#define SH_FLAGS_OFF (1 + MLAB_NONCE_LEN)
#define SH_MODE_OFF (SH_FLAGS_OFF + 1)
#define SH_GROUP_OFF (SH_MODE_OFF + 1)
#define SH_CIPHER_OFF (SH_GROUP_OFF + 2)
#define KS_SHARE_OFF 4
#define SIG_PUB_OFF 4
#define SIG_SIG_OFF (SIG_PUB_OFF + MLAB_ED25519_PUB + 2)

/* ======================================================================
 * Keys (made once per run, in memory)
 * ====================================================================== */

/* alice_key, bob_pub, ...: tests/helpers/test_keys.h */

/* ======================================================================
 * Cleanup of what a failed assertion (a longjmp) leaves behind
 * ====================================================================== */

struct deferred {
	void (*fn)(void *);
	void *p;
};
static struct deferred deferred[64];
static size_t n_deferred;

static void defer(void (*fn)(void *), void *p)
{
	assert_true(n_deferred < N_OF(deferred));
	deferred[n_deferred].fn = fn;
	deferred[n_deferred].p = p;
	n_deferred++;
}

static void undefer(void *p)
{
	for (size_t i = n_deferred; i-- > 0;)
		if (deferred[i].p == p) {
			deferred[i] = deferred[--n_deferred];
			return;
		}
	fail_msg("undefer: %p was not registered", p);
}

/* Each test's teardown: frees whatever a failing test could not. */
static int cleanup(void **state)
{
	(void)state;
	while (n_deferred > 0) {
		n_deferred--;
		deferred[n_deferred].fn(deferred[n_deferred].p);
	}
	return 0;
}

/* ======================================================================
 * Frames
 * ====================================================================== */

struct frame {
	uint8_t type;
	uint8_t *body; /* heap, exactly len bytes */
	size_t len;
};

struct flist {
	struct frame f[MAX_FRAMES];
	size_t n;
};

static void fl_insert(struct flist *l, size_t at, uint8_t type, const uint8_t *body, size_t len)
{
	assert_true(l->n < MAX_FRAMES);
	assert_true(at <= l->n);
	uint8_t *copy = dup_exact(body, len);
	memmove(&l->f[at + 1], &l->f[at], (l->n - at) * sizeof l->f[0]);
	l->f[at].type = type;
	l->f[at].body = copy;
	l->f[at].len = len;
	l->n++;
}

static void fl_push(struct flist *l, uint8_t type, const uint8_t *body, size_t len)
{
	fl_insert(l, l->n, type, body, len);
}

static void fl_remove(struct flist *l, size_t at)
{
	assert_true(at < l->n);
	free(l->f[at].body);
	memmove(&l->f[at], &l->f[at + 1], (l->n - at - 1) * sizeof l->f[0]);
	l->n--;
}

static void fl_clear(struct flist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->f[i].body);
	l->n = 0;
}

/* Index of the nth (from 0) frame of a type, or -1. */
static int fl_find(const struct flist *l, uint8_t type, int nth)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->f[i].type == type && nth-- == 0)
			return (int)i;
	return -1;
}

static const struct frame *fl_get(const struct flist *l, uint8_t type, int nth)
{
	int i = fl_find(l, type, nth);
	if (i < 0)
		fail_msg("no %s frame #%d in the log", mlab_msg_name(type), nth);
	return &l->f[i];
}

/* Splits buf[0..n) into frames: every byte must belong to a whole valid frame. */
static void split(const uint8_t *buf, size_t n, struct flist *l)
{
	struct mlab_rd r;
	mlab_rd_init(&r, buf, n);
	while (mlab_rd_left(&r)) {
		uint8_t type = 0;
		const uint8_t *body = NULL;
		uint32_t len = 0;
		assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
		fl_push(l, type, body, len);
	}
}

/* The one frame a writer holds, as a heap frame. */
static struct frame frame_of(const uint8_t *buf, size_t n)
{
	struct flist l = {0};
	struct frame f;
	split(buf, n, &l);
	assert_int_equal(l.n, 1);
	f = l.f[0];
	defer(free, f.body);
	return f;
}

static struct frame mk_raw(uint8_t type, const uint8_t *body, size_t len)
{
	struct frame f = {type, dup_exact(body, len), len};
	defer(free, f.body);
	return f;
}

static void frame_free(struct frame *f)
{
	undefer(f->body);
	free(f->body);
	f->body = NULL;
}

static struct frame mk_sh(uint8_t flags, uint8_t mode, uint16_t group, uint8_t cipher)
{
	struct mlab_server_hello sh = {
	    .version = MLAB_VERSION, .flags = flags, .mode = mode, .group = group, .cipher = cipher};
	uint8_t buf[128];
	struct mlab_wr w;
	memset(sh.nonce, 0x5e, sizeof sh.nonce);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_server_hello_encode(&w, &sh), 0);
	return frame_of(buf, w.len);
}

static struct frame mk_share(uint16_t group, const uint8_t *share, size_t len)
{
	uint8_t buf[MLAB_FRAME_HDR + 4 + MLAB_MAX_SHARE];
	struct mlab_key_share ks = {.group = group, .len = (uint16_t)len, .share = share};
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_key_share_encode(&w, &ks), 0);
	return frame_of(buf, w.len);
}

static struct frame mk_sig(uint16_t scheme, const uint8_t *pub, size_t npub, const uint8_t *sig, size_t nsig)
{
	uint8_t buf[512];
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_wr_u16(&w, scheme), 0);
	assert_err(mlab_wr_vec16(&w, pub, npub), 0);
	assert_err(mlab_wr_vec16(&w, sig, nsig), 0);
	return mk_raw(MLAB_MSG_SIGNATURE, buf, w.len);
}

static struct frame mk_fin(uint8_t fill, size_t len)
{
	uint8_t mac[64];
	assert_true(len <= sizeof mac);
	memset(mac, fill, sizeof mac);
	return mk_raw(MLAB_MSG_FINISHED, mac, len);
}

static struct frame mk_alert(int code)
{
	uint8_t buf[16];
	struct mlab_alert a = {(uint16_t)-code};
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_alert_encode(&w, &a), 0);
	return frame_of(buf, w.len);
}

/* A cipher-"none" record body: seq | content | data. */
static struct frame mk_plain_record(uint64_t seq, uint8_t content, const char *text)
{
	uint8_t buf[256];
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_wr_u64(&w, seq), 0);
	assert_err(mlab_wr_u8(&w, content), 0);
	assert_err(mlab_wr_bytes(&w, text, strlen(text)), 0);
	return mk_raw(MLAB_MSG_RECORD, buf, w.len);
}

static void tr_add_frame(struct mlab_transcript *t, const struct frame *f)
{
	uint8_t hdr[MLAB_FRAME_HDR];
	struct mlab_wr w;
	mlab_wr_init(&w, hdr, sizeof hdr);
	assert_err(mlab_frame_put_hdr(&w, f->type, f->len), 0);
	assert_err(mlab_transcript_add(t, hdr, sizeof hdr), 0);
	assert_err(mlab_transcript_add(t, f->body, f->len), 0);
}

/* ======================================================================
 * Parties, the world and the pump
 * ====================================================================== */

enum { A2B = 0, B2A = 1 };

struct party {
	const char *name;
	int dir; /* the direction of what this side sends */
	struct mlab_kex k;
	struct mlab_ev ev;
	json_t *events; /* deep copies of every event, in order */
	uint8_t *obuf;
	struct mlab_wr out;
	int alert_sent;	 /* the code of the last ALERT this side wrote */
	int n_alerts;	 /* ALERT frames this side wrote */
	int half_flight; /* failing calls that wrote anything but one ALERT */
	int no_alert;	 /* failing calls that wrote no ALERT */
	uint8_t content; /* the last record opened */
	uint8_t *data;
	size_t data_len;
	int n_opened;
};

enum op { OP_XOR, OP_DROP, OP_DUP, OP_REPLACE, OP_INSERT_BEFORE, OP_INSERT_AFTER, OP_SWAP_NEXT };

/* One change mallory makes: on the nth frame of a type in a direction. */
struct edit {
	int dir;
	uint8_t type;
	int nth;
	enum op op;
	size_t off;	   /* OP_XOR: byte offset in the body */
	uint8_t mask;	   /* OP_XOR */
	struct frame with; /* OP_REPLACE / OP_INSERT_*: borrowed */
	bool from_log;	   /* ... or the frame (log_dir, log_type, log_nth) from the log */
	int log_dir;
	uint8_t log_type;
	int log_nth;
	int seen;
	bool done;
};

struct world;
typedef void (*hook_fn)(struct world *w, int dir, struct flist *batch);

struct world {
	struct party a, b;
	struct edit edits[4];
	size_t n_edits;
	hook_fn hook;
	void *hook_arg;
	bool records_via_open;	   /* RECORD frames always to mlab_kex_open */
	struct flist sent[2];	   /* what each side wrote, before mallory */
	struct flist delivered[2]; /* what each side was handed, after mallory */
};

static void sink(void *arg, const char *name, const json_t *event)
{
	struct party *p = arg;
	(void)name;
	assert_int_equal(json_array_append_new(p->events, json_deep_copy(event)), 0);
}

static void party_init(struct party *p, const char *name, int dir)
{
	p->name = name;
	p->dir = dir;
	mlab_ev_init(&p->ev, name, -1, getenv("MLAB_TEST_VERBOSE") ? stderr : NULL);
	p->ev.sink = sink;
	p->ev.sink_arg = p;
	p->events = json_array();
	p->obuf = malloc(OUT_CAP);
	p->data = malloc(MLAB_MAX_PLAINTEXT);
	assert_non_null(p->events);
	assert_non_null(p->obuf);
	assert_non_null(p->data);
	mlab_wr_init(&p->out, p->obuf, OUT_CAP);
}

static void party_free(struct party *p)
{
	mlab_kex_free(&p->k);
	json_decref(p->events);
	free(p->obuf);
	free(p->data);
}

static void world_release(void *p);

static struct world *world_new(const struct mlab_kex_config *ca, const struct mlab_kex_config *cb)
{
	struct world *w = calloc(1, sizeof *w);
	assert_non_null(w);
	defer(world_release, w);
	party_init(&w->a, "alice", A2B);
	party_init(&w->b, "bob", B2A);
	assert_err(mlab_kex_init(&w->a.k, ca, &w->a.ev), 0);
	assert_err(mlab_kex_init(&w->b.k, cb, &w->b.ev), 0);
	return w;
}

static void world_release(void *p)
{
	struct world *w = p;
	party_free(&w->a);
	party_free(&w->b);
	for (int d = 0; d < 2; d++) {
		fl_clear(&w->sent[d]);
		fl_clear(&w->delivered[d]);
	}
	free(w);
}

static void world_free(struct world *w)
{
	undefer(w);
	world_release(w);
}

static struct party *other(struct world *w, const struct party *p)
{
	return p == &w->a ? &w->b : &w->a;
}

/* What one call appended to out since start. A failure (other than FAILED,
 * PEER_ALERT, EOF, IO) must leave exactly one ALERT: no half flight. */
static void note_call(struct party *p, size_t start, int e)
{
	struct flist l = {0};
	if (e == 0)
		return;
	split(p->out.p + start, p->out.len - start, &l);
	if (e == MLAB_E_FAILED || e == MLAB_E_PEER_ALERT || e == MLAB_E_EOF || e == MLAB_E_IO) {
		if (l.n)
			p->half_flight++;
	} else if (l.n == 0) {
		p->no_alert++;
	} else if (l.n != 1 || l.f[0].type != MLAB_MSG_ALERT) {
		p->half_flight++;
	}
	fl_clear(&l);
}

static int p_start(struct party *p)
{
	size_t s = p->out.len;
	int e = mlab_kex_start(&p->k, &p->out);
	note_call(p, s, e);
	return e;
}

static int p_input(struct party *p, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *copy = dup_exact(body, len);
	size_t s = p->out.len;
	int e = mlab_kex_input(&p->k, type, copy, len, &p->out);
	free(copy);
	note_call(p, s, e);
	return e;
}

static int p_input_frame(struct party *p, const struct frame *f)
{
	return p_input(p, f->type, f->body, f->len);
}

static int p_open(struct party *p, const uint8_t *body, size_t len)
{
	uint8_t *copy = dup_exact(body, len);
	uint8_t content = 0;
	size_t n = 0, s = p->out.len;
	int e = mlab_kex_open(&p->k, copy, len, &content, p->data, &n, &p->out);
	free(copy);
	note_call(p, s, e);
	if (e == 0) {
		p->content = content;
		p->data_len = n;
		p->n_opened++;
	}
	return e;
}

static int p_seal(struct party *p, uint8_t content, const uint8_t *data, size_t len)
{
	size_t s = p->out.len;
	int e = mlab_kex_seal(&p->k, content, data, len, &p->out);
	note_call(p, s, e);
	return e;
}

/* Takes every frame a side wrote off its writer, into the log (and batch). */
static void collect(struct world *w, struct party *p, struct flist *batch)
{
	struct flist l = {0};
	split(p->out.p, p->out.len, &l);
	p->out.len = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (l.f[i].type == MLAB_MSG_ALERT) {
			struct mlab_alert a;
			assert_err(mlab_alert_decode(l.f[i].body, l.f[i].len, &a), 0);
			p->alert_sent = -(int)a.code;
			p->n_alerts++;
		}
		fl_push(&w->sent[p->dir], l.f[i].type, l.f[i].body, l.f[i].len);
		if (batch)
			fl_push(batch, l.f[i].type, l.f[i].body, l.f[i].len);
	}
	fl_clear(&l);
}

static int deliver(struct world *w, struct party *to, const struct frame *f)
{
	if (f->type == MLAB_MSG_RECORD &&
	    (w->records_via_open || to->k.state == MLAB_KEX_CONNECTED || to->k.state == MLAB_KEX_CLOSED))
		return p_open(to, f->body, f->len);
	return p_input_frame(to, f);
}

static struct edit *add_edit(struct world *w, int dir, uint8_t type, int nth, enum op op)
{
	assert_true(w->n_edits < N_OF(w->edits));
	struct edit *e = &w->edits[w->n_edits++];
	memset(e, 0, sizeof *e);
	e->dir = dir;
	e->type = type;
	e->nth = nth;
	e->op = op;
	return e;
}

static struct edit *add_xor(struct world *w, int dir, uint8_t type, size_t off, uint8_t mask)
{
	struct edit *e = add_edit(w, dir, type, 0, OP_XOR);
	e->off = off;
	e->mask = mask;
	return e;
}

static void apply_edit(struct world *w, struct edit *e, struct flist *b)
{
	for (size_t i = 0; i < b->n && !e->done; i++) {
		if (b->f[i].type != e->type || e->seen++ != e->nth)
			continue;
		struct frame with = e->with;
		if (e->from_log)
			with = *fl_get(&w->sent[e->log_dir], e->log_type, e->log_nth);
		e->done = true;
		switch (e->op) {
		case OP_XOR:
			assert_true(e->off < b->f[i].len);
			b->f[i].body[e->off] ^= e->mask;
			break;
		case OP_DROP:
			fl_remove(b, i);
			break;
		case OP_DUP:
			fl_insert(b, i + 1, b->f[i].type, b->f[i].body, b->f[i].len);
			break;
		case OP_REPLACE:
			fl_insert(b, i + 1, with.type, with.body, with.len);
			fl_remove(b, i);
			break;
		case OP_INSERT_BEFORE:
			fl_insert(b, i, with.type, with.body, with.len);
			break;
		case OP_INSERT_AFTER:
			fl_insert(b, i + 1, with.type, with.body, with.len);
			break;
		case OP_SWAP_NEXT: {
			assert_true(i + 1 < b->n);
			struct frame t = b->f[i];
			b->f[i] = b->f[i + 1];
			b->f[i + 1] = t;
			break;
		}
		}
	}
}

/* Moves everything one side wrote to the other, through mallory. Stops at the
 * receiver's first error: a failed peer closes the connection. */
static int pump(struct world *w, int dir)
{
	struct party *from = dir == A2B ? &w->a : &w->b, *to = other(w, from);
	struct flist *b = calloc(1, sizeof *b);
	int rc = 0;

	assert_non_null(b);
	collect(w, from, b);
	for (size_t i = 0; i < w->n_edits; i++)
		if (w->edits[i].dir == dir)
			apply_edit(w, &w->edits[i], b);
	if (w->hook && b->n)
		w->hook(w, dir, b);
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		fl_push(&w->delivered[dir], b->f[i].type, b->f[i].body, b->f[i].len);
		rc = deliver(w, to, &b->f[i]);
	}
	fl_clear(b);
	free(b);
	return rc;
}

static void settle(struct world *w)
{
	for (int i = 0; i < 16; i++) {
		if (!w->a.out.len && !w->b.out.len)
			return;
		(void)pump(w, A2B);
		(void)pump(w, B2A);
	}
	fail_msg("the engines are still talking after 16 rounds");
}

static void run(struct world *w)
{
	assert_err(p_start(&w->a), 0);
	settle(w);
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

static void cfg_modes(struct mlab_kex_config *c, size_t n, const uint8_t *m)
{
	memcpy(c->modes, m, n);
	c->n_modes = n;
}

static void cfg_groups(struct mlab_kex_config *c, size_t n, const uint16_t *g)
{
	memcpy(c->groups, g, n * sizeof g[0]);
	c->n_groups = n;
}

static void cfg_ciphers(struct mlab_kex_config *c, size_t n, const uint8_t *ci)
{
	memcpy(c->ciphers, ci, n);
	c->n_ciphers = n;
}

static struct world *pair_new(uint8_t mode, uint16_t group, uint8_t cipher)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, mode, group, cipher);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, mode, group, cipher);
	return world_new(&a, &b);
}

static struct world *mutual_new(uint16_t group, enum mlab_scope scope)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	a.mutual = b.mutual = true;
	a.scope = b.scope = scope;
	return world_new(&a, &b);
}

/* ======================================================================
 * Events and assertions
 * ====================================================================== */

static size_t ev_count(const struct party *p, const char *name)
{
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(p->events, i, e)
	{
		const char *s = json_string_value(json_object_get(e, "event"));
		if (s && strcmp(s, name) == 0)
			n++;
	}
	return n;
}

static json_t *ev_nth(const struct party *p, const char *name, size_t nth)
{
	size_t i;
	json_t *e;
	json_array_foreach(p->events, i, e)
	{
		const char *s = json_string_value(json_object_get(e, "event"));
		if (s && strcmp(s, name) == 0 && nth-- == 0)
			return e;
	}
	fail_msg("%s: no \"%s\" event", p->name, name);
	return NULL;
}

static const char *ev_str(const struct party *p, const char *name, const char *field)
{
	const char *s = json_string_value(json_object_get(ev_nth(p, name, 0), field));
	if (!s)
		fail_msg("%s: event \"%s\" has no string field \"%s\"", p->name, name, field);
	return s;
}

static int ev_bool(const struct party *p, const char *name, const char *field)
{
	json_t *v = json_object_get(ev_nth(p, name, 0), field);
	if (!json_is_boolean(v))
		fail_msg("%s: event \"%s\" has no boolean field \"%s\"", p->name, name, field);
	return json_is_true(v);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void assert_wiped(const struct party *p)
{
	if (!all_zero(p->k.keys.master, sizeof p->k.keys.master))
		fail_msg("%s: the master secret was not wiped after the failure", p->name);
	if (!all_zero(&p->k.keys, sizeof p->k.keys))
		fail_msg("%s: the session keys were not wiped after the failure", p->name);
	if (!all_zero(&p->k.tx, sizeof p->k.tx) || !all_zero(&p->k.rx, sizeof p->k.rx))
		fail_msg("%s: the record keys were not wiped after the failure", p->name);
	if (p->k.dh.priv || p->k.dh.pub_len)
		fail_msg("%s: the ephemeral DH key was not freed after the failure", p->name);
	if (!all_zero(p->k.secret, sizeof p->k.secret))
		fail_msg("%s: the DH secret was not wiped after the failure", p->name);
}

/* Every later call returns MLAB_E_FAILED, writes nothing, emits nothing. */
static void assert_sticky(struct party *p)
{
	static const uint8_t junk[40] = {1, 2, 3};
	static const uint8_t alert[2] = {0, 28};
	size_t len0 = p->out.len, nev = json_array_size(p->events);
	int err = p->k.err, half = p->half_flight;

	for (uint8_t t = MLAB_MSG_CLIENT_HELLO; t <= MLAB_MSG_RECORD; t++)
		assert_err(p_input(p, t, junk, sizeof junk), MLAB_E_FAILED);
	assert_err(p_input(p, MLAB_MSG_ALERT, alert, sizeof alert), MLAB_E_FAILED);
	assert_err(p_open(p, junk, sizeof junk), MLAB_E_FAILED);
	assert_err(p_seal(p, MLAB_CONTENT_DATA, junk, 3), MLAB_E_FAILED);
	assert_err(p_seal(p, MLAB_CONTENT_CLOSE, NULL, 0), MLAB_E_FAILED);
	assert_err(p_start(p), MLAB_E_FAILED);
	assert_err(mlab_kex_fail(&p->k, MLAB_E_TIMEOUT, &p->out), MLAB_E_FAILED);
	assert_false(mlab_kex_connected(&p->k));
	if (p->out.len != len0)
		fail_msg("%s: a call after the failure wrote %zu bytes", p->name, p->out.len - len0);
	if (json_array_size(p->events) != nev)
		fail_msg("%s: a call after the failure emitted an event", p->name);
	assert_int_equal(p->half_flight, half);
	assert_err(p->k.err, err);
	assert_int_equal(p->k.state, MLAB_KEX_FAILED);
}

/* The engine failed with code (in state where, unless NULL); see the top. */
static void assert_failed(struct world *w, struct party *p, int code, const char *where)
{
	collect(w, p, NULL);
	if (p->k.err != code)
		fail_msg("%s: k.err is %d (%s), expected %d (%s)", p->name, p->k.err, mlab_err_name(p->k.err), code,
			 mlab_err_name(code));
	if (p->k.state != MLAB_KEX_FAILED)
		fail_msg("%s: state %s, expected failed", p->name, mlab_kex_state_name(p->k.state));
	size_t n = ev_count(p, "error");
	if (n != 1)
		fail_msg("%s: %zu \"error\" events, expected exactly 1", p->name, n);
	json_t *ev = ev_nth(p, "error", 0);
	assert_string_equal(ev_str(p, "error", "error"), mlab_err_name(code));
	assert_string_equal(ev_str(p, "error", "check"), mlab_err_check(code));
	assert_string_equal(ev_str(p, "error", "message"), mlab_err_text(code));
	assert_int_equal(json_integer_value(json_object_get(ev, "code")), code);
	const char *wh = ev_str(p, "error", "where");
	if (where && strcmp(wh, where) != 0)
		fail_msg("%s: failed in \"%s\", expected \"%s\"", p->name, wh, where);
	assert_wiped(p);
	assert_sticky(p);
	if (p->half_flight)
		fail_msg("%s: a failing call wrote frames besides its ALERT (half a flight)", p->name);
	if (code == MLAB_E_PEER_ALERT) {
		if (p->n_alerts)
			fail_msg("%s: answered the peer's ALERT with an ALERT", p->name);
		assert_int_equal(ev_count(p, "alert-received"), 1);
		assert_string_equal(ev_str(p, "alert-received", "error"), mlab_err_name(p->k.peer_alert));
		assert_int_equal(json_integer_value(json_object_get(ev_nth(p, "alert-received", 0), "code")),
				 p->k.peer_alert);
	} else {
		if (p->n_alerts != 1)
			fail_msg("%s: wrote %d ALERT frames for the peer after failing with %s, expected exactly 1",
				 p->name, p->n_alerts, mlab_err_name(code));
		if (p->alert_sent != code)
			fail_msg("%s: its ALERT says %s, expected %s", p->name, mlab_err_name(p->alert_sent),
				 mlab_err_name(code));
	}
}

/* failer failed with code; its ALERT reached the other side, which aborted
 * with PEER_ALERT and knows why. */
static void assert_aborted(struct world *w, struct party *failer, int code, const char *where)
{
	struct party *o = other(w, failer);
	settle(w);
	assert_failed(w, failer, code, where);
	assert_failed(w, o, MLAB_E_PEER_ALERT, NULL);
	if (o->k.peer_alert != code)
		fail_msg("%s: peer_alert is %d (%s), expected %d (%s)", o->name, o->k.peer_alert,
			 mlab_err_name(o->k.peer_alert), code, mlab_err_name(code));
	json_t *ev = ev_nth(o, "error", 0);
	const char *detail = json_string_value(json_object_get(ev, "detail"));
	assert_non_null(detail);
	assert_non_null(strstr(detail, mlab_err_name(code)));
}

static void assert_types(const struct flist *l, const uint8_t *types, size_t n, const char *who)
{
	if (l->n != n)
		fail_msg("%s sent %zu frames, expected %zu", who, l->n, n);
	for (size_t i = 0; i < n; i++)
		if (l->f[i].type != types[i])
			fail_msg("%s's frame %zu is %s, expected %s", who, i, mlab_msg_name(l->f[i].type),
				 mlab_msg_name(types[i]));
}

static void assert_no_error(const struct party *p)
{
	if (ev_count(p, "error") || p->k.err)
		fail_msg("%s: failed with %s", p->name, mlab_err_name(p->k.err));
}

/* Both sides connected on the same keys with what was expected. */
static void assert_connected(struct world *w, uint8_t mode, uint16_t group, uint8_t cipher, bool client_auth)
{
	struct party *ps[2] = {&w->a, &w->b};
	const struct mlab_group *g = mlab_group_by_id(group);

	assert_non_null(g);
	for (int i = 0; i < 2; i++) {
		struct party *p = ps[i];
		bool ini = p == &w->a;
		assert_no_error(p);
		if (p->k.state != MLAB_KEX_CONNECTED)
			fail_msg("%s: state %s, expected connected", p->name, mlab_kex_state_name(p->k.state));
		assert_true(mlab_kex_connected(&p->k));
		assert_int_equal(p->k.mode, mode);
		assert_int_equal(p->k.group, group);
		assert_int_equal(p->k.cipher, cipher);
		assert_int_equal(p->k.client_auth, client_auth);
		assert_int_equal(p->n_alerts, 0);
		assert_null(p->k.dh.priv);				/* ephemeral key gone once used */
		assert_true(all_zero(p->k.secret, sizeof p->k.secret)); /* and the DH output */
		assert_int_equal(ev_count(p, "negotiated"), 1);
		assert_string_equal(ev_str(p, "negotiated", "mode"), mlab_mode_name(mode));
		assert_string_equal(ev_str(p, "negotiated", "group"), g->name);
		assert_string_equal(ev_str(p, "negotiated", "cipher"), mlab_cipher_name(cipher));
		assert_int_equal(ev_bool(p, "negotiated", "client_auth"), client_auth);
		assert_int_equal(ev_count(p, "weakened"), 0);
		assert_int_equal(ev_count(p, "share-sent"), 1);
		assert_int_equal(ev_count(p, "share-received"), 1);
		assert_int_equal(json_integer_value(json_object_get(ev_nth(p, "share-sent", 0), "len")), g->share_len);
		assert_int_equal(ev_count(p, "session-key"), 1);
		assert_int_equal(ev_count(p, "handshake-done"), 1);
		assert_int_equal(ev_count(p, "finished-sent"), 1);
		assert_int_equal(ev_count(p, "finished-verified"), 1);
		assert_string_equal(ev_str(p, "session-key", "key_id"), p->k.keys.key_id);
		assert_string_equal(ev_str(p, "handshake-done", "key_id"), p->k.keys.key_id);
		assert_int_equal(strlen(p->k.keys.key_id), 8);
		bool signs = ini ? client_auth : mode == MLAB_MODE_SIGN;
		bool checks = ini ? mode == MLAB_MODE_SIGN : client_auth;
		assert_int_equal(ev_count(p, "signature-sent"), signs);
		assert_int_equal(ev_count(p, "signature-verified"), checks);
	}
	assert_string_equal(ev_str(&w->a, "session-key", "key_id"), ev_str(&w->b, "session-key", "key_id"));
	assert_memory_equal(w->a.k.keys.master, w->b.k.keys.master, sizeof w->a.k.keys.master);
	assert_false(all_zero(w->a.k.keys.master, sizeof w->a.k.keys.master));

	const uint8_t a_none[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_FINISHED};
	const uint8_t a_sig[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_SIGNATURE, MLAB_MSG_FINISHED};
	const uint8_t b_none[] = {MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_FINISHED};
	const uint8_t b_sig[] = {MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_SIGNATURE, MLAB_MSG_FINISHED};
	if (client_auth)
		assert_types(&w->sent[A2B], a_sig, N_OF(a_sig), "alice");
	else
		assert_types(&w->sent[A2B], a_none, N_OF(a_none), "alice");
	if (mode == MLAB_MODE_SIGN)
		assert_types(&w->sent[B2A], b_sig, N_OF(b_sig), "bob");
	else
		assert_types(&w->sent[B2A], b_none, N_OF(b_none), "bob");
}

static uint8_t *big_data(void)
{
	static uint8_t big[MLAB_MAX_PLAINTEXT + 1]; /* bob sends big + 1 */
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + 5);
	return big;
}

/* Seals on one side, pumps, and checks what the other side opened. */
static void send_record(struct world *w, struct party *from, uint8_t content, const uint8_t *data, size_t len)
{
	struct party *to = other(w, from);
	int n = to->n_opened;
	size_t tag = from->k.cipher == MLAB_CIPHER_NONE ? 0 : MLAB_AEAD_TAG;

	assert_err(p_seal(from, content, data, len), 0);
	assert_err(pump(w, from->dir), 0);
	assert_int_equal(to->n_opened, n + 1);
	assert_int_equal(to->content, content);
	assert_int_equal(to->data_len, len);
	if (len)
		assert_memory_equal(to->data, data, len);
	const struct frame *f = &w->sent[from->dir].f[w->sent[from->dir].n - 1];
	assert_int_equal(f->type, MLAB_MSG_RECORD);
	assert_int_equal(f->len, MLAB_SEQ_LEN + 1 + len + tag);
	if (from->k.cipher == MLAB_CIPHER_NONE && len)
		assert_memory_equal(f->body + MLAB_SEQ_LEN + 1, data, len); /* sniffable */
	else if (from->k.cipher != MLAB_CIPHER_NONE && len >= 16)
		assert_true(memcmp(f->body + MLAB_SEQ_LEN + 1, data, len) != 0);
}

/* Records both ways, then both close notifications. */
static void exchange_records(struct world *w)
{
	static const size_t lens[] = {0, 1, 37, MLAB_MAX_PLAINTEXT};
	const uint8_t *big = big_data();
	static const char late[] = "bob still talks after alice's close";

	for (size_t i = 0; i < N_OF(lens); i++) {
		send_record(w, &w->a, MLAB_CONTENT_DATA, big, lens[i]);
		send_record(w, &w->b, MLAB_CONTENT_DATA, big + 1, lens[i]);
	}
	send_record(w, &w->a, MLAB_CONTENT_CLOSE, NULL, 0);
	assert_int_equal(w->a.k.state, MLAB_KEX_CLOSED);
	assert_false(mlab_kex_connected(&w->a.k));
	send_record(w, &w->b, MLAB_CONTENT_DATA, (const uint8_t *)late, sizeof late);
	send_record(w, &w->b, MLAB_CONTENT_CLOSE, NULL, 0);
	assert_int_equal(w->b.k.state, MLAB_KEX_CLOSED);
	assert_no_error(&w->a);
	assert_no_error(&w->b);
	assert_int_equal(w->a.n_alerts + w->b.n_alerts, 0);
}

/* ======================================================================
 * Happy paths
 * ====================================================================== */

static void happy(uint8_t mode, uint16_t group, uint8_t cipher)
{
	struct world *w = pair_new(mode, group, cipher);
	run(w);
	assert_connected(w, mode, group, cipher, false);
	exchange_records(w);
	world_free(w);
}

#define HAPPY(name, mode, group, cipher)                                                                               \
	static void test_happy_##name(void **s)                                                                        \
	{                                                                                                              \
		(void)s;                                                                                               \
		happy(mode, group, cipher);                                                                            \
	}
HAPPY(none_x25519, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(none_ffdhe2048, MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(none_ffdhe3072, MLAB_MODE_NONE, MLAB_GROUP_FFDHE3072, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(sign_x25519, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(sign_ffdhe2048, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(sign_ffdhe3072, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE3072, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(cipher_chacha20_poly1305, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305)
HAPPY(cipher_aes_256_gcm, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM)
HAPPY(cipher_none, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_NONE)

static void happy_mutual(uint16_t group, enum mlab_scope scope)
{
	struct world *w = mutual_new(group, scope);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305, true);
	assert_string_equal(ev_str(&w->a, "negotiated", "scope"), scope == MLAB_SCOPE_PARAMS ? "params" : "transcript");
	assert_string_equal(ev_str(&w->b, "signature-verified", "scope"),
			    scope == MLAB_SCOPE_PARAMS ? "params" : "transcript");
	exchange_records(w);
	world_free(w);
}

static void test_happy_mutual_x25519(void **s)
{
	(void)s;
	happy_mutual(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
}

static void test_happy_mutual_ffdhe2048(void **s)
{
	(void)s;
	happy_mutual(MLAB_GROUP_FFDHE2048, MLAB_SCOPE_TRANSCRIPT);
}

static void test_happy_mutual_params_scope(void **s)
{
	(void)s;
	happy_mutual(MLAB_GROUP_X25519, MLAB_SCOPE_PARAMS);
}

static void test_happy_params_scope(void **s)
{
	(void)s;
	struct mlab_kex_config a =
	    cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b =
	    cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	a.scope = b.scope = MLAB_SCOPE_PARAMS;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM, false);
	assert_string_equal(ev_str(&w->a, "signature-verified", "scope"), "params");
	assert_string_equal(ev_str(&w->b, "signature-sent", "scope"), "params");
	exchange_records(w);
	world_free(w);
}

/* alice offers to sign, bob does not ask: no client signature. */
static void test_happy_mutual_offered_not_required(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.mutual = true;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, false);
	assert_true(ev_bool(&w->b, "hello-received", "client_auth"));
	world_free(w);
}

/* Mode none needs no keys at all. */
static void test_happy_none_mode_without_keys(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	a.own_key = a.peer_key = b.own_key = b.peer_key = NULL;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE, false);
	exchange_records(w);
	world_free(w);
}

/* Fresh nonces and shares: two sessions never share a key. */
static void test_happy_two_sessions_different_keys(void **s)
{
	(void)s;
	struct world *w1 = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	struct world *w2 = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	run(w1);
	run(w2);
	assert_connected(w1, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, false);
	assert_connected(w2, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, false);
	assert_true(memcmp(w1->a.k.keys.master, w2->a.k.keys.master, 32) != 0);
	assert_string_not_equal(w1->a.k.keys.key_id, w2->a.k.keys.key_id);
	assert_true(memcmp(w1->a.k.nonce_c, w2->a.k.nonce_c, MLAB_NONCE_LEN) != 0);
	assert_true(memcmp(w1->b.k.nonce_s, w2->b.k.nonce_s, MLAB_NONCE_LEN) != 0);
	world_free(w1);
	world_free(w2);
}

/* After its own close a side may still read, but not write. */
static void test_seal_after_own_close_unexpected(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	run(w);
	send_record(w, &w->a, MLAB_CONTENT_CLOSE, NULL, 0);
	assert_int_equal(w->a.k.state, MLAB_KEX_CLOSED);
	send_record(w, &w->b, MLAB_CONTENT_DATA, (const uint8_t *)"x", 1);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"x", 1), MLAB_E_UNEXPECTED);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "closed");
	world_free(w);
}

/* Nothing may follow the peer's close notification: not even a record that
 * would otherwise open (cipher none: mallory can write the next one). */
static void test_record_after_peer_close_unexpected(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	run(w);
	send_record(w, &w->a, MLAB_CONTENT_DATA, (const uint8_t *)"one", 3);
	send_record(w, &w->a, MLAB_CONTENT_CLOSE, NULL, 0);
	struct frame rec = mk_plain_record(2, MLAB_CONTENT_DATA, "appended");
	assert_err(p_open(&w->b, rec.body, rec.len), MLAB_E_UNEXPECTED);
	assert_int_equal(w->b.n_opened, 2);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "connected");
	frame_free(&rec);
	world_free(w);

	/* a replayed record after the close: refused as well */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	run(w);
	send_record(w, &w->a, MLAB_CONTENT_DATA, (const uint8_t *)"one", 3);
	send_record(w, &w->a, MLAB_CONTENT_CLOSE, NULL, 0);
	const struct frame *f = fl_get(&w->sent[A2B], MLAB_MSG_RECORD, 0);
	rec = mk_raw(f->type, f->body, f->len);
	assert_err(p_open(&w->b, rec.body, rec.len), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "connected");
	frame_free(&rec);
	world_free(w);
}

/* A close notification carries no data: refused rather than dropped. */
static void test_close_with_data_bad_field(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	run(w);
	assert_err(p_seal(&w->a, MLAB_CONTENT_CLOSE, (const uint8_t *)"bye", 3), 0);
	assert_err(pump(w, A2B), MLAB_E_BAD_FIELD);
	assert_int_equal(w->b.n_opened, 0);
	assert_failed(w, &w->b, MLAB_E_BAD_FIELD, "connected");
	world_free(w);
}

/* ======================================================================
 * Negotiation
 * ====================================================================== */

static void test_neg_initiator_preference_wins(void **s)
{
	(void)s;
	struct mlab_kex_config a =
	    cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b =
	    cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	cfg_groups(&a, 2, (const uint16_t[]){MLAB_GROUP_FFDHE2048, MLAB_GROUP_X25519});
	cfg_groups(&b, 2, (const uint16_t[]){MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048});
	cfg_modes(&a, 2, (const uint8_t[]){MLAB_MODE_SIGN, MLAB_MODE_NONE});
	cfg_modes(&b, 2, (const uint8_t[]){MLAB_MODE_NONE, MLAB_MODE_SIGN});
	cfg_ciphers(&a, 3, (const uint8_t[]){MLAB_CIPHER_AES_256_GCM, MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_NONE});
	cfg_ciphers(&b, 3, (const uint8_t[]){MLAB_CIPHER_NONE, MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM});
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM, false);
	world_free(w);

	/* and the other way round: alice's first choice again */
	cfg_groups(&a, 2, (const uint16_t[]){MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048});
	cfg_groups(&b, 2, (const uint16_t[]){MLAB_GROUP_FFDHE2048, MLAB_GROUP_X25519});
	cfg_modes(&a, 2, (const uint8_t[]){MLAB_MODE_NONE, MLAB_MODE_SIGN});
	cfg_modes(&b, 2, (const uint8_t[]){MLAB_MODE_SIGN, MLAB_MODE_NONE});
	cfg_ciphers(&a, 2, (const uint8_t[]){MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM});
	w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, false);
	world_free(w);
}

/* Offers alice makes that bob's policy does not allow: bob refuses first. */
static void no_common(int which, int code)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	if (which == 0) {
		a.modes[0] = MLAB_MODE_NONE;
	} else if (which == 1) {
		cfg_groups(&a, 2, (const uint16_t[]){MLAB_GROUP_FFDHE3072, MLAB_GROUP_X25519});
		cfg_groups(&b, 1, (const uint16_t[]){MLAB_GROUP_FFDHE2048});
	} else {
		cfg_ciphers(&a, 2, (const uint8_t[]){MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_NONE});
	}
	struct world *w = world_new(&a, &b);
	run(w);
	assert_aborted(w, &w->b, code, "wait-client-hello");
	/* bob answered with its ALERT only: no hello, no share */
	assert_int_equal(w->sent[B2A].n, 1);
	assert_int_equal(w->sent[B2A].f[0].type, MLAB_MSG_ALERT);
	assert_int_equal(ev_count(&w->b, "hello-received"), 1);
	assert_int_equal(ev_count(&w->b, "negotiated"), 0);
	world_free(w);
}

static void test_neg_no_common_mode(void **s)
{
	(void)s;
	no_common(0, MLAB_E_NO_COMMON_MODE);
}

static void test_neg_no_common_group(void **s)
{
	(void)s;
	no_common(1, MLAB_E_NO_COMMON_GROUP);
}

static void test_neg_no_common_cipher(void **s)
{
	(void)s;
	no_common(2, MLAB_E_NO_COMMON_CIPHER);
}

static void test_neg_client_auth_required_not_offered(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	b.mutual = true;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_CLIENT_AUTH, "wait-client-hello");
	world_free(w);
}

/* alice offers to sign, mallory strips the flag from her hello. */
static void test_neg_client_auth_offer_stripped_in_transit(void **s)
{
	(void)s;
	struct world *w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
	add_xor(w, A2B, MLAB_MSG_CLIENT_HELLO, CH_FLAGS_OFF, MLAB_FLAG_CLIENT_AUTH);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_CLIENT_AUTH, "wait-client-hello");
	world_free(w);
}

/* mallory sets the flag in alice's hello; bob (requiring it) agrees; alice
 * never offered to sign. */
static void test_neg_client_auth_flag_injected_into_hello(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	b.mutual = true;
	struct world *w = world_new(&a, &b);
	add_xor(w, A2B, MLAB_MSG_CLIENT_HELLO, CH_FLAGS_OFF, MLAB_FLAG_CLIENT_AUTH);
	run(w);
	assert_aborted(w, &w->a, MLAB_E_NOT_OFFERED, "wait-server-hello");
	world_free(w);
}

static void test_neg_unknown_group_ids_skipped(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	cfg_groups(&a, 2, (const uint16_t[]){0x9999, MLAB_GROUP_X25519});
	/* even a policy listing the unknown id cannot make bob choose it */
	cfg_groups(&b, 2, (const uint16_t[]){0x9999, MLAB_GROUP_X25519});
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, false);
	json_t *groups = json_object_get(ev_nth(&w->b, "hello-received", 0), "groups");
	assert_int_equal(json_array_size(groups), 2);
	assert_int_equal(json_integer_value(json_array_get(groups, 0)), 0x9999);
	assert_string_equal(json_string_value(json_array_get(groups, 1)), "x25519");
	world_free(w);

	/* unknown ids only: no common group */
	cfg_groups(&a, 2, (const uint16_t[]){0x9999, 0x0102});
	w = world_new(&a, &b);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_NO_COMMON_GROUP, "wait-client-hello");
	world_free(w);
}

/* alice offered (sign, x25519, aes-256-gcm); a hand-made ServerHello picks sh. */
static void hello_not_offered(struct frame sh, bool mutual)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.mutual = mutual;
	cfg_modes(&a, 2, (const uint8_t[]){MLAB_MODE_SIGN, MLAB_MODE_NONE});
	if (mutual)
		cfg_modes(&a, 2, (const uint8_t[]){MLAB_MODE_NONE, MLAB_MODE_SIGN});
	struct world *w = world_new(&a, &b);
	assert_err(p_start(&w->a), 0);
	collect(w, &w->a, NULL);
	assert_err(p_input_frame(&w->a, &sh), MLAB_E_NOT_OFFERED);
	assert_failed(w, &w->a, MLAB_E_NOT_OFFERED, "wait-server-hello");
	assert_int_equal(ev_count(&w->a, "negotiated"), 0);
	frame_free(&sh);
	world_free(w);
}

static void test_neg_server_hello_mode_not_offered(void **s)
{
	(void)s;
	hello_not_offered(mk_sh(0, 3, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM), false);
	hello_not_offered(mk_sh(0, 0, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM), false);
	/* alice offered sign only in this variant */
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct world *w = world_new(&a, &b);
	struct frame sh = mk_sh(0, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_start(&w->a), 0);
	collect(w, &w->a, NULL);
	assert_err(p_input_frame(&w->a, &sh), MLAB_E_NOT_OFFERED);
	assert_failed(w, &w->a, MLAB_E_NOT_OFFERED, "wait-server-hello");
	frame_free(&sh);
	world_free(w);
}

static void test_neg_server_hello_group_not_offered(void **s)
{
	(void)s;
	hello_not_offered(mk_sh(0, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM), false);
	hello_not_offered(mk_sh(0, MLAB_MODE_SIGN, 0x9999, MLAB_CIPHER_AES_256_GCM), false);
	hello_not_offered(mk_sh(0, MLAB_MODE_SIGN, 0, MLAB_CIPHER_AES_256_GCM), false);
}

static void test_neg_server_hello_cipher_not_offered(void **s)
{
	(void)s;
	hello_not_offered(mk_sh(0, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_NONE), false);
	hello_not_offered(mk_sh(0, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305), false);
	hello_not_offered(mk_sh(0, MLAB_MODE_SIGN, MLAB_GROUP_X25519, 0x42), false);
}

static void test_neg_server_hello_client_auth_not_offered(void **s)
{
	(void)s;
	/* alice did not offer to sign */
	hello_not_offered(mk_sh(MLAB_FLAG_CLIENT_AUTH, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM),
			  false);
	/* alice offered, but client auth in mode none is nonsense */
	hello_not_offered(mk_sh(MLAB_FLAG_CLIENT_AUTH, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM),
			  true);
}

/* alice offers chacha20-poly1305 then aes-256-gcm, bob allows both: mallory
 * rewrites the cipher bob chose in the ServerHello to the other offered one. */
static struct world *downgrade_cipher(enum mlab_scope scope)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	const uint8_t both[] = {MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM};
	cfg_ciphers(&a, 2, both);
	cfg_ciphers(&b, 2, both);
	a.scope = b.scope = scope;
	struct world *w = world_new(&a, &b);
	add_xor(w, B2A, MLAB_MSG_SERVER_HELLO, SH_CIPHER_OFF, MLAB_CIPHER_CHACHA20_POLY1305 ^ MLAB_CIPHER_AES_256_GCM);
	run(w);
	assert_true(w->edits[0].done);
	assert_string_equal(ev_str(&w->b, "negotiated", "cipher"), "chacha20-poly1305");
	assert_string_equal(ev_str(&w->a, "negotiated", "cipher"), "aes-256-gcm");
	return w;
}

/* Transcript scope: bob's signature covers the ServerHello he sent. */
static void test_neg_downgrade_transcript_scope_signature_catches_it(void **s)
{
	(void)s;
	struct world *w = downgrade_cipher(MLAB_SCOPE_TRANSCRIPT);
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
	assert_int_equal(ev_count(&w->a, "signature-verified"), 0);
	assert_int_equal(ev_count(&w->a, "session-key"), 0);
	world_free(w);
}

/* Params scope: the signature covers only nonces and share, so it verifies
 * over the altered hello; only the Finished MAC (over the transcript) tells
 * bob the two sides saw different handshakes. */
static void test_neg_downgrade_params_scope_only_finished_catches_it(void **s)
{
	(void)s;
	struct world *w = downgrade_cipher(MLAB_SCOPE_PARAMS);
	assert_int_equal(ev_count(&w->a, "signature-verified"), 1);
	assert_int_equal(ev_count(&w->a, "finished-sent"), 1);
	assert_aborted(w, &w->b, MLAB_E_FINISHED, "wait-client-finished");
	world_free(w);
}

/* bob requires alice to sign; mallory strips the request from the
 * ServerHello. In params scope the signature does not notice; bob does. */
static void test_neg_client_auth_request_stripped_params_scope(void **s)
{
	(void)s;
	struct world *w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_PARAMS);
	add_xor(w, B2A, MLAB_MSG_SERVER_HELLO, SH_FLAGS_OFF, MLAB_FLAG_CLIENT_AUTH);
	run(w);
	assert_int_equal(ev_count(&w->a, "signature-verified"), 1);
	assert_int_equal(ev_count(&w->a, "signature-sent"), 0);
	assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-signature");
	world_free(w);

	w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
	add_xor(w, B2A, MLAB_MSG_SERVER_HELLO, SH_FLAGS_OFF, MLAB_FLAG_CLIENT_AUTH);
	run(w);
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
	world_free(w);
}

/* ======================================================================
 * Order
 * ====================================================================== */

static void test_order_finished_before_key_share_at_responder(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_KEY_SHARE, 0, OP_SWAP_NEXT);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-share");
	world_free(w);
}

static void test_order_finished_before_key_share_at_initiator(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct frame fin = mk_fin(0x11, MLAB_MAC_LEN);
	add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_INSERT_BEFORE)->with = fin;
	run(w);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-share");
	frame_free(&fin);
	world_free(w);
}

static void test_order_key_share_twice_at_responder(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_KEY_SHARE, 0, OP_DUP);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-finished");
	world_free(w);
}

static void test_order_key_share_twice_at_initiator(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_DUP);
	run(w);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-signature");
	world_free(w);

	/* mode none: alice already answered the first share */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_DUP);
	run(w);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-finished");
	/* bob got alice's flight (sent before the duplicate arrived), then her ALERT */
	assert_failed(w, &w->b, MLAB_E_PEER_ALERT, NULL);
	assert_int_equal(w->b.k.peer_alert, MLAB_E_UNEXPECTED);
	world_free(w);
}

static void test_order_client_hello_twice(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_CLIENT_HELLO, 0, OP_DUP);
	run(w);
	/* bob failed on the second hello, before alice's share arrived */
	assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-share");
	world_free(w);
}

static void test_order_server_hello_twice(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_SERVER_HELLO, 0, OP_DUP);
	run(w);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-share");
	world_free(w);
}

/* A well-formed signature (alice's key, any bytes) where mode none has none. */
static struct frame some_signature(EVP_PKEY *key)
{
	uint8_t pub[MLAB_ED25519_PUB], sig[MLAB_ED25519_SIG];
	assert_err(mlab_ed25519_raw_public(key, pub), 0);
	assert_err(mlab_ed25519_sign(key, "x", 1, sig), 0);
	return mk_sig(MLAB_SIG_ED25519, pub, sizeof pub, sig, sizeof sig);
}

static void test_order_signature_in_mode_none(void **s)
{
	(void)s;
	struct frame sig = some_signature(alice_key);
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_KEY_SHARE, 0, OP_INSERT_AFTER)->with = sig;
	run(w);
	assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-finished");
	world_free(w);

	frame_free(&sig);
	sig = some_signature(bob_key);
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_INSERT_AFTER)->with = sig;
	run(w);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-finished");
	assert_failed(w, &w->b, MLAB_E_PEER_ALERT, NULL);
	world_free(w);

	/* before the share, too */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_INSERT_BEFORE)->with = sig;
	run(w);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-share");
	world_free(w);
	frame_free(&sig);
}

/* mallory drops alice's Finished and sends, in its place, a record properly
 * sealed with alice's client-to-server keys. */
static void hook_record_for_finished(struct world *w, int dir, struct flist *b)
{
	int i;
	uint8_t buf[128];
	struct mlab_wr wr;
	struct mlab_rec r;

	if (dir != A2B || (i = fl_find(b, MLAB_MSG_FINISHED, 0)) < 0)
		return;
	assert_false(all_zero(w->a.k.keys.c2s.key, sizeof w->a.k.keys.c2s.key));
	mlab_rec_init(&r, w->a.k.cipher, &w->a.k.keys.c2s);
	mlab_wr_init(&wr, buf, sizeof buf);
	assert_err(mlab_rec_seal(&r, MLAB_CONTENT_DATA, (const uint8_t *)"early", 5, &wr), 0);
	mlab_rec_wipe(&r);
	struct frame f = frame_of(buf, wr.len);
	undefer(f.body); /* the batch owns it now */
	free(b->f[i].body);
	b->f[i] = f;
}

static void test_order_initiator_finished_skipped_record_instead(void **s)
{
	(void)s;
	for (int via_open = 0; via_open < 2; via_open++) {
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		w->hook = hook_record_for_finished;
		w->records_via_open = via_open;
		run(w);
		assert_int_equal(w->b.n_opened, 0);
		assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-finished");
		world_free(w);
	}
}

/* bob's Finished is lost; bob, connected, sends data: alice must not read it. */
static void test_order_server_data_before_finished(void **s)
{
	(void)s;
	for (int via_open = 0; via_open < 2; via_open++) {
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
		w->records_via_open = via_open;
		add_edit(w, B2A, MLAB_MSG_FINISHED, 0, OP_DROP);
		run(w);
		assert_true(mlab_kex_connected(&w->b.k));
		assert_int_equal(w->a.k.state, MLAB_KEX_WAIT_SERVER_FINISHED);
		assert_err(p_seal(&w->b, MLAB_CONTENT_DATA, (const uint8_t *)"too soon", 8), 0);
		assert_err(pump(w, B2A), MLAB_E_UNEXPECTED);
		assert_int_equal(w->a.n_opened, 0);
		assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-finished");
		world_free(w);
	}
}

static void test_order_server_signature_skipped(void **s)
{
	(void)s;
	struct frame fin = mk_fin(0x22, MLAB_MAC_LEN);
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_SIGNATURE, 0, OP_REPLACE)->with = fin;
	run(w);
	assert_int_equal(ev_count(&w->a, "session-key"), 0);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-signature");
	world_free(w);

	/* dropped outright, then bob's own Finished would come: alice still waits
	 * for the signature and refuses the next handshake frame */
	w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_SIGNATURE, 0, OP_DROP);
	run(w);
	assert_int_equal(w->a.k.state, MLAB_KEX_WAIT_SERVER_SIGNATURE);
	assert_err(p_input_frame(&w->a, &fin), MLAB_E_UNEXPECTED);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-signature");
	world_free(w);
	frame_free(&fin);
}

static void test_order_client_signature_skipped_in_mutual(void **s)
{
	(void)s;
	struct world *w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
	add_edit(w, A2B, MLAB_MSG_SIGNATURE, 0, OP_DROP);
	run(w);
	assert_int_equal(ev_count(&w->b, "session-key"), 0);
	assert_aborted(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-signature");
	world_free(w);
}

static void test_order_records_before_handshake_done(void **s)
{
	(void)s;
	struct frame rec = mk_plain_record(0, MLAB_CONTENT_DATA, "hi");
	struct world *w;

	/* responder, before any hello: through mlab_kex_open and mlab_kex_input */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	assert_err(p_open(&w->b, rec.body, rec.len), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-hello");
	world_free(w);
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	assert_err(p_input_frame(&w->b, &rec), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-hello");
	world_free(w);

	/* initiator waiting for the ServerHello */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	assert_err(p_start(&w->a), 0);
	collect(w, &w->a, NULL);
	assert_err(p_open(&w->a, rec.body, rec.len), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-hello");
	world_free(w);

	/* interleaved into bob's flight, before his share */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	w->records_via_open = true;
	add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_INSERT_BEFORE)->with = rec;
	run(w);
	assert_int_equal(w->a.n_opened, 0);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-share");
	world_free(w);

	/* sealing before the handshake is done */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"x", 1), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "start");
	assert_err(p_seal(&w->b, MLAB_CONTENT_DATA, (const uint8_t *)"x", 1), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-hello");
	world_free(w);
	frame_free(&rec);
}

/* Every handshake frame of the session, replayed to each connected side. */
static void test_order_handshake_message_after_connected(void **s)
{
	(void)s;
	static const uint8_t types[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE,
					MLAB_MSG_SIGNATURE, MLAB_MSG_FINISHED};
	for (int to_bob = 0; to_bob < 2; to_bob++) {
		for (size_t t = 0; t < N_OF(types); t++) {
			struct world *w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
			run(w);
			assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, true);
			struct party *p = to_bob ? &w->b : &w->a;
			int from = types[t] == MLAB_MSG_CLIENT_HELLO   ? A2B
				   : types[t] == MLAB_MSG_SERVER_HELLO ? B2A
				   : to_bob			       ? A2B
								       : B2A;
			struct frame f = mk_raw(types[t], fl_get(&w->sent[from], types[t], 0)->body,
						fl_get(&w->sent[from], types[t], 0)->len);
			assert_err(p_input_frame(p, &f), MLAB_E_UNEXPECTED);
			assert_aborted(w, p, MLAB_E_UNEXPECTED, "connected");
			frame_free(&f);
			world_free(w);
		}
	}
}

static void test_order_handshake_message_after_close(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	run(w);
	send_record(w, &w->a, MLAB_CONTENT_CLOSE, NULL, 0);
	struct frame fin = mk_raw(MLAB_MSG_FINISHED, fl_get(&w->sent[B2A], MLAB_MSG_FINISHED, 0)->body, MLAB_MAC_LEN);
	assert_err(p_input_frame(&w->a, &fin), MLAB_E_UNEXPECTED);
	assert_aborted(w, &w->a, MLAB_E_UNEXPECTED, "closed");
	frame_free(&fin);
	world_free(w);
}

/* Messages for the other role. */
static void test_order_message_for_the_other_role(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct frame sh = mk_sh(0, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_input_frame(&w->b, &sh), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-hello");
	world_free(w);

	/* alice, before start: a ServerHello nobody asked for */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_input_frame(&w->a, &sh), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "start");
	world_free(w);

	/* alice receives a ClientHello (her own, reflected) */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_start(&w->a), 0);
	collect(w, &w->a, NULL);
	struct frame ch = mk_raw(MLAB_MSG_CLIENT_HELLO, w->sent[A2B].f[0].body, w->sent[A2B].f[0].len);
	assert_err(p_input_frame(&w->a, &ch), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-hello");
	frame_free(&ch);
	frame_free(&sh);
	world_free(w);
}

static void test_order_start_twice(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_start(&w->a), 0);
	collect(w, &w->a, NULL);
	assert_err(p_start(&w->a), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->a, MLAB_E_UNEXPECTED, "wait-server-hello");
	world_free(w);
}

static void test_order_start_on_responder(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_start(&w->b), MLAB_E_UNEXPECTED);
	assert_failed(w, &w->b, MLAB_E_UNEXPECTED, "wait-client-hello");
	world_free(w);
}

/* ======================================================================
 * Key shares
 * ====================================================================== */

/* mallory replaces one side's share with share (group gid, len bytes). */
static void bad_share(uint8_t mode, uint16_t group, bool to_bob, uint16_t gid, const uint8_t *share, size_t len,
		      int code, const char *where)
{
	struct world *w = pair_new(mode, group, MLAB_CIPHER_AES_256_GCM);
	struct frame f = mk_share(gid, share, len);
	add_edit(w, to_bob ? A2B : B2A, MLAB_MSG_KEY_SHARE, 0, OP_REPLACE)->with = f;
	run(w);
	assert_true(w->edits[0].done);
	assert_aborted(w, to_bob ? &w->b : &w->a, code, where);
	assert_int_equal(ev_count(to_bob ? &w->b : &w->a, "session-key"), 0);
	frame_free(&f);
	world_free(w);
}

static void test_share_wrong_length_x25519(void **s)
{
	(void)s;
	uint8_t share[64];
	memset(share, 0x09, sizeof share);
	static const size_t lens[] = {1, 31, 33, 64};
	for (size_t i = 0; i < N_OF(lens); i++) {
		bad_share(MLAB_MODE_NONE, MLAB_GROUP_X25519, true, MLAB_GROUP_X25519, share, lens[i],
			  MLAB_E_SHARE_LENGTH, "wait-client-share");
		bad_share(MLAB_MODE_SIGN, MLAB_GROUP_X25519, false, MLAB_GROUP_X25519, share, lens[i],
			  MLAB_E_SHARE_LENGTH, "wait-server-share");
	}
}

/* A short share is not left-padded, a long one with a leading zero is not
 * trimmed: another length is another number, and refused. */
static void test_share_wrong_length_ffdhe(void **s)
{
	(void)s;
	uint8_t share[MLAB_MAX_SHARE];
	memset(share, 0, sizeof share);
	share[300] = 2; /* 257 bytes: 0x00 .. 0x02 */
	share[299] = 0x55;
	bad_share(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, true, MLAB_GROUP_FFDHE2048, share + 300 - 256, 257,
		  MLAB_E_SHARE_LENGTH, "wait-client-share");
	bad_share(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, true, MLAB_GROUP_FFDHE2048, share + 301 - 255, 255,
		  MLAB_E_SHARE_LENGTH, "wait-client-share");
	bad_share(MLAB_MODE_NONE, MLAB_GROUP_FFDHE3072, false, MLAB_GROUP_FFDHE3072, share + 301 - 256, 256,
		  MLAB_E_SHARE_LENGTH, "wait-server-share");
}

static void test_share_wrong_group(void **s)
{
	(void)s;
	uint8_t share[384];
	memset(share, 0, sizeof share);
	share[0] = 9; /* the X25519 base point */
	bad_share(MLAB_MODE_NONE, MLAB_GROUP_X25519, true, MLAB_GROUP_FFDHE2048, share, 32, MLAB_E_SHARE_GROUP,
		  "wait-client-share");
	bad_share(MLAB_MODE_SIGN, MLAB_GROUP_X25519, false, 0x9999, share, 32, MLAB_E_SHARE_GROUP, "wait-server-share");
	share[0] = 0;
	share[255] = 2;
	bad_share(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, true, MLAB_GROUP_FFDHE3072, share, 256, MLAB_E_SHARE_GROUP,
		  "wait-client-share");
}

/* mallory answers bob with bob's own share. */
static void share_reflected(uint8_t mode, uint16_t group)
{
	struct world *w = pair_new(mode, group, MLAB_CIPHER_AES_256_GCM);
	struct edit *e = add_edit(w, A2B, MLAB_MSG_KEY_SHARE, 0, OP_REPLACE);
	e->from_log = true;
	e->log_dir = B2A;
	e->log_type = MLAB_MSG_KEY_SHARE;
	run(w);
	assert_true(e->done);
	assert_aborted(w, &w->b, MLAB_E_SHARE_REFLECTED, "wait-client-share");
	world_free(w);
}

static void test_share_reflected_x25519(void **s)
{
	(void)s;
	share_reflected(MLAB_MODE_NONE, MLAB_GROUP_X25519);
	share_reflected(MLAB_MODE_SIGN, MLAB_GROUP_X25519);
}

static void test_share_reflected_ffdhe(void **s)
{
	(void)s;
	share_reflected(MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048);
	share_reflected(MLAB_MODE_NONE, MLAB_GROUP_FFDHE3072);
}

/* p of a named group, from OpenSSL. */
static BIGNUM *ffdhe_p(const char *name)
{
	OSSL_PARAM params[] = {OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0), OSSL_PARAM_END};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *p = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEY_PARAMETERS, params), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, &p), 1);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(ctx);
	return p;
}

/* y = p + delta, encoded on the group's share length. */
static void enc_p_plus(const BIGNUM *p, long delta, uint8_t *out, size_t len)
{
	BIGNUM *y = BN_dup(p);
	assert_non_null(y);
	if (delta >= 0)
		assert_int_equal(BN_add_word(y, (BN_ULONG)delta), 1);
	else
		assert_int_equal(BN_sub_word(y, (BN_ULONG)-delta), 1);
	assert_int_equal(BN_bn2binpad(y, out, (int)len), (int)len);
	BN_free(y);
}

static void ffdhe_range(uint16_t gid)
{
	const struct mlab_group *g = mlab_group_by_id(gid);
	BIGNUM *p = ffdhe_p(g->ossl_name);
	uint8_t v[6][384];
	size_t n = g->share_len;

	memset(v, 0, sizeof v);
	v[1][n - 1] = 1;	    /* 1 */
	enc_p_plus(p, -1, v[2], n); /* p-1 */
	enc_p_plus(p, 0, v[3], n);  /* p */
	enc_p_plus(p, 1, v[4], n);  /* p+1 */
	memset(v[5], 0xff, n);	    /* 2^bits - 1 */
	/* v[0] = 0 */
	for (size_t i = 0; i < N_OF(v); i++) {
		bad_share(MLAB_MODE_NONE, gid, true, gid, v[i], n, MLAB_E_SHARE_RANGE, "wait-client-share");
		bad_share(MLAB_MODE_SIGN, gid, false, gid, v[i], n, MLAB_E_SHARE_RANGE, "wait-server-share");
	}
	BN_free(p);
}

static void test_share_ffdhe2048_range(void **s)
{
	(void)s;
	ffdhe_range(MLAB_GROUP_FFDHE2048);
}

static void test_share_ffdhe3072_range(void **s)
{
	(void)s;
	ffdhe_range(MLAB_GROUP_FFDHE3072);
}

/* Values in 2..p-2 outside the order-q subgroup (q = (p-1)/2): the smallest
 * quadratic non-residue, found with BN_mod_exp, and p-2 (= -2: -1 is a
 * non-residue for p = 3 mod 4, 2 a residue for p = 7 mod 8). */
static void outside_subgroup(const char *name, uint8_t out[2][384], size_t len)
{
	BIGNUM *p = ffdhe_p(name), *q = BN_dup(p), *y = BN_new(), *r = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	bool found = false;

	assert_true(q && y && r && ctx);
	assert_int_equal(BN_sub_word(q, 1), 1);
	assert_int_equal(BN_rshift1(q, q), 1);
	/* 2 is in the subgroup of the ffdhe primes */
	assert_int_equal(BN_set_word(y, 2), 1);
	assert_int_equal(BN_mod_exp(r, y, q, p, ctx), 1);
	assert_true(BN_is_one(r));
	for (BN_ULONG c = 3; c < 1000 && !found; c++) {
		assert_int_equal(BN_set_word(y, c), 1);
		assert_int_equal(BN_mod_exp(r, y, q, p, ctx), 1);
		found = !BN_is_one(r);
	}
	assert_true(found);
	assert_int_equal(BN_bn2binpad(y, out[0], (int)len), (int)len);
	/* p-2 */
	assert_non_null(BN_copy(y, p));
	assert_int_equal(BN_sub_word(y, 2), 1);
	assert_int_equal(BN_mod_exp(r, y, q, p, ctx), 1);
	assert_false(BN_is_one(r));
	assert_int_equal(BN_bn2binpad(y, out[1], (int)len), (int)len);
	BN_free(p);
	BN_free(q);
	BN_free(y);
	BN_free(r);
	BN_CTX_free(ctx);
}

static void test_share_ffdhe_subgroup(void **s)
{
	(void)s;
	uint8_t v[2][384];
	outside_subgroup("ffdhe2048", v, 256);
	for (size_t i = 0; i < 2; i++) {
		bad_share(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, true, MLAB_GROUP_FFDHE2048, v[i], 256,
			  MLAB_E_SHARE_SUBGROUP, "wait-client-share");
		bad_share(MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, false, MLAB_GROUP_FFDHE2048, v[i], 256,
			  MLAB_E_SHARE_SUBGROUP, "wait-server-share");
	}
	outside_subgroup("ffdhe3072", v, 384);
	for (size_t i = 0; i < 2; i++)
		bad_share(MLAB_MODE_NONE, MLAB_GROUP_FFDHE3072, true, MLAB_GROUP_FFDHE3072, v[i], 384,
			  MLAB_E_SHARE_SUBGROUP, "wait-client-share");
}

/* X25519 points of small order (u, little-endian; libsodium's and
 * Wycheproof's list): canonical, the non-canonical encodings p and p+1, and
 * each with the unused top bit set (masked off by RFC 7748 decoding). */
static const uint8_t low_order[][32] = {
    /* 0 */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    /* 1 */
    {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
    /* order 8 */
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
     0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    /* order 8 */
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
     0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    /* p-1, order 2 */
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    /* p, non-canonical 0 */
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    /* p+1, non-canonical 1 */
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    /* 0, bit 255 set */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80},
    /* 1, bit 255 set */
    {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80},
    /* order 8, bit 255 set */
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
     0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x80},
    /* order 8, bit 255 set */
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
     0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0xd7},
    /* p-1, bit 255 set */
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    /* p, bit 255 set */
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
    /* p+1, bit 255 set */
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
};

static void test_share_x25519_low_order_at_responder(void **s)
{
	(void)s;
	for (size_t i = 0; i < N_OF(low_order); i++)
		bad_share(MLAB_MODE_NONE, MLAB_GROUP_X25519, true, MLAB_GROUP_X25519, low_order[i], 32,
			  MLAB_E_SHARE_LOW_ORDER, "wait-client-share");
}

static void test_share_x25519_low_order_at_initiator(void **s)
{
	(void)s;
	for (size_t i = 0; i < N_OF(low_order); i++)
		bad_share(MLAB_MODE_NONE, MLAB_GROUP_X25519, false, MLAB_GROUP_X25519, low_order[i], 32,
			  MLAB_E_SHARE_LOW_ORDER, "wait-server-share");
}

/* In sign mode mallory's swapped share fails bob's signature first; a
 * low-order share that bob's own key signed (a hostile but authenticated
 * server) is refused by the share check. */
static void hook_forge(struct world *w, int dir, struct flist *b);
struct forge {
	int dir;
	enum mlab_role label;
	EVP_PKEY *key;
	bool done;
};

static void test_share_x25519_low_order_signed_by_server(void **s)
{
	(void)s;
	for (size_t i = 0; i < N_OF(low_order); i += 3) {
		struct forge fg = {B2A, MLAB_RESPONDER, bob_key, false};
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		struct frame f = mk_share(MLAB_GROUP_X25519, low_order[i], 32);
		add_edit(w, B2A, MLAB_MSG_KEY_SHARE, 0, OP_REPLACE)->with = f;
		w->hook = hook_forge;
		w->hook_arg = &fg;
		run(w);
		assert_true(fg.done);
		assert_int_equal(ev_count(&w->a, "signature-verified"), 1);
		assert_aborted(w, &w->a, MLAB_E_SHARE_LOW_ORDER, "wait-server-signature");
		assert_int_equal(ev_count(&w->a, "share-sent"), 0); /* refused before alice sent anything */
		frame_free(&f);
		world_free(w);
	}
	/* unsigned, mallory's swap: the signature catches it first */
	bad_share(MLAB_MODE_SIGN, MLAB_GROUP_X25519, false, MLAB_GROUP_X25519, low_order[0], 32, MLAB_E_SIG_INVALID,
		  "wait-server-signature");
}

/* Mallory, as the initiator, against a weakened bob (validate_shares=false):
 * she sends a share whose shared secret she knows without any private key,
 * computes the session keys from the transcript, and completes the handshake. */
static void transcript_release(void *p)
{
	mlab_transcript_free(p);
	free(p);
}

static void mallory_fixes_the_key(uint16_t gid, const uint8_t *share, const uint8_t *secret, size_t secret_len)
{
	const struct mlab_group *g = mlab_group_by_id(gid);
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, gid, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, gid, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_transcript *trp = calloc(1, sizeof *trp);
	struct mlab_keys keys;
	struct mlab_rec rx;
	uint8_t th[MLAB_SHA256_LEN], mac[MLAB_MAC_LEN], out[64], content = 0;
	size_t n = 0;

	assert_non_null(trp);
	defer(transcript_release, trp);
	b.validate_shares = false;
	struct world *w = world_new(&a, &b);
	assert_err(p_start(&w->a), 0); /* alice's engine only writes the hello */
	assert_err(pump(w, A2B), 0);
	collect(w, &w->b, NULL); /* bob's ServerHello and share */
	assert_int_equal(ev_count(&w->b, "weakened"), 1);
	assert_false(ev_bool(&w->b, "negotiated", "validate_shares"));
	assert_string_equal(ev_str(&w->b, "weakened", "disabled"), "share-validation");

	struct frame ks = mk_share(gid, share, g->share_len);
	assert_err(mlab_transcript_init(trp), 0);
	tr_add_frame(trp, &w->sent[A2B].f[0]);
	tr_add_frame(trp, fl_get(&w->sent[B2A], MLAB_MSG_SERVER_HELLO, 0));
	tr_add_frame(trp, fl_get(&w->sent[B2A], MLAB_MSG_KEY_SHARE, 0));
	tr_add_frame(trp, &ks);
	assert_err(p_input_frame(&w->b, &ks), 0); /* accepted: nothing checks it */
	assert_int_equal(w->b.k.state, MLAB_KEX_WAIT_CLIENT_FINISHED);

	assert_err(mlab_transcript_hash(trp, th), 0);
	assert_err(mlab_keysched_derive(secret, secret_len, th, &keys), 0);
	assert_err(mlab_finished_mac(keys.fin_client, th, mac), 0);
	struct frame fin = mk_raw(MLAB_MSG_FINISHED, mac, sizeof mac);
	tr_add_frame(trp, &fin);
	assert_err(p_input_frame(&w->b, &fin), 0);
	assert_true(mlab_kex_connected(&w->b.k));
	assert_string_equal(w->b.k.keys.key_id, keys.key_id); /* mallory has bob's session key */

	/* bob's Finished verifies under mallory's keys, and his data opens */
	assert_err(p_seal(&w->b, MLAB_CONTENT_DATA, (const uint8_t *)"for alice only", 14), 0);
	collect(w, &w->b, NULL);
	assert_err(mlab_transcript_hash(trp, th), 0);
	assert_err(mlab_finished_mac(keys.fin_server, th, mac), 0);
	const struct frame *bf = fl_get(&w->sent[B2A], MLAB_MSG_FINISHED, 0);
	assert_memory_equal(bf->body, mac, MLAB_MAC_LEN);
	const struct frame *rec = fl_get(&w->sent[B2A], MLAB_MSG_RECORD, 0);
	mlab_rec_init(&rx, MLAB_CIPHER_CHACHA20_POLY1305, &keys.s2c);
	assert_err(mlab_rec_open(&rx, rec->body, rec->len, &content, out, &n), 0);
	assert_int_equal(n, 14);
	assert_memory_equal(out, "for alice only", 14);

	undefer(trp);
	transcript_release(trp);
	mlab_keys_wipe(&keys);
	frame_free(&ks);
	frame_free(&fin);
	world_free(w);
}

static void test_share_weakened_x25519_zero_accepted(void **s)
{
	(void)s;
	static const uint8_t zero[32];
	mallory_fixes_the_key(MLAB_GROUP_X25519, low_order[0], zero, sizeof zero);
	mallory_fixes_the_key(MLAB_GROUP_X25519, low_order[2], zero, sizeof zero);
}

static void test_share_weakened_ffdhe_1_accepted(void **s)
{
	(void)s;
	uint8_t one[256], secret[256];
	memset(one, 0, sizeof one);
	one[255] = 1;
	memcpy(secret, one, sizeof secret); /* 1^x = 1, padded to p's length */
	mallory_fixes_the_key(MLAB_GROUP_FFDHE2048, one, secret, sizeof secret);
}

/* Weakened, a share outside the subgroup goes through too (bob derives). */
static void test_share_weakened_ffdhe_outside_subgroup_accepted(void **s)
{
	(void)s;
	uint8_t v[2][384];
	outside_subgroup("ffdhe2048", v, 256);
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_NONE);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_NONE);
	b.validate_shares = false;
	struct world *w = world_new(&a, &b);
	struct frame ks = mk_share(MLAB_GROUP_FFDHE2048, v[1], 256);
	add_edit(w, A2B, MLAB_MSG_KEY_SHARE, 0, OP_REPLACE)->with = ks;
	run(w);
	assert_int_equal(ev_count(&w->b, "weakened"), 1);
	assert_int_equal(ev_count(&w->b, "session-key"), 1); /* bob derived a key from p-2 */
	/* alice's Finished was made with other keys */
	assert_aborted(w, &w->b, MLAB_E_FINISHED, "wait-client-finished");
	frame_free(&ks);
	world_free(w);
}

/* ======================================================================
 * Signatures
 * ====================================================================== */

static void test_sig_other_key_pin_mismatch(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	b.own_key = mallory_key; /* a valid signature, by the wrong key */
	struct world *w = world_new(&a, &b);
	run(w);
	assert_int_equal(ev_count(&w->a, "signature-key"), 1);
	assert_string_not_equal(ev_str(&w->a, "signature-key", "signer_key"),
				ev_str(&w->a, "signature-key", "pinned_key"));
	assert_aborted(w, &w->a, MLAB_E_PIN_MISMATCH, "wait-server-signature");
	world_free(w);

	/* the same at bob, for alice's signature in mutual mode */
	a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.mutual = b.mutual = true;
	a.own_key = mallory_key;
	w = world_new(&a, &b);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_PIN_MISMATCH, "wait-client-signature");
	world_free(w);
}

/* The transcript hash of what the receiver has seen before frame i of this
 * batch: the frames delivered so far (alice's, then bob's) and b's prefix. */
static void seen_hash(const struct world *w, const struct flist *b, int i, uint8_t th[MLAB_SHA256_LEN])
{
	struct mlab_transcript tr;
	assert_err(mlab_transcript_init(&tr), 0);
	for (size_t j = 0; j < w->delivered[A2B].n; j++)
		tr_add_frame(&tr, &w->delivered[A2B].f[j]);
	for (size_t j = 0; j < w->delivered[B2A].n; j++)
		tr_add_frame(&tr, &w->delivered[B2A].f[j]);
	for (int j = 0; j < i; j++)
		tr_add_frame(&tr, &b->f[j]);
	assert_err(mlab_transcript_hash(&tr, th), 0);
	mlab_transcript_free(&tr);
}

/* Re-signs a signature frame as `label` would, with `key`, over what the
 * receiver has seen: the frames delivered so far and this batch's prefix. */

static void hook_forge(struct world *w, int dir, struct flist *b)
{
	struct forge *fg = w->hook_arg;
	uint8_t th[MLAB_SHA256_LEN], tbs[MLAB_TBS_MAX], sig[MLAB_ED25519_SIG];
	static const uint8_t nonce[MLAB_NONCE_LEN];
	size_t n = 0;
	int i;

	if (dir != fg->dir || fg->done || (i = fl_find(b, MLAB_MSG_SIGNATURE, 0)) < 0)
		return;
	seen_hash(w, b, i, th);
	assert_err(mlab_kex_tbs(MLAB_SCOPE_TRANSCRIPT, fg->label, th, nonce, nonce, NULL, 0, tbs, &n), 0);
	assert_err(mlab_ed25519_sign(fg->key, tbs, n, sig), 0);
	assert_int_equal(b->f[i].len, SIG_SIG_OFF + MLAB_ED25519_SIG);
	memcpy(b->f[i].body + SIG_SIG_OFF, sig, sizeof sig);
	fg->done = true;
}

/* The signature carries bob's public key but is made by mallory's: checked
 * with the pinned key, never with the key the message carries. */
static void test_sig_carried_key_ignored(void **s)
{
	(void)s;
	struct forge fg = {B2A, MLAB_RESPONDER, bob_key, false};
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	w->hook = hook_forge;
	w->hook_arg = &fg;
	run(w); /* control: re-signing as bob gives bob's (deterministic) signature */
	assert_true(fg.done);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, false);
	world_free(w);

	fg = (struct forge){B2A, MLAB_RESPONDER, mallory_key, false};
	w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	w->hook = hook_forge;
	w->hook_arg = &fg;
	run(w);
	assert_true(fg.done);
	assert_int_equal(ev_count(&w->a, "signature-key"), 0); /* the carried key is the pinned one */
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
	world_free(w);
}

static void sig_bit_flip(size_t off, uint8_t mask)
{
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_xor(w, B2A, MLAB_MSG_SIGNATURE, off, mask);
	run(w);
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
	world_free(w);
}

static void test_sig_bit_flip(void **s)
{
	(void)s;
	sig_bit_flip(SIG_SIG_OFF, 0x01);      /* R */
	sig_bit_flip(SIG_SIG_OFF + 31, 0x80); /* R, last byte */
	sig_bit_flip(SIG_SIG_OFF + 32, 0x01); /* S */
	sig_bit_flip(SIG_SIG_OFF + 63, 0x10); /* S, top byte (non-canonical S) */
	sig_bit_flip(SIG_SIG_OFF + 63, 0x80);
}

static void test_sig_client_signature_bit_flip(void **s)
{
	(void)s;
	struct world *w = mutual_new(MLAB_GROUP_FFDHE2048, MLAB_SCOPE_TRANSCRIPT);
	add_xor(w, A2B, MLAB_MSG_SIGNATURE, SIG_SIG_OFF + 40, 0x04);
	run(w);
	assert_aborted(w, &w->b, MLAB_E_SIG_INVALID, "wait-client-signature");
	world_free(w);
}

static void test_sig_wrong_scheme(void **s)
{
	(void)s;
	static const uint16_t schemes[] = {0x0403, 0x0808, 0x0000, 0xffff, MLAB_SIG_ED25519 ^ 0x0100};
	for (size_t i = 0; i < N_OF(schemes); i++) {
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		add_xor(w, B2A, MLAB_MSG_SIGNATURE, 0, (uint8_t)((MLAB_SIG_ED25519 ^ schemes[i]) >> 8));
		add_xor(w, B2A, MLAB_MSG_SIGNATURE, 1, (uint8_t)(MLAB_SIG_ED25519 ^ schemes[i]));
		run(w);
		assert_true(w->edits[0].done && w->edits[1].done);
		assert_aborted(w, &w->a, MLAB_E_SIG_SCHEME, "wait-server-signature");
		world_free(w);
	}
}

/* Signatures and keys of the wrong length, built from bob's real ones. */
static void test_sig_wrong_length(void **s)
{
	(void)s;
	uint8_t pub[MLAB_ED25519_PUB + 1], sig[MLAB_ED25519_SIG + 1];
	static const size_t sig_lens[] = {63, 65, 0, 32, 128};
	static const size_t pub_lens[] = {31, 33, 0};

	memset(pub, 0x07, sizeof pub);
	assert_err(mlab_ed25519_raw_public(bob_key, pub), 0);
	memset(sig, 0x42, sizeof sig);
	for (size_t i = 0; i < N_OF(sig_lens) + N_OF(pub_lens); i++) {
		uint8_t big[128];
		memset(big, 0x42, sizeof big);
		struct frame f = i < N_OF(sig_lens) ? mk_sig(MLAB_SIG_ED25519, pub, MLAB_ED25519_PUB, big, sig_lens[i])
						    : mk_sig(MLAB_SIG_ED25519, pub, pub_lens[i - N_OF(sig_lens)], sig,
							     MLAB_ED25519_SIG);
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		add_edit(w, B2A, MLAB_MSG_SIGNATURE, 0, OP_REPLACE)->with = f;
		run(w);
		assert_aborted(w, &w->a, MLAB_E_SIG_LENGTH, "wait-server-signature");
		world_free(w);
		frame_free(&f);
	}
}

/* bob's valid signature from session A, injected in session B. */
static void test_sig_replayed_from_other_session(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, false);
	const struct frame *old = fl_get(&w->sent[B2A], MLAB_MSG_SIGNATURE, 0);
	struct frame sig = mk_raw(old->type, old->body, old->len);
	world_free(w);

	w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, B2A, MLAB_MSG_SIGNATURE, 0, OP_REPLACE)->with = sig;
	run(w);
	assert_int_equal(ev_count(&w->a, "signature-key"), 0);		       /* the right key... */
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature"); /* ...over another session */
	world_free(w);

	/* also in params scope: the nonces and share differ */
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.scope = b.scope = MLAB_SCOPE_PARAMS;
	w = world_new(&a, &b);
	run(w);
	old = fl_get(&w->sent[B2A], MLAB_MSG_SIGNATURE, 0);
	frame_free(&sig);
	sig = mk_raw(old->type, old->body, old->len);
	world_free(w);
	w = world_new(&a, &b);
	add_edit(w, B2A, MLAB_MSG_SIGNATURE, 0, OP_REPLACE)->with = sig;
	run(w);
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
	world_free(w);
	frame_free(&sig);
}

/* Mutual mode: alice's valid signature from session A, injected in session B
 * in place of hers: the right key, over another session. */
static void test_sig_client_signature_replayed_from_other_session(void **s)
{
	(void)s;
	for (int scope = 0; scope < 2; scope++) {
		enum mlab_scope sc = scope ? MLAB_SCOPE_PARAMS : MLAB_SCOPE_TRANSCRIPT;
		struct world *w = mutual_new(MLAB_GROUP_X25519, sc);
		run(w);
		assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, true);
		const struct frame *old = fl_get(&w->sent[A2B], MLAB_MSG_SIGNATURE, 0);
		struct frame sig = mk_raw(old->type, old->body, old->len);
		world_free(w);

		w = mutual_new(MLAB_GROUP_X25519, sc);
		struct edit *e = add_edit(w, A2B, MLAB_MSG_SIGNATURE, 0, OP_REPLACE);
		e->with = sig;
		run(w);
		assert_true(e->done);
		assert_aborted(w, &w->b, MLAB_E_SIG_INVALID, "wait-client-signature");
		assert_int_equal(ev_count(&w->b, "handshake-done"), 0);
		world_free(w);
		frame_free(&sig);
	}
}

/* Mutual mode: mallory sends bob's own signature back as alice's. With
 * distinct keys the pin catches it; when both sides use one key, the
 * signature does (role label and transcript). */
static void test_sig_server_signature_reflected_as_client(void **s)
{
	(void)s;
	struct world *w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
	struct edit *e = add_edit(w, A2B, MLAB_MSG_SIGNATURE, 0, OP_REPLACE);
	e->from_log = true;
	e->log_dir = B2A;
	e->log_type = MLAB_MSG_SIGNATURE;
	run(w);
	assert_aborted(w, &w->b, MLAB_E_PIN_MISMATCH, "wait-client-signature");
	world_free(w);

	for (int scope = 0; scope < 2; scope++) {
		struct mlab_kex_config a =
		    cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
		struct mlab_kex_config b =
		    cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
		a.mutual = b.mutual = true;
		a.scope = b.scope = scope ? MLAB_SCOPE_PARAMS : MLAB_SCOPE_TRANSCRIPT;
		a.own_key = bob_key; /* one key for both sides */
		b.peer_key = bob_pub;
		w = world_new(&a, &b);
		e = add_edit(w, A2B, MLAB_MSG_SIGNATURE, 0, OP_REPLACE);
		e->from_log = true;
		e->log_dir = B2A;
		e->log_type = MLAB_MSG_SIGNATURE;
		run(w);
		assert_true(e->done);
		assert_aborted(w, &w->b, MLAB_E_SIG_INVALID, "wait-client-signature");
		world_free(w);
	}
}

/* Exactly the client's signature over exactly the right transcript, but made
 * under the server's role label: only the label differs, and it is refused. */
static void test_sig_client_signature_with_server_label(void **s)
{
	(void)s;
	struct forge fg = {A2B, MLAB_INITIATOR, alice_key, false};
	struct world *w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
	w->hook = hook_forge;
	w->hook_arg = &fg;
	run(w); /* control: the client label reproduces alice's signature */
	assert_true(fg.done);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305, true);
	world_free(w);

	fg = (struct forge){A2B, MLAB_RESPONDER, alice_key, false};
	w = mutual_new(MLAB_GROUP_X25519, MLAB_SCOPE_TRANSCRIPT);
	w->hook = hook_forge;
	w->hook_arg = &fg;
	run(w);
	assert_true(fg.done);
	assert_aborted(w, &w->b, MLAB_E_SIG_INVALID, "wait-client-signature");
	world_free(w);

	/* and the server's signature made under the client label */
	fg = (struct forge){B2A, MLAB_INITIATOR, bob_key, false};
	w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	w->hook = hook_forge;
	w->hook_arg = &fg;
	run(w);
	assert_true(fg.done);
	assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
	world_free(w);
}

static void test_sig_scope_mismatch(void **s)
{
	(void)s;
	for (int i = 0; i < 2; i++) {
		struct mlab_kex_config a =
		    cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		struct mlab_kex_config b =
		    cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		a.scope = i ? MLAB_SCOPE_PARAMS : MLAB_SCOPE_TRANSCRIPT;
		b.scope = i ? MLAB_SCOPE_TRANSCRIPT : MLAB_SCOPE_PARAMS;
		struct world *w = world_new(&a, &b);
		run(w);
		assert_aborted(w, &w->a, MLAB_E_SIG_INVALID, "wait-server-signature");
		world_free(w);
	}
}

/* ======================================================================
 * Finished and records
 * ====================================================================== */

static void test_fin_client_finished_bit_flip(void **s)
{
	(void)s;
	static const size_t offs[] = {0, 17, 31};
	for (size_t i = 0; i < N_OF(offs); i++) {
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		add_xor(w, A2B, MLAB_MSG_FINISHED, offs[i], (uint8_t)(1u << i));
		run(w);
		assert_aborted(w, &w->b, MLAB_E_FINISHED, "wait-client-finished");
		world_free(w);
	}
}

static void test_fin_server_finished_bit_flip(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_CHACHA20_POLY1305);
	add_xor(w, B2A, MLAB_MSG_FINISHED, 5, 0x20);
	run(w);
	assert_aborted(w, &w->a, MLAB_E_FINISHED, "wait-server-finished");
	world_free(w);
}

static void test_fin_truncated_or_padded(void **s)
{
	(void)s;
	struct frame f31 = mk_fin(0, 31), f33 = mk_fin(0, 33);
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_FINISHED, 0, OP_REPLACE)->with = f31;
	run(w);
	assert_aborted(w, &w->b, MLAB_E_TRUNCATED, "wait-client-finished");
	world_free(w);
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_FINISHED, 0, OP_REPLACE)->with = f33;
	run(w);
	assert_aborted(w, &w->b, MLAB_E_TRAILING, "wait-client-finished");
	world_free(w);
	frame_free(&f31);
	frame_free(&f33);
}

/* alice's own Finished comes back to her in place of bob's. */
static void test_fin_own_finished_reflected(void **s)
{
	(void)s;
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct edit *e = add_edit(w, B2A, MLAB_MSG_FINISHED, 0, OP_REPLACE);
	e->from_log = true;
	e->log_dir = A2B;
	e->log_type = MLAB_MSG_FINISHED;
	run(w);
	assert_true(e->done);
	assert_aborted(w, &w->a, MLAB_E_FINISHED, "wait-server-finished");
	world_free(w);
}

/* The Finished bob would send, in place of alice's: his own key (server
 * finished) over exactly the transcript alice's covers (what the batch's
 * prefix and the frames delivered so far add up to). Only the key per
 * direction tells the two apart: with the client key the hook reproduces
 * alice's Finished byte for byte. */
struct own_fin {
	bool server_key;
	bool done;
};

static void hook_own_finished(struct world *w, int dir, struct flist *b)
{
	struct own_fin *of = w->hook_arg;
	uint8_t th[MLAB_SHA256_LEN], mac[MLAB_SHA256_LEN];
	int i;

	if (dir != A2B || of->done || (i = fl_find(b, MLAB_MSG_FINISHED, 0)) < 0)
		return;
	seen_hash(w, b, i, th);
	/* alice's keys are bob's: both Finished keys are still in her engine */
	const struct mlab_keys *k = &w->a.k.keys;
	assert_err(mlab_finished_mac(of->server_key ? k->fin_server : k->fin_client, th, mac), 0);
	assert_int_equal(b->f[i].len, sizeof mac);
	if (of->server_key)
		assert_true(memcmp(b->f[i].body, mac, sizeof mac) != 0);
	else
		assert_memory_equal(b->f[i].body, mac, sizeof mac); /* the control */
	memcpy(b->f[i].body, mac, sizeof mac);
	of->done = true;
}

static void test_fin_responder_own_finished_in_place_of_initiators(void **s)
{
	(void)s;
	for (int sk = 0; sk < 2; sk++) {
		struct own_fin of = {sk == 1, false};
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		w->hook = hook_own_finished;
		w->hook_arg = &of;
		run(w);
		assert_true(of.done);
		if (!of.server_key)
			assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM, false);
		else
			assert_aborted(w, &w->b, MLAB_E_FINISHED, "wait-client-finished");
		world_free(w);
	}
}

static struct world *connected_pair(uint8_t cipher)
{
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, cipher);
	run(w);
	assert_connected(w, MLAB_MODE_SIGN, MLAB_GROUP_X25519, cipher, false);
	return w;
}

/* A record alice sealed, delivered back to alice: keys per direction. */
static void rec_reflected(uint8_t cipher)
{
	/* alice's first record (seq 0) to alice, whose receive sequence is 0 */
	struct world *w = connected_pair(cipher);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"to myself", 9), 0);
	collect(w, &w->a, NULL);
	const struct frame *f = &w->sent[A2B].f[w->sent[A2B].n - 1];
	struct frame r = mk_raw(f->type, f->body, f->len);
	assert_err(p_open(&w->a, r.body, r.len), MLAB_E_RECORD_AUTH);
	assert_int_equal(w->a.n_opened, 0);
	assert_aborted(w, &w->a, MLAB_E_RECORD_AUTH, "connected");
	frame_free(&r);
	world_free(w);
}

static void test_rec_reflected_chacha20_poly1305(void **s)
{
	(void)s;
	rec_reflected(MLAB_CIPHER_CHACHA20_POLY1305);
}

static void test_rec_reflected_aes_256_gcm(void **s)
{
	(void)s;
	rec_reflected(MLAB_CIPHER_AES_256_GCM);
}

static void test_rec_replayed(void **s)
{
	(void)s;
	static const uint8_t ciphers[] = {MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM, MLAB_CIPHER_NONE};
	for (size_t i = 0; i < N_OF(ciphers); i++) {
		struct world *w = connected_pair(ciphers[i]);
		send_record(w, &w->a, MLAB_CONTENT_DATA, (const uint8_t *)"pay 10", 6);
		const struct frame *f = fl_get(&w->sent[A2B], MLAB_MSG_RECORD, 0);
		struct frame r = mk_raw(f->type, f->body, f->len);
		assert_err(p_open(&w->b, r.body, r.len), MLAB_E_REPLAY);
		assert_int_equal(w->b.n_opened, 1);
		assert_aborted(w, &w->b, MLAB_E_REPLAY, "connected");
		frame_free(&r);
		world_free(w);
	}
}

static void test_rec_dropped(void **s)
{
	(void)s;
	static const uint8_t ciphers[] = {MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM, MLAB_CIPHER_NONE};
	for (size_t i = 0; i < N_OF(ciphers); i++) {
		struct world *w = connected_pair(ciphers[i]);
		add_edit(w, B2A, MLAB_MSG_RECORD, 0, OP_DROP);
		assert_err(p_seal(&w->b, MLAB_CONTENT_DATA, (const uint8_t *)"one", 3), 0);
		assert_err(p_seal(&w->b, MLAB_CONTENT_DATA, (const uint8_t *)"two", 3), 0);
		assert_err(pump(w, B2A), MLAB_E_REORDER);
		assert_int_equal(w->a.n_opened, 0);
		assert_aborted(w, &w->a, MLAB_E_REORDER, "connected");
		world_free(w);
	}
}

static void test_rec_reordered(void **s)
{
	(void)s;
	struct world *w = connected_pair(MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_RECORD, 0, OP_SWAP_NEXT);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"one", 3), 0);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"two", 3), 0);
	assert_err(pump(w, A2B), MLAB_E_REORDER);
	assert_aborted(w, &w->b, MLAB_E_REORDER, "connected");
	world_free(w);
}

static void test_rec_bit_flip(void **s)
{
	(void)s;
	struct world *w = connected_pair(MLAB_CIPHER_CHACHA20_POLY1305);
	add_xor(w, A2B, MLAB_MSG_RECORD, MLAB_SEQ_LEN + 3, 0x01);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"attack at dawn", 14), 0);
	assert_err(pump(w, A2B), MLAB_E_RECORD_AUTH);
	assert_int_equal(w->b.n_opened, 0);
	assert_aborted(w, &w->b, MLAB_E_RECORD_AUTH, "connected");
	world_free(w);
}

static void test_alert_from_peer_during_handshake(void **s)
{
	(void)s;
	struct frame al = mk_alert(MLAB_E_SIG_INVALID);
	struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	add_edit(w, A2B, MLAB_MSG_KEY_SHARE, 0, OP_REPLACE)->with = al;
	run(w);
	assert_failed(w, &w->b, MLAB_E_PEER_ALERT, "wait-client-share");
	assert_int_equal(w->b.k.peer_alert, MLAB_E_SIG_INVALID);
	assert_string_equal(ev_str(&w->b, "alert-received", "check"), "signature");
	assert_non_null(strstr(ev_str(&w->b, "error", "detail"), "signature-invalid"));
	world_free(w);
	frame_free(&al);

	/* an ALERT with a code this side does not know is still an abort */
	al = mk_alert(-999);
	w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_start(&w->a), 0);
	collect(w, &w->a, NULL);
	assert_err(p_input_frame(&w->a, &al), MLAB_E_PEER_ALERT);
	assert_failed(w, &w->a, MLAB_E_PEER_ALERT, "wait-server-hello");
	assert_int_equal(w->a.k.peer_alert, -999);
	world_free(w);
	frame_free(&al);
}

static void test_alert_from_peer_when_connected(void **s)
{
	(void)s;
	struct world *w = connected_pair(MLAB_CIPHER_AES_256_GCM);
	struct frame al = mk_alert(MLAB_E_TIMEOUT);
	assert_err(p_input_frame(&w->a, &al), MLAB_E_PEER_ALERT);
	assert_failed(w, &w->a, MLAB_E_PEER_ALERT, "connected");
	assert_int_equal(w->a.k.peer_alert, MLAB_E_TIMEOUT);
	/* bob untouched */
	assert_true(mlab_kex_connected(&w->b.k));
	frame_free(&al);
	world_free(w);
}

static void test_alert_malformed(void **s)
{
	(void)s;
	static const uint8_t one[1] = {0}, three[3] = {0, 28, 0};
	struct world *w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_input(&w->b, MLAB_MSG_ALERT, one, sizeof one), MLAB_E_TRUNCATED);
	assert_failed(w, &w->b, MLAB_E_TRUNCATED, "wait-client-hello");
	assert_int_equal(w->b.k.peer_alert, 0);
	world_free(w);
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	assert_err(p_input(&w->b, MLAB_MSG_ALERT, three, sizeof three), MLAB_E_TRAILING);
	assert_failed(w, &w->b, MLAB_E_TRAILING, "wait-client-hello");
	world_free(w);
}

/* The sequence number about to wrap: the last value is never used. */
static void test_rec_sequence_exhausted(void **s)
{
	(void)s;
	struct world *w = connected_pair(MLAB_CIPHER_AES_256_GCM);
	w->a.k.tx.seq = w->b.k.rx.seq = UINT64_MAX - 1;
	send_record(w, &w->a, MLAB_CONTENT_DATA, (const uint8_t *)"last", 4);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"one more", 8), MLAB_E_SEQ_WRAP);
	assert_aborted(w, &w->a, MLAB_E_SEQ_WRAP, "connected");
	world_free(w);

	/* the receiver at UINT64_MAX refuses even a record numbered so */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_NONE);
	run(w);
	w->b.k.rx.seq = UINT64_MAX;
	struct frame rec = mk_plain_record(UINT64_MAX, MLAB_CONTENT_DATA, "x");
	assert_err(p_open(&w->b, rec.body, rec.len), MLAB_E_SEQ_WRAP);
	assert_aborted(w, &w->b, MLAB_E_SEQ_WRAP, "connected");
	frame_free(&rec);
	world_free(w);
}

/* Parse errors inside handshake messages take the same sticky path. */
struct malformed {
	int dir;
	uint8_t type;
	size_t off;   /* byte to change, or SIZE_MAX to append one */
	uint8_t mask; /* XOR */
	int code;
	const char *where;
};

static void test_malformed_handshake_bodies(void **s)
{
	(void)s;
	static const struct malformed cases[] = {
	    {A2B, MLAB_MSG_CLIENT_HELLO, 0, 0x03, MLAB_E_BAD_VERSION, "wait-client-hello"},
	    {A2B, MLAB_MSG_CLIENT_HELLO, CH_FLAGS_OFF, 0x80, MLAB_E_BAD_FIELD, "wait-client-hello"},
	    /* a byte after the ciphers starts the optional kinds list: a count of 0 */
	    {A2B, MLAB_MSG_CLIENT_HELLO, SIZE_MAX, 0, MLAB_E_EMPTY, "wait-client-hello"},
	    {A2B, MLAB_MSG_CLIENT_HELLO, CH_FLAGS_OFF + 1, 0x01, MLAB_E_EMPTY, "wait-client-hello"},	/* 0 modes */
	    {A2B, MLAB_MSG_CLIENT_HELLO, CH_FLAGS_OFF + 1, 0x10, MLAB_E_TOO_LONG, "wait-client-hello"}, /* 17 */
	    {B2A, MLAB_MSG_SERVER_HELLO, 0, 0x02, MLAB_E_BAD_VERSION, "wait-server-hello"},
	    {B2A, MLAB_MSG_SERVER_HELLO, SH_FLAGS_OFF, 0x40, MLAB_E_BAD_FIELD, "wait-server-hello"},
	    /* a byte after the cipher is the optional kind: 0, never offered */
	    {B2A, MLAB_MSG_SERVER_HELLO, SIZE_MAX, 0, MLAB_E_NOT_OFFERED, "wait-server-hello"},
	    {B2A, MLAB_MSG_KEY_SHARE, SIZE_MAX, 0, MLAB_E_TRAILING, "wait-server-share"},
	    {B2A, MLAB_MSG_KEY_SHARE, 2, 0x08, MLAB_E_TOO_LONG, "wait-server-share"},  /* length 2048+32 */
	    {B2A, MLAB_MSG_KEY_SHARE, 2, 0x01, MLAB_E_TRUNCATED, "wait-server-share"}, /* length 256+32 */
	    {B2A, MLAB_MSG_KEY_SHARE, 3, 0x01, MLAB_E_TRUNCATED, "wait-server-share"}, /* length 33 */
	    {B2A, MLAB_MSG_SIGNATURE, SIZE_MAX, 0, MLAB_E_TRAILING, "wait-server-signature"},
	    {A2B, MLAB_MSG_FINISHED, SIZE_MAX, 0, MLAB_E_TRAILING, "wait-client-finished"},
	};
	for (size_t i = 0; i < N_OF(cases); i++) {
		const struct malformed *c = &cases[i];
		struct world *w = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
		struct frame f = {0};
		if (c->off == SIZE_MAX) {
			/* the honest message plus one byte, built from a first honest run */
			struct world *h = pair_new(MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
			run(h);
			const struct frame *o = fl_get(&h->sent[c->dir], c->type, 0);
			uint8_t buf[512];
			memcpy(buf, o->body, o->len);
			buf[o->len] = 0;
			f = mk_raw(c->type, buf, o->len + 1);
			world_free(h);
			add_edit(w, c->dir, c->type, 0, OP_REPLACE)->with = f;
		} else {
			add_xor(w, c->dir, c->type, c->off, c->mask);
		}
		run(w);
		assert_true(w->edits[0].done);
		assert_aborted(w, c->dir == A2B ? &w->b : &w->a, c->code, c->where);
		if (f.body)
			frame_free(&f);
		world_free(w);
	}
}

/* mlab_kex_fail from outside (a timeout): same sticky path. */
static void test_fail_from_outside(void **s)
{
	(void)s;
	struct world *w = connected_pair(MLAB_CIPHER_AES_256_GCM);
	size_t start = w->b.out.len;
	assert_err(mlab_kex_fail(&w->b.k, MLAB_E_TIMEOUT, &w->b.out), MLAB_E_TIMEOUT);
	note_call(&w->b, start, MLAB_E_TIMEOUT);
	assert_aborted(w, &w->b, MLAB_E_TIMEOUT, "connected");
	world_free(w);
}

/* ======================================================================
 * Configuration
 * ====================================================================== */

static void init_fails(const struct mlab_kex_config *c, int code)
{
	struct mlab_kex k;
	struct mlab_wr out;
	uint8_t buf[256];
	static const uint8_t junk[8];
	uint8_t content;
	size_t n;

	mlab_wr_init(&out, buf, sizeof buf);
	assert_err(mlab_kex_init(&k, c, NULL), code);
	assert_err(k.err, code);
	assert_int_equal(k.state, MLAB_KEX_FAILED);
	assert_err(mlab_kex_start(&k, &out), MLAB_E_FAILED);
	assert_err(mlab_kex_input(&k, MLAB_MSG_CLIENT_HELLO, junk, sizeof junk, &out), MLAB_E_FAILED);
	assert_err(mlab_kex_seal(&k, MLAB_CONTENT_DATA, junk, 1, &out), MLAB_E_FAILED);
	assert_err(mlab_kex_open(&k, junk, sizeof junk, &content, buf, &n, &out), MLAB_E_FAILED);
	assert_int_equal(out.len, 0);
	assert_true(all_zero(k.keys.master, sizeof k.keys.master));
	mlab_kex_free(&k);
}

static void test_cfg_sign_responder_without_key(void **s)
{
	(void)s;
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	b.own_key = NULL;
	init_fails(&b, MLAB_E_NO_KEY);
	/* allowing sign among other modes is enough to need the key */
	cfg_modes(&b, 2, (const uint8_t[]){MLAB_MODE_NONE, MLAB_MODE_SIGN});
	init_fails(&b, MLAB_E_NO_KEY);
}

static void test_cfg_sign_initiator_without_peer_key(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.peer_key = NULL;
	init_fails(&a, MLAB_E_NO_TRUST);
	a.own_key = NULL; /* not mutual: alice needs no key of her own */
	init_fails(&a, MLAB_E_NO_TRUST);
}

static void test_cfg_mutual_missing_keys(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.mutual = b.mutual = true;
	a.own_key = NULL;
	init_fails(&a, MLAB_E_NO_KEY);
	b.peer_key = NULL;
	init_fails(&b, MLAB_E_NO_TRUST);
}

static void test_cfg_empty_or_oversized_lists(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.n_modes = 0;
	init_fails(&a, MLAB_E_ARG);
	a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.n_groups = 0;
	init_fails(&a, MLAB_E_ARG);
	a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	a.n_ciphers = MLAB_MAX_OFFERS + 1;
	init_fails(&a, MLAB_E_ARG);
}

/* ======================================================================
 * Secrets
 * ====================================================================== */

/* A connected side that fails wipes the master secret, the Finished keys and
 * both directions' record keys; its peer, told by the ALERT, too. */
static void test_secrets_wiped_after_failure(void **s)
{
	(void)s;
	struct world *w = connected_pair(MLAB_CIPHER_CHACHA20_POLY1305);
	assert_false(all_zero(w->b.k.keys.master, 32));
	assert_false(all_zero(w->b.k.rx.k.key, sizeof w->b.k.rx.k.key));
	add_xor(w, A2B, MLAB_MSG_RECORD, MLAB_SEQ_LEN, 0x80);
	assert_err(p_seal(&w->a, MLAB_CONTENT_DATA, (const uint8_t *)"secret", 6), 0);
	assert_err(pump(w, A2B), MLAB_E_RECORD_AUTH);
	assert_true(all_zero(w->b.k.keys.master, sizeof w->b.k.keys.master));
	assert_true(all_zero(w->b.k.keys.fin_client, sizeof w->b.k.keys.fin_client));
	assert_true(all_zero(&w->b.k.rx, sizeof w->b.k.rx));
	assert_true(all_zero(&w->b.k.tx, sizeof w->b.k.tx));
	assert_aborted(w, &w->b, MLAB_E_RECORD_AUTH, "connected");
	assert_true(all_zero(w->a.k.keys.master, sizeof w->a.k.keys.master));
	world_free(w);

	/* mid-handshake, after the keys were derived */
	w = pair_new(MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	add_xor(w, A2B, MLAB_MSG_FINISHED, 0, 0x01);
	run(w);
	assert_true(all_zero(w->b.k.keys.master, sizeof w->b.k.keys.master));
	assert_aborted(w, &w->b, MLAB_E_FINISHED, "wait-client-finished");
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_happy_none_x25519, cleanup),
	    cmocka_unit_test_teardown(test_happy_none_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_happy_none_ffdhe3072, cleanup),
	    cmocka_unit_test_teardown(test_happy_sign_x25519, cleanup),
	    cmocka_unit_test_teardown(test_happy_sign_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_happy_sign_ffdhe3072, cleanup),
	    cmocka_unit_test_teardown(test_happy_cipher_chacha20_poly1305, cleanup),
	    cmocka_unit_test_teardown(test_happy_cipher_aes_256_gcm, cleanup),
	    cmocka_unit_test_teardown(test_happy_cipher_none, cleanup),
	    cmocka_unit_test_teardown(test_happy_mutual_x25519, cleanup),
	    cmocka_unit_test_teardown(test_happy_mutual_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_happy_mutual_params_scope, cleanup),
	    cmocka_unit_test_teardown(test_happy_params_scope, cleanup),
	    cmocka_unit_test_teardown(test_happy_mutual_offered_not_required, cleanup),
	    cmocka_unit_test_teardown(test_happy_none_mode_without_keys, cleanup),
	    cmocka_unit_test_teardown(test_happy_two_sessions_different_keys, cleanup),
	    cmocka_unit_test_teardown(test_seal_after_own_close_unexpected, cleanup),
	    cmocka_unit_test_teardown(test_record_after_peer_close_unexpected, cleanup),
	    cmocka_unit_test_teardown(test_close_with_data_bad_field, cleanup),
	    cmocka_unit_test_teardown(test_neg_initiator_preference_wins, cleanup),
	    cmocka_unit_test_teardown(test_neg_no_common_mode, cleanup),
	    cmocka_unit_test_teardown(test_neg_no_common_group, cleanup),
	    cmocka_unit_test_teardown(test_neg_no_common_cipher, cleanup),
	    cmocka_unit_test_teardown(test_neg_client_auth_required_not_offered, cleanup),
	    cmocka_unit_test_teardown(test_neg_client_auth_offer_stripped_in_transit, cleanup),
	    cmocka_unit_test_teardown(test_neg_client_auth_flag_injected_into_hello, cleanup),
	    cmocka_unit_test_teardown(test_neg_unknown_group_ids_skipped, cleanup),
	    cmocka_unit_test_teardown(test_neg_server_hello_mode_not_offered, cleanup),
	    cmocka_unit_test_teardown(test_neg_server_hello_group_not_offered, cleanup),
	    cmocka_unit_test_teardown(test_neg_server_hello_cipher_not_offered, cleanup),
	    cmocka_unit_test_teardown(test_neg_server_hello_client_auth_not_offered, cleanup),
	    cmocka_unit_test_teardown(test_neg_downgrade_transcript_scope_signature_catches_it, cleanup),
	    cmocka_unit_test_teardown(test_neg_downgrade_params_scope_only_finished_catches_it, cleanup),
	    cmocka_unit_test_teardown(test_neg_client_auth_request_stripped_params_scope, cleanup),
	    cmocka_unit_test_teardown(test_order_finished_before_key_share_at_responder, cleanup),
	    cmocka_unit_test_teardown(test_order_finished_before_key_share_at_initiator, cleanup),
	    cmocka_unit_test_teardown(test_order_key_share_twice_at_responder, cleanup),
	    cmocka_unit_test_teardown(test_order_key_share_twice_at_initiator, cleanup),
	    cmocka_unit_test_teardown(test_order_client_hello_twice, cleanup),
	    cmocka_unit_test_teardown(test_order_server_hello_twice, cleanup),
	    cmocka_unit_test_teardown(test_order_signature_in_mode_none, cleanup),
	    cmocka_unit_test_teardown(test_order_initiator_finished_skipped_record_instead, cleanup),
	    cmocka_unit_test_teardown(test_order_server_data_before_finished, cleanup),
	    cmocka_unit_test_teardown(test_order_server_signature_skipped, cleanup),
	    cmocka_unit_test_teardown(test_order_client_signature_skipped_in_mutual, cleanup),
	    cmocka_unit_test_teardown(test_order_records_before_handshake_done, cleanup),
	    cmocka_unit_test_teardown(test_order_handshake_message_after_connected, cleanup),
	    cmocka_unit_test_teardown(test_order_handshake_message_after_close, cleanup),
	    cmocka_unit_test_teardown(test_order_message_for_the_other_role, cleanup),
	    cmocka_unit_test_teardown(test_order_start_twice, cleanup),
	    cmocka_unit_test_teardown(test_order_start_on_responder, cleanup),
	    cmocka_unit_test_teardown(test_share_wrong_length_x25519, cleanup),
	    cmocka_unit_test_teardown(test_share_wrong_length_ffdhe, cleanup),
	    cmocka_unit_test_teardown(test_share_wrong_group, cleanup),
	    cmocka_unit_test_teardown(test_share_reflected_x25519, cleanup),
	    cmocka_unit_test_teardown(test_share_reflected_ffdhe, cleanup),
	    cmocka_unit_test_teardown(test_share_ffdhe2048_range, cleanup),
	    cmocka_unit_test_teardown(test_share_ffdhe3072_range, cleanup),
	    cmocka_unit_test_teardown(test_share_ffdhe_subgroup, cleanup),
	    cmocka_unit_test_teardown(test_share_x25519_low_order_at_responder, cleanup),
	    cmocka_unit_test_teardown(test_share_x25519_low_order_at_initiator, cleanup),
	    cmocka_unit_test_teardown(test_share_x25519_low_order_signed_by_server, cleanup),
	    cmocka_unit_test_teardown(test_share_weakened_x25519_zero_accepted, cleanup),
	    cmocka_unit_test_teardown(test_share_weakened_ffdhe_1_accepted, cleanup),
	    cmocka_unit_test_teardown(test_share_weakened_ffdhe_outside_subgroup_accepted, cleanup),
	    cmocka_unit_test_teardown(test_sig_other_key_pin_mismatch, cleanup),
	    cmocka_unit_test_teardown(test_sig_carried_key_ignored, cleanup),
	    cmocka_unit_test_teardown(test_sig_bit_flip, cleanup),
	    cmocka_unit_test_teardown(test_sig_client_signature_bit_flip, cleanup),
	    cmocka_unit_test_teardown(test_sig_wrong_scheme, cleanup),
	    cmocka_unit_test_teardown(test_sig_wrong_length, cleanup),
	    cmocka_unit_test_teardown(test_sig_replayed_from_other_session, cleanup),
	    cmocka_unit_test_teardown(test_sig_client_signature_replayed_from_other_session, cleanup),
	    cmocka_unit_test_teardown(test_sig_server_signature_reflected_as_client, cleanup),
	    cmocka_unit_test_teardown(test_sig_client_signature_with_server_label, cleanup),
	    cmocka_unit_test_teardown(test_sig_scope_mismatch, cleanup),
	    cmocka_unit_test_teardown(test_fin_client_finished_bit_flip, cleanup),
	    cmocka_unit_test_teardown(test_fin_server_finished_bit_flip, cleanup),
	    cmocka_unit_test_teardown(test_fin_truncated_or_padded, cleanup),
	    cmocka_unit_test_teardown(test_fin_own_finished_reflected, cleanup),
	    cmocka_unit_test_teardown(test_fin_responder_own_finished_in_place_of_initiators, cleanup),
	    cmocka_unit_test_teardown(test_rec_reflected_chacha20_poly1305, cleanup),
	    cmocka_unit_test_teardown(test_rec_reflected_aes_256_gcm, cleanup),
	    cmocka_unit_test_teardown(test_rec_replayed, cleanup),
	    cmocka_unit_test_teardown(test_rec_dropped, cleanup),
	    cmocka_unit_test_teardown(test_rec_reordered, cleanup),
	    cmocka_unit_test_teardown(test_rec_bit_flip, cleanup),
	    cmocka_unit_test_teardown(test_alert_from_peer_during_handshake, cleanup),
	    cmocka_unit_test_teardown(test_alert_from_peer_when_connected, cleanup),
	    cmocka_unit_test_teardown(test_alert_malformed, cleanup),
	    cmocka_unit_test_teardown(test_rec_sequence_exhausted, cleanup),
	    cmocka_unit_test_teardown(test_malformed_handshake_bodies, cleanup),
	    cmocka_unit_test_teardown(test_fail_from_outside, cleanup),
	    cmocka_unit_test_teardown(test_cfg_sign_responder_without_key, cleanup),
	    cmocka_unit_test_teardown(test_cfg_sign_initiator_without_peer_key, cleanup),
	    cmocka_unit_test_teardown(test_cfg_mutual_missing_keys, cleanup),
	    cmocka_unit_test_teardown(test_cfg_empty_or_oversized_lists, cleanup),
	    cmocka_unit_test_teardown(test_secrets_wiped_after_failure, cleanup),
	};
	return cmocka_run_group_tests_name("mlab_kex", tests, keys_setup, keys_teardown);
}
