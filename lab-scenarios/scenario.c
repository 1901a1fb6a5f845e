/* Scenario files (scenario.h; the format is docs/scenarios.md).
 *
 * libinih does all the INI parsing. This file holds the tables of sections and
 * keys (data, so the next knob is one line), checks each value where the
 * project has a table of names, and turns [alice], [bob] and [mallory] into
 * argv entries in file order.
 *
 * Two things inih does not give us, and how we get them without parsing INI
 * ourselves:
 *  - Long lines. Debian's libinih reads lines into a 200-byte buffer; a longer
 *    line is silently cut, and its tail is parsed as a line of its own (which
 *    can even become a key: "...aaa x=y" yields x = y). We hand inih every line
 *    through our own reader (ini_parse_stream), which knows the whole line and
 *    refuses one that does not fit, naming the line.
 *  - Empty sections and line numbers. inih calls the handler only for keys, and
 *    Debian's build passes no line number. The reader counts file lines; after
 *    a line that starts a section it hands inih a one-line probe ("="), so the
 *    handler learns the section's name from inih even when the section has no
 *    keys ("[mallory]" alone means: run mallory with her defaults). Probes are
 *    not file lines; inih's own error line numbers are mapped back. */
#include "scenario.h"

#include "mallory_optab.h"
#include "peer_optab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_wire.h"

#define SC_MAX_FILE (256 * 1024) /* a scenario is a page of text */
#define SC_MAX_KEYS 32		 /* per section */
#define SC_MAX_MESSAGES 64	 /* alice --send / bob --reply (peer_opts.h) */
#define SC_DEFAULT_TIMEOUT 20

/* What a value must look like. */
enum sc_kind {
	K_TEXT,	   /* any text, not empty */
	K_FILE,	   /* a key file name, resolved by the runner */
	K_MESSAGE, /* an application message */
	K_BOOL,	   /* yes/no: the bare flag when true */
	K_UINT,	   /* 1..max */
	K_MODES,   /* comma lists of names from the project's tables */
	K_GROUPS,
	K_CIPHERS,
	K_KINDS,
	K_WORD,	   /* one of words[] */
	K_VERDICT, /* an expectation: a verdict other than error */
	K_CHECK,   /* a check name from MLAB_ERRORS */
	K_NAME,	   /* NN-lowercase-name */
};

#define F_REPEAT 1u    /* may be given more than once; order kept */
#define F_MULTILINE 2u /* indented lines continue the value, joined with '\n' */
#define F_REQUIRED 4u

struct sc_key {
	const char *name;
	enum sc_kind kind;
	unsigned flags;
	unsigned long max;	  /* K_UINT */
	const char *unit;	  /* K_UINT, for messages */
	const char *const *words; /* K_WORD, NULL-terminated */
	const char *about;	  /* for "is required" messages */
	unsigned long min;	  /* K_UINT: 0 means 1 */
};

static const char *const networks[] = {"switch", "hub", NULL};
static const char *const peers[] = {"alice", "bob", NULL};
static const char *const expectations[] = {"attack-succeeded", "blocked",	"confidential",
					   "disrupted",	       "misconfigured", NULL};
static const char *const yes_no[] = {"yes", "no", NULL};
static const char *const laters[] = {"break-classical", NULL};

/* [scenario]: the indices are used by load_fields(). */
enum {
	S_NAME,
	S_TITLE,
	S_NETWORK,
	S_EXPECT,
	S_EXPECT_PEER,
	S_EXPECT_CHECK,
	S_TIMEOUT,
	S_TEACHING,
	S_STATIC_ARP,
	S_MALLORY_FORWARDS,
	S_LEAK,
	S_LATER,
	S_N
};
static const struct sc_key scenario_keys[] = {
    [S_NAME] = {"name", K_NAME, 0, 0, NULL, NULL, NULL},
    [S_TITLE] = {"title", K_TEXT, F_REQUIRED, 0, NULL, NULL, "a one-line title for the catalog"},
    [S_NETWORK] = {"network", K_WORD, 0, 0, NULL, networks, NULL},
    [S_EXPECT] = {"expect", K_VERDICT, F_REQUIRED, 0, NULL, expectations,
		  "the expected verdict: attack-succeeded, blocked, confidential or disrupted"},
    [S_EXPECT_PEER] = {"expect-peer", K_WORD, 0, 0, NULL, peers, "who stops the attack: alice or bob"},
    [S_EXPECT_CHECK] = {"expect-check", K_CHECK, 0, 0, NULL, NULL, "which check stops it"},
    [S_TIMEOUT] = {"timeout", K_UINT, 0, 600, "seconds", NULL, NULL},
    [S_TEACHING] = {"teaching", K_TEXT, F_REQUIRED | F_MULTILINE, 0, NULL, NULL,
		    "text for the trainee: what to watch and why it happens (indented lines below 'teaching =')"},
    [S_STATIC_ARP] = {"static-arp", K_WORD, 0, 0, NULL, yes_no, NULL},
    [S_MALLORY_FORWARDS] = {"mallory-ip-forward", K_WORD, 0, 0, NULL, yes_no, NULL},
    [S_LEAK] = {"leak", K_FILE, 0, 0, NULL, NULL,
		"phase 2: the long-term key of bob's that leaks to mallory after the conversation"},
    [S_LATER] = {"later", K_WORD, 0, 0, NULL, laters,
		 "phase 2: break-classical — mallory gets the lab's stand-in for a quantum computer (a discrete-log "
		 "solver for the lab groups) and opens phase 1's recording"},
};

enum { SEC_SCENARIO, SEC_ALICE, SEC_BOB, SEC_MALLORY, SEC_N };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct sc_section {
	const char *name;
	const struct sc_key *keys;
	size_t n_keys;
	bool required;
	const char *about;
};

static const struct sc_section sections[SEC_N] = {
    [SEC_SCENARIO] = {"scenario", scenario_keys, N_OF(scenario_keys), true, "name, title, expectation, teaching text"},
    /* the programs' keys come from their option tables (sec_keys) */
    [SEC_ALICE] = {"alice", NULL, 0, true, "alice's options, one key per flag (the section may be empty)"},
    [SEC_BOB] = {"bob", NULL, 0, true, "bob's options, one key per flag (the section may be empty)"},
    [SEC_MALLORY] = {"mallory", NULL, 0, false, NULL},
};

_Static_assert(N_OF(scenario_keys) <= SC_MAX_KEYS, "raise SC_MAX_KEYS");

/* The check column of the error table: what a blocked run names. */
static const char *const check_column[] = {
#define SC_X_CHECK(c, v, n, k, s) k,
    MLAB_ERRORS(SC_X_CHECK)
#undef SC_X_CHECK
};
/* Checks that exist but are not a peer detecting an attack: the lab failing
 * (internal, setup), the network (io: a timeout is "disrupted"), or the other
 * side's alert (peer: the detector is the one that sent it). */
static const char *const not_detections[] = {"internal", "setup", "io", "peer", NULL};

/* ---------------------------------------------------------------------- */

struct sc_parse {
	const char *file; /* for messages */
	struct scenario *sc;

	/* reader: the whole file, handed to inih a line at a time */
	const char *text;
	size_t len, pos;
	unsigned line;	  /* file line of the last line handed to inih */
	unsigned calls;	  /* lines handed to inih, probes included (inih's line numbers) */
	bool indented;	  /* that line starts with white space: a continuation if a key precedes it */
	bool header;	  /* that line starts with '[': the next call is a probe */
	bool probe;	  /* the line inih is working on is a probe */
	unsigned *probes; /* inih line numbers of the probes, ascending */
	size_t n_probes, cap_probes;

	/* handler state */
	int cur;				/* current section, -1 before the first */
	const struct sc_key *last;		/* the last key of the current section, for continuation lines */
	unsigned sec_line[SEC_N];		/* where each section starts, 0 = absent */
	unsigned key_line[SEC_N][SC_MAX_KEYS];	/* first line of each key, 0 = not given */
	struct sc_key keys[SEC_N][SC_MAX_KEYS]; /* the programs' keys, from their option tables */
	size_t n_keys[SEC_N];
	size_t n_messages[SEC_N];
	char *val[S_N]; /* [scenario] values */
	char *command;	/* [mallory] command, as written */

	/* the first error */
	char *err;
	size_t errlen;
	bool failed;
	unsigned fail_call; /* inih line number of the failing handler call */
};

/* Records the first error, "FILE:LINE: ..." (or "FILE: ..." when line is 0).
 * Returns 0, inih's "handler failed". */
__attribute__((format(printf, 3, 4))) static int fail(struct sc_parse *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return 0;
	p->failed = true;
	p->fail_call = p->calls;
	if (!p->err || !p->errlen)
		return 0;
	n = line ? snprintf(p->err, p->errlen, "%s:%u: ", p->file, line) : snprintf(p->err, p->errlen, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errlen)
		return 0;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

/* Writes items joined by ", " into buf (truncated if it must be). */
static void join_names(char *buf, size_t n, const char *const *names, size_t count)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < count && off < n; i++) {
		int w = snprintf(buf + off, n - off, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static size_t count_words(const char *const *w)
{
	size_t n = 0;
	while (w[n])
		n++;
	return n;
}

/* The distinct check names that a blocked run may name, in table order. */
static size_t detection_checks(const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < N_OF(check_column); i++) {
		bool skip = false;
		for (size_t j = 0; not_detections[j] && !skip; j++)
			skip = strcmp(check_column[i], not_detections[j]) == 0;
		for (size_t j = 0; j < n && !skip; j++)
			skip = strcmp(check_column[i], out[j]) == 0;
		if (!skip && n < max)
			out[n++] = check_column[i];
	}
	return n;
}

/* Names of a comma-list kind, from the project's own tables. */
static size_t list_names(enum sc_kind kind, const char **out, size_t max)
{
	size_t n = 0;
	if (kind == K_GROUPS) {
		size_t ng;
		const struct mlab_group *const *all = mlab_group_all(&ng);
		for (size_t i = 0; i < ng && n < max; i++)
			out[n++] = all[i]->name;
		return n;
	}
	for (unsigned id = 0; id < 256 && n < max; id++) {
		const char *name = kind == K_MODES   ? mlab_mode_name(id)
				   : kind == K_KINDS ? mlab_kind_name(id)
						     : mlab_cipher_name(id);
		if (name)
			out[n++] = name;
	}
	return n;
}

static bool list_has(enum sc_kind kind, const char *name)
{
	if (kind == K_GROUPS)
		return mlab_group_by_name(name) != NULL;
	return (kind == K_MODES	  ? mlab_mode_from_name(name)
		: kind == K_KINDS ? mlab_kind_from_name(name)
				  : mlab_cipher_from_name(name)) != 0;
}

static const char *list_what(enum sc_kind kind)
{
	return kind == K_MODES	  ? "authentication modes"
	       : kind == K_GROUPS ? "groups"
	       : kind == K_KINDS  ? "key establishment kinds"
				  : "ciphers";
}

/* A comma list of known names, each once, white space around names allowed.
 * On success *norm is the list as the programs take it ("none,sign"). */
static bool check_list(enum sc_kind kind, const char *v, char **norm, char *want, size_t wantlen)
{
	const char *names[64];
	char all[512], *buf = NULL, *save = NULL, *out = NULL;
	const char *seen[MLAB_MAX_OFFERS];
	size_t n_seen = 0, off = 0, len = strlen(v);
	bool ok = false;

	join_names(all, sizeof all, names, list_names(kind, names, N_OF(names)));
	if (!(buf = strdup(v)) || !(out = malloc(len + 1)))
		goto out;
	/* strsep, not strtok: an empty item ("sign,,none") is an error, not skipped */
	save = buf;
	for (char *t; (t = strsep(&save, ",")) != NULL;) {
		while (isspace((unsigned char)*t))
			t++;
		for (size_t e = strlen(t); e && isspace((unsigned char)t[e - 1]); e--)
			t[e - 1] = '\0';
		if (!*t) {
			snprintf(want, wantlen, "a comma-separated list of %s (%s), with no empty entry",
				 list_what(kind), all);
			goto out;
		}
		if (!list_has(kind, t)) {
			snprintf(want, wantlen, "a comma-separated list of %s (%s); '%s' is not one", list_what(kind),
				 all, t);
			goto out;
		}
		for (size_t i = 0; i < n_seen; i++)
			if (strcmp(seen[i], t) == 0) {
				snprintf(want, wantlen,
					 "a comma-separated list of %s (%s), each at most once; '%s' is twice",
					 list_what(kind), all, t);
				goto out;
			}
		if (n_seen == MLAB_MAX_OFFERS) {
			snprintf(want, wantlen, "at most %d %s", MLAB_MAX_OFFERS, list_what(kind));
			goto out;
		}
		seen[n_seen++] = t;
		off += (size_t)sprintf(out + off, "%s%s", off ? "," : "", t);
	}
	*norm = out;
	out = NULL;
	ok = true;
out:
	if (!buf || (!ok && !*want))
		snprintf(want, wantlen, "(out of memory)");
	free(buf);
	free(out);
	return ok;
}

static bool check_uint(const struct sc_key *k, const char *v, char *want, size_t wantlen)
{
	unsigned long n = 0, lo = k->min ? k->min : 1;
	bool ok = *v != '\0' && strlen(v) <= 20;
	for (const char *c = v; ok && *c; c++)
		if (isdigit((unsigned char)*c) && n <= (ULONG_MAX - (unsigned long)(*c - '0')) / 10)
			n = n * 10 + (unsigned long)(*c - '0');
		else
			ok = false;
	ok = ok && n >= lo && n <= k->max;
	if (!ok)
		snprintf(want, wantlen, "a whole number from %lu to %lu (%s)", lo, k->max, k->unit);
	return ok;
}

/* NN-lowercase-name: [0-9][0-9]-[a-z0-9-]+ */
static bool valid_name(const char *v)
{
	if (!isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) || v[2] != '-' || !v[3])
		return false;
	for (const char *c = v + 3; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return false;
	return true;
}

static const char name_want[] = "a name like 07-my-lesson (two digits, '-', then lowercase letters, digits and '-')";

/* Checks v against k. On success *norm may hold a rewritten value (lists) and
 * *truth the value of a boolean; on failure want says what was expected. */
static bool check_value(const struct sc_key *k, const char *v, char **norm, bool *truth, char *want, size_t wantlen)
{
	const char *names[64];
	char all[512];

	*norm = NULL;
	want[0] = '\0';
	switch (k->kind) {
	case K_TEXT:
	case K_FILE:
	case K_MESSAGE:
		if (*v || (k->flags & F_MULTILINE)) /* a multi-line text may start on the next line */
			return true;
		snprintf(want, wantlen, "%s",
			 k->kind == K_FILE	? "a key file name (bob.key, bob.pub, ...)"
			 : k->kind == K_MESSAGE ? "a message (not empty)"
						: "a text (not empty)");
		return false;
	case K_BOOL:
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on"))
			return *truth = true;
		if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off")) {
			*truth = false;
			return true;
		}
		snprintf(want, wantlen, "yes or no (or true/false, on/off)");
		return false;
	case K_UINT:
		return check_uint(k, v, want, wantlen);
	case K_MODES:
	case K_GROUPS:
	case K_CIPHERS:
	case K_KINDS:
		return check_list(k->kind, v, norm, want, wantlen);
	case K_WORD:
	case K_VERDICT:
		for (size_t i = 0; k->words[i]; i++)
			if (strcmp(v, k->words[i]) == 0)
				return true;
		join_names(all, sizeof all, k->words, count_words(k->words));
		snprintf(want, wantlen, "one of %s%s", all,
			 k->kind == K_VERDICT && strcmp(v, "error") == 0
			     ? " ('error' is the verdict when the lab itself fails; it cannot be expected)"
			     : "");
		return false;
	case K_CHECK: {
		size_t n = detection_checks(names, N_OF(names));
		for (size_t i = 0; i < n; i++)
			if (strcmp(v, names[i]) == 0)
				return true;
		join_names(all, sizeof all, names, n);
		snprintf(want, wantlen, "the check that stops the attack, one of %s", all);
		return false;
	}
	case K_NAME:
		if (valid_name(v))
			return true;
		snprintf(want, wantlen, "%s", name_want);
		return false;
	}
	return false;
}

/* ---------------------------------------------------------------------- */

/* The option table and program bit behind a program's section. */
static const struct mlab_opt *sec_table(int s, unsigned *who)
{
	*who = s == SEC_ALICE ? MO_ALICE : s == SEC_BOB ? MO_BOB : MO_MALLORY;
	return s == SEC_MALLORY ? mallory_optab : peer_optab;
}

static enum sc_kind kind_of(enum mlab_optkind k)
{
	switch (k) {
	case MO_FLAG:
		return K_BOOL;
	case MO_UINT:
		return K_UINT;
	case MO_MODES:
		return K_MODES;
	case MO_GROUPS:
		return K_GROUPS;
	case MO_CIPHERS:
		return K_CIPHERS;
	case MO_KINDS:
		return K_KINDS;
	case MO_WORD:
		return K_WORD;
	case MO_FILE:
		return K_FILE;
	case MO_MESSAGE:
		return K_MESSAGE;
	case MO_TEXT:
	case MO_ADDR:
		break;
	}
	return K_TEXT;
}

/* One key per flag a scenario file may set: the program's table less what the
 * runner sets itself and what never comes from a file. A number is at least 1
 * in a file (0 is each program's default: leave the key out). */
static void build_keys(struct sc_parse *p)
{
	for (int s = SEC_ALICE; s < SEC_N; s++) {
		unsigned who;
		const struct mlab_opt *t = sec_table(s, &who);
		p->n_keys[s] = 0;
		for (const struct mlab_opt *o = t; o->name; o++) {
			if (!(o->who & who) || (o->flags & (MO_RUNNER | MO_NOFILE)))
				continue;
			if (p->n_keys[s] == SC_MAX_KEYS)
				abort(); /* a program's table outgrew SC_MAX_KEYS: raise it */
			p->keys[s][p->n_keys[s]++] = (struct sc_key){
			    .name = o->name,
			    .kind = kind_of(o->kind),
			    .flags = (o->flags & MO_REPEAT) ? F_REPEAT : 0,
			    .min = o->min > 1 ? (unsigned long)o->min : 1,
			    .max = (unsigned long)o->max,
			    .unit = o->unit,
			    .words = o->words,
			};
		}
	}
	/* Not a flag of mallory's: the program that runs in her place. */
	if (p->n_keys[SEC_MALLORY] == SC_MAX_KEYS)
		abort();
	p->keys[SEC_MALLORY][p->n_keys[SEC_MALLORY]++] = (struct sc_key){.name = "command", .kind = K_TEXT};
}

static const struct sc_key *sec_keys(const struct sc_parse *p, int s)
{
	return s == SEC_SCENARIO ? scenario_keys : p->keys[s];
}

static size_t sec_nkeys(const struct sc_parse *p, int s)
{
	return s == SEC_SCENARIO ? N_OF(scenario_keys) : p->n_keys[s];
}

static int find_section(const char *name)
{
	for (int i = 0; i < SEC_N; i++)
		if (strcmp(sections[i].name, name) == 0)
			return i;
	return -1;
}

static const struct sc_key *find_key(const struct sc_parse *p, int s, const char *name)
{
	for (size_t i = 0; i < sec_nkeys(p, s); i++)
		if (strcmp(sec_keys(p, s)[i].name, name) == 0)
			return &sec_keys(p, s)[i];
	return NULL;
}

static void section_list(char *buf, size_t n)
{
	const char *names[SEC_N];
	char tmp[SEC_N][16];
	for (int i = 0; i < SEC_N; i++) {
		snprintf(tmp[i], sizeof tmp[i], "[%s]", sections[i].name);
		names[i] = tmp[i];
	}
	join_names(buf, n, names, SEC_N);
}

static void key_list(const struct sc_parse *p, int s, char *buf, size_t n)
{
	const char *names[SC_MAX_KEYS] = {NULL};
	for (size_t i = 0; i < sec_nkeys(p, s); i++)
		names[i] = sec_keys(p, s)[i].name;
	join_names(buf, n, names, sec_nkeys(p, s));
}

/* "--connect, --max-conns and --events": the flags the runner sets for the
 * program of section s, from its table. */
static void runner_list(int s, char *buf, size_t n)
{
	unsigned who;
	const char *names[32];
	char tmp[32][40];
	size_t k = 0;
	for (const struct mlab_opt *o = sec_table(s, &who); o->name && k < 32; o++)
		if ((o->who & who) && (o->flags & MO_RUNNER)) {
			snprintf(tmp[k], sizeof tmp[k], "--%s", o->name);
			names[k] = tmp[k];
			k++;
		}
	join_names(buf, n, names, k);
}

/* A section starts (the probe after a header line). */
static int on_header(struct sc_parse *p, const char *section)
{
	char all[128];
	int s;

	if (!*section) /* the header did not parse: inih reports that line */
		return 1;
	if ((s = find_section(section)) < 0) {
		section_list(all, sizeof all);
		return fail(p, p->line, "[%s]: one of the sections %s, got '[%s]'", section, all, section);
	}
	if (p->sec_line[s])
		return fail(p, p->line, "[%s]: one [%s] section (it started on line %u), got a second one", section,
			    section, p->sec_line[s]);
	p->sec_line[s] = p->line;
	p->cur = s;
	p->last = NULL;
	return 1;
}

static int add_arg(struct sc_parse *p, struct sc_prog *sp, const char *a)
{
	if (sp->n_args == SC_MAX_ARGS)
		return fail(p, p->line, "[%s]: too many options (at most %d command-line words a program)",
			    sections[p->cur].name, SC_MAX_ARGS);
	if (!(sp->args[sp->n_args] = strdup(a)))
		return fail(p, p->line, "out of memory");
	sp->n_args++;
	return 1;
}

static struct sc_prog *prog_of(struct scenario *sc, int s)
{
	return s == SEC_ALICE ? &sc->alice : s == SEC_BOB ? &sc->bob : &sc->mallory;
}

/* One key of [alice], [bob] or [mallory]: "--key" and its value, in file order. */
static int add_flag(struct sc_parse *p, const struct sc_key *k, const char *v, const char *norm, bool truth)
{
	struct sc_prog *sp = prog_of(p->sc, p->cur);
	char flag[64];

	if (k->kind == K_MESSAGE && ++p->n_messages[p->cur] > SC_MAX_MESSAGES)
		return fail(p, p->line, "[%s] %s: at most %d messages, got one more: '%s'", sections[p->cur].name,
			    k->name, SC_MAX_MESSAGES, v);
	if (k->kind == K_BOOL && !truth)
		return 1;
	snprintf(flag, sizeof flag, "--%s", k->name);
	if (k->kind == K_BOOL)
		return add_arg(p, sp, flag);
	if (sp->n_args + 2 > SC_MAX_ARGS)
		return fail(p, p->line, "[%s]: too many options (at most %d command-line words a program)",
			    sections[p->cur].name, SC_MAX_ARGS);
	return add_arg(p, sp, flag) && add_arg(p, sp, norm ? norm : v);
}

/* An indented line after a key: more of that key's value. */
static int on_continuation(struct sc_parse *p, const struct sc_key *k, const char *v)
{
	const char *sec = sections[p->cur].name;

	if (!(k->flags & F_MULTILINE))
		return fail(p, p->line,
			    "[%s] %s: a value on one line (an indented line continues the value above it, and only "
			    "teaching may span lines), got the indented line '%s'",
			    sec, k->name, v);
	size_t i = (size_t)(k - scenario_keys);
	char *old = p->val[i];
	size_t n = strlen(old);
	char *s = realloc(old, n + strlen(v) + 2);
	if (!s)
		return fail(p, p->line, "out of memory");
	if (n)
		s[n++] = '\n';
	strcpy(s + n, v);
	p->val[i] = s;
	return 1;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	struct sc_parse *p = user;
	char want[768], all[256];
	char *norm = NULL;
	bool truth = false;
	int s, r;

	if (p->failed)
		return 1; /* the reader stops at the next line */
	if (p->probe) {
		p->probe = false;
		return on_header(p, section);
	}
	if ((s = find_section(section)) < 0) {
		section_list(all, sizeof all);
		if (!*section)
			return fail(p, p->line, "%s: a section header first (%s), got '%s = %s' before any", name, all,
				    name, value);
		/* a header that did not start its line: we saw no probe */
		return fail(p, p->line, "[%s]: one of the sections %s, got '[%s]'", section, all, section);
	}
	if (s != p->cur) { /* only after a header we did not probe (indented) */
		if (p->sec_line[s])
			return fail(p, p->line, "[%s]: one [%s] section (it started on line %u), got a second one",
				    section, section, p->sec_line[s]);
		p->sec_line[s] = p->line;
		p->cur = s;
		p->last = NULL;
	}
	if (p->indented && p->last) /* inih passes continuation lines with the previous key's name */
		return on_continuation(p, p->last, value);

	const struct sc_key *k = find_key(p, s, name);
	if (!k) {
		unsigned who = 0;
		const struct mlab_opt *o = s == SEC_SCENARIO ? NULL : mlab_opt_find(sec_table(s, &who), name, who);
		key_list(p, s, all, sizeof all);
		if (o && (o->flags & MO_RUNNER)) {
			char rl[160];
			runner_list(s, rl, sizeof rl);
			return fail(p, p->line, "[%s] %s: a key of [%s] (%s); mitmlab adds %s itself, got '%s'",
				    section, name, section, all, rl, name);
		}
		if (o)
			return fail(p, p->line,
				    "[%s] %s: a key of [%s] (%s); --%s is for a person at a terminal, not a scenario "
				    "file, got '%s'",
				    section, name, section, all, name, name);
		return fail(p, p->line, "[%s] %s: a key of [%s] (%s), got the unknown key '%s'", section, name, section,
			    all, name);
	}
	p->last = k;
	unsigned *seen = &p->key_line[s][k - sec_keys(p, s)];
	if (*seen && !(k->flags & F_REPEAT))
		return fail(p, p->line, "[%s] %s: one value (it was set on line %u), got a second one '%s'", section,
			    name, *seen, value);
	if (!*seen)
		*seen = p->line;
	if (!check_value(k, value, &norm, &truth, want, sizeof want))
		return fail(p, p->line, "[%s] %s: %s, got '%s'", section, name, want, value);
	if (s == SEC_SCENARIO) {
		size_t i = (size_t)(k - scenario_keys);
		p->val[i] = norm ? norm : strdup(value);
		return p->val[i] ? 1 : fail(p, p->line, "out of memory");
	}
	if (s == SEC_MALLORY && strcmp(k->name, "command") == 0) { /* split when the file has loaded */
		p->command = strdup(value);
		return p->command ? 1 : fail(p, p->line, "out of memory");
	}
	r = add_flag(p, k, value, norm, truth);
	free(norm);
	return r;
}

/* inih's reader: one file line per call, or a probe after a header line. */
static char *next_line(char *str, int num, void *stream)
{
	struct sc_parse *p = stream;
	const char *s, *nl, *t;
	size_t n;

	if (p->failed || num < 2)
		return NULL;
	if (p->header) {
		unsigned *np;
		p->header = false;
		if (p->n_probes == p->cap_probes) {
			size_t cap = p->cap_probes ? 2 * p->cap_probes : 8;
			if (!(np = realloc(p->probes, cap * sizeof *np))) {
				fail(p, p->line, "out of memory");
				return NULL;
			}
			p->probes = np;
			p->cap_probes = cap;
		}
		p->probes[p->n_probes++] = ++p->calls;
		p->probe = true;
		strcpy(str, "=");
		return str;
	}
	p->probe = false;
	if (p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += n + (nl ? 1 : 0);
	p->line++;
	if (n && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n)) {
		fail(p, p->line, "a NUL byte: a scenario file is text");
		p->fail_call = UINT_MAX; /* after every line inih has seen */
		return NULL;
	}
	/* inih's buffer is num bytes with the terminating NUL: a longer line would be cut, and the rest parsed
	 * as a line of its own */
	if (n > (size_t)num - 1) {
		fail(p, p->line,
		     "line too long (limit %d characters, this one has %zu): split the value over continuation lines "
		     "(indented lines below the key)",
		     num - 1, n);
		p->fail_call = UINT_MAX;
		return NULL;
	}
	p->calls++;
	memcpy(str, s, n);
	str[n] = '\0';
	t = s;
	if (p->line == 1 && n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0) /* inih skips a UTF-8 BOM */
		t += 3;
	p->indented = t < s + n && isspace((unsigned char)*t);
	p->header = t < s + n && *t == '[';
	return str;
}

/* inih's line number (which counts probes) as a file line. */
static unsigned file_line(const struct sc_parse *p, unsigned ini_line)
{
	unsigned before = 0;
	for (size_t i = 0; i < p->n_probes && p->probes[i] < ini_line; i++)
		before++;
	return ini_line - before;
}

/* Line number `line` of the file, shortened, for a message. */
static void line_text(const struct sc_parse *p, unsigned line, char *buf, size_t n)
{
	const char *s = p->text, *end = p->text + p->len;
	for (unsigned l = 1; l < line && s < end; l++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		s = nl ? nl + 1 : end;
	}
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	size_t len = (size_t)((nl ? nl : end) - s);
	while (len && (s[len - 1] == '\r' || isspace((unsigned char)s[len - 1])))
		len--;
	while (len && isspace((unsigned char)*s))
		s++, len--;
	if (len > 80)
		snprintf(buf, n, "%.77s...", s);
	else
		snprintf(buf, n, "%.*s", (int)len, s);
}

static char *xstrdup_or_fail(struct sc_parse *p, const char *s)
{
	char *d = strdup(s);
	if (!d)
		fail(p, 0, "out of memory");
	return d;
}

/* The value given for flag in a program's section (its last), NULL when absent. */
static const char *prog_value(const struct sc_prog *sp, const char *flag)
{
	const char *v = NULL;
	for (size_t i = 0; i + 1 < sp->n_args; i++)
		if (sp->args[i] && strcmp(sp->args[i], flag) == 0)
			v = sp->args[i + 1];
	return v;
}

static bool prog_has(const struct sc_prog *sp, const char *flag)
{
	for (size_t i = 0; i < sp->n_args; i++)
		if (sp->args[i] && strcmp(sp->args[i], flag) == 0)
			return true;
	return false;
}

/* The file line of key in section s (0 when not given). */
static unsigned key_at(const struct sc_parse *p, int s, const char *key)
{
	for (size_t k = 0; k < sec_nkeys(p, s); k++)
		if (strcmp(sec_keys(p, s)[k].name, key) == 0)
			return p->key_line[s][k];
	return 0;
}

static bool lists_mode(const char *modes, const char *mode)
{
	size_t n = strlen(mode);
	if (!modes)
		return false;
	for (const char *q = modes; (q = strstr(q, mode)); q += n)
		if ((q == modes || q[-1] == ',') && (q[n] == '\0' || q[n] == ','))
			return true;
	return false;
}

static bool lists_sign(const char *modes)
{
	return lists_mode(modes, "sign");
}

bool scenario_speaks_tls(const struct sc_prog *x)
{
	const char *v = prog_value(x, "--proto");
	return v && strcmp(v, "tls") == 0;
}

/* A peer's modes: --proto tls means cert when auth is not given (peer_opts.c). */
static const char *auth_of(const struct sc_prog *x)
{
	const char *v = prog_value(x, "--auth");
	return v ? v : scenario_speaks_tls(x) ? "cert" : NULL;
}

/* --proto tls: both peers speak it, by certificate (peer/peer_tls.c). */
static int tls_rules(struct sc_parse *p)
{
	const struct sc_prog *a = &p->sc->alice, *b = &p->sc->bob;
	if (scenario_speaks_tls(a) != scenario_speaks_tls(b))
		return fail(p, key_at(p, scenario_speaks_tls(a) ? SEC_ALICE : SEC_BOB, "proto"),
			    "[%s] proto: alice and bob must speak the same protocol: give 'proto = tls' to both",
			    scenario_speaks_tls(a) ? "alice" : "bob");
	for (int i = 0; i < 2; i++) {
		const struct sc_prog *x = i ? b : a;
		if (scenario_speaks_tls(x) && strcmp(auth_of(x), "cert") != 0)
			return fail(p, key_at(p, i ? SEC_BOB : SEC_ALICE, "auth"),
				    "[%s] auth: with proto = tls, bob is authenticated by his certificate only: "
				    "remove auth (or write auth = cert)",
				    i ? "bob" : "alice");
	}
	return 1;
}

/* Mode cert and trust on first use: the rules of peer/peer_trust.c and
 * mallory_opts.c. Returns 1, or 0 after fail(). */
static int trust_rules(struct sc_parse *p)
{
	const struct scenario *sc = p->sc;
	const struct sc_prog *a = &sc->alice, *b = &sc->bob, *m = &sc->mallory;
	if (!tls_rules(p))
		return 0;
	bool a_cert = lists_mode(auth_of(a), "cert");
	static const char *const cert_only[] = {"ca", "insecure", "no-name-check"};

	for (size_t i = 0; i < N_OF(cert_only); i++) {
		char flag[40];
		snprintf(flag, sizeof flag, "--%s", cert_only[i]);
		if (prog_has(a, flag) && !a_cert)
			return fail(p, key_at(p, SEC_ALICE, cert_only[i]),
				    "[alice] %s: only with cert in auth (certificates), got auth = %s", cert_only[i],
				    auth_of(a) ? auth_of(a) : "none");
	}
	if (a_cert && !prog_has(a, "--ca") && !prog_has(a, "--insecure"))
		return fail(p, key_at(p, SEC_ALICE, "auth"),
			    "[alice] auth: mode cert needs the roots alice trusts: add 'ca = pki/root.pem' to [alice]");
	if (prog_has(a, "--tofu") && !lists_sign(prog_value(a, "--auth")))
		return fail(p, key_at(p, SEC_ALICE, "tofu"), "[alice] tofu: only with sign in auth, got auth = %s",
			    prog_value(a, "--auth") ? prog_value(a, "--auth") : "none");
	if (prog_has(a, "--tofu") && prog_has(a, "--peer-key"))
		return fail(p, key_at(p, SEC_ALICE, "tofu"),
			    "[alice] tofu: and peer-key are two ways to know bob's key: keep one");
	if (lists_mode(auth_of(b), "cert") && (!prog_has(b, "--cert") || !prog_has(b, "--key")))
		return fail(p, key_at(p, SEC_BOB, "auth"),
			    "[bob] auth: mode cert needs bob's chain and its key: add 'cert = pki/bob.chain.pem' and "
			    "'key = bob.key' to [bob]");
	if (prog_has(b, "--cert") && !lists_mode(auth_of(b), "cert"))
		return fail(p, key_at(p, SEC_BOB, "cert"), "[bob] cert: only with cert in auth");
	if (!m->present)
		return 1;
	bool imp = prog_has(m, "--impersonate"), mint = prog_has(m, "--mint");
	if (imp && mint)
		return fail(p, key_at(p, SEC_MALLORY, "mint"),
			    "[mallory] mint: and impersonate are two sources of her chain: keep one");
	if ((imp || mint) && prog_has(m, "--forge-key"))
		return fail(p, key_at(p, SEC_MALLORY, "forge-key"),
			    "[mallory] forge-key: %s brings its own key: remove forge-key",
			    imp ? "impersonate" : "mint");
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "mint" : "impersonate", *v = prog_value(m, i ? "--mint" : "--impersonate");
		if (v && !strchr(v, ':'))
			return fail(p, key_at(p, SEC_MALLORY, k), "[mallory] %s: expected %s, got '%s'", k,
				    i ? "CA-KEY:CA-CERT" : "CHAIN:KEY", v);
	}
	return 1;
}

/* mallory's TLS interceptor (mallory_opts.c's tls_rules): hers is the
 * peers' protocol, with the moves of TLS only. */
static int mallory_tls_rules(struct sc_parse *p)
{
	const struct sc_prog *a = &p->sc->alice, *m = &p->sc->mallory;
	static const char *const lab_only[] = {"forge-key",   "key-fixing",	"strip-auth",	"downgrade-group",
					       "malicious-g", "small-subgroup", "replay-record"};
	const char *attack = prog_value(m, "--attack");
	bool dh = attack && strcmp(attack, "dh-mitm") == 0, tls = scenario_speaks_tls(m);
	bool down = prog_has(m, "--tls-downgrade"), imp = prog_has(m, "--impersonate") || prog_has(m, "--mint");
	if (dh && scenario_speaks_tls(a) != tls)
		return fail(p, key_at(p, SEC_MALLORY, tls ? "proto" : "attack"),
			    tls ? "[mallory] proto: alice and bob speak the lab protocol: remove 'proto = tls'"
				: "[mallory] attack: alice and bob speak TLS: add 'proto = tls' to [mallory]");
	if (down && !tls)
		return fail(p, key_at(p, SEC_MALLORY, "tls-downgrade"),
			    "[mallory] tls-downgrade: only with proto = tls");
	if (tls && !dh && !prog_has(m, "--sniff"))
		return fail(p, key_at(p, SEC_MALLORY, "proto"),
			    "[mallory] proto: TLS is hers with attack = dh-mitm (interception) or sniff = yes (a "
			    "recording to open later with a leaked key)");
	if (tls && prog_has(m, "--sniff") && (prog_has(m, "--crack-rng") || prog_has(m, "--replay")))
		return fail(p, key_at(p, SEC_MALLORY, prog_has(m, "--replay") ? "replay" : "crack-rng"),
			    "[mallory] %s: a lesson of the lab protocol, not of TLS",
			    prog_has(m, "--replay") ? "replay" : "crack-rng");
	if (!tls || !dh)
		return 1;
	for (size_t i = 0; i < N_OF(lab_only); i++) {
		char flag[40];
		snprintf(flag, sizeof flag, "--%s", lab_only[i]);
		if (prog_has(m, flag))
			return fail(p, key_at(p, SEC_MALLORY, lab_only[i]),
				    "[mallory] %s: a move against the lab protocol, not against TLS (proto = tls)",
				    lab_only[i]);
	}
	if (down && (imp || prog_has(m, "--tamper")))
		return fail(p, key_at(p, SEC_MALLORY, "tls-downgrade"),
			    "[mallory] tls-downgrade: she only rewrites the hello: remove %s",
			    prog_has(m, "--tamper") ? "tamper"
			    : prog_has(m, "--mint") ? "mint"
						    : "impersonate");
	if (!down && !imp)
		return fail(p, key_at(p, SEC_MALLORY, "proto"),
			    "[mallory] proto: intercepting TLS needs the certificate she shows alice: add "
			    "'impersonate = pki/selfsigned-bob.chain.pem:mallory.key' or 'mint = CA-KEY:CA-CERT' (or "
			    "'tls-downgrade = yes')");
	return 1;
}

/* The rules between options that the programs enforce when they start, checked
 * when the file loads, so a lab is never built for programs that will refuse to
 * run (alice/alice.c, bob/bob.c, mallory/mallory_opts.c say the same). */
static int cross_rules(struct sc_parse *p)
{
	const struct scenario *sc = p->sc;
	const struct sc_prog *a = &sc->alice, *b = &sc->bob, *m = &sc->mallory;
	static const char *const dh_mitm_only[] = {
	    "tamper",	   "forge-key",	     "key-fixing",  "strip-auth", "downgrade-group",
	    "malicious-g", "small-subgroup", "impersonate", "mint",	  "tls-downgrade"};
	if (lists_sign(prog_value(a, "--auth")) && !prog_value(a, "--peer-key") && !prog_value(a, "--tofu"))
		return fail(p, key_at(p, SEC_ALICE, "auth"),
			    "[alice] auth: signed mode needs the key to check bob's signature against: add "
			    "'peer-key = bob.pub' (or 'tofu = new') to [alice], got auth = %s without it",
			    prog_value(a, "--auth"));
	if (lists_sign(prog_value(b, "--auth")) && !prog_value(b, "--key"))
		return fail(p, key_at(p, SEC_BOB, "auth"),
			    "[bob] auth: signed mode needs bob's own key to sign with: add 'key = bob.key' to [bob], "
			    "got auth = %s without it",
			    prog_value(b, "--auth"));
	if (!trust_rules(p))
		return 0;
	if (!m->present)
		return 1;
	const char *attack = prog_value(m, "--attack");
	bool sniff = prog_has(m, "--sniff");
	for (size_t i = 0; i < N_OF(dh_mitm_only); i++) {
		char flag[40];
		snprintf(flag, sizeof flag, "--%s", dh_mitm_only[i]);
		if (prog_has(m, flag) && !(attack && strcmp(attack, "dh-mitm") == 0))
			return fail(p, key_at(p, SEC_MALLORY, dh_mitm_only[i]),
				    "[mallory] %s: only with attack = dh-mitm (her share-swapping relay), got %s%s",
				    dh_mitm_only[i],
				    attack  ? "attack = "
				    : sniff ? "sniff = yes"
					    : "no attack",
				    attack ? attack : "");
	}
	return mallory_tls_rules(p);
}

/* name in the directory of file, made absolute when it can be (the file was
 * read, so its directory exists). NULL when out of memory. */
static char *beside(const char *file, const char *name)
{
	const char *slash = strrchr(file, '/');
	char *dir = slash ? strndup(file, slash == file ? 1 : (size_t)(slash - file)) : strdup(".");
	char *abs = dir ? realpath(dir, NULL) : NULL, *out = NULL;
	const char *d = abs ? abs : dir;

	while (strncmp(name, "./", 2) == 0)
		name += 2;
	if (d && asprintf(&out, "%s%s%s", d, d[strlen(d) - 1] == '/' ? "" : "/", name) < 0)
		out = NULL;
	free(dir);
	free(abs);
	return out;
}

/* [mallory] command, split on blanks (no shell: no quotes, no variables), the
 * program resolved against the scenario file's directory unless absolute, so
 * a file and its attacker travel together. Returns 1, or 0 after fail(). */
static int split_command(struct sc_parse *p, unsigned line)
{
	char *copy = strdup(p->command), *save = NULL;
	char **argv = calloc(SC_MAX_ARGS + 1, sizeof *argv);
	size_t n = 0;
	int ok = 0;

	if (!copy || !argv) {
		fail(p, line, "out of memory");
		goto out;
	}
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save), n++) {
		if (n == SC_MAX_ARGS) {
			fail(p, line, "[mallory] command: at most %d words, got more in '%s'", SC_MAX_ARGS, p->command);
			goto out;
		}
		if (!(argv[n] = n == 0 && w[0] != '/' ? beside(p->file, w) : strdup(w))) {
			fail(p, line, "out of memory");
			goto out;
		}
	}
	if (n == 0) { /* inih trims, and an empty text is refused before */
		fail(p, line, "[mallory] command: a program to run, got '%s'", p->command);
		goto out;
	}
	p->sc->command = argv;
	argv = NULL;
	ok = 1;
out:
	for (size_t i = 0; argv && i < n; i++)
		free(argv[i]);
	free(argv);
	free(copy);
	return ok;
}

/* A command runs instead of bin/mallory, and every other [mallory] key is one
 * of her flags: they cannot go together. Phase 2 (leak) is bin/mallory's
 * --decrypt. Returns 1, or 0 after fail(). */
static int command_rules(struct sc_parse *p)
{
	unsigned cl = key_at(p, SEC_MALLORY, "command");
	for (size_t k = 0; k < p->n_keys[SEC_MALLORY]; k++) {
		const char *name = p->keys[SEC_MALLORY][k].name;
		unsigned l = p->key_line[SEC_MALLORY][k];
		if (l && strcmp(name, "command") != 0)
			return fail(
			    p, l,
			    "[mallory] %s: not with command (line %u): the command runs instead of bin/mallory, "
			    "and the other [mallory] keys are bin/mallory's options; keep the command or her keys",
			    name, cl);
	}
	if (p->sc->leak || p->sc->break_classical)
		return fail(p, p->key_line[SEC_SCENARIO][p->sc->leak ? S_LEAK : S_LATER],
			    "[scenario] leak: phase 2 runs bin/mallory --decrypt on phase 1's recording, not a "
			    "[mallory] command (line %u): remove one",
			    cl);
	return split_command(p, cl);
}

/* Defaults, required keys, and the rules between keys. Returns 1, or 0 after fail(). */
static int load_fields(struct sc_parse *p)
{
	struct scenario *sc = p->sc;
	const unsigned *kl = p->key_line[SEC_SCENARIO];
	char **v = p->val;

	for (int s = 0; s < SEC_N; s++)
		if (sections[s].required && !p->sec_line[s])
			return fail(p, 0, "section [%s] is required: %s", sections[s].name, sections[s].about);
	for (size_t i = 0; i < S_N; i++)
		if ((scenario_keys[i].flags & F_REQUIRED) && !v[i])
			return fail(p, 0, "[scenario] %s is required: %s", scenario_keys[i].name,
				    scenario_keys[i].about);
	if (!*v[S_TEACHING])
		return fail(p, kl[S_TEACHING], "[scenario] teaching: %s, got ''", scenario_keys[S_TEACHING].about);

	if (v[S_NAME]) {
		sc->name = v[S_NAME];
		v[S_NAME] = NULL;
	} else {
		const char *base = strrchr(p->file, '/');
		base = base ? base + 1 : p->file;
		size_t n = strlen(base);
		if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
			n -= 4;
		if (!(sc->name = strndup(base, n)))
			return fail(p, 0, "out of memory");
		if (!valid_name(sc->name))
			return fail(p, 0,
				    "[scenario] name: %s, got '%s' from the file name (rename the file or add "
				    "'name = ' under [scenario])",
				    name_want, sc->name);
	}
	bool blocked = strcmp(v[S_EXPECT], "blocked") == 0;
	for (size_t i = S_EXPECT_PEER; i <= S_EXPECT_CHECK; i++) {
		if (blocked && !v[i])
			return fail(p, 0, "[scenario] %s is required when expect = blocked: %s", scenario_keys[i].name,
				    scenario_keys[i].about);
		if (!blocked && v[i])
			return fail(p, kl[i], "[scenario] %s: only with expect = blocked (here expect = %s), got '%s'",
				    scenario_keys[i].name, v[S_EXPECT], v[i]);
	}
	sc->network = v[S_NETWORK] && strcmp(v[S_NETWORK], "hub") == 0 ? SC_HUB : SC_SWITCH;
	sc->timeout_s = v[S_TIMEOUT] ? (unsigned)strtoul(v[S_TIMEOUT], NULL, 10) : SC_DEFAULT_TIMEOUT;
	sc->static_arp = v[S_STATIC_ARP] && strcmp(v[S_STATIC_ARP], "yes") == 0;
	sc->mallory_ip_forward = v[S_MALLORY_FORWARDS] && strcmp(v[S_MALLORY_FORWARDS], "yes") == 0;
	sc->title = v[S_TITLE];
	sc->teaching = v[S_TEACHING];
	sc->expect = v[S_EXPECT];
	sc->expect_peer = v[S_EXPECT_PEER];
	sc->expect_check = v[S_EXPECT_CHECK];
	sc->leak = v[S_LEAK];
	sc->break_classical = v[S_LATER] != NULL;
	v[S_TITLE] = v[S_TEACHING] = v[S_EXPECT] = v[S_EXPECT_PEER] = v[S_EXPECT_CHECK] = v[S_LEAK] = NULL;
	sc->alice.present = p->sec_line[SEC_ALICE] != 0;
	sc->bob.present = p->sec_line[SEC_BOB] != 0;
	sc->mallory.present = p->sec_line[SEC_MALLORY] != 0;
	if (p->command && !command_rules(p))
		return 0;
	/* Phase 2 opens phase 1's recording: mallory must have recorded it,
	 * and only listened (an active attack needs no later). */
	if (sc->leak && !(sc->mallory.present && prog_has(&sc->mallory, "--sniff")))
		return fail(p, kl[S_LEAK],
			    "[scenario] leak: phase 2 decrypts what mallory recorded in phase 1: add [mallory] with "
			    "'sniff = yes'");
	if (sc->break_classical && sc->leak)
		return fail(p, kl[S_LATER], "[scenario] later: one phase 2 only: a leak (line %u) or later, not both",
			    kl[S_LEAK]);
	if (sc->break_classical && !(sc->mallory.present && prog_has(&sc->mallory, "--sniff")))
		return fail(p, kl[S_LATER],
			    "[scenario] later: phase 2 opens what mallory recorded in phase 1: add [mallory] with "
			    "'sniff = yes'");
	if (sc->break_classical && scenario_speaks_tls(&sc->mallory))
		return fail(p, kl[S_LATER],
			    "[scenario] later: break-classical opens recordings of the lab protocol (its lab groups), "
			    "not of TLS: remove 'proto = tls' from [mallory], or use leak");
	return cross_rules(p);
}

/* Reads a whole (small) file. */
static int read_file(struct sc_parse *p, char **text, size_t *len)
{
	FILE *f = fopen(p->file, "r");
	char *buf = NULL;
	size_t n = 0;
	int rc = -1;

	if (!f) {
		fail(p, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!(buf = malloc(SC_MAX_FILE + 1))) {
		fail(p, 0, "out of memory");
		goto out;
	}
	n = fread(buf, 1, SC_MAX_FILE + 1, f);
	if (ferror(f)) {
		fail(p, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (n > SC_MAX_FILE) {
		fail(p, 0, "too large for a scenario file (limit %d KiB)", SC_MAX_FILE / 1024);
		goto out;
	}
	*text = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

/* Parses text (len bytes, the whole file; NULL: read p->file). */
static int load(const char *path, const char *text, size_t len, struct scenario *sc, char *err, size_t errlen)
{
	struct sc_parse p = {.file = path, .sc = sc, .cur = -1, .err = err, .errlen = errlen};
	build_keys(&p);
	char *own = NULL, msg[96];
	int r, rc = -1;

	if (!text) {
		if (read_file(&p, &own, &p.len) != 0)
			goto out;
		text = own;
	} else if (len > SC_MAX_FILE) {
		fail(&p, 0, "too large for a scenario file (limit %d KiB)", SC_MAX_FILE / 1024);
		goto out;
	} else {
		p.len = len;
	}
	p.text = text;
	if (!(sc->path = xstrdup_or_fail(&p, path)))
		goto out;
	r = ini_parse_stream(next_line, &p, on_entry, &p);
	if (r > 0 && (!p.failed || (unsigned)r < p.fail_call)) {
		/* inih's own syntax error comes first in the file */
		unsigned line = file_line(&p, (unsigned)r);
		line_text(&p, line, msg, sizeof msg);
		p.failed = false;
		fail(&p, line, "a [section] header, a 'key = value' line or an indented continuation line, got '%s'",
		     msg);
		goto out;
	}
	if (r < 0 && !p.failed)
		fail(&p, 0, r == -2 ? "out of memory" : "cannot parse");
	if (r < 0 || p.failed || !load_fields(&p))
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < S_N; i++)
		free(p.val[i]);
	free(p.command);
	free(p.probes);
	free(own);
	return rc;
}

/* ---------------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "03-dh-mitm.ini" -> number 3, rest "dh-mitm"; false if it has no number. */
static bool split_number(const char *base, unsigned long *num, const char **rest)
{
	size_t d = strspn(base, "0123456789");
	if (d == 0 || d > 9 || (base[d] != '-' && base[d] != '.'))
		return false;
	*num = strtoul(base, NULL, 10);
	*rest = base[d] == '-' ? base + d + 1 : base + d;
	return true;
}

/* A name, number or short name in the catalog -> one path. */
static int resolve(const char *q, const char *dir, char **path, char *err, size_t errlen)
{
	char **paths = NULL, *hits[4];
	size_t n = 0, n_hits = 0, qlen = strlen(q);
	bool digits = qlen > 0 && strspn(q, "0123456789") == qlen;
	int rc = -1;

	*path = NULL;
	if (!*q) {
		set_err(err, errlen, "no scenario named: give a name (01-baseline), a number (1) or a path");
		return -1;
	}
	if (!dir) {
		set_err(err, errlen, "'%s': no catalog to look in; give a path to a .ini file", q);
		return -1;
	}
	if (scenario_paths(dir, &paths, &n) != 0) {
		set_err(err, errlen, "%s: cannot read the scenario catalog: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/') + 1, *rest;
		size_t blen = strlen(base) - 4; /* without .ini */
		unsigned long num;
		bool hit;

		if (blen == qlen && strncmp(base, q, qlen) == 0) { /* NAME.ini wins outright */
			hits[0] = paths[i];
			n_hits = 1;
			break;
		}
		if (!split_number(base, &num, &rest))
			continue;
		if (digits)
			hit = qlen <= 9 && num == strtoul(q, NULL, 10);
		else
			hit = (size_t)(base + blen - rest) == qlen && strncmp(rest, q, qlen) == 0;
		if (hit && n_hits < N_OF(hits))
			hits[n_hits++] = paths[i];
		else if (hit)
			n_hits++;
	}
	if (n_hits == 0) {
		set_err(err, errlen,
			"no scenario '%s' in %s (give a name like 01-baseline, a "
			"number, a short name like baseline, or a path to a .ini file)",
			q, dir);
		goto out;
	}
	if (n_hits > 1) {
		char list[512];
		const char *names[N_OF(hits)];
		for (size_t i = 0; i < n_hits && i < N_OF(hits); i++)
			names[i] = strrchr(hits[i], '/') + 1;
		join_names(list, sizeof list, names, n_hits < N_OF(hits) ? n_hits : N_OF(hits));
		set_err(err, errlen, "'%s' matches more than one scenario in %s: %s%s; give the full name", q, dir,
			list, n_hits > N_OF(hits) ? ", ..." : "");
		goto out;
	}
	if (!(*path = strdup(hits[0]))) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	scenario_paths_free(paths, n);
	return rc;
}

int scenario_load(const char *name_or_path, const char *catalog_dir, struct scenario *sc, char *err, size_t errlen)
{
	char *path = NULL;
	int rc = -1;

	memset(sc, 0, sizeof *sc);
	if (err && errlen)
		err[0] = '\0';
	if (!name_or_path) {
		set_err(err, errlen, "no scenario named");
		return -1;
	}
	if (strchr(name_or_path, '/') || ends_with(name_or_path, ".ini")) {
		if (!(path = strdup(name_or_path))) {
			set_err(err, errlen, "out of memory");
			return -1;
		}
	} else if (resolve(name_or_path, catalog_dir, &path, err, errlen) != 0) {
		return -1;
	}
	rc = load(path, NULL, 0, sc, err, errlen);
	if (rc != 0)
		scenario_free(sc);
	free(path);
	return rc;
}

int scenario_load_text(const char *path, const char *text, size_t len, struct scenario *sc, char *err, size_t errlen)
{
	memset(sc, 0, sizeof *sc);
	if (err && errlen)
		err[0] = '\0';
	if (!path || !text) {
		set_err(err, errlen, "no scenario text");
		return -1;
	}
	int rc = load(path, text, len, sc, err, errlen);
	if (rc != 0)
		scenario_free(sc);
	return rc;
}

static void prog_free(struct sc_prog *sp)
{
	for (size_t i = 0; i < sp->n_args; i++)
		free(sp->args[i]);
	memset(sp, 0, sizeof *sp);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->path);
	free(sc->name);
	free(sc->title);
	free(sc->teaching);
	free(sc->leak);
	free(sc->expect);
	free(sc->expect_peer);
	free(sc->expect_check);
	prog_free(&sc->alice);
	prog_free(&sc->bob);
	prog_free(&sc->mallory);
	for (size_t i = 0; sc->command && sc->command[i]; i++)
		free(sc->command[i]);
	free(sc->command);
	memset(sc, 0, sizeof *sc);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenario_paths(const char *catalog_dir, char ***paths, size_t *n)
{
	DIR *d;
	struct dirent *e;
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	int saved;

	*paths = NULL;
	*n = 0;
	if (!(d = opendir(catalog_dir)))
		return -1;
	while ((errno = 0, e = readdir(d)) != NULL) {
		struct stat st;
		char *full;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= 4 || !ends_with(e->d_name, ".ini"))
			continue;
		if (asprintf(&full, "%s/%s", catalog_dir, e->d_name) < 0)
			goto fail;
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				free(full);
				goto fail;
			}
			v = nv;
			cap = nc;
		}
		v[cnt++] = full;
	}
	if (errno)
		goto fail;
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof *v, cmp_str);
	*paths = v;
	*n = cnt;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	closedir(d);
	scenario_paths_free(v, cnt);
	errno = saved;
	return -1;
}

void scenario_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
}

int scenario_number(const struct scenario *sc)
{
	unsigned long num;
	const char *rest;
	if (!sc || !sc->name || !split_number(sc->name, &num, &rest))
		return 0;
	return num > INT_MAX ? 0 : (int)num;
}

const char *scenario_network_name(enum sc_network n)
{
	return n == SC_HUB ? "hub" : "switch";
}
