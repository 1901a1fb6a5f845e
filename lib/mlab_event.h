/* The JSON-lines event emitter (docs/events.md).
 *
 * One event = one JSON object on one line: {"t": monotonic seconds, "actor",
 * "event", ...fields}. Events go to a descriptor the lab passes (--events FD),
 * and a readable line goes to a text stream (stderr by default) so a person
 * running the programs by hand sees the same story. Tests may add a sink. */
#ifndef MLAB_EVENT_H
#define MLAB_EVENT_H

#include <pthread.h>
#include <stdio.h>

#include <jansson.h>

struct mlab_ev;
typedef void (*mlab_ev_sink)(void *arg, const char *name, const json_t *event);

struct mlab_ev {
	const char *actor;
	int json_fd; /* -1: none */
	FILE *text;  /* NULL: none */
	mlab_ev_sink sink;
	void *sink_arg;
	/* A program whose threads share one emitter (bob serving connections
	 * concurrently) sets a mutex here: each event is then stamped and
	 * written whole, in the order of its stamp. NULL: one thread. */
	pthread_mutex_t *lock;
};

void mlab_ev_init(struct mlab_ev *ev, const char *actor, int json_fd, FILE *text);
/* Emits one event. fields (may be NULL) is consumed. fmt is the human line,
 * printed as "actor: line". ev may be NULL: nothing happens. */
void mlab_ev_emit(struct mlab_ev *ev, const char *name, json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An "error" event for code err (name, check and sentence), with a context string. */
void mlab_ev_error(struct mlab_ev *ev, int err, const char *where, const char *detail);
double mlab_ev_now(void);

#endif
