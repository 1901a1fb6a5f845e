/* The run report: what a trainee reads after `mitmlab run --headless` (and
 * what the screen shows without a terminal), and the same as data for
 * report.json. Built from the run's event stream and the judge's verdict:
 * each party's handshake, messages (every received one marked intact or
 * ALTERED), errors; what mallory saw and what she claims to have read (each
 * claim marked genuine or ignored); the key-id picture; the verdict, whether
 * it matches the scenario, and the lesson.
 *
 * The stream may be broken or hostile: strings from it are shown escaped
 * (control bytes as \xNN), long messages are cut, long lists are capped. */
#ifndef LAB_REPORT_H
#define LAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "judge.h"
#include "scenario.h"

/* report_text_opts flags */
#define REPORT_ASCII 1u /* ASCII only: ✔ ✘ — → … become [ok] [X] -- -> ..., other non-ASCII \xNN or ? */

/* The plain-text report. sc may be NULL (a stream without its scenario);
 * v may be NULL (the report then judges the events itself); run_dir may be
 * NULL. Writes UTF-8. */
void report_text(FILE *f, const struct scenario *sc, const json_t *events, const struct verdict *v,
		 const char *run_dir);
/* The same in ASCII only: no byte >= 0x80. */
void report_text_ascii(FILE *f, const struct scenario *sc, const json_t *events, const struct verdict *v,
		       const char *run_dir);
void report_text_opts(FILE *f, const struct scenario *sc, const json_t *events, const struct verdict *v,
		      const char *run_dir, unsigned flags);

/* The report as data: {"scenario", "verdict" (verdict_json), "headline",
 * "matches", "parties": {"alice", "bob"}, "mallory", "keys", "lab",
 * "teaching", "run_dir"}. New reference, NULL when out of memory. */
json_t *report_json(const struct scenario *sc, const json_t *events, const struct verdict *v, const char *run_dir);

/* True when the verdict is what the scenario expects (kind; for blocked also
 * expect-peer and expect-check when the scenario gives them). False when
 * the scenario states no expectation. */
bool report_matches(const struct scenario *sc, const struct verdict *v);

/* The verdict in a few words for people, e.g. "alice's signature check
 * stopped it" or "mallory read every message" (ASCII). */
void report_headline(const struct verdict *v, char *buf, size_t n);

#endif
