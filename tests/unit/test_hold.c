/* Unit tests for lab-scenarios/lab_hold (a held lab's state file): the
 * parser refuses every malformed field, the reader every file that is not a
 * private regular file of ours, the directory lookup one others could
 * write, and opening a host checks the namespaces it finds against the
 * file. Each test works in a fresh directory under /tmp, removed after. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lab_hold.h"

struct dir {
	char path[64], file[128];
};

static int setup(void **state)
{
	struct dir *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	snprintf(d->path, sizeof d->path, "/tmp/mlab-hold-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof d->file, "%s/held.json", d->path);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
	int rc = system(cmd);
	free(d);
	return rc == 0 ? 0 : -1;
}

static void sample(struct lab_hold_state *st)
{
	memset(st, 0, sizeof *st);
	st->mitmlab_pid = 100;
	st->lab_pid = 101;
	snprintf(st->scenario, sizeof st->scenario, "05-arp-poison-plaintext");
	snprintf(st->run_dir, sizeof st->run_dir, "/home/t/runs/05 \xc3\xa9t\xc3\xa9");
	st->idle_s = 600;
	st->user = (struct lab_ns_id){4, 4026532001};
	st->pidns = (struct lab_ns_id){4, 4026532002};
	static const char *const names[] = {"alice", "bob", "mallory", "switch"};
	for (size_t i = 0; i < 4; i++) {
		struct lab_hold_host *h = &st->hosts[i];
		snprintf(h->name, sizeof h->name, "%s", names[i]);
		const struct lab_host *p = lab_plan(names[i]);
		snprintf(h->ip, sizeof h->ip, "%s", p ? p->ip : "");
		h->pid = (pid_t)(102 + i);
		h->net = (struct lab_ns_id){4, 4026532010 + i};
	}
	st->n_hosts = 4;
}

static char *sample_text(void)
{
	struct lab_hold_state st;
	sample(&st);
	json_t *j = lab_hold_json(&st);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct lab_hold_state a, b;
	char err[256] = "";
	sample(&a);
	char *s = sample_text();
	assert_int_equal(lab_hold_parse(s, strlen(s), &b, err, sizeof err), 0);
	free(s);
	assert_int_equal(b.mitmlab_pid, 100);
	assert_int_equal(b.lab_pid, 101);
	assert_string_equal(b.scenario, a.scenario);
	assert_string_equal(b.run_dir, a.run_dir);
	assert_int_equal(b.idle_s, 600);
	assert_true(b.user.ino == a.user.ino && b.pidns.ino == a.pidns.ino && b.user.dev == 4);
	assert_int_equal(b.n_hosts, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(b.hosts[i].name, a.hosts[i].name);
		assert_string_equal(b.hosts[i].ip, a.hosts[i].ip);
		assert_int_equal(b.hosts[i].pid, a.hosts[i].pid);
		assert_true(b.hosts[i].net.ino == a.hosts[i].net.ino);
	}
	assert_non_null(lab_hold_host(&b, "switch"));
	assert_null(lab_hold_host(&b, "eve"));
}

/* The sample with `from` replaced by `to` (once) must be refused. */
static void refused(const char *from, const char *to)
{
	char *s = sample_text(), buf[8192], err[256] = "";
	struct lab_hold_state st;
	char *at = strstr(s, from);
	if (!at)
		fail_msg("'%s' is not in the sample %s", from, s);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	free(s);
	if (lab_hold_parse(buf, strlen(buf), &st, err, sizeof err) != -EINVAL)
		fail_msg("accepted: %s", buf);
	assert_non_null(strstr(err, "not one mitmlab wrote"));
	assert_int_equal(st.n_hosts, 0);
}

static void test_malformed_fields_refused(void **state)
{
	(void)state;
	refused("\"version\":1", "\"version\":2");
	refused("\"version\":1,", "");
	refused("\"mitmlab_pid\":100", "\"mitmlab_pid\":0");
	refused("\"mitmlab_pid\":100", "\"mitmlab_pid\":-5");
	refused("\"mitmlab_pid\":100", "\"mitmlab_pid\":99999999");
	refused("\"mitmlab_pid\":100", "\"mitmlab_pid\":\"100\"");
	refused("\"lab_pid\":101", "\"lab_pid\":1.5");
	refused("\"scenario\":\"05-", "\"scenario\":\"\\u001b[2J05-");
	refused("\"scenario\":\"05-", "\"scenario\":\"\\u007f05-");
	refused("\"scenario\":\"05-", "\"scenario\":\"\\u0000");
	refused("\"idle_s\":600", "\"idle_s\":-1");
	refused("\"idle_s\":600", "\"idle_s\":86401");
	refused("\"user_ns\":{\"dev\":4,", "\"user_ns\":{\"dev\":-4,");
	refused("\"pid_ns\":{\"dev\":4,\"ino\":4026532002}", "\"pid_ns\":{\"dev\":4,\"ino\":0}");
	refused("\"pid_ns\":{\"dev\":4,\"ino\":4026532002}", "\"pid_ns\":{\"dev\":4,\"ino\":4026532002,\"x\":1}");
	refused("\"pid_ns\":{\"dev\":4,\"ino\":4026532002}", "\"pid_ns\":[4,4026532002]");
	refused("\"name\":\"alice\"", "\"name\":\"eve\"");
	refused("\"ip\":\"10.0.0.10\"", "\"ip\":\"10.0.0.99\""); /* not the plan's */
	refused(",\"ip\":\"10.0.0.10\"", "");
	refused("\"name\":\"switch\"", "\"name\":\"switch\",\"ip\":\"10.0.0.1\"");
	refused("\"pid\":102", "\"pid\":0");
	refused("\"hosts\":[", "\"hosts\":{},\"x\":[");
	refused("\"version\":1", "\"version\":1,\"version\":1"); /* duplicate key */
	refused("{", "[");
	refused("{", "{} {");
	/* no host at all; alice twice; more hosts than a lab has */
	char *s = sample_text(), err[256] = "";
	struct lab_hold_state st;
	char *h = strstr(s, "\"hosts\":["), *alice = strstr(s, "{\"name\":\"alice\"");
	char *alice_end = strstr(s, "\"ip\":\"10.0.0.10\"}");
	assert_true(h && alice && alice_end);
	alice_end += strlen("\"ip\":\"10.0.0.10\"}");
	char buf[8192];
	snprintf(buf, sizeof buf, "%.*s\"hosts\":[]}", (int)(h - s), s);
	assert_int_equal(lab_hold_parse(buf, strlen(buf), &st, err, sizeof err), -EINVAL);
	int alen = (int)(alice_end - alice);
	snprintf(buf, sizeof buf, "%.*s,%.*s%s", (int)(alice_end - s), s, alen, alice, alice_end);
	assert_int_equal(lab_hold_parse(buf, strlen(buf), &st, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "listed twice"));
	char many[8192];
	size_t m = (size_t)snprintf(many, sizeof many, "%.*s", (int)(alice - s), s);
	for (int i = 0; i < LAB_HOLD_MAX_HOSTS + 1; i++)
		m += (size_t)snprintf(many + m, sizeof many - m, "%s%.*s", i ? "," : "", alen, alice);
	snprintf(many + m, sizeof many - m, "]}");
	assert_int_equal(lab_hold_parse(many, strlen(many), &st, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "hosts"));
	free(s);
	assert_int_equal(lab_hold_parse("", 0, &st, err, sizeof err), -EINVAL);
	static char big[LAB_HOLD_MAX_BYTES + 2];
	memset(big, ' ', sizeof big);
	assert_int_equal(lab_hold_parse(big, sizeof big, &st, err, sizeof err), -EINVAL);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_read_checks_the_file(void **state)
{
	struct dir *d = *state;
	struct lab_hold_state st;
	struct stat fst;
	char err[512] = "", link[160];
	char *s = sample_text();

	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), -ENOENT);
	write_file(d->file, s, 0600);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), 0);
	assert_int_equal(st.n_hosts, 4);
	assert_int_equal(chmod(d->file, 0644), 0);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, "not a private state file"));
	assert_int_equal(chmod(d->file, 0400), 0);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), -EPERM);
	assert_int_equal(chmod(d->file, 0600), 0);
	snprintf(link, sizeof link, "%s/link.json", d->path);
	assert_int_equal(symlink(d->file, link), 0);
	assert_int_equal(lab_hold_read(link, &st, &fst, err, sizeof err), -ELOOP);
	assert_non_null(strstr(err, "symbolic link"));
	/* not a regular file: a directory, a FIFO (never waited on) */
	assert_int_equal(lab_hold_read(d->path, &st, &fst, err, sizeof err), -EPERM);
	snprintf(link, sizeof link, "%s/fifo", d->path);
	assert_int_equal(mkfifo(link, 0600), 0);
	assert_int_equal(lab_hold_read(link, &st, &fst, err, sizeof err), -EPERM);
	/* too large, even if the start is well-formed */
	FILE *f = fopen(d->file, "a");
	assert_non_null(f);
	for (int i = 0; i < LAB_HOLD_MAX_BYTES / 8; i++)
		fputs("        ", f);
	fclose(f);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), -EPERM);
	write_file(d->file, "{\"version\":1}", 0600);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), -EINVAL);
	free(s);
}

static void test_remove_only_the_same_file(void **state)
{
	struct dir *d = *state;
	struct lab_hold_state st;
	struct stat fst;
	char err[512], other[160];
	char *s = sample_text();
	write_file(d->file, s, 0600);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), 0);
	/* replaced meanwhile (another lab's file): left alone */
	snprintf(other, sizeof other, "%s/other", d->path);
	write_file(other, s, 0600);
	assert_int_equal(rename(other, d->file), 0);
	lab_hold_remove(d->file, &fst);
	assert_int_equal(access(d->file, F_OK), 0);
	assert_int_equal(lab_hold_read(d->file, &st, &fst, err, sizeof err), 0);
	lab_hold_remove(d->file, &fst);
	assert_int_equal(access(d->file, F_OK), -1);
	free(s);
}

static void test_state_directory_must_be_private(void **state)
{
	struct dir *d = *state;
	char path[PATH_MAX], err[512], want[160], sub[160];
	const char *old = getenv("XDG_RUNTIME_DIR");
	char *saved = old ? strdup(old) : NULL;

	setenv("XDG_RUNTIME_DIR", d->path, 1);
	assert_int_equal(lab_hold_path(path, sizeof path, false, err, sizeof err), -ENOENT);
	assert_int_equal(lab_hold_path(path, sizeof path, true, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/mitmlab/held.json", d->path);
	assert_string_equal(path, want);
	snprintf(sub, sizeof sub, "%s/mitmlab", d->path);
	struct stat st;
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(lab_hold_path(path, sizeof path, true, err, sizeof err), -EPERM);
	assert_non_null(strstr(err, "not a private directory"));
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(symlink("/tmp", sub), 0); /* a link to a directory is no directory of ours */
	assert_int_equal(lab_hold_path(path, sizeof path, true, err, sizeof err), -EPERM);
	assert_int_equal(unlink(sub), 0);
	/* too long for a path */
	static char longdir[PATH_MAX + 8];
	memset(longdir, 'a', sizeof longdir - 1);
	longdir[0] = '/';
	setenv("XDG_RUNTIME_DIR", longdir, 1);
	assert_int_equal(lab_hold_path(path, sizeof path, true, err, sizeof err), -ENAMETOOLONG);
	if (saved)
		setenv("XDG_RUNTIME_DIR", saved, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	free(saved);
}

static struct lab_ns_id ns_of(const char *path)
{
	struct stat s;
	assert_int_equal(stat(path, &s), 0);
	return (struct lab_ns_id){(uint64_t)s.st_dev, (uint64_t)s.st_ino};
}

/* A live process whose namespaces are not the file's is no lab; our own
 * namespaces named in the file are refused too. */
static void test_open_host_checks_namespaces(void **state)
{
	(void)state;
	struct lab_hold_state st;
	char err[512];
	int fds[3];
	sample(&st);
	st.hosts[0].pid = getpid();
	assert_int_equal(lab_hold_open_host(&st, &st.hosts[0], fds, err, sizeof err), -ESRCH);
	assert_non_null(strstr(err, "has ended"));
	for (int i = 0; i < 3; i++)
		assert_int_equal(fds[i], -1);
	assert_false(lab_hold_alive(&st));
	st.user = ns_of("/proc/self/ns/user");
	st.pidns = ns_of("/proc/self/ns/pid");
	st.hosts[0].net = ns_of("/proc/self/ns/net");
	assert_int_equal(lab_hold_open_host(&st, &st.hosts[0], fds, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "already in"));
	/* a process that has ended */
	pid_t dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	st.hosts[0].pid = dead;
	assert_int_equal(lab_hold_open_host(&st, &st.hosts[0], fds, err, sizeof err), -ESRCH);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_round_trip),
	    T(test_malformed_fields_refused),
	    T(test_read_checks_the_file),
	    T(test_remove_only_the_same_file),
	    T(test_state_directory_must_be_private),
	    T(test_open_host_checks_namespaces),
	};
#undef T
	return cmocka_run_group_tests_name("lab_hold", tests, NULL, NULL);
}
