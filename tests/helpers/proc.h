/* tests/helpers: starting the lab's programs from tests and reading their
 * JSON-lines events. Only processes started here are ever signalled. */
#ifndef TEST_PROC_H
#define TEST_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

/* Events kept per process (later ones are dropped): room for a bob that reports
 * each of a few hundred records he echoes (test_loopback's never-reads test). */
#define PROC_MAX_EVENTS 2048

struct proc {
	pid_t pid;
	int ev_fd;  /* read end of the program's --events 3 */
	int status; /* valid after proc_wait */
	bool exited;
	json_t *events[PROC_MAX_EVENTS];
	size_t n_events;
	char buf[65536];
	size_t buf_len;
};

/* Path of a built program: $MLAB_BIN/name (make test sets MLAB_BIN). */
const char *proc_bin(const char *name, char *out, size_t len);
/* Path under the source tree: $MLAB_SRC/rel. */
const char *proc_src(const char *rel, char *out, size_t len);
/* Starts argv[0] (a program name under MLAB_BIN) with "--events 3 --quiet"
 * appended; stdin is /dev/null. */
int proc_start(struct proc *p, const char *const *argv);
/* Reads events until one named `name` arrives (returns it, borrowed) or
 * timeout_ms passes / the program closes its end (returns NULL). */
json_t *proc_wait_event(struct proc *p, const char *name, int timeout_ms);
/* Reads all events until EOF, then reaps the process (SIGKILL after timeout). */
int proc_wait(struct proc *p, int timeout_ms);
/* Sends sig to the process (only ever one we started) and waits. */
int proc_stop(struct proc *p, int sig, int timeout_ms);
/* The idx-th event named `name` (0-based) already read, or NULL. */
json_t *proc_event(const struct proc *p, const char *name, size_t idx);
size_t proc_count(const struct proc *p, const char *name);
/* Shorthand: a string field of an event, or "". */
const char *proc_str(const json_t *ev, const char *field);
void proc_free(struct proc *p);
/* Runs bin/NAME (argv[0] = NAME) to its end with stdin from /dev/null: its exit
 * status (128 + signal when killed), what it printed on stdout and stderr in
 * out (terminated, cut to len). -1 when it could not be run. */
int proc_run(const char *const *argv, char *out, size_t len);
/* The same for any program: argv[0] a path, or a name looked up in PATH. */
int proc_exec(const char *const *argv, char *out, size_t len);

#endif
