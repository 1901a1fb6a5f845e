/* The dashboard (see dashboard.h): curses drawing of a struct vm, the keys,
 * the playback clock. Nothing here interprets events: what a step, a
 * neighbour entry or a verdict says comes from viewmodel.c.
 *
 *   row 0-1   header: scenario, title; network, expected and actual verdict
 *   row 2-3   network strip: hosts with IP and MAC; each victim's neighbour entry
 *   row 4..   three columns (alice | mallory | bob): key ids, then the steps
 *             timeline (the newest lines up to the cursor)
 *             what the scenario teaches (when there is room, and at the end)
 *   H-3, H-2  verdict banner (once the last event is shown); key ids
 *   H-1       status: step k/N, play state, speed, the keys
 * Overlays: ? help, d details of the selected event, t the teaching text. */
#define NCURSES_WIDECHAR 1
#include "dashboard.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "viewmodel.h"

enum { MIN_W = 40, MIN_H = 14, SPEED_MIN = -3, SPEED_MAX = 5 };
#define BASE_RATE 4.0 /* events per second at speed 1x */

/* What a key asks the loop to do. */
enum {
	DK_REDRAW = 1u,
	DK_CLEAR = 2u, /* repaint everything (Ctrl-L, after a live run) */
	DK_QUIT = 4u,
	DK_RERUN = 8u,
	DK_NEXT = 16u,
};

enum overlay { OV_NONE, OV_HELP, OV_DETAIL, OV_TEACH };

enum pair { P_TITLE = 1, P_OK, P_FAIL, P_WARN, P_BAD_BANNER, P_GOOD_BANNER, P_MID_BANNER, P_KEY, P_DIM, P_TRUTH };

enum {
	SEQ_SIDE_W = 150, /* from this width the sequence view is shown beside the columns, by default */
	TRUTH_ROWS = 3
};

struct dash {
	struct dashboard_src *src;
	json_t *events;
	size_t n_events;
	size_t cursor; /* events shown: the first `cursor`; the selected one is cursor-1 */
	bool playing;
	int speed; /* rate = BASE_RATE * 2^speed */
	double next_at;
	int max_steps; /* the most steps a column has at the end of the run (for the layout) */
	int max_truth; /* lines of the lab's view at the end of the run, at most TRUTH_ROWS */
	int seq;       /* the sequence view: -1 not chosen yet (default by width), 0 off, 1 on */
	enum overlay overlay;
	int scroll;
	char msg[512];	 /* one-off status text, cleared by the next key */
	char typed[512]; /* --interactive: alice's line being typed */
	size_t n_typed;
	long long seen_size; /* --interactive: events.jsonl's size at the last load */
	bool utf8, color;
	struct vm *vm;
};

/* ---- the terminal, and getting it back on every path ---- */

static volatile sig_atomic_t dash_signal;
static bool curses_on;

static void on_signal(int sig)
{
	dash_signal = sig; /* only a flag: the loop ends and calls endwin */
}

static void restore_at_exit(void)
{
	if (curses_on) {
		curses_on = false;
		endwin();
	}
}

/* snprintf for screen text: cutting a long string is the intent (put()
 * marks what does not fit), so no truncation warnings here. */
static void tf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- text: UTF-8 from the view model (possibly hostile bytes) to cells ---- */

/* One code point from p, advancing it; U+FFFD for a malformed sequence. */
static uint32_t utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c = p[0], min;
	int more;

	if (c < 0x80) {
		*pp = p + 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0)
		more = 1, c &= 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		more = 2, c &= 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		more = 3, c &= 0x07, min = 0x10000;
	else {
		*pp = p + 1;
		return 0xfffd;
	}
	for (int i = 1; i <= more; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + i;
			return 0xfffd;
		}
		c = (c << 6) | (p[i] & 0x3fu);
	}
	*pp = p + 1 + more;
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	return c;
}

/* The ASCII fallback of the symbols the dashboard and the view model use. */
static const char *ascii_for(uint32_t c)
{
	static const struct {
		uint32_t c;
		const char *s;
	} map[] = {
	    {0x2714, "ok"},  {0x2713, "ok"},  {0x2718, "X"}, {0x2717, "X"},  {0x2192, "->"}, {0x2190, "<-"},
	    {0x2194, "<->"}, {0x2026, "..."}, {0x2014, "-"}, {0x2013, "-"},  {0x2500, "-"},  {0x2502, "|"},
	    {0x250c, "+"},   {0x2510, "+"},   {0x2514, "+"}, {0x2518, "+"},  {0x25b6, ">"},  {0x00b7, "."},
	    {0x2022, "*"},   {0x2018, "'"},   {0x2019, "'"}, {0x201c, "\""}, {0x201d, "\""}, {0x2260, "!="},
	    {0x2191, "^"},   {0x2193, "v"},   {0x26a0, "!"}, {0x00d7, "x"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].c == c)
			return map[i].s;
	return "?";
}

/* A string as cells: wide characters and their widths. */
struct wtext {
	wchar_t *s;
	signed char *w;
	size_t n;
};

static void wtext_free(struct wtext *t)
{
	free(t->s);
	free(t->w);
	memset(t, 0, sizeof *t);
}

/* keep_nl: '\n' stays (hard line breaks); otherwise it is a space. join:
 * single newlines become spaces and runs of blank lines one paragraph break
 * (text written as an INI continuation, already wrapped by its author). */
static int wtext_make(const struct dash *d, const char *str, bool keep_nl, bool join, struct wtext *t)
{
	/* A byte gives at most one cell's character, except ASCII stand-ins
	 * ("..." for the 3 bytes of "…"): never more characters than bytes. The
	 * spare 16 hold an ellipsis that put() appends. */
	size_t len = strlen(str), max = len + 16;
	const unsigned char *p = (const unsigned char *)str;

	memset(t, 0, sizeof *t);
	t->s = malloc(max * sizeof *t->s);
	t->w = malloc(max);
	if (!t->s || !t->w) {
		wtext_free(t);
		return -1;
	}
	while (*p && t->n + 8 < max) {
		uint32_t c = utf8_next(&p);
		if (c == '\n' && join) {
			size_t nl = 1;
			while (*p == '\n' || *p == ' ' || *p == '\t' || *p == '\r')
				nl += *p++ == '\n';
			if (nl >= 2 && t->n + 2 < max) {
				t->s[t->n] = L'\n', t->w[t->n++] = 0;
				t->s[t->n] = L'\n', t->w[t->n++] = 0;
				continue;
			}
			c = ' ';
		}
		if (c == '\n' && keep_nl) {
			t->s[t->n] = L'\n', t->w[t->n++] = 0;
			continue;
		}
		if (c == '\t' || c == '\n' || c == '\r')
			c = ' ';
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			c = '?';
		if (c < 0x80) {
			t->s[t->n] = (wchar_t)c, t->w[t->n++] = 1;
			continue;
		}
		if (d->utf8) {
			int cw = wcwidth((wchar_t)c);
			if (cw < 0)
				t->s[t->n] = L'?', t->w[t->n++] = 1;
			else
				t->s[t->n] = (wchar_t)c, t->w[t->n++] = (signed char)cw;
			continue;
		}
		for (const char *a = ascii_for(c); *a; a++)
			t->s[t->n] = (wchar_t)*a, t->w[t->n++] = 1;
	}
	return 0;
}

static int text_width(const struct dash *d, const char *s)
{
	struct wtext t;
	int w = 0;
	if (wtext_make(d, s, false, false, &t) != 0)
		return (int)strlen(s);
	for (size_t i = 0; i < t.n; i++)
		w += t.w[i];
	wtext_free(&t);
	return w;
}

static attr_t pair_attr(const struct dash *d, enum pair p, attr_t mono)
{
	return d->color ? (attr_t)COLOR_PAIR((int)p) : mono;
}

/* Draws s at (y, x) in at most w cells, cut with an ellipsis when longer.
 * Returns the cells used. */
static int put(const struct dash *d, int y, int x, int w, const char *s, attr_t a)
{
	struct wtext t;
	int used = 0;
	size_t keep = 0;

	if (w <= 0 || wtext_make(d, s, false, false, &t) != 0)
		return 0;
	for (size_t i = 0; i < t.n; i++)
		used += t.w[i];
	if (used <= w) {
		keep = t.n;
	} else {
		int ew = d->utf8 ? 1 : 3;
		if (ew > w)
			ew = 0;
		used = 0;
		while (keep < t.n && used + t.w[keep] <= w - ew)
			used += t.w[keep++];
		/* the ellipsis replaces what was cut (wtext_make leaves room for it) */
		if (ew == 1)
			t.s[keep++] = L'\x2026';
		for (int i = 0; ew == 3 && i < 3; i++)
			t.s[keep++] = L'.';
		used += ew;
	}
	wattr_on(stdscr, a, NULL);
	mvaddnwstr(y, x, t.s, (int)keep);
	wattr_off(stdscr, a, NULL);
	wtext_free(&t);
	return used;
}

/* A line made of pieces with their own attributes. */
struct seg {
	char s[200];
	attr_t a;
};

static int segs_width(const struct dash *d, const struct seg *sg, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w += text_width(d, sg[i].s);
	return w;
}

static void segs_draw(const struct dash *d, int y, int x, int w, const struct seg *sg, size_t n)
{
	for (size_t i = 0; i < n && w > 0; i++) {
		int used = put(d, y, x, w, sg[i].s, sg[i].a);
		x += used;
		w -= used;
	}
}

static void fill(int y, int x, int w, attr_t a)
{
	wattr_on(stdscr, a, NULL);
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	wattr_off(stdscr, a, NULL);
}

static void hrule(const struct dash *d, int y, int w, const char *label)
{
	for (int x = 0; x < w; x++)
		put(d, y, x, 1, "\xe2\x94\x80", A_NORMAL); /* ─ */
	if (label && *label)
		put(d, y, 2, w - 4, label, A_BOLD);
}

/* Line spans of a wrapped text. */
struct span {
	size_t at, len;
};

/* Wraps t at w cells, breaking at spaces (and at '\n'). Fills up to max
 * spans; returns how many lines the whole text needs. */
static size_t wrap(const struct wtext *t, int w, struct span *sp, size_t max)
{
	size_t lines = 0, i = 0;

	if (w < 1)
		return 0;
	while (i < t->n) {
		size_t start = i, end, next;
		int acc = 0;
		size_t last_space = (size_t)-1;
		for (;;) {
			if (i >= t->n) {
				end = next = i;
				break;
			}
			if (t->s[i] == L'\n') {
				end = i;
				next = i + 1;
				break;
			}
			if (acc + t->w[i] > w) {
				if (last_space != (size_t)-1 && last_space > start) {
					end = last_space;
					next = last_space + 1;
				} else {
					end = next = i > start ? i : i + 1;
				}
				break;
			}
			if (t->s[i] == L' ')
				last_space = i;
			acc += t->w[i];
			i++;
		}
		if (lines < max)
			sp[lines] = (struct span){start, end - start};
		lines++;
		i = next;
	}
	return lines;
}

static void draw_span(const struct wtext *t, const struct span *sp, int y, int x, attr_t a)
{
	wattr_on(stdscr, a, NULL);
	mvaddnwstr(y, x, t->s + sp->at, (int)sp->len);
	wattr_off(stdscr, a, NULL);
}

/* ---- symbols ---- */

static const char *sym(const struct dash *d, const char *utf8, const char *ascii)
{
	return d->utf8 ? utf8 : ascii;
}

#define S_OK(d) sym(d, "\xe2\x9c\x94", "ok")	/* ✔ */
#define S_FAIL(d) sym(d, "\xe2\x9c\x98", "X")	/* ✘ */
#define S_ARROW(d) sym(d, "\xe2\x86\x92", "->") /* → */
#define S_DOTS(d) sym(d, "\xe2\x80\xa6", "...") /* … */
#define S_DASH(d) sym(d, "\xe2\x80\x94", "-")	/* — */
#define S_VBAR(d) sym(d, "\xe2\x94\x82", "|")	/* │ */
#define S_DOT(d) sym(d, "\xc2\xb7", ".")	/* · */
#define S_PLAY(d) sym(d, "\xe2\x96\xb6", ">")	/* ▶ */

/* ---- drawing: only from struct vm ---- */

static const struct vm_column *col_by_ip(const struct vm *m, const char *ip)
{
	for (int c = 0; c < VM_COLS; c++)
		if (m->col[c].ip[0] && strcmp(m->col[c].ip, ip) == 0)
			return &m->col[c];
	return NULL;
}

/* "…:0a" for 02:00:00:00:00:0a, when the full MAC does not fit. */
static void short_mac(const struct dash *d, const char *mac, char *out, size_t n)
{
	size_t len = strlen(mac);
	if (len < 3)
		tf(out, n, "%s", mac[0] ? mac : "?");
	else
		tf(out, n, "%s%s", S_DOTS(d), mac + len - 3);
}

static const char *verdict_upper(const char *v, char *buf, size_t n)
{
	size_t i = 0;
	for (; v[i] && i + 1 < n; i++)
		buf[i] = v[i] == '-' ? ' ' : (char)(v[i] >= 'a' && v[i] <= 'z' ? v[i] - 'a' + 'A' : v[i]);
	buf[i] = '\0';
	return buf;
}

static void draw_header(const struct dash *d, const struct vm *m, int W)
{
	char num[16], buf[256];
	struct seg sg[8];
	size_t n = 0;

	if (m->number > 0)
		tf(num, sizeof num, " %02d ", m->number);
	else
		tf(num, sizeof num, " run ");
	int x = put(d, 0, 0, W, num, A_REVERSE | A_BOLD);
	tf(buf, sizeof buf, " %s %s %s", m->name[0] ? m->name : d->src->run_dir, S_DASH(d),
	   m->title[0] ? m->title : "(scenario unknown)");
	if (text_width(d, buf) > W - x)
		tf(buf, sizeof buf, " %s", m->title[0] ? m->title : m->name);
	put(d, 0, x, W - x, buf, A_BOLD);

	bool wide = W >= 100;
	tf(sg[n].s, sizeof sg[n].s, "%s%s", wide ? " network " : " net ", m->network[0] ? m->network : "?");
	sg[n++].a = A_NORMAL;
	tf(sg[n].s, sizeof sg[n].s, "   %s%s", wide ? "expected " : "expect ", m->expect[0] ? m->expect : "?");
	sg[n++].a = A_NORMAL;
	tf(sg[n].s, sizeof sg[n].s, "   %s", wide ? "actual " : "got ");
	sg[n++].a = A_NORMAL;
	if (m->finished) {
		if (strcmp(m->verdict, "blocked") == 0 && m->peer[0])
			tf(sg[n].s, sizeof sg[n].s, "%s (%s, %s)", m->verdict, m->peer, m->check);
		else
			tf(sg[n].s, sizeof sg[n].s, "%s", m->verdict);
		sg[n++].a = A_BOLD;
		if (m->expect[0]) {
			tf(sg[n].s, sizeof sg[n].s, " %s", m->matches ? S_OK(d) : S_FAIL(d));
			sg[n++].a = m->matches ? pair_attr(d, P_OK, A_BOLD) : pair_attr(d, P_FAIL, A_BOLD);
		}
	} else {
		tf(sg[n].s, sizeof sg[n].s, "%s at the end", S_DOTS(d));
		sg[n++].a = pair_attr(d, P_DIM, A_DIM);
	}
	/* too long, and the verdict is the expected one: say it once */
	if (segs_width(d, sg, n) > W && m->finished && m->matches) {
		tf(sg[1].s, sizeof sg[1].s, "   as expected: ");
		memmove(&sg[2], &sg[3], (n - 3) * sizeof sg[0]);
		n--;
	}
	segs_draw(d, 1, 0, W, sg, n);
}

static void host_segs(const struct dash *d, const struct vm_column *c, bool full, struct seg *sg, size_t *n)
{
	char mac[32];
	tf(sg[*n].s, sizeof sg[*n].s, "%s", c->name);
	sg[(*n)++].a = A_BOLD;
	if (full)
		tf(mac, sizeof mac, "%s", c->mac[0] ? c->mac : "?");
	else
		short_mac(d, c->mac, mac, sizeof mac);
	tf(sg[*n].s, sizeof sg[*n].s, " %s %s", c->ip[0] ? c->ip : "?", mac);
	sg[(*n)++].a = A_NORMAL;
}

static size_t strip_hosts(const struct dash *d, const struct vm *m, bool full, struct seg *sg)
{
	static const int order[] = {VM_ALICE, VM_BOB, VM_MALLORY};
	size_t n = 0;
	tf(sg[n].s, sizeof sg[n].s, " %s:", m->network[0] ? m->network : "network");
	sg[n++].a = pair_attr(d, P_TITLE, A_BOLD);
	for (size_t i = 0; i < 3; i++) {
		const struct vm_column *c = &m->col[order[i]];
		if (order[i] == VM_MALLORY && !c->present && !c->ip[0])
			continue;
		tf(sg[n].s, sizeof sg[n].s, "%s", i ? (full ? "   " : "  ") : " ");
		sg[n++].a = A_NORMAL;
		host_segs(d, c, full, sg, &n);
	}
	return n;
}

/* level 2: full MACs, whose MAC, the phase; 1: full MACs, whose; 0: short */
static size_t strip_neigh(const struct dash *d, const struct vm *m, int level, struct seg *sg)
{
	bool full = level > 0;
	const struct vm_column *mal = &m->col[VM_MALLORY];
	size_t n = 0;
	tf(sg[n].s, sizeof sg[n].s, " ARP");
	sg[n++].a = pair_attr(d, P_TITLE, A_BOLD);
	for (size_t i = 0; i < 2; i++) {
		const struct vm_neigh *e = &m->neigh[i];
		const struct vm_column *other = e->ip[0] ? col_by_ip(m, e->ip) : NULL;
		char mac[32];
		tf(sg[n].s, sizeof sg[n].s, "%s%s:", i ? "   " : " ", e->host[0] ? e->host : i ? "bob" : "alice");
		sg[n++].a = A_BOLD;
		if (!e->known) {
			tf(sg[n].s, sizeof sg[n].s, " %s", full ? "no entry read yet" : "not read yet");
			sg[n++].a = pair_attr(d, P_DIM, A_DIM);
			continue;
		}
		if (full)
			tf(mac, sizeof mac, "%s", e->mac[0] ? e->mac : "(none)");
		else
			short_mac(d, e->mac, mac, sizeof mac);
		if (full)
			tf(sg[n].s, sizeof sg[n].s, " %s is at %s ", e->ip, mac);
		else
			tf(sg[n].s, sizeof sg[n].s, " %s %s %s ", other ? other->name : e->ip, S_ARROW(d), mac);
		sg[n++].a = A_NORMAL;
		/* the MAC is the victim's own view; whose MAC it is, the lab's */
		if (e->poisoned) {
			tf(sg[n].s, sizeof sg[n].s, "lab:%s POISONED", S_FAIL(d));
			sg[n++].a = pair_attr(d, P_TRUTH, A_UNDERLINE) | A_BOLD;
			if (full && mal->mac[0] && strcmp(mal->mac, e->mac) == 0) {
				tf(sg[n].s, sizeof sg[n].s, " (mallory's MAC)");
				sg[n++].a = pair_attr(d, P_FAIL, A_NORMAL);
			}
		} else if (e->was_poisoned) {
			/* The lesson's end state: it was poisoned, mallory restored it. */
			tf(sg[n].s, sizeof sg[n].s, "lab:%s restored (was POISONED)", S_OK(d));
			sg[n++].a = pair_attr(d, P_TRUTH, A_UNDERLINE);
		} else {
			tf(sg[n].s, sizeof sg[n].s, "lab:%s true MAC", S_OK(d));
			sg[n++].a = pair_attr(d, P_TRUTH, A_UNDERLINE);
		}
		if (level > 1 && e->phase[0]) {
			tf(sg[n].s, sizeof sg[n].s, " (%s)", e->phase);
			sg[n++].a = pair_attr(d, P_DIM, A_DIM);
		}
	}
	return n;
}

static void draw_strip(const struct dash *d, const struct vm *m, int W)
{
	struct seg sg[24];
	size_t n = strip_hosts(d, m, true, sg);
	if (segs_width(d, sg, n) > W)
		n = strip_hosts(d, m, false, sg);
	segs_draw(d, 2, 0, W, sg, n);
	for (int level = 2; level >= 0; level--) {
		n = strip_neigh(d, m, level, sg);
		if (segs_width(d, sg, n) <= W)
			break;
	}
	segs_draw(d, 3, 0, W, sg, n);
}

static attr_t mark_attr(const struct dash *d, enum vm_mark k)
{
	switch (k) {
	case VM_MARK_OK:
		return pair_attr(d, P_OK, A_NORMAL);
	case VM_MARK_FAIL:
		return pair_attr(d, P_FAIL, A_BOLD) | A_BOLD;
	case VM_MARK_WARN:
		return pair_attr(d, P_WARN, A_BOLD);
	case VM_MARK_NONE:
		break;
	}
	return A_NORMAL;
}

static const char *mark_sym(const struct dash *d, enum vm_mark k)
{
	switch (k) {
	case VM_MARK_OK:
		return S_OK(d);
	case VM_MARK_FAIL:
		return S_FAIL(d);
	case VM_MARK_WARN:
		return "!";
	case VM_MARK_NONE:
		break;
	}
	return " ";
}

static bool selected(const struct dash *d, size_t event)
{
	return d->cursor > 0 && event == d->cursor - 1;
}

static void draw_column(const struct dash *d, const struct vm *m, int c, int y, int x, int w, int rows)
{
	const struct vm_column *col = &m->col[c];
	char buf[160];
	static const char *const names[] = {"alice", "mallory", "bob"};
	const char *name = col->name[0] ? col->name : names[c];

	/* the header: name and session key id(s), side by side across the columns */
	int used = put(d, y, x, w, name, pair_attr(d, P_TITLE, A_BOLD) | A_BOLD);
	if (c == VM_MALLORY && (col->key_id[0] || col->key_id2[0]))
		tf(buf, sizeof buf, " %s/%s", col->key_id[0] ? col->key_id : "-", col->key_id2[0] ? col->key_id2 : "-");
	else if (col->key_id[0])
		tf(buf, sizeof buf, " %s", col->key_id);
	else
		buf[0] = '\0';
	used += put(d, y, x + used, w - used, buf, pair_attr(d, P_KEY, A_BOLD));
	if (col->aborted)
		put(d, y, x + used, w - used, " aborted", pair_attr(d, P_FAIL, A_BOLD) | A_BOLD);

	if (!col->present && col->n_steps == 0) {
		put(d, y + 1, x, w, c == VM_MALLORY && m->finished ? "(not in this run)" : S_DOTS(d),
		    pair_attr(d, P_DIM, A_DIM));
		return;
	}
	size_t first = col->n_steps > (size_t)rows ? col->n_steps - (size_t)rows : 0;
	int mw = d->utf8 ? 2 : 3;
	for (size_t i = first; i < col->n_steps; i++) {
		const struct vm_step *st = &col->steps[i];
		int yy = y + 1 + (int)(i - first);
		attr_t sel = selected(d, st->event) ? A_REVERSE : A_NORMAL;
		if (sel)
			fill(yy, x, w - 1, A_REVERSE);
		put(d, yy, x, mw, mark_sym(d, st->mark), mark_attr(d, st->mark) | sel);
		/* one cell short of the separator: columns do not run into each other */
		put(d, yy, x + mw, w - mw - 1, st->text,
		    (st->mark == VM_MARK_FAIL ? mark_attr(d, st->mark) : A_NORMAL) | sel);
	}
}

/* The lab's view, apart from the parties' columns: what only the lab knows. */
static void draw_truth(const struct dash *d, const struct vm *m, int y, int W, int rows)
{
	hrule(d, y, W, " the lab's view: ground truth, not visible to alice or bob ");
	size_t first = m->n_truth > (size_t)rows ? m->n_truth - (size_t)rows : 0;
	attr_t ta = pair_attr(d, P_TRUTH, A_UNDERLINE);
	for (size_t i = first; i < m->n_truth; i++) {
		const struct vm_truth *t = &m->truth[i];
		int yy = y + 1 + (int)(i - first);
		attr_t sel = selected(d, t->event) ? A_REVERSE : A_NORMAL;
		int x = put(d, yy, 0, W, d->utf8 ? " LAB \xe2\x96\xb8 " : " LAB> ", ta | A_BOLD | sel);
		x += put(d, yy, x, 2, mark_sym(d, t->mark), mark_attr(d, t->mark) | sel);
		put(d, yy, x + 1, W - x - 1, t->text, ta | sel);
	}
	if (m->n_truth == 0)
		put(d, y + 1, 1, W - 1, "nothing yet that the parties could not see for themselves",
		    pair_attr(d, P_DIM, A_DIM));
}

/* The sequence view: the textbook ladder of alice, mallory and bob, one
 * arrow per message and leg; what mallory changed drawn doubled and named.
 * While playing, the newest arrows; at the end, from the first (the
 * handshake), with a count of those below. */
static void draw_ladder(const struct dash *d, const struct vm *m, int y, int x, int w, int rows)
{
	static const char *const names[] = {"alice", "mallory", "bob"};
	int lx[3] = {x + 3, x + w / 2, x + w - 4};
	char buf[96];
	if (rows < 2 || w < 30)
		return;
	size_t n = m->n_arrows, shown = (size_t)(rows - 1);
	size_t first = n > shown && !m->finished ? n - shown : 0;
	for (int c = 0; c < 3; c++) {
		int nl = (int)strlen(names[c]);
		put(d, y, lx[c] - nl / 2, nl, names[c], pair_attr(d, P_TITLE, A_BOLD) | A_BOLD);
	}
	if (n > first + shown)
		tf(buf, sizeof buf, "(%zu more below)", n - first - shown);
	else if (first > 0)
		tf(buf, sizeof buf, "(%zu above)", first);
	else
		buf[0] = '\0';
	if (buf[0] && lx[1] - lx[0] > (int)strlen(buf) + 8)
		put(d, y, lx[0] + 4, (int)strlen(buf), buf, pair_attr(d, P_DIM, A_DIM));
	for (int r = 1; r < rows; r++)
		for (int c = 0; c < 3; c++)
			if (c != VM_MALLORY || m->col[VM_MALLORY].present)
				put(d, y + r, lx[c], 1, S_VBAR(d), pair_attr(d, P_DIM, A_NORMAL));
	for (size_t i = first; i < n && i < first + shown; i++) {
		const struct vm_arrow *a = &m->arrows[i];
		int yy = y + 1 + (int)(i - first);
		int x0 = lx[a->from], x1 = lx[a->to];
		bool right = x1 > x0;
		int lo = (right ? x0 : x1) + 1, hi = (right ? x1 : x0) - 1;
		attr_t sel = selected(d, a->event) ? A_REVERSE : A_NORMAL;
		attr_t at = (a->changed ? mark_attr(d, VM_MARK_FAIL) : A_NORMAL) | sel;
		const char *line = a->changed ? sym(d, "\xe2\x95\x90", "=") : sym(d, "\xe2\x94\x80", "-");
		for (int xx = lo; xx <= hi; xx++)
			put(d, yy, xx, 1, line, at);
		put(d, yy, right ? hi : lo, 1, right ? sym(d, "\xe2\x96\xb6", ">") : sym(d, "\xe2\x97\x80", "<"), at);
		if (a->changed)
			tf(buf, sizeof buf, " %s %s %s ", a->label, S_FAIL(d), a->change);
		else
			tf(buf, sizeof buf, " %s ", a->label);
		int span = hi - lo - 1, bw = text_width(d, buf);
		if (span > 2) {
			int bx = lo + 1 + (bw < span ? (span - bw) / 2 : 0);
			put(d, yy, bx, span - (bx - lo - 1), buf, at | (a->changed ? A_BOLD : 0));
		}
	}
}

static bool seq_on(const struct dash *d, int W)
{
	return d->seq < 0 ? W >= SEQ_SIDE_W : d->seq > 0;
}

static void draw_timeline(const struct dash *d, const struct vm *m, int y, int W, int rows)
{
	char buf[64];
	tf(buf, sizeof buf, " timeline %s %zu of %zu events ", S_DOT(d), d->cursor, d->n_events);
	hrule(d, y, W, buf);
	size_t first = m->n_timeline > (size_t)rows ? m->n_timeline - (size_t)rows : 0;
	for (size_t i = first; i < m->n_timeline; i++) {
		const struct vm_line *l = &m->timeline[i];
		int yy = y + 1 + (int)(i - first);
		attr_t sel = selected(d, l->event) ? A_REVERSE : A_NORMAL;
		if (sel)
			fill(yy, 0, W, A_REVERSE);
		tf(buf, sizeof buf, "%8.3f ", l->t);
		int x = put(d, yy, 0, W, buf, pair_attr(d, P_DIM, A_DIM) | sel);
		tf(buf, sizeof buf, "%-8s ", l->actor);
		attr_t ta = l->truth ? pair_attr(d, P_TRUTH, A_UNDERLINE) : A_NORMAL;
		x += put(d, yy, x, W - x, buf, A_BOLD | ta | sel);
		put(d, yy, x, W - x, l->text, ta | sel);
	}
}

/* The teaching text in `rows` lines (the last says how to see the rest). */
static void draw_teaching(const struct dash *d, const struct vm *m, int y, int W, int rows)
{
	struct wtext t;
	struct span sp[64];
	hrule(d, y, W, " what this scenario teaches ");
	if (wtext_make(d, m->teaching, true, true, &t) != 0)
		return;
	size_t n = wrap(&t, W - 2, sp, 64);
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n && (int)i < rows; i++) {
		if ((int)i == rows - 1 && n > (size_t)rows) {
			struct span cut = sp[i];
			int more = d->utf8 ? 13 : 15;
			int acc = 0;
			size_t k = 0;
			while (k < cut.len && acc + t.w[cut.at + k] <= W - 2 - more)
				acc += t.w[cut.at + k++];
			cut.len = k;
			draw_span(&t, &cut, y + 1 + (int)i, 1, A_NORMAL);
			char more_s[32];
			tf(more_s, sizeof more_s, " %s (t: all)", S_DOTS(d));
			put(d, y + 1 + (int)i, 1 + acc, W - 1 - acc, more_s, pair_attr(d, P_DIM, A_DIM));
		} else {
			draw_span(&t, &sp[i], y + 1 + (int)i, 1, A_NORMAL);
		}
	}
	wtext_free(&t);
}

static int teaching_lines(const struct dash *d, const struct vm *m, int W)
{
	struct wtext t;
	if (!m->teaching[0] || wtext_make(d, m->teaching, true, true, &t) != 0)
		return 0;
	size_t n = wrap(&t, W - 2, NULL, 0);
	wtext_free(&t);
	return n > 64 ? 64 : (int)n;
}

static void draw_banner(const struct dash *d, const struct vm *m, int y, int W)
{
	char label[64], buf[512];
	fill(y, 0, W, A_NORMAL);
	if (d->src->live) { /* no verdict before the run is over */
		int x = put(d, y, 0, W, " LIVE ", A_REVERSE | A_BOLD);
		tf(buf, sizeof buf,
		   " the lab is running: type alice's messages below; the verdict comes when she is done");
		put(d, y, x, W - x, buf, pair_attr(d, P_DIM, A_DIM));
	} else if (!m->finished) {
		tf(label, sizeof label, " %s ", d->playing ? "PLAYING" : "PAUSED");
		int x = put(d, y, 0, W, label, A_REVERSE);
		tf(buf, sizeof buf, " the verdict appears after the last event (End jumps there)");
		put(d, y, x, W - x, buf, pair_attr(d, P_DIM, A_DIM));
	} else {
		enum pair p = P_MID_BANNER;
		if (strcmp(m->verdict, "attack-succeeded") == 0)
			p = P_BAD_BANNER;
		else if (strcmp(m->verdict, "blocked") == 0 || strcmp(m->verdict, "confidential") == 0)
			p = P_GOOD_BANNER;
		char up[32];
		tf(label, sizeof label, " %s ",
		   verdict_upper(m->verdict[0] ? m->verdict : "no verdict", up, sizeof up));
		int x = put(d, y, 0, W, label, pair_attr(d, p, A_REVERSE) | A_BOLD);
		/* the rest of "blocked — alice's signature check stopped it" */
		const char *rest = m->verdict_line;
		size_t vl = strlen(m->verdict);
		if (vl && strncmp(rest, m->verdict, vl) == 0) {
			rest += vl;
			while (*rest == ' ' || *rest == '-' || *rest == ':')
				rest++;
			if (strncmp(rest, "\xe2\x80\x94", 3) == 0)
				rest += 3;
			while (*rest == ' ')
				rest++;
		}
		struct seg sg[4];
		size_t n = 0;
		tf(sg[n].s, sizeof sg[n].s, " %s", rest);
		sg[n++].a = A_BOLD;
		if (strcmp(m->verdict, "blocked") == 0 && m->peer[0]) {
			tf(sg[n].s, sizeof sg[n].s, "  [peer %s, check %s]", m->peer, m->check);
			sg[n++].a = A_NORMAL;
		}
		if (m->expect[0]) {
			tf(sg[n].s, sizeof sg[n].s, "  %s %s", m->matches ? S_OK(d) : S_FAIL(d),
			   m->matches ? "as expected" : "NOT as expected");
			sg[n++].a = m->matches ? pair_attr(d, P_OK, A_NORMAL) : pair_attr(d, P_FAIL, A_BOLD) | A_BOLD;
		}
		segs_draw(d, y, x, W - x, sg, n);
	}
	if (m->key_line[0]) {
		int x = put(d, y + 1, 0, W, " keys ", pair_attr(d, P_KEY, A_BOLD));
		put(d, y + 1, x, W - x, m->key_line, A_NORMAL);
	}
}

static void draw_status(const struct dash *d, int y, int W)
{
	char buf[512], speed[16];
	double f = 1.0;
	for (int i = 0; i < d->speed; i++)
		f *= 2;
	for (int i = 0; i > d->speed; i--)
		f /= 2;
	tf(speed, sizeof speed, "%gx", f);
	fill(y, 0, W, A_REVERSE);
	tf(buf, sizeof buf, " step %zu/%zu %s %s ", d->cursor, d->n_events,
	   d->playing ? S_PLAY(d) : (d->cursor == d->n_events ? "end" : "||"), speed);
	int x = put(d, y, 0, W, buf, A_REVERSE | A_BOLD);
	if (d->src->live) { /* the line alice will send, being typed */
		tf(buf, sizeof buf, " alice> %s_   (Enter: send; Ctrl-D: alice is done; Ctrl-C: stop)", d->typed);
		put(d, y, x, W - x, d->src->input_fd >= 0 ? buf : " alice has sent her last message; the run ends",
		    A_REVERSE);
		return;
	}
	if (d->msg[0]) {
		tf(buf, sizeof buf, " %s", d->msg);
		put(d, y, x, W - x, buf, A_REVERSE);
		return;
	}
	/* the keys, most needed first, as many as fit whole */
	static const char *const keys[] = {"q quit",	"? help",   "spc play", "n/p step", "d details",
					   "+/- speed", "Home/End", "r re-run", "s next",   "t teaching"};
	static const int order[] = {2, 3, 5, 6, 4, 7, 8, 9, 1, 0}; /* left to right */
	bool on[10] = {false};
	int room = W - x - 1;
	for (size_t i = 0; i < 10; i++) {
		int kw = (int)strlen(keys[i]) + 2;
		if (kw <= room) {
			on[i] = true;
			room -= kw;
		}
	}
	x += 1;
	for (size_t i = 0; i < 10; i++) {
		const char *k = keys[order[i]];
		if (!on[order[i]])
			continue;
		x += put(d, y, x, W - x, k, A_REVERSE);
		x += put(d, y, x, W - x, "  ", A_REVERSE);
	}
}

/* A box with a title and wrapped text from `top` on; returns the lines the
 * text needs (for scrolling). */
static int draw_box(const struct dash *d, const char *title, const char *text, bool join, int top, const char *foot)
{
	int H, W;
	getmaxyx(stdscr, H, W);
	/* full width on small terminals: a hex dump line (78 cells) must fit */
	int bw = W > 104 ? 104 : W, bh = H - 2;
	int bx = (W - bw) / 2, by = 1;
	struct wtext t;
	struct span sp[512];

	for (int y = by; y < by + bh; y++)
		fill(y, bx, bw, A_NORMAL);
	for (int x = bx + 1; x < bx + bw - 1; x++) {
		put(d, by, x, 1, "\xe2\x94\x80", A_BOLD);
		put(d, by + bh - 1, x, 1, "\xe2\x94\x80", A_BOLD);
	}
	for (int y = by + 1; y < by + bh - 1; y++) {
		put(d, y, bx, 1, S_VBAR(d), A_BOLD);
		put(d, y, bx + bw - 1, 1, S_VBAR(d), A_BOLD);
	}
	put(d, by, bx, 1, sym(d, "\xe2\x94\x8c", "+"), A_BOLD);
	put(d, by, bx + bw - 1, 1, sym(d, "\xe2\x94\x90", "+"), A_BOLD);
	put(d, by + bh - 1, bx, 1, sym(d, "\xe2\x94\x94", "+"), A_BOLD);
	put(d, by + bh - 1, bx + bw - 1, 1, sym(d, "\xe2\x94\x98", "+"), A_BOLD);
	put(d, by, bx + 2, bw - 4, title, A_BOLD | A_REVERSE);
	if (foot)
		put(d, by + bh - 1, bx + 2, bw - 4, foot, A_NORMAL);
	if (wtext_make(d, text, true, join, &t) != 0)
		return 0;
	size_t n = wrap(&t, bw - 2, sp, 512);
	size_t shown = n > 512 ? 512 : n;
	for (int i = 0; i < bh - 2 && (size_t)(top + i) < shown; i++)
		draw_span(&t, &sp[top + i], by + 1 + i, bx + 1, A_NORMAL);
	wtext_free(&t);
	return (int)shown;
}

static const char help_text[] =
    "The run itself is over in a fraction of a second; here its recorded events are played back at teaching pace, "
    "in the order they happened. "
    "The columns show each party's handshake and messages as they happen, the strip above them what each "
    "victim's neighbour (ARP) table says. Each column holds only what that party could know from its own bytes; "
    "what only the lab knows (whose share arrived, that a message was altered, that a cache is poisoned) is "
    "marked lab / LAB and shown apart. The banner gives the verdict once the last event is shown.\n\n"
    "  space       pause / play (at the end: play again from the start)\n"
    "  n  Right    one event forward\n"
    "  p  Left     one event back\n"
    "  +  -        faster / slower (each doubles or halves; 1x is 4 events a second)\n"
    "  Home  End   the first / the last event\n"
    "  d           details of the selected (highlighted) event, its bytes decoded\n"
    "  t           what this scenario teaches\n"
    "  v           the sequence view: one arrow per message; what mallory changed drawn doubled (shown beside "
    "the columns by default from 150 columns)\n"
    "  r           run the scenario again, live, and play the new run\n"
    "  s           the next scenario of the catalog, live\n"
    "  ?           this help\n"
    "  q           quit (closes a pane first; Esc closes it too)\n"
    "  Ctrl-L      repaint the screen\n\n"
    "Marks: \xe2\x9c\x94 a check passed; \xe2\x9c\x98 a check failed, an abort, a changed message; "
    "! something to notice (no authentication, a swapped share, a message mallory read).";

/* The overlay; returns the lines of its text, to bound scrolling. */
static int draw_overlay(struct dash *d, const struct vm *m)
{
	char title[128];
	switch (d->overlay) {
	case OV_HELP: {
		return draw_box(d, " mitmlab dashboard: keys ", help_text, false, d->scroll, " ? q Esc: close ");
	}
	case OV_TEACH:
		tf(title, sizeof title, " %s: what it teaches ", m->name[0] ? m->name : "this run");
		return draw_box(d, title, m->teaching[0] ? m->teaching : "(the run directory holds no scenario file)",
				true, d->scroll, " Up/Down scroll   t q Esc: close ");
	case OV_DETAIL: {
		size_t cap = 65536;
		char *buf = malloc(cap);
		int n = 0;
		if (!buf)
			return 0;
		if (d->cursor == 0)
			tf(buf, cap, "No event is selected yet: press n to show the first one.");
		else
			vm_event_detail(d->events, d->cursor - 1, buf, cap);
		tf(title, sizeof title, " event %zu of %zu ", d->cursor, d->n_events);
		n = draw_box(d, title, buf, false, d->scroll, " Up/Down scroll   n/p other events   d q Esc: close ");
		free(buf);
		return n;
	}
	case OV_NONE:
		break;
	}
	return 0;
}

static void draw(struct dash *d)
{
	struct vm *m = d->vm;
	int H, W;

	getmaxyx(stdscr, H, W);
	erase();
	vm_build(m, d->src->sc, d->events, d->cursor);
	if (H < MIN_H || W < MIN_W) {
		char buf[128];
		tf(buf, sizeof buf, "mitmlab needs %dx%d, this terminal is %dx%d. q quits.", MIN_W, MIN_H, W, H);
		put(d, 0, 0, W, buf, A_BOLD);
		tf(buf, sizeof buf, "step %zu/%zu", d->cursor, d->n_events);
		if (H > 1)
			put(d, 1, 0, W, buf, A_NORMAL);
		return;
	}
	draw_header(d, m, W);
	draw_strip(d, m, W);

	int banner_y = H - 3;
	int R = banner_y - 5; /* rows for steps, timeline and teaching (row 4 holds the column names) */
	int tl, teach = 0;
	bool want_teach = m->teaching[0] && (m->finished || R >= 30);
	if (want_teach) {
		tl = R / 5 < 2 ? 2 : R / 5 > 10 ? 10 : R / 5;
		int steps_min = R / 2 < 8 ? R / 2 : 8;
		int room = R - (1 + tl) - 1 - steps_min;
		teach = teaching_lines(d, m, W);
		if (teach > room)
			teach = room;
		if (teach < 2)
			teach = 0;
	} else {
		tl = R / 4 < 2 ? 2 : R / 4 > 12 ? 12 : R / 4;
	}
	int steps = R - (1 + tl) - (teach ? 1 + teach : 0);
	/* Rows the columns will never need (sized by the whole run, so the
	 * layout does not move during playback) go to the teaching text, then
	 * to the timeline. */
	if (steps > d->max_steps) {
		int extra = steps - d->max_steps;
		steps = d->max_steps;
		if (want_teach) {
			int need = teaching_lines(d, m, W);
			int add = teach ? need - teach : need >= 2 && extra >= need + 1 ? need + 1 : 0;
			if (add > extra)
				add = extra;
			if (add > 0) {
				teach += teach ? add : add - 1;
				extra -= add;
			}
		}
		tl += extra;
	}

	/* the lab's view takes its rows from the timeline */
	int truth = d->max_truth;
	if (truth > 0) {
		while (truth > 1 && tl - (truth + 1) < 2)
			truth--;
		tl -= truth + 1;
		if (tl < 1) { /* a small terminal: the steps give a row */
			steps -= 1 - tl;
			tl = 1;
		}
	}
	bool seq = seq_on(d, W), side = seq && W >= SEQ_SIDE_W;
	int y = 4;
	if (seq && !side) {
		/* alone: the ladder takes the columns' and the timeline's rows */
		draw_ladder(d, m, 4, 0, W, steps + 1 + tl + 1);
		y = 5 + steps + 1 + tl;
	} else {
		int CW = side ? W - W * 2 / 5 : W, lw = W - CW;
		int cw = (CW - 2) / 3;
		int xs[3] = {0, cw + 1, 2 * cw + 2};
		int ws[3] = {cw, cw, CW - (2 * cw + 2)};
		for (int c = 0; c < VM_COLS; c++)
			draw_column(d, m, c, 4, xs[c], ws[c] - (side && c == 2 ? 1 : 0), steps);
		for (int yy = 4; yy < 5 + steps; yy++) {
			put(d, yy, xs[1] - 1, 1, S_VBAR(d), pair_attr(d, P_DIM, A_NORMAL));
			put(d, yy, xs[2] - 1, 1, S_VBAR(d), pair_attr(d, P_DIM, A_NORMAL));
			if (side)
				put(d, yy, CW - 1, 1, S_VBAR(d), pair_attr(d, P_DIM, A_NORMAL));
		}
		if (side)
			draw_ladder(d, m, 4, CW, lw, steps + 1);
		y = 5 + steps;
		draw_timeline(d, m, y, W, tl);
		y += 1 + tl;
	}
	if (truth) {
		draw_truth(d, m, y, W, truth);
		y += 1 + truth;
	}
	if (teach)
		draw_teaching(d, m, y, W, teach);
	draw_banner(d, m, banner_y, W);
	draw_status(d, H - 1, W);
	if (d->overlay != OV_NONE) {
		int lines = draw_overlay(d, m);
		int max_top = lines - (H - 4);
		if (d->scroll > (max_top > 0 ? max_top : 0)) {
			d->scroll = max_top > 0 ? max_top : 0;
			erase();
			draw(d);
		}
	}
}

/* ---- playback and keys (no drawing here) ---- */

static double period(const struct dash *d)
{
	double rate = BASE_RATE;
	for (int i = 0; i < d->speed; i++)
		rate *= 2;
	for (int i = 0; i > d->speed; i--)
		rate /= 2;
	return 1.0 / rate;
}

/* Advances the playback clock; true when the picture changed. */
static bool dash_tick(struct dash *d, double now)
{
	if (!d->playing || now < d->next_at)
		return false;
	if (d->cursor < d->n_events)
		d->cursor++;
	d->next_at += period(d);
	if (d->next_at < now) /* we were held up (a live run, a suspended terminal): no burst */
		d->next_at = now + period(d);
	if (d->cursor >= d->n_events)
		d->playing = false;
	return true;
}

static unsigned dash_key(struct dash *d, int ch, double now)
{
	unsigned had_msg = d->msg[0] ? DK_REDRAW : 0;
	d->msg[0] = '\0';

	if (d->overlay != OV_NONE) {
		switch (ch) {
		case 27:
		case 'q':
		case 'Q':
			d->overlay = OV_NONE;
			return DK_REDRAW;
		case KEY_UP:
		case 'k':
			d->scroll -= d->scroll > 0;
			return DK_REDRAW;
		case KEY_DOWN:
		case 'j':
			d->scroll++;
			return DK_REDRAW;
		case KEY_PPAGE:
			d->scroll = d->scroll > 10 ? d->scroll - 10 : 0;
			return DK_REDRAW;
		case KEY_NPAGE:
			d->scroll += 10;
			return DK_REDRAW;
		case '?':
		case 'd':
		case 't': {
			enum overlay o = ch == '?' ? OV_HELP : ch == 'd' ? OV_DETAIL : OV_TEACH;
			d->overlay = d->overlay == o ? OV_NONE : o;
			d->scroll = 0;
			return DK_REDRAW;
		}
		default:
			if (d->overlay != OV_DETAIL) /* n/p browse events in the details pane; nothing else passes */
				return had_msg;
			if (ch != 'n' && ch != 'p' && ch != KEY_LEFT && ch != KEY_RIGHT)
				return had_msg;
			d->scroll = 0;
			break;
		}
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return DK_QUIT;
	case ' ':
		if (d->cursor >= d->n_events) {
			d->cursor = 0;
			d->playing = true;
		} else {
			d->playing = !d->playing;
		}
		d->next_at = now + period(d);
		return DK_REDRAW;
	case 'n':
	case KEY_RIGHT:
		d->playing = false;
		if (d->cursor < d->n_events)
			d->cursor++;
		return DK_REDRAW;
	case 'p':
	case KEY_LEFT:
		d->playing = false;
		if (d->cursor > 0)
			d->cursor--;
		return DK_REDRAW;
	case '+':
	case '=':
		if (d->speed < SPEED_MAX)
			d->speed++;
		d->next_at = now + period(d);
		return DK_REDRAW;
	case '-':
	case '_':
		if (d->speed > SPEED_MIN)
			d->speed--;
		d->next_at = now + period(d);
		return DK_REDRAW;
	case KEY_HOME:
	case KEY_FIND:
	case 'g':
		d->cursor = 0;
		d->next_at = now + period(d);
		return DK_REDRAW;
	case KEY_END:
	case KEY_SELECT:
	case KEY_LL:
	case 'G':
		d->cursor = d->n_events;
		d->playing = false;
		return DK_REDRAW;
	case '?':
		d->overlay = OV_HELP;
		d->scroll = 0;
		return DK_REDRAW;
	case 'd':
	case '\n':
	case '\r':
	case KEY_ENTER:
		d->overlay = OV_DETAIL;
		d->scroll = 0;
		return DK_REDRAW;
	case 't':
		d->overlay = OV_TEACH;
		d->scroll = 0;
		return DK_REDRAW;
	case 'v': {
		int H, W;
		getmaxyx(stdscr, H, W);
		(void)H;
		d->seq = seq_on(d, W) ? 0 : 1;
		return DK_CLEAR;
	}
	case 'r':
		return DK_RERUN | DK_REDRAW;
	case 's':
		return DK_NEXT | DK_REDRAW;
	case 12: /* Ctrl-L */
		return DK_CLEAR;
	case KEY_RESIZE:
		return DK_CLEAR;
	default:
		return had_msg;
	}
}

/* ---- the loop ---- */

/* --interactive: a key goes to the line being typed. */
static unsigned live_key(struct dash *d, int ch)
{
	if (d->src->input_fd < 0)
		return 0;
	if (ch == 4) { /* Ctrl-D: alice has nothing more to say */
		close(d->src->input_fd);
		d->src->input_fd = -1;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		d->typed[d->n_typed++] = '\n';
		ssize_t w = write(d->src->input_fd, d->typed, d->n_typed);
		(void)w; /* a closed pipe: alice has ended, the poll will say so */
		d->n_typed = 0;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && d->n_typed) {
		d->n_typed--;
	} else if (ch >= 0x20 && ch < 0x7f && d->n_typed + 2 < sizeof d->typed) {
		d->typed[d->n_typed++] = (char)ch;
	}
	d->typed[d->n_typed] = '\0';
	return DK_REDRAW;
}

static long long file_size(const char *dir)
{
	char path[PATH_MAX + 16];
	struct stat st;
	snprintf(path, sizeof path, "%s/events.jsonl", dir);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int dash_load(struct dash *d, char *err, size_t errlen)
{
	json_t *ev = vm_load_run(d->src->run_dir, err, errlen);
	if (!ev)
		return -1;
	json_decref(d->events);
	d->events = ev;
	d->n_events = json_array_size(ev);
	vm_build(d->vm, d->src->sc, ev, d->n_events);
	d->max_steps = 1;
	for (int c = 0; c < VM_COLS; c++)
		if ((int)d->vm->col[c].n_steps > d->max_steps)
			d->max_steps = (int)d->vm->col[c].n_steps;
	d->max_truth = d->vm->n_truth < TRUTH_ROWS ? (int)d->vm->n_truth : TRUTH_ROWS;
	return 0;
}

/* r and s: a live run through the caller's callback, then its playback. */
static unsigned dash_live(struct dash *d, bool next)
{
	int (*fn)(struct dashboard_src *, char *, size_t) = next ? d->src->next : d->src->rerun;
	char err[1024] = "";

	if (!fn) {
		tf(d->msg, sizeof d->msg, "%s",
		   next ? "s: no catalog to take the next scenario from"
			: "r: this run has no scenario file to run again");
		return DK_REDRAW;
	}
	tf(d->msg, sizeof d->msg, "%s: building the lab and running it live%s", next ? "next scenario" : "re-run",
	   S_DOTS(d));
	d->overlay = OV_NONE;
	draw(d);
	refresh();
	if (fn(d->src, err, sizeof err) != 0) {
		tf(d->msg, sizeof d->msg, "%s failed: %s", next ? "s" : "r", err[0] ? err : "the lab could not run");
	} else if (dash_load(d, err, sizeof err) != 0) {
		tf(d->msg, sizeof d->msg, "cannot load the new run: %s", err);
	} else {
		d->cursor = 0;
		d->playing = true;
		d->next_at = now_s() + period(d);
		tf(d->msg, sizeof d->msg, "new run in %s", d->src->run_dir);
	}
	flushinp(); /* keys typed while the lab ran are not meant for the new run */
	return DK_CLEAR;
}

static void setup_colors(struct dash *d)
{
	const char *nc = getenv("NO_COLOR");
	d->color = has_colors() && !(nc && nc[0]);
	if (!d->color || start_color() != OK) {
		d->color = false;
		return;
	}
	use_default_colors();
	init_pair(P_TITLE, COLOR_CYAN, -1);
	init_pair(P_OK, COLOR_GREEN, -1);
	init_pair(P_FAIL, COLOR_RED, -1);
	init_pair(P_WARN, COLOR_YELLOW, -1);
	init_pair(P_BAD_BANNER, COLOR_WHITE, COLOR_RED);
	init_pair(P_GOOD_BANNER, COLOR_BLACK, COLOR_GREEN);
	init_pair(P_MID_BANNER, COLOR_BLACK, COLOR_YELLOW);
	init_pair(P_KEY, COLOR_MAGENTA, -1);
	init_pair(P_DIM, COLOR_BLUE, -1);
	init_pair(P_TRUTH, COLOR_MAGENTA, -1);
}

int dashboard_run(struct dashboard_src *src)
{
	static bool atexit_done;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_hup;
	char err[1024] = "", *old_locale = NULL;
	SCREEN *scr = NULL;
	int rc = -1;
	struct dash *d = calloc(1, sizeof *d);

	if (!d || !(d->vm = calloc(1, sizeof *d->vm))) {
		fprintf(stderr, "mitmlab: out of memory\n");
		goto out_free;
	}
	d->src = src;
	d->seq = -1;
	/* a live run writes its first events a moment after it starts */
	for (int i = 0; src->live && file_size(src->run_dir) <= 0 && i < 100; i++)
		if (src->poll(src, 50) == 1)
			break;
	if (dash_load(d, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		goto out_free;
	}
	/* The user's locale tells whether the terminal takes UTF-8; numbers stay
	 * in the C locale (the lab's JSON lines are written by this process's
	 * children after r and s), and the caller gets its locale back. */
	const char *cur = setlocale(LC_ALL, NULL);
	old_locale = strdup(cur ? cur : "C");
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	d->utf8 = !src->ascii && strcmp(nl_langinfo(CODESET), "UTF-8") == 0;

	/* Ours before curses starts: ncurses then leaves SIGINT/SIGTERM alone
	 * (it only catches them when they are at their default). */
	dash_signal = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	if (!atexit_done) {
		atexit(restore_at_exit);
		atexit_done = true;
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		const char *term = getenv("TERM");
		fprintf(stderr, "mitmlab: cannot use this terminal for the dashboard (TERM=%s)\n", term ? term : "");
		goto out_signals;
	}
	curses_on = true;
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	setup_colors(d);

	double now = now_s();
	if (src->autoplay) {
		d->cursor = 0;
		d->playing = d->n_events > 0;
	} else {
		d->cursor = d->n_events;
	}
	d->next_at = now + period(d);
	unsigned flags = DK_CLEAR;
	while (!dash_signal) {
		if (flags & DK_CLEAR)
			clearok(curscr, TRUE);
		if (flags & (DK_REDRAW | DK_CLEAR)) {
			draw(d);
			refresh();
		}
		int ms = 250;
		if (d->playing) {
			double left = d->next_at - now_s();
			ms = left <= 0 ? 0 : left > 0.25 ? 250 : (int)(left * 1000.0) + 1;
		}
		timeout(ms);
		if (src->live) { /* the run goes on: its new events, and is it over? */
			timeout(100);
			int ch = getch();
			flags = ch == ERR ? 0 : live_key(d, ch);
			long long sz = file_size(src->run_dir);
			bool over = src->poll(src, 0) == 1;
			if (over) {
				src->live = false;
				if (src->input_fd >= 0)
					close(src->input_fd);
				src->input_fd = -1;
			}
			if ((sz != d->seen_size || over) && dash_load(d, err, sizeof err) == 0) {
				d->seen_size = sz;
				d->cursor = d->n_events;
				d->playing = false;
				flags |= DK_REDRAW;
			}
			continue;
		}
		int ch = getch();
		now = now_s();
		flags = ch == ERR ? 0 : dash_key(d, ch, now);
		if (flags & DK_QUIT) {
			rc = 0;
			break;
		}
		if (flags & (DK_RERUN | DK_NEXT))
			flags |= dash_live(d, (flags & DK_NEXT) != 0);
		if (dash_tick(d, now_s()))
			flags |= DK_REDRAW;
	}
	if (dash_signal)
		rc = 128 + dash_signal;
	curses_on = false;
	endwin();
	delscreen(scr);
out_signals:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (old_locale)
		setlocale(LC_ALL, old_locale);
	free(old_locale);
out_free:
	if (d) {
		json_decref(d->events);
		free(d->vm);
	}
	free(d);
	return rc;
}
