/* Bounded text for people (ev_text.h). */
#include "ev_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ev_fields.h"
#include "lab_net.h"
#include "mlab_crypto.h"

#define SNIP_COLS 20 /* columns of a message shown in a step */
#define DIFF_COLS 16 /* columns of each side of a change */
#define MSG_CAP 512  /* message bytes decoded for a step */
#define LIST_MAX 6   /* offers listed in a step */

/* Copies a short machine word (name, address, MAC): printable ASCII only,
 * anything else as '?', cut to the room. */
void tb_copy_token(char *dst, size_t n, const char *src)
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
void tb_copy_text(char *dst, size_t n, const char *src, bool newlines)
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

void tb_init(struct tb *s, char *p, size_t n)
{
	s->p = p;
	s->n = n;
	s->len = 0;
	s->cut = false;
	if (n)
		p[0] = '\0';
}

void tb_putn(struct tb *s, const char *str, size_t len)
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

void tb_put(struct tb *s, const char *str)
{
	tb_putn(s, str, strlen(str));
}

void tb_printf(struct tb *s, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	tb_putn(s, tmp, (size_t)r < sizeof tmp ? (size_t)r : sizeof tmp - 1);
}

/* Ends the text: when something was cut, its tail becomes "…" (never in the
 * middle of a UTF-8 sequence). */
void tb_end(struct tb *s)
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
void tb_esc(struct tb *s, const void *data, size_t len, size_t max)
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
			tb_put(s, U_ELLIPSIS);
			return;
		}
		tb_putn(s, tmp, tl);
		cols += tl;
	}
}

void tb_str(struct tb *s, const char *str, size_t max)
{
	if (str)
		tb_esc(s, str, strlen(str), max);
	else
		tb_put(s, "?");
}

/* A string field, escaped, or "?". */
void tb_field(struct tb *s, const json_t *e, const char *key, size_t max)
{
	tb_str(s, ev_str(e, key), max);
}

/* ---- names, messages, lists ---- */

/* "alice", "bob" or "mallory" for a name or an address of the lab plan
 * ("10.0.0.10", "10.0.0.10:49872"); NULL otherwise. */
const char *ev_who(const char *addr)
{
	if (!addr)
		return NULL;
	static const char *const PARTIES[] = {"alice", "mallory", "bob"};
	for (size_t i = 0; i < sizeof PARTIES / sizeof PARTIES[0]; i++) {
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

void tb_who(struct tb *s, const char *addr)
{
	const char *w = ev_who(addr);
	if (w)
		tb_put(s, w);
	else
		tb_str(s, addr, 24);
}

/* "alice→bob" from the from/to fields. */
void tb_route(struct tb *s, const json_t *e)
{
	tb_who(s, ev_str(e, "from"));
	tb_put(s, U_ARROW);
	tb_who(s, ev_str(e, "to"));
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
void tb_snip(struct tb *s, const json_t *e, const char *hexkey, const char *textkey)
{
	uint8_t b[MSG_CAP];
	size_t len, total;
	if (!msg_bytes(e, hexkey, textkey, b, sizeof b, &len, &total)) {
		tb_put(s, "?");
		return;
	}
	tb_put(s, "\"");
	tb_esc(s, b, len, SNIP_COLS); /* MSG_CAP > SNIP_COLS: a longer message is cut with "…" here */
	tb_put(s, "\"");
}

/* One side of a change, [start, end) of the message, with "…" where cut. */
static void tb_part(struct tb *s, const uint8_t *b, size_t len, size_t start, size_t end)
{
	tb_put(s, "\"");
	if (start > 0)
		tb_put(s, U_ELLIPSIS);
	if (end > start + DIFF_COLS)
		end = start + DIFF_COLS;
	tb_esc(s, b + start, end - start, 4 * DIFF_COLS);
	if (end < len)
		tb_put(s, U_ELLIPSIS);
	tb_put(s, "\"");
}

/* `"transfer 100…" → "transfer 9999…"`: both texts up to the end of what
 * differs (their common tail left out), with a little context before it. */
void tb_change(struct tb *s, const json_t *e)
{
	uint8_t a[MSG_CAP], b[MSG_CAP];
	size_t la, lb, ta, tb;
	bool oka = msg_bytes(e, "original_hex", "original_text", a, sizeof a, &la, &ta);
	bool okb = msg_bytes(e, "hex", "text", b, sizeof b, &lb, &tb);
	if (!oka || !okb) {
		tb_put(s, "a message");
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
	tb_part(s, a, ta, start, ea);
	tb_put(s, " " U_ARROW " ");
	tb_part(s, b, tb, start, eb);
}

/* Offers: "none,sign" (strings; an unknown id as its number). */
void tb_list(struct tb *s, const json_t *a)
{
	if (!json_is_array(a)) {
		tb_put(s, "?");
		return;
	}
	size_t n = json_array_size(a);
	if (n == 0)
		tb_put(s, "-");
	for (size_t i = 0; i < n && i < LIST_MAX; i++) {
		const json_t *v = json_array_get(a, i);
		if (i)
			tb_put(s, ",");
		if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v))
			tb_str(s, json_string_value(v), 20);
		else if (json_is_integer(v))
			tb_printf(s, "%lld", (long long)json_integer_value(v));
		else
			tb_put(s, "?");
	}
	if (n > LIST_MAX)
		tb_put(s, U_ELLIPSIS);
}

void tb_cipher(struct tb *s, const char *c)
{
	if (streq(c, "chacha20-poly1305"))
		tb_put(s, "chacha20");
	else
		tb_str(s, c, 20);
}

/* First 8 hex digits of a share, then "…". */
void tb_share(struct tb *s, const char *hex)
{
	if (!hex) {
		tb_put(s, "?");
		return;
	}
	size_t l = strlen(hex);
	tb_esc(s, hex, l < 8 ? l : 8, 32);
	if (l > 8)
		tb_put(s, U_ELLIPSIS);
}
