/* The run report (report.h).
 *
 * First a view of the run is gathered from the stream (the first event of
 * each kind per party, mallory's counters, the judge's marks on every
 * message), then the text and the JSON are rendered from that view, so both
 * tell the same story. Every string that comes from the stream goes through
 * esc() before it reaches a terminal: mallory's claims are hostile input. */
#include "report.h"
#include "ev_schema.h"
#include "ev_fields.h"
#include "report_cert.h"

#include "mlab_crypto.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab_net.h"

#define TEXT_LIST_MAX 40   /* messages, reads, keys listed per party in the text */
#define JSON_LIST_MAX 1000 /* the same in report.json */
#define SHOW_MAX 200	   /* characters of one message shown */
#define HEX_SHOW_MAX 64	   /* hex digits shown for a message that is not text */

/* ---- field access (absent when missing or of the wrong type) ---- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- escaping ---- */

/* Length of a valid UTF-8 sequence at s that is safe to show as it is, or 0:
 * invalid bytes, C1 controls and the bidirectional overrides (which can make
 * a terminal show text in another order than it is) are escaped instead. */
static size_t utf8_show_len(const unsigned char *s, size_t len)
{
	size_t need;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (need > len)
		return 0;
	for (size_t i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (s[0] == 0xc2 && s[1] < 0xa0) /* U+0080..U+009F */
		return 0;
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9 || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 0; /* line/paragraph separators, embeddings and overrides */
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 0; /* isolates */
	return need;
}

/* Copies len bytes of s for display: control bytes, DEL, the backslash and
 * (in ASCII mode, or when not valid UTF-8) other bytes as \xNN. At most max
 * characters, then "…". Always terminated. */
static void esc(char *dst, size_t n, const char *s, size_t len, bool ascii, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0, chars = 0;

	if (n < 8) {
		if (n)
			dst[0] = '\0';
		return;
	}
	while (i < len) {
		char tmp[8];
		size_t tl, adv = 1;
		unsigned char c = u[i];
		if (chars >= max)
			goto cut;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			tmp[0] = (char)c;
			tl = 1;
		} else if (c >= 0x80 && !ascii && (adv = utf8_show_len(u + i, len - i)) > 0) {
			memcpy(tmp, s + i, adv);
			tl = adv;
		} else {
			adv = 1;
			tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", c);
		}
		if (o + tl + 4 > n) /* room for "…" and the terminator */
			goto cut;
		memcpy(dst + o, tmp, tl);
		o += tl;
		i += adv;
		chars++;
	}
	dst[o] = '\0';
	return;
cut:
	memcpy(dst + o, "\xe2\x80\xa6", 4); /* "…" and its terminator */
}

/* A short string field, escaped ("" when absent). */
static const char *field(char *buf, size_t n, const json_t *e, const char *key, bool ascii)
{
	const char *s = ev_str(e, key);
	if (!s) {
		buf[0] = '\0';
		return buf;
	}
	esc(buf, n, s, strlen(s), ascii, 60);
	return buf;
}

/* ---- output, with the ASCII fallback applied to everything written ---- */

struct out {
	FILE *f;
	bool ascii;
};

static const struct {
	const char *utf8, *ascii;
} glyphs[] = {
    {"\xe2\x9c\x94", "[ok]"}, /* ✔ */
    {"\xe2\x9c\x98", "[X]"},  /* ✘ */
    {"\xe2\x80\x94", "--"},   /* — */
    {"\xe2\x80\x93", "-"},    /* – */
    {"\xe2\x86\x92", "->"},   /* → */
    {"\xe2\x86\x90", "<-"},   /* ← */
    {"\xe2\x80\xa6", "..."},  /* … */
    {"\xe2\x80\x98", "'"},    {"\xe2\x80\x99", "'"},  {"\xe2\x80\x9c", "\""},
    {"\xe2\x80\x9d", "\""},   {"\xe2\x89\xa0", "!="}, /* ≠ */
};

static void put(struct out *o, const char *s)
{
	if (!o->ascii) {
		fputs(s, o->f);
		return;
	}
	while (*s) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x80) {
			fputc(c, o->f);
			s++;
			continue;
		}
		size_t g = 0;
		for (; g < sizeof glyphs / sizeof glyphs[0]; g++)
			if (strncmp(s, glyphs[g].utf8, strlen(glyphs[g].utf8)) == 0)
				break;
		if (g < sizeof glyphs / sizeof glyphs[0]) {
			fputs(glyphs[g].ascii, o->f);
			s += strlen(glyphs[g].utf8);
			continue;
		}
		/* Any other character (a scenario's own text): one '?' for the sequence. */
		fputc('?', o->f);
		s++;
		while ((*(const unsigned char *)s & 0xc0) == 0x80)
			s++;
	}
}

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r >= 0 && line)
		put(o, line);
	free(line);
}

/* How an explicit g relates to p, for people: "1", "p", "p-1" or its
 * first hex digits. (p is odd: p-1 differs in the last hex digit only.) */
static const char *g_relation(const json_t *e)
{
	static const char *const fixed[] = {"1", "p", "p-1"};
	const char *p = ev_str(e, "p"), *g = ev_str(e, "g");
	size_t n = p ? strlen(p) : 0;
	if (!p || !g)
		return "?";
	if (strcmp(g, "01") == 0 || strcmp(g, "1") == 0)
		return fixed[0];
	if (strcmp(g, p) == 0)
		return fixed[1];
	if (n && strlen(g) == n && strncmp(g, p, n - 1) == 0 && g[n - 1] + 1 == p[n - 1])
		return fixed[2];
	return strlen(g) <= 8 ? g : "(a large number)";
}

/* ---- the view of the run ---- */

struct pview {
	const char *name, *role;
	bool present;
	const struct party *p;
	const json_t *negotiated, *weakened, *params, *sentinel, *sig_sent, *sig_ok, *sig_key, *error, *alert, *done,
	    *conn_end, *connected, *accepted, *exit;
};

struct mview {
	size_t count[EV_COUNT]; /* her events of each kind */
	const json_t *sniffing, *stopped;
};

struct view {
	const struct scenario *sc;
	const json_t *events; /* NULL when the stream is not an array */
	size_t n;
	enum judge_mark *marks; /* NULL when memory ran out: messages are listed unmarked */
	struct verdict own;	/* the report's own judgement when the caller gave none */
	const struct verdict *v;
	struct pview alice, bob, mallory;
	struct mview m;
	bool holds_alice, holds_bob; /* mallory reported alice's / bob's key id */
	const json_t *timeout, *lab_error;
	size_t bad_events;
	bool show_mallory;
};

static struct pview *pview_of(struct view *w, const char *actor)
{
	if (streq(actor, "alice"))
		return &w->alice;
	if (streq(actor, "bob"))
		return &w->bob;
	if (streq(actor, "mallory"))
		return &w->mallory;
	return NULL;
}

static void first(const json_t **slot, const json_t *e)
{
	if (!*slot)
		*slot = e;
}

static void view_party_event(struct view *w, struct pview *pv, enum ev_id id, const json_t *e)
{
	static const struct {
		enum ev_id id;
		size_t slot; /* offset of the pview member that keeps the first such event */
	} firsts[] = {
	    {EV_NEGOTIATED, offsetof(struct pview, negotiated)},
	    {EV_WEAKENED, offsetof(struct pview, weakened)},
	    {EV_PARAMS_RECEIVED, offsetof(struct pview, params)},
	    {EV_SENTINEL_SET, offsetof(struct pview, sentinel)},
	    {EV_SENTINEL_SEEN, offsetof(struct pview, sentinel)},
	    {EV_SIGNATURE_SENT, offsetof(struct pview, sig_sent)},
	    {EV_SIGNATURE_VERIFIED, offsetof(struct pview, sig_ok)},
	    {EV_SIGNATURE_KEY, offsetof(struct pview, sig_key)},
	    {EV_ERROR, offsetof(struct pview, error)},
	    {EV_ALERT_RECEIVED, offsetof(struct pview, alert)},
	    {EV_DONE, offsetof(struct pview, done)},
	    {EV_CONNECTION_END, offsetof(struct pview, conn_end)},
	    {EV_CONNECTED, offsetof(struct pview, connected)},
	    {EV_ACCEPTED, offsetof(struct pview, accepted)},
	};
	pv->present = true;
	for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++)
		if (firsts[i].id == id)
			first((const json_t **)((char *)pv + firsts[i].slot), e);

	if (pv != &w->mallory)
		return;
	struct mview *m = &w->m;
	if (id >= 0 && id < EV_COUNT)
		m->count[id]++;
	if (id == EV_SNIFFING)
		first(&m->sniffing, e);
	else if (id == EV_STOPPED)
		first(&m->stopped, e);
	else if (id == EV_SESSION_KEY) {
		const char *k = ev_str(e, "key_id");
		if (k && w->v->alice.key_id[0] && strcasecmp(k, w->v->alice.key_id) == 0)
			w->holds_alice = true;
		if (k && w->v->bob.key_id[0] && strcasecmp(k, w->v->bob.key_id) == 0)
			w->holds_bob = true;
	}
}

static void view_build(struct view *w, const struct scenario *sc, const json_t *events, const struct verdict *v)
{
	memset(w, 0, sizeof *w);
	w->sc = sc;
	w->alice = (struct pview){.name = "alice", .role = "initiator"};
	w->bob = (struct pview){.name = "bob", .role = "responder"};
	w->mallory = (struct pview){.name = "mallory", .role = "attacker"};
	if (!v) {
		judge_run(events, &w->own);
		v = &w->own;
	}
	w->v = v;
	w->alice.p = &v->alice;
	w->bob.p = &v->bob;
	w->mallory.p = &v->mallory;
	if (!json_is_array(events))
		return;
	w->events = events;
	w->n = json_array_size(events);
	w->marks = malloc((w->n ? w->n : 1) * sizeof *w->marks);
	if (w->marks && judge_marks(events, w->marks, w->n) != 0) {
		free(w->marks);
		w->marks = NULL;
	}
	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name))
			continue;
		if (streq(actor, "lab")) {
			if (streq(name, "timeout"))
				first(&w->timeout, e);
			else if (streq(name, "lab-error"))
				first(&w->lab_error, e);
			else if (streq(name, "bad-event"))
				w->bad_events++;
			else if (streq(name, "exit")) {
				const char *prog = ev_str(e, "program");
				struct pview *pv = prog ? pview_of(w, base_name(prog)) : NULL;
				if (pv)
					pv->exit = e; /* the last word on how it ended */
			}
			continue;
		}
		struct pview *pv = pview_of(w, actor);
		if (pv)
			view_party_event(w, pv, ev_id_of(name), e);
	}
	w->show_mallory = w->mallory.present || (sc && sc->mallory.present);
}

static void view_free(struct view *w)
{
	free(w->marks);
	w->marks = NULL;
}

static enum judge_mark mark_at(const struct view *w, size_t i)
{
	return w->marks ? w->marks[i] : JM_NONE;
}

/* ---- sentences shared by the text and the JSON ---- */

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

void report_headline(const struct verdict *v, char *buf, size_t n)
{
	size_t total;
	if (!buf || n == 0)
		return;
	if (!v) {
		snprintf(buf, n, "no verdict");
		return;
	}
	total = v->alice.sent + v->bob.sent;
	switch (v->kind) {
	case V_ATTACK_SUCCEEDED:
		if (v->read_genuine && v->read_genuine >= total)
			snprintf(buf, n, "mallory read every message");
		else if (v->read_genuine)
			snprintf(buf, n, "mallory read %zu of %zu messages", v->read_genuine, total);
		else if (v->bob.received_altered || v->alice.received_altered)
			snprintf(buf, n, "mallory changed messages and %s accepted them",
				 v->bob.received_altered && v->alice.received_altered ? "alice and bob"
				 : v->bob.received_altered			      ? "bob"
										      : "alice");
		else if (v->bob.received_replayed || v->alice.received_replayed)
			snprintf(buf, n, "mallory replayed a recorded session and %s acted on it again",
				 v->bob.received_replayed ? "bob" : "alice");
		else
			snprintf(buf, n, "mallory holds the session key%s: she could read everything",
				 v->mallory_keys_held == 1 ? "" : "s");
		break;
	case V_BLOCKED:
		snprintf(buf, n, "%s's %s check stopped it", v->peer[0] ? v->peer : "a peer",
			 v->check[0] ? v->check : "?");
		break;
	case V_CONFIDENTIAL:
		snprintf(buf, n, "the conversation completed and mallory learned nothing");
		break;
	case V_DISRUPTED:
		snprintf(buf, n, "no conversation completed, and mallory learned nothing");
		break;
	case V_MISCONFIGURED:
		snprintf(buf, n, "the peers cannot talk as configured: no defense was exercised");
		break;
	case V_ERROR:
	default:
		snprintf(buf, n, "the lab itself failed: this run shows nothing about the attack");
		break;
	}
}

bool report_matches(const struct scenario *sc, const struct verdict *v)
{
	enum verdict_kind want;
	if (!sc || !v || !sc->expect || verdict_from_name(sc->expect, &want) != 0 || want != v->kind)
		return false;
	if (want != V_BLOCKED)
		return true;
	if (sc->expect_peer && sc->expect_peer[0] && strcmp(sc->expect_peer, v->peer) != 0)
		return false;
	if (sc->expect_check && sc->expect_check[0] && strcmp(sc->expect_check, v->check) != 0)
		return false;
	return true;
}

/* The key-id picture in one line (UTF-8; put() makes it ASCII when asked). */
static void key_picture(const struct view *w, char *buf, size_t n)
{
	const char *a = w->v->alice.key_id, *b = w->v->bob.key_id;
	char ka[16], kb[16];
	snprintf(ka, sizeof ka, "%s", a[0] ? a : "(none)");
	snprintf(kb, sizeof kb, "%s", b[0] ? b : "(none)");
	int len = snprintf(buf, n, "alice key %s  bob key %s  \xe2\x80\x94 ", ka, kb);
	if (len < 0 || (size_t)len >= n)
		return;
	char *r = buf + len;
	size_t rn = n - (size_t)len;

	if (!a[0] && !b[0])
		snprintf(r, rn, "no session key was derived");
	else if (!a[0] || !b[0])
		snprintf(r, rn, "only %s derived a session key%s", a[0] ? "alice" : "bob",
			 (a[0] ? w->holds_alice : w->holds_bob) ? ", and mallory holds it" : "");
	else if (strcasecmp(a, b) == 0)
		snprintf(r, rn, "%s",
			 w->holds_alice ? "same key, but mallory holds it too: she can read everything"
					: "same key: nobody in the middle");
	else if (w->holds_alice && w->holds_bob)
		snprintf(r, rn,
			 "different keys, and mallory holds both: she sits in the middle, one session with "
			 "each, decrypting and re-encrypting every message");
	else if (w->holds_alice || w->holds_bob)
		snprintf(r, rn, "different keys; mallory holds %s's", w->holds_alice ? "alice" : "bob");
	else
		snprintf(r, rn, "different keys: the two sides do not share a session");
}

static const char *scope_words(const char *scope)
{
	if (streq(scope, "params"))
		return "the nonces and share";
	if (streq(scope, "transcript"))
		return "the transcript";
	return "?";
}

static bool sig_check(const char *check)
{
	return streq(check, "signature") || streq(check, "pinned-key");
}

/* ---- text ---- */

#define LABEL "  %-12s"

static void text_exit(struct out *o, const json_t *ex)
{
	long long status = -1, sig = 0;
	bool has_status = ev_int(ex, "status", &status);
	(void)ev_int(ex, "signal", &sig);
	bool expected = json_is_true(json_object_get(ex, "expected"));
	if (sig != 0)
		outf(o, LABEL "killed by signal %lld%s\n", "exit", sig,
		     expected ? " (stopped by the lab)" : " \xe2\x80\x94 unexpected");
	else if (has_status)
		outf(o, LABEL "status %lld%s\n", "exit", status,
		     status == 127  ? " (could not be started)"
		     : status >= 64 ? " \xe2\x80\x94 unexpected (a sanitizer or the lab failed)"
				    : "");
}

/* One message for display: its text, or its bytes in hex when it has none. */
static void show_message(char *buf, size_t n, const json_t *e, bool ascii)
{
	const json_t *text = json_object_get(e, "text");
	const char *hex = ev_str(e, "hex");
	if (json_is_string(text)) {
		char tmp[SHOW_MAX * 4 + 16];
		esc(tmp, sizeof tmp, json_string_value(text), json_string_length(text), ascii, SHOW_MAX);
		snprintf(buf, n, "\"%s\"", tmp);
	} else if (hex) {
		char tmp[HEX_SHOW_MAX + 16];
		esc(tmp, sizeof tmp, hex, strlen(hex), true, HEX_SHOW_MAX);
		snprintf(buf, n, "(%zu bytes, not text) %s", strlen(hex) / 2, tmp);
	} else {
		snprintf(buf, n, "(no content reported)");
	}
}

/* Bytes given as hex (mallory's message-changed), shown like a message:
 * quoted and escaped; "?" when they are not hex. */
static void show_hex_bytes(char *buf, size_t n, const char *hex, bool ascii)
{
	char bytes[SHOW_MAX + 1], tmp[SHOW_MAX * 4 + 8];
	size_t len = 0;
	if (!hex || mlab_unhex(hex, (uint8_t *)bytes, sizeof bytes, &len) != 0) {
		snprintf(buf, n, "?");
		return;
	}
	/* Up to one byte more than is shown: then esc() marks the cut. */
	esc(tmp, sizeof tmp, bytes, len, ascii, SHOW_MAX);
	snprintf(buf, n, "\"%s\"", tmp);
}

static void text_messages(struct out *o, const struct view *w, const struct pview *pv)
{
	size_t shown = 0, more = 0;
	char msg[SHOW_MAX * 4 + 64];

	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name) || !streq(actor, pv->name))
			continue;
		bool sent = streq(name, "message-sent");
		if (!sent && !streq(name, "message-received"))
			continue;
		if (shown >= TEXT_LIST_MAX) {
			more++;
			continue;
		}
		shown++;
		long long num = 0;
		char nbuf[24] = "";
		if (ev_int(e, "n", &num))
			snprintf(nbuf, sizeof nbuf, "#%lld ", num);
		show_message(msg, sizeof msg, e, o->ascii);
		if (sent) {
			outf(o, LABEL "%s%s\n", "sent", nbuf, msg);
			continue;
		}
		/* whether it is what the other side sent is the lab's knowledge (text_truth) */
		outf(o, LABEL "%s%s\n", "received", nbuf, msg);
	}
	if (more)
		outf(o, LABEL "\xe2\x80\xa6 and %zu more message%s (see events.jsonl)\n", "", more, plural(more));
}

static void text_signature(struct out *o, const struct pview *pv)
{
	char f1[80], f2[80], f3[80];
	const char *check = pv->error ? ev_str(pv->error, "check") : NULL;
	const char *mode = pv->negotiated ? ev_str(pv->negotiated, "mode") : NULL;

	if (pv->sig_sent)
		outf(o, LABEL "%s with key %s\n", "signed", scope_words(ev_str(pv->sig_sent, "scope")),
		     field(f1, sizeof f1, pv->sig_sent, "signer_key", o->ascii));
	if (pv->sig_key)
		outf(o, LABEL "\xe2\x9c\x98 the peer signed with key %s, but the pinned key is %s\n", "signature",
		     field(f1, sizeof f1, pv->sig_key, "signer_key", o->ascii),
		     field(f2, sizeof f2, pv->sig_key, "pinned_key", o->ascii));
	else if (sig_check(check))
		outf(o, LABEL "\xe2\x9c\x98 the peer's signature failed the %s check (%s)\n", "signature",
		     field(f1, sizeof f1, pv->error, "check", o->ascii),
		     field(f2, sizeof f2, pv->error, "error", o->ascii));
	else if (pv->sig_ok) {
		const char *trust = ev_str(pv->sig_ok, "trust");
		outf(o, LABEL "\xe2\x9c\x94 the peer's signature verified with the %s key %s over %s\n", "signature",
		     streq(trust, "certified")	  ? "certified"
		     : streq(trust, "first-seen") ? "first-seen (trust on first use)"
		     : streq(trust, "known")	  ? "stored (trust on first use)"
						  : "pinned",
		     field(f3, sizeof f3, pv->sig_ok, "signer_key", o->ascii),
		     scope_words(ev_str(pv->sig_ok, "scope")));
	} else if (streq(mode, "none"))
		outf(o,
		     LABEL "none \xe2\x80\x94 mode none: nobody proves who they are, a man in the middle cannot be "
			   "detected\n",
		     "signature");
}

static void report_line(void *arg, const char *label, const char *text)
{
	outf(arg, LABEL "%s\n", label, text);
}

/* Every check the party turned off, in its own words. */
static void text_weakened(struct out *o, const struct view *w, const struct pview *pv)
{
	for (size_t i = 0; pv->weakened && i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name) || !streq(actor, pv->name) || !streq(name, "weakened"))
			continue;
		const char *d = ev_str(e, "disabled");
		outf(o, LABEL "%s\n", "WEAKENED",
		     streq(d, "certificate-verification")
			 ? "certificate failures are shown, then clicked through (--insecure)"
		     : streq(d, "name-check")
			 ? "the certificate's name is NOT compared with the wanted one (--no-name-check)"
			 : "received key shares are NOT validated (share-validation turned off)");
	}
}

static void text_party(struct out *o, const struct view *w, const struct pview *pv)
{
	const struct lab_host *h = lab_plan(pv->name);
	const struct party *p = pv->p;
	char f1[80], f2[80], f3[80], f4[80];

	outf(o, "\n%s (%s, %s)\n", pv->name, h ? h->ip : "?", pv->role);
	if (!pv->present) {
		outf(o, "  no events at all \xe2\x80\x94 it never started, or never spoke\n");
		if (pv->exit)
			text_exit(o, pv->exit);
		return;
	}
	if (pv->connected)
		outf(o, LABEL "to %s\n", "connected", field(f1, sizeof f1, pv->connected, "peer", o->ascii));
	if (pv->accepted)
		outf(o, LABEL "from %s\n", "accepted", field(f1, sizeof f1, pv->accepted, "peer", o->ascii));
	if (pv->negotiated) {
		const json_t *ca = json_object_get(pv->negotiated, "client_auth");
		outf(o, LABEL "mode %s, group %s, cipher %s%s\n", "negotiated",
		     field(f1, sizeof f1, pv->negotiated, "mode", o->ascii),
		     field(f2, sizeof f2, pv->negotiated, "group", o->ascii),
		     field(f3, sizeof f3, pv->negotiated, "cipher", o->ascii),
		     json_is_true(ca) ? ", mutual authentication" : "");
	}
	text_weakened(o, w, pv);
	if (pv->params) {
		long long bits = 0;
		(void)ev_int(pv->params, "bits", &bits);
		outf(o, LABEL "%lld-bit p from the peer, g = %s \xe2\x80\x94 %s\n", "params", bits,
		     g_relation(pv->params),
		     json_is_true(json_object_get(pv->params, "checked")) ? "checked" : "NOT CHECKED");
	}
	if (pv->sentinel)
		outf(
		    o, LABEL "%s\n", "sentinel",
		    streq(ev_str(pv->sentinel, "event"), "sentinel-set")
			? "chose a weaker group than its policy takes: downgrade sentinel (a digest of the offer "
			  "received) in the nonce"
			: "the peer's nonce carries the downgrade sentinel over another group offer than the one sent");
	report_cert_lines(w->events, pv->name, report_line, o);
	text_signature(o, pv);
	if (p->key_id[0])
		outf(o, LABEL "%s\n", "session key", p->key_id);
	outf(o, LABEL "%s\n", "handshake", p->handshake_done ? "complete" : "not completed");
	text_messages(o, w, pv);
	if (pv->alert)
		outf(o, LABEL "the peer aborted: %s (%s check) \xe2\x80\x94 unauthenticated, for information\n",
		     "alert", field(f1, sizeof f1, pv->alert, "error", o->ascii),
		     field(f2, sizeof f2, pv->alert, "check", o->ascii));
	if (pv->error) {
		const char *where = ev_str(pv->error, "where");
		field(f1, sizeof f1, pv->error, "check", o->ascii);
		field(f2, sizeof f2, pv->error, "error", o->ascii);
		field(f3, sizeof f3, pv->error, "where", o->ascii);
		if (p->peer_alert)
			outf(o, LABEL "on the peer's alert (%s)%s%s\n", "ABORTED", f2, where ? " in " : "", f3);
		else
			outf(o, LABEL "%s check failed (%s)%s%s\n", "ABORTED", f1[0] ? f1 : "?", f2,
			     where ? " in " : "", f3);
		const char *msg = ev_str(pv->error, "message");
		if (msg) {
			char m[400];
			esc(m, sizeof m, msg, strlen(msg), o->ascii, 240);
			outf(o, LABEL "%s\n", "", m);
		}
		if (ev_str(pv->error, "detail"))
			outf(o, LABEL "%s\n", "", field(f4, sizeof f4, pv->error, "detail", o->ascii));
	} else if (p->aborted) {
		outf(o, LABEL "%s (%s check)\n", "ABORTED", p->error, p->check);
	}
	if (pv->done) {
		long long s = 0, r = 0;
		(void)ev_int(pv->done, "sent", &s);
		(void)ev_int(pv->done, "received", &r);
		outf(o, LABEL "the whole conversation succeeded: %lld sent, %lld received\n", "done", s, r);
	}
	if (pv->conn_end) {
		const json_t *ok = json_object_get(pv->conn_end, "ok");
		outf(o, LABEL "connection ended: %s\n", "end",
		     json_is_true(ok) ? "ok" : field(f1, sizeof f1, pv->conn_end, "error", o->ascii));
	}
	if (pv->exit)
		text_exit(o, pv->exit);
}

/* What she found breaking or recovering keys: passive recovery and the
 * stand-in for a quantum computer (phase 2), and a downgrade she let go. */
static bool key_work(enum ev_id id)
{
	return id == EV_PART_BROKEN || id == EV_PART_HELD || id == EV_KEYS_UNRECOVERED || id == EV_SEED_FOUND ||
	       id == EV_DOWNGRADE_RELAYED;
}

/* Her moves, in the order she made them: every event of hers that changes
 * or passes on a protocol message (the schema's ladder), and what she broke. */
static void text_moves(struct out *o, const struct view *w)
{
	char line[160];
	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name) || !streq(actor, "mallory"))
			continue;
		enum ev_id id = ev_id_of(name);
		const struct ev_row *r = ev_row(id);
		if (!r || id == EV_MESSAGE_READ || id == EV_MESSAGE_CHANGED ||
		    (r->dir != SQ_CHANGE && r->dir != SQ_PASS && id != EV_DLOG_SOLVED && id != EV_SECRET_GUESSED &&
		     !key_work(id)))
			continue;
		ev_text(line, sizeof line, e, o->ascii);
		if (id == EV_KEYS_UNRECOVERED || id == EV_PART_HELD) { /* the reason is the lesson: whole */
			char why[800];
			const char *d = ev_str(e, "detail");
			esc(why, sizeof why, d ? d : "", d ? strlen(d) : 0, o->ascii, 300);
			outf(o, LABEL "%s\n", "keys", id == EV_PART_HELD ? line : "no keys");
			outf(o, LABEL "%s\n", "", why);
			continue;
		}
		outf(o, LABEL "%s\n", key_work(id) && id != EV_DOWNGRADE_RELAYED ? "keys" : "move", line);
	}
}

/* Her story in numbers, from her own events. */
static void text_story(struct out *o, const struct view *w)
{
	const size_t *c = w->m.count;
	long long relayed = 0;
	bool active = c[EV_POISONING] || c[EV_RELAYING];
	char buf[512];
	size_t len = 0;
#define STORY(...) len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, __VA_ARGS__)
	if (!active) {
		size_t unreadable = c[EV_RECORD_SEEN] > w->v->read_genuine ? c[EV_RECORD_SEEN] - w->v->read_genuine : 0;
		outf(o, LABEL "%zu frame%s, %zu handshake message%s, %zu record%s she could not read\n", "saw",
		     c[EV_FRAME], plural(c[EV_FRAME]), c[EV_HANDSHAKE_SEEN], plural(c[EV_HANDSHAKE_SEEN]), unreadable,
		     plural(unreadable));
		return;
	}
	if (w->m.stopped)
		(void)ev_int(w->m.stopped, "relayed", &relayed);
	STORY("relayed %lld frame%s", relayed, relayed == 1 ? "" : "s");
	if (c[EV_SHARE_SWAPPED])
		STORY(", swapped %zu share%s", c[EV_SHARE_SWAPPED], plural(c[EV_SHARE_SWAPPED]));
	size_t offers = c[EV_OFFER_STRIPPED] + c[EV_OFFER_DOWNGRADED] + c[EV_OFFER_EXPLICIT];
	if (offers)
		STORY(", rewrote the offer %zu time%s", offers, plural(offers));
	if (c[EV_GENERATOR_REPLACED])
		STORY(", replaced the generator");
	if (c[EV_SIGNATURE_FORWARDED])
		STORY(", forwarded %zu signature%s", c[EV_SIGNATURE_FORWARDED], plural(c[EV_SIGNATURE_FORWARDED]));
	if (c[EV_SIGNATURE_FORGED])
		STORY(", forged %zu signature%s", c[EV_SIGNATURE_FORGED], plural(c[EV_SIGNATURE_FORGED]));
	if (c[EV_DLOG_SOLVED])
		STORY(", solved %zu discrete log%s", c[EV_DLOG_SOLVED], plural(c[EV_DLOG_SOLVED]));
	if (c[EV_SECRET_GUESSED])
		STORY(", guessed a secret");
	STORY(", read %zu record%s, altered %zu", c[EV_MESSAGE_READ], plural(c[EV_MESSAGE_READ]),
	      c[EV_MESSAGE_CHANGED]);
	if (c[EV_RECORD_SEEN])
		STORY(", %zu record%s she could not read", c[EV_RECORD_SEEN], plural(c[EV_RECORD_SEEN]));
#undef STORY
	outf(o, LABEL "%s\n", "did", buf);
}

static void text_mallory(struct out *o, const struct view *w)
{
	const struct lab_host *h = lab_plan("mallory");
	const struct mview *m = &w->m;
	const struct verdict *v = w->v;
	char f1[80], f2[80], msg[SHOW_MAX * 4 + 64];
	size_t shown = 0, more = 0, keys_shown = 0;

	outf(o, "\nmallory (%s, attacker)\n", h ? h->ip : "?");
	if (!w->mallory.present) {
		outf(o, "  no events at all \xe2\x80\x94 she never started, or never spoke\n");
		if (w->mallory.exit)
			text_exit(o, w->mallory.exit);
		return;
	}
	text_story(o, w);
	text_moves(o, w);

	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name) || !streq(actor, "mallory"))
			continue;
		bool read = streq(name, "message-read"), changed = streq(name, "message-changed"),
		     key = streq(name, "session-key");
		if (!read && !changed && !key)
			continue;
		if (key) {
			const char *k = ev_str(e, "key_id");
			if (keys_shown++ >= TEXT_LIST_MAX)
				continue;
			bool a = k && v->alice.key_id[0] && strcasecmp(k, v->alice.key_id) == 0;
			bool b = k && v->bob.key_id[0] && strcasecmp(k, v->bob.key_id) == 0;
			field(f2, sizeof f2, e, "with", o->ascii);
			outf(o, LABEL "%s with %s \xe2\x80\x94 %s\n", "session key",
			     field(f1, sizeof f1, e, "key_id", o->ascii), f2[0] ? f2 : "?",
			     a && b ? "the key of alice and bob"
			     : a    ? "alice's key"
			     : b    ? "bob's key"
				    : "nobody's key (claim ignored)");
			continue;
		}
		if (shown >= TEXT_LIST_MAX) {
			more++;
			continue;
		}
		shown++;
		field(f1, sizeof f1, e, "from", o->ascii);
		field(f2, sizeof f2, e, "to", o->ascii);
		if (read) {
			enum judge_mark mk = mark_at(w, i);
			show_message(msg, sizeof msg, e, o->ascii);
			outf(o, LABEL "%s \xe2\x86\x92 %s  %s  %s\n", "read", f1[0] ? f1 : "?", f2[0] ? f2 : "?", msg,
			     mk == JM_GENUINE ? "\xe2\x9c\x94 genuine"
			     : w->marks	      ? "\xe2\x9c\x98 claimed but never sent \xe2\x80\x94 ignored"
					      : "");
		} else {
			char was[SHOW_MAX * 4 + 16], now[SHOW_MAX * 4 + 16];
			show_hex_bytes(was, sizeof was, ev_str(e, "original_hex"), o->ascii);
			show_hex_bytes(now, sizeof now, ev_str(e, "hex"), o->ascii);
			outf(o, LABEL "%s \xe2\x86\x92 %s  %s into %s (her claim; what the receiver got decides)\n",
			     "changed", f1[0] ? f1 : "?", f2[0] ? f2 : "?", was, now);
		}
	}
	if (more)
		outf(o, LABEL "\xe2\x80\xa6 and %zu more (see events.jsonl)\n", "", more);
	if (keys_shown > TEXT_LIST_MAX)
		outf(o, LABEL "\xe2\x80\xa6 and %zu more session keys\n", "", keys_shown - TEXT_LIST_MAX);
	if (!m->count[EV_MESSAGE_READ] && !m->count[EV_MESSAGE_CHANGED])
		outf(o, LABEL "no application data\n", "read");
	if (v->read_bogus)
		outf(o, LABEL "%zu claimed read%s matched nothing alice or bob sent: ignored\n", "", v->read_bogus,
		     plural(v->read_bogus));
	if (w->mallory.error)
		outf(o, LABEL "%s (%s)\n", "error", field(f1, sizeof f1, w->mallory.error, "error", o->ascii),
		     field(f2, sizeof f2, w->mallory.error, "message", o->ascii));
	if (w->mallory.exit)
		text_exit(o, w->mallory.exit);
}

static void text_args(struct out *o, const struct sc_prog *pr)
{
	char line[256] = "", arg[96];
	size_t len = 0;
	for (size_t i = 0; i < pr->n_args && i < SC_MAX_ARGS; i++) {
		if (!pr->args[i])
			continue;
		esc(arg, sizeof arg, pr->args[i], strlen(pr->args[i]), o->ascii, 40);
		int r = snprintf(line + len, sizeof line - len, "%s%s", len ? " " : "", arg);
		if (r < 0 || (size_t)r >= sizeof line - len) {
			snprintf(line + (len < sizeof line - 5 ? len : sizeof line - 5), 5, " ...");
			break;
		}
		len += (size_t)r;
	}
	if (line[0])
		outf(o, "    %s\n", line);
}

static void text_plan(struct out *o, const struct view *w)
{
	const struct scenario *sc = w->sc;
	static const char *const names[] = {"alice", "bob", "mallory"};
	static const char *const roles[] = {"initiator: connects, checks bob's proof, sends the messages",
					    "responder: listens, answers, proves who he is when configured",
					    "attacker: poisons, captures, relays, attacks"};

	outf(o, "\nThe lab\n");
	for (size_t i = 0; i < 3; i++) {
		if (i == 2 && !w->show_mallory)
			continue;
		const struct lab_host *h = lab_plan(names[i]);
		char mac[24] = "";
		if (h)
			snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2],
				 h->mac[3], h->mac[4], h->mac[5]);
		outf(o, "  %-8s %-10s %-18s %s\n", names[i], h ? h->ip : "?", mac, roles[i]);
		if (sc)
			text_args(o, i == 0 ? &sc->alice : i == 1 ? &sc->bob : &sc->mallory);
	}
	if (sc)
		outf(o, "  %s\n",
		     sc->network == SC_HUB
			 ? "a hub joins them: every frame reaches every host, mallory included"
			 : "a switch joins them: mallory gets only frames sent to her MAC, unless she "
			   "poisons ARP caches");
}

static void text_lab(struct out *o, const struct view *w)
{
	char f1[200], f2[80];
	if (!w->timeout && !w->lab_error && !w->bad_events)
		return;
	outf(o, "\nThe lab itself\n");
	if (w->timeout) {
		long long lim = 0;
		bool has = ev_int(w->timeout, "limit_s", &lim);
		field(f2, sizeof f2, w->timeout, "waiting_for", o->ascii);
		outf(o, LABEL "the run hit its time limit", "timeout");
		if (has)
			outf(o, " of %lld s", lim);
		outf(o, "%s%s\n", f2[0] ? ", waiting for " : "", f2);
	}
	if (w->lab_error) {
		const char *r = ev_str(w->lab_error, "reason");
		esc(f1, sizeof f1, r ? r : "?", r ? strlen(r) : 1, o->ascii, 160);
		outf(o, LABEL "%s\n", "lab error", f1);
	}
	if (w->bad_events)
		outf(o, LABEL "%zu line%s from the programs were not JSON events and were set aside\n", "bad events",
		     w->bad_events, plural(w->bad_events));
}

static void text_teaching(struct out *o, const char *t)
{
	outf(o, "\nWhat this scenario teaches\n");
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t len = nl ? (size_t)(nl - t) : strlen(t);
		/* The instructor's own words: only control bytes are escaped. */
		char line[1024];
		size_t o_len = 0;
		for (size_t i = 0; i < len && o_len + 5 < sizeof line; i++) {
			unsigned char c = (unsigned char)t[i];
			if (c < 0x20 || c == 0x7f)
				o_len += (size_t)snprintf(line + o_len, sizeof line - o_len, "\\x%02x", c);
			else
				line[o_len++] = (char)c;
		}
		line[o_len] = '\0';
		outf(o, "  %s\n", line);
		if (!nl)
			break;
		t = nl + 1;
	}
}

/* The victims' neighbour tables as the runner read them, phase by phase,
 * and mallory's own word on poisoning and restoration. */
static const char *or_q(const char *s)
{
	return s ? s : "?";
}

/* What only the lab knows: each message received against what the other
 * side really sent, whose key share each victim received. */
static void text_truth(struct out *o, const struct view *w)
{
	char msg[SHOW_MAX * 4 + 64];
	const char *swapped[16];
	size_t n_sw = 0, shown = 0;
	outf(o, "\nWhat the lab knows (ground truth: neither alice nor bob could see this)\n");
	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name))
			continue;
		enum ev_id id = ev_id_of(name);
		if (id == EV_SHARE_SWAPPED && streq(actor, "mallory") && ev_str(e, "share") && n_sw < 16)
			swapped[n_sw++] = ev_str(e, "share");
		bool party = streq(actor, "alice") || streq(actor, "bob");
		if (party && id == EV_SHARE_RECEIVED) {
			const char *sh = ev_str(e, "share");
			bool hers = false;
			for (size_t k = 0; sh && k < n_sw; k++)
				hers = hers || strcasecmp(sh, swapped[k]) == 0;
			outf(o, LABEL "%s received %s\n", "share", actor,
			     hers ? "mallory's share \xe2\x80\x94 not the one its peer sent"
				  : "the share its peer sent");
		} else if (party && id == EV_MESSAGE_RECEIVED && shown++ < TEXT_LIST_MAX) {
			long long num = 0;
			char nbuf[24] = "";
			if (ev_int(e, "n", &num))
				snprintf(nbuf, sizeof nbuf, "#%lld ", num);
			enum judge_mark mk = mark_at(w, i);
			show_message(msg, sizeof msg, e, o->ascii);
			outf(o, LABEL "%s's %s%s  %s\n", "message", actor, nbuf, msg,
			     mk == JM_INTACT	 ? "\xe2\x9c\x94 intact: the other side sent exactly this"
			     : mk == JM_ALTERED	 ? "\xe2\x9c\x98 ALTERED: the other side never sent this"
			     : mk == JM_REPLAYED ? "\xe2\x9c\x98 REPLAYED: the other side sent this, but fewer times"
						 : "(not classified)");
		}
	}
	if (w->events)
		report_cert_truth(w->events, report_line, o);
	char line[640];
	key_picture(w, line, sizeof line);
	outf(o, LABEL "%s\n", "keys", line);
}

static void text_arp(struct out *o, const struct view *w)
{
	bool header = false;
	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name))
			continue;
		char line[256];
		if (streq(actor, "lab") && streq(name, "neighbour")) {
			const char *mac = ev_str(e, "mac");
			bool bad = json_is_true(json_object_get(e, "poisoned"));
			snprintf(line, sizeof line, "  %-13s %-5s thinks %s is at %s  %s\n", or_q(ev_str(e, "phase")),
				 or_q(ev_str(e, "host")), or_q(ev_str(e, "ip")), mac ? mac : "(no entry)",
				 bad   ? "\xe2\x9c\x98 POISONED (mallory's MAC)"
				 : mac ? "\xe2\x9c\x94 true MAC"
				       : "");
		} else if (streq(actor, "lab") && streq(name, "static-arp")) {
			snprintf(line, sizeof line,
				 "  static ARP    alice and bob hold permanent entries for each other\n");
		} else if (streq(actor, "mallory") && streq(name, "relaying")) {
			snprintf(line, sizeof line,
				 "  confirmed     frames from %s to %s come to mallory: she relays them\n",
				 or_q(ev_str(e, "from")), or_q(ev_str(e, "to")));
		} else if (streq(actor, "mallory") && streq(name, "restored")) {
			snprintf(line, sizeof line,
				 "  restored      mallory sent the true mappings back when she stopped\n");
		} else {
			continue;
		}
		if (!header) {
			outf(o, "\nARP caches (each victim's own neighbour table, read by the lab; POISONED is the "
				"lab's word)\n");
			header = true;
		}
		put(o, line);
	}
}

void report_text_opts(FILE *f, const struct scenario *sc, const json_t *events, const struct verdict *v,
		      const char *run_dir, unsigned flags)
{
	struct out o = {.f = f, .ascii = (flags & REPORT_ASCII) != 0};
	struct view w;
	char line[640];

	if (!f)
		return;
	view_build(&w, sc, events, v);
	v = w.v;

	outf(&o, "mitmlab run report\n");
	if (sc) {
		int num = scenario_number(sc);
		outf(&o, "Scenario ");
		if (num > 0)
			outf(&o, "%d: ", num);
		outf(&o, "%s \xe2\x80\x94 %s\n", sc->name ? sc->name : "?", sc->title ? sc->title : "(no title)");
		outf(&o, "Network: %s    Expected verdict: %s", scenario_network_name(sc->network),
		     sc->expect ? sc->expect : "(none given)");
		if (sc->expect_peer || sc->expect_check)
			outf(&o, " by %s (%s check)", sc->expect_peer ? sc->expect_peer : "either peer",
			     sc->expect_check ? sc->expect_check : "any");
		outf(&o, "\n");
	} else {
		outf(&o, "Scenario: (not given)\n");
	}
	text_plan(&o, &w);
	text_party(&o, &w, &w.alice);
	text_party(&o, &w, &w.bob);
	if (w.show_mallory)
		text_mallory(&o, &w);
	text_truth(&o, &w);
	text_arp(&o, &w);
	text_lab(&o, &w);

	report_headline(v, line, sizeof line);
	outf(&o, "\nVERDICT: %s \xe2\x80\x94 %s\n", verdict_name(v->kind), line);
	outf(&o, "  why: %s\n", v->reason);
	if (sc && sc->expect) {
		bool ok = report_matches(sc, v);
		outf(&o, "  %s the scenario's expectation (%s",
		     ok ? "\xe2\x9c\x94 matches" : "\xe2\x9c\x98 does NOT match", sc->expect);
		if (sc->expect_peer || sc->expect_check)
			outf(&o, " by %s, %s check", sc->expect_peer ? sc->expect_peer : "either peer",
			     sc->expect_check ? sc->expect_check : "any");
		outf(&o, ")\n");
	}
	if (sc && sc->teaching && sc->teaching[0])
		text_teaching(&o, sc->teaching);
	if (run_dir)
		outf(&o, "\nRun directory: %s\n", run_dir);
	view_free(&w);
}

void report_text(FILE *f, const struct scenario *sc, const json_t *events, const struct verdict *v, const char *run_dir)
{
	report_text_opts(f, sc, events, v, run_dir, 0);
}

void report_text_ascii(FILE *f, const struct scenario *sc, const json_t *events, const struct verdict *v,
		       const char *run_dir)
{
	report_text_opts(f, sc, events, v, run_dir, REPORT_ASCII);
}

/* ---- JSON ---- */

/* A copy of a string field (NULs kept), or nothing when absent. */
static void copy_str(json_t *dst, const char *key, const json_t *e, const char *from)
{
	const json_t *s = json_object_get(e, from);
	if (json_is_string(s))
		json_object_set_new(dst, key, json_stringn(json_string_value(s), json_string_length(s)));
}

static void copy_int(json_t *dst, const char *key, const json_t *e, const char *from)
{
	long long x;
	if (ev_int(e, from, &x))
		json_object_set_new(dst, key, json_integer((json_int_t)x));
}

static void set_str(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
}

static json_t *exit_json(const json_t *ex)
{
	json_t *o = json_object();
	copy_int(o, "status", ex, "status");
	copy_int(o, "signal", ex, "signal");
	json_object_set_new(o, "expected", json_boolean(json_is_true(json_object_get(ex, "expected"))));
	return o;
}

static json_t *host_json(const char *name)
{
	const struct lab_host *h = lab_plan(name);
	char mac[24];
	if (!h)
		return json_null();
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3],
		 h->mac[4], h->mac[5]);
	return json_pack("{s:s,s:s}", "ip", h->ip, "mac", mac);
}

static const char *mark_name(enum judge_mark m)
{
	switch (m) {
	case JM_INTACT:
		return "intact";
	case JM_ALTERED:
		return "altered";
	case JM_GENUINE:
		return "genuine";
	case JM_BOGUS:
		return "ignored";
	case JM_NONE:
	default:
		return NULL;
	}
}

static json_t *message_json(const json_t *e, const char *dir, enum judge_mark mk)
{
	json_t *o = json_object();
	if (dir)
		set_str(o, "dir", dir);
	copy_int(o, "n", e, "n");
	copy_int(o, "len", e, "len");
	copy_str(o, "text", e, "text");
	copy_str(o, "hex", e, "hex");
	set_str(o, "status", mark_name(mk));
	return o;
}

static json_t *party_view_json(const struct view *w, const struct pview *pv)
{
	json_t *o = json_object(), *msgs = json_array();
	size_t omitted = 0;

	json_object_set_new(o, "host", host_json(pv->name));
	set_str(o, "role", pv->role);
	json_object_set_new(o, "present", json_boolean(pv->present));
	if (pv->negotiated) {
		json_t *n = json_object();
		copy_str(n, "mode", pv->negotiated, "mode");
		copy_str(n, "group", pv->negotiated, "group");
		copy_str(n, "cipher", pv->negotiated, "cipher");
		copy_str(n, "scope", pv->negotiated, "scope");
		const json_t *ca = json_object_get(pv->negotiated, "client_auth");
		if (json_is_boolean(ca))
			json_object_set_new(n, "client_auth", json_boolean(json_is_true(ca)));
		json_object_set_new(o, "negotiated", n);
	}
	json_object_set_new(o, "weakened", json_boolean(pv->weakened != NULL));
	json_t *trust = w->events ? report_cert_json(w->events, pv->name) : NULL;
	if (trust)
		json_object_set_new(o, "trust", trust);
	const char *check = pv->error ? ev_str(pv->error, "check") : NULL;
	const char *mode = pv->negotiated ? ev_str(pv->negotiated, "mode") : NULL;
	json_t *sig = json_object();
	if (pv->sig_key || sig_check(check))
		set_str(sig, "checked", "failed");
	else if (pv->sig_ok)
		set_str(sig, "checked", "verified");
	else if (streq(mode, "none"))
		set_str(sig, "checked", "none");
	if (pv->sig_ok) {
		copy_str(sig, "signer_key", pv->sig_ok, "signer_key");
		copy_str(sig, "scope", pv->sig_ok, "scope");
	}
	if (pv->sig_key) {
		copy_str(sig, "signer_key", pv->sig_key, "signer_key");
		copy_str(sig, "pinned_key", pv->sig_key, "pinned_key");
	}
	if (pv->sig_sent) {
		json_t *s = json_object();
		copy_str(s, "signer_key", pv->sig_sent, "signer_key");
		copy_str(s, "scope", pv->sig_sent, "scope");
		json_object_set_new(sig, "sent", s);
	}
	json_object_set_new(o, "signature", sig);
	if (pv->p->key_id[0])
		set_str(o, "key_id", pv->p->key_id);
	json_object_set_new(o, "handshake_done", json_boolean(pv->p->handshake_done));

	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name) || !streq(actor, pv->name))
			continue;
		bool sent = streq(name, "message-sent");
		if (!sent && !streq(name, "message-received"))
			continue;
		if (json_array_size(msgs) >= JSON_LIST_MAX) {
			omitted++;
			continue;
		}
		json_array_append_new(msgs, message_json(e, sent ? "sent" : "received", mark_at(w, i)));
	}
	json_object_set_new(o, "messages", msgs);
	if (omitted)
		json_object_set_new(o, "messages_omitted", json_integer((json_int_t)omitted));
	if (pv->alert) {
		json_t *a = json_object();
		copy_str(a, "error", pv->alert, "error");
		copy_str(a, "check", pv->alert, "check");
		json_object_set_new(o, "alert_received", a);
	}
	if (pv->error) {
		json_t *er = json_object();
		copy_str(er, "error", pv->error, "error");
		copy_str(er, "check", pv->error, "check");
		copy_str(er, "message", pv->error, "message");
		copy_str(er, "where", pv->error, "where");
		copy_str(er, "detail", pv->error, "detail");
		json_object_set_new(o, "error", er);
	}
	if (pv->done)
		json_object_set_new(o, "done", json_true());
	if (pv->exit)
		json_object_set_new(o, "exit", exit_json(pv->exit));
	return o;
}

static json_t *mallory_json(const struct view *w)
{
	const struct mview *m = &w->m;
	json_t *o = json_object(), *reads = json_array(), *changes = json_array(), *keys = json_array();
	size_t omitted = 0;

	json_object_set_new(o, "host", host_json("mallory"));
	json_object_set_new(o, "present", json_boolean(w->mallory.present));
	json_object_set_new(o, "frames", json_integer((json_int_t)m->count[EV_FRAME]));
	json_object_set_new(o, "handshake_seen", json_integer((json_int_t)m->count[EV_HANDSHAKE_SEEN]));
	json_object_set_new(o, "records_seen", json_integer((json_int_t)m->count[EV_RECORD_SEEN]));
	json_t *story = json_object();
	static const enum ev_id told[] = {EV_SHARE_SWAPPED,    EV_OFFER_STRIPPED,     EV_OFFER_DOWNGRADED,
					  EV_OFFER_EXPLICIT,   EV_GENERATOR_REPLACED, EV_SIGNATURE_FORWARDED,
					  EV_SIGNATURE_FORGED, EV_DLOG_SOLVED,	      EV_SECRET_GUESSED,
					  EV_MESSAGE_READ,     EV_MESSAGE_CHANGED,    EV_RECORD_SEEN};
	for (size_t i = 0; story && i < sizeof told / sizeof told[0]; i++)
		json_object_set_new(story, ev_row(told[i])->name, json_integer((json_int_t)m->count[told[i]]));
	long long relayed = 0;
	if (w->m.stopped && ev_int(w->m.stopped, "relayed", &relayed))
		json_object_set_new(story, "relayed", json_integer(relayed));
	json_object_set_new(o, "story", story);
	json_object_set_new(o, "read_genuine", json_integer((json_int_t)w->v->read_genuine));
	json_object_set_new(o, "read_bogus", json_integer((json_int_t)w->v->read_bogus));
	json_object_set_new(o, "keys_held", json_integer((json_int_t)w->v->mallory_keys_held));
	for (size_t i = 0; i < w->n; i++) {
		const json_t *e = json_array_get(w->events, i);
		const char *actor, *name;
		if (!ev_head(e, &actor, &name) || !streq(actor, "mallory"))
			continue;
		json_t *dst = streq(name, "message-read")      ? reads
			      : streq(name, "message-changed") ? changes
			      : streq(name, "session-key")     ? keys
							       : NULL;
		if (!dst)
			continue;
		if (json_array_size(dst) >= JSON_LIST_MAX) {
			omitted++;
			continue;
		}
		json_t *x;
		if (dst == reads) {
			x = message_json(e, NULL, mark_at(w, i));
			json_object_set_new(x, "genuine", json_boolean(mark_at(w, i) == JM_GENUINE));
		} else if (dst == changes) {
			x = json_object();
			copy_str(x, "original_hex", e, "original_hex");
			copy_str(x, "hex", e, "hex");
		} else {
			x = json_object();
			copy_str(x, "key_id", e, "key_id");
			const char *k = ev_str(e, "key_id");
			bool a = k && w->v->alice.key_id[0] && strcasecmp(k, w->v->alice.key_id) == 0;
			bool b = k && w->v->bob.key_id[0] && strcasecmp(k, w->v->bob.key_id) == 0;
			json_object_set_new(x, "matches_alice", json_boolean(a));
			json_object_set_new(x, "matches_bob", json_boolean(b));
		}
		copy_str(x, dst == keys ? "with" : "from", e, dst == keys ? "with" : "from");
		if (dst != keys)
			copy_str(x, "to", e, "to");
		json_array_append_new(dst, x);
	}
	json_object_set_new(o, "reads", reads);
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "session_keys", keys);
	if (omitted)
		json_object_set_new(o, "omitted", json_integer((json_int_t)omitted));
	if (w->mallory.exit)
		json_object_set_new(o, "exit", exit_json(w->mallory.exit));
	return o;
}

json_t *report_json(const struct scenario *sc, const json_t *events, const struct verdict *v, const char *run_dir)
{
	struct view w;
	char line[640];
	json_t *o = json_object();

	if (!o)
		return NULL;
	view_build(&w, sc, events, v);
	v = w.v;
	if (sc) {
		json_t *s = json_object();
		set_str(s, "name", sc->name);
		json_object_set_new(s, "number", json_integer(scenario_number(sc)));
		set_str(s, "title", sc->title);
		set_str(s, "path", sc->path);
		set_str(s, "network", scenario_network_name(sc->network));
		set_str(s, "expect", sc->expect);
		set_str(s, "expect_peer", sc->expect_peer);
		set_str(s, "expect_check", sc->expect_check);
		json_object_set_new(o, "scenario", s);
		if (sc->expect)
			json_object_set_new(o, "matches", json_boolean(report_matches(sc, v)));
		set_str(o, "teaching", sc->teaching);
	}
	json_object_set_new(o, "verdict", verdict_json(v));
	report_headline(v, line, sizeof line);
	set_str(o, "headline", line);
	json_t *parties = json_object();
	json_object_set_new(parties, "alice", party_view_json(&w, &w.alice));
	json_object_set_new(parties, "bob", party_view_json(&w, &w.bob));
	json_object_set_new(o, "parties", parties);
	if (w.show_mallory)
		json_object_set_new(o, "mallory", mallory_json(&w));

	json_t *keys = json_object();
	if (v->alice.key_id[0])
		set_str(keys, "alice", v->alice.key_id);
	if (v->bob.key_id[0])
		set_str(keys, "bob", v->bob.key_id);
	json_object_set_new(keys, "same",
			    json_boolean(v->alice.key_id[0] && strcasecmp(v->alice.key_id, v->bob.key_id) == 0));
	json_object_set_new(keys, "mallory_holds_alice", json_boolean(w.holds_alice));
	json_object_set_new(keys, "mallory_holds_bob", json_boolean(w.holds_bob));
	key_picture(&w, line, sizeof line);
	set_str(keys, "picture", line);
	json_object_set_new(o, "keys", keys);

	json_t *lab = json_object();
	if (w.timeout) {
		json_t *t = json_object();
		copy_int(t, "limit_s", w.timeout, "limit_s");
		copy_str(t, "waiting_for", w.timeout, "waiting_for");
		json_object_set_new(lab, "timeout", t);
	}
	if (w.lab_error)
		copy_str(lab, "error", w.lab_error, "reason");
	json_object_set_new(lab, "bad_events", json_integer((json_int_t)w.bad_events));
	json_object_set_new(lab, "events", json_integer((json_int_t)w.n));
	json_object_set_new(o, "lab", lab);
	set_str(o, "run_dir", run_dir);
	view_free(&w);
	return o;
}
