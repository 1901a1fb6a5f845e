/* Typed event fields (see ev_fields.h). */
#include "ev_fields.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ev_str(const json_t *o, const char *key)
{
	const json_t *s = json_object_get(o, key);
	if (!json_is_string(s))
		return NULL;
	const char *v = json_string_value(s);
	return strlen(v) == json_string_length(s) ? v : NULL;
}

bool ev_int(const json_t *o, const char *key, long long *out)
{
	const json_t *n = json_object_get(o, key);
	if (!json_is_integer(n))
		return false;
	*out = (long long)json_integer_value(n);
	return true;
}

bool ev_num(const json_t *o, const char *key, double *out)
{
	const json_t *n = json_object_get(o, key);
	if (!json_is_number(n))
		return false;
	double d = json_number_value(n);
	if (!isfinite(d))
		return false;
	*out = d;
	return true;
}

bool ev_head(const json_t *e, const char **actor, const char **name)
{
	if (!json_is_object(e))
		return false;
	*actor = ev_str(e, "actor");
	*name = ev_str(e, "event");
	return *actor && *name;
}

bool ev_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool ev_hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

const char *ev_key_id(const json_t *o, const char *key)
{
	const char *k = ev_str(o, key);
	if (!k)
		return NULL;
	size_t i = 0;
	for (; k[i]; i++)
		if (i >= 8 || !ev_hex_digit(k[i]))
			return NULL;
	return i > 0 ? k : NULL;
}

struct ev_slot {
	double t;
	size_t idx;
	json_t *e;
};

static int cmp_slot(const void *a, const void *b)
{
	const struct ev_slot *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ev_sort_by_time(json_t *events)
{
	if (!json_is_array(events))
		return -1;
	size_t n = json_array_size(events);
	if (n < 2)
		return 0;
	struct ev_slot *s = malloc(n * sizeof *s);
	if (!s)
		return -1;
	/* An entry without a usable t keeps its place after the one before it. */
	double last = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		s[i].e = json_incref(json_array_get(events, i));
		s[i].idx = i;
		double t;
		if (json_is_object(s[i].e) && ev_num(s[i].e, "t", &t))
			last = t;
		s[i].t = last;
	}
	qsort(s, n, sizeof *s, cmp_slot);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (json_array_set(events, i, s[i].e) != 0)
			rc = -1;
		json_decref(s[i].e);
	}
	free(s);
	return rc;
}

#define LOAD_LINE_MAX (1u << 20) /* longer lines are skipped */
#define LOAD_EVENTS_MAX 4000000u

json_t *ev_load_jsonl(const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	json_t *events = json_array();
	char *line = malloc(LOAD_LINE_MAX);
	size_t len = 0;
	bool too_long = false;
	if (!events || !line) {
		snprintf(err, errlen, "out of memory reading %s", path);
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
	bool bad = ferror(f) != 0;
	fclose(f);
	/* Run directories of older versions were written in arrival order. */
	if (bad || ev_sort_by_time(events) != 0) {
		snprintf(err, errlen, bad ? "error reading %s" : "out of memory reading %s", path);
		json_decref(events);
		return NULL;
	}
	return events;
}
