/* Two engines in memory with a frame log (see kex_session.h). */
#include "kex_session.h"

#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"
#include "mlab_wire.h"

#define KS_OUT_CAP (8 * MLAB_MAX_FRAME)
#define KS_TMP_CAP MLAB_MAX_RECORD_BODY

static void sink(void *arg, const char *name, const json_t *event)
{
	(void)name;
	(void)json_array_append_new(arg, json_deep_copy(event));
}

void ks_capture(struct mlab_ev *ev, const char *actor, json_t *arr)
{
	mlab_ev_init(ev, actor, -1, getenv("MLAB_TEST_VERBOSE") ? stderr : NULL);
	ev->sink = sink;
	ev->sink_arg = arr;
}

static int party_init(struct ks_party *p, const char *name, const struct mlab_kex_config *cfg, bool capture)
{
	if (!(p->obuf = malloc(KS_OUT_CAP)) || !(p->data = malloc(MLAB_MAX_PLAINTEXT)))
		return MLAB_E_NOMEM;
	mlab_wr_init(&p->out, p->obuf, KS_OUT_CAP);
	if (capture) {
		if (!(p->events = json_array()))
			return MLAB_E_NOMEM;
		ks_capture(&p->ev, name, p->events);
	}
	return mlab_kex_init(&p->k, cfg, capture ? &p->ev : NULL);
}

int ks_init(struct ks_session *s, const struct mlab_kex_config *ca, const struct mlab_kex_config *cb, bool capture)
{
	int e;

	memset(s, 0, sizeof *s);
	if (!(s->tmp = malloc(KS_TMP_CAP)))
		return MLAB_E_NOMEM;
	if ((e = party_init(&s->a, "alice", ca, capture)) != 0)
		return e;
	return party_init(&s->b, "bob", cb, capture);
}

static void party_free(struct ks_party *p)
{
	mlab_kex_free(&p->k);
	json_decref(p->events);
	free(p->obuf);
	free(p->data);
}

void ks_free(struct ks_session *s)
{
	party_free(&s->a);
	party_free(&s->b);
	for (size_t i = 0; i < s->n_log; i++)
		free(s->log[i].body);
	free(s->log);
	free(s->tmp);
	memset(s, 0, sizeof *s);
}

static void note(struct ks_party *p, int e)
{
	if (e != 0 && !p->err)
		p->err = e;
}

static int log_frame(struct ks_session *s, int dir, uint8_t type, const uint8_t *body, size_t len)
{
	if (s->n_log == s->cap_log) {
		size_t cap = s->cap_log ? 2 * s->cap_log : 64;
		struct ks_frame *l = realloc(s->log, cap * sizeof *l);
		if (!l)
			return MLAB_E_NOMEM;
		s->log = l;
		s->cap_log = cap;
	}
	struct ks_frame *f = &s->log[s->n_log];
	if (!(f->body = malloc(len ? len : 1)))
		return MLAB_E_NOMEM;
	memcpy(f->body, body, len);
	f->dir = dir;
	f->type = type;
	f->len = len;
	s->n_log++;
	return 0;
}

/* One frame of from's, through the edit hook, into the log and to `to`. */
static int deliver(struct ks_session *s, int dir, struct ks_party *to, uint8_t type, const uint8_t *body, size_t len)
{
	int e;

	if (len > KS_TMP_CAP)
		return MLAB_E_TOO_LONG;
	memcpy(s->tmp, body, len);
	if (s->edit && !s->edit(s->edit_arg, dir, &type, s->tmp, &len, KS_TMP_CAP))
		return 0;
	if ((e = log_frame(s, dir, type, s->tmp, len)) != 0)
		return e;
	const struct ks_frame *f = &s->log[s->n_log - 1];
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return MLAB_E_NOMEM;
	memcpy(copy, f->body, len);
	if (type == MLAB_MSG_RECORD && (to->k.state == MLAB_KEX_CONNECTED || to->k.state == MLAB_KEX_CLOSED)) {
		size_t n = 0;
		uint8_t content = 0;
		e = mlab_kex_open(&to->k, copy, len, &content, to->data, &n, &to->out);
		if (e == 0) {
			to->content = content;
			to->data_len = n;
			to->n_opened++;
		}
	} else {
		e = mlab_kex_input(&to->k, type, copy, len, &to->out);
	}
	free(copy);
	note(to, e);
	return 0;
}

/* Everything from has written, to the other side. */
static int flush(struct ks_session *s, struct ks_party *from)
{
	struct ks_party *to = from == &s->a ? &s->b : &s->a;
	int dir = from == &s->a ? KS_A2B : KS_B2A;
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;
	int e = 0;

	mlab_rd_init(&r, from->out.p, from->out.len);
	while (e == 0 && mlab_rd_left(&r)) {
		if ((e = mlab_frame_next(&r, &type, &body, &len)) == 0)
			e = deliver(s, dir, to, type, body, len);
	}
	from->out.len = 0;
	return e;
}

int ks_pump(struct ks_session *s)
{
	int e = 0;
	while (e == 0 && (s->a.out.len || s->b.out.len))
		if ((e = flush(s, &s->a)) == 0)
			e = flush(s, &s->b);
	return e;
}

int ks_handshake(struct ks_session *s)
{
	int e = mlab_kex_start(&s->a.k, &s->a.out);

	note(&s->a, e);
	if ((e = ks_pump(s)) != 0)
		return e;
	if (mlab_kex_connected(&s->a.k) && mlab_kex_connected(&s->b.k))
		return 0;
	/* The side that failed first, not the one that read its alert. */
	if (s->a.err && (s->a.err != MLAB_E_PEER_ALERT || !s->b.err))
		return s->a.err;
	return s->b.err ? s->b.err : -1;
}

int ks_send(struct ks_session *s, int dir, uint8_t content, const void *data, size_t len)
{
	struct ks_party *p = dir == KS_A2B ? &s->a : &s->b;
	int e = mlab_kex_seal(&p->k, content, data, len, &p->out);

	note(p, e);
	if (e != 0)
		return e;
	return ks_pump(s);
}

const struct ks_frame *ks_find(const struct ks_session *s, int dir, uint8_t type, size_t nth)
{
	for (size_t i = 0; i < s->n_log; i++)
		if (s->log[i].dir == dir && s->log[i].type == type && nth-- == 0)
			return &s->log[i];
	return NULL;
}

size_t ks_count_frames(const struct ks_session *s, int dir, uint8_t type)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_log; i++)
		n += s->log[i].dir == dir && s->log[i].type == type;
	return n;
}

json_t *ks_event(const json_t *events, const char *name, size_t nth)
{
	size_t i;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		const char *n = json_string_value(json_object_get(e, "event"));
		if (n && strcmp(n, name) == 0 && nth-- == 0)
			return e;
	}
	return NULL;
}

size_t ks_count(const json_t *events, const char *name)
{
	size_t n = 0;
	while (ks_event(events, name, n))
		n++;
	return n;
}

const char *ks_str(const json_t *event, const char *field)
{
	return json_string_value(json_object_get(event, field));
}
