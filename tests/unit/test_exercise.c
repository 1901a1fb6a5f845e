/* Unit tests for lab-scenarios/exercise.c's INI reading and applying, without
 * a lab (tests/integration/test_grade.c runs the labs): the shipped exercises
 * and tests/grade's submissions read; a line longer than inih's buffer or a
 * NUL byte is refused with its line, never cut into a line inih parses on
 * its own (what fuzz_scenario found: a long continuation line's tail came
 * back as a key of its own, and the scenario written from it read back
 * differently); what exercise_apply writes reads back as a submission that
 * changes nothing locked. Fixtures live in a fresh mkdtemp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "exercise.h"

static char tmpdir[] = "/tmp/mlab-exercise-XXXXXX";

static const char *src_path(const char *rel, char *buf, size_t n)
{
	const char *src = getenv("MLAB_SRC");
	snprintf(buf, n, "%s/%s", src && *src ? src : ".", rel);
	return buf;
}

/* Writes len bytes of text as fixture `name`; returns its path (static). */
static const char *fixture_n(const char *name, const char *text, size_t len)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *fixture(const char *name, const char *text)
{
	return fixture_n(name, text, strlen(text));
}

static void read_fails(const char *name, const char *text, size_t len, const char *want)
{
	struct ex_ini ini;
	char err[1024] = "";
	const char *p = fixture_n(name, text, len);
	assert_int_equal(ex_ini_read(p, &ini, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("error lacks \"%s\": %s", want, err);
	assert_non_null(strstr(err, name));
	assert_int_equal(ini.n, 0);
}

static void test_shipped_exercises_and_submissions_read(void **state)
{
	(void)state;
	static const char *const ex[] = {"exercises/01-stop-06.ini", "exercises/02-stop-15.ini",
					 "exercises/03-keep-05.ini"};
	static const char *const subs[] = {"05-cipher.ini", "06-break.ini",  "06-expect.ini",
					   "06-good.ini",   "06-locked.ini", "06-no-mallory.ini",
					   "06-wrong.ini",  "15-groups.ini", "15-scope.ini"};
	char p[4096], err[1024], rel[128];
	for (size_t i = 0; i < N_OF(ex); i++) {
		struct exercise x;
		if (exercise_load(src_path(ex[i], p, sizeof p), &x, err, sizeof err) != 0)
			fail_msg("%s: %s", ex[i], err);
		assert_true(x.n_allow > 0);
		exercise_free(&x);
	}
	for (size_t i = 0; i < N_OF(subs); i++) {
		struct ex_ini ini;
		snprintf(rel, sizeof rel, "tests/grade/%s", subs[i]);
		if (ex_ini_read(src_path(rel, p, sizeof p), &ini, err, sizeof err) != 0)
			fail_msg("%s: %s", subs[i], err);
		assert_true(ini.n > 0);
		ex_ini_free(&ini);
	}
}

static void test_long_lines_are_refused_not_cut(void **state)
{
	(void)state;
	char text[512], err[1024];
	struct ex_ini ini;

	/* 199 characters fit, whole */
	strcpy(text, "[alice]\nauth = ");
	memset(text + 15, 'a', 192);
	strcpy(text + 15 + 192, "\n");
	assert_int_equal(ex_ini_read(fixture("fits.ini", text), &ini, err, sizeof err), 0);
	assert_int_equal(ini.n, 1);
	assert_int_equal(strlen(ini.e[0].val), 192);
	ex_ini_free(&ini);

	/* 200 do not: before, inih cut the line and its tail "cipher=none"
	 * became a key of its own */
	snprintf(text, sizeof text, "[alice]\nauth = %s\n", "");
	memset(text + 15, 'a', 182);
	strcpy(text + 15 + 182, "cipher=none\n[bob]\nauth = none\n");
	read_fails("tail.ini", text, strlen(text),
		   "tail.ini:2: line too long (limit 199 characters, this one has 200)");

	/* the fuzzer's case: a continuation line beyond the limit */
	char cont[512] = "[alice]\nauth = sign\n  ";
	memset(cont + strlen(cont), 'x', 250);
	strcat(cont, "\n");
	read_fails("cont.ini", cont, strlen(cont),
		   "cont.ini:3: line too long (limit 199 characters, this one has 252)");

	/* an exercise file is read the same way */
	struct exercise x;
	snprintf(text, sizeof text, "[exercise]\ntitle = %s\n", "");
	memset(text + 19, 't', 300);
	text[19 + 300] = '\0';
	assert_int_equal(exercise_load(fixture("ex.ini", text), &x, err, sizeof err), -1);
	assert_non_null(strstr(err, "ex.ini:2: line too long"));
}

static void test_nul_bytes_crlf_and_other_errors(void **state)
{
	(void)state;
	struct ex_ini ini;
	char err[1024];
	static const char nul[] = "[alice]\nauth = sign\0cipher = none\n";
	read_fails("nul.ini", nul, sizeof nul - 1, "nul.ini:2: a NUL byte");

	assert_int_equal(ex_ini_read(fixture("crlf.ini", "[alice]\r\nauth = sign\r\n"), &ini, err, sizeof err), 0);
	assert_int_equal(ini.n, 1);
	assert_string_equal(ini.e[0].val, "sign");
	ex_ini_free(&ini);

	/* inih's own error before a long line is the one reported */
	char text[512] = "[alice\nauth = sign\n";
	memset(text + strlen(text), 'y', 300);
	read_fails("both.ini", text, strlen(text), "both.ini:1: not a valid INI line");

	/* too many keys */
	static char many[300 * 16];
	size_t o = (size_t)snprintf(many, sizeof many, "[alice]\n");
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "k%d = v\n", i);
	read_fails("many.ini", many, o, "too many lines (at most 256 keys)");

	assert_int_equal(ex_ini_read("/nonexistent/x.ini", &ini, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.ini"));
}

/* What exercise_apply writes is a submission that changes nothing locked. */
static void test_applied_scenario_reads_back(void **state)
{
	(void)state;
	char p[4096], b[4096], err[1024], why[2048], rel[128], out[600], out2[600];
	static const char *const subs[] = {"06-good.ini", "06-wrong.ini", "06-break.ini"};
	struct exercise x;
	struct ex_ini base;
	assert_int_equal(exercise_load(src_path("exercises/01-stop-06.ini", p, sizeof p), &x, err, sizeof err), 0);
	assert_int_equal(ex_ini_read(src_path("lab-scenarios/06-dh-mitm.ini", b, sizeof b), &base, err, sizeof err), 0);
	snprintf(out, sizeof out, "%s/out.ini", tmpdir);
	snprintf(out2, sizeof out2, "%s/out2.ini", tmpdir);
	for (size_t i = 0; i < N_OF(subs); i++) {
		struct ex_ini sub, again;
		snprintf(rel, sizeof rel, "tests/grade/%s", subs[i]);
		assert_int_equal(ex_ini_read(src_path(rel, p, sizeof p), &sub, err, sizeof err), 0);
		if (exercise_apply(&x, &base, &sub, out, why, sizeof why) != 0) {
			ex_ini_free(&sub);
			continue; /* a cheat: refused */
		}
		assert_int_equal(ex_ini_read(out, &again, err, sizeof err), 0);
		if (exercise_apply(&x, &base, &again, out2, why, sizeof why) != 0)
			fail_msg("%s: what was written changes a locked key: %s", subs[i], why);
		ex_ini_free(&again);
		ex_ini_free(&sub);
	}
	ex_ini_free(&base);
	exercise_free(&x);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	static const char *const names[] = {"fits.ini", "tail.ini", "cont.ini", "ex.ini",  "nul.ini",
					    "crlf.ini", "both.ini", "many.ini", "out.ini", "out2.ini"};
	char p[600];
	for (size_t i = 0; i < N_OF(names); i++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shipped_exercises_and_submissions_read),
	    cmocka_unit_test(test_long_lines_are_refused_not_cut),
	    cmocka_unit_test(test_nul_bytes_crlf_and_other_errors),
	    cmocka_unit_test(test_applied_scenario_reads_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
