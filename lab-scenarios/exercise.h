/* Exercises (issue 13): an instructor's file over a base scenario — the goal
 * verdict, the keys of which sections a trainee may change (everything else
 * locked), a hint and points — and how a submission becomes the scenario that
 * is run: a whole scenario file, compared key by key with the base, or a file
 * of only the changed keys, applied to the base. docs/scenarios.md §7. */
#ifndef LAB_EXERCISE_H
#define LAB_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>

#define EX_MAX_ALLOW 32
#define EX_MAX_ENTRIES 256

/* An INI file as section/key/value lines, in file order (a continued line
 * of a multi-line value is its own entry, cont = true). */
struct ex_entry {
	char *sec, *key, *val;
	bool cont;
};
struct ex_ini {
	struct ex_entry e[EX_MAX_ENTRIES];
	size_t n;
};

struct exercise {
	char *path, *title, *base, *goal, *hint;
	char *allow[EX_MAX_ALLOW]; /* "alice.auth" */
	size_t n_allow;
	unsigned points;
};

/* Loads an exercise; -1 with FILE:LINE and what to fix in err. */
int exercise_load(const char *path, struct exercise *x, char *err, size_t errlen);
void exercise_free(struct exercise *x);

/* Reads any INI file (bounded: 1 MiB, EX_MAX_ENTRIES entries, lines of at
 * most inih's 199 characters; a longer line or a NUL byte is an error naming
 * the line, never a line cut in two). */
int ex_ini_read(const char *path, struct ex_ini *ini, char *err, size_t errlen);
void ex_ini_free(struct ex_ini *ini);

/* The scenario a submission stands for, written to out_path: the base with the
 * submission's changes. -1 when the submission changes what is locked (a
 * locked key, a section added or removed, [scenario] itself), with why. */
int exercise_apply(const struct exercise *x, const struct ex_ini *base, const struct ex_ini *sub, const char *out_path,
		   char *why, size_t whylen);

#endif
