/* Running N independent tasks in parallel worker processes, their results
 * reported in order: mitmlab check --jobs. Each task runs in a child of its
 * own (a lab needs a process of its own anyway), writes a text and a pass
 * flag back through a pipe, and exits; at most `jobs` run at once. */
#ifndef UI_JOBS_H
#define UI_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#define JOBS_TEXT_MAX 8192

/* Task i, in a child: writes its lines into text (cap bytes); returns true
 * when it passed. */
typedef bool (*jobs_task_fn)(size_t i, char *text, size_t cap, void *arg);

struct jobs_result {
	size_t passed, failed;
	bool interrupted; /* Ctrl-C: no new task was started after it */
};

/* Runs tasks 0..n-1, at most jobs at once, printing each task's text on
 * stdout in task order as soon as it and all before it are done. */
void jobs_run(size_t n, unsigned jobs, jobs_task_fn task, void *arg, struct jobs_result *r);
/* The same, printing nothing: texts[i] gets task i's text (malloc'ed, NULL
 * when it never ran) and oks[i] its flag. */
void jobs_collect(size_t n, unsigned jobs, jobs_task_fn task, void *arg, char **texts, bool *oks,
		  struct jobs_result *r);
/* The default for --jobs: the number of online cores (at least 1). */
unsigned jobs_default(void);

#endif
