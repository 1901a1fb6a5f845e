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

/* Kept as separate literals: a hex escape must not run into the next letter. */
#define U_CHECK "\xe2\x9c\x94"
#define U_CROSS "\xe2\x9c\x98"
#define U_ARROW "\xe2\x86\x92"
#define U_ELLIPSIS "\xe2\x80\xa6"
#define U_DASH "\xe2\x80\x94"
#define U_MIDDOT "\xc2\xb7" /* only in key_line, as viewmodel.h shows it */

#define SNIP_COLS 20		 /* columns of a message shown in a step */
#define DIFF_COLS 16		 /* columns of each side of a change */
#define MSG_CAP 512		 /* message bytes decoded for a step */
#define SWAPPED_MAX 16		 /* mallory's swapped shares remembered */
#define LIST_MAX 6		 /* offers listed in a step */
#define DETAIL_BYTES 4096	 /* bytes of one hex field decoded for the details */
#define DETAIL_STR_COLS 240	 /* columns of one string field in the details */
#define LOAD_LINE_MAX (1u << 20) /* longer lines of events.jsonl are skipped */
#define LOAD_EVENTS_MAX 4000000u

/* ---- field access: typed, absent when missing or of the wrong type ---- */


static bool ev_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* Copies a short machine word (name, address, MAC): printable ASCII only,
 * anything else as '?', cut to the room. */
static void copy_token(char *dst, size_t n, const char *src)
{
	size_t i = 0;
	if (n == 0)
		return;
	if (src)
		for (; src[i] && i + 1 < n; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
	dst[i] = '\0';
}

/* Copies free text (a title, the lesson): printable ASCII, newlines when
 * asked, and the few UTF-8 characters the dashboard can map to ASCII; any
 * other character becomes one '?'. */
static void copy_text(char *dst, size_t n, const char *src, bool newlines)
{
	static const char *const keep[] = {U_CHECK, U_CROSS, U_ARROW, U_ELLIPSIS, U_DASH};
	size_t o = 0;
	if (n == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p && o + 1 < n;) {
		if ((*p >= 0x20 && *p < 0x7f) || (newlines && *p == '\n')) {
			dst[o++] = (char)*p++;
			continue;
		}
		size_t k = 0;
		for (; k < sizeof keep / sizeof keep[0]; k++)
			if (strncmp((const char *)p, keep[k], 3) == 0)
				break;
		if (k < sizeof keep / sizeof keep[0]) {
			if (o + 4 > n)
				break;
			memcpy(dst + o, p, 3);
			o += 3;
			p += 3;
			continue;
		}
		dst[o++] = '?';
		p++;
		while ((*p & 0xc0) == 0x80) /* the rest of that character */
			p++;
	}
	dst[o] = '\0';
}

/* ---- a bounded string builder: cut with "…" when full ---- */

struct sb {
	char *p;
	size_t n, len;
	bool cut;
};

static void sb_init(struct sb *s, char *p, size_t n)
{
	s->p = p;
	s->n = n;
	s->len = 0;
	s->cut = false;
	if (n)
		p[0] = '\0';
}

static void sb_putn(struct sb *s, const char *str, size_t len)
{
	if (s->n == 0 || s->cut) {
		s->cut = s->cut || len > 0;
		return;
	}
	size_t room = s->n - 1 - s->len;
	if (len > room) {
		len = room;
		s->cut = true;
	}
	memcpy(s->p + s->len, str, len);
	s->len += len;
	s->p[s->len] = '\0';
}

static void sb_put(struct sb *s, const char *str)
{
	sb_putn(s, str, strlen(str));
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	sb_putn(s, tmp, (size_t)r < sizeof tmp ? (size_t)r : sizeof tmp - 1);
}

/* Ends the text: when something was cut, its tail becomes "…" (never in the
 * middle of a UTF-8 sequence). */
static void sb_end(struct sb *s)
{
	if (!s->cut || s->n < 4)
		return;
	size_t pos = s->len < s->n - 4 ? s->len : s->n - 4;
	while (pos > 0 && ((unsigned char)s->p[pos] & 0xc0) == 0x80)
		pos--;
	memcpy(s->p + pos, U_ELLIPSIS, sizeof U_ELLIPSIS);
	s->len = pos + sizeof U_ELLIPSIS - 1;
}

/* Bytes for people: printable ASCII as it is; the backslash, control bytes
 * and everything else as \xNN. At most max columns, then "…". */
static void sb_esc(struct sb *s, const void *data, size_t len, size_t max)
{
	const unsigned char *u = data;
	size_t cols = 0;
	for (size_t i = 0; i < len; i++) {
		char tmp[8];
		size_t tl;
		if (u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\') {
			tmp[0] = (char)u[i];
			tl = 1;
		} else {
			tl = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", u[i]);
		}
		if (cols + tl > max) {
			sb_put(s, U_ELLIPSIS);
			return;
		}
		sb_putn(s, tmp, tl);
		cols += tl;
	}
}

static void sb_str(struct sb *s, const char *str, size_t max)
{
	if (str)
		sb_esc(s, str, strlen(str), max);
	else
		sb_put(s, "?");
}

/* A string field, escaped, or "?". */
static void sb_field(struct sb *s, const json_t *e, const char *key, size_t max)
{
	sb_str(s, ev_str(e, key), max);
}

/* ---- names, messages, lists ---- */

static const char *const PARTIES[VM_COLS] = {"alice", "mallory", "bob"};

static int col_of(const char *actor)
{
	for (int i = 0; i < VM_COLS; i++)
		if (streq(actor, PARTIES[i]))
			return i;
	return -1;
}

/* "alice", "bob" or "mallory" for a name or an address of the lab plan
 * ("10.0.0.10", "10.0.0.10:49872"); NULL otherwise. */
static const char *who(const char *addr)
{
	if (!addr)
		return NULL;
	for (int i = 0; i < VM_COLS; i++) {
		if (strcmp(addr, PARTIES[i]) == 0)
			return PARTIES[i];
		const struct lab_host *h = lab_plan(PARTIES[i]);
		if (!h)
			continue;
		size_t l = strlen(h->ip);
		if (strncmp(addr, h->ip, l) == 0 && (addr[l] == '\0' || addr[l] == ':'))
			return PARTIES[i];
	}
	return NULL;
}

static void sb_who(struct sb *s, const char *addr)
{
	const char *w = who(addr);
	if (w)
		sb_put(s, w);
	else
		sb_str(s, addr, 24);
}

/* "alice→bob" from the from/to fields. */
static void sb_route(struct sb *s, const json_t *e)
{
	sb_who(s, ev_str(e, "from"));
	sb_put(s, U_ARROW);
	sb_who(s, ev_str(e, "to"));
}

/* A message's bytes: from its hex field when that is valid, else from its
 * text field (raw, NULs included). Fills up to cap bytes; *total is the
 * message's whole length. False when the event has neither. */
static bool msg_bytes(const json_t *e, const char *hexkey, const char *textkey, uint8_t *out, size_t cap, size_t *len,
		      size_t *total)
{
	const char *h = ev_str(e, hexkey);
	*len = *total = 0;
	if (h && mlab_unhex(h, out, cap, len) == 0) {
		*total = strlen(h) / 2;
		return true;
	}
	const json_t *t = json_object_get(e, textkey);
	if (json_is_string(t)) {
		size_t l = json_string_length(t);
		*total = l;
		*len = l < cap ? l : cap;
		memcpy(out, json_string_value(t), *len);
		return true;
	}
	return false;
}

/* "\"hello bob\"" (cut), or "?". */
static void sb_snip(struct sb *s, const json_t *e, const char *hexkey, const char *textkey)
{
	uint8_t b[MSG_CAP];
	size_t len, total;
	if (!msg_bytes(e, hexkey, textkey, b, sizeof b, &len, &total)) {
		sb_put(s, "?");
		return;
	}
	sb_put(s, "\"");
	sb_esc(s, b, len, SNIP_COLS); /* MSG_CAP > SNIP_COLS: a longer message is cut with "…" here */
	sb_put(s, "\"");
}

/* One side of a change, [start, end) of the message, with "…" where cut. */
static void sb_part(struct sb *s, const uint8_t *b, size_t len, size_t start, size_t end)
{
	sb_put(s, "\"");
	if (start > 0)
		sb_put(s, U_ELLIPSIS);
	if (end > start + DIFF_COLS)
		end = start + DIFF_COLS;
	sb_esc(s, b + start, end - start, 4 * DIFF_COLS);
	if (end < len)
		sb_put(s, U_ELLIPSIS);
	sb_put(s, "\"");
}

/* `"transfer 100…" → "transfer 9999…"`: both texts up to the end of what
 * differs (their common tail left out), with a little context before it. */
static void sb_change(struct sb *s, const json_t *e)
{
	uint8_t a[MSG_CAP], b[MSG_CAP];
	size_t la, lb, ta, tb;
	bool oka = msg_bytes(e, "original_hex", "original_text", a, sizeof a, &la, &ta);
	bool okb = msg_bytes(e, "hex", "text", b, sizeof b, &lb, &tb);
	if (!oka || !okb) {
		sb_put(s, "a message");
		return;
	}
	size_t p = 0, suf = 0, m = la < lb ? la : lb;
	while (p < m && a[p] == b[p])
		p++;
	if (la == ta && lb == tb) /* the tails are known only when decoded whole */
		while (suf < m - p && a[la - 1 - suf] == b[lb - 1 - suf])
			suf++;
	size_t ea = la - suf, eb = lb - suf, start = 0;
	if ((ea > eb ? ea : eb) > DIFF_COLS)
		start = p > 4 ? p - 4 : 0;
	sb_part(s, a, ta, start, ea);
	sb_put(s, " " U_ARROW " ");
	sb_part(s, b, tb, start, eb);
}

/* Offers: "none,sign" (strings; an unknown id as its number). */
static void sb_list(struct sb *s, const json_t *a)
{
	if (!json_is_array(a)) {
		sb_put(s, "?");
		return;
	}
	size_t n = json_array_size(a);
	if (n == 0)
		sb_put(s, "-");
	for (size_t i = 0; i < n && i < LIST_MAX; i++) {
		const json_t *v = json_array_get(a, i);
		if (i)
			sb_put(s, ",");
		if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
			sb_str(s, json_string_value(v), 20);
		else if (json_is_integer(v))
			sb_printf(s, "%lld", (long long)json_integer_value(v));
		else
			sb_put(s, "?");
	}
	if (n > LIST_MAX)
		sb_put(s, U_ELLIPSIS);
}

static void sb_cipher(struct sb *s, const char *c)
{
	if (streq(c, "chacha20-poly1305"))
		sb_put(s, "chacha20");
	else
		sb_str(s, c, 20);
}

/* First 8 hex digits of a share, then "…". */
static void sb_share(struct sb *s, const char *hex)
{
	if (!hex) {
		sb_put(s, "?");
		return;
	}
	size_t l = strlen(hex);
	sb_esc(s, hex, l < 8 ? l : 8, 32);
	if (l > 8)
		sb_put(s, U_ELLIPSIS);
}

/* ---- building ---- */

struct build {
	struct vm *m;
	const enum judge_mark *marks; /* the judge's view of every event, or NULL */
	size_t n_marks;
	size_t total_steps[VM_COLS]; /* steps made, including those pushed out */
	size_t total_lines;
	const char *swapped[SWAPPED_MAX]; /* mallory's shares so far (ring) */
	size_t n_swapped;
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

static void add_line(struct build *b, double t, const char *actor, const char *text, size_t idx)
{
	struct vm_line *l = &b->m->timeline[b->total_lines % VM_TIMELINE];
	l->t = t;
	copy_token(l->actor, sizeof l->actor, actor);
	snprintf(l->text, sizeof l->text, "%s", text);
	l->event = idx;
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
	copy_token(c->error, sizeof c->error, error ? error : "");
	if (!check && error && mlab_err_from_name(error) != 0)
		check = mlab_err_check(mlab_err_from_name(error));
	copy_token(c->check, sizeof c->check, check ? check : "");
}

/* The error event of anyone: "signature ✘ (signature-invalid)", or
 * "peer aborted (signature-invalid)" for the peer's alert. */
static void error_step(struct vm_column *c, const json_t *e, struct sb *s)
{
	const char *err = ev_str(e, "error"), *check = ev_str(e, "check");
	if (!check && err && mlab_err_from_name(err) != 0)
		check = mlab_err_check(mlab_err_from_name(err));
	if (streq(err, "peer-alert") || streq(check, "peer")) {
		const char *d = ev_str(e, "detail"), *pre = "the peer reported ";
		const char *why = d && strncmp(d, pre, strlen(pre)) == 0 ? d + strlen(pre) : err;
		sb_put(s, "peer aborted (");
		sb_str(s, why, 32);
		sb_put(s, ")");
	} else {
		sb_str(s, check ? check : "error", 16);
		sb_put(s, " " U_CROSS " (");
		sb_str(s, err, 32);
		sb_put(s, ")");
	}
	set_error(c, err, check);
}

/* alice's and bob's own events. */
static void party_event(struct build *b, size_t idx, const json_t *e, int col, const char *name, struct sb *s,
			enum vm_mark *mark)
{
	struct vm_column *c = &b->m->col[col];
	const char *other = col == VM_ALICE ? "bob" : "alice";
	long long n1 = 0, n2 = 0;
	double d = 0;

	if (streq(name, "connected")) {
		sb_put(s, "connected to ");
		sb_field(s, e, "peer", 40);
	} else if (streq(name, "listening")) {
		sb_put(s, "listening on ");
		sb_field(s, e, "addr", 40);
	} else if (streq(name, "accepted")) {
		sb_put(s, "accepted ");
		sb_field(s, e, "peer", 40);
	} else if (streq(name, "hello-sent") || streq(name, "hello-received")) {
		sb_put(s, streq(name, "hello-sent") ? "offer " : "offered ");
		sb_list(s, json_object_get(e, "modes"));
		sb_put(s, " / ");
		sb_list(s, json_object_get(e, "groups"));
		if (ev_true(e, "client_auth"))
			sb_put(s, " +mutual");
	} else if (streq(name, "negotiated")) {
		const char *mode = ev_str(e, "mode"), *cipher = ev_str(e, "cipher");
		sb_put(s, "negotiated ");
		sb_str(s, mode, 12);
		sb_put(s, " ");
		sb_field(s, e, "group", 16);
		sb_put(s, " ");
		sb_cipher(s, cipher);
		if (ev_true(e, "client_auth"))
			sb_put(s, " +mutual");
		const char *gname = ev_str(e, "group");
		const struct mlab_group *grp = gname ? mlab_group_by_name(gname) : NULL;
		if (grp && grp->weak)
			sb_put(s, " WEAK");
		if (!streq(mode, "sign") || streq(cipher, "none") || (grp && grp->weak))
			*mark = VM_MARK_WARN; /* unauthenticated, records in clear, or a breakable group */
	} else if (streq(name, "weakened")) {
		sb_put(s, "share checks OFF");
		*mark = VM_MARK_WARN;
	} else if (streq(name, "params-received")) {
		bool checked = ev_true(e, "checked");
		if (ev_int(e, "bits", &n1))
			sb_printf(s, "p %lld bits, ", n1);
		sb_put(s, "g ");
		sb_field(s, e, "g", 8);
		sb_put(s, checked ? " checking" : " UNCHECKED");
		if (!checked)
			*mark = VM_MARK_WARN;
	} else if (streq(name, "sentinel-set")) {
		sb_put(s, "downgrade sentinel set");
		*mark = VM_MARK_WARN;
	} else if (streq(name, "sentinel-seen")) {
		sb_put(s, "DOWNGRADE sentinel seen");
		*mark = VM_MARK_FAIL;
	} else if (streq(name, "share-sent")) {
		sb_put(s, "share sent ");
		sb_share(s, ev_str(e, "share"));
	} else if (streq(name, "share-received")) {
		const char *sh = ev_str(e, "share");
		sb_put(s, "share received ");
		sb_share(s, sh);
		for (size_t i = 0; sh && i < b->n_swapped && i < SWAPPED_MAX; i++)
			if (strcasecmp(sh, b->swapped[i]) == 0) {
				sb_put(s, " mallory's");
				*mark = VM_MARK_WARN;
				break;
			}
	} else if (streq(name, "signature-sent")) {
		sb_put(s, "signature sent ");
		sb_field(s, e, "signer_key", 8);
	} else if (streq(name, "signature-key")) {
		sb_put(s, "signer ");
		sb_field(s, e, "signer_key", 8);
		sb_put(s, " not pinned ");
		sb_field(s, e, "pinned_key", 8);
		*mark = VM_MARK_FAIL;
	} else if (streq(name, "signature-verified")) {
		sb_put(s, "signature " U_CHECK " ");
		sb_put(s, other);
		sb_put(s, " ");
		sb_field(s, e, "signer_key", 8);
		*mark = VM_MARK_OK;
	} else if (streq(name, "session-key") || streq(name, "handshake-done")) {
		const char *k = ev_key_id(e, "key_id");
		if (k && !c->key_id[0])
			copy_token(c->key_id, sizeof c->key_id, k);
		if (streq(name, "session-key")) {
			sb_put(s, "session key ");
			sb_field(s, e, "key_id", 8);
		} else {
			sb_put(s, "handshake done");
			*mark = VM_MARK_OK;
		}
	} else if (streq(name, "finished-sent")) {
		sb_put(s, "Finished sent");
	} else if (streq(name, "finished-verified")) {
		sb_put(s, "Finished " U_CHECK);
		*mark = VM_MARK_OK;
	} else if (streq(name, "alert-received")) {
		sb_put(s, "alert: ");
		sb_field(s, e, "error", 32);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "message-sent") || streq(name, "message-received")) {
		bool sent = streq(name, "message-sent");
		sb_put(s, sent ? "sent" : "received");
		if (ev_int(e, "n", &n1))
			sb_printf(s, " #%lld", n1);
		if (!sent && mark_of(b, idx) == JM_ALTERED) {
			sb_put(s, " ALTERED");
			*mark = VM_MARK_FAIL;
		}
		sb_put(s, " ");
		sb_snip(s, e, "hex", "text");
	} else if (streq(name, "close-sent")) {
		sb_put(s, "close sent");
	} else if (streq(name, "close-received")) {
		sb_put(s, "close received");
	} else if (streq(name, "done")) {
		sb_put(s, "done");
		if (ev_int(e, "sent", &n1) && ev_int(e, "received", &n2))
			sb_printf(s, ": %lld sent, %lld received", n1, n2);
		*mark = VM_MARK_OK;
	} else if (streq(name, "bulk-start")) {
		sb_put(s, "bulk start");
		if (ev_int(e, "bytes", &n1))
			sb_printf(s, ": %lld bytes", n1);
	} else if (streq(name, "bulk-done")) {
		sb_put(s, "bulk done");
		if (ev_num(e, "mbit_s", &d))
			sb_printf(s, ": %.1f Mbit/s", d);
	} else if (streq(name, "sink-done")) {
		sb_put(s, "sink done");
		if (ev_int(e, "bytes", &n1) && ev_int(e, "records", &n2))
			sb_printf(s, ": %lld bytes, %lld records", n1, n2);
	} else if (streq(name, "connection-end")) {
		const char *err = ev_str(e, "error");
		bool ok = ev_true(e, "ok");
		sb_put(s, "connection");
		if (ev_int(e, "conn", &n1))
			sb_printf(s, " #%lld", n1);
		if (ok) {
			sb_put(s, " ended ok");
		} else {
			sb_put(s, " ended: ");
			sb_str(s, err, 32);
			*mark = VM_MARK_FAIL;
			/* as the judge: bob's failure outside the engine */
			if (col == VM_BOB && err && !streq(err, "ok"))
				set_error(c, err, NULL);
		}
	} else if (streq(name, "stopped")) {
		sb_put(s, "stopped");
		if (ev_int(e, "connections", &n1))
			sb_printf(s, " after %lld connection%s", n1, n1 == 1 ? "" : "s");
	} else {
		sb_str(s, name, 40);
	}
}

/* mallory's events; false for one that makes no step (a frame). */
static bool mallory_event(struct build *b, size_t idx, const json_t *e, const char *name, struct sb *s,
			  enum vm_mark *mark)
{
	struct vm_column *c = &b->m->col[VM_MALLORY];
	long long n1 = 0, n2 = 0;

	if (streq(name, "frame")) {
		const char *sum = ev_str(e, "summary");
		if (sum)
			sb_str(s, sum, 100);
		else
			sb_put(s, "frame");
		return false;
	}
	if (streq(name, "warning")) {
		sb_put(s, "warning: ");
		sb_field(s, e, "message", 60);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "sniffing")) {
		sb_put(s, "sniffing ");
		sb_field(s, e, "iface", 15);
		if (ev_int(e, "port", &n1))
			sb_printf(s, " port %lld", n1);
	} else if (streq(name, "handshake-seen")) {
		const char *msg = ev_str(e, "msg");
		sb_put(s, "saw ");
		sb_str(s, msg, 16);
		sb_put(s, " ");
		sb_route(s, e);
		if (streq(msg, "server-hello") && streq(ev_str(e, "cipher"), "none")) {
			sb_put(s, " (readable)");
			*mark = VM_MARK_WARN;
		} else if (streq(msg, "signature")) {
			sb_put(s, " ");
			sb_field(s, e, "signer_key", 8);
		}
	} else if (streq(name, "alert-seen")) {
		sb_put(s, "alert ");
		sb_route(s, e);
		sb_put(s, " ");
		sb_field(s, e, "error", 32);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "message-read")) {
		sb_put(s, "read ");
		sb_route(s, e);
		sb_put(s, " ");
		sb_snip(s, e, "hex", "text");
		if (mark_of(b, idx) == JM_BOGUS)
			sb_put(s, " (claim ignored)");
		else
			*mark = VM_MARK_WARN;
	} else if (streq(name, "message-changed")) {
		sb_put(s, "changed ");
		sb_change(s, e);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "close-seen")) {
		sb_put(s, "saw close ");
		sb_route(s, e);
	} else if (streq(name, "record-seen")) {
		sb_put(s, "record ");
		sb_route(s, e);
		sb_put(s, " unreadable");
	} else if (streq(name, "stream-gap")) {
		sb_put(s, "gap ");
		sb_route(s, e);
		sb_put(s, " (");
		sb_field(s, e, "reason", 16);
		sb_put(s, ")");
		*mark = VM_MARK_WARN;
	} else if (streq(name, "stream-error")) {
		sb_put(s, "lost ");
		sb_route(s, e);
		sb_put(s, ": ");
		sb_field(s, e, "error", 32);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "stopped")) {
		sb_put(s, "stopped");
		if (ev_int(e, "relayed", &n1))
			sb_printf(s, ": %lld relayed", n1);
		else if (ev_int(e, "frames", &n1) && ev_int(e, "messages_read", &n2))
			sb_printf(s, ": %lld frames, %lld read", n1, n2);
	} else if (streq(name, "refused")) {
		sb_put(s, "refused to transmit");
		*mark = VM_MARK_FAIL;
	} else if (streq(name, "target-resolved")) {
		sb_put(s, "found ");
		sb_who(s, ev_str(e, "ip"));
		sb_put(s, " at ");
		sb_field(s, e, "mac", 17);
	} else if (streq(name, "poisoning")) {
		const json_t *t = json_object_get(e, "targets");
		sb_put(s, "poisoning ");
		if (json_is_array(t) && json_array_size(t) > 0) {
			for (size_t i = 0; i < json_array_size(t) && i < 4; i++) {
				const json_t *v = json_array_get(t, i);
				if (i)
					sb_put(s, "+");
				sb_who(s, json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v)
					      ? json_string_value(v)
					      : "?");
			}
		} else {
			sb_put(s, "?");
		}
		*mark = VM_MARK_WARN;
	} else if (streq(name, "relaying")) {
		sb_put(s, "relaying ");
		sb_route(s, e);
		if (ev_true(e, "confirmed"))
			sb_put(s, " (confirmed)");
	} else if (streq(name, "share-swapped")) {
		const char *sh = ev_str(e, "share");
		if (sh)
			b->swapped[b->n_swapped++ % SWAPPED_MAX] = sh;
		sb_put(s, "share swapped " U_ARROW " ");
		sb_who(s, ev_str(e, "toward"));
		*mark = VM_MARK_WARN;
	} else if (streq(name, "generator-replaced")) {
		sb_put(s, "g " U_ARROW " ");
		sb_field(s, e, "g", 4);
		sb_put(s, " toward alice");
		*mark = VM_MARK_WARN;
	} else if (streq(name, "offer-explicit") || streq(name, "offer-stripped") || streq(name, "offer-downgraded")) {
		sb_put(s, streq(name, "offer-explicit") ? "offer: explicit first"
			  : streq(name, "offer-stripped") ? "offer: sign stripped"
							  : "offer: weak group only");
		*mark = VM_MARK_WARN;
	} else if (streq(name, "dlog-solved")) {
		sb_put(s, "dlog solved ");
		sb_field(s, e, "group", 16);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "secret-guessed")) {
		sb_put(s, "alice's secret = ");
		sb_field(s, e, "secret", 4);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "signature-forwarded")) {
		sb_put(s, "signature forwarded " U_ARROW " ");
		sb_who(s, ev_str(e, "toward"));
	} else if (streq(name, "signature-forged")) {
		sb_put(s, "signature forged (mallory ");
		sb_field(s, e, "signer_key", 8);
		sb_put(s, ")");
		*mark = VM_MARK_WARN;
	} else if (streq(name, "session-key")) {
		const char *with = ev_str(e, "with"), *k = ev_key_id(e, "key_id");
		char *slot = streq(with, "alice") ? c->key_id : streq(with, "bob") ? c->key_id2 : NULL;
		if (slot && k && !slot[0])
			copy_token(slot, sizeof c->key_id, k);
		sb_put(s, "key with ");
		sb_who(s, with);
		sb_put(s, " ");
		sb_field(s, e, "key_id", 8);
		*mark = VM_MARK_WARN;
	} else if (streq(name, "relay-established")) {
		sb_put(s, "relay established");
	} else if (streq(name, "tamper-skipped")) {
		sb_put(s, "left ");
		sb_route(s, e);
		sb_put(s, " unchanged (");
		sb_field(s, e, "reason", 16);
		sb_put(s, ")");
	} else if (streq(name, "close-relayed")) {
		sb_put(s, "close relayed ");
		sb_route(s, e);
	} else if (streq(name, "restored")) {
		sb_put(s, "restored ARP");
	} else if (streq(name, "stream-stats")) {
		sb_put(s, "TCP stats");
		if (ev_int(e, "segments_in", &n1) && ev_int(e, "segments_out", &n2))
			sb_printf(s, ": %lld in, %lld out", n1, n2);
	} else {
		sb_str(s, name, 40);
	}
	return true;
}

/* The runner's events: the timeline's text in *s; a step of the program's
 * column (started, exit) in *step with *col set. */
static void lab_event(struct build *b, const json_t *e, const char *name, struct sb *s, struct sb *step, int *col,
		      enum vm_mark *mark)
{
	long long n1 = 0;
	double d = 0;
	const char *prog = ev_str(e, "program");

	if (streq(name, "run-start")) {
		sb_put(s, "run ");
		sb_field(s, e, "scenario", 40);
		sb_put(s, " (");
		sb_field(s, e, "network", 10);
		sb_put(s, ")");
	} else if (streq(name, "network-ready")) {
		sb_put(s, "network ready");
		if (ev_num(e, "ms", &d))
			sb_printf(s, " (%.1f ms)", d);
	} else if (streq(name, "started")) {
		sb_put(s, "started ");
		sb_str(s, prog, 16);
		*col = col_of(prog);
		sb_put(step, "started");
		if (ev_str(e, "host")) {
			sb_put(step, " on ");
			sb_field(step, e, "host", 16);
		}
	} else if (streq(name, "exit")) {
		long long status = 0, sig = 0;
		bool have = ev_int(e, "status", &status);
		ev_int(e, "signal", &sig);
		sb_str(s, prog, 16);
		*col = col_of(prog);
		if (have && status == -1)
			sb_printf(step, "killed by signal %lld", sig);
		else if (have)
			sb_printf(step, "exited %lld", status);
		else
			sb_put(step, "exited");
		sb_put(s, " ");
		sb_put(s, step->p);
		/* what the judge calls the lab failing */
		if ((have && status == -1 && !ev_true(e, "expected")) || (have && (status == 127 || status >= 64)) ||
		    (have && status > 0 && streq(prog, "mallory")))
			*mark = VM_MARK_FAIL;
	} else if (streq(name, "timeout")) {
		sb_put(s, "timeout");
		if (ev_int(e, "limit_s", &n1))
			sb_printf(s, " after %lld s", n1);
		sb_put(s, ", waiting for ");
		sb_field(s, e, "waiting_for", 16);
	} else if (streq(name, "lab-error")) {
		sb_put(s, "lab error: ");
		sb_field(s, e, "reason", 90);
	} else if (streq(name, "static-arp")) {
		sb_put(s, "static ARP entries in place");
	} else if (streq(name, "mallory-ip-forward")) {
		sb_put(s, "mallory's kernel forwards");
	} else if (streq(name, "poisoned")) {
		sb_put(s, "both victims poisoned");
		if (ev_num(e, "ms", &d))
			sb_printf(s, " (%.1f ms)", d);
	} else if (streq(name, "neighbour")) {
		const char *host = ev_str(e, "host"), *mac = ev_str(e, "mac");
		int i = streq(host, "alice") ? 0 : streq(host, "bob") ? 1 : -1;
		bool poisoned = ev_true(e, "poisoned");
		if (i >= 0) {
			struct vm_neigh *nb = &b->m->neigh[i];
			nb->known = true;
			copy_token(nb->host, sizeof nb->host, host);
			copy_token(nb->ip, sizeof nb->ip, ev_str(e, "ip"));
			copy_token(nb->mac, sizeof nb->mac, mac);
			copy_token(nb->phase, sizeof nb->phase, ev_str(e, "phase"));
			nb->poisoned = poisoned;
			if (poisoned) {
				nb->was_poisoned = true;
				copy_token(nb->poisoned_mac, sizeof nb->poisoned_mac, mac);
			}
		}
		sb_field(s, e, "phase", 16);
		sb_put(s, " ");
		sb_str(s, host, 16);
		sb_put(s, ": ");
		sb_field(s, e, "ip", 16);
		if (mac) {
			sb_put(s, " at ");
			sb_str(s, mac, 17);
		} else {
			sb_put(s, " no entry");
		}
		if (poisoned)
			sb_put(s, " POISONED");
	} else if (streq(name, "bad-event")) {
		sb_put(s, "bad event from ");
		sb_str(s, prog, 16);
	} else if (streq(name, "run-end")) {
		sb_put(s, "run end");
		if (ev_num(e, "ms", &d))
			sb_printf(s, " (%.0f ms)", d);
	} else {
		sb_str(s, name, 40);
	}
}

static void apply(struct build *b, size_t idx, const json_t *e)
{
	const char *actor = NULL, *name = NULL;
	char text[VM_TEXT], stext[VM_TEXT];
	struct sb s, st;
	enum vm_mark mark = VM_MARK_NONE;
	int col = -1;
	bool step = false;
	double t;

	sb_init(&s, text, sizeof text);
	sb_init(&st, stext, sizeof stext);
	if (ev_num(e, "t", &t)) {
		if (!b->have_t0) {
			b->have_t0 = true;
			b->t0 = t;
		}
		b->last_t = t - b->t0;
	}
	if (!ev_head(e, &actor, &name)) {
		add_line(b, b->last_t, "?", "(not an event)", idx);
		return;
	}

	int ac = col_of(actor);
	if (ac >= 0 && streq(name, "error")) {
		col = ac;
		step = true;
		error_step(&b->m->col[ac], e, &s);
		mark = VM_MARK_FAIL;
	} else if (ac == VM_MALLORY) {
		col = ac;
		step = mallory_event(b, idx, e, name, &s, &mark);
	} else if (ac >= 0) {
		col = ac;
		step = true;
		party_event(b, idx, e, ac, name, &s, &mark);
	} else if (streq(actor, "lab")) {
		lab_event(b, e, name, &s, &st, &col, &mark);
		sb_end(&st);
		if (col >= 0)
			add_step(b, col, stext, mark, idx);
	} else {
		sb_str(&s, name, 40);
	}
	sb_end(&s);
	if (step && col >= 0)
		add_step(b, col, text, mark, idx);
	add_line(b, b->last_t, actor, text, idx);
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
		copy_token(m->name, sizeof m->name, sc->name);
		m->number = scenario_number(sc);
		copy_text(m->title, sizeof m->title, sc->title, false);
		copy_token(m->network, sizeof m->network, scenario_network_name(sc->network));
		if (sc->expect) {
			struct sb s;
			sb_init(&s, m->expect, sizeof m->expect);
			sb_str(&s, sc->expect, 40);
			if (sc->expect_peer && sc->expect_peer[0]) {
				sb_put(&s, " by ");
				sb_str(&s, sc->expect_peer, 16);
			}
			if (sc->expect_check && sc->expect_check[0]) {
				sb_put(&s, " (");
				sb_str(&s, sc->expect_check, 24);
				sb_put(&s, " check)");
			}
			sb_end(&s);
		}
		copy_text(m->teaching, sizeof m->teaching, sc->teaching, true);
	} else if (start) {
		const char *name = ev_str(start, "scenario");
		copy_token(m->name, sizeof m->name, name);
		copy_token(m->network, sizeof m->network, ev_str(start, "network"));
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
	struct sb s;

	sb_init(&s, m->key_line, sizeof m->key_line);
	sb_printf(&s, "alice %s", a[0] ? a : "-");
	if (m->col[VM_MALLORY].present)
		sb_printf(&s, " " U_MIDDOT " mallory %s / %s", ma[0] ? ma : "-", mb[0] ? mb : "-");
	sb_printf(&s, " " U_MIDDOT " bob %s " U_DASH " ", b[0] ? b : "-");
	if (!a[0] && !b[0])
		sb_put(&s, "no session key");
	else if (!a[0] || !b[0])
		sb_printf(&s, "only %s has a key%s", a[0] ? "alice" : "bob",
			  (a[0] ? ha : hb) ? " " U_DASH " mallory holds it" : "");
	else if (key_eq(a, b))
		sb_put(&s,
		       ha ? "same key " U_DASH " mallory holds it too" : "same key " U_DASH " nobody in the middle");
	else if (ha && hb)
		sb_put(&s, "different keys " U_DASH " mallory holds both: relay");
	else if (ha || hb)
		sb_printf(&s, "different keys " U_DASH " mallory holds %s's", ha ? "alice" : "bob");
	else
		sb_put(&s, "different keys " U_DASH " no shared session");
	sb_end(&s);
}

static void outcome(struct vm *m, const struct scenario *sc, const json_t *events)
{
	struct verdict v;
	char head[200];
	judge_run(events, &v);
	copy_token(m->verdict, sizeof m->verdict, verdict_name(v.kind));
	report_headline(&v, head, sizeof head);
	snprintf(m->verdict_line, sizeof m->verdict_line, "%s " U_DASH " %s", m->verdict, head);
	copy_token(m->peer, sizeof m->peer, v.peer);
	copy_token(m->check, sizeof m->check, v.check);
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
		copy_token(c->name, sizeof c->name, PARTIES[i]);
		if (h) {
			copy_token(c->ip, sizeof c->ip, h->ip);
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

static void detail_value(struct sb *s, const json_t *v, int depth)
{
	if (json_is_string(v)) {
		sb_put(s, "\"");
		sb_esc(s, json_string_value(v), json_string_length(v), DETAIL_STR_COLS);
		sb_put(s, "\"");
	} else if (json_is_integer(v)) {
		sb_printf(s, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		sb_printf(s, "%.9g", json_real_value(v));
	} else if (json_is_true(v)) {
		sb_put(s, "true");
	} else if (json_is_false(v)) {
		sb_put(s, "false");
	} else if (json_is_null(v)) {
		sb_put(s, "null");
	} else if (json_is_array(v)) {
		size_t n = json_array_size(v);
		sb_put(s, "[");
		for (size_t i = 0; i < n && i < 16 && depth < 3; i++) {
			if (i)
				sb_put(s, ", ");
			detail_value(s, json_array_get(v, i), depth + 1);
		}
		if (n > 16 || (n && depth >= 3))
			sb_put(s, U_ELLIPSIS);
		sb_put(s, "]");
	} else if (json_is_object(v)) {
		const char *key;
		const json_t *val;
		size_t i = 0;
		sb_put(s, "{");
		json_object_foreach((json_t *)v, key, val)
		{
			if (i >= 16 || depth >= 3) {
				sb_put(s, U_ELLIPSIS);
				break;
			}
			if (i++)
				sb_put(s, ", ");
			sb_str(s, key, 32);
			sb_put(s, ": ");
			detail_value(s, val, depth + 1);
		}
		sb_put(s, "}");
	}
}

/* A hex field: its digits (cut), then the text when every byte is
 * printable, else a hex dump in rows of 16 bytes. */
static void detail_hex(struct sb *s, const char *key, const char *hex)
{
	uint8_t buf[DETAIL_BYTES];
	size_t len = 0, total = strlen(hex) / 2;
	sb_put(s, "  ");
	sb_str(s, key, 32);
	sb_put(s, ": ");
	sb_esc(s, hex, strlen(hex), 64);
	sb_printf(s, " (%zu byte%s)\n", total, total == 1 ? "" : "s");
	if (mlab_unhex(hex, buf, sizeof buf, &len) != 0)
		return;
	bool printable = true;
	for (size_t i = 0; i < len; i++)
		if (!((buf[i] >= 0x20 && buf[i] < 0x7f) || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r'))
			printable = false;
	if (printable) {
		sb_put(s, "    = \"");
		sb_esc(s, buf, len, 4 * DETAIL_BYTES);
		sb_put(s, len < total ? U_ELLIPSIS "\"\n" : "\"\n");
		return;
	}
	for (size_t row = 0; row < len && !s->cut; row += 16) {
		sb_printf(s, "    %04zx ", row);
		for (size_t i = row; i < row + 16; i++) {
			if (i % 8 == 0)
				sb_put(s, " ");
			if (i < len)
				sb_printf(s, "%02x ", buf[i]);
			else
				sb_put(s, "   ");
		}
		sb_put(s, " |");
		for (size_t i = row; i < row + 16 && i < len; i++) {
			char ch = buf[i] >= 0x20 && buf[i] < 0x7f ? (char)buf[i] : '.';
			sb_putn(s, &ch, 1);
		}
		sb_put(s, "|\n");
	}
	if (len < total)
		sb_printf(s, "    " U_ELLIPSIS " %zu more bytes\n", total - len);
}

void vm_event_detail(const json_t *events, size_t k, char *buf, size_t n)
{
	struct sb s;
	const json_t *e;
	const char *actor = NULL, *name = NULL, *key;
	const json_t *val;
	double t, t0 = 0;
	bool have_t0 = false;

	if (!buf || n == 0)
		return;
	sb_init(&s, buf, n);
	if (!json_is_array(events) || k >= json_array_size(events)) {
		sb_printf(&s, "no event #%zu", k);
		sb_end(&s);
		return;
	}
	e = json_array_get(events, k);
	if (!json_is_object(e)) {
		sb_printf(&s, "#%zu: not an event (", k);
		sb_put(&s, json_is_array(e)    ? "an array"
			   : json_is_string(e) ? "a string"
			   : json_is_number(e) ? "a number"
					       : "not an object");
		sb_put(&s, ")\n");
		sb_end(&s);
		return;
	}
	for (size_t i = 0; i <= k && !have_t0; i++)
		if (ev_num(json_array_get(events, i), "t", &t0))
			have_t0 = true;
	ev_head(e, &actor, &name);
	sb_printf(&s, "#%zu ", k);
	sb_str(&s, actor, 16);
	sb_put(&s, " ");
	sb_str(&s, name, 40);
	if (have_t0 && ev_num(e, "t", &t))
		sb_printf(&s, "  t=%.6f s", t - t0);
	sb_put(&s, "\n");
	json_object_foreach((json_t *)e, key, val)
	{
		if (streq(key, "t") || streq(key, "actor") || streq(key, "event"))
			continue;
		if (hex_field(key) && json_is_string(val) &&
		    strlen(json_string_value(val)) == json_string_length(val)) {
			detail_hex(&s, key, json_string_value(val));
			continue;
		}
		sb_put(&s, "  ");
		sb_str(&s, key, 32);
		sb_put(&s, ": ");
		detail_value(&s, val, 0);
		sb_put(&s, "\n");
		if (s.cut)
			break;
	}
	sb_end(&s);
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
	FILE *f;
	json_t *events;
	char *line;
	size_t len = 0;
	bool too_long = false;

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
	f = fopen(path, "re");
	if (!f) {
		load_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	events = json_array();
	line = malloc(LOAD_LINE_MAX);
	if (!events || !line) {
		load_err(err, errlen, "out of memory reading %s", path);
		json_decref(events);
		free(line);
		fclose(f);
		return NULL;
	}
	for (;;) {
		int c = getc(f);
		if (c == EOF || c == '\n') {
			if (!too_long && len > 0 && json_array_size(events) < LOAD_EVENTS_MAX) {
				json_error_t jerr;
				json_t *e = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
				if (json_is_object(e))
					json_array_append(events, e);
				json_decref(e);
			}
			len = 0;
			too_long = false;
			if (c == EOF)
				break;
			continue;
		}
		if (len < LOAD_LINE_MAX)
			line[len++] = (char)c;
		else
			too_long = true;
	}
	free(line);
	if (ferror(f)) {
		load_err(err, errlen, "error reading %s", path);
		json_decref(events);
		fclose(f);
		return NULL;
	}
	fclose(f);
	/* Run directories of older versions were written in arrival order. */
	if (ev_sort_by_time(events) != 0) {
		load_err(err, errlen, "out of memory reading %s", path);
		json_decref(events);
		return NULL;
	}
	return events;
}
