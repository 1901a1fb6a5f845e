/* A lab others can enter (see lab_hold.h). */
#include "lab_hold.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/nsfs.h>

#define PID_LIMIT 4194304 /* the kernel's PID_MAX_LIMIT */

static const char *const HOST_NAMES[] = {"alice", "bob", "mallory", "switch"};

int lab_hold_path(char *out, size_t len, bool create, char *err, size_t errlen)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	char dir[PATH_MAX];
	struct stat st;
	int n = x && x[0] == '/' ? snprintf(dir, sizeof dir, "%s/mitmlab", x)
				 : snprintf(dir, sizeof dir, "/tmp/mitmlab-%u", (unsigned)geteuid());

	if (n < 0 || (size_t)n >= sizeof dir || strlen(dir) + sizeof "/" LAB_HOLD_FILE > len) {
		snprintf(err, errlen, "the state directory's path is too long (XDG_RUNTIME_DIR)");
		return -ENAMETOOLONG;
	}
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "cannot create the state directory %s: %s", dir, strerror(e));
		return -e;
	}
	if (lstat(dir, &st) != 0) {
		int e = errno;
		snprintf(err, errlen, "cannot use the state directory %s: %s", dir, strerror(e));
		return -e;
	}
	/* In /tmp anyone could have made it first: only a directory of ours
	 * that nobody else can write is trusted. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			 "%s is not a private directory of yours (it must be a directory you own, mode 0700): "
			 "remove it, or set XDG_RUNTIME_DIR",
			 dir);
		return -EPERM;
	}
	snprintf(out, len, "%s/%s", dir, LAB_HOLD_FILE);
	return 0;
}

static json_t *ns_json(struct lab_ns_id id)
{
	return json_pack("{s:I,s:I}", "dev", (json_int_t)id.dev, "ino", (json_int_t)id.ino);
}

json_t *lab_hold_json(const struct lab_hold_state *st)
{
	json_t *hosts = json_array();
	for (size_t i = 0; i < st->n_hosts; i++) {
		const struct lab_hold_host *h = &st->hosts[i];
		json_t *o = json_pack("{s:s,s:i,s:o}", "name", h->name, "pid", (int)h->pid, "net_ns", ns_json(h->net));
		if (o && h->ip[0])
			json_object_set_new(o, "ip", json_string(h->ip));
		json_array_append_new(hosts, o);
	}
	return json_pack("{s:i,s:i,s:i,s:s,s:s,s:i,s:o,s:o,s:o}", "version", 1, "mitmlab_pid", (int)st->mitmlab_pid,
			 "lab_pid", (int)st->lab_pid, "scenario", st->scenario, "run_dir", st->run_dir, "idle_s",
			 st->idle_s, "user_ns", ns_json(st->user), "pid_ns", ns_json(st->pidns), "hosts", hosts);
}

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "the state file is not one mitmlab wrote: %s", what);
	return -EINVAL;
}

static bool get_int(const json_t *o, const char *key, long long lo, long long hi, long long *out)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* A string that fits and holds no control characters (it is printed). */
static bool get_str(const json_t *o, const char *key, char *out, size_t size)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	if (!s || json_string_length(v) >= size || strlen(s) != json_string_length(v))
		return false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	snprintf(out, size, "%s", s);
	return true;
}

static bool get_pid(const json_t *o, const char *key, pid_t *out)
{
	long long v;
	if (!get_int(o, key, 1, PID_LIMIT, &v))
		return false;
	*out = (pid_t)v;
	return true;
}

static bool get_ns(const json_t *o, const char *key, struct lab_ns_id *id)
{
	const json_t *v = json_object_get(o, key);
	long long dev, ino;
	if (!json_is_object(v) || json_object_size(v) != 2 || !get_int(v, "dev", 0, INT64_MAX, &dev) ||
	    !get_int(v, "ino", 1, INT64_MAX, &ino))
		return false;
	id->dev = (uint64_t)dev;
	id->ino = (uint64_t)ino;
	return true;
}

static int parse_host(const json_t *o, struct lab_hold_host *h, char *err, size_t errlen)
{
	bool known = false;
	memset(h, 0, sizeof *h);
	if (!json_is_object(o) || !get_str(o, "name", h->name, sizeof h->name))
		return bad(err, errlen, "a host without a name");
	for (size_t i = 0; i < sizeof HOST_NAMES / sizeof HOST_NAMES[0]; i++)
		known |= strcmp(h->name, HOST_NAMES[i]) == 0;
	if (!known)
		return bad(err, errlen, "a host of another name than alice, bob, mallory or switch");
	if (!get_pid(o, "pid", &h->pid) || !get_ns(o, "net_ns", &h->net))
		return bad(err, errlen, "a host's pid or net_ns");
	/* The address is the lab plan's, or none for the switch. */
	const struct lab_host *plan = lab_plan(h->name);
	if (json_object_get(o, "ip") && !get_str(o, "ip", h->ip, sizeof h->ip))
		return bad(err, errlen, "a host's ip");
	if (plan ? strcmp(h->ip, plan->ip) != 0 : h->ip[0] != '\0')
		return bad(err, errlen, "a host's address is not the lab plan's");
	return 0;
}

int lab_hold_parse(const char *text, size_t len, struct lab_hold_state *st, char *err, size_t errlen)
{
	json_error_t je;
	long long v;
	memset(st, 0, sizeof *st);
	if (len > LAB_HOLD_MAX_BYTES)
		return bad(err, errlen, "larger than 16 KiB");
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	int rc = 0;
	if (!json_is_object(o)) {
		json_decref(o);
		return bad(err, errlen, "not a JSON object");
	}
	const json_t *hosts = json_object_get(o, "hosts");
	if (!get_int(o, "version", 1, 1, &v))
		rc = bad(err, errlen, "version is not 1");
	else if (!get_pid(o, "mitmlab_pid", &st->mitmlab_pid) || !get_pid(o, "lab_pid", &st->lab_pid))
		rc = bad(err, errlen, "mitmlab_pid or lab_pid");
	else if (!get_str(o, "scenario", st->scenario, sizeof st->scenario) ||
		 !get_str(o, "run_dir", st->run_dir, sizeof st->run_dir))
		rc = bad(err, errlen, "scenario or run_dir");
	else if (!get_int(o, "idle_s", 0, LAB_HOLD_IDLE_MAX, &v))
		rc = bad(err, errlen, "idle_s");
	else if (!get_ns(o, "user_ns", &st->user) || !get_ns(o, "pid_ns", &st->pidns))
		rc = bad(err, errlen, "user_ns or pid_ns");
	else if (!json_is_array(hosts) || json_array_size(hosts) == 0 || json_array_size(hosts) > LAB_HOLD_MAX_HOSTS)
		rc = bad(err, errlen, "hosts");
	if (rc == 0) {
		st->idle_s = (int)v;
		for (size_t i = 0; rc == 0 && i < json_array_size(hosts); i++) {
			rc = parse_host(json_array_get(hosts, i), &st->hosts[i], err, errlen);
			for (size_t j = 0; rc == 0 && j < i; j++)
				if (strcmp(st->hosts[j].name, st->hosts[i].name) == 0)
					rc = bad(err, errlen, "a host listed twice");
			st->n_hosts = i + 1;
		}
	}
	json_decref(o);
	if (rc != 0)
		memset(st, 0, sizeof *st);
	return rc;
}

int lab_hold_read(const char *path, struct lab_hold_state *st, struct stat *file_st, char *err, size_t errlen)
{
	char buf[LAB_HOLD_MAX_BYTES + 1];
	size_t got = 0;
	struct stat s;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return -ENOENT;
		snprintf(err, errlen, "cannot read %s: %s", path,
			 e == ELOOP ? "it is a symbolic link, not a file mitmlab wrote" : strerror(e));
		return -e;
	}
	if (fstat(fd, &s) != 0 || !S_ISREG(s.st_mode) || s.st_uid != geteuid() || (s.st_mode & 07777) != 0600 ||
	    s.st_size > LAB_HOLD_MAX_BYTES) {
		close(fd);
		snprintf(err, errlen,
			 "%s is not a private state file of yours (a regular file you own, mode 0600, at most 16 KiB): "
			 "not using it",
			 path);
		return -EPERM;
	}
	for (ssize_t n; got < sizeof buf && (n = read(fd, buf + got, sizeof buf - got)) != 0;) {
		if (n < 0) {
			int e = errno;
			close(fd);
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
			return -e;
		}
		got += (size_t)n;
	}
	close(fd);
	int rc = lab_hold_parse(buf, got, st, err, errlen);
	if (rc == 0 && file_st)
		*file_st = s;
	return rc;
}

void lab_hold_remove(const char *path, const struct stat *file_st)
{
	struct stat now;
	if (lstat(path, &now) == 0 && now.st_dev == file_st->st_dev && now.st_ino == file_st->st_ino)
		(void)unlink(path);
}

static bool same_ns(const struct stat *s, struct lab_ns_id id)
{
	return (uint64_t)s->st_dev == id.dev && (uint64_t)s->st_ino == id.ino;
}

int lab_hold_open_host(const struct lab_hold_state *st, const struct lab_hold_host *h, int fds[3], char *err,
		       size_t errlen)
{
	static const char *const kinds[3] = {"user", "net", "pid"};
	const struct lab_ns_id want[3] = {st->user, h->net, st->pidns};
	struct stat s, own;
	int rc = 0;

	for (int i = 0; i < 3; i++)
		fds[i] = -1;
	/* Opened first, checked after: whatever the PID is by then, the
	 * descriptors are what gets entered, and they are what is checked. */
	for (int i = 0; i < 3 && rc == 0; i++) {
		char p[64];
		snprintf(p, sizeof p, "/proc/%d/ns/%s", (int)h->pid, kinds[i]);
		fds[i] = open(p, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 || fstat(fds[i], &s) != 0 || !same_ns(&s, want[i]))
			rc = -ESRCH;
	}
	uid_t owner = (uid_t)-1;
	if (rc == 0 && stat("/proc/self/ns/user", &own) == 0 && same_ns(&own, st->user)) {
		snprintf(err, errlen, "the state file names the user namespace this process is already in");
		rc = -EINVAL;
	} else if (rc == 0 && (ioctl(fds[0], NS_GET_OWNER_UID, &owner) != 0 || owner != geteuid())) {
		snprintf(err, errlen, "the lab's user namespace does not belong to you");
		rc = -EPERM;
	} else if (rc == -ESRCH) {
		snprintf(err, errlen, "the lab of the state file (mitmlab pid %d, %s) has ended", (int)st->mitmlab_pid,
			 st->scenario);
	}
	if (rc != 0)
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
	return rc;
}

bool lab_hold_alive(const struct lab_hold_state *st)
{
	int fds[3];
	char err[256];
	if (st->n_hosts == 0 || lab_hold_open_host(st, &st->hosts[0], fds, err, sizeof err) != 0)
		return false;
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	return true;
}

const struct lab_hold_host *lab_hold_host(const struct lab_hold_state *st, const char *name)
{
	for (size_t i = 0; i < st->n_hosts; i++)
		if (strcmp(st->hosts[i].name, name) == 0)
			return &st->hosts[i];
	return NULL;
}

/* /proc/self as the /proc mount sees it: this process's PID outside the
 * lab's PID namespace, which is what a process outside opens. */
static pid_t outer_pid(void)
{
	char self[32];
	ssize_t n = readlink("/proc/self", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	long v = strtol(self, NULL, 10);
	return v > 0 && v <= PID_LIMIT ? (pid_t)v : -1;
}

static int ns_id(const char *path, int fd, struct lab_ns_id *id)
{
	struct stat s;
	if ((fd >= 0 ? fstat(fd, &s) : stat(path, &s)) != 0)
		return -errno;
	id->dev = (uint64_t)s.st_dev;
	id->ino = (uint64_t)s.st_ino;
	return 0;
}

/* A child of the lab's init that only sleeps inside network namespace
 * ns_fd. Returns its PID there (inner) and outside (*outer), or -1. */
static pid_t start_holder(int ns_fd, pid_t *outer)
{
	int pfd[2];
	char buf[32];
	size_t got = 0;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || setns(ns_fd, CLONE_NEWNET) != 0)
			_exit(127);
		int n = snprintf(buf, sizeof buf, "%d\n", (int)outer_pid());
		if (write(pfd[1], buf, (size_t)n) != n)
			_exit(127);
		/* Nothing of the runner's: no capture, no pipe to the front end. */
		(void)close_range(0, ~0U, 0);
		for (;;)
			pause();
	}
	close(pfd[1]);
	for (int turns = 0; turns < 40 && got < sizeof buf - 1 && !memchr(buf, '\n', got); turns++) {
		struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
		if (poll(&pf, 1, 50) <= 0)
			continue;
		ssize_t n = read(pfd[0], buf + got, sizeof buf - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(pfd[0]);
	buf[got] = '\0';
	long v = strtol(buf, NULL, 10);
	if (!memchr(buf, '\n', got) || v <= 0 || v > PID_LIMIT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	*outer = (pid_t)v;
	return pid;
}

static int write_state(struct lab_holders *h, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 32];
	json_t *j = lab_hold_json(&h->st);
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
	int rc = -1;

	json_decref(j);
	snprintf(tmp, sizeof tmp, "%s.%d.tmp", h->path, (int)h->st.lab_pid);
	int fd = text ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	if (fd < 0) {
		snprintf(err, errlen, "cannot write the state file %s: %s", tmp, strerror(errno));
		free(text);
		return -1;
	}
	size_t n = strlen(text);
	bool ok = fchmod(fd, 0600) == 0 && write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
	ok = close(fd) == 0 && ok;
	free(text);
	/* link, not rename: a file that appeared meanwhile is not replaced. */
	if (!ok)
		snprintf(err, errlen, "cannot write the state file %s: %s", tmp, strerror(errno));
	else if (link(tmp, h->path) != 0)
		snprintf(err, errlen, "cannot create %s: %s", h->path,
			 errno == EEXIST ? "another held lab's state file is there" : strerror(errno));
	else if (lstat(h->path, &h->file_st) == 0)
		rc = 0;
	(void)unlink(tmp);
	h->written = rc == 0;
	return rc;
}

int lab_hold_start(struct lab_holders *h, const struct lab_net *net, const struct lab_hold_state *base,
		   const char *path, char *err, size_t errlen)
{
	memset(h, 0, sizeof *h);
	h->st = *base;
	h->st.n_hosts = 0;
	snprintf(h->path, sizeof h->path, "%s", path);
	if ((h->st.lab_pid = outer_pid()) < 0 || ns_id("/proc/self/ns/user", -1, &h->st.user) != 0 ||
	    ns_id("/proc/self/ns/pid", -1, &h->st.pidns) != 0) {
		snprintf(err, errlen, "cannot read the lab's own namespaces in /proc: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i <= net->n_hosts; i++) {
		bool sw = i == net->n_hosts;
		struct lab_hold_host *hh = &h->st.hosts[h->st.n_hosts];
		int fd = sw ? net->switch_fd : net->hosts[i].ns_fd;
		snprintf(hh->name, sizeof hh->name, "%s", sw ? "switch" : net->hosts[i].name);
		snprintf(hh->ip, sizeof hh->ip, "%s", sw ? "" : net->hosts[i].ip);
		if (ns_id(NULL, fd, &hh->net) != 0 || (h->inner[h->n] = start_holder(fd, &hh->pid)) < 0) {
			snprintf(err, errlen, "cannot start the process that keeps %s open for mitmlab shell: %s",
				 hh->name, strerror(errno));
			lab_hold_stop(h);
			return -1;
		}
		h->n++;
		h->st.n_hosts++;
	}
	if (write_state(h, err, errlen) != 0) {
		lab_hold_stop(h);
		return -1;
	}
	return 0;
}

/* An ended process its parent has not reaped yet is nobody inside. */
static bool zombie(const char *pid)
{
	char p[300], buf[512];
	snprintf(p, sizeof p, "/proc/%s/stat", pid);
	FILE *f = fopen(p, "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')'); /* the name may hold anything but ends at the last ')' */
	return paren && paren[1] == ' ' && paren[2] == 'Z';
}

size_t lab_hold_inside(const struct lab_holders *h)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		char p[300], *end;
		struct stat s;
		long pid = strtol(de->d_name, &end, 10);
		bool ours = pid == h->st.lab_pid;
		if (*end || pid <= 0)
			continue;
		for (size_t i = 0; i < h->st.n_hosts; i++)
			ours |= pid == h->st.hosts[i].pid;
		snprintf(p, sizeof p, "/proc/%s/ns/pid", de->d_name);
		if (!ours && stat(p, &s) == 0 && same_ns(&s, h->st.pidns) && !zombie(de->d_name))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

bool lab_hold_reap(struct lab_holders *h)
{
	bool all = true;
	for (pid_t p; (p = waitpid(-1, NULL, WNOHANG)) > 0;)
		for (size_t i = 0; i < h->n; i++)
			if (h->inner[i] == p)
				h->inner[i] = -1;
	for (size_t i = 0; i < h->n; i++)
		all &= h->inner[i] > 0;
	return all;
}

void lab_hold_stop(struct lab_holders *h)
{
	if (h->written)
		lab_hold_remove(h->path, &h->file_st);
	h->written = false;
	for (size_t i = 0; i < h->n; i++)
		if (h->inner[i] > 0) {
			kill(h->inner[i], SIGKILL);
			while (waitpid(h->inner[i], NULL, 0) < 0 && errno == EINTR)
				;
		}
	h->n = 0;
}
