/* A scenario run in a child process (see lab_child.h). */
#include "lab_child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "judge.h"
#include "report.h"
#include "runner.h"
#include "shell.h"

/* Counts this process's SIGINT/SIGTERM (in the parent: the first asks the
 * lab to stop, the second kills it; in the lab child: end the run cleanly). */
static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	if (stop_flag < 100)
		stop_flag++;
}

/* SIGUSR1 while the lab is paused: the go-ahead (--paused). */
static volatile sig_atomic_t go_flag;

static void on_go(int sig)
{
	(void)sig;
	go_flag = 1;
}

static void print_file(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[4096];
	size_t n;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	if (f)
		fclose(f);
	fflush(stdout);
}

int ui_make_run_dir(const char *dir, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct stat st;

	if (!dir[0] || strlen(dir) >= sizeof tmp) {
		snprintf(err, errlen, "run directory: give a non-empty path shorter than %d characters", PATH_MAX);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s", dir);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				goto fail;
			*p = '/';
		}
	if (mkdir(tmp, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		goto fail;
	/* An existing directory only if it is ours, private to us, and empty:
	 * nobody else can have planted links in it. */
	if (lstat(tmp, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, errlen,
			 "run directory %s exists and is not an empty directory of yours: choose another --out", dir);
		return -1;
	}
	DIR *d = opendir(tmp);
	struct dirent *de;
	int used = 0;
	while (d && (de = readdir(d)))
		used |= strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	if (d)
		closedir(d);
	if (used || !d) {
		snprintf(err, errlen, "run directory %s exists and is not empty: choose another --out", dir);
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot create run directory %s: %s", tmp, strerror(errno));
	return -1;
}

/* The child: runs the lab, sends one line of JSON back on `out` (after the
 * lab's notices, if it is enterable). */
static void child_main(const struct scenario *sc, const struct lab_paths *paths, const struct child_opts *o, int out,
		       int ctl, pid_t front)
{
	struct sigaction sa = {.sa_handler = on_stop};
	struct run_opts ro = {.run_dir = o->run_dir,
			      .live_fd = -1,
			      .stop = &stop_flag,
			      .alice_stdin = o->interactive ? o->alice_stdin : -1,
			      .hold_path = o->hold_path,
			      .paused = o->paused,
			      .hold = o->hold,
			      .idle_s = o->idle_s,
			      .ctl_fd = ctl,
			      .notice_fd = out,
			      .mitmlab_pid = front};
	struct verdict v;
	struct run_times times;
	char err[1024] = "";

	/* Ctrl-C in the terminal reaches only the parent, which asks us to stop. */
	setpgid(0, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN); /* the front end's go-ahead signal, not ours */
	int rc = lab_run(sc, paths, &ro, &v, &times, err, sizeof err);
	json_t *msg =
	    json_pack("{s:i,s:s,s:f,s:f,s:f,s:b}", "rc", rc, "error", err, "total_ms", times.total_ms, "net_build_ms",
		      times.net_build_ms, "net_release_ms", times.net_release_ms, "interrupted", stop_flag != 0);
	if (rc == 0)
		json_object_set_new(msg, "verdict", verdict_json(&v));
	char *line = json_dumps(msg, JSON_COMPACT);
	if (line) {
		dprintf(out, "%s\n", line);
		free(line);
	}
	json_decref(msg);
	_exit(rc == 0 ? 0 : 3);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ui_child_start(const struct scenario *sc, const struct lab_paths *paths, const struct child_opts *o,
		   struct child_handle *h)
{
	int pfd[2];
	memset(h, 0, sizeof *h);
	h->o = o;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	stop_flag = 0;
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		/* Only the caller writes alice's lines: her EOF is the caller's close. */
		if (o->interactive)
			close(o->alice_stdin_w);
		child_main(sc, paths, o, pfd[1], -1, parent);
	}
	close(pfd[1]);
	h->pid = pid;
	h->fd = pfd[0];
	h->open_pipe = true;
	h->deadline = mono_s() + (o->interactive ? INTERACTIVE_LIMIT_S : (double)sc->timeout_s) + 60.0;
	return 0;
}

static void collect(struct child_handle *h, int status, struct child_result *res)
{
	memset(res, 0, sizeof *res);
	close(h->fd);
	h->buf[h->len] = '\0';
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res->interrupted = h->sent > 0;
	json_t *msg = json_loads(h->buf, 0, NULL);
	if (msg) {
		const char *e = json_string_value(json_object_get(msg, "error"));
		snprintf(res->error, sizeof res->error, "%s", e ? e : "");
		res->total_ms = json_real_value(json_object_get(msg, "total_ms"));
		res->net_build_ms = json_real_value(json_object_get(msg, "net_build_ms"));
		res->net_release_ms = json_real_value(json_object_get(msg, "net_release_ms"));
		res->verdict = json_incref(json_object_get(msg, "verdict"));
		json_decref(msg);
	} else if (!res->error[0]) {
		snprintf(res->error, sizeof res->error, "the lab process ended without a result (status %d)",
			 res->status);
	}
}

int ui_child_poll(struct child_handle *h, int ms, bool stop, struct child_result *res)
{
	if (stop && h->sent == 0) {
		kill(h->pid, SIGTERM);
		h->sent = 1;
	}
	if (mono_s() > h->deadline && h->sent < 2) {
		kill(h->pid, SIGKILL);
		h->sent = 2;
	}
	if (h->open_pipe) {
		struct pollfd pf = {.fd = h->fd, .events = POLLIN};
		if (poll(&pf, 1, ms) > 0) {
			ssize_t n = read(h->fd, h->buf + h->len, sizeof h->buf - 1 - h->len);
			if (n > 0)
				h->len += (size_t)n;
			else if (n == 0 || errno != EINTR)
				h->open_pipe = false;
		}
		return 0;
	}
	int status;
	pid_t w = waitpid(h->pid, &status, WNOHANG);
	if (w == 0) {
		(void)poll(NULL, 0, ms < 50 ? ms : 50);
		return 0;
	}
	if (w != h->pid)
		status = 0x7f00; /* lost: reported as a failed lab process */
	collect(h, status, res);
	return 1;
}

/* What the front end keeps while the lab child runs. */
struct watch {
	const struct child_opts *o;
	const struct scenario *sc;
	struct child_result *res;
	char result[16384]; /* the child's last line that is not a notice */
	double deadline;
	int ctl; /* write end of the go-ahead pipe, -1 once used */
	bool paused, printed;
	bool held_at_stop; /* the first stop request came while held */
	int lab_pid;	   /* from the first notice: whose state file to clean up */
};

/* The reports this process prints (not --ascii: that is the caller's). */
static void print_reports(struct watch *w)
{
	if (!w->printed && w->res->status == 0 && (w->o->print_report || w->o->print_json))
		print_file(w->o->run_dir, w->o->print_json ? "report.json" : "report.txt");
	w->printed = true;
}

static void on_line(struct watch *w, const char *line, size_t n)
{
	json_t *j = json_loadb(line, n, 0, NULL);
	const char *what = json_string_value(json_object_get(j, "notice"));
	FILE *f = w->o->print_json ? stderr : stdout;

	if (!what) {
		snprintf(w->result, sizeof w->result, "%.*s", (int)n, line);
		json_decref(j);
		return;
	}
	if (!w->lab_pid && json_is_integer(json_object_get(j, "lab_pid")))
		w->lab_pid = (int)json_integer_value(json_object_get(j, "lab_pid"));
	if (strcmp(what, "paused") == 0) {
		w->paused = true;
		w->deadline = 1e300; /* the user decides when it goes on */
	} else if (strcmp(what, "resumed") == 0) {
		w->paused = false;
		w->deadline = mono_s() + (double)w->sc->timeout_s + 60.0;
	} else if (strcmp(what, "held") == 0) {
		w->res->held = true;
		w->deadline = 1e300; /* the lab's own idle limit ends it */
		print_reports(w);
		if (w->o->on_held)
			w->o->on_held(w->o->ctx);
	}
	ui_hold_tell(f, j);
	json_decref(j);
}

/* Lines from the child: its notices as they come, then its result. */
static bool read_child(struct watch *w, int fd, char *buf, size_t *len, size_t cap)
{
	ssize_t n = read(fd, buf + *len, cap - *len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0) {
		if (*len)
			on_line(w, buf, *len);
		*len = 0;
		return false;
	}
	*len += (size_t)n;
	char *nl;
	size_t off = 0;
	while ((nl = memchr(buf + off, '\n', *len - off))) {
		on_line(w, buf + off, (size_t)(nl - (buf + off)));
		off = (size_t)(nl - buf) + 1;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
	if (*len == cap) /* a line this long is nobody's: drop it */
		*len = 0;
	return true;
}

/* While paused: a line on stdin (when it is ours to read: not a terminal
 * we are in the background of) or SIGUSR1 sends the go-ahead. */
static bool stdin_readable(void)
{
	return !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static void go_ahead(struct watch *w)
{
	if (w->ctl >= 0) {
		ssize_t k = write(w->ctl, "g", 1);
		(void)k; /* a child that went away ends by itself */
		close(w->ctl);
		w->ctl = -1;
	}
	w->paused = false;
}

int ui_run_child(const struct scenario *sc, const struct lab_paths *paths, const struct child_opts *o,
		 struct child_result *res)
{
	struct sigaction sa = {.sa_handler = on_stop}, go = {.sa_handler = on_go}, old_int, old_term, old_usr1;
	char buf[16384];
	size_t len = 0;
	int pfd[2], ctl[2] = {-1, -1}, status = 0;
	bool stdin_open = true;

	memset(res, 0, sizeof *res);
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	if (o->hold_path && o->paused && pipe2(ctl, O_CLOEXEC) != 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	fflush(NULL);
	stop_flag = 0; /* before the fork: the child must not inherit a stale request */
	go_flag = 0;
	if (o->hold_path && o->paused) /* before the fork: an early SIGUSR1 must not kill us */
		sigaction(SIGUSR1, &go, &old_usr1);
	pid_t parent = getpid(), pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		if (ctl[1] >= 0)
			close(ctl[1]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		child_main(sc, paths, o, pfd[1], ctl[0], parent);
	}
	close(pfd[1]);
	if (ctl[0] >= 0)
		close(ctl[0]);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* The lab child has its own deadline; this one only guards against a
	 * stuck child: its scenario's limit plus generous start and stop time
	 * (not while paused or held: the user, and the lab's idle limit, decide). */
	struct watch w = {.o = o, .sc = sc, .res = res, .ctl = ctl[1]};
	w.deadline = mono_s() + (double)sc->timeout_s + 60.0;
	int sent = 0; /* 1: SIGTERM sent, 2: SIGKILL sent */
	bool open_pipe = true;
	for (;;) {
		if (stop_flag >= 1 && sent == 0) {
			w.held_at_stop = res->held;
			kill(pid, SIGTERM);
			sent = 1;
		}
		if ((stop_flag >= 2 || mono_s() > w.deadline) && sent < 2) {
			kill(pid, SIGKILL);
			sent = 2;
		}
		if (w.paused && go_flag)
			go_ahead(&w);
		if (open_pipe) {
			bool watch_in = w.paused && stdin_open && stdin_readable();
			struct pollfd pf[2] = {{.fd = pfd[0], .events = POLLIN},
					       {.fd = STDIN_FILENO, .events = POLLIN}};
			if (poll(pf, watch_in ? 2 : 1, 100) > 0) {
				if (pf[0].revents)
					open_pipe = read_child(&w, pfd[0], buf, &len, sizeof buf);
				if (watch_in && pf[1].revents) {
					char in[256];
					ssize_t n = read(STDIN_FILENO, in, sizeof in);
					if (n > 0 && memchr(in, '\n', (size_t)n))
						go_ahead(&w);
					else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
						stdin_open = false; /* EOF is no go-ahead: SIGUSR1 still is */
				}
			}
			continue;
		}
		pid_t wp = waitpid(pid, &status, WNOHANG);
		if (wp == pid)
			break;
		if (wp < 0 && errno != EINTR)
			break;
		(void)poll(NULL, 0, 50);
	}
	close(pfd[0]);
	if (w.ctl >= 0)
		close(w.ctl);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (o->hold_path && o->paused)
		sigaction(SIGUSR1, &old_usr1, NULL);
	/* A lab that could not clean up (killed) leaves its state file: ours. */
	if (o->hold_path && w.lab_pid)
		ui_hold_forget(o->hold_path, w.lab_pid);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res->interrupted = sent > 0 && !w.held_at_stop;
	json_t *msg = json_loads(w.result, 0, NULL);
	if (msg) {
		const char *e = json_string_value(json_object_get(msg, "error"));
		snprintf(res->error, sizeof res->error, "%s", e ? e : "");
		res->total_ms = json_real_value(json_object_get(msg, "total_ms"));
		res->net_build_ms = json_real_value(json_object_get(msg, "net_build_ms"));
		res->net_release_ms = json_real_value(json_object_get(msg, "net_release_ms"));
		res->verdict = json_incref(json_object_get(msg, "verdict"));
		json_decref(msg);
	} else if (!res->error[0]) {
		snprintf(res->error, sizeof res->error, "the lab process ended without a result (status %d)",
			 res->status);
	}
	/* The report is printed here, in the foreground: the lab child runs in
	 * its own process group and must not write to the terminal. */
	if (!res->held)
		print_reports(&w);
	return 0;
}
