/* The dashboard: a run's events played back at teaching pace in a terminal
 * (ncursesw). It draws only what the view model (viewmodel.h) says about
 * the first k events; key handlers change the playback state and return
 * what the loop must do (redraw, quit, run live), never drawing themselves.
 *
 * Terminal manners: 80x24 is enough, more room shows more; redraws on
 * resize; colour only when the terminal has it and NO_COLOR is unset; UTF-8
 * symbols unless the locale is not UTF-8 or `ascii` is set; the terminal is
 * restored on every way out (q, errors, SIGINT/SIGTERM/SIGHUP, exit()). */
#ifndef UI_DASHBOARD_H
#define UI_DASHBOARD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

struct dashboard_src {
	char run_dir[PATH_MAX]; /* the run shown: run_dir/events.jsonl, loaded again after r and s */
	struct scenario *sc;	/* the scenario of that run, or NULL; owned by the caller */
	bool ascii;		/* --ascii: no UTF-8 symbols even in a UTF-8 locale */
	bool autoplay;		/* start playing from event 0 (else: paused at the end) */
	/* "r": run the scenario again, live, into a new run directory, and put
	 * its path in run_dir. 0, or -1 with err filled (run_dir unchanged).
	 * The terminal stays in curses mode: the lab must not print. NULL: r
	 * is not offered. */
	int (*rerun)(struct dashboard_src *src, char *err, size_t errlen);
	/* "s": the next scenario of the catalog, run live the same way; sets
	 * sc and run_dir. NULL: s is not offered. */
	int (*next)(struct dashboard_src *src, char *err, size_t errlen);
	void *ctx; /* the callbacks' own */
	/* --interactive: the run is still going. events.jsonl is read again as
	 * it grows and the view follows its end; what is typed goes to input_fd
	 * as alice's next message on Enter, Ctrl-D ends her messages. poll
	 * returns 1 once the run is over (then the dashboard is as after any
	 * run). live false: a finished run, as before. */
	bool live;
	int input_fd;
	int (*poll)(struct dashboard_src *src, int ms);
};

/* Shows the run until q. Returns 0 after q; 128+N after signal N (SIGINT,
 * SIGTERM, SIGHUP); -1 when the run cannot be loaded or the terminal cannot
 * be used (a message on stderr, after the terminal is restored). */
int dashboard_run(struct dashboard_src *src);

#endif
