/* See exercise.h. Everything here is hostile input too: a submission is a
 * trainee's file. Files are bounded, keys are compared as the scenario loader
 * will read them, and the scenario that runs is written by us, never taken
 * from the submission as it is. */
#include "exercise.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#define EX_FILE_MAX (1 << 20)

static char *dup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

struct reader {
	struct ex_ini *ini;
	char prev_sec[64], prev_key[64];
	int overflow;
	/* the file, handed to inih line by line (next_line) */
	const char *text;
	size_t len, pos;
	unsigned line;
	size_t long_len; /* the line that did not fit, or 0 */
	int limit;	 /* inih's line buffer, terminator excluded */
	bool nul;	 /* a NUL byte in line `line` */
};

static int on_line(void *user, const char *sec, const char *key, const char *val)
{
	struct reader *r = user;
	if (r->ini->n == EX_MAX_ENTRIES) {
		r->overflow = 1;
		return 0;
	}
	struct ex_entry *e = &r->ini->e[r->ini->n++];
	/* inih reports a continued line with the key of the line before */
	e->cont =
	    !key[0] || (strcmp(sec, r->prev_sec) == 0 && strcmp(key, r->prev_key) == 0 && strcmp(key, "teaching") == 0);
	e->sec = dup(sec);
	e->key = dup(key);
	e->val = dup(val);
	snprintf(r->prev_sec, sizeof r->prev_sec, "%s", sec);
	snprintf(r->prev_key, sizeof r->prev_key, "%s", key);
	return 1;
}

/* inih's reader, one file line per call. Plain ini_parse would cut a line
 * longer than inih's buffer and parse its tail as a line of its own (a key
 * the submission never wrote as one), and stop a line at a NUL byte: such a
 * line ends the file here, and ex_ini_read refuses it (as scenario.c does). */
static char *next_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	if (r->pos >= r->len || num < 2)
		return NULL;
	const char *s = r->text + r->pos, *nl = memchr(s, '\n', r->len - r->pos);
	size_t n = nl ? (size_t)(nl - s) : r->len - r->pos;
	r->pos += n + (nl ? 1 : 0);
	r->line++;
	if (n && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n)) {
		r->nul = true;
		return NULL;
	}
	if (n > (size_t)num - 1) {
		r->long_len = n;
		r->limit = num - 1;
		return NULL;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	return str;
}

int ex_ini_read(const char *path, struct ex_ini *ini, char *err, size_t errlen)
{
	struct stat st;
	struct reader r = {.ini = ini};
	memset(ini, 0, sizeof *ini);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > EX_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 stat(path, &st) != 0 ? strerror(errno) : "not a regular file of at most 1 MiB");
		return -1;
	}
	FILE *f = fopen(path, "r");
	char *text = malloc(EX_FILE_MAX + 1);
	size_t len = f && text ? fread(text, 1, EX_FILE_MAX + 1, f) : 0;
	if (!f || !text || ferror(f) || len > EX_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 !text		     ? "out of memory"
			 : len > EX_FILE_MAX ? "not a regular file of at most 1 MiB"
					     : strerror(errno));
		if (f)
			fclose(f);
		free(text);
		return -1;
	}
	fclose(f);
	r.text = text;
	r.len = len;
	int rc = ini_parse_stream(next_line, &r, on_line, &r);
	bool cut = r.nul || r.long_len;
	if (r.overflow)
		snprintf(err, errlen, "%s:%d: too many lines (at most 256 keys)", path, rc > 0 ? rc : 0);
	else if (rc > 0 && (!cut || (unsigned)rc < r.line)) /* inih's own error comes first in the file */
		snprintf(err, errlen, "%s:%d: not a valid INI line", path, rc);
	else if (r.nul)
		snprintf(err, errlen, "%s:%u: a NUL byte: an INI file is text", path, r.line);
	else if (cut)
		snprintf(err, errlen, "%s:%u: line too long (limit %d characters, this one has %zu)", path, r.line,
			 r.limit, r.long_len);
	else if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, rc == -2 ? "out of memory" : "cannot parse");
	free(text);
	if (rc != 0 || r.overflow || cut) {
		ex_ini_free(ini);
		return -1;
	}
	return 0;
}

void ex_ini_free(struct ex_ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->e[i].sec);
		free(ini->e[i].key);
		free(ini->e[i].val);
	}
	ini->n = 0;
}

static const char *first(const struct ex_ini *ini, const char *sec, const char *key, unsigned *line)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].sec, sec) == 0 && strcmp(ini->e[i].key, key) == 0) {
			if (line)
				*line = (unsigned)i;
			return ini->e[i].val;
		}
	return NULL;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	memmove(s, p, strlen(p) + 1);
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

int exercise_load(const char *path, struct exercise *x, char *err, size_t errlen)
{
	struct ex_ini ini;
	static const char *const goals[] = {"attack-succeeded", "blocked", "confidential", "disrupted",
					    "misconfigured"};
	memset(x, 0, sizeof *x);
	if (ex_ini_read(path, &ini, err, errlen) != 0)
		return -1;
	const char *title = first(&ini, "exercise", "title", NULL), *base = first(&ini, "exercise", "base", NULL);
	const char *goal = first(&ini, "exercise", "goal", NULL), *allow = first(&ini, "exercise", "allow", NULL);
	const char *hint = first(&ini, "exercise", "hint", NULL), *points = first(&ini, "exercise", "points", NULL);
	int rc = -1;
	if (!title || !base || !goal || !allow) {
		snprintf(err, errlen,
			 "%s: [exercise] needs title, base (a catalog scenario), goal (a verdict) and allow "
			 "(the keys a trainee may change, as alice.auth, bob.key, ...)",
			 path);
		goto out;
	}
	bool known = false;
	for (size_t i = 0; i < sizeof goals / sizeof goals[0]; i++)
		known |= strcmp(goal, goals[i]) == 0;
	if (!known) {
		snprintf(err, errlen,
			 "%s: [exercise] goal: a verdict (attack-succeeded, blocked, confidential, "
			 "disrupted, misconfigured), got '%s'",
			 path, goal);
		goto out;
	}
	char *list = dup(allow), *save = NULL;
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		trim(t);
		char *dot = strchr(t, '.');
		if (!dot ||
		    (strncmp(t, "alice.", 6) != 0 && strncmp(t, "bob.", 4) != 0 && strncmp(t, "mallory.", 8) != 0) ||
		    !dot[1] || x->n_allow == EX_MAX_ALLOW) {
			snprintf(err, errlen,
				 "%s: [exercise] allow: SECTION.KEY with SECTION alice, bob or mallory (at most %d), "
				 "got '%s'",
				 path, EX_MAX_ALLOW, t);
			free(list);
			goto out;
		}
		x->allow[x->n_allow++] = dup(t);
	}
	free(list);
	char *end = NULL;
	unsigned long p = points ? strtoul(points, &end, 10) : 1;
	if (points && (*end || p > 1000)) {
		snprintf(err, errlen, "%s: [exercise] points: 0 to 1000, got '%s'", path, points);
		goto out;
	}
	x->path = dup(path);
	x->title = dup(title);
	x->base = dup(base);
	x->goal = dup(goal);
	x->hint = dup(hint ? hint : "");
	x->points = (unsigned)p;
	rc = 0;
out:
	ex_ini_free(&ini);
	if (rc != 0)
		exercise_free(x);
	return rc;
}

void exercise_free(struct exercise *x)
{
	free(x->path);
	free(x->title);
	free(x->base);
	free(x->goal);
	free(x->hint);
	for (size_t i = 0; i < x->n_allow; i++)
		free(x->allow[i]);
	memset(x, 0, sizeof *x);
}

static bool allowed(const struct exercise *x, const char *sec, const char *key)
{
	char k[160];
	snprintf(k, sizeof k, "%s.%s", sec, key);
	for (size_t i = 0; i < x->n_allow; i++)
		if (strcmp(x->allow[i], k) == 0)
			return true;
	return false;
}

/* The values of sec.key, joined (repeated keys keep their order). */
static void values(const struct ex_ini *ini, const char *sec, const char *key, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].sec, sec) == 0 && strcmp(ini->e[i].key, key) == 0)
			o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s\x1f", ini->e[i].val);
}

static bool has_section(const struct ex_ini *ini, const char *sec)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].sec, sec) == 0)
			return true;
	return false;
}

/* Every key of a or b that differs between them (a full submission). */
static int diff(const struct exercise *x, const struct ex_ini *a, const struct ex_ini *b, char *why, size_t n)
{
	static const char *const secs[] = {"scenario", "alice", "bob", "mallory"};
	char va[4096], vb[4096];
	for (size_t s = 0; s < 4; s++)
		if (has_section(a, secs[s]) != has_section(b, secs[s])) {
			snprintf(why, n, "the submission %s [%s]: that section is locked",
				 has_section(a, secs[s]) ? "removes" : "adds", secs[s]);
			return -1;
		}
	const struct ex_ini *both[2] = {a, b};
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < both[w]->n; i++) {
			const struct ex_entry *e = &both[w]->e[i];
			values(a, e->sec, e->key, va, sizeof va);
			values(b, e->sec, e->key, vb, sizeof vb);
			if (strcmp(va, vb) == 0 || allowed(x, e->sec, e->key))
				continue;
			snprintf(why, n, "the submission changes [%s] %s, which this exercise locks", e->sec, e->key);
			return -1;
		}
	return 0;
}

static void put_entry(FILE *f, const struct ex_entry *e, bool *teaching)
{
	if (e->cont || (*teaching && strcmp(e->key, "teaching") == 0)) {
		fprintf(f, "    %s\n", e->val);
		return;
	}
	*teaching = strcmp(e->key, "teaching") == 0;
	fprintf(f, "%s = %s\n", e->key, e->val);
}

int exercise_apply(const struct exercise *x, const struct ex_ini *base, const struct ex_ini *sub, const char *out_path,
		   char *why, size_t whylen)
{
	bool full = has_section(sub, "scenario");
	if (full && diff(x, base, sub, why, whylen) != 0)
		return -1;
	if (!full)
		for (size_t i = 0; i < sub->n; i++)
			if (!allowed(x, sub->e[i].sec, sub->e[i].key)) {
				snprintf(why, whylen, "the submission changes [%s] %s, which this exercise locks",
					 sub->e[i].sec, sub->e[i].key);
				return -1;
			}
	const struct ex_ini *src = full ? sub : base;
	FILE *f = fopen(out_path, "w");
	if (!f) {
		snprintf(why, whylen, "cannot write %s: %s", out_path, strerror(errno));
		return -1;
	}
	static const char *const secs[] = {"scenario", "alice", "bob", "mallory"};
	for (size_t s = 0; s < 4; s++) {
		if (!has_section(base, secs[s]))
			continue;
		fprintf(f, "[%s]\n", secs[s]);
		bool teaching = false;
		/* the base's keys, less those the submission replaces */
		for (size_t i = 0; i < src->n; i++) {
			const struct ex_entry *e = &src->e[i];
			if (strcmp(e->sec, secs[s]) != 0)
				continue;
			if (!full && first(sub, e->sec, e->key, NULL))
				continue;
			put_entry(f, e, &teaching);
		}
		for (size_t i = 0; !full && i < sub->n; i++)
			if (strcmp(sub->e[i].sec, secs[s]) == 0)
				put_entry(f, &sub->e[i], &teaching);
	}
	if (fclose(f) != 0) {
		snprintf(why, whylen, "cannot write %s", out_path);
		return -1;
	}
	return 0;
}
