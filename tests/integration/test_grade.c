/* mitmlab grade on the shipped exercises and the submissions of tests/grade/:
 * passing, failing and cheating ones get the expected points and reasons, and
 * grades.json and grades.csv are valid. Runs real labs (rootless). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "proc.h"

static char out[1 << 16], tmp[] = "/tmp/mlab-grade-XXXXXX";

struct want {
	const char *sub, *verdict;
	int points;
	const char *why; /* a part of the reason */
};

static void grade(const char *exercise, const struct want *w, size_t n, int case_no)
{
	char ex[4096], dir[256], subs[16][4096];
	const char *argv[24] = {"mitmlab", "grade", proc_src(exercise, ex, sizeof ex)};
	size_t k = 3;
	for (size_t i = 0; i < n; i++) {
		char rel[128];
		snprintf(rel, sizeof rel, "tests/grade/%s", w[i].sub);
		argv[k++] = proc_src(rel, subs[i], sizeof subs[i]);
	}
	snprintf(dir, sizeof dir, "%s/g%d", tmp, case_no);
	argv[k++] = "--out";
	argv[k++] = dir;
	argv[k] = NULL;
	int rc = proc_run(argv, out, sizeof out);
	if (rc != 0)
		fail_msg("mitmlab grade %s exited %d:\n%s", exercise, rc, out);
	char path[300];
	snprintf(path, sizeof path, "%s/grades.json", dir);
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s is not JSON: %s\n%s", path, err.text, out);
	json_t *all = json_object_get(doc, "submissions");
	assert_int_equal(json_array_size(all), n);
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(all, i);
		const char *v = json_string_value(json_object_get(s, "verdict"));
		const char *why = json_string_value(json_object_get(s, "why"));
		int pts = (int)json_integer_value(json_object_get(s, "points"));
		if (!v || strcmp(v, w[i].verdict) != 0 || pts != w[i].points || !why || !strstr(why, w[i].why))
			fail_msg("%s: got %s, %d points (%s); wanted %s, %d points, why containing \"%s\"\n%s",
				 w[i].sub, v ? v : "?", pts, why ? why : "?", w[i].verdict, w[i].points, w[i].why, out);
	}
	json_decref(doc);
	/* CSV: a header and one line per submission, fields quoted */
	snprintf(path, sizeof path, "%s/grades.csv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[4096];
	size_t lines = 0;
	while (fgets(line, sizeof line, f))
		if (lines++ == 0)
			assert_string_equal(line, "name,verdict,control,points,why\n");
		else
			assert_true(line[0] == '"');
	fclose(f);
	assert_int_equal(lines, n + 1);
}

static void test_stop_06(void **state)
{
	(void)state;
	static const struct want w[] = {
	    {"06-good.ini", "blocked", 10, "signature check"},
	    {"06-wrong.ini", "attack-succeeded", 0, "goal blocked"},
	    {"06-locked.ini", "refused", 0, "[alice] cipher, which this exercise locks"},
	    {"06-break.ini", "misconfigured", 0, "no attack was attempted"},
	    {"06-no-mallory.ini", "refused", 0, "removes [mallory]"},
	    {"06-expect.ini", "refused", 0, "[scenario] expect"},
	};
	grade("exercises/01-stop-06.ini", w, sizeof w / sizeof w[0], 1);
}

static void test_stop_15(void **state)
{
	(void)state;
	static const struct want w[] = {
	    {"15-scope.ini", "blocked", 10, "signature"},
	    {"15-groups.ini", "refused", 0, "[alice] groups"},
	};
	grade("exercises/02-stop-15.ini", w, sizeof w / sizeof w[0], 2);
}

static void test_keep_05(void **state)
{
	(void)state;
	static const struct want w[] = {{"05-cipher.ini", "confidential", 10, "learned nothing"}};
	grade("exercises/03-keep-05.ini", w, sizeof w / sizeof w[0], 3);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stop_06),
	    cmocka_unit_test(test_stop_15),
	    cmocka_unit_test(test_keep_05),
	};
	return cmocka_run_group_tests_name("grade", tests, setup, teardown);
}
