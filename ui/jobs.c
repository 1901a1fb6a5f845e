/* See jobs.h. Ctrl-C reaches every worker (they stay in the terminal's
 * process group, and each lab child forwards it to its lab); the parent only
 * stops starting new ones. */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t jobs_stop;

static void on_int(int sig)
{
	(void)sig;
	jobs_stop = 1;
}

unsigned jobs_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n < 1024 ? (unsigned)n : 1;
}

struct slot {
	pid_t pid;
	int fd;
	size_t task;
	char buf[JOBS_TEXT_MAX + 2];
	size_t len;
};

struct done {
	char *text;
	bool ok, finished;
};

static void start(struct slot *s, size_t i, jobs_task_fn task, void *arg)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		s->pid = -1;
		return;
	}
	fflush(NULL);
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		char *text = malloc(JOBS_TEXT_MAX);
		close(pfd[0]);
		if (!text || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(3);
		text[0] = '\0';
		bool ok = task(i, text, JOBS_TEXT_MAX, arg);
		/* the flag first, then the text: one write each, the pipe holds them */
		if (write(pfd[1], ok ? "1" : "0", 1) != 1 || write(pfd[1], text, strlen(text)) < 0)
			_exit(3);
		_exit(0);
	}
	close(pfd[1]);
	s->pid = pid;
	s->fd = pid > 0 ? pfd[0] : -1;
	if (pid < 0)
		close(pfd[0]);
	s->task = i;
	s->len = 0;
}

static void finish(struct slot *s, struct done *d)
{
	int status;
	close(s->fd);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->buf[s->len] = '\0';
	d[s->task].finished = true;
	d[s->task].ok = s->len > 0 && s->buf[0] == '1';
	d[s->task].text = strdup(s->len > 1 ? s->buf + 1 : "FAIL (the check process ended without a result)\n");
	s->pid = 0;
	s->fd = -1;
}

static void run_all(size_t n, unsigned jobs, jobs_task_fn task, void *arg, char **texts, bool *oks,
		    struct jobs_result *r);

void jobs_run(size_t n, unsigned jobs, jobs_task_fn task, void *arg, struct jobs_result *r)
{
	run_all(n, jobs, task, arg, NULL, NULL, r);
}

void jobs_collect(size_t n, unsigned jobs, jobs_task_fn task, void *arg, char **texts, bool *oks, struct jobs_result *r)
{
	for (size_t i = 0; i < n; i++) {
		texts[i] = NULL;
		oks[i] = false;
	}
	run_all(n, jobs, task, arg, texts, oks, r);
}

static void run_all(size_t n, unsigned jobs, jobs_task_fn task, void *arg, char **texts, bool *oks,
		    struct jobs_result *r)
{
	struct sigaction sa = {.sa_handler = on_int}, old;
	struct slot *slots = calloc(jobs ? jobs : 1, sizeof *slots);
	struct done *d = calloc(n ? n : 1, sizeof *d);
	size_t next = 0, printed = 0, running = 0;

	memset(r, 0, sizeof *r);
	if (!slots || !d) {
		free(slots);
		free(d);
		r->failed = n;
		return;
	}
	jobs = jobs ? jobs : 1;
	jobs_stop = 0;
	sigaction(SIGINT, &sa, &old);
	while (printed < n) {
		for (unsigned k = 0; k < jobs && next < n && !jobs_stop; k++)
			if (!slots[k].pid) {
				start(&slots[k], next, task, arg);
				if (slots[k].pid < 0) { /* cannot fork: count it as failed */
					slots[k].pid = 0;
					d[next].finished = true;
					d[next].text = strdup("FAIL (cannot start a check process)\n");
				} else {
					running++;
				}
				next++;
			}
		struct pollfd pf[64];
		unsigned idx[64], np = 0;
		for (unsigned k = 0; k < jobs && np < 64; k++)
			if (slots[k].pid > 0) {
				pf[np] = (struct pollfd){.fd = slots[k].fd, .events = POLLIN};
				idx[np++] = k;
			}
		if (np && poll(pf, np, 200) > 0)
			for (unsigned p = 0; p < np; p++) {
				if (!(pf[p].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				struct slot *s = &slots[idx[p]];
				ssize_t got = read(s->fd, s->buf + s->len, JOBS_TEXT_MAX + 1 - s->len);
				if (got > 0)
					s->len += (size_t)got;
				else if (got == 0 || errno != EINTR) {
					finish(s, d);
					running--;
				}
			}
		while (printed < n && d[printed].finished) {
			if (texts) {
				texts[printed] = d[printed].text;
				oks[printed] = d[printed].ok;
			} else {
				fputs(d[printed].text ? d[printed].text : "", stdout);
				fflush(stdout);
				free(d[printed].text);
			}
			if (d[printed].ok)
				r->passed++;
			else
				r->failed++;
			printed++;
		}
		if (jobs_stop && !running && next > printed) {
			r->interrupted = true;
			break;
		}
		if (!np && next >= n && printed < n && !running)
			break; /* nothing left that could finish */
	}
	sigaction(SIGINT, &old, NULL);
	for (size_t i = printed; i < n; i++)
		free(d[i].text);
	free(slots);
	free(d);
}
