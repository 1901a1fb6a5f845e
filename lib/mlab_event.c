/* JSON-lines events and their human-readable twin lines (see mlab_event.h). */
#include "mlab_event.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlab_err.h"

void mlab_ev_init(struct mlab_ev *ev, const char *actor, int json_fd, FILE *text)
{
	memset(ev, 0, sizeof *ev);
	ev->actor = actor;
	ev->json_fd = json_fd;
	ev->text = text;
}

double mlab_ev_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One write per line, so lines from one process never interleave. */
static void write_line(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;
	while (off < n) {
		ssize_t w = write(fd, s + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the reader went away: events are best effort */
		off += (size_t)w;
	}
}

void mlab_ev_emit(struct mlab_ev *ev, const char *name, json_t *fields, const char *fmt, ...)
{
	json_t *obj;

	if (!ev) {
		json_decref(fields);
		return;
	}
	if (ev->lock)
		pthread_mutex_lock(ev->lock);
	obj = json_object();
	json_object_set_new(obj, "t", json_real(mlab_ev_now()));
	json_object_set_new(obj, "actor", json_string(ev->actor));
	json_object_set_new(obj, "event", json_string(name));
	if (fields)
		json_object_update(obj, fields);
	json_decref(fields);
	if (ev->json_fd >= 0) {
		char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s) {
			size_t n = strlen(s);
			char *line = malloc(n + 2);
			if (line) {
				memcpy(line, s, n);
				memcpy(line + n, "\n", 2);
				write_line(ev->json_fd, line);
				free(line);
			}
			free(s);
		}
	}
	if (ev->sink)
		ev->sink(ev->sink_arg, name, obj);
	if (ev->text && fmt) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(ev->text, "%s: ", ev->actor);
		vfprintf(ev->text, fmt, ap);
		fputc('\n', ev->text);
		fflush(ev->text);
		va_end(ap);
	}
	json_decref(obj);
	if (ev->lock)
		pthread_mutex_unlock(ev->lock);
}

void mlab_ev_error(struct mlab_ev *ev, int err, const char *where, const char *detail)
{
	json_t *f = json_pack("{s:s,s:s,s:s,s:i}", "error", mlab_err_name(err), "check", mlab_err_check(err), "message",
			      mlab_err_text(err), "code", err);
	if (where)
		json_object_set_new(f, "where", json_string(where));
	if (detail)
		json_object_set_new(f, "detail", json_string(detail));
	mlab_ev_emit(ev, "error", f, "ABORT%s%s: %s check failed (%s): %s%s%s", where ? " in " : "", where ? where : "",
		     mlab_err_check(err), mlab_err_name(err), mlab_err_text(err), detail ? " — " : "",
		     detail ? detail : "");
}
