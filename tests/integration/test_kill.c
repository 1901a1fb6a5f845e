/* Kill it anywhere (issue 17): `mitmlab run` SIGKILLed at 100 random moments
 * across the catalog — during start-up, ARP poisoning, the handshake, a live
 * discrete logarithm, the recording's second phase. After each kill nothing
 * of the lab may remain: no process of this build (bob, alice, mallory, the
 * runner, their helpers), no new interface in this namespace, no file beside
 * the run directory; and the next run of the same scenario passes.
 *
 * The moments come from a fixed-seed generator, spread over each scenario's
 * own measured run time, so a failure can be replayed (MLAB_KILL_SEED). */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "test_util.h"

#define KILLS 100

static char out[1 << 16], mitmlab[4096], bindir[4096], base[] = "/tmp/mlab-kill-XXXXXX";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Processes whose program is one of this build's (their executable lives
 * under bindir): what a killed run could leave behind. */
static int leftovers(char *names, size_t n)
{
	DIR *d = opendir("/proc");
	int found = 0;
	names[0] = '\0';
	for (struct dirent *de; d && (de = readdir(d));) {
		char path[300], exe[4096];
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/exe", de->d_name);
		ssize_t k = readlink(path, exe, sizeof exe - 1);
		if (k <= 0)
			continue;
		exe[k] = '\0';
		if (strncmp(exe, bindir, strlen(bindir)) == 0 && exe[strlen(bindir)] == '/') {
			found++;
			size_t o = strlen(names);
			snprintf(names + o, n - o, " %s(%s)", strrchr(exe, '/') + 1, de->d_name);
		}
	}
	if (d)
		closedir(d);
	return found;
}

static int host_links(void)
{
	const char *argv[] = {"ip", "-o", "link", NULL};
	if (proc_exec(argv, out, sizeof out) != 0)
		return -1;
	int n = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		n++;
	return n;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static pid_t start_run(const char *name, const char *dir)
{
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execl(mitmlab, mitmlab, "run", name, "--headless", "--out", dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int run_to_end(const char *name, const char *dir, double *took)
{
	double t0 = now_s();
	pid_t pid = start_run(name, dir);
	int st = 0;
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*took = now_s() - t0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void rm_rf(const char *dir)
{
	const char *argv[] = {"rm", "-rf", dir, NULL};
	(void)proc_exec(argv, out, sizeof out);
}

static void test_kill_anywhere(void **state)
{
	(void)state;
	/* start-up and poisoning (05), the relay (06), a live dlog (15), a
	 * certificate (29), a replay (46), TLS (50), phase 2 with a leaked key
	 * (40) and with the stand-in's dlog (58) */
	static const char *const names[] = {"05-arp-poison-plaintext", "06-dh-mitm",
					    "15-downgrade-group",      "29-cert-expired",
					    "46-replay-fixed-nonce",   "50-tls-intercept-insecure",
					    "40-transport-leak",       "58-pq-record-classical"};
	enum { N = sizeof names / sizeof names[0] };
	double dur[N];
	char dir[200], left[2048];
	const char *seed_env = getenv("MLAB_KILL_SEED");
	uint64_t s = seed_env ? strtoull(seed_env, NULL, 10) : 20261203;
	int links = host_links();
	unsigned early = 0, late = 0;

	assert_true(links > 0);
	for (size_t i = 0; i < N; i++) { /* each scenario's own run time, and that it passes */
		snprintf(dir, sizeof dir, "%s/ref-%zu", base, i);
		int rc = run_to_end(names[i], dir, &dur[i]);
		if (rc != 0)
			fail_msg("%s does not pass before any kill (exit %d)", names[i], rc);
		rm_rf(dir);
	}
	for (int k = 0; k < KILLS; k++) {
		size_t i = (size_t)k % N;
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		double at = dur[i] * (double)(s >> 11) / 9007199254740992.0; /* uniform in [0, duration) */
		snprintf(dir, sizeof dir, "%s/k%d", base, k);
		pid_t pid = start_run(names[i], dir);
		assert_true(pid > 0);
		usleep((useconds_t)(at * 1e6));
		int st = 0;
		bool killed = kill(pid, SIGKILL) == 0; /* ours: we forked it */
		assert_int_equal(waitpid(pid, &st, 0), pid);
		killed = killed && WIFSIGNALED(st);
		early += killed;
		late += !killed;
		/* the lab goes with its runner: give the kernel a moment */
		int n = 0;
		for (int w = 0; w < 100 && (n = leftovers(left, sizeof left)) > 0; w++)
			usleep(20000);
		if (n > 0)
			fail_msg("kill #%d of %s at %.3f s (of %.3f): %d processes left:%s", k, names[i], at, dur[i], n,
				 left);
		if (host_links() != links)
			fail_msg("kill #%d of %s at %.3f s: this namespace has %d interfaces, had %d", k, names[i], at,
				 host_links(), links);
		if (entries(base) > 1) /* at most this run's directory, whatever is in it */
			fail_msg("kill #%d of %s at %.3f s: %zu entries beside nothing in %s", k, names[i], at,
				 entries(base), base);
		rm_rf(dir);
		/* and the next run passes */
		double took;
		snprintf(dir, sizeof dir, "%s/n%d", base, k);
		int rc = run_to_end(names[i], dir, &took);
		if (rc != 0)
			fail_msg("after kill #%d (%s at %.3f s) the next run failed (exit %d)", k, names[i], at, rc);
		rm_rf(dir);
	}
	fprintf(stderr, "# %d kills (%u during the run, %u just after it ended): nothing left, every next run passed\n",
		KILLS, early, late);
	assert_true(early >= KILLS * 3 / 4);
}

int main(void)
{
	char rel[4096];
	proc_bin("mitmlab", rel, sizeof rel);
	if (!realpath(rel, mitmlab)) {
		fprintf(stderr, "test_kill: %s not found (set MLAB_BIN)\n", rel);
		return 1;
	}
	snprintf(bindir, sizeof bindir, "%s", mitmlab);
	*strrchr(bindir, '/') = '\0';
	if (!mkdtemp(base))
		return 1;
	chmod(base, 0755);
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_anywhere)};
	int r = cmocka_run_group_tests_name("kill", tests, NULL, NULL);
	rm_rf(base);
	return r;
}
