/* Hosts trainees can enter: `mitmlab run --hold` keeps a lab after its
 * verdict, `mitmlab shell HOST` enters it (ip, tcpdump), and when the hold
 * ends — SIGTERM, the idle limit — nothing of the lab remains: no state
 * file, no network namespace. `--paused` holds the lab before the programs
 * start, until SIGUSR1. As the current user and, when that is root, as an
 * unprivileged one. Each test has its own XDG_RUNTIME_DIR, so a lab the
 * user holds meanwhile is never touched; traffic stays in the lab. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

#include "proc.h"

#define NOBODY 65534
#define MAX_ARGS 32

/* Who runs mitmlab: its path, and for the unprivileged user the setpriv
 * prefix; their private XDG_RUNTIME_DIR and a directory for runs. */
struct who {
	char mitmlab[4096];
	bool nobody;
	char xdg[128], work[128], state[256];
};

static char out[1 << 16];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* argv: [setpriv ...] mitmlab args... */
static void build_argv(const struct who *w, const char *const *args, const char **argv)
{
	static const char *const setpriv[] = {"setpriv",	"--reuid=65534",   "--regid=65534",
					      "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"};
	size_t n = 0;
	if (w->nobody)
		for (size_t i = 0; i < sizeof setpriv / sizeof setpriv[0]; i++)
			argv[n++] = setpriv[i];
	argv[n++] = w->mitmlab;
	for (size_t i = 0; args[i]; i++) {
		assert_true(n < MAX_ARGS - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
}

/* Starts mitmlab ARGS with stdin /dev/null and stdout+stderr into the file
 * out_path; returns its pid. */
static pid_t start_bg(const struct who *w, const char *const *args, const char *out_path)
{
	const char *argv[MAX_ARGS];
	build_argv(w, args, argv);
	pid_t parent = getpid(), pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* dies with the test (as root; setpriv's change of user clears
		 * this, and the lab's idle limit bounds it then) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		int in = open("/dev/null", O_RDONLY), o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Waits up to timeout_s for pid; its status, or -1 (still running). */
static int wait_for(pid_t pid, double timeout_s)
{
	int st;
	for (double end = now_s() + timeout_s; now_s() < end; usleep(20000)) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		assert_true(r == 0);
	}
	return -1;
}

/* Runs mitmlab ARGS to its end (killed after 20 s), output in out. */
static int run(const struct who *w, const char *const *args)
{
	const char *argv[MAX_ARGS];
	int pfd[2];
	size_t got = 0;
	build_argv(w, args, argv);
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	double end = now_s() + 20;
	for (;;) {
		struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
		if (now_s() > end) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pf, 1, 100) <= 0)
			continue;
		ssize_t r = read(pfd[0], out + got, sizeof out - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof out - 1)
			break;
	}
	out[got] = '\0';
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	bool found = false;
	while (f && !found && fgets(line, sizeof line, f))
		found = strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

static const char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	return out;
}

/* Network namespaces in use by any process (as in test_lab.c). */
static size_t netns_set(unsigned long *ino, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;
	while (d && (de = readdir(d))) {
		char p[300];
		struct stat st;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof p, "/proc/%s/ns/net", de->d_name);
		if (stat(p, &st) != 0)
			continue;
		size_t i = 0;
		while (i < n && ino[i] != st.st_ino)
			i++;
		if (i == n && n < max)
			ino[n++] = st.st_ino;
	}
	if (d)
		closedir(d);
	return n;
}

/* Every network namespace made since `before` is gone (the kernel tears
 * them down asynchronously: a moment's grace). */
static void assert_no_new_netns(const unsigned long *before, size_t nb)
{
	static unsigned long after[4096];
	size_t na = 0;
	for (int i = 0; i < 100; i++) {
		na = netns_set(after, 4096);
		bool fresh = false;
		for (size_t a = 0; a < na; a++) {
			bool old = false;
			for (size_t b = 0; b < nb; b++)
				old |= after[a] == before[b];
			fresh |= !old;
		}
		if (!fresh)
			return;
		usleep(20000);
	}
	fail_msg("a network namespace of the lab is still in use after mitmlab ended");
}

/* A fresh directory; for nobody, theirs. */
static void private_dir(char *dir, size_t len, bool nobody)
{
	snprintf(dir, len, "/tmp/mlab-shell-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0700), 0);
	if (nobody)
		assert_int_equal(chown(dir, NOBODY, NOBODY), 0);
}

static void who_init(struct who *w, bool nobody)
{
	memset(w, 0, sizeof *w);
	w->nobody = nobody;
	private_dir(w->xdg, sizeof w->xdg, nobody);
	private_dir(w->work, sizeof w->work, nobody);
	snprintf(w->state, sizeof w->state, "%s/mitmlab/held.json", w->xdg);
	setenv("XDG_RUNTIME_DIR", w->xdg, 1);
	if (!nobody) {
		proc_bin("mitmlab", w->mitmlab, sizeof w->mitmlab);
		return;
	}
	/* A copy nobody can read: the programs, the demo keys, the catalog. */
	char src[4096], bin[4096];
	proc_src("lab-scenarios", src, sizeof src);
	proc_bin("", bin, sizeof bin);
	const char *script = "set -e; mkdir -p \"$1/bin\" \"$1/lab-scenarios\";"
			     " for p in alice bob mallory mitmlab keys; do cp -r \"$2/$p\" \"$1/bin/\"; done;"
			     " cp \"$3\"/*.ini \"$1/lab-scenarios/\"; chmod -R a+rX \"$1/bin\" \"$1/lab-scenarios\";"
			     " chown -R 65534:65534 \"$1/bin\" \"$1/lab-scenarios\"";
	const char *prep[] = {"sh", "-c", script, "sh", w->work, bin, src, NULL};
	struct who plain = {.nobody = false};
	snprintf(plain.mitmlab, sizeof plain.mitmlab, "%s", "env");
	assert_int_equal(run(&plain, prep), 0);
	snprintf(w->mitmlab, sizeof w->mitmlab, "%s/bin/mitmlab", w->work);
}

/* Waits for `needle` in the run's output and for the state file. */
static void wait_held(const char *out_path, const char *needle, const struct who *w)
{
	for (double end = now_s() + 30; now_s() < end; usleep(50000))
		if (file_has(out_path, needle) && access(w->state, F_OK) == 0)
			return;
	fail_msg("no \"%s\" and state file %s within 30 s; mitmlab said:\n%s", needle, w->state, slurp(out_path));
}

static void assert_no_lab(const struct who *w)
{
	const char *shell[] = {"shell", "bob", NULL};
	if (access(w->state, F_OK) == 0)
		fail_msg("the state file %s is still there", w->state);
	int rc = run(w, shell);
	if (rc != 3 || !strstr(out, "no held lab") || !strstr(out, "mitmlab run NAME --hold"))
		fail_msg("mitmlab shell bob without a held lab: expected exit 3 and \"no held lab\", got %d:\n%s", rc,
			 out);
}

/* The whole story: hold, look around, sniff, release. */
static void hold_session(bool nobody)
{
	static unsigned long before[4096];
	struct who w;
	char run_dir[300], run_out[300], tcp_out[300];

	if (nobody && geteuid() != 0)
		skip();
	who_init(&w, nobody);
	size_t nb = netns_set(before, 4096);
	snprintf(run_dir, sizeof run_dir, "%s/run", w.work);
	snprintf(run_out, sizeof run_out, "%s/run.out", w.work);
	snprintf(tcp_out, sizeof tcp_out, "%s/tcpdump.out", w.work);
	const char *hold[] = {
	    "run", "05-arp-poison-plaintext", "--hold", "--idle", "30", "--headless", "--out", run_dir, NULL};
	pid_t pid = start_bg(&w, hold, run_out);
	wait_held(run_out, "The lab is held", &w);
	assert_true(file_has(run_out, "VERDICT: attack-succeeded"));
	struct stat st;
	assert_int_equal(stat(w.state, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, nobody ? NOBODY : geteuid());

	/* alice's table: bob at his true MAC again, after mallory's restoration */
	const char *neigh[] = {"shell", "alice", "--", "ip", "neigh", NULL};
	int rc = run(&w, neigh);
	if (rc != 0 || !strstr(out, "10.0.0.20") || !strstr(out, "02:00:00:00:00:0b"))
		fail_msg("shell alice -- ip neigh exited %d:\n%s", rc, out);
	/* mallory's kernel resolves both victims when she sends them something */
	const char *both[] = {
	    "shell", "mallory", "--",
	    "bash",  "-c",	"echo x >/dev/udp/10.0.0.10/9; echo x >/dev/udp/10.0.0.20/9; sleep 0.3; ip neigh",
	    NULL};
	rc = run(&w, both);
	if (rc != 0 || !strstr(out, "10.0.0.10") || !strstr(out, "02:00:00:00:00:0a") || !strstr(out, "10.0.0.20"))
		fail_msg("shell mallory -- ip neigh (after sending to both victims) exited %d:\n%s", rc, out);
	const char *env[] = {"shell", "switch", "--", "sh", "-c", "echo host=$MITMLAB_HOST; hostname", NULL};
	rc = run(&w, env);
	if (rc != 0 || !strstr(out, "host=switch\nswitch"))
		fail_msg("shell switch: MITMLAB_HOST and the host name, exit %d:\n%s", rc, out);

	/* tcpdump on mallory's eth0 sees alice ask for bob: she forgets him,
	 * then sends him a datagram, until tcpdump has its frame */
	const char *dump[] = {"shell", "mallory", "--", "tcpdump", "-l", "-n", "-c", "1", "-i", "eth0", "arp", NULL};
	const char *ask[] = {
	    "shell", "alice", "--", "bash", "-c", "ip neigh flush dev eth0; echo x >/dev/udp/10.0.0.20/9", NULL};
	pid_t tpid = start_bg(&w, dump, tcp_out);
	int trc = -1;
	for (int i = 0; i < 40 && (trc = wait_for(tpid, 0.25)) < 0; i++)
		assert_int_equal(run(&w, ask), 0);
	if (trc < 0) {
		kill(tpid, SIGKILL);
		waitpid(tpid, NULL, 0);
	}
	if (trc != 0 || !file_has(tcp_out, "who-has 10.0.0.20 tell 10.0.0.10"))
		fail_msg("tcpdump in mallory (exit %d; is tcpdump installed? tools/install-deps.sh):\n%s", trc,
			 slurp(tcp_out));

	/* SIGTERM ends the hold: the run's status is its verdict's */
	kill(pid, SIGTERM);
	rc = wait_for(pid, 20);
	if (rc != 0 || !file_has(run_out, "the lab was released"))
		fail_msg("after SIGTERM the held run exited %d:\n%s", rc, slurp(run_out));
	assert_no_new_netns(before, nb);
	assert_no_lab(&w);
}

static void test_hold_enter_release(void **state)
{
	(void)state;
	hold_session(false);
}

static void test_hold_enter_release_rootless(void **state)
{
	(void)state;
	hold_session(true);
}

/* --paused: the network is up and enterable, nobody runs yet; SIGUSR1
 * starts the scenario, which then runs to its verdict. */
static void test_paused_until_sigusr1(void **state)
{
	(void)state;
	static unsigned long before[4096];
	struct who w;
	char dir[300], run_out[300], events[320];
	who_init(&w, false);
	size_t nb = netns_set(before, 4096);
	snprintf(dir, sizeof dir, "%s/run", w.work);
	snprintf(run_out, sizeof run_out, "%s/run.out", w.work);
	snprintf(events, sizeof events, "%s/events.jsonl", dir);
	const char *paused[] = {"run", "01-baseline", "--paused", "--headless", "--out", dir, NULL};
	pid_t pid = start_bg(&w, paused, run_out);
	wait_held(run_out, "paused", &w);
	const char *addr[] = {"shell", "bob", "--", "ip", "-br", "addr", "show", "eth0", NULL};
	int rc = run(&w, addr);
	if (rc != 0 || !strstr(out, "10.0.0.20/24"))
		fail_msg("shell bob -- ip addr during the pause exited %d:\n%s", rc, out);
	assert_false(file_has(events, "\"started\""));
	kill(pid, SIGUSR1);
	rc = wait_for(pid, 30);
	if (rc != 0 || !file_has(run_out, "VERDICT: confidential"))
		fail_msg("after SIGUSR1 the paused run exited %d:\n%s", rc, slurp(run_out));
	assert_true(file_has(events, "\"event\":\"paused\""));
	assert_true(file_has(events, "\"started\""));
	assert_no_new_netns(before, nb);
	assert_no_lab(&w);
}

/* The idle limit releases a lab nobody entered. */
static void test_idle_limit_releases(void **state)
{
	(void)state;
	static unsigned long before[4096];
	struct who w;
	char dir[300], run_out[300];
	who_init(&w, false);
	size_t nb = netns_set(before, 4096);
	snprintf(dir, sizeof dir, "%s/run", w.work);
	snprintf(run_out, sizeof run_out, "%s/run.out", w.work);
	const char *hold[] = {"run", "01-baseline", "--hold", "--idle", "1", "--headless", "--out", dir, NULL};
	pid_t pid = start_bg(&w, hold, run_out);
	int rc = wait_for(pid, 30);
	if (rc != 0 || !file_has(run_out, "nobody was inside it for 1 s"))
		fail_msg("run --hold --idle 1 exited %d:\n%s", rc, slurp(run_out));
	assert_no_new_netns(before, nb);
	assert_no_lab(&w);
}

/* A state file whose lab is gone is stale: refused, and removed. One that
 * is not private is refused and left alone. */
static void test_stale_and_foreign_state_files(void **state)
{
	(void)state;
	struct who w;
	char dir[300];
	who_init(&w, false);
	snprintf(dir, sizeof dir, "%s/mitmlab", w.xdg);
	assert_int_equal(mkdir(dir, 0700), 0);
	pid_t dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	FILE *f = fopen(w.state, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"version\":1,\"mitmlab_pid\":%d,\"lab_pid\":%d,\"scenario\":\"01-baseline\",\"run_dir\":\"/x\","
		"\"idle_s\":600,\"user_ns\":{\"dev\":4,\"ino\":1},\"pid_ns\":{\"dev\":4,\"ino\":2},\"hosts\":["
		"{\"name\":\"alice\",\"ip\":\"10.0.0.10\",\"pid\":%d,\"net_ns\":{\"dev\":4,\"ino\":3}}]}\n",
		(int)dead, (int)dead, (int)dead);
	fclose(f);
	assert_int_equal(chmod(w.state, 0600), 0);
	const char *alice[] = {"shell", "alice", NULL};
	int rc = run(&w, alice);
	if (rc != 3 || !strstr(out, "has ended") || !strstr(out, "no held lab"))
		fail_msg("a stale state file: expected exit 3, \"has ended\", got %d:\n%s", rc, out);
	assert_int_equal(access(w.state, F_OK), -1);

	f = fopen(w.state, "w");
	assert_non_null(f);
	fputs("{}\n", f);
	fclose(f);
	assert_int_equal(chmod(w.state, 0644), 0);
	rc = run(&w, alice);
	if (rc != 3 || !strstr(out, "not a private state file"))
		fail_msg("a state file of mode 0644: expected exit 3, refused, got %d:\n%s", rc, out);
	assert_int_equal(access(w.state, F_OK), 0);
	assert_int_equal(unlink(w.state), 0);
	assert_int_equal(symlink("/etc/passwd", w.state), 0);
	rc = run(&w, alice);
	if (rc != 3 || !strstr(out, "symbolic link"))
		fail_msg("a state file that is a symbolic link: expected exit 3, refused, got %d:\n%s", rc, out);
	assert_int_equal(unlink(w.state), 0);
}

/* Command lines: usage errors are 2, and the hold options go with run. */
static void test_command_lines(void **state)
{
	(void)state;
	struct who w;
	who_init(&w, false);
	const char *none[] = {"shell", NULL}, *eve[] = {"shell", "eve", NULL}, *noarg[] = {"shell", "bob", "--", NULL},
		   *junk[] = {"shell", "bob", "ls", NULL}, *idle[] = {"run", "01", "--idle", "5", NULL},
		   *list[] = {"list", "--hold", NULL}, *badidle[] = {"run", "01", "--hold", "--idle", "-1", NULL};
	assert_int_equal(run(&w, none), 2);
	assert_int_equal(run(&w, eve), 2);
	assert_non_null(strstr(out, "unknown host 'eve'"));
	assert_int_equal(run(&w, noarg), 2);
	assert_int_equal(run(&w, junk), 2);
	assert_int_equal(run(&w, idle), 2);
	assert_non_null(strstr(out, "--idle goes with --hold"));
	assert_int_equal(run(&w, list), 2);
	assert_int_equal(run(&w, badidle), 2);
	const char *help[] = {"--help", NULL};
	assert_int_equal(run(&w, help), 0);
	assert_non_null(strstr(out, "shell HOST"));
	assert_non_null(strstr(out, "--hold"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_command_lines),	cmocka_unit_test(test_stale_and_foreign_state_files),
	    cmocka_unit_test(test_hold_enter_release),	cmocka_unit_test(test_paused_until_sigusr1),
	    cmocka_unit_test(test_idle_limit_releases), cmocka_unit_test(test_hold_enter_release_rootless),
	};
	return cmocka_run_group_tests_name("shell", tests, NULL, NULL);
}
