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
	/* --interactive: alice reads her messages from alice_stdin (the read
	 * end of a pipe the caller writes typed lines into). */
	bool interactive;
	int alice_stdin, alice_stdin_w; /* the pipe's ends: the child closes the write end */
	/* An enterable lab (mitmlab run --hold / --paused; ui/shell.h): the
	 * state file's path, or NULL for neither (not with interactive). */
	const char *hold_path;
	bool hold, paused; /* --paused: Enter on stdin or SIGUSR1 starts the programs */
	int idle_s;
	void (*on_held)(void *ctx); /* once held, after the report printed here (if any) */
	void *ctx;
};

struct child_result {
	int status;	  /* 0 verdict produced, 3 lab could not run, other: crash */
	json_t *verdict;  /* verdict_json of the run, or NULL */
	char error[1024]; /* why the lab could not run */
	double total_ms, net_build_ms, net_release_ms;
	bool interrupted; /* stopped before the verdict (a stop that ends a hold is not one) */
	bool held;	  /* the lab was held after the verdict (the report is already printed) */
};

/* Makes DIR (and parents); fails if it exists and is not empty. */
int ui_make_run_dir(const char *dir, char *err, size_t errlen);
int ui_run_child(const struct scenario *sc, const struct lab_paths *paths, const struct child_opts *o,
		 struct child_result *res);

/* The same in steps, for a caller that keeps its own loop (the interactive
 * dashboard): start, then poll until it says the run is over. */
struct child_handle {
	pid_t pid;
	int fd;
	char buf[16384];
	size_t len;
	int sent; /* 1: SIGTERM sent, 2: SIGKILL */
	bool open_pipe;
	double deadline;
	const struct child_opts *o;
};
int ui_child_start(const struct scenario *sc, const struct lab_paths *paths, const struct child_opts *o,
		   struct child_handle *h);
/* Waits up to ms; 1 when the run is over (res filled), 0 not yet. stop asks
 * the lab to end (Ctrl-C). */
int ui_child_poll(struct child_handle *h, int ms, bool stop, struct child_result *res);

#endif
