/* The judge (judge.h): the verdict of a run from its event stream.
 *
 * Ground truth is what alice and bob report about themselves: what each sent,
 * what each received, whether and why each aborted. Mallory's events are
 * claims; they count only where those facts confirm them (a read whose bytes
 * were really sent, a key id that alice or bob really derived). The stream
 * may be broken or hostile: every field is looked up by name and type, and
 * whatever is missing or malformed is treated as absent. */
#include "judge.h"
#include "ev_schema.h"
#include "ev_fields.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mlab_err.h"

/* Distinct session key ids remembered per run for alice and bob together.
 * A real run has one per side and connection; the cap bounds a hostile one. */
#define HONEST_KEYS_MAX 32

/* ---- field access: typed, absent when missing or of the wrong type ---- */

static double ev_t(const json_t *o)
{
	const json_t *n = json_object_get(o, "t");
	if (!json_is_number(n))
		return NAN;
	double t = json_number_value(n);
	return isfinite(t) ? t : NAN;
}

/* Application bytes as hex: even length, hex digits only ("" is an empty message). */
static const char *ev_hex(const json_t *o)
{
	const char *h = ev_str(o, "hex");
	if (!h)
		return NULL;
	size_t i = 0;
	for (; h[i]; i++)
		if (!ev_hex_digit(h[i]))
			return NULL;
	return i % 2 == 0 ? h : NULL;
}

/* Copies a machine name, keeping printable ASCII only, so nothing from the
 * stream can smuggle control sequences into a reason or a terminal. */
static void copy_token(char *dst, size_t n, const char *src)
{
	size_t i = 0;
	if (src)
		for (; src[i] && i + 1 < n; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
		}
	dst[i] = '\0';
}

static void appendf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strnlen(buf, n);
	if (len + 1 >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

/* "; " between the parts of a reason. */
static void append_sep(char *buf, size_t n)
{
	if (buf[0])
		appendf(buf, n, "; ");
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- the multiset of sent messages ---- */

struct pool {
	const char **s; /* distinct hex strings, sorted */
	size_t *cnt;	/* how many sent messages of each are still unclaimed */
	size_t n;
};

static int cmp_hex(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* Takes ownership of items[0..n). */
static int pool_build(struct pool *p, const char **items, size_t n)
{
	p->s = items;
	p->n = 0;
	p->cnt = malloc((n ? n : 1) * sizeof *p->cnt);
	if (!p->cnt)
		return -1;
	if (n)
		qsort(items, n, sizeof *items, cmp_hex);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u > 0 && strcasecmp(items[u - 1], items[i]) == 0) {
			p->cnt[u - 1]++;
			continue;
		}
		items[u] = items[i];
		p->cnt[u] = 1;
		u++;
	}
	p->n = u;
	return 0;
}

/* Consumes one sent message equal to hex; false when none is left. */
static bool pool_take(struct pool *p, const char *hex)
{
	if (p->n == 0)
		return false;
	const char **hit = bsearch(&hex, p->s, p->n, sizeof *p->s, cmp_hex);
	if (!hit)
		return false;
	size_t i = (size_t)(hit - p->s);
	if (p->cnt[i] == 0)
		return false;
	p->cnt[i]--;
	return true;
}

/* Whether hex was in the pool at all, taken or not. */
static bool pool_has(const struct pool *p, const char *hex)
{
	return p->n && bsearch(&hex, p->s, p->n, sizeof *p->s, cmp_hex) != NULL;
}

static void pool_free(struct pool *p)
{
	free(p->s);
	free(p->cnt);
	p->s = NULL;
	p->cnt = NULL;
}

static bool is_sent_by(const json_t *e, const char *who)
{
	const char *actor, *name;
	return ev_head(e, &actor, &name) && strcmp(actor, who) == 0 && strcmp(name, "message-sent") == 0;
}

int judge_marks(const json_t *events, enum judge_mark *marks, size_t n)
{
	if (!json_is_array(events) || !marks)
		return -1;
	size_t len = json_array_size(events);
	for (size_t i = 0; i < n; i++)
		marks[i] = JM_NONE;
	if (n < len)
		return -1;

	size_t na = 0, nb = 0;
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(events, i);
		if (!ev_hex(e))
			continue;
		na += is_sent_by(e, "alice");
		nb += is_sent_by(e, "bob");
	}
	const char **a = malloc((na ? na : 1) * sizeof *a);
	const char **b = malloc((nb ? nb : 1) * sizeof *b);
	const char **all = malloc((na + nb ? na + nb : 1) * sizeof *all);
	struct pool from_alice = {0}, from_bob = {0}, any = {0};
	int rc = -1;
	if (!a || !b || !all) {
		free(a);
		free(b);
		free(all);
		return -1;
	}
	size_t ia = 0, ib = 0;
	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(events, i);
		const char *hex = ev_hex(e);
		if (!hex)
			continue;
		if (is_sent_by(e, "alice")) {
			a[ia++] = hex;
			all[ia + ib - 1] = hex;
		} else if (is_sent_by(e, "bob")) {
			b[ib++] = hex;
			all[ia + ib - 1] = hex;
		}
	}
	/* The pools own a, b and all from here on, even when building fails. */
	int e1 = pool_build(&from_alice, a, na);
	int e2 = pool_build(&from_bob, b, nb);
	int e3 = pool_build(&any, all, na + nb);
	if (e1 || e2 || e3)
		goto out;

	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name))
			continue;
		const char *hex = ev_hex(e);
		bool alice = strcmp(actor, "alice") == 0, bob = strcmp(actor, "bob") == 0;
		if ((alice || bob) && strcmp(name, "message-received") == 0) {
			/* A broken received event (no bytes) cannot be judged either way. */
			struct pool *from = alice ? &from_bob : &from_alice;
			if (hex)
				marks[i] = pool_take(from, hex)	 ? JM_INTACT
					   : pool_has(from, hex) ? JM_REPLAYED
								 : JM_ALTERED;
		} else if (strcmp(actor, "mallory") == 0 && strcmp(name, "message-read") == 0) {
			marks[i] = hex && pool_take(&any, hex) ? JM_GENUINE : JM_BOGUS;
		}
	}
	rc = 0;
out:
	pool_free(&from_alice);
	pool_free(&from_bob);
	pool_free(&any);
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			marks[i] = JM_NONE;
	return rc;
}

/* ---- building the parties ---- */

struct track {
	struct party *p;
	double err_t;	/* t of the first error, NAN when unknown */
	size_t err_idx; /* its place in the stream */
};

struct judge_state {
	struct verdict *v;
	struct track alice, bob, mallory;
	bool alice_done;
	char lab_fail[sizeof((struct verdict *)0)->reason];
	const char *keys[HONEST_KEYS_MAX];   /* alice's and bob's key ids, distinct */
	unsigned key_owner[HONEST_KEYS_MAX]; /* bit 1 alice, bit 2 bob */
	bool key_held[HONEST_KEYS_MAX];
	size_t n_keys;
};

static void party_init(struct party *p)
{
	memset(p, 0, sizeof *p);
	p->exit_status = -1;
}

static struct track *track_of(struct judge_state *st, const char *actor)
{
	if (strcmp(actor, "alice") == 0)
		return &st->alice;
	if (strcmp(actor, "bob") == 0)
		return &st->bob;
	if (strcmp(actor, "mallory") == 0)
		return &st->mallory;
	return NULL;
}

static void honest_key(struct judge_state *st, const char *key, unsigned owner)
{
	for (size_t i = 0; i < st->n_keys; i++)
		if (strcasecmp(st->keys[i], key) == 0) {
			st->key_owner[i] |= owner;
			return;
		}
	if (st->n_keys < HONEST_KEYS_MAX) {
		st->keys[st->n_keys] = key;
		st->key_owner[st->n_keys++] = owner;
	}
}

static void set_error(struct track *tr, const char *error, const char *check, double t, size_t idx)
{
	struct party *p = tr->p;
	p->aborted = true;
	copy_token(p->error, sizeof p->error, error ? error : "");
	/* A missing check is recovered from the error's name when the name is known. */
	if (!check && error && mlab_err_from_name(error) != 0)
		check = mlab_err_check(mlab_err_from_name(error));
	copy_token(p->check, sizeof p->check, check ? check : "");
	p->peer_alert = (error && strcmp(error, "peer-alert") == 0) || (check && strcmp(check, "peer") == 0);
	tr->err_t = t;
	tr->err_idx = idx;
}

static void party_event(struct judge_state *st, struct track *tr, enum ev_id id, const json_t *e, size_t idx,
			enum judge_mark mark, bool honest)
{
	struct party *p = tr->p;
	p->present = true;
	switch (id) {
	case EV_HANDSHAKE_DONE:
	case EV_SESSION_KEY: {
		const char *key = ev_key_id(e, "key_id");
		if (id == EV_HANDSHAKE_DONE)
			p->handshake_done = true;
		if (key && !p->key_id[0])
			copy_token(p->key_id, sizeof p->key_id, key);
		if (key && honest)
			honest_key(st, key, tr == &st->alice ? 1u : 2u);
		break;
	}
	case EV_ERROR:
		/* Errors are sticky: only the first one of a party is its story. */
		if (!p->aborted)
			set_error(tr, ev_str(e, "error"), ev_str(e, "check"), ev_t(e), idx);
		break;
	case EV_CONNECTION_END: {
		/* bob reports some failures only here (no memory, engine setup). */
		const json_t *ok = json_object_get(e, "ok");
		const char *err = ev_str(e, "error");
		if (!p->aborted && json_is_false(ok) && err && strcmp(err, "ok") != 0)
			set_error(tr, err, NULL, ev_t(e), idx);
		break;
	}
	case EV_MESSAGE_SENT:
		p->sent++;
		break;
	case EV_BULK_START:
		if (!honest)
			break;
		/* A bulk transfer sends data without per-message events: it still
		 * counts as data sent, so keys held by mallory mean she could read it. */
		p->sent++;
		break;
	case EV_MESSAGE_RECEIVED:
		p->received++;
		if (mark == JM_INTACT)
			p->received_intact++;
		else if (mark == JM_ALTERED)
			p->received_altered++;
		else if (mark == JM_REPLAYED)
			p->received_replayed++;
		break;
	case EV_MESSAGE_READ:
		if (honest)
			break;
		if (mark == JM_GENUINE)
			st->v->read_genuine++;
		else
			st->v->read_bogus++;
		break;
	case EV_DONE:
		if (tr == &st->alice)
			st->alice_done = true;
		break;
	default:
		break;
	}
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The runner's own events: its failures make the run an error, whatever the
 * programs said. */
static void lab_event(struct judge_state *st, const char *name, const json_t *e)
{
	char *buf = st->lab_fail;
	size_t n = sizeof st->lab_fail;
	char tok[48];

	if (strcmp(name, "lab-error") == 0) {
		const char *reason = ev_str(e, "reason");
		char why[160];
		/* The runner's reason is prose: keep it, minus control bytes. */
		size_t i = 0;
		for (; reason && reason[i] && i + 1 < sizeof why; i++) {
			unsigned char c = (unsigned char)reason[i];
			why[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
		why[i] = '\0';
		append_sep(buf, n);
		appendf(buf, n, "the lab failed: %s", why[0] ? why : "lab-error");
	} else if (strcmp(name, "timeout") == 0) {
		long long limit = 0;
		bool has_limit = ev_int(e, "limit_s", &limit);
		copy_token(tok, sizeof tok, ev_str(e, "waiting_for"));
		append_sep(buf, n);
		appendf(buf, n, "the run timed out");
		if (has_limit)
			appendf(buf, n, " after %lld s", limit);
		if (tok[0])
			appendf(buf, n, " waiting for %s", tok);
	} else if (strcmp(name, "exit") == 0) {
		const char *prog = ev_str(e, "program");
		long long status = -1;
		if (prog && ev_int(e, "status", &status)) {
			struct track *tr = track_of(st, base_name(prog));
			if (tr)
				tr->p->exit_status = status < INT_MIN	? INT_MIN
						     : status > INT_MAX ? INT_MAX
									: (int)status;
		}
		char why[160];
		if (judge_exit(e, why, sizeof why) == JX_LAB_FAILED) {
			append_sep(buf, n);
			appendf(buf, n, "%s", why);
		}
	}
}

enum judge_exit_kind judge_exit(const json_t *e, char *why, size_t n)
{
	const char *prog = ev_str(e, "program");
	long long status = -1, sig = 0;
	bool has_status = ev_int(e, "status", &status);
	char tok[48];
	(void)ev_int(e, "signal", &sig);
	/* Without the runner's word that it was expected, a signal is a crash. */
	bool expected = json_is_true(json_object_get(e, "expected"));
	copy_token(tok, sizeof tok, prog ? base_name(prog) : "a program");
	if (why && n)
		why[0] = '\0';
	if (!expected && sig != 0) {
		snprintf(why, n, "%s was killed by signal %lld", tok, sig);
		return JX_LAB_FAILED;
	}
	if (sig != 0)
		return JX_STOPPED;
	if (!has_status)
		return JX_UNKNOWN;
	if (status == 127) {
		snprintf(why, n, "%s could not be started (exit status 127)", tok);
		return JX_LAB_FAILED;
	}
	if (status >= 64) {
		snprintf(why, n, "%s exited with status %lld%s", tok, status,
			 status == 86 || status == 87 ? " (a sanitizer report)" : "");
		return JX_LAB_FAILED;
	}
	if (status > 0 && strcmp(tok, "mallory") == 0) {
		/* alice and bob may end with 1 (a check stopped it) or 3 (the
		 * network failed): outcomes. mallory failing is the lab failing:
		 * a blind attacker must not make a run "confidential". */
		snprintf(why, n, "mallory failed (exit status %lld): see mallory.log", status);
		return JX_LAB_FAILED;
	}
	return status == 0 ? JX_OK : JX_OUTCOME;
}

/* An honest party's own detection: not the peer's alert, and not a failure
 * that detects nothing (the network, the lab's own machinery). */
static bool own_detection(const struct party *p)
{
	static const char *const not_detection[] = {"", "io", "peer", "internal", "setup", "none"};
	if (!p->aborted || p->peer_alert)
		return false;
	for (size_t i = 0; i < sizeof not_detection / sizeof not_detection[0]; i++)
		if (strcmp(p->check, not_detection[i]) == 0)
			return false;
	return true;
}

/* The first field value of actor's first `event` (NULL when absent). */
static const json_t *first_field(const json_t *events, const char *actor, const char *event, const char *field)
{
	size_t i;
	const json_t *e;
	json_array_foreach(events, i, e)
	{
		const char *a, *name;
		if (ev_head(e, &a, &name) && strcmp(a, actor) == 0 && strcmp(name, event) == 0)
			return json_object_get(e, field);
	}
	return NULL;
}

/* Was an attack attempted? First from ground truth — what one victim
 * received against what the other sent —, then from mallory's word. */
static void find_attempt(const json_t *events, struct verdict *v)
{
	static const char *const offer[] = {"modes", "groups", "ciphers", "kinds", "client_auth"};
	static const char *const claims[] = {
	    "share-swapped",	"offer-stripped",   "offer-downgraded", "offer-explicit",  "generator-replaced",
	    "signature-forged", "cert-substituted", "message-changed",	"record-replayed", "replay-start"};
	const char *sides[2][2] = {{"alice", "bob"}, {"bob", "alice"}};
	size_t i;
	const json_t *e;

	for (int s = 0; s < 2 && !v->attempt[0]; s++) {
		const json_t *got = first_field(events, sides[s][0], "share-received", "share");
		const json_t *sent = first_field(events, sides[s][1], "share-sent", "share");
		if (json_is_string(got) && json_is_string(sent) &&
		    strcasecmp(json_string_value(got), json_string_value(sent)) != 0)
			snprintf(v->attempt, sizeof v->attempt, "%s received a key share %s never sent", sides[s][0],
				 sides[s][1]);
	}
	for (size_t k = 0; k < sizeof offer / sizeof offer[0] && !v->attempt[0]; k++) {
		const json_t *sent = first_field(events, "alice", "hello-sent", offer[k]);
		const json_t *got = first_field(events, "bob", "hello-received", offer[k]);
		if (sent && got && !json_equal(sent, got))
			snprintf(v->attempt, sizeof v->attempt, "bob received another offer (%s) than alice sent",
				 offer[k]);
	}
	json_array_foreach(events, i, e)
	{
		const char *a, *name;
		if (v->attempt[0])
			break;
		if (!ev_head(e, &a, &name) || strcmp(a, "mallory") != 0)
			continue;
		for (size_t k = 0; k < sizeof claims / sizeof claims[0]; k++)
			if (strcmp(name, claims[k]) == 0)
				snprintf(v->attempt, sizeof v->attempt, "mallory's %s", name);
	}
}

/* Does a stop earlier than b? By time when both are known, else by stream order. */
static bool earlier(const struct track *a, const struct track *b)
{
	if (!isnan(a->err_t) && !isnan(b->err_t) && a->err_t != b->err_t)
		return a->err_t < b->err_t;
	return a->err_idx <= b->err_idx;
}

static void reason_attack(struct judge_state *st)
{
	struct verdict *v = st->v;
	char *r = v->reason;
	size_t n = sizeof v->reason;
	size_t total = v->alice.sent + v->bob.sent;
	bool held_alice = false, held_bob = false;

	if (v->read_genuine)
		appendf(r, n, "mallory read %zu of %zu message%s", v->read_genuine, total, plural(total));
	if (v->bob.received_altered) {
		append_sep(r, n);
		appendf(r, n, "bob received %zu message%s alice never sent", v->bob.received_altered,
			plural(v->bob.received_altered));
	}
	if (v->bob.received_replayed) {
		append_sep(r, n);
		appendf(r, n, "bob received %zu message%s once more than alice sent %s: replayed",
			v->bob.received_replayed, plural(v->bob.received_replayed),
			v->bob.received_replayed == 1 ? "it" : "them");
	}
	if (v->alice.received_replayed) {
		append_sep(r, n);
		appendf(r, n, "alice received %zu message%s once more than bob sent %s: replayed",
			v->alice.received_replayed, plural(v->alice.received_replayed),
			v->alice.received_replayed == 1 ? "it" : "them");
	}
	if (v->alice.received_altered) {
		append_sep(r, n);
		appendf(r, n, "alice received %zu message%s bob never sent", v->alice.received_altered,
			plural(v->alice.received_altered));
	}
	for (size_t i = 0; i < st->n_keys; i++)
		if (st->key_held[i]) {
			held_alice |= (st->key_owner[i] & 1u) != 0;
			held_bob |= (st->key_owner[i] & 2u) != 0;
		}
	if (held_alice || held_bob) {
		append_sep(r, n);
		if (held_alice && held_bob)
			appendf(r, n, "mallory holds the session keys of alice and bob");
		else
			appendf(r, n, "mallory holds %s's session key", held_alice ? "alice" : "bob");
		if (!v->read_genuine && total)
			appendf(r, n, " while %zu message%s went through", total, plural(total));
	}
}

static void reason_ignored(struct verdict *v)
{
	if (v->read_bogus)
		appendf(v->reason, sizeof v->reason, "; %zu claimed read%s matched nothing sent and %s ignored",
			v->read_bogus, plural(v->read_bogus), v->read_bogus == 1 ? "was" : "were");
}

static void describe_stop(char *r, size_t n, const char *who, const struct party *p)
{
	if (p->aborted)
		appendf(r, n, "%s: %s (%s check)", who, p->error[0] ? p->error : "error", p->check[0] ? p->check : "?");
}

static void decide(struct judge_state *st)
{
	struct verdict *v = st->v;
	char *r = v->reason;
	size_t n = sizeof v->reason;

	/* a. the lab itself failed */
	snprintf(r, n, "%s", st->lab_fail);
	if (!v->alice.present) {
		append_sep(r, n);
		appendf(r, n, "alice never appeared (no events from her)");
	}
	if (!v->bob.present) {
		append_sep(r, n);
		appendf(r, n, "bob never appeared (no events from him)");
	}
	if (r[0]) {
		v->kind = V_ERROR;
		return;
	}

	/* b. mallory read or changed application data, by ground truth */
	size_t total = v->alice.sent + v->bob.sent;
	if (v->read_genuine || v->alice.received_altered || v->bob.received_altered || v->bob.received_replayed ||
	    v->alice.received_replayed || (v->mallory_keys_held && total)) {
		v->kind = V_ATTACK_SUCCEEDED;
		reason_attack(st);
		reason_ignored(v);
		return;
	}

	/* c. an honest peer detected it */
	bool a = own_detection(&v->alice), b = own_detection(&v->bob);
	/* A check that fires with no attack attempted defends nothing: the
	 * peers cannot talk as configured. */
	if ((a || b) && !v->attempt[0]) {
		bool pick_alice = a && (!b || earlier(&st->alice, &st->bob));
		const struct party *p = pick_alice ? &v->alice : &v->bob;
		v->kind = V_MISCONFIGURED;
		appendf(r, n,
			"%s's %s check stopped the conversation (%s), but no attack was attempted: the peers cannot "
			"talk as configured",
			pick_alice ? "alice" : "bob", p->check, p->error[0] ? p->error : "error");
		reason_ignored(v);
		return;
	}
	if (a || b) {
		bool pick_alice = a && (!b || earlier(&st->alice, &st->bob));
		const char *who = pick_alice ? "alice" : "bob";
		const struct party *p = pick_alice ? &v->alice : &v->bob;
		v->kind = V_BLOCKED;
		snprintf(v->peer, sizeof v->peer, "%s", who);
		snprintf(v->check, sizeof v->check, "%s", p->check);
		appendf(r, n, "%s stopped it: %s check (%s) after %s", who, p->check, p->error[0] ? p->error : "error",
			v->attempt);
		reason_ignored(v);
		return;
	}

	/* d. the exchange completed and mallory learned nothing */
	if (st->alice_done && v->alice.handshake_done && v->bob.handshake_done) {
		v->kind = V_CONFIDENTIAL;
		appendf(r, n,
			"the conversation completed (%zu message%s sent, %zu received by alice) and mallory "
			"learned nothing",
			total, plural(total), v->alice.received);
		reason_ignored(v);
		return;
	}

	/* e. nothing completed, nothing learned: say what was missing */
	v->kind = V_DISRUPTED;
	appendf(r, n, "no conversation completed: ");
	if (!v->alice.handshake_done && !v->bob.handshake_done)
		appendf(r, n, "no handshake completed");
	else if (!v->alice.handshake_done || !v->bob.handshake_done)
		appendf(r, n, "%s's handshake did not complete", v->alice.handshake_done ? "bob" : "alice");
	else
		appendf(r, n, "alice never reported the conversation done");
	if (v->alice.aborted) {
		append_sep(r, n);
		describe_stop(r, n, "alice", &v->alice);
	}
	if (v->bob.aborted) {
		append_sep(r, n);
		describe_stop(r, n, "bob", &v->bob);
	}
	appendf(r, n, "; mallory learned nothing");
	reason_ignored(v);
}

static void verdict_reset(struct verdict *v)
{
	memset(v, 0, sizeof *v);
	party_init(&v->alice);
	party_init(&v->bob);
	party_init(&v->mallory);
	v->kind = V_ERROR;
}

int judge_run(const json_t *events, struct verdict *v)
{
	if (!v)
		return -1;
	verdict_reset(v);
	if (!json_is_array(events)) {
		snprintf(v->reason, sizeof v->reason, "no event stream (not a JSON array of events)");
		return -1;
	}
	size_t len = json_array_size(events);
	enum judge_mark *marks = malloc((len ? len : 1) * sizeof *marks);
	if (!marks || judge_marks(events, marks, len) != 0) {
		free(marks);
		snprintf(v->reason, sizeof v->reason, "out of memory while judging %zu events", len);
		return -1;
	}

	struct judge_state st;
	memset(&st, 0, sizeof st);
	st.v = v;
	st.alice = (struct track){.p = &v->alice, .err_t = NAN};
	st.bob = (struct track){.p = &v->bob, .err_t = NAN};
	st.mallory = (struct track){.p = &v->mallory, .err_t = NAN};

	for (size_t i = 0; i < len; i++) {
		const json_t *e = json_array_get(events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name))
			continue;
		if (strcmp(actor, "lab") == 0) {
			lab_event(&st, name, e);
			continue;
		}
		struct track *tr = track_of(&st, actor);
		if (tr)
			party_event(&st, tr, ev_id_of(name), e, i, marks[i], tr != &st.mallory);
	}
	free(marks);

	/* Mallory's key ids count only when alice or bob derived the same key;
	 * each honest key counts once however often she repeats it. */
	for (size_t i = 0; i < len && st.n_keys; i++) {
		const json_t *e = json_array_get(events, i);
		const char *actor, *name, *key;
		if (!ev_head(e, &actor, &name) || strcmp(actor, "mallory") != 0 || strcmp(name, "session-key") != 0 ||
		    !(key = ev_key_id(e, "key_id")))
			continue;
		for (size_t k = 0; k < st.n_keys; k++)
			if (!st.key_held[k] && strcasecmp(st.keys[k], key) == 0) {
				st.key_held[k] = true;
				v->mallory_keys_held++;
			}
	}

	find_attempt(events, v);
	decide(&st);
	return 0;
}

/* ---- names and JSON ---- */

static const char *const verdict_names[] = {
    [V_ATTACK_SUCCEEDED] = "attack-succeeded", [V_BLOCKED] = "blocked",
    [V_CONFIDENTIAL] = "confidential",	       [V_DISRUPTED] = "disrupted",
    [V_MISCONFIGURED] = "misconfigured",       [V_ERROR] = "error",
};

const char *verdict_name(enum verdict_kind k)
{
	if ((unsigned)k < sizeof verdict_names / sizeof verdict_names[0])
		return verdict_names[k];
	return "error";
}

int verdict_from_name(const char *name, enum verdict_kind *k)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof verdict_names / sizeof verdict_names[0]; i++)
		if (strcmp(name, verdict_names[i]) == 0) {
			if (k)
				*k = (enum verdict_kind)i;
			return 0;
		}
	return -1;
}

static json_t *party_json(const struct party *p)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "present", json_boolean(p->present));
	json_object_set_new(o, "handshake_done", json_boolean(p->handshake_done));
	if (p->key_id[0])
		json_object_set_new(o, "key_id", json_string(p->key_id));
	json_object_set_new(o, "aborted", json_boolean(p->aborted));
	if (p->aborted) {
		json_object_set_new(o, "error", json_string(p->error));
		json_object_set_new(o, "check", json_string(p->check));
		json_object_set_new(o, "peer_alert", json_boolean(p->peer_alert));
	}
	json_object_set_new(o, "sent", json_integer((json_int_t)p->sent));
	json_object_set_new(o, "received", json_integer((json_int_t)p->received));
	json_object_set_new(o, "received_intact", json_integer((json_int_t)p->received_intact));
	json_object_set_new(o, "received_altered", json_integer((json_int_t)p->received_altered));
	json_object_set_new(o, "received_replayed", json_integer((json_int_t)p->received_replayed));
	json_object_set_new(o, "exit_status", json_integer(p->exit_status));
	return o;
}

json_t *verdict_json(const struct verdict *v)
{
	if (!v)
		return NULL;
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "kind", json_string(verdict_name(v->kind)));
	if (v->kind == V_BLOCKED) {
		json_object_set_new(o, "peer", json_string(v->peer));
		json_object_set_new(o, "check", json_string(v->check));
	}
	json_object_set_new(o, "reason", json_string(v->reason));
	json_object_set_new(o, "alice", party_json(&v->alice));
	json_object_set_new(o, "bob", party_json(&v->bob));
	json_object_set_new(o, "mallory", party_json(&v->mallory));
	json_object_set_new(o, "read_genuine", json_integer((json_int_t)v->read_genuine));
	json_object_set_new(o, "read_bogus", json_integer((json_int_t)v->read_bogus));
	json_object_set_new(o, "mallory_keys_held", json_integer((json_int_t)v->mallory_keys_held));
	json_object_set_new(o, "attempt", json_string(v->attempt));
	return o;
}
