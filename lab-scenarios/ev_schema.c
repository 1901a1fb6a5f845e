/* The event schema (ev_schema.h): the table, lookups, the check of a recorded
 * event against its row, and the template renderer every view uses. */
#include "ev_schema.h"

#include <stdio.h>
#include <string.h>

#include "ev_fields.h"
#include "ev_text.h"

#define STR_COLS 40 /* columns of a plain string field */
#define NAME_MAX_LEN 48

static const struct ev_row ROWS[EV_COUNT] = {
#define EV_X_ROW(id_, name_, who_, know_, mark_, dir_, msg_, fields_, text_)                                           \
	[id_] = {.id = id_,                                                                                            \
		 .name = name_,                                                                                        \
		 .emitters = who_,                                                                                     \
		 .know = know_,                                                                                        \
		 .mark = mark_,                                                                                        \
		 .dir = dir_,                                                                                          \
		 .msg = msg_,                                                                                          \
		 .fields = fields_,                                                                                    \
		 .text = text_},
    EV_SCHEMA(EV_X_ROW)
#undef EV_X_ROW
};

const struct ev_row *ev_row(enum ev_id id)
{
	return id >= 0 && id < EV_COUNT ? &ROWS[id] : NULL;
}

enum ev_id ev_id_of(const char *name)
{
	if (!name)
		return EV_UNKNOWN;
	for (int i = 0; i < EV_COUNT; i++)
		if (strcmp(ROWS[i].name, name) == 0)
			return (enum ev_id)i;
	return EV_UNKNOWN;
}

enum ev_id ev_id_event(const json_t *e)
{
	return ev_id_of(ev_str(e, "event"));
}

unsigned ev_emitter_bit(const char *actor)
{
	static const struct {
		const char *name;
		unsigned bit;
	} who[] = {{"alice", EW_A}, {"bob", EW_B}, {"mallory", EW_M}, {"lab", EW_L}};
	for (size_t i = 0; actor && i < sizeof who / sizeof who[0]; i++)
		if (strcmp(actor, who[i].name) == 0)
			return who[i].bit;
	return 0;
}

char ev_field_type(const struct ev_row *r, const char *field)
{
	if (!r || !field || !field[0])
		return 0;
	size_t fl = strlen(field);
	for (const char *p = r->fields; *p;) {
		const char *colon = strchr(p, ':');
		if (!colon)
			break;
		if ((size_t)(colon - p) == fl && strncmp(p, field, fl) == 0)
			return colon[1];
		p = colon + 2;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static bool type_ok(const json_t *v, char t)
{
	switch (t) {
	case 's':
		return json_is_string(v);
	case 'i':
		return json_is_integer(v);
	case 'n':
		return json_is_number(v);
	case 'b':
		return json_is_boolean(v);
	case 'a':
		return json_is_array(v);
	default:
		return false;
	}
}

int ev_check(const json_t *e, char *why, size_t n)
{
	const char *actor, *name;
	double t;
	if (!ev_head(e, &actor, &name) || !ev_num(e, "t", &t)) {
		snprintf(why, n, "not an event: t, actor and event are required");
		return -1;
	}
	const struct ev_row *r = ev_row(ev_id_of(name));
	if (!r) {
		snprintf(why, n, "event \"%.40s\" from %.16s is not in the schema", name, actor);
		return -1;
	}
	if (!(r->emitters & ev_emitter_bit(actor))) {
		snprintf(why, n, "%.16s may not emit \"%s\"", actor, name);
		return -1;
	}
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)e, key, v)
	{
		char ty = ev_field_type(r, key);
		if (ty && !type_ok(v, ty) && !(streq(name, "neighbour") && streq(key, "mac") && json_is_null(v))) {
			snprintf(why, n, "%s: field %.32s is not of type %c", name, key, ty);
			return -1;
		}
	}
	return 0;
}

/* ---- templates ---- */

static bool present(const json_t *e, const char *f)
{
	const json_t *v = json_object_get(e, f);
	return v && !json_is_false(v) && !json_is_null(v) && !(json_is_integer(v) && json_integer_value(v) == 0) &&
	       !(json_is_string(v) && json_string_length(v) == 0);
}

static void put_value(struct tb *s, const json_t *v)
{
	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) == json_string_length(v))
			tb_str(s, json_string_value(v), STR_COLS);
		else
			tb_put(s, "?");
	} else if (json_is_integer(v)) {
		tb_printf(s, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		tb_printf(s, "%.1f", json_real_value(v));
	} else if (json_is_boolean(v)) {
		tb_put(s, json_is_true(v) ? "true" : "false");
	} else if (json_is_array(v)) {
		tb_list(s, v);
	} else {
		tb_put(s, "?");
	}
}

static void put_field(struct tb *s, const json_t *e, const char *f, const char *fmt)
{
	const json_t *v = json_object_get(e, f);
	double d;
	if (!fmt[0])
		put_value(s, v);
	else if (strcmp(fmt, "share") == 0)
		tb_share(s, ev_str(e, f));
	else if (strcmp(fmt, "key") == 0)
		tb_field(s, e, f, 8);
	else if (strcmp(fmt, "who") == 0)
		tb_who(s, ev_str(e, f));
	else if (strcmp(fmt, "cipher") == 0)
		tb_cipher(s, ev_str(e, f));
	else if (strcmp(fmt, "list") == 0)
		tb_list(s, v);
	else if (strcmp(fmt, "whos") == 0) {
		size_t n = json_is_array(v) ? json_array_size(v) : 0;
		for (size_t i = 0; i < n && i < 4; i++) {
			const json_t *x = json_array_get(v, i);
			if (i)
				tb_put(s, "+");
			tb_who(s, json_is_string(x) && strlen(json_string_value(x)) == json_string_length(x)
				      ? json_string_value(x)
				      : "?");
		}
		if (n == 0)
			tb_put(s, "?");
	} else if (strcmp(fmt, "change") == 0)
		tb_change(s, e);
	else if (strcmp(fmt, "snip") == 0) {
		/* f names the hex field; its text twin is "text" or "original_text" */
		char tf[NAME_MAX_LEN];
		size_t fl = strlen(f);
		snprintf(tf, sizeof tf, "%.*stext", fl >= 3 && strcmp(f + fl - 3, "hex") == 0 ? (int)(fl - 3) : 0, f);
		tb_snip(s, e, f, tf);
	} else if (strcmp(fmt, "ms") == 0 && ev_num(e, f, &d))
		tb_printf(s, "%.1f ms", d);
	else
		tb_put(s, "?");
}

/* Renders tmpl[0..len) (recursive for the text of {?f|...}). */
static void render(struct tb *s, const char *t, size_t len, const json_t *e, int depth)
{
	size_t i = 0;
	while (i < len) {
		if (t[i] != '{') {
			size_t j = i;
			while (j < len && t[j] != '{')
				j++;
			tb_putn(s, t + i, j - i);
			i = j;
			continue;
		}
		/* find the matching '}' (templates nest one level in practice) */
		size_t j = i + 1;
		int nest = 1;
		while (j < len && nest) {
			nest += t[j] == '{' ? 1 : t[j] == '}' ? -1 : 0;
			if (nest)
				j++;
		}
		if (j >= len) { /* a broken template is shown as it is */
			tb_putn(s, t + i, len - i);
			return;
		}
		const char *in = t + i + 1;
		size_t inl = j - i - 1;
		if ((in[0] == '?' || in[0] == '!') && depth < 4) {
			const char *bar = memchr(in, '|', inl);
			if (bar) {
				char f[NAME_MAX_LEN];
				snprintf(f, sizeof f, "%.*s", (int)(bar - in - 1), in + 1);
				if (present(e, f) == (in[0] == '?'))
					render(s, bar + 1, inl - (size_t)(bar + 1 - in), e, depth + 1);
			}
		} else {
			char f[NAME_MAX_LEN], fmt[16] = "";
			const char *colon = memchr(in, ':', inl);
			size_t fl = colon ? (size_t)(colon - in) : inl;
			snprintf(f, sizeof f, "%.*s", (int)fl, in);
			if (colon)
				snprintf(fmt, sizeof fmt, "%.*s", (int)(inl - fl - 1), colon + 1);
			put_field(s, e, f, fmt);
		}
		i = j + 1;
	}
}

/* ASCII for the five characters the texts use (ev_text.h). */
static void fold_ascii(char *buf, size_t n)
{
	static const struct {
		const char *u, *a;
	} map[] = {{U_CHECK, "ok"}, {U_CROSS, "X"}, {U_ARROW, "->"}, {U_ELLIPSIS, "..."}, {U_DASH, "--"}};
	char out[1024];
	size_t o = 0;
	for (const char *p = buf; *p && o + 4 < sizeof out;) {
		size_t k = 0;
		for (; k < sizeof map / sizeof map[0]; k++)
			if (strncmp(p, map[k].u, 3) == 0)
				break;
		if (k < sizeof map / sizeof map[0]) {
			size_t al = strlen(map[k].a);
			memcpy(out + o, map[k].a, al);
			o += al;
			p += 3;
		} else {
			out[o++] = (unsigned char)*p < 0x80 ? *p : '?';
			p++;
		}
	}
	out[o] = '\0';
	snprintf(buf, n, "%s", out);
}

void ev_render(char *buf, size_t n, const char *tmpl, const json_t *e, bool ascii)
{
	struct tb s;
	if (!buf || n == 0)
		return;
	tb_init(&s, buf, n);
	if (tmpl)
		render(&s, tmpl, strlen(tmpl), e, 0);
	tb_end(&s);
	if (ascii)
		fold_ascii(buf, n);
}

void ev_text(char *buf, size_t n, const json_t *e, bool ascii)
{
	const struct ev_row *r = ev_row(ev_id_event(e));
	if (r) {
		ev_render(buf, n, r->text, e, ascii);
		return;
	}
	struct tb s;
	if (!buf || n == 0)
		return;
	tb_init(&s, buf, n);
	tb_put(&s, "unknown event ");
	tb_field(&s, e, "event", 32);
	tb_end(&s);
}

const char *ev_msg_name(enum ev_msg m)
{
	static const char *const names[MSG_COUNT] = {
	    [MSG_NONE] = "",	     [MSG_HELLO] = "hello",	    [MSG_SHELLO] = "server-hello",
	    [MSG_SHARE] = "share",   [MSG_PREMASTER] = "premaster", [MSG_CERT] = "certificate",
	    [MSG_SIG] = "signature", [MSG_FIN] = "Finished",	    [MSG_DATA] = "data",
	    [MSG_CLOSE] = "close",   [MSG_ALERT] = "alert"};
	return m >= 0 && m < MSG_COUNT ? names[m] : "";
}
