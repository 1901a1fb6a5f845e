/* Screen tests: the dashboard in a real terminal. Each test starts mitmlab
 * inside tmux (a server on a socket of its own, `-L mlab-test-<pid>`, so a
 * user's tmux is never touched; killed at the end), sends keys, captures the
 * pane and checks what a person would see: mallory's two key ids beside
 * alice's and bob's (06), BLOCKED by alice's signature check (08), the
 * poisoned neighbour entries, the step counter under n/p, a clean exit on q
 * with the terminal's modes restored. Every wait is bounded.
 *
 * Needs tmux (tools/install-deps.sh installs it): without it the tests fail,
 * they do not skip. The runs are made here (`mitmlab run --headless`), so
 * the lab must work on this machine (as for test_lab). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "judge.h"
#include "proc.h"

#define WAIT_MS 5000	  /* a screen change after a key */
#define WAIT_RUN_MS 20000 /* a live run: the lab is built first */

static char tmux_sock[64], tmux_conf[PATH_MAX], tmp[64], mitmlab[PATH_MAX];
static char dir06[PATH_MAX], dir08[PATH_MAX], dir07[PATH_MAX], dir13[PATH_MAX], dir15[PATH_MAX];
static char dir29[PATH_MAX], dir34[PATH_MAX], dir59[PATH_MAX];
static char key_alice[9], key_bob[9]; /* the session key ids of the 06 run */
static char screen[65536];	      /* the last capture */
static int n_session;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Runs argv (a program found on PATH or a path) with stdin from /dev/null;
 * what it prints (stdout and stderr) goes to out. A bounded wait: after
 * timeout_ms the child (ours) is killed. Returns its exit status, 127 when
 * it could not be started. */
static int run_argv(const char *const *argv, char *out, size_t out_len, int timeout_ms)
{
	FILE *f = tmpfile(); /* not a pipe: a daemon it forks (tmux's server) must not hold our read end */
	int status = 0;

	assert_non_null(f);
	pid_t parent = getpid(), pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(fileno(f), 1) < 0 || dup2(fileno(f), 2) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	long long end = now_ms() + timeout_ms;
	pid_t w;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < end)
		sleep_ms(5);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	size_t got = 0;
	rewind(f);
	if (out && out_len) {
		got = fread(out, 1, out_len - 1, f);
		out[got] = '\0';
	}
	fclose(f);
	if (w == 0)
		return 124;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* tmux on our own socket and configuration. */
static int tmux_v(char *out, size_t out_len, const char *const *args)
{
	const char *argv[40] = {"tmux", "-L", tmux_sock, "-f", tmux_conf};
	size_t n = 5;
	while (*args && n < 39)
		argv[n++] = *args++;
	argv[n] = NULL;
	return run_argv(argv, out, out_len, 10000);
}
#define TMUX(...) tmux_v(NULL, 0, (const char *const[]){__VA_ARGS__, NULL})
#define TMUX_OUT(out, ...) tmux_v(out, sizeof out, (const char *const[]){__VA_ARGS__, NULL})

static void capture(const char *target)
{
	assert_int_equal(tmux_v(screen, sizeof screen, (const char *const[]){"capture-pane", "-p", "-t", target, NULL}),
			 0);
}

/* A format of the pane (#{pane_dead} ...), trailing newline removed. */
static const char *pane_fmt(const char *target, const char *fmt, char *out, size_t len)
{
	int rc = tmux_v(out, len, (const char *const[]){"display-message", "-p", "-t", target, fmt, NULL});
	assert_int_equal(rc, 0);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* Once the screen shows what is awaited, waits (at most half a second) for
 * two captures 50 ms apart to agree, so that the assertions after it see a
 * whole redraw, not one tmux is still receiving (a resize once showed the
 * new host strip without the verdict line yet). */
static void settle(const char *target, const char *want)
{
	static char before[sizeof screen];
	for (int i = 0; i < 10; i++) {
		memcpy(before, screen, sizeof screen);
		sleep_ms(50);
		capture(target);
		if (strcmp(before, screen) == 0 || !strstr(screen, want))
			return;
	}
}

/* Polls the pane until `want` is on screen (true) or timeout_ms passed, or
 * mitmlab has ended (the shell around it printed EXIT=) without showing it. */
static bool wait_text(const char *target, const char *want, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	for (;;) {
		capture(target);
		if (strstr(screen, want)) {
			settle(target, want);
			if (strstr(screen, want))
				return true;
		}
		if (now_ms() > end || strstr(screen, "EXIT="))
			return false;
		sleep_ms(50);
	}
}

#define expect_text(target, want, ms)                                                                                  \
	do {                                                                                                           \
		if (!wait_text(target, want, ms))                                                                      \
			fail_msg("\"%s\" did not appear within %d ms; the screen:\n%s", want, ms, screen);             \
	} while (0)

static bool wait_fmt(const char *target, const char *fmt, const char *want, int timeout_ms)
{
	char v[256];
	long long end = now_ms() + timeout_ms;
	for (;;) {
		if (strcmp(pane_fmt(target, fmt, v, sizeof v), want) == 0)
			return true;
		if (now_ms() > end)
			return false;
		sleep_ms(50);
	}
}

/* The status line's "step K/N": K (and N in *total), or -1 if absent. */
static long step_of(const char *s, long *total)
{
	const char *p = s;
	while ((p = strstr(p, "step "))) {
		char *e;
		long k = strtol(p + 5, &e, 10);
		if (e != p + 5 && *e == '/') {
			char *e2;
			long n = strtol(e + 1, &e2, 10);
			if (e2 != e + 1) {
				if (total)
					*total = n;
				return k;
			}
		}
		p += 5;
	}
	return -1;
}

/* The line of the screen holding `a`, then `b`, then `c`... in that order
 * (NULL ends the list); NULL when no line does. Copied to buf. */
static const char *line_with(char *buf, size_t len, ...)
{
	const char *line = screen;
	while (*line) {
		size_t l = strcspn(line, "\n");
		snprintf(buf, len, "%.*s", (int)l, line);
		va_list ap;
		va_start(ap, len);
		const char *p = buf, *w;
		bool ok = true;
		while ((w = va_arg(ap, const char *)))
			if (!(p = strstr(p, w))) {
				ok = false;
				break;
			} else {
				p += strlen(w);
			}
		va_end(ap);
		if (ok)
			return buf;
		line += l + (line[l] == '\n');
	}
	return NULL;
}

static size_t count_of(const char *s, const char *w)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, w)); p += strlen(w))
		n++;
	return n;
}

/* A line showing "mallory K1/K2" with "alice K1" before and "bob K2" after
 * it: the picture of a relay attack, whatever the keys of this run. */
static bool relay_picture(char *buf, size_t len)
{
	const char *p = screen;
	while ((p = strstr(p, "mallory "))) {
		char m1[9] = "", m2[9] = "";
		if (sscanf(p + 8, "%8[0-9a-f]/%8[0-9a-f]", m1, m2) == 2 && strlen(m1) == 8 && strlen(m2) == 8 &&
		    line_with(buf, len, "alice", m1, "mallory", m1, m2, "bob", m2, (char *)NULL))
			return true;
		p += 8;
	}
	return false;
}

/* A new session running mitmlab (from sh, in the temporary directory) at
 * width x height. The shell around it reports whether the terminal's modes
 * after mitmlab equal those before and mitmlab's status, then waits for a
 * line (so the pane is still alive to be inspected: tmux reports a dead
 * pane's cursor as hidden) and exits with that status. It ignores Ctrl-C
 * itself (mitmlab gets it: a handler, not SIG_IGN, is not inherited). */
static void start(char *target, size_t tlen, int width, int height, const char *env, const char *args)
{
	char cmd[8192], w[16], h[16];
	snprintf(target, tlen, "s%d", ++n_session);
	snprintf(w, sizeof w, "%d", width);
	snprintf(h, sizeof h, "%d", height);
	snprintf(cmd, sizeof cmd,
		 "trap : INT; unset NO_COLOR; export LC_ALL=C.UTF-8 %s; a=$(stty -g); '%s' %s; rc=$?; "
		 "b=$(stty -g); [ \"$a\" = \"$b\" ] && echo TTY-RESTORED; echo EXIT=$rc; read x; exit $rc",
		 env, mitmlab, args);
	int rc = TMUX("new-session", "-d", "-s", target, "-x", w, "-y", h, "-c", tmp, cmd);
	assert_int_equal(rc, 0);
	char size[64], want[64];
	snprintf(want, sizeof want, "%dx%d", width, height);
	assert_string_equal(pane_fmt(target, "#{pane_width}x#{pane_height}", size, sizeof size), want);
}

static void keys(const char *target, const char *key)
{
	assert_int_equal(TMUX("send-keys", "-t", target, key), 0);
}

/* Sends one key and waits for the step counter to read `want`. */
static void step_key(const char *target, const char *key, long want)
{
	char s[64];
	snprintf(s, sizeof s, "step %ld/", want);
	keys(target, key);
	expect_text(target, s, WAIT_MS);
}

/* After `key` the program ends with `status` and the terminal is as it
 * was: the same modes (stty), the normal screen, a visible cursor. Then the
 * shell ends too, with that status. */
static void ends_cleanly(const char *target, const char *key, int status)
{
	char v[64], want[32];
	keys(target, key);
	snprintf(want, sizeof want, "EXIT=%d", status);
	expect_text(target, "EXIT=", WAIT_MS);
	/* with what scrolled off (the report after a run) */
	assert_int_equal(
	    tmux_v(screen, sizeof screen, (const char *const[]){"capture-pane", "-p", "-S", "-", "-t", target, NULL}),
	    0);
	if (!strstr(screen, want))
		fail_msg("expected %s; the screen:\n%s", want, screen);
	if (!strstr(screen, "TTY-RESTORED"))
		fail_msg("the terminal's modes differ after the dashboard; the screen:\n%s", screen);
	assert_string_equal(pane_fmt(target, "#{alternate_on}", v, sizeof v), "0");
	assert_string_equal(pane_fmt(target, "#{cursor_flag}", v, sizeof v), "1");
	char *keep = strdup(screen);
	assert_non_null(keep);
	keys(target, "Enter");
	if (!wait_fmt(target, "#{pane_dead}", "1", WAIT_MS))
		fail_msg("the shell around mitmlab did not end");
	/* The shell's own status, when tmux has it. mitmlab's status is the
	 * EXIT= line above: tmux 3.3 sometimes sees the pane close but never
	 * reaps the shell (it stays a zombie and #{pane_dead_status} empty; the
	 * same with `sleep` in place of mitmlab), so an empty one is no failure. */
	snprintf(want, sizeof want, "%d", status);
	wait_fmt(target, "#{pane_dead_status}", want, 1000);
	pane_fmt(target, "#{pane_dead_status}", v, sizeof v);
	if (v[0] && strcmp(v, want) != 0)
		fail_msg("the shell ended with status %s, not %s", v, want);
	snprintf(screen, sizeof screen, "%s", keep); /* what was on screen when mitmlab had ended */
	free(keep);
	TMUX("kill-session", "-t", target);
}

static void quit_cleanly(const char *target)
{
	ends_cleanly(target, "q", 0);
}

/* ---- set-up: tmux, two recorded runs ---- */

static int read_keys(const char *dir)
{
	char path[PATH_MAX + 32], line[65536];
	snprintf(path, sizeof path, "%s/events.jsonl", dir);
	FILE *f = fopen(path, "r");
	json_t *events = json_array();
	struct verdict v;
	if (!f || !events)
		return -1;
	while (fgets(line, sizeof line, f)) {
		json_t *e = json_loads(line, 0, NULL);
		if (e)
			json_array_append_new(events, e);
	}
	fclose(f);
	judge_run(events, &v);
	json_decref(events);
	snprintf(key_alice, sizeof key_alice, "%s", v.alice.key_id);
	snprintf(key_bob, sizeof key_bob, "%s", v.bob.key_id);
	return key_alice[0] && key_bob[0] ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	char out[65536];
	const char *version[] = {"tmux", "-V", NULL};
	if (run_argv(version, out, sizeof out, 10000) != 0) {
		fprintf(stderr, "test_screen: tmux is not installed (or does not start): the screen tests need a real "
				"terminal. Install it: apt-get install tmux (tools/install-deps.sh does).\n");
		return -1;
	}
	unsetenv("TMUX"); /* started from inside tmux: ours is a separate server anyway */
	snprintf(tmux_sock, sizeof tmux_sock, "mlab-test-%ld", (long)getpid());
	snprintf(tmp, sizeof tmp, "/tmp/mlab-screen-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(tmux_conf, sizeof tmux_conf, "%s/tmux.conf", tmp);
	FILE *f = fopen(tmux_conf, "w");
	if (!f)
		return -1;
	/* no status line (the pane is the whole window), a terminal type every
	 * ncurses knows, panes kept after exit to read their status */
	fputs("set -g status off\nset -g remain-on-exit on\nset -g default-terminal screen\n"
	      "set -g default-shell /bin/sh\nset -g history-limit 2000\n",
	      f);
	fclose(f);
	char rel[PATH_MAX];
	proc_bin("mitmlab", rel, sizeof rel);
	if (!realpath(rel, mitmlab)) { /* the panes start elsewhere: the path must not be relative */
		fprintf(stderr, "test_screen: %s: %s (set MLAB_BIN)\n", rel, strerror(errno));
		return -1;
	}
	snprintf(dir06, sizeof dir06, "%s/r06", tmp);
	snprintf(dir08, sizeof dir08, "%s/r08", tmp);
	const char *r06[] = {mitmlab, "run", "06-dh-mitm", "--headless", "--out", dir06, NULL};
	const char *r08[] = {mitmlab, "run", "08-signed-dh-mitm", "--headless", "--out", dir08, NULL};
	snprintf(dir07, sizeof dir07, "%s/r07", tmp);
	snprintf(dir13, sizeof dir13, "%s/r13", tmp);
	const char *r07[] = {mitmlab, "run", "07-dh-mitm-tamper", "--headless", "--out", dir07, NULL};
	const char *r13[] = {mitmlab, "run", "13-strip-auth", "--headless", "--out", dir13, NULL};
	snprintf(dir15, sizeof dir15, "%s/r15", tmp);
	const char *r15[] = {mitmlab, "run", "15-downgrade-group", "--headless", "--out", dir15, NULL};
	snprintf(dir29, sizeof dir29, "%s/r29", tmp);
	snprintf(dir34, sizeof dir34, "%s/r34", tmp);
	const char *r29[] = {mitmlab, "run", "29-cert-expired", "--headless", "--out", dir29, NULL};
	const char *r34[] = {mitmlab, "run", "34-tofu-first-contact", "--headless", "--out", dir34, NULL};
	snprintf(dir59, sizeof dir59, "%s/r59", tmp);
	const char *r59[] = {mitmlab, "run", "59-pq-record-hybrid", "--headless", "--out", dir59, NULL};
	if (run_argv(r06, out, sizeof out, 60000) != 0 || run_argv(r08, out, sizeof out, 60000) != 0 ||
	    run_argv(r07, out, sizeof out, 60000) != 0 || run_argv(r13, out, sizeof out, 60000) != 0 ||
	    run_argv(r15, out, sizeof out, 60000) != 0 || run_argv(r29, out, sizeof out, 60000) != 0 ||
	    run_argv(r34, out, sizeof out, 60000) != 0 || run_argv(r59, out, sizeof out, 60000) != 0) {
		fprintf(stderr, "test_screen: the recorded runs could not be made:\n%s\n", out);
		return -1;
	}
	if (read_keys(dir06) != 0) {
		fprintf(stderr, "test_screen: the 06 run has no key ids for alice and bob\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	if (tmux_sock[0]) {
		TMUX("kill-server");
		/* tmux leaves its socket file behind: remove ours (only ours) */
		char sock[PATH_MAX];
		const char *base = getenv("TMUX_TMPDIR");
		snprintf(sock, sizeof sock, "%s/tmux-%ld/%s", base && *base ? base : "/tmp", (long)getuid(), tmux_sock);
		unlink(sock);
	}
	if (tmp[0] && strncmp(tmp, "/tmp/mlab-screen-", 17) == 0) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "test_screen: could not remove %s\n", tmp);
	}
	return 0;
}

/* ---- the tests ---- */

static void test_replay_without_terminal_prints_report(void **state)
{
	(void)state;
	char out[65536];
	const char *a[] = {mitmlab, "replay", dir06, NULL};
	assert_int_equal(run_argv(a, out, sizeof out, 10000), 0);
	assert_non_null(strstr(out, "VERDICT: attack-succeeded"));
	assert_non_null(strstr(out, key_alice));
	const char *b[] = {mitmlab, "replay", dir08, "--ascii", NULL};
	assert_int_equal(run_argv(b, out, sizeof out, 10000), 0);
	assert_non_null(strstr(out, "VERDICT: blocked"));
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p >= 0x80)
			fail_msg("--ascii printed a byte 0x%02x", *p);
	char missing[PATH_MAX + 16];
	snprintf(missing, sizeof missing, "%s/no-such-run", tmp);
	const char *c[] = {mitmlab, "replay", missing, NULL};
	assert_int_equal(run_argv(c, out, sizeof out, 10000), 2);
	assert_non_null(strstr(out, "no-such-run"));
	const char *d[] = {mitmlab, "--help", NULL};
	assert_int_equal(run_argv(d, out, sizeof out, 10000), 0);
	assert_non_null(strstr(out, "replay DIR"));
}

/* 06 at 80x24: the poisoned entries, n/p, the key ids, the banner, q. */
static void test_replay_06_80x24(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32], line[1024], mal[64], v[64];
	long total = 0;

	snprintf(args, sizeof args, "replay '%s'", dir06);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	assert_string_equal(pane_fmt(t, "#{alternate_on}", v, sizeof v), "1");
	assert_non_null(strstr(screen, "Unauthenticated Diffie-Hellman"));
	/* n pauses the playback; Home goes to the start */
	keys(t, "n");
	step_key(t, "Home", 0);
	assert_true(step_of(screen, &total) == 0 && total > 10);
	/* step forward until the lab has read the victims' neighbour tables */
	long k = 0;
	while (!line_with(line, sizeof line, "ARP", "POISONED", "POISONED", (char *)NULL)) {
		if (k >= total)
			fail_msg("no poisoned neighbour entries at any step; the last screen:\n%s", screen);
		step_key(t, "n", ++k);
	}
	/* both victims' entries name mallory's MAC (…:66 when abbreviated) */
	assert_int_equal(count_of(line, ":66"), 2);
	assert_non_null(line_with(line, sizeof line, "alice", "POISONED", "bob", "POISONED", (char *)NULL));
	/* the step counter follows n and p */
	step_key(t, "n", k + 1);
	step_key(t, "p", k);
	step_key(t, "p", k - 1);
	step_key(t, "n", k);
	/* the end: verdict, and mallory's two key ids beside alice's and bob's */
	step_key(t, "End", total);
	expect_text(t, "ATTACK SUCCEEDED", WAIT_MS);
	snprintf(mal, sizeof mal, "%s/%s", key_alice, key_bob);
	if (!line_with(line, sizeof line, "alice", key_alice, "mallory", key_alice, key_bob, "bob", key_bob,
		       (char *)NULL))
		fail_msg("no line shows alice %s, mallory %s, bob %s side by side:\n%s", key_alice, mal, key_bob,
			 screen);
	assert_non_null(strstr(screen, mal));
	assert_non_null(line_with(line, sizeof line, "ATTACK SUCCEEDED", "mallory read", (char *)NULL));
	assert_non_null(strstr(screen, "as expected"));
	/* ? and d open panes over the screen; q closes a pane first */
	keys(t, "?");
	expect_text(t, "dashboard: keys", WAIT_MS);
	keys(t, "q");
	expect_text(t, "ATTACK SUCCEEDED", WAIT_MS);
	keys(t, "d");
	expect_text(t, "event ", WAIT_MS);
	keys(t, "Escape");
	if (!wait_fmt(t, "#{pane_dead}", "0", WAIT_MS))
		fail_msg("Escape ended the program");
	expect_text(t, "ATTACK SUCCEEDED", WAIT_MS);
	quit_cleanly(t);
}

/* Lines of the screen that contain every one of the needles. */
static int lines_with(const char *a, const char *b)
{
	int n = 0;
	for (const char *p = screen; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[2048];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), p);
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
		p += len + (nl ? 1 : 0);
	}
	return n;
}

/* The sequence view of 06: v at 80x24 (it replaces the columns), by default
 * at 160x48 (beside them); mallory's two swapped shares are changed arrows
 * (doubled lines), one toward each victim. */
static void test_sequence_06(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32];
	snprintf(args, sizeof args, "replay '%s'", dir06);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "v");
	keys(t, "End");
	expect_text(t, "ATTACK SUCCEEDED", WAIT_MS);
	expect_text(t, "swapped", WAIT_MS);
	if (lines_with("\xe2\x95\x90 share \xe2\x9c\x98 swapped", NULL) != 2 ||
	    lines_with("\xe2\x97\x80\xe2\x95\x90", "swapped") != 1 ||
	    lines_with("swapped \xe2\x95\x90", "\xe2\x96\xb6") != 1)
		fail_msg("80x24: not two changed share arrows, one toward alice and one toward bob:\n%s", screen);
	assert_int_equal(lines_with("\xe2\x94\x80 hello \xe2\x94\x80", NULL), 2); /* alice→mallory, mallory→bob */
	keys(t, "v");								  /* back to the columns */
	expect_text(t, "alice ", WAIT_MS);
	assert_int_equal(lines_with("share \xe2\x9c\x98 swapped", NULL), 0);
	quit_cleanly(t);

	start(t, sizeof t, 160, 48, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "End");
	expect_text(t, "ATTACK SUCCEEDED", WAIT_MS);
	if (lines_with("\xe2\x95\x90 share \xe2\x9c\x98 swapped", NULL) != 2)
		fail_msg("160x48: not two changed share arrows beside the columns:\n%s", screen);
	assert_true(lines_with("\xe2\x94\x82mallory", NULL) == 1); /* the columns are still there */
	quit_cleanly(t);
}

/* Stepping with n through 13, the timeline never runs backwards. */
static void test_timeline_13_in_order(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32];
	long total = 0;
	double last = -1;
	snprintf(args, sizeof args, "replay '%s'", dir13);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "n");
	step_key(t, "Home", 0);
	assert_true(step_of(screen, &total) == 0 && total > 20);
	for (long k = 1; k <= total; k++) {
		step_key(t, "n", k);
		/* timeline lines: "   0.077 bob      ..." */
		double prev = -1;
		for (const char *p = screen; *p;) {
			const char *nl = strchr(p, '\n');
			double tt;
			char who[16];
			if (sscanf(p, " %lf %15s", &tt, who) == 2 && p[0] == ' ' && strchr(p, '.') &&
			    (strcmp(who, "alice") == 0 || strcmp(who, "bob") == 0 || strcmp(who, "mallory") == 0 ||
			     strcmp(who, "lab") == 0)) {
				if (tt < prev)
					fail_msg("step %ld: the timeline runs backwards (%.3f after %.3f):\n%s", k, tt,
						 prev, screen);
				prev = tt;
			}
			if (!nl)
				break;
			p = nl + 1;
		}
		if (prev >= 0) {
			if (prev < last)
				fail_msg("step %ld: the newest line (%.3f) is older than the one before (%.3f)", k,
					 prev, last);
			last = prev;
		}
	}
	quit_cleanly(t);
}

/* 07: bob's column shows the altered message as he saw it — nothing wrong;
 * the lab's view (LAB) says it was altered. */
static void test_truthful_columns_07(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32];
	long total = 0, k = 0;
	snprintf(args, sizeof args, "replay '%s'", dir07);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "n");
	step_key(t, "Home", 0);
	assert_true(step_of(screen, &total) == 0 && total > 20);
	while (lines_with("LAB", "ALTERED") == 0) {
		if (k >= total)
			fail_msg("the lab's view never says a message was ALTERED; the last screen:\n%s", screen);
		step_key(t, "n", ++k);
	}
	/* every line with a column separator is a party's column: none knows */
	assert_int_equal(lines_with("\xe2\x94\x82", "ALTERED"), 0);
	assert_int_equal(lines_with("\xe2\x94\x82", "mallory's"), 0);
	assert_true(lines_with("received #", NULL) >= 1);
	quit_cleanly(t);
}

/* 06, 13 and 15 step by step: no line of the three columns ever says what
 * only the lab knows; in 06 and 13 the lab's view says whose share arrived. */
static void test_truthful_columns_06_13_15(void **state)
{
	(void)state;
	const char *dirs[] = {dir06, dir13, dir15};
	for (size_t i = 0; i < 3; i++) {
		char t[16], args[PATH_MAX + 32];
		long total = 0;
		bool lab_share = false;
		snprintf(args, sizeof args, "replay '%s'", dirs[i]);
		start(t, sizeof t, 80, 24, "", args);
		expect_text(t, "step ", WAIT_MS);
		keys(t, "n");
		step_key(t, "Home", 0);
		assert_true(step_of(screen, &total) == 0 && total > 20);
		for (long k = 1; k <= total; k++) {
			step_key(t, "n", k);
			/* the columns are the lines with a separator (the ladder is off at 80 columns) */
			if (lines_with("\xe2\x94\x82", "mallory's") || lines_with("\xe2\x94\x82", "ALTERED") ||
			    lines_with("\xe2\x94\x82", "POISONED"))
				fail_msg("%s step %ld: a column says what only the lab knows:\n%s", dirs[i], k, screen);
			lab_share |= lines_with("LAB", "received is mallory's") > 0;
		}
		if (i < 2 && !lab_share)
			fail_msg("%s: the lab's view never said the share was mallory's", dirs[i]);
		quit_cleanly(t);
	}
}

/* The certificate lessons step by step at 120x40: alice's column shows the
 * chain she got and each check (the expired one failing), never whose it
 * really is; the lab's view says it is not bob's (29) and that the key alice
 * stored on first contact is mallory's (34). */
static void test_cert_and_tofu_views_29_34(void **state)
{
	(void)state;
	const struct {
		const char *dir, *column, *lab;
	} runs[] = {{dir29, "cert-validity", "received is not bob's"}, {dir34, "first contact", "is mallory's"}};
	for (size_t i = 0; i < 2; i++) {
		char t[16], args[PATH_MAX + 32];
		long total = 0;
		bool column = false, lab = false;
		snprintf(args, sizeof args, "replay '%s'", runs[i].dir);
		start(t, sizeof t, 120, 40, "", args);
		expect_text(t, "step ", WAIT_MS);
		keys(t, "n");
		step_key(t, "Home", 0);
		assert_true(step_of(screen, &total) == 0 && total > 20);
		for (long k = 1; k <= total; k++) {
			step_key(t, "n", k);
			if (lines_with("\xe2\x94\x82", "not bob's") || lines_with("\xe2\x94\x82", "mallory's ("))
				fail_msg("%s step %ld: a column says what only the lab knows:\n%s", runs[i].dir, k,
					 screen);
			column |= lines_with("\xe2\x94\x82", runs[i].column) > 0;
			lab |= lines_with("LAB", runs[i].lab) > 0;
		}
		if (i == 0 && lines_with("cert-validity", "\xe2\x9c\x98") == 0)
			fail_msg("29: no failed cert-validity check on the last screen:\n%s", screen);
		if (!column || !lab)
			fail_msg("%s: column \"%s\" %s, lab's view \"%s\" %s; the last screen:\n%s", runs[i].dir,
				 runs[i].column, column ? "seen" : "never seen", runs[i].lab,
				 lab ? "seen" : "never seen", screen);
		quit_cleanly(t);
	}
}

/* 59: the hybrid's two parts, apart: bob's share shows its ML-KEM key and
 * its lab-48 share, and mallory's column which part she broke in phase 2
 * and which held; the lab's view lists what no longer exists. */
static void test_hybrid_parts_59(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32];
	const char *want[] = {"[ML-KEM ek 1184", "[ML-KEM ct 1088", "broke the lab-48 part", "mlkem768 part held"};
	bool seen[4] = {false}, gone = false;
	long total = 0;
	snprintf(args, sizeof args, "replay '%s'", dir59);
	start(t, sizeof t, 200, 60, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "n");
	step_key(t, "Home", 0);
	assert_true(step_of(screen, &total) == 0 && total > 20);
	for (long k = 1; k <= total; k++) {
		step_key(t, "n", k);
		for (size_t i = 0; i < 4; i++)
			seen[i] |= lines_with("\xe2\x94\x82", want[i]) > 0;
		gone |= strstr(screen, "decapsulation key") != NULL;
	}
	for (size_t i = 0; i < 4; i++)
		if (!seen[i])
			fail_msg("59: \"%s\" never shown in a column; the last screen:\n%s", want[i], screen);
	if (!gone)
		fail_msg("59: the lab's view never says bob's ML-KEM key is gone:\n%s", screen);
	quit_cleanly(t);
}

/* 08 at 80x24: the banner names the outcome, the peer and the check. */
static void test_replay_08_80x24(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32], line[1024];

	snprintf(args, sizeof args, "replay '%s'", dir08);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "End");
	expect_text(t, "BLOCKED", WAIT_MS);
	if (!line_with(line, sizeof line, "BLOCKED", "alice", "signature", (char *)NULL))
		fail_msg("the banner does not name alice and the signature check:\n%s", screen);
	assert_non_null(line_with(line, sizeof line, "alice", "aborted", (char *)NULL));
	assert_non_null(strstr(screen, "Signed Diffie-Hellman"));
	quit_cleanly(t);
}

/* 160x48: full MACs, the whole teaching text, and a resize from 80x24. */
static void test_replay_160x48_and_resize(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32], line[1024];
	long total = 0;

	snprintf(args, sizeof args, "replay '%s'", dir06);
	start(t, sizeof t, 160, 48, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "n");
	step_key(t, "Home", 0);
	step_of(screen, &total);
	for (long k = 1; !line_with(line, sizeof line, "ARP", "POISONED", "POISONED", (char *)NULL); k++) {
		if (k > total)
			fail_msg("no poisoned neighbour entries:\n%s", screen);
		step_key(t, "n", k);
	}
	/* wide: the full MAC, and whose it is */
	assert_int_equal(count_of(line, "02:00:00:00:00:66"), 2);
	assert_non_null(strstr(line, "mallory's MAC"));
	step_key(t, "End", total);
	expect_text(t, "ATTACK SUCCEEDED", WAIT_MS);
	assert_non_null(line_with(line, sizeof line, "alice", key_alice, "mallory", key_alice, key_bob, "bob", key_bob,
				  (char *)NULL));
	/* the teaching text, to its last words */
	assert_non_null(strstr(screen, "what this scenario teaches"));
	assert_non_null(strstr(screen, "must be authenticated"));
	quit_cleanly(t);

	/* a terminal that grows: the dashboard redraws for the new size */
	snprintf(args, sizeof args, "replay '%s'", dir08);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "End");
	expect_text(t, "BLOCKED", WAIT_MS);
	/* the host strip abbreviates MACs at 80 columns, shows them whole at 160 */
	assert_null(strstr(screen, "10.0.0.10 02:00:00:00:00:0a"));
	assert_int_equal(TMUX("resize-window", "-t", t, "-x", "160", "-y", "48"), 0);
	expect_text(t, "10.0.0.10 02:00:00:00:00:0a", WAIT_MS);
	assert_non_null(line_with(line, sizeof line, "BLOCKED", "alice", "signature", (char *)NULL));
	assert_non_null(strstr(screen, "One check, and the relay attack is over"));
	quit_cleanly(t);
}

/* --ascii and NO_COLOR: plain ASCII, no colour, still every fact. */
static void test_ascii_and_no_color(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32], line[1024], esc[65536];

	snprintf(args, sizeof args, "replay --ascii '%s'", dir08);
	start(t, sizeof t, 80, 24, "NO_COLOR=1", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "End");
	expect_text(t, "BLOCKED", WAIT_MS);
	assert_non_null(line_with(line, sizeof line, "BLOCKED", "alice", "signature", (char *)NULL));
	for (const unsigned char *p = (const unsigned char *)screen; *p; p++)
		if (*p >= 0x80)
			fail_msg("a non-ASCII byte 0x%02x with --ascii:\n%s", *p, screen);
	assert_int_equal(TMUX_OUT(esc, "capture-pane", "-e", "-p", "-t", t), 0);
	for (int c = 1; c <= 7; c++) {
		char fg[24], bg[24];
		snprintf(fg, sizeof fg, "\033[3%dm", c);
		snprintf(bg, sizeof bg, "\033[4%dm", c);
		if (strstr(esc, fg) || strstr(esc, bg))
			fail_msg("colour %d with NO_COLOR set", c);
	}
	quit_cleanly(t);

	/* in colour, "POISONED" — the lab's knowledge, not the victim's — is in the lab's colour (magenta) */
	snprintf(args, sizeof args, "replay '%s'", dir06);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	keys(t, "n");
	step_key(t, "Home", 0);
	for (long k = 1; !strstr(screen, "POISONED"); k++) {
		if (k > 60)
			fail_msg("no poisoned entries:\n%s", screen);
		step_key(t, "n", k);
	}
	assert_int_equal(TMUX_OUT(esc, "capture-pane", "-e", "-p", "-t", t), 0);
	char *lab = strstr(esc, "\033[35m"), *pois = strstr(esc, "POISONED");
	assert_non_null(lab);
	assert_true(lab < pois);
	quit_cleanly(t);
}

/* Ctrl-C in the dashboard: it ends (130) and the terminal is restored. */
static void test_interrupt_restores_terminal(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 32], v[64];

	snprintf(args, sizeof args, "replay '%s'", dir06);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_MS);
	assert_string_equal(pane_fmt(t, "#{alternate_on}", v, sizeof v), "1");
	ends_cleanly(t, "C-c", 130);
}

/* `mitmlab run` on a terminal: the run, then the dashboard playing it from
 * the first event; after q the report. */
static void run_live(const char *name, const char *out_name, const char *banner, const char *verdict)
{
	char t[16], args[PATH_MAX + 128], line[1024];
	long total = 0;

	snprintf(args, sizeof args, "run %s --out '%s/%s'", name, tmp, out_name);
	start(t, sizeof t, 80, 24, "", args);
	expect_text(t, "step ", WAIT_RUN_MS);
	/* it plays by itself */
	long k1 = step_of(screen, &total);
	assert_true(k1 >= 0 && k1 < total);
	char want[64];
	snprintf(want, sizeof want, "step %ld/", k1 + 2);
	expect_text(t, want, WAIT_MS);
	keys(t, "End");
	expect_text(t, banner, WAIT_MS);
	if (strcmp(banner, "BLOCKED") == 0) {
		assert_non_null(line_with(line, sizeof line, "BLOCKED", "alice", "signature", (char *)NULL));
	} else if (!relay_picture(line, sizeof line)) {
		fail_msg("no line shows mallory's two key ids beside alice's and bob's:\n%s", screen);
	}
	quit_cleanly(t);
	/* the report, printed when the dashboard has given the terminal back */
	if (!strstr(screen, verdict))
		fail_msg("no \"%s\" after the dashboard:\n%s", verdict, screen);
}

/* --interactive 06: a message typed on the dashboard is sent by alice and
 * read by mallory, on screen while the lab runs; Ctrl-D ends alice's
 * messages, then the verdict. */
static void test_interactive_06(void **state)
{
	(void)state;
	char t[16], args[PATH_MAX + 128];
	snprintf(args, sizeof args, "run 06-dh-mitm --interactive --out '%s/inter06'", tmp);
	start(t, sizeof t, 160, 48, "", args);
	expect_text(t, "alice> ", WAIT_RUN_MS);
	expect_text(t, "LIVE", WAIT_MS);
	keys(t, "typed on the spot");
	expect_text(t, "alice> typed on the spot", WAIT_MS);
	keys(t, "Enter");
	expect_text(t, "read alice", WAIT_RUN_MS);
	if (!lines_with("read alice", "typed on the") || !lines_with("sent #1", "typed on the"))
		fail_msg("mallory's column does not read the typed message:\n%s", screen);
	keys(t, "C-d");
	expect_text(t, "ATTACK SUCCEEDED", WAIT_RUN_MS);
	quit_cleanly(t);
	if (!strstr(screen, "VERDICT: attack-succeeded"))
		fail_msg("no report after the interactive run:\n%s", screen);
}

static void test_run_06_opens_dashboard(void **state)
{
	(void)state;
	run_live("06-dh-mitm", "live06", "ATTACK SUCCEEDED", "VERDICT: attack-succeeded");
}

static void test_run_08_opens_dashboard(void **state)
{
	(void)state;
	run_live("08-signed-dh-mitm", "live08", "BLOCKED", "VERDICT: blocked");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay_without_terminal_prints_report),
	    cmocka_unit_test(test_replay_06_80x24),
	    cmocka_unit_test(test_replay_08_80x24),
	    cmocka_unit_test(test_cert_and_tofu_views_29_34),
	    cmocka_unit_test(test_hybrid_parts_59),
	    cmocka_unit_test(test_interactive_06),
	    cmocka_unit_test(test_sequence_06),
	    cmocka_unit_test(test_timeline_13_in_order),
	    cmocka_unit_test(test_truthful_columns_07),
	    cmocka_unit_test(test_truthful_columns_06_13_15),
	    cmocka_unit_test(test_replay_160x48_and_resize),
	    cmocka_unit_test(test_ascii_and_no_color),
	    cmocka_unit_test(test_interrupt_restores_terminal),
	    cmocka_unit_test(test_run_06_opens_dashboard),
	    cmocka_unit_test(test_run_08_opens_dashboard),
	};
	return cmocka_run_group_tests_name("screen", tests, setup, teardown);
}
