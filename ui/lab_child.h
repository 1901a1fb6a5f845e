/* Running one scenario in a child process: the child enters the lab's user
 * namespace (a process can do that once), this process stays outside and
 * only waits, forwards Ctrl-C, and collects the verdict. */
#ifndef UI_LAB_CHILD_H
#define UI_LAB_CHILD_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "commands.h"
#include "scenario.h"

struct child_opts {
	const char *run_dir;
	bool print_report; /* the child prints the text report on stdout */
	bool print_json;   /* ... or report.json */
	bool ascii;
};

struct child_result {
	int status;	  /* 0 verdict produced, 3 lab could not run, other: crash */
	json_t *verdict;  /* verdict_json of the run, or NULL */
	char error[1024]; /* why the lab could not run */
	double total_ms, net_build_ms, net_release_ms;
	bool interrupted;
};

/* Makes DIR (and parents); fails if it exists and is not empty. */
int ui_make_run_dir(const char *dir, char *err, size_t errlen);
int ui_run_child(const struct scenario *sc, const struct lab_paths *paths, const struct child_opts *o,
		 struct child_result *res);

#endif
