/* What the programs tell the user must be true of the other programs: a file
 * name a message suggests is one mitmlab-keygen really writes, bob's exit
 * status after an aborted connection is the one his --help and the README
 * promise, and the README's options exist. Runs the built binaries; network
 * only on 127.0.0.1. */
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

#include "proc.h"

#define T_MS 15000

static char out[65536];

/* A program's exit status and all it printed (proc_run). */
static int run(const char *const *argv, char *buf, size_t len)
{
	int rc = proc_run(argv, buf, len);
	assert_true(rc >= 0);
	return rc;
}

static bool exists(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Copies the word at s (up to a space, comma or ')') into w. */
static void word_at(const char *s, char *w, size_t n)
{
	size_t i = 0;
	while (s[i] && !strchr(" ,)\n", s[i]) && i + 1 < n) {
		w[i] = s[i];
		i++;
	}
	w[i] = '\0';
}

/* In msg: the file "(FILE..." names first in its parentheses, and the argument
 * of the "mitmlab-keygen ARG" it suggests (fallback when it gives none). */
static void suggested(const char *msg, char *file, char *arg, size_t n, const char *fallback)
{
	const char *paren = strchr(msg, '('), *kg = strstr(msg, "mitmlab-keygen");
	assert_non_null(paren);
	assert_non_null(kg);
	word_at(paren + 1, file, n);
	kg += strlen("mitmlab-keygen");
	if (*kg == ' ')
		word_at(kg + 1, arg, n);
	else
		snprintf(arg, n, "%s", fallback);
	assert_true(file[0] != '\0' && arg[0] != '\0');
}

/* Runs mitmlab-keygen ARG in a fresh directory and checks that FILE is there. */
static void keygen_writes(const char *arg, const char *file)
{
	char dir[] = "/tmp/mlab-msg-XXXXXX", path[4200], name[4200];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, arg);
	const char *argv[] = {"mitmlab-keygen", "--quiet", path, NULL};
	char kout[4096];
	assert_int_equal(run(argv, kout, sizeof kout), 0);
	if (!exists(dir, file))
		fail_msg("the message names '%s', but mitmlab-keygen %s did not write it", file, arg);
	/* Clean up what keygen wrote: FILE.key and its .pub. */
	snprintf(name, sizeof name, "%s/%s", dir, file);
	unlink(name);
	unlink(path);
	size_t l = strlen(path);
	if (l > 4 && strcmp(path + l - 4, ".key") == 0) {
		snprintf(path + l - 4, sizeof path - (l - 4), ".pub");
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* alice without bob's pin, bob with --mutual without alice's: the public
 * key file each names is the one mitmlab-keygen writes. */
static void test_missing_pin_names_a_file_keygen_writes(void **state)
{
	(void)state;
	char key[4200], file[256], arg[256];
	const char *a[] = {"alice", "--auth", "sign", NULL};
	const char *b[] = {"bob", "--auth", "sign", "--mutual", "--key", proc_bin("keys/bob.key", key, sizeof key),
			   NULL};

	assert_int_equal(run(a, out, sizeof out), 2);
	assert_non_null(strstr(out, "--peer-key FILE"));
	suggested(strstr(out, "--peer-key FILE"), file, arg, sizeof file, "bob.key");
	assert_string_equal(file, "bob.pub");
	keygen_writes(arg, file);

	assert_int_equal(run(b, out, sizeof out), 2);
	assert_non_null(strstr(out, "--peer-key FILE"));
	suggested(strstr(out, "--peer-key FILE"), file, arg, sizeof file, "alice.key");
	assert_string_equal(file, "alice.pub");
	keygen_writes(arg, file);
}

/* bob without his key: the command it suggests writes the file it needs. */
static void test_missing_key_suggests_keygen(void **state)
{
	(void)state;
	char arg[256];
	const char *b[] = {"bob", "--auth", "sign", NULL};

	assert_int_equal(run(b, out, sizeof out), 2);
	const char *kg = strstr(out, "mitmlab-keygen ");
	assert_non_null(kg);
	word_at(kg + strlen("mitmlab-keygen "), arg, sizeof arg);
	assert_string_equal(arg, "bob.key");
	keygen_writes(arg, arg);
}

/* alice aborts (a wrong pin against a signing bob): she exits 1, bob ends
 * that connection with peer-alert and, a server that outlives each of his
 * connections, exits 0 as his --help and the README say. */
static void test_bob_exit_status_after_peer_abort(void **state)
{
	(void)state;
	struct proc bob, alice;
	char key[4200], pin[4200], addr[64];
	const char *bargv[] = {"bob",
			       "--listen",
			       "127.0.0.1:0",
			       "--auth",
			       "sign",
			       "--key",
			       proc_bin("keys/bob.key", key, sizeof key),
			       "--max-conns",
			       "1",
			       "--timeout",
			       "5",
			       NULL};

	assert_int_equal(proc_start(&bob, bargv), 0);
	json_t *ev = proc_wait_event(&bob, "listening", T_MS);
	assert_non_null(ev);
	snprintf(addr, sizeof addr, "127.0.0.1:%lld", (long long)json_integer_value(json_object_get(ev, "port")));
	const char *aargv[] = {"alice",
			       "--connect",
			       addr,
			       "--auth",
			       "sign",
			       "--peer-key",
			       proc_bin("keys/mallory.pub", pin, sizeof pin),
			       "--send",
			       "hi",
			       "--timeout",
			       "5",
			       NULL};
	assert_int_equal(proc_start(&alice, aargv), 0);
	assert_int_equal(proc_wait(&alice, T_MS), 1);
	assert_string_equal(proc_str(proc_event(&alice, "error", 0), "error"), "pinned-key-mismatch");

	assert_int_equal(proc_wait(&bob, T_MS), 0);
	json_t *end = proc_event(&bob, "connection-end", 0);
	assert_non_null(end);
	assert_false(json_is_true(json_object_get(end, "ok")));
	assert_string_equal(proc_str(end, "error"), "peer-alert");
	assert_string_equal(proc_str(proc_event(&bob, "error", 0), "check"), "peer");
	proc_free(&alice);
	proc_free(&bob);

	/* What bob's --help promises for it. */
	const char *h[] = {"bob", "--help", NULL};
	assert_int_equal(run(h, out, sizeof out), 0);
	assert_non_null(strstr(out, "also when connections failed"));
	const char *ha[] = {"alice", "--help", NULL};
	assert_int_equal(run(ha, out, sizeof out), 0);
	assert_non_null(strstr(out, "1 a check failed or the peer aborted"));
}

/* The README's exit-status paragraph says the same of bob. */
static void test_readme_states_bob_exit_status(void **state)
{
	(void)state;
	char path[4200];
	FILE *f = fopen(proc_src("README.md", path, sizeof path), "r");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	const char *p = strstr(out, "Exit status of alice");
	assert_non_null(p);
	const char *b = strstr(p, "bob");
	assert_non_null(b);
	const char *end = strstr(p, "\n\n");
	assert_non_null(end);
	const char *also = strstr(b, "also when connections failed");
	assert_true(also && also < end);
}

/* Every option the README's table of main options names is one that alice
 * or bob really has (their --help lists it). */
static void test_readme_options_exist(void **state)
{
	(void)state;
	static char help[2][16384];
	const char *progs[] = {"alice", "bob"};
	for (size_t i = 0; i < 2; i++) {
		const char *h[] = {progs[i], "--help", NULL};
		assert_int_equal(run(h, help[i], sizeof help[i]), 0);
	}
	char path[4200];
	FILE *f = fopen(proc_src("README.md", path, sizeof path), "r");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	const char *p = strstr(out, "Main options");
	assert_non_null(p);
	p = strstr(p, "\n|"); /* the table: from its first row to the blank line after it */
	assert_non_null(p);
	const char *end = strstr(p, "\n\n");
	assert_non_null(end);
	size_t checked = 0;
	for (const char *q = p; (q = strstr(q, "`--")) && q < end; q++) {
		char opt[64];
		size_t len = 0;
		for (const char *c = q + 1; (*c == '-' || (*c >= 'a' && *c <= 'z')) && len + 2 < sizeof opt; c++)
			opt[len++] = *c;
		opt[len++] = ' ';
		opt[len] = '\0';
		if (!strstr(help[0], opt) && !strstr(help[1], opt))
			fail_msg(
			    "README.md's option table names '%.*s', which neither alice --help nor bob --help lists",
			    (int)len - 1, opt);
		checked++;
	}
	assert_true(checked >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_pin_names_a_file_keygen_writes),
	    cmocka_unit_test(test_missing_key_suggests_keygen),
	    cmocka_unit_test(test_bob_exit_status_after_peer_abort),
	    cmocka_unit_test(test_readme_states_bob_exit_status),
	    cmocka_unit_test(test_readme_options_exist),
	};
	return cmocka_run_group_tests_name("messages", tests, NULL, NULL);
}
