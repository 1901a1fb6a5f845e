/* Typed access to the fields of a recorded event (a JSON object), shared by
 * the judge, the reports and the dashboard's view model. A field is absent
 * when missing or of the wrong type; streams are treated as hostile. */
#ifndef LAB_EV_FIELDS_H
#define LAB_EV_FIELDS_H

#include <stdbool.h>

#include <jansson.h>

/* A string field without embedded NUL (a NUL would make C comparisons lie). */
const char *ev_str(const json_t *o, const char *key);
bool ev_int(const json_t *o, const char *key, long long *out);
/* A finite number (integer or real). */
bool ev_num(const json_t *o, const char *key, double *out);
/* A key id: 1..8 hex digits (docs/events.md: 8 lowercase hex digits). Longer
 * strings are refused rather than cut, so a cut could never make two ids equal. */
const char *ev_key_id(const json_t *o, const char *key);
bool ev_hex_digit(char c);
/* The event's actor and name, or false for entries that are not events. */
bool ev_head(const json_t *e, const char **actor, const char **name);
/* Puts the events of a run in the order they happened (docs/events.md §1):
 * by `t` (CLOCK_MONOTONIC, shared by every process of the machine), ties in
 * arrival order; an entry without a usable `t` stays right after the entry
 * it arrived after. Stable, in place. 0, or -1 (not an array, no memory). */
int ev_sort_by_time(json_t *events);
/* A run's events.jsonl (or any JSON-lines file of events) as an array in time
 * order: lines that are not JSON objects, or longer than 1 MiB, are skipped;
 * at most 4000000 events. NULL with a sentence in err when it cannot be read. */
json_t *ev_load_jsonl(const char *path, char *err, size_t errlen);
/* A boolean field that is true (absent, false or another type: false). */
bool ev_true(const json_t *o, const char *key);
/* Both present and equal. */
bool streq(const char *a, const char *b);

#endif
