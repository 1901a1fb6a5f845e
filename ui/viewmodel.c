/* The dashboard's view model (viewmodel.h): the picture of a run after its
 * first k events, built from the event stream alone (docs/events.md).
 *
 * The stream may be broken or hostile: every field is looked up by name and
 * type (missing or ill-typed means absent), everything copied from it is
 * escaped to printable ASCII (\xNN), every array is fixed and every string
 * cut. The only non-ASCII the model itself writes is ✔ ✘ → … — (U+2714,
 * U+2718, U+2192, U+2026, U+2014), and · (U+00B7) in key_line, which the
 * dashboard's ASCII fallback maps. */
#include "viewmodel.h"
#include "ev_fields.h"
#include "ev_schema.h"
#include "ev_text.h"

#include "mlab_group.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab_net.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "report.h"

#define U_MIDDOT "\xc2\xb7" /* only in key_line, as viewmodel.h shows it */

#define SWAPPED_MAX 16	    /* mallory's swapped shares remembered */
#define DETAIL_BYTES 4096   /* bytes of one hex field decoded for the details */
#define DETAIL_STR_COLS 240 /* columns of one string field in the details */

static const char *const PARTIES[VM_COLS] = {"alice", "mallory", "bob"};

static int col_of(const char *actor)
{
	for (int i = 0; i < VM_COLS; i++)
		if (streq(actor, PARTIES[i]))
			return i;
	return -1;
}

/* ---- building ---- */

/* A message on its way through mallory, not yet drawn toward its receiver. */
struct pending {
	bool open;
	unsigned long seq; /* sending order */
	size_t event;
	char label[40];
};

struct build {
	struct vm *m;
	const enum judge_mark *marks; /* the judge's view of every event, or NULL */
	size_t n_marks;
	size_t total_steps[VM_COLS]; /* steps made, including those pushed out */
	size_t total_lines, total_truth, total_arrows;
	struct pending pend[MSG_COUNT][2]; /* [message][toward bob] */
	unsigned long seq;
	bool talking[VM_COLS];		  /* has sent or received a protocol message */
	const char *swapped[SWAPPED_MAX]; /* mallory's shares so far (ring) */
	size_t n_swapped;
	/* Whose key is whose: bob's certified and signing key as he sent
	 * them, and the key alice's signature check accepted (events hold the
	 * strings for the whole build). */
	const char *bob_cert_key, *bob_sig_key, *alice_sig_key;
	bool have_t0;
	double t0, last_t;
};

static enum judge_mark mark_of(const struct build *b, size_t idx)
{
	return b->marks && idx < b->n_marks ? b->marks[idx] : JM_NONE;
}

static void add_step(struct build *b, int col, const char *text, enum vm_mark mark, size_t idx)
{
	struct vm_column *c = &b->m->col[col];
	if (!c->present)
		return;
	struct vm_step *st = &c->steps[b->total_steps[col] % VM_MAX_STEPS];
	snprintf(st->text, sizeof st->text, "%s", text);
	st->mark = mark;
	st->event = idx;
	b->total_steps[col]++;
}

static void add_line(struct build *b, double t, const char *actor, const char *text, size_t idx, bool truth)
{
	struct vm_line *l = &b->m->timeline[b->total_lines % VM_TIMELINE];
	l->t = t;
	tb_copy_token(l->actor, sizeof l->actor, actor);
	snprintf(l->text, sizeof l->text, "%s", text);
	l->event = idx;
	l->truth = truth;
	b->total_lines++;
}

/* Rotates a ring of n elements of size sz left by r, in place (three reversals). */
static void reverse(void *base, size_t sz, size_t lo, size_t hi, void *tmp)
{
	char *p = base;
	while (lo + 1 < hi) {
		hi--;
		memcpy(tmp, p + lo * sz, sz);
		memcpy(p + lo * sz, p + hi * sz, sz);
		memcpy(p + hi * sz, tmp, sz);
		lo++;
	}
}

static void rotate(void *base, size_t sz, size_t n, size_t r, void *tmp)
{
	if (n == 0 || r % n == 0)
		return;
	r %= n;
	reverse(base, sz, 0, r, tmp);
	reverse(base, sz, r, n, tmp);
	reverse(base, sz, 0, n, tmp);
}

static void set_error(struct vm_column *c, const char *error, const char *check)
{
	if (c->aborted)
		return;
	c->aborted = true;
	tb_copy_token(c->error, sizeof c->error, error ? error : "");
	if (!check && error && mlab_err_from_name(error) != 0)
		check = mlab_err_check(mlab_err_from_name(error));
	tb_copy_token(c->check, sizeof c->check, check ? check : "");
}

/* The error event of anyone: "signature ✘ (signature-invalid)", or
 * "peer aborted (signature-invalid)" for the peer's alert. */
static void error_step(struct vm_column *c, const json_t *e, struct tb *s)
{
	const char *err = ev_str(e, "error"), *check = ev_str(e, "check");
	if (!check && err && mlab_err_from_name(err) != 0)
		check = mlab_err_check(mlab_err_from_name(err));
	if (streq(err, "peer-alert") || streq(check, "peer")) {
		const char *d = ev_str(e, "detail"), *pre = "the peer reported ";
		const char *why = d && strncmp(d, pre, strlen(pre)) == 0 ? d + strlen(pre) : err;
		tb_put(s, "peer aborted (");
		tb_str(s, why, 32);
		tb_put(s, ")");
	} else {
		tb_str(s, check ? check : "error", 16);
		tb_put(s, " " U_CROSS " (");
		tb_str(s, err, 32);
		tb_put(s, ")");
	}
	set_error(c, err, check);
}

static void add_truth(struct build *b, const char *text, enum vm_mark mark, size_t idx)
{
	struct vm_truth *t = &b->m->truth[b->total_truth % VM_TRUTH];
	snprintf(t->text, sizeof t->text, "%s", text);
	t->mark = mark;
	t->event = idx;
	b->total_truth++;
}

static void add_arrow(struct build *b, int from, int to, const char *label, const char *change, size_t idx)
{
	struct vm_arrow *a = &b->m->arrows[b->total_arrows % VM_ARROWS];
	a->from = from;
	a->to = to;
	snprintf(a->label, sizeof a->label, "%s", label);
	snprintf(a->change, sizeof a->change, "%s", change ? change : "");
	a->changed = change && change[0];
	a->event = idx;
	b->total_arrows++;
}

/* ---- the sequence view ---- */

static int other_peer(int col)
{
	return col == VM_ALICE ? VM_BOB : VM_ALICE;
}

/* The ladder label of a message event: "hello", "#2 \"transfer…\"". */
static void arrow_label(char *buf, size_t n, const struct ev_row *r, const json_t *e)
{
	if (r->msg == MSG_DATA)
		ev_render(buf, n, "#{n} {hex:snip}", e, false);
	else if (r->msg == MSG_ALERT)
		ev_render(buf, n, "alert {error}", e, false);
	else
		snprintf(buf, n, "%s", ev_msg_name(r->msg));
}

/* Draws mallory's arrows toward `to` for every message still on its way
 * there that was sent before `before` (her flights keep their order). */
static void flush_pending(struct build *b, int to, unsigned long before)
{
	for (;;) {
		int best = -1;
		for (int k = 0; k < MSG_COUNT; k++) {
			struct pending *p = &b->pend[k][to == VM_BOB];
			if (p->open && p->seq < before && (best < 0 || p->seq < b->pend[best][to == VM_BOB].seq))
				best = k;
		}
		if (best < 0)
			return;
		struct pending *p = &b->pend[best][to == VM_BOB];
		add_arrow(b, VM_MALLORY, to, p->label, NULL, p->event);
		p->open = false;
	}
}

/* Short words for what mallory changed, for the arrow. */
static void change_words(char *buf, size_t n, enum ev_id id, const json_t *e)
{
	switch (id) {
	case EV_SHARE_SWAPPED:
		snprintf(buf, n, "swapped");
		break;
	case EV_OFFER_STRIPPED:
		ev_render(buf, n, "{removed} stripped", e, false);
		break;
	case EV_OFFER_DOWNGRADED:
		ev_render(buf, n, "only {group}", e, false);
		break;
	case EV_OFFER_EXPLICIT:
		snprintf(buf, n, "explicit first");
		break;
	case EV_GENERATOR_REPLACED:
		ev_render(buf, n, "g = {g}", e, false);
		break;
	case EV_SIGNATURE_FORGED:
		snprintf(buf, n, "forged");
		break;
	case EV_MESSAGE_CHANGED:
		snprintf(buf, n, "altered");
		break;
	default:
		snprintf(buf, n, "changed");
		break;
	}
}

static int toward_of(const json_t *e)
{
	const char *t = ev_who(ev_str(e, "toward"));
	if (!t)
		t = ev_who(ev_str(e, "to"));
	return streq(t, "alice") ? VM_ALICE : streq(t, "bob") ? VM_BOB : -1;
}

static void ladder(struct build *b, size_t idx, const json_t *e, const struct ev_row *r, int col)
{
	enum ev_dir dir = r->dir;
	char label[40];
	if (dir == SQ_NONE || col < 0)
		return;
	if (r->id == EV_ERROR && col != VM_MALLORY) {
		/* an abort after the conversation began sends the peer an Alert */
		const char *where = ev_str(e, "where"), *err = ev_str(e, "error");
		if (!b->talking[col] || streq(err, "peer-alert") || streq(where, "connect") || streq(where, "setup"))
			return;
		dir = SQ_SEND;
		ev_render(label, sizeof label, "alert {error}", e, false);
	} else {
		arrow_label(label, sizeof label, r, e);
	}
	if (dir == SQ_ROLE)
		dir = col == VM_BOB ? SQ_SEND : SQ_RECV;

	if (col == VM_MALLORY) {
		int to = toward_of(e);
		if (to < 0)
			return;
		b->m->mitm = true;
		struct pending *p = &b->pend[r->msg][to == VM_BOB];
		if (r->id == EV_MESSAGE_READ) { /* she passes it on after any change: drawn then */
			return;
		}
		flush_pending(b, to, p->open ? p->seq : b->seq);
		if (dir == SQ_CHANGE) {
			char what[40];
			change_words(what, sizeof what, r->id, e);
			add_arrow(b, VM_MALLORY, to, p->open ? p->label : ev_msg_name(r->msg), what, idx);
		} else {
			add_arrow(b, VM_MALLORY, to, p->open ? p->label : ev_msg_name(r->msg), NULL, idx);
		}
		p->open = false;
		return;
	}
	b->talking[col] = true;
	if (dir == SQ_SEND) {
		int to = other_peer(col);
		if (!b->m->mitm) {
			add_arrow(b, col, to, label, NULL, idx);
			return;
		}
		add_arrow(b, col, VM_MALLORY, label, NULL, idx);
		struct pending *p = &b->pend[r->msg][to == VM_BOB];
		if (p->open) /* the one before never arrived as far as we know: drawn now */
			flush_pending(b, to, p->seq + 1);
		p->open = true;
		p->seq = b->seq++;
		p->event = idx;
		snprintf(p->label, sizeof p->label, "%s", label);
	} else if (dir == SQ_RECV && b->m->mitm) {
		struct pending *p = &b->pend[r->msg][col == VM_BOB];
		if (p->open) {
			flush_pending(b, col, p->seq + 1);
		}
	}
}

/* ---- what the lab knows beside the parties ---- */

static void truth_of(struct build *b, size_t idx, const json_t *e, enum ev_id id, int col)
{
	char t[VM_TEXT];
	const char *who_ = col >= 0 ? PARTIES[col] : "?";
	switch (id) {
	case EV_SHARE_RECEIVED: {
		const char *sh = ev_str(e, "share");
		for (size_t i = 0; sh && i < b->n_swapped && i < SWAPPED_MAX; i++)
			if (strcasecmp(sh, b->swapped[i]) == 0) {
				snprintf(t, sizeof t, "the share %s received is mallory's, not %s's: %s cannot tell",
					 who_, PARTIES[other_peer(col)], who_);
				add_truth(b, t, VM_MARK_WARN, idx);
				break;
			}
		break;
	}
	case EV_CERT_CHAIN: {
		long long depth = -1;
		const char *k = ev_str(e, "key_id");
		if (col != VM_ALICE || !ev_int(e, "depth", &depth) || depth != 0 || !k || !b->bob_cert_key)
			break;
		if (strcmp(k, b->bob_cert_key) != 0) {
			snprintf(
			    t, sizeof t,
			    "the certificate alice received is not bob's: it certifies key %.8s, bob's certifies %.8s",
			    k, b->bob_cert_key);
			add_truth(b, t, VM_MARK_WARN, idx);
		} else {
			add_truth(b, "the certificate alice received is bob's own: only bob can sign with its key",
				  VM_MARK_NONE, idx);
		}
		break;
	}
	case EV_TOFU_NEW:
	case EV_TOFU_KNOWN:
		if (col == VM_ALICE && b->alice_sig_key && b->bob_sig_key &&
		    strcmp(b->alice_sig_key, b->bob_sig_key) != 0) {
			snprintf(t, sizeof t, "the key alice %s as bob.lab's is mallory's (%.8s), not bob's (%.8s)",
				 id == EV_TOFU_NEW ? "just stored" : "trusts", b->alice_sig_key, b->bob_sig_key);
			add_truth(b, t, VM_MARK_FAIL, idx);
		}
		break;
	case EV_MESSAGE_RECEIVED:
		if (mark_of(b, idx) == JM_ALTERED) {
			char msg[48];
			ev_render(msg, sizeof msg, "#{n} {hex:snip}", e, false);
			snprintf(t, sizeof t, "%s's %s was ALTERED: %s never sent it", who_, msg,
				 PARTIES[other_peer(col)]);
			add_truth(b, t, VM_MARK_FAIL, idx);
		} else if (mark_of(b, idx) == JM_REPLAYED) {
			char msg[48];
			ev_render(msg, sizeof msg, "#{n} {hex:snip}", e, false);
			snprintf(t, sizeof t, "%s's %s is a REPLAY: %s sent it only once", who_, msg,
				 PARTIES[other_peer(col)]);
			add_truth(b, t, VM_MARK_FAIL, idx);
		}
		break;
	case EV_MESSAGE_READ:
		if (mark_of(b, idx) == JM_BOGUS)
			add_truth(b, "mallory claims to have read a message nobody sent: ignored", VM_MARK_NONE, idx);
		break;
	case EV_PHASE: {
		/* Later: which secrets still exist decides what the leak opens. */
		const json_t *rem = json_object_get(e, "remains"), *wip = json_object_get(e, "wiped");
		ev_render(t, sizeof t,
			  "phase {phase}, later: {?leak|{leak} leaks to mallory}{?computer|mallory gets {computer}}", e,
			  false);
		add_truth(b, t, VM_MARK_WARN, idx);
		for (size_t i = 0; i < json_array_size(rem); i++)
			if (json_is_string(json_array_get(rem, i))) {
				snprintf(t, sizeof t, "still exists: %.90s", json_string_value(json_array_get(rem, i)));
				add_truth(b, t, VM_MARK_WARN, idx);
			}
		for (size_t i = 0; i < json_array_size(wip); i++)
			if (json_is_string(json_array_get(wip, i))) {
				snprintf(t, sizeof t, "gone: %.90s", json_string_value(json_array_get(wip, i)));
				add_truth(b, t, VM_MARK_OK, idx);
			}
		break;
	}
	case EV_NEIGHBOUR:
		if (ev_true(e, "poisoned")) {
			ev_render(t, sizeof t, "{host}'s cache: {ip} at {mac} is mallory's MAC: POISONED", e, false);
			add_truth(b, t, VM_MARK_FAIL, idx);
		}
		break;
	default:
		break;
	}
}

/* Effects of an event on the picture beyond its text: key ids, errors,
 * neighbour tables, marks that depend on the fields. */
static void effects(struct build *b, const json_t *e, enum ev_id id, int col, struct tb *s, enum vm_mark *mark)
{
	struct vm_column *c = col >= 0 ? &b->m->col[col] : NULL;
	switch (id) {
	case EV_NEGOTIATED: {
		const char *gname = ev_str(e, "group");
		const struct mlab_group *grp = gname ? mlab_group_by_name(gname) : NULL;
		if (grp && grp->weak)
			tb_put(s, " WEAK");
		const char *mode = ev_str(e, "mode");
		if ((!streq(mode, "sign") && !streq(mode, "cert")) || streq(ev_str(e, "cipher"), "none") ||
		    (grp && grp->weak))
			*mark = VM_MARK_WARN; /* unauthenticated, records in clear, or a breakable group */
		break;
	}
	case EV_PARAMS_RECEIVED:
		if (!ev_true(e, "checked"))
			*mark = VM_MARK_WARN;
		break;
	case EV_CERT_CHECK:
		*mark = ev_true(e, "skipped") ? VM_MARK_WARN : ev_true(e, "ok") ? VM_MARK_OK : VM_MARK_FAIL;
		break;
	case EV_CERT_SENT:
		if (col == VM_BOB)
			b->bob_cert_key = ev_str(e, "key_id");
		break;
	case EV_SIGNATURE_SENT:
		if (col == VM_BOB)
			b->bob_sig_key = ev_str(e, "signer_key");
		break;
	case EV_SIGNATURE_VERIFIED:
		if (col == VM_ALICE)
			b->alice_sig_key = ev_str(e, "signer_key");
		break;
	case EV_SESSION_KEY:
	case EV_HANDSHAKE_DONE: {
		const char *k = ev_key_id(e, "key_id");
		if (!c || !k)
			break;
		if (col == VM_MALLORY) {
			const char *with = ev_str(e, "with");
			char *slot = streq(with, "alice") ? c->key_id : streq(with, "bob") ? c->key_id2 : NULL;
			if (slot && !slot[0])
				tb_copy_token(slot, sizeof c->key_id, k);
			*mark = VM_MARK_WARN;
		} else if (!c->key_id[0]) {
			tb_copy_token(c->key_id, sizeof c->key_id, k);
		}
		break;
	}
	case EV_CONNECTION_END:
		/* as the judge: bob's failure outside the engine */
		if (!ev_true(e, "ok")) {
			*mark = VM_MARK_FAIL;
			const char *err = ev_str(e, "error");
			if (c && col == VM_BOB && err && !streq(err, "ok"))
				set_error(c, err, NULL);
		}
		break;
	case EV_RELAYING:
	case EV_RELAY_ESTABLISHED:
		b->m->mitm = true; /* from now on the victims' frames go through her */
		break;
	case EV_SHARE_SWAPPED: {
		const char *sh = ev_str(e, "share");
		if (sh)
			b->swapped[b->n_swapped++ % SWAPPED_MAX] = sh;
		break;
	}
	case EV_NEIGHBOUR: {
		const char *host = ev_str(e, "host");
		int i = streq(host, "alice") ? 0 : streq(host, "bob") ? 1 : -1;
		if (i < 0)
			break;
		bool poisoned = ev_true(e, "poisoned");
		struct vm_neigh *nb = &b->m->neigh[i];
		nb->known = true;
		tb_copy_token(nb->host, sizeof nb->host, host);
		tb_copy_token(nb->ip, sizeof nb->ip, ev_str(e, "ip"));
		tb_copy_token(nb->mac, sizeof nb->mac, ev_str(e, "mac"));
		tb_copy_token(nb->phase, sizeof nb->phase, ev_str(e, "phase"));
		nb->poisoned = poisoned;
		if (poisoned) {
			nb->was_poisoned = true;
			tb_copy_token(nb->poisoned_mac, sizeof nb->poisoned_mac, ev_str(e, "mac"));
		}
		break;
	}
	case EV_EXIT:
		if (judge_exit(e, NULL, 0) == JX_LAB_FAILED)
			*mark = VM_MARK_FAIL;
		break;
	default:
		break;
	}
}

static enum vm_mark vm_mark_of(enum ev_mark m)
{
	return m == EM_OK ? VM_MARK_OK : m == EM_FAIL ? VM_MARK_FAIL : m == EM_WARN ? VM_MARK_WARN : VM_MARK_NONE;
}

/* The column step the runner's "started" / "exit" gives a program. */
static int lab_step(const json_t *e, enum ev_id id, struct tb *st)
{
	const char *prog = ev_str(e, "program");
	int col = col_of(prog);
	if (col < 0)
		return -1;
	if (id == EV_STARTED) {
		tb_put(st, "started");
		if (ev_str(e, "host")) {
			tb_put(st, " on ");
			tb_field(st, e, "host", 16);
		}
	} else if (id == EV_EXIT) {
		long long status = 0, sig = 0;
		bool have = ev_int(e, "status", &status);
		(void)ev_int(e, "signal", &sig);
		if (have && status == -1)
			tb_printf(st, "killed by signal %lld", sig);
		else if (have)
			tb_printf(st, "exited %lld", status);
		else
			tb_put(st, "exited");
	} else {
		return -1;
	}
	return col;
}

static void apply(struct build *b, size_t idx, const json_t *e)
{
	const char *actor = NULL, *name = NULL;
	char text[VM_TEXT], stext[VM_TEXT];
	struct tb s, st;
	double t;

	tb_init(&s, text, sizeof text);
	tb_init(&st, stext, sizeof stext);
	if (ev_num(e, "t", &t)) {
		if (!b->have_t0) {
			b->have_t0 = true;
			b->t0 = t;
		}
		b->last_t = t - b->t0;
	}
	if (!ev_head(e, &actor, &name)) {
		add_line(b, b->last_t, "?", "(not an event)", idx, false);
		return;
	}
	enum ev_id id = ev_id_of(name);
	const struct ev_row *r = ev_row(id);
	enum vm_mark mark = r ? vm_mark_of(r->mark) : VM_MARK_WARN;
	int col = col_of(actor);
	bool lab = streq(actor, "lab");

	if (col >= 0 && id == EV_ERROR) {
		error_step(&b->m->col[col], e, &s);
	} else {
		ev_text(text, sizeof text, e, false);
		s.len = strlen(text);
	}
	effects(b, e, id, col >= 0 ? col : lab ? col_of(ev_str(e, "host")) : -1, &s, &mark);
	tb_end(&s);
	if (r && !(r->emitters & ev_emitter_bit(actor))) /* shown, and said to be out of place */
		mark = VM_MARK_WARN;

	if (col >= 0 && id != EV_FRAME)
		add_step(b, col, text, mark, idx);
	if (lab) {
		int pc = lab_step(e, id, &st);
		tb_end(&st);
		if (pc >= 0)
			add_step(b, pc, stext, mark, idx);
	}
	if (r)
		ladder(b, idx, e, r, col);
	truth_of(b, idx, e, id, col);
	add_line(b, b->last_t, actor, text, idx, lab);
}

/* ---- the scenario, the outcome ---- */

static void scenario_fields(struct vm *m, const struct scenario *sc, const json_t *events, size_t n)
{
	const json_t *start = NULL;
	for (size_t i = 0; i < n && !start; i++) {
		const json_t *e = json_array_get(events, i);
		const char *actor, *name;
		if (ev_head(e, &actor, &name) && streq(actor, "lab") && streq(name, "run-start"))
			start = e;
	}
	if (sc) {
		tb_copy_token(m->name, sizeof m->name, sc->name);
		m->number = scenario_number(sc);
		tb_copy_text(m->title, sizeof m->title, sc->title, false);
		tb_copy_token(m->network, sizeof m->network, scenario_network_name(sc->network));
		if (sc->expect) {
			struct tb s;
			tb_init(&s, m->expect, sizeof m->expect);
			tb_str(&s, sc->expect, 40);
			if (sc->expect_peer && sc->expect_peer[0]) {
				tb_put(&s, " by ");
				tb_str(&s, sc->expect_peer, 16);
			}
			if (sc->expect_check && sc->expect_check[0]) {
				tb_put(&s, " (");
				tb_str(&s, sc->expect_check, 24);
				tb_put(&s, " check)");
			}
			tb_end(&s);
		}
		tb_copy_text(m->teaching, sizeof m->teaching, sc->teaching, true);
	} else if (start) {
		const char *name = ev_str(start, "scenario");
		tb_copy_token(m->name, sizeof m->name, name);
		tb_copy_token(m->network, sizeof m->network, ev_str(start, "network"));
		if (name) {
			size_t d = strspn(name, "0123456789");
			if (d > 0 && d <= 9 && (name[d] == '-' || name[d] == '.' || name[d] == '\0'))
				m->number = atoi(name);
		}
	}
}

static bool key_eq(const char *a, const char *b)
{
	return a[0] && b[0] && strcasecmp(a, b) == 0;
}

static void key_line(struct vm *m)
{
	const char *a = m->col[VM_ALICE].key_id, *b = m->col[VM_BOB].key_id;
	const char *ma = m->col[VM_MALLORY].key_id, *mb = m->col[VM_MALLORY].key_id2;
	bool ha = key_eq(ma, a) || key_eq(mb, a), hb = key_eq(ma, b) || key_eq(mb, b);
	struct tb s;

	tb_init(&s, m->key_line, sizeof m->key_line);
	tb_printf(&s, "alice %s", a[0] ? a : "-");
	if (m->col[VM_MALLORY].present)
		tb_printf(&s, " " U_MIDDOT " mallory %s / %s", ma[0] ? ma : "-", mb[0] ? mb : "-");
	tb_printf(&s, " " U_MIDDOT " bob %s " U_DASH " ", b[0] ? b : "-");
	if (!a[0] && !b[0])
		tb_put(&s, "no session key");
	else if (!a[0] || !b[0])
		tb_printf(&s, "only %s has a key%s", a[0] ? "alice" : "bob",
			  (a[0] ? ha : hb) ? " " U_DASH " mallory holds it" : "");
	else if (key_eq(a, b))
		tb_put(&s,
		       ha ? "same key " U_DASH " mallory holds it too" : "same key " U_DASH " nobody in the middle");
	else if (ha && hb)
		tb_put(&s, "different keys " U_DASH " mallory holds both: relay");
	else if (ha || hb)
		tb_printf(&s, "different keys " U_DASH " mallory holds %s's", ha ? "alice" : "bob");
	else
		tb_put(&s, "different keys " U_DASH " no shared session");
	tb_end(&s);
}

static void outcome(struct vm *m, const struct scenario *sc, const json_t *events)
{
	struct verdict v;
	char head[200];
	judge_run(events, &v);
	tb_copy_token(m->verdict, sizeof m->verdict, verdict_name(v.kind));
	report_headline(&v, head, sizeof head);
	snprintf(m->verdict_line, sizeof m->verdict_line, "%s " U_DASH " %s", m->verdict, head);
	tb_copy_token(m->peer, sizeof m->peer, v.peer);
	tb_copy_token(m->check, sizeof m->check, v.check);
	m->matches = sc ? report_matches(sc, &v) : false;
	key_line(m);
}

void vm_build(struct vm *m, const struct scenario *sc, const json_t *events, size_t k)
{
	struct build b;
	size_t n;

	if (!m)
		return;
	memset(m, 0, sizeof *m);
	memset(&b, 0, sizeof b);
	b.m = m;
	n = json_is_array(events) ? json_array_size(events) : 0;
	if (k > n)
		k = n;
	m->n_events = n;
	m->cursor = k;

	scenario_fields(m, sc, events, n);
	for (int i = 0; i < VM_COLS; i++) {
		const struct lab_host *h = lab_plan(PARTIES[i]);
		struct vm_column *c = &m->col[i];
		tb_copy_token(c->name, sizeof c->name, PARTIES[i]);
		if (h) {
			tb_copy_token(c->ip, sizeof c->ip, h->ip);
			snprintf(c->mac, sizeof c->mac, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
				 h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
		}
		c->present = i != VM_MALLORY;
	}
	/* mallory's presence comes from the whole stream: it must not change
	 * while the cursor moves */
	for (size_t i = 0; i < n && !m->col[VM_MALLORY].present; i++) {
		const json_t *e = json_array_get(events, i);
		const char *actor, *name;
		if (ev_head(e, &actor, &name) &&
		    (streq(actor, "mallory") ||
		     (streq(actor, "lab") && streq(name, "started") && streq(ev_str(e, "program"), "mallory"))))
			m->col[VM_MALLORY].present = true;
	}

	/* how the judge classifies each message, over the whole stream, so a
	 * received message is ALTERED exactly when the verdict counts it so */
	enum judge_mark *marks = n ? malloc(n * sizeof *marks) : NULL;
	if (marks && judge_marks(events, marks, n) == 0) {
		b.marks = marks;
		b.n_marks = n;
	}

	for (size_t i = 0; i < k; i++)
		apply(&b, i, json_array_get(events, i));

	for (int i = 0; i < VM_COLS; i++) {
		struct vm_column *c = &m->col[i];
		struct vm_step tmp;
		size_t total = b.total_steps[i];
		c->n_steps = total < VM_MAX_STEPS ? total : VM_MAX_STEPS;
		if (total > VM_MAX_STEPS)
			rotate(c->steps, sizeof c->steps[0], VM_MAX_STEPS, total % VM_MAX_STEPS, &tmp);
	}
	{
		struct vm_truth tt;
		struct vm_arrow ta;
		m->n_truth = b.total_truth < VM_TRUTH ? b.total_truth : VM_TRUTH;
		if (b.total_truth > VM_TRUTH)
			rotate(m->truth, sizeof m->truth[0], VM_TRUTH, b.total_truth % VM_TRUTH, &tt);
		m->n_arrows = b.total_arrows < VM_ARROWS ? b.total_arrows : VM_ARROWS;
		if (b.total_arrows > VM_ARROWS)
			rotate(m->arrows, sizeof m->arrows[0], VM_ARROWS, b.total_arrows % VM_ARROWS, &ta);
	}
	{
		struct vm_line tmp;
		m->n_timeline = b.total_lines < VM_TIMELINE ? b.total_lines : VM_TIMELINE;
		if (b.total_lines > VM_TIMELINE)
			rotate(m->timeline, sizeof m->timeline[0], VM_TIMELINE, b.total_lines % VM_TIMELINE, &tmp);
	}

	if (k == n) {
		m->finished = true;
		outcome(m, sc, events);
	}
	free(marks);
}

/* ---- details of one event ---- */

static bool hex_field(const char *key)
{
	return streq(key, "hex") || streq(key, "share") || streq(key, "original_hex") || streq(key, "replaced");
}

static void detail_value(struct tb *s, const json_t *v, int depth)
{
	if (json_is_string(v)) {
		tb_put(s, "\"");
		tb_esc(s, json_string_value(v), json_string_length(v), DETAIL_STR_COLS);
		tb_put(s, "\"");
	} else if (json_is_integer(v)) {
		tb_printf(s, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		tb_printf(s, "%.9g", json_real_value(v));
	} else if (json_is_true(v)) {
		tb_put(s, "true");
	} else if (json_is_false(v)) {
		tb_put(s, "false");
	} else if (json_is_null(v)) {
		tb_put(s, "null");
	} else if (json_is_array(v)) {
		size_t n = json_array_size(v);
		tb_put(s, "[");
		for (size_t i = 0; i < n && i < 16 && depth < 3; i++) {
			if (i)
				tb_put(s, ", ");
			detail_value(s, json_array_get(v, i), depth + 1);
		}
		if (n > 16 || (n && depth >= 3))
			tb_put(s, U_ELLIPSIS);
		tb_put(s, "]");
	} else if (json_is_object(v)) {
		const char *key;
		const json_t *val;
		size_t i = 0;
		tb_put(s, "{");
		json_object_foreach((json_t *)v, key, val)
		{
			if (i >= 16 || depth >= 3) {
				tb_put(s, U_ELLIPSIS);
				break;
			}
			if (i++)
				tb_put(s, ", ");
			tb_str(s, key, 32);
			tb_put(s, ": ");
			detail_value(s, val, depth + 1);
		}
		tb_put(s, "}");
	}
}

/* A hex field: its digits (cut), then the text when every byte is
 * printable, else a hex dump in rows of 16 bytes. */
static void detail_hex(struct tb *s, const char *key, const char *hex)
{
	uint8_t buf[DETAIL_BYTES];
	size_t len = 0, total = strlen(hex) / 2;
	tb_put(s, "  ");
	tb_str(s, key, 32);
	tb_put(s, ": ");
	tb_esc(s, hex, strlen(hex), 64);
	tb_printf(s, " (%zu byte%s)\n", total, total == 1 ? "" : "s");
	if (mlab_unhex(hex, buf, sizeof buf, &len) != 0)
		return;
	bool printable = true;
	for (size_t i = 0; i < len; i++)
		if (!((buf[i] >= 0x20 && buf[i] < 0x7f) || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r'))
			printable = false;
	if (printable) {
		tb_put(s, "    = \"");
		tb_esc(s, buf, len, 4 * DETAIL_BYTES);
		tb_put(s, len < total ? U_ELLIPSIS "\"\n" : "\"\n");
		return;
	}
	for (size_t row = 0; row < len && !s->cut; row += 16) {
		tb_printf(s, "    %04zx ", row);
		for (size_t i = row; i < row + 16; i++) {
			if (i % 8 == 0)
				tb_put(s, " ");
			if (i < len)
				tb_printf(s, "%02x ", buf[i]);
			else
				tb_put(s, "   ");
		}
		tb_put(s, " |");
		for (size_t i = row; i < row + 16 && i < len; i++) {
			char ch = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
			tb_putn(s, &ch, 1);
		}
		tb_put(s, "|\n");
	}
	if (len < total)
		tb_printf(s, "    " U_ELLIPSIS " %zu more bytes\n", total - len);
}

void vm_event_detail(const json_t *events, size_t k, char *buf, size_t n)
{
	struct tb s;
	const json_t *e;
	const char *actor = NULL, *name = NULL, *key;
	const json_t *val;
	double t, t0 = 0;
	bool have_t0 = false;

	if (!buf || n == 0)
		return;
	tb_init(&s, buf, n);
	if (!json_is_array(events) || k >= json_array_size(events)) {
		tb_printf(&s, "no event #%zu", k);
		tb_end(&s);
		return;
	}
	e = json_array_get(events, k);
	if (!json_is_object(e)) {
		tb_printf(&s, "#%zu: not an event (", k);
		tb_put(&s, json_is_array(e)    ? "an array"
			   : json_is_string(e) ? "a string"
			   : json_is_number(e) ? "a number"
					       : "not an object");
		tb_put(&s, ")\n");
		tb_end(&s);
		return;
	}
	for (size_t i = 0; i <= k && !have_t0; i++)
		if (ev_num(json_array_get(events, i), "t", &t0))
			have_t0 = true;
	ev_head(e, &actor, &name);
	tb_printf(&s, "#%zu ", k);
	tb_str(&s, actor, 16);
	tb_put(&s, " ");
	tb_str(&s, name, 40);
	if (have_t0 && ev_num(e, "t", &t))
		tb_printf(&s, "  t=%.6f s", t - t0);
	tb_put(&s, "\n");
	json_object_foreach((json_t *)e, key, val)
	{
		if (streq(key, "t") || streq(key, "actor") || streq(key, "event"))
			continue;
		if (hex_field(key) && json_is_string(val) &&
		    strlen(json_string_value(val)) == json_string_length(val)) {
			detail_hex(&s, key, json_string_value(val));
			continue;
		}
		tb_put(&s, "  ");
		tb_str(&s, key, 32);
		tb_put(&s, ": ");
		detail_value(&s, val, 0);
		tb_put(&s, "\n");
		if (s.cut)
			break;
	}
	tb_end(&s);
}

/* ---- loading a run ---- */

static void load_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void load_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

json_t *vm_load_run(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	if (err && errlen)
		err[0] = '\0';
	if (!dir || !dir[0]) {
		load_err(err, errlen, "no run directory given");
		return NULL;
	}
	int pl = snprintf(path, sizeof path, "%s/events.jsonl", dir);
	if (pl < 0 || (size_t)pl >= sizeof path) {
		load_err(err, errlen, "run directory name too long");
		return NULL;
	}
	return ev_load_jsonl(path, err, errlen);
}
