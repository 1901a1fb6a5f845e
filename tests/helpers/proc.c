/* Test helper: programs as child processes with an event pipe (see proc.h). */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *proc_bin(const char *name, char *out, size_t len)
{
	const char *dir = getenv("MLAB_BIN");
	snprintf(out, len, "%s/%s", dir && *dir ? dir : "bin", name);
	return out;
}

const char *proc_src(const char *rel, char *out, size_t len)
{
	const char *dir = getenv("MLAB_SRC");
	snprintf(out, len, "%s/%s", dir && *dir ? dir : ".", rel);
	return out;
}

int proc_start(struct proc *p, const char *const *argv)
{
	int pfd[2];
	size_t n = 0;
	char path[4096];

	memset(p, 0, sizeof *p);
	p->ev_fd = -1;
	while (argv[n])
		n++;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	proc_bin(argv[0], path, sizeof path);
	pid_t parent = getpid();
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		/* A test that fails mid-way skips its cleanup: its children must
		 * still die with the test binary, never outlive it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		const char **args = calloc(n + 4, sizeof *args);
		int devnull = open("/dev/null", O_RDONLY);
		if (!args || devnull < 0 || dup2(devnull, 0) < 0)
			_exit(127);
		/* dup2 onto itself would keep O_CLOEXEC: clear it explicitly. */
		if (pfd[1] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(pfd[1], 3) < 0)
			_exit(127);
		for (size_t i = 0; i < n; i++)
			args[i] = argv[i];
		args[n] = "--events";
		args[n + 1] = "3";
		args[n + 2] = "--quiet";
		execv(path, (char *const *)args);
		_exit(127);
	}
	close(pfd[1]);
	p->ev_fd = pfd[0];
	return 0;
}

/* Parses every complete line in the buffer into events. */
static json_t *take_lines(struct proc *p, const char *want)
{
	json_t *found = NULL;
	char *nl;

	while ((nl = memchr(p->buf, '\n', p->buf_len))) {
		size_t line = (size_t)(nl - p->buf);
		json_t *ev = json_loadb(p->buf, line, 0, NULL);
		memmove(p->buf, nl + 1, p->buf_len - line - 1);
		p->buf_len -= line + 1;
		if (!ev)
			continue;
		if (p->n_events == PROC_MAX_EVENTS) {
			json_decref(ev);
			continue;
		}
		p->events[p->n_events++] = ev;
		if (!found && want && strcmp(proc_str(ev, "event"), want) == 0)
			found = ev;
	}
	return found;
}

json_t *proc_wait_event(struct proc *p, const char *name, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	json_t *ev;

	while (p->ev_fd >= 0) {
		struct pollfd pf = {.fd = p->ev_fd, .events = POLLIN};
		long long left = deadline - now_ms();
		if (left <= 0)
			return NULL;
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		ssize_t r = read(p->ev_fd, p->buf + p->buf_len, sizeof p->buf - p->buf_len - 1);
		if (r <= 0) {
			close(p->ev_fd);
			p->ev_fd = -1;
			return NULL;
		}
		p->buf_len += (size_t)r;
		if ((ev = take_lines(p, name)))
			return ev;
		if (p->buf_len == sizeof p->buf - 1)
			p->buf_len = 0; /* an absurd line: drop it */
	}
	return NULL;
}

int proc_wait(struct proc *p, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (p->ev_fd >= 0 && now_ms() < deadline)
		(void)proc_wait_event(p, "\001never", (int)(deadline - now_ms()));
	while (!p->exited) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);
		if (r == p->pid) {
			p->exited = true;
			break;
		}
		if (now_ms() >= deadline) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &p->status, 0);
			p->exited = true;
			return -1;
		}
		usleep(10000);
	}
	return WIFEXITED(p->status) ? WEXITSTATUS(p->status) : 128 + WTERMSIG(p->status);
}

int proc_stop(struct proc *p, int sig, int timeout_ms)
{
	if (!p->exited && p->pid > 0)
		kill(p->pid, sig);
	return proc_wait(p, timeout_ms);
}

json_t *proc_event(const struct proc *p, const char *name, size_t idx)
{
	for (size_t i = 0; i < p->n_events; i++)
		if (strcmp(proc_str(p->events[i], "event"), name) == 0 && idx-- == 0)
			return p->events[i];
	return NULL;
}

size_t proc_count(const struct proc *p, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_events; i++)
		n += strcmp(proc_str(p->events[i], "event"), name) == 0;
	return n;
}

const char *proc_str(const json_t *ev, const char *field)
{
	const char *s = json_string_value(json_object_get(ev, field));
	return s ? s : "";
}

void proc_free(struct proc *p)
{
	if (!p->exited && p->pid > 0)
		(void)proc_stop(p, SIGKILL, 2000);
	if (p->ev_fd >= 0)
		close(p->ev_fd);
	p->ev_fd = -1;
	for (size_t i = 0; i < p->n_events; i++)
		json_decref(p->events[i]);
	p->n_events = 0;
}

/* argv to its end: path is execv'd, or argv[0] looked up in PATH when NULL. */
static int run_to_end(const char *path, const char *const *argv, char *out, size_t len)
{
	int pfd[2], status;
	size_t got = 0;

	if (len == 0 || pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (path)
			execv(path, (char *const *)argv);
		else
			execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	/* read to the end (a child blocked on a full pipe never exits), keep what fits */
	for (;;) {
		char spill[4096];
		ssize_t r = got < len - 1 ? read(pfd[0], out + got, len - 1 - got) : read(pfd[0], spill, sizeof spill);
		if (r <= 0)
			break;
		if (got < len - 1)
			got += (size_t)r;
	}
	out[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int proc_run(const char *const *argv, char *out, size_t len)
{
	char path[4096];
	if (!proc_bin(argv[0], path, sizeof path))
		return -1;
	return run_to_end(path, argv, out, len);
}

int proc_exec(const char *const *argv, char *out, size_t len)
{
	return run_to_end(NULL, argv, out, len);
}
