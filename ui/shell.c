/* Held labs from the front end (see shell.h). */
#include "shell.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "lab_hold.h"
#include "lab_net.h"

#define NO_LAB_HINT "start one with: mitmlab run NAME --hold"

int ui_hold_prepare(char *path, size_t len, char *err, size_t errlen)
{
	struct lab_hold_state st;
	struct stat fst;
	char why[512];

	if (lab_hold_path(path, len, true, err, errlen) != 0)
		return -1;
	int e = lab_hold_read(path, &st, &fst, why, sizeof why);
	if (e == -ENOENT)
		return 0;
	if (e == 0 && lab_hold_alive(&st)) {
		snprintf(err, errlen,
			 "a held lab is already up (%s, mitmlab pid %d): one at a time; end it first (Ctrl-C in its "
			 "terminal, or kill %d)",
			 st.scenario, (int)st.mitmlab_pid, (int)st.mitmlab_pid);
		return -1;
	}
	if (e == 0 || e == -EINVAL) { /* a stale file, or an unreadable one of ours */
		if (e != 0 && lstat(path, &fst) != 0)
			return 0;
		lab_hold_remove(path, &fst);
		return 0;
	}
	snprintf(err, errlen, "%s", why);
	return -1;
}

void ui_hold_forget(const char *path, int lab_pid)
{
	struct lab_hold_state st;
	struct stat fst;
	char err[512];
	if (lab_hold_read(path, &st, &fst, err, sizeof err) == 0 && st.lab_pid == lab_pid)
		lab_hold_remove(path, &fst);
}

static const char *self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return "mitmlab";
	buf[n] = '\0';
	return buf;
}

static void tell_hosts(FILE *f, const json_t *n)
{
	const json_t *hosts = json_object_get(n, "hosts"), *h;
	size_t i;
	fputs("Hosts:", f);
	json_array_foreach(hosts, i, h)
	{
		const char *name = json_string_value(h);
		const struct lab_host *p = name ? lab_plan(name) : NULL;
		if (!name)
			continue;
		if (p)
			fprintf(f, "%s %s %s", i ? "," : "", name, p->ip);
		else
			fprintf(f, "%s %s (the bridge %s)", i ? "," : "", name, LAB_BRIDGE);
	}
	fputs(".\n", f);
}

static bool has_host(const json_t *n, const char *name)
{
	const json_t *h;
	size_t i;
	json_array_foreach(json_object_get(n, "hosts"), i, h)
	{
		if (json_is_string(h) && strcmp(json_string_value(h), name) == 0)
			return true;
	}
	return false;
}

void ui_hold_tell(FILE *f, const json_t *n)
{
	const char *what = json_string_value(json_object_get(n, "notice"));
	char exe[PATH_MAX];
	int idle = (int)json_integer_value(json_object_get(n, "idle_s"));
	long me = (long)getpid();

	if (!what)
		return;
	if (strcmp(what, "paused") == 0) {
		fprintf(f,
			"\nThe lab is up and paused: nothing runs in it yet. From another terminal, enter a host:\n"
			"  %s shell HOST [-- COMMAND [ARGS...]]\n",
			self_exe(exe, sizeof exe));
		tell_hosts(f, n);
		fprintf(f,
			"Press Enter here (or send SIGUSR1 to pid %ld) to start the scenario; Ctrl-C ends the lab.\n",
			me);
	} else if (strcmp(what, "held") == 0) {
		const char *who = has_host(n, "mallory") ? "mallory" : "bob";
		char one[32];
		snprintf(one, sizeof one, "shell %s", who);
		fprintf(f,
			"\nThe lab is held: its hosts stay up after the run. From another terminal, enter one:\n"
			"  %s %-25s a shell in %s's network namespace\n"
			"  %s %-25s one command there\n",
			self_exe(exe, sizeof exe), one, who, exe, "shell alice -- ip neigh");
		tell_hosts(f, n);
		fprintf(f, "Ctrl-C here or SIGTERM to pid %ld releases it", me);
		if (idle > 0)
			fprintf(f, "; so do %d s with nobody inside", idle);
		fputs(".\n", f);
	} else if (strcmp(what, "released") == 0) {
		const char *why = json_string_value(json_object_get(n, "why"));
		if (why && strcmp(why, "idle") == 0)
			fprintf(f, "mitmlab: the lab was released: nobody was inside it for %d s.\n", idle);
		else if (why && strcmp(why, "stopped") != 0)
			fprintf(f, "mitmlab: the lab was released: %s.\n", why);
		else
			fputs("mitmlab: the lab was released.\n", f);
	}
	fflush(f);
}

/* Only uid and gid 0 exist in a rootless lab, and setgroups() is denied
 * there for good. Programs that drop root by themselves (tcpdump switches
 * to its own user) would stop at once; this filter makes setgroups() and
 * set*id() to any other id succeed without effect, so they go on as the
 * lab's root — which, outside the lab, is only you. Best effort: other
 * architectures go without it. */
#if defined(__x86_64__)
#define FAKE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FAKE_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef FAKE_ARCH
#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + (size_t)(i)*8u))
static void fake_id_changes(void)
{
	static const struct {
		int nr, nargs;
	} calls[] = {{__NR_setuid, 1},	 {__NR_setgid, 1},    {__NR_setreuid, 2},
		     {__NR_setregid, 2}, {__NR_setresuid, 3}, {__NR_setresgid, 3}};
	enum { ALLOW_AT = -1, FAKE_AT = -2 };
	struct sock_filter f[64];
	int target[64][2]; /* where jt, jf lead: an index, ALLOW_AT, FAKE_AT, or 0 = next */
	size_t n = 0;

#define EMIT(ins, jt_, jf_) (target[n][0] = (jt_), target[n][1] = (jf_), f[n++] = (ins))
	EMIT((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)), 0, 0);
	EMIT((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FAKE_ARCH, 0, 0), 0, ALLOW_AT);
	EMIT((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)), 0, 0);
	EMIT((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setgroups, 0, 0), FAKE_AT, 0);
	for (size_t c = 0; c < sizeof calls / sizeof calls[0]; c++) {
		/* the block: the number, each argument (0 and -1 are left to the kernel), then allow */
		int next = (int)(n + 1 + 3 * (size_t)calls[c].nargs + 1);
		EMIT((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)calls[c].nr, 0, 0), 0, next);
		for (int a = 0; a < calls[c].nargs; a++) {
			EMIT((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(a)), 0, 0);
			EMIT((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), (int)n + 2, 0);
			EMIT((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 0, 0), 0, FAKE_AT);
		}
		EMIT((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), 0, 0);
	}
	size_t allow = n, fake = n + 1;
	EMIT((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), 0, 0);
	EMIT((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0), 0, 0);
#undef EMIT
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			int t = target[i][k];
			size_t to = t == ALLOW_AT ? allow : t == FAKE_AT ? fake : t > 0 ? (size_t)t : i + 1;
			uint8_t off = (uint8_t)(to - (i + 1));
			if (k == 0)
				f[i].jt = off;
			else
				f[i].jf = off;
		}
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
	/* Allowed without no_new_privs: we hold CAP_SYS_ADMIN in the lab. */
	(void)prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
#else
static void fake_id_changes(void) {}
#endif

/* In the new process, already inside the lab's user, network and PID
 * namespaces: its own mount and UTS namespaces (the lab's /proc and /sys,
 * the host's name for the prompt), best effort, then the program. */
static void exec_inside(const struct lab_hold_state *st, const struct lab_hold_host *h, char **cmd)
{
	char ps1[64];
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS) == 0) {
		(void)sethostname(h->name, strlen(h->name));
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
			(void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
			(void)mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		}
	}
	snprintf(ps1, sizeof ps1, "[mitmlab %s]# ", h->name);
	setenv("MITMLAB_HOST", h->name, 1);
	setenv("MITMLAB_LAB", st->scenario, 1);
	setenv("MITMLAB_RUN_DIR", st->run_dir, 1);
	setenv("PS1", ps1, 1);
	fake_id_changes();
	if (cmd && cmd[0]) {
		execvp(cmd[0], cmd);
		int e = errno;
		fprintf(stderr, "mitmlab shell: cannot run %s: %s\n", cmd[0], strerror(e));
		_exit(e == ENOENT ? SHELL_NOT_FOUND : SHELL_CANNOT_RUN);
	}
	const char *sh = getenv("SHELL");
	if (!sh || sh[0] != '/' || access(sh, X_OK) != 0)
		sh = "/bin/sh";
	execl(sh, sh, (char *)NULL);
	fprintf(stderr, "mitmlab shell: cannot run %s: %s\n", sh, strerror(errno));
	_exit(SHELL_CANNOT_RUN);
}

static int shell_usage(FILE *f, int code)
{
	fputs("usage: mitmlab shell alice|bob|mallory|switch [-- COMMAND [ARGS...]]\n"
	      "  enters a host of the lab held by `mitmlab run NAME --hold` (or --paused) of this user: its\n"
	      "  network namespace, as the lab's root (ip, tcpdump, tshark, python3 work there), and runs $SHELL\n"
	      "  or COMMAND; MITMLAB_HOST names the host. Exit status: COMMAND's; 2 usage; 3 no held lab, or it\n"
	      "  cannot be entered; 126 COMMAND cannot run; 127 COMMAND not found.\n",
	      f);
	return code;
}

/* Once inside the lab's namespaces this process only ends: no exit
 * handlers (a sanitizer's leak check would start its tracer in the lab's PID
 * namespace, from where it cannot see this process, and wait for it forever). */
static _Noreturn void leave(int code)
{
	fflush(NULL);
	_exit(code);
}

static int no_lab(const char *why)
{
	if (why)
		fprintf(stderr, "mitmlab shell: no held lab: %s; %s\n", why, NO_LAB_HINT);
	else
		fprintf(stderr, "mitmlab shell: no held lab: %s\n", NO_LAB_HINT);
	return SHELL_NO_LAB;
}

int ui_shell(int argc, char **argv)
{
	static const char *const names[] = {"alice", "bob", "mallory", "switch"};
	char path[PATH_MAX], err[768];
	struct lab_hold_state st;
	struct stat fst;
	char **cmd = NULL;
	bool known = false;

	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0))
		return shell_usage(stdout, 0);
	if (argc < 1 || (argc >= 2 && strcmp(argv[1], "--") != 0) || (argc == 2))
		return shell_usage(stderr, SHELL_USAGE);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		known |= strcmp(argv[0], names[i]) == 0;
	if (!known) {
		fprintf(stderr, "mitmlab shell: unknown host '%s': alice, bob, mallory or switch\n", argv[0]);
		return SHELL_USAGE;
	}
	if (argc >= 3)
		cmd = argv + 2;

	int e = lab_hold_path(path, sizeof path, false, err, sizeof err);
	if (e == -ENOENT)
		return no_lab(NULL);
	if (e == 0)
		e = lab_hold_read(path, &st, &fst, err, sizeof err);
	if (e == -ENOENT)
		return no_lab(NULL);
	if (e != 0) {
		fprintf(stderr, "mitmlab shell: %s\n", err);
		return SHELL_NO_LAB;
	}
	const struct lab_hold_host *h = lab_hold_host(&st, argv[0]);
	if (!h) {
		fprintf(stderr, "mitmlab shell: the held lab (%s) has no host %s\n", st.scenario, argv[0]);
		return SHELL_NO_LAB;
	}
	int fds[3];
	e = lab_hold_open_host(&st, h, fds, err, sizeof err);
	if (e == -ESRCH) {
		lab_hold_remove(path, &fst);
		return no_lab(err);
	}
	if (e != 0) {
		fprintf(stderr, "mitmlab shell: %s\n", err);
		return SHELL_NO_LAB;
	}
	/* The user namespace first: it gives the rights to enter the others. */
	static const int types[3] = {CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWPID};
	static const char *const what[3] = {"user", "network", "PID"};
	for (int i = 0; i < 3; i++)
		if (setns(fds[i], types[i]) != 0) {
			fprintf(stderr, "mitmlab shell: cannot enter the lab's %s namespace: %s\n", what[i],
				strerror(errno));
			leave(SHELL_NO_LAB);
		}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	if (!cmd && isatty(STDIN_FILENO))
		fprintf(stderr, "mitmlab shell: entering %s%s%s of the held lab %s; exit to leave.\n", h->name,
			h->ip[0] ? " " : "", h->ip, st.scenario);
	fflush(NULL);
	/* The shell is a child in the lab's PID namespace: when the lab ends,
	 * the kernel ends it too, and nothing of the lab outlives mitmlab. */
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "mitmlab shell: cannot start a process in the lab: %s\n",
			errno == ENOMEM ? "the lab is ending" : strerror(errno));
		leave(SHELL_NO_LAB);
	}
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
			_exit(SHELL_CANNOT_RUN);
		exec_inside(&st, h, cmd);
	}
	/* Ctrl-C and Ctrl-\ are the shell's; this process only waits. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			leave(SHELL_NO_LAB);
	if (WIFEXITED(status))
		leave(WEXITSTATUS(status));
	if (WTERMSIG(status) == SIGKILL && kill(h->pid, 0) != 0)
		fprintf(stderr, "mitmlab shell: the lab has ended (its mitmlab run stopped)\n");
	leave(128 + WTERMSIG(status));
}
