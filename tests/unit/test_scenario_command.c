/* Unit tests for "bring your own attacker" (issue 13): the [mallory] command
 * key of scenario files (lab-scenarios/scenario.c) and what the runner makes
 * of it (lab-scenarios/commands.c): the command line, the environment, and
 * the reason a command cannot be started. docs/scenarios.md, "Bring your own
 * attacker". Fixtures live in a fresh mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "commands.h"
#include "scenario.h"

static char tmpdir[] = "/tmp/mlab-sccmd-XXXXXX";
static char fixture_path[512];

#define HEAD "[scenario]\ntitle = T\nexpect = attack-succeeded\nteaching = text\n"
#define PEERS "[alice]\n[bob]\n"

static const char *fixture(const char *name, const char *text, mode_t mode)
{
	snprintf(fixture_path, sizeof fixture_path, "%s/%s", tmpdir, name);
	FILE *f = fopen(fixture_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(fixture_path, mode), 0);
	return fixture_path;
}

static void load_ok(const char *path, struct scenario *sc)
{
	char err[1024] = "";
	if (scenario_load(path, NULL, sc, err, sizeof err) != 0)
		fail_msg("scenario_load(%s) failed: %s", path, err);
}

/* Loads text as `name` and expects failure with every substring (NULL-terminated). */
static void load_fails(const char *name, const char *text, ...)
{
	struct scenario sc;
	char err[1024] = "", path[512];
	va_list ap;

	snprintf(path, sizeof path, "%s", fixture(name, text, 0644));
	if (scenario_load(path, NULL, &sc, err, sizeof err) != -1)
		fail_msg("%s loaded, expected an error", name);
	if (!strstr(err, path))
		fail_msg("error does not name the file %s: %s", path, err);
	va_start(ap, text);
	for (const char *want; (want = va_arg(ap, const char *)) != NULL;)
		if (!strstr(err, want)) {
			va_end(ap);
			fail_msg("error lacks \"%s\": %s", want, err);
		}
	va_end(ap);
	assert_null(sc.command);
	scenario_free(&sc);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	static const char *const files[] = {"01-c.ini", "my_attack.py", "not-exec.py", "sub"};
	char p[600];
	for (size_t i = 0; i < N_OF(files); i++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, files[i]);
		unlink(p);
		rmdir(p);
	}
	return rmdir(tmpdir);
}

/* The program is resolved against the file's directory (absolute), the
 * arguments are split on blanks and kept as they are; no mallory flags. */
static void test_command_loads_split_and_resolved(void **state)
{
	(void)state;
	struct scenario sc;
	char want[600], *real = realpath(tmpdir, NULL);
	assert_non_null(real);
	snprintf(want, sizeof want, "%s/my_attack.py", real);
	free(real);

	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./my_attack.py  --fast\t-v x=1\n", 0644), &sc);
	assert_true(sc.mallory.present);
	assert_int_equal(sc.mallory.n_args, 0);
	assert_non_null(sc.command);
	assert_string_equal(sc.command[0], want);
	assert_string_equal(sc.command[1], "--fast");
	assert_string_equal(sc.command[2], "-v");
	assert_string_equal(sc.command[3], "x=1");
	assert_null(sc.command[4]);
	assert_false(lab_is_active(&sc)); /* it says so itself, by its ready event */
	scenario_free(&sc);

	/* without ./ too; an absolute program is used as it is */
	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = sub/a.py\n", 0644), &sc);
	assert_non_null(strstr(sc.command[0], "/sub/a.py"));
	assert_true(sc.command[0][0] == '/');
	scenario_free(&sc);
	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = /usr/bin/env true\n", 0644), &sc);
	assert_string_equal(sc.command[0], "/usr/bin/env");
	assert_string_equal(sc.command[1], "true");
	scenario_free(&sc);
	unlink(fixture_path);
}

/* command excludes every other [mallory] key, in either order, naming the
 * other key's line and the command's. */
static void test_command_excludes_every_mallory_key(void **state)
{
	(void)state;
	load_fails("01-c.ini", HEAD PEERS "[mallory]\nattack = relay\ncommand = ./a.py\n",
		   "01-c.ini:8:", "[mallory] attack: not with command (line 9)", NULL);
	load_fails("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./a.py\nsniff = yes\n",
		   "01-c.ini:9:", "[mallory] sniff: not with command (line 8)", NULL);
	load_fails("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./a.py\ninterval = 100\n",
		   "01-c.ini:9:", "[mallory] interval: not with command", NULL);
	/* a boolean set to no adds no flag, but it is still one of her keys */
	load_fails("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./a.py\nsniff = no\n",
		   "01-c.ini:9:", "[mallory] sniff: not with command", NULL);
	load_fails("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./a.py\ncommand = ./b.py\n",
		   "01-c.ini:9:", "[mallory] command: one value (it was set on line 8)", NULL);
	load_fails("01-c.ini", HEAD PEERS "[mallory]\ncommand =\n", "01-c.ini:8:", "[mallory] command",
		   "a text (not empty)", NULL);
	/* phase 2 is bin/mallory --decrypt */
	load_fails("01-c.ini",
		   "[scenario]\ntitle = T\nexpect = attack-succeeded\nleak = bob.key\nteaching = t\n" PEERS
		   "[mallory]\ncommand = ./a.py\n",
		   "01-c.ini:4:", "[scenario] leak", "not a [mallory] command (line 9)", NULL);
	/* not a key of the other programs */
	load_fails("01-c.ini", HEAD "[alice]\ncommand = ./a.py\n[bob]\n", "01-c.ini:6:", "[alice] command",
		   "unknown key", NULL);
}

/* mallory's argv is the command, with nothing of the runner's added. */
static void test_argv_is_the_command(void **state)
{
	(void)state;
	struct scenario sc;
	struct lab_paths paths = {.bin_dir = "/nowhere/bin", .keys_dir = "/nowhere/keys"};
	char *argv[LAB_MAX_ARGV];

	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = /bin/true --x\n", 0644), &sc);
	assert_int_equal(lab_argv(&sc, &paths, "mallory", argv, LAB_MAX_ARGV), 2);
	assert_string_equal(argv[0], "/bin/true");
	assert_string_equal(argv[1], "--x");
	assert_null(argv[2]);
	lab_argv_free(argv);
	assert_int_equal(lab_argv(&sc, &paths, "mallory", argv, 2), -1); /* no room for the NULL */
	/* alice and bob are as ever */
	assert_true(lab_argv(&sc, &paths, "bob", argv, LAB_MAX_ARGV) > 0);
	assert_string_equal(argv[0], "/nowhere/bin/bob");
	lab_argv_free(argv);
	scenario_free(&sc);
	unlink(fixture_path);
}

static const char *env_get(char **env, const char *name)
{
	size_t n = strlen(name);
	const char *v = NULL;
	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=') {
			if (v)
				fail_msg("%s is twice in the environment", name);
			v = env[i] + n + 1;
		}
	return v;
}

/* The documented environment, the caller's other variables kept, and no
 * MITMLAB_ variable of the caller's. */
static void test_environment(void **state)
{
	(void)state;
	static const char *const want[][2] = {
	    {"MITMLAB_IFACE", "eth0"},
	    {"MITMLAB_TARGETS", "10.0.0.10,10.0.0.20"},
	    {"MITMLAB_ALICE_IP", "10.0.0.10"},
	    {"MITMLAB_ALICE_MAC", "02:00:00:00:00:0a"},
	    {"MITMLAB_BOB_IP", "10.0.0.20"},
	    {"MITMLAB_BOB_MAC", "02:00:00:00:00:0b"},
	    {"MITMLAB_MALLORY_IP", "10.0.0.66"},
	    {"MITMLAB_MALLORY_MAC", "02:00:00:00:00:66"},
	    {"MITMLAB_PORT", "4433"},
	    {"MITMLAB_EVENTS_FD", "3"},
	};
	setenv("MITMLAB_BIN", "/somewhere", 1);
	setenv("MLAB_BYOA_KEPT", "yes", 1);
	char **env = lab_command_env(tmpdir);
	unsetenv("MITMLAB_BIN");
	unsetenv("MLAB_BYOA_KEPT");
	for (size_t i = 0; i < N_OF(want); i++) {
		const char *v = env_get(env, want[i][0]);
		if (!v || strcmp(v, want[i][1]) != 0)
			fail_msg("%s is '%s', expected '%s'", want[i][0], v ? v : "(absent)", want[i][1]);
	}
	char *real = realpath(tmpdir, NULL);
	assert_non_null(real);
	assert_string_equal(env_get(env, "MITMLAB_RUN_DIR"), real);
	free(real);
	assert_null(env_get(env, "MITMLAB_BIN"));
	assert_string_equal(env_get(env, "MLAB_BYOA_KEPT"), "yes");
	lab_argv_free(env);
	free(env);
}

/* A command that cannot be started is said so, with its path and why. */
static void test_problem_with_the_program(void **state)
{
	(void)state;
	struct scenario sc;
	char why[2048], dir[600];

	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./my_attack.py\n", 0644), &sc);
	assert_true(lab_command_problem(&sc, why, sizeof why));
	if (!strstr(why, "cannot be started (No such file or directory):") || !strstr(why, "/my_attack.py, in ") ||
	    !strstr(why, "01-c.ini") || !strstr(why, "[mallory] command"))
		fail_msg("unclear: %s", why);
	fixture("my_attack.py", "#!/bin/sh\nexit 0\n", 0755);
	assert_false(lab_command_problem(&sc, why, sizeof why));
	scenario_free(&sc);

	fixture("not-exec.py", "#!/bin/sh\n", 0644);
	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = not-exec.py\n", 0644), &sc);
	assert_true(lab_command_problem(&sc, why, sizeof why));
	assert_non_null(strstr(why, "(not executable (chmod +x it)): "));
	scenario_free(&sc);

	snprintf(dir, sizeof dir, "%s/sub", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\ncommand = ./sub\n", 0644), &sc);
	assert_true(lab_command_problem(&sc, why, sizeof why));
	assert_non_null(strstr(why, "(not a regular file): "));
	scenario_free(&sc);

	load_ok(fixture("01-c.ini", HEAD PEERS "[mallory]\nsniff = yes\n", 0644), &sc);
	assert_true(lab_command_problem(&sc, why, sizeof why)); /* bin/mallory's scenario has none */
	scenario_free(&sc);
	unlink(fixture_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_command_loads_split_and_resolved),
	    cmocka_unit_test(test_command_excludes_every_mallory_key),
	    cmocka_unit_test(test_argv_is_the_command),
	    cmocka_unit_test(test_environment),
	    cmocka_unit_test(test_problem_with_the_program),
	};
	return cmocka_run_group_tests_name("scenario-command", tests, setup, teardown);
}
