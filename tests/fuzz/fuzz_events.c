/* libFuzzer harness (make fuzz-events): arbitrary bytes as the events.jsonl
 * of a run directory from someone else's machine, read the way `mitmlab
 * replay` and `mitmlab judge` read it (ev_load_jsonl, which vm_load_run
 * calls), then handed to everything that reads it:
 *   the judge (judge_run, judge_marks), the text report (UTF-8 with a
 *   scenario, ASCII without, as replay prints them), the JSON report with its
 *   headline, and the dashboard's view model (vm_build at the start, in the
 *   middle and at the end, vm_event_detail for the events).
 * Any crash, leak, hang or sanitizer report is a bug, and so is a broken
 * invariant (a trap):
 *   - the loaded stream is an array of objects, no more than the lines;
 *   - the verdict is one of the kinds, judged the same twice; its strings
 *     are terminated printable ASCII; a blocked verdict names alice or bob;
 *     every received message is counted intact, altered or replayed;
 *   - the text reports are what a terminal can show safely: valid UTF-8
 *     (ASCII only in ASCII mode), no control bytes but newlines, no C1
 *     controls, no bidirectional overrides or line separators — whatever
 *     the stream holds — and bounded in size;
 *   - report.json and the verdict's JSON exist, with kind and reason;
 *   - the view model stays within its arrays, points at events that exist,
 *     and holds only printable ASCII and the few characters it documents
 *     (✔ ✘ → … — ·), every string terminated. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "ev_fields.h"
#include "judge.h"
#include "report.h"
#include "scenario.h"
#include "viewmodel.h"

#define REPORT_MAX (4u << 20) /* a generous bound: lists are capped, strings cut */
#define DETAIL_CAP 65536      /* the dashboard's buffer for one event's details */
#define DETAIL_EVENTS 48      /* events whose details are rendered per input */

/* Two scenarios as shipped, trimmed: 06 (expects attack-succeeded) and 08
 * (expects blocked by alice's signature check), so report_matches and the
 * expectation lines see both kinds. */
static const char sc06[] = "[scenario]\n"
			   "title = Unauthenticated Diffie-Hellman: mallory in the middle holds both keys\n"
			   "expect = attack-succeeded\n"
			   "teaching =\n"
			   "  a key exchange must be authenticated \xe2\x80\x94 scenario 08\n"
			   "[alice]\nauth = none\nsend = hello bob\n[bob]\nauth = none\n[mallory]\nattack = dh-mitm\n";
static const char sc08[] = "[scenario]\n"
			   "title = Signed Diffie-Hellman: the relay is caught\n"
			   "expect = blocked\nexpect-peer = alice\nexpect-check = signature\n"
			   "teaching = bob signs\n"
			   "[alice]\nauth = sign\npeer-key = bob.pub\n[bob]\nauth = sign\nkey = bob.key\n"
			   "[mallory]\nattack = dh-mitm\n";

struct fx {
	int fd;
	char path[64];
	struct scenario sc[2];
	struct vm *vm;
	char *detail;
};

static void trap_if(bool bad)
{
	if (bad)
		__builtin_trap();
}

/* Allowed text: what may reach a terminal. */
enum {
	T_NL = 1u,    /* newlines */
	T_ASCII = 2u, /* nothing else */
	T_VM = 4u,    /* printable ASCII and the view model's six characters */
};

/* The code point of the strict UTF-8 sequence at s (n bytes left), its
 * length in *len; -1 when not valid (overlong, surrogate, beyond U+10FFFF,
 * cut). */
static long utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	unsigned char c = s[0];
	size_t need = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!need || need > n)
		return -1;
	long cp = c & (need == 2 ? 0x1f : need == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = need;
	return cp;
}

static void check_text(const char *str, size_t n, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '\n') {
			trap_if(!(flags & T_NL));
			i++;
			continue;
		}
		if (c < 0x80) {
			trap_if(c < 0x20 || c == 0x7f);
			i++;
			continue;
		}
		trap_if(flags & T_ASCII);
		size_t len = 0;
		long cp = utf8_next(s + i, n - i, &len);
		trap_if(cp < 0);
		if (flags & T_VM)
			trap_if(cp != 0x2714 && cp != 0x2718 && cp != 0x2192 && cp != 0x2026 && cp != 0x2014 &&
				cp != 0xb7);
		trap_if(cp >= 0x80 && cp <= 0x9f);					   /* C1 controls */
		trap_if((cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)); /* bidi, separators */
		i += len;
	}
}

/* A terminated field of cap bytes, with text check_text allows. */
static void check_field(const char *s, size_t cap, unsigned flags)
{
	size_t n = strnlen(s, cap);
	trap_if(n == cap);
	check_text(s, n, flags);
}
#define FIELD(f, flags) check_field((f), sizeof(f), (flags))

static void check_party(const struct party *p, size_t n_events)
{
	FIELD(p->key_id, T_ASCII);
	FIELD(p->error, T_ASCII);
	FIELD(p->check, T_ASCII);
	trap_if(p->sent > n_events || p->received > n_events);
	/* a received event without its bytes cannot be judged either way */
	trap_if(p->received_intact + p->received_altered + p->received_replayed > p->received);
}

static void check_verdict(const struct verdict *v, size_t n_events)
{
	trap_if((unsigned)v->kind > V_ERROR);
	FIELD(v->peer, T_ASCII);
	FIELD(v->check, T_ASCII);
	FIELD(v->reason, T_ASCII);
	FIELD(v->attempt, T_ASCII);
	trap_if(v->kind == V_BLOCKED && strcmp(v->peer, "alice") != 0 && strcmp(v->peer, "bob") != 0);
	check_party(&v->alice, n_events);
	check_party(&v->bob, n_events);
	check_party(&v->mallory, n_events);
	trap_if(v->read_genuine + v->read_bogus > n_events);
	json_t *j = verdict_json(v);
	trap_if(!j || !json_is_string(json_object_get(j, "kind")) || !json_is_string(json_object_get(j, "reason")));
	json_decref(j);
	char head[200];
	report_headline(v, head, sizeof head);
	FIELD(head, T_ASCII);
}

/* A report into memory, then its invariants. */
static void check_report(const struct scenario *sc, const json_t *events, const struct verdict *v, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	trap_if(!f);
	report_text_opts(f, sc, events, v, "/fuzz/run", flags);
	trap_if(fclose(f) != 0);
	trap_if(len > REPORT_MAX);
	check_text(buf, len, T_NL | (flags & REPORT_ASCII ? T_ASCII : 0));
	free(buf);
}

static void check_vm(const struct vm *m, size_t n, size_t k)
{
	trap_if(m->n_events != n || m->cursor != (k < n ? k : n) || m->finished != (m->cursor == n));
	FIELD(m->name, T_VM);
	FIELD(m->title, T_VM);
	FIELD(m->network, T_VM);
	FIELD(m->expect, T_VM);
	FIELD(m->teaching, T_VM | T_NL);
	FIELD(m->verdict, T_VM);
	FIELD(m->verdict_line, T_VM);
	FIELD(m->peer, T_VM);
	FIELD(m->check, T_VM);
	FIELD(m->key_line, T_VM);
	for (int i = 0; i < VM_COLS; i++) {
		const struct vm_column *c = &m->col[i];
		FIELD(c->name, T_VM);
		FIELD(c->ip, T_VM);
		FIELD(c->mac, T_VM);
		FIELD(c->key_id, T_VM);
		FIELD(c->key_id2, T_VM);
		FIELD(c->error, T_VM);
		FIELD(c->check, T_VM);
		trap_if(c->n_steps > VM_MAX_STEPS);
		for (size_t s = 0; s < c->n_steps; s++) {
			FIELD(c->steps[s].text, T_VM);
			trap_if(c->steps[s].event >= m->cursor || (unsigned)c->steps[s].mark > VM_MARK_WARN);
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct vm_neigh *g = &m->neigh[i];
		FIELD(g->host, T_VM);
		FIELD(g->ip, T_VM);
		FIELD(g->mac, T_VM);
		FIELD(g->phase, T_VM);
		FIELD(g->poisoned_mac, T_VM);
	}
	trap_if(m->n_timeline > VM_TIMELINE || m->n_truth > VM_TRUTH || m->n_arrows > VM_ARROWS);
	for (size_t i = 0; i < m->n_timeline; i++) {
		FIELD(m->timeline[i].actor, T_VM);
		FIELD(m->timeline[i].text, T_VM);
		trap_if(m->timeline[i].event >= m->cursor);
	}
	for (size_t i = 0; i < m->n_truth; i++) {
		FIELD(m->truth[i].text, T_VM);
		trap_if(m->truth[i].event >= m->cursor);
	}
	for (size_t i = 0; i < m->n_arrows; i++) {
		const struct vm_arrow *a = &m->arrows[i];
		FIELD(a->label, T_VM);
		FIELD(a->change, T_VM);
		trap_if(a->from < 0 || a->from >= VM_COLS || a->to < 0 || a->to >= VM_COLS || a->event >= m->cursor);
	}
}

static struct fx *setup(void)
{
	struct fx *f = calloc(1, sizeof *f);
	char err[512];
	trap_if(!f || !(f->vm = malloc(sizeof *f->vm)) || !(f->detail = malloc(DETAIL_CAP)));
	f->fd = memfd_create("events.jsonl", MFD_CLOEXEC);
	trap_if(f->fd < 0);
	snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
	trap_if(scenario_load_text("/fuzz/06-dh-mitm.ini", sc06, sizeof sc06 - 1, &f->sc[0], err, sizeof err) != 0);
	trap_if(scenario_load_text("/fuzz/08-signed-dh-mitm.ini", sc08, sizeof sc08 - 1, &f->sc[1], err, sizeof err) !=
		0);
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx *f;
	char err[512];
	struct verdict v, w;

	if (!f)
		f = setup();
	trap_if(ftruncate(f->fd, 0) != 0);
	for (size_t off = 0; off < size;) {
		ssize_t wr = pwrite(f->fd, data + off, size - off, (off_t)off);
		trap_if(wr <= 0);
		off += (size_t)wr;
	}
	json_t *events = ev_load_jsonl(f->path, err, sizeof err);
	trap_if(!events || !json_is_array(events));
	size_t n = json_array_size(events), lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	trap_if(n > lines);
	for (size_t i = 0; i < n; i++)
		trap_if(!json_is_object(json_array_get(events, i)));

	/* the judge, twice: the same verdict */
	trap_if(judge_run(events, &v) != 0 || judge_run(events, &w) != 0);
	trap_if(v.kind != w.kind || strcmp(v.reason, w.reason) != 0);
	check_verdict(&v, n);
	enum judge_mark *marks = malloc((n ? n : 1) * sizeof *marks);
	trap_if(!marks || judge_marks(events, marks, n) != 0);
	for (size_t i = 0; i < n; i++)
		trap_if((unsigned)marks[i] > JM_BOGUS);
	free(marks);

	/* the reports: replay's (ASCII, no scenario; UTF-8 with one), judge's */
	const struct scenario *sc = &f->sc[size % 2];
	check_report(NULL, events, NULL, REPORT_ASCII);
	check_report(sc, events, &v, 0);
	json_t *r = report_json(sc, events, &v, "/fuzz/run");
	trap_if(!r);
	char *dump = json_dumps(r, JSON_COMPACT | JSON_ENSURE_ASCII);
	trap_if(!dump || !json_is_object(json_object_get(r, "verdict")));
	free(dump);
	json_decref(r);
	bool m = report_matches(sc, &v);
	trap_if(m && strcmp(verdict_name(v.kind), sc->expect) != 0);

	/* the dashboard: the start, the middle (no scenario), the end */
	vm_build(f->vm, sc, events, 0);
	check_vm(f->vm, n, 0);
	vm_build(f->vm, NULL, events, n / 2);
	check_vm(f->vm, n, n / 2);
	vm_build(f->vm, sc, events, n + 1);
	check_vm(f->vm, n, n + 1);
	trap_if(!f->vm->finished || strcmp(f->vm->verdict, verdict_name(v.kind)) != 0 || f->vm->matches != m);
	for (size_t k = 0; k < n && k < DETAIL_EVENTS; k++) {
		size_t e = k < DETAIL_EVENTS / 2 ? k : n - 1 - (k - DETAIL_EVENTS / 2); /* the first and the last */
		vm_event_detail(events, e, f->detail, DETAIL_CAP);
		size_t dl = strnlen(f->detail, DETAIL_CAP);
		trap_if(dl == DETAIL_CAP);
		check_text(f->detail, dl, T_VM | T_NL);
	}
	vm_event_detail(events, n, f->detail, DETAIL_CAP); /* one past the end */
	trap_if(strnlen(f->detail, DETAIL_CAP) == DETAIL_CAP);
	json_decref(events);
	return 0;
}
