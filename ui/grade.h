/* mitmlab grade EXERCISE SUBMISSION... (issue 13; docs/scenarios.md §7). */
#ifndef UI_GRADE_H
#define UI_GRADE_H

#include "commands.h"

/* Grades every submission against the exercise: a table on stdout, and
 * grades.json and grades.csv in out (default: runs/grade-TIME). Exit 0 when
 * it could grade (whatever the points), 2 usage, 3 the exercise or its base
 * cannot be read. */
int cmd_grade(const struct lab_paths *paths, const char *exercise, char **subs, size_t n_subs, const char *out,
	      unsigned jobs);

#endif
