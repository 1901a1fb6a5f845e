/* Golden reports (tcpdump's tests/TESTLIST): recorded run -> expected report.
 *
 * Each line of tests/golden/TESTLIST is one cmocka test:
 *   NAME SCENARIO-FILE EVENTS-FILE EXPECTED-TEXT [EXPECTED-JSON] [--ascii]
 * (paths relative to the repository, $MLAB_SRC). The test renders the report
 * from the recorded events and the scenario file with the library code that
 * `mitmlab run` and `mitmlab replay` use (scenario_load, judge_run,
 * report_text_opts, report_json) and compares it byte for byte with the
 * expected file; a difference fails the case and prints a unified diff.
 *
 * With MLAB_GOLDEN_UPDATE=1 each case writes its expected files instead
 * (tools/golden-update.sh does this; review the diff before committing).
 *
 * Determinism: the report gets the fixed run directory GOLDEN_RUN_DIR, and
 * the scenario is loaded by its repository-relative path (the JSON report
 * shows it), from $MLAB_SRC as the working directory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>

#include "test_util.h"

#include "ev_fields.h"
#include "judge.h"
#include "report.h"
#include "scenario.h"

#define GOLDEN_RUN_DIR "runs/golden" /* what the reports show as their run directory */
#define TESTLIST "tests/golden/TESTLIST"
#define MAX_CASES 256
#define LIST_LINE_MAX 4096
/* The limits of ui/viewmodel.c's vm_load_run, which `mitmlab replay` uses. */

extern char **environ;

struct golden_case {
	char *name, *scenario, *events, *text, *json; /* json may be NULL */
	bool ascii;
};

/* ---- loading ---- */

/* events.jsonl as vm_load_run reads it: one JSON object a line; blank lines,
 * lines that are not one object and lines longer than LOAD_LINE_MAX are
 * skipped. NULL (with err) when the file cannot be read. */
static json_t *load_events(const char *path, char *err, size_t errlen)
{
	return ev_load_jsonl(path, err, errlen); /* the loader mitmlab replay uses */
}

/* A whole file; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		size_t r = fread(buf + len, 1, cap - len - 1, f);
		len += r;
		if (r == 0)
			break;
	}
	bool bad = ferror(f) != 0;
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*n = len;
	return buf;
}

static int write_all(const char *path, const char *data, size_t n)
{
	char tmp[LIST_LINE_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -1;
	bool ok = fwrite(data, 1, n, f) == n;
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- rendering ---- */

struct rendered {
	char *text, *json; /* json NULL unless asked for */
	size_t text_len, json_len;
};

static void rendered_free(struct rendered *r)
{
	free(r->text);
	free(r->json);
	memset(r, 0, sizeof *r);
}

/* Renders the case's reports as `mitmlab run` writes them: the verdict from
 * judge_run, report.json as json_dump_file(JSON_INDENT(2) |
 * JSON_ENSURE_ASCII) writes it, plus a final newline. 0, or -1 with err. */
static int render_case(const struct golden_case *gc, struct rendered *r, char *err, size_t errlen)
{
	struct scenario sc;
	struct verdict v;
	char serr[1024];
	int rc = -1;

	memset(r, 0, sizeof *r);
	memset(&sc, 0, sizeof sc);
	if (scenario_load(gc->scenario, "lab-scenarios", &sc, serr, sizeof serr) != 0) {
		snprintf(err, errlen, "scenario %s: %s", gc->scenario, serr);
		return -1;
	}
	json_t *events = load_events(gc->events, err, errlen);
	if (!events)
		goto out;
	if (judge_run(events, &v) != 0) {
		snprintf(err, errlen, "judge_run failed on %s", gc->events);
		goto out;
	}
	FILE *m = open_memstream(&r->text, &r->text_len);
	if (!m) {
		snprintf(err, errlen, "open_memstream: %s", strerror(errno));
		goto out;
	}
	report_text_opts(m, &sc, events, &v, GOLDEN_RUN_DIR, gc->ascii ? REPORT_ASCII : 0);
	if (fclose(m) != 0) {
		snprintf(err, errlen, "writing the text report failed");
		goto out;
	}
	if (gc->json) {
		json_t *j = report_json(&sc, events, &v, GOLDEN_RUN_DIR);
		char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
		json_decref(j);
		if (!s) {
			snprintf(err, errlen, "report_json failed");
			goto out;
		}
		r->json_len = strlen(s) + 1;
		r->json = malloc(r->json_len + 1);
		if (!r->json) {
			free(s);
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		memcpy(r->json, s, r->json_len - 1);
		memcpy(r->json + r->json_len - 1, "\n", 2);
		free(s);
	}
	rc = 0;
out:
	if (rc != 0)
		rendered_free(r);
	json_decref(events);
	scenario_free(&sc);
	return rc;
}

/* ---- comparing ---- */

/* `diff -u` of the expected file against the rendered bytes, written to out;
 * when diff cannot run, the first line that differs. */
static void show_diff(const char *expected_path, const char *got, size_t n, FILE *out)
{
	char tmpl[512];
	const char *tmp = getenv("TMPDIR");
	snprintf(tmpl, sizeof tmpl, "%s/golden-rendered.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	int fd = mkstemp(tmpl);
	bool ok = fd >= 0 && write(fd, got, n) == (ssize_t)n;
	if (fd >= 0)
		close(fd);
	fflush(out);
	if (ok) {
		char lab_want[LIST_LINE_MAX + 16], lab_got[LIST_LINE_MAX + 16];
		snprintf(lab_want, sizeof lab_want, "%s (expected)", expected_path);
		snprintf(lab_got, sizeof lab_got, "%s (rendered)", expected_path);
		char *argv[] = {"diff", "-u", "--label", lab_want, "--label", lab_got, (char *)expected_path,
				tmpl,	NULL};
		posix_spawn_file_actions_t fa;
		pid_t pid;
		int st = 0;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, fileno(out), STDOUT_FILENO);
		int sr = posix_spawnp(&pid, "diff", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		if (sr == 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 1) {
			unlink(tmpl);
			return;
		}
	}
	if (fd >= 0)
		unlink(tmpl);
	/* No diff program: name the first differing line ourselves. */
	size_t wn = 0;
	char *want = read_all(expected_path, &wn);
	size_t i = 0, line = 1, bol = 0;
	while (want && i < wn && i < n && want[i] == got[i]) {
		if (got[i] == '\n') {
			line++;
			bol = i + 1;
		}
		i++;
	}
	const char *we = want ? memchr(want + bol, '\n', wn - bol) : NULL;
	const char *ge = memchr(got + bol, '\n', n - bol);
	fprintf(out, "%s: first difference at line %zu\n-%.*s\n+%.*s\n", expected_path, line,
		want ? (int)((we ? (size_t)(we - want) : wn) - bol) : 0, want ? want + bol : "",
		(int)((ge ? (size_t)(ge - got) : n) - bol), got + bol);
	free(want);
}

/* 0 when the file holds exactly the n bytes of got; 1 when it differs or is
 * missing (the diff, or why, is written to out). */
static int golden_check(const char *expected_path, const char *got, size_t n, FILE *out)
{
	size_t wn = 0;
	char *want = read_all(expected_path, &wn);
	if (!want) {
		fprintf(out, "%s: cannot read the expected file (%s); tools/golden-update.sh --render-only makes it\n",
			expected_path, strerror(errno));
		return 1;
	}
	int differ = wn != n || memcmp(want, got, n) != 0;
	free(want);
	if (differ)
		show_diff(expected_path, got, n, out);
	return differ;
}

static bool update_mode(void)
{
	const char *u = getenv("MLAB_GOLDEN_UPDATE");
	return u && strcmp(u, "1") == 0;
}

/* ---- the cases ---- */

static void test_golden_case(void **state)
{
	const struct golden_case *gc = *state;
	struct rendered r;
	char err[2048];

	if (render_case(gc, &r, err, sizeof err) != 0)
		fail_msg("%s: %s", gc->name, err);
	if (gc->ascii)
		for (size_t i = 0; i < r.text_len; i++)
			if ((unsigned char)r.text[i] >= 0x80)
				fail_msg("%s: --ascii report has byte 0x%02x at offset %zu", gc->name,
					 (unsigned char)r.text[i], i);
	if (update_mode()) {
		if (write_all(gc->text, r.text, r.text_len) != 0 ||
		    (gc->json && write_all(gc->json, r.json, r.json_len)))
			fail_msg("%s: cannot write the expected files: %s", gc->name, strerror(errno));
		fprintf(stderr, "updated %s%s%s\n", gc->text, gc->json ? " " : "", gc->json ? gc->json : "");
		rendered_free(&r);
		return;
	}
	int bad = golden_check(gc->text, r.text, r.text_len, stderr);
	if (gc->json)
		bad |= golden_check(gc->json, r.json, r.json_len, stderr);
	rendered_free(&r);
	if (bad)
		fail_msg("%s: the rendered report differs from the expected one (diff above); after a reviewed "
			 "rendering change run tools/golden-update.sh --render-only",
			 gc->name);
}

/* The harness itself can fail: a changed expected text, a missing line, an
 * extra byte and a missing file are each a mismatch, with a diff naming the
 * line. Uses the first TESTLIST case's real rendering. */
static void test_mismatch_detected(void **state)
{
	const struct golden_case *gc = *state;
	struct rendered r;
	char err[2048], tmpl[512];
	const char *tmp = getenv("TMPDIR");

	if (render_case(gc, &r, err, sizeof err) != 0)
		fail_msg("%s: %s", gc->name, err);
	snprintf(tmpl, sizeof tmpl, "%s/golden-expected.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	FILE *sink = tmpfile();
	assert_non_null(sink);

	/* identical: no mismatch, nothing printed */
	assert_int_equal(write_all(tmpl, r.text, r.text_len), 0);
	assert_int_equal(golden_check(tmpl, r.text, r.text_len, sink), 0);
	assert_int_equal(ftell(sink), 0);

	/* one letter changed at the start of a line in the middle (whatever the
	 * report says there): that line is shown in the diff, both ways */
	char *changed = malloc(r.text_len + 1);
	assert_non_null(changed);
	memcpy(changed, r.text, r.text_len + 1);
	size_t mid = r.text_len / 2;
	while (mid > 0 && changed[mid - 1] != '\n')
		mid--;
	while (changed[mid] == '\n')
		mid++;
	assert_true(mid < r.text_len);
	char *at = changed + mid;
	at[0] = at[0] == 'X' ? 'Y' : 'X';
	assert_int_equal(write_all(tmpl, changed, r.text_len), 0);
	assert_int_equal(golden_check(tmpl, r.text, r.text_len, sink), 1);
	size_t dn = 0;
	fflush(sink);
	rewind(sink);
	char diff[65536];
	dn = fread(diff, 1, sizeof diff - 1, sink);
	diff[dn] = '\0';
	char *nl = strchr(at, '\n');
	assert_non_null(nl);
	size_t wl = (size_t)(nl - at) + 4;
	char *want_line = malloc(wl);
	assert_non_null(want_line);
	snprintf(want_line, wl, "\n-%.*s\n", (int)(nl - at), at);
	assert_non_null(strstr(diff, want_line));
	snprintf(want_line, wl, "\n+%c%.*s\n", r.text[mid], (int)(nl - at - 1), at + 1);
	assert_non_null(strstr(diff, want_line));

	/* without a diff program: the first differing line, both ways */
	const char *path_env = getenv("PATH");
	char *saved_path = path_env ? strdup(path_env) : NULL;
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(fseek(sink, 0, SEEK_END), 0);
	long before = ftell(sink);
	assert_int_equal(golden_check(tmpl, r.text, r.text_len, sink), 1);
	if (saved_path)
		setenv("PATH", saved_path, 1);
	free(saved_path);
	fflush(sink);
	assert_int_equal(fseek(sink, before, SEEK_SET), 0);
	dn = fread(diff, 1, sizeof diff - 1, sink);
	diff[dn] = '\0';
	assert_non_null(strstr(diff, "first difference at line"));
	assert_non_null(strstr(diff, want_line));
	free(want_line);
	free(changed);

	/* the last line missing, and one byte too many */
	assert_true(r.text_len > 1);
	assert_int_equal(write_all(tmpl, r.text, r.text_len - 1), 0);
	assert_int_equal(golden_check(tmpl, r.text, r.text_len, sink), 1);
	assert_int_equal(golden_check(tmpl, r.text, r.text_len - 2, sink), 1);

	/* no expected file at all */
	unlink(tmpl);
	assert_int_equal(golden_check(tmpl, r.text, r.text_len, sink), 1);

	fclose(sink);
	rendered_free(&r);
}

/* The same events render the same bytes twice, the second time with another
 * time zone and locale, which nothing in a report may depend on. */
static void test_render_repeatable(void **state)
{
	const struct golden_case *gc = *state;
	struct rendered a, b;
	char err[2048];

	if (render_case(gc, &a, err, sizeof err) != 0)
		fail_msg("%s: %s", gc->name, err);
	setenv("TZ", "Pacific/Chatham", 1);
	setenv("LC_ALL", "C", 1);
	if (render_case(gc, &b, err, sizeof err) != 0)
		fail_msg("%s: %s", gc->name, err);
	unsetenv("TZ");
	unsetenv("LC_ALL");
	assert_int_equal(a.text_len, b.text_len);
	assert_memory_equal(a.text, b.text, a.text_len);
	if (a.json) {
		assert_int_equal(a.json_len, b.json_len);
		assert_memory_equal(a.json, b.json, a.json_len);
	}
	rendered_free(&a);
	rendered_free(&b);
}

/* A TESTLIST that cannot be used is one failing test, not zero tests. */
static void test_testlist_broken(void **state)
{
	fail_msg("%s", (const char *)*state);
}

/* ---- TESTLIST ---- */

static char *xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d) {
		perror("test_golden");
		exit(1);
	}
	return d;
}

/* Parses TESTLIST into cases. 0, or -1 with err naming the line. */
static int read_testlist(const char *path, struct golden_case *cases, size_t max, size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[LIST_LINE_MAX];
	size_t lineno = 0;
	*n = 0;
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		char *save = NULL, *tok[8];
		size_t nt = 0;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%zu: line too long", path, lineno);
			goto fail;
		}
		for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
			if (nt == 0 && t[0] == '#')
				break;
			if (nt == N_OF(tok)) {
				snprintf(err, errlen, "%s:%zu: too many fields", path, lineno);
				goto fail;
			}
			tok[nt++] = t;
		}
		if (nt == 0)
			continue;
		bool ascii = false;
		if (nt > 4 && strcmp(tok[nt - 1], "--ascii") == 0) {
			ascii = true;
			nt--;
		}
		if (nt < 4 || nt > 5 || tok[nt - 1][0] == '-') {
			snprintf(
			    err, errlen,
			    "%s:%zu: expected NAME SCENARIO-FILE EVENTS-FILE EXPECTED-TEXT [EXPECTED-JSON] [--ascii]",
			    path, lineno);
			goto fail;
		}
		if (*n == max) {
			snprintf(err, errlen, "%s:%zu: more than %zu cases", path, lineno, max);
			goto fail;
		}
		cases[*n] = (struct golden_case){xstrdup(tok[0]),
						 xstrdup(tok[1]),
						 xstrdup(tok[2]),
						 xstrdup(tok[3]),
						 nt == 5 ? xstrdup(tok[4]) : NULL,
						 ascii};
		(*n)++;
	}
	fclose(f);
	if (*n == 0) {
		snprintf(err, errlen, "%s: no cases", path);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	return -1;
}

int main(void)
{
	struct golden_case cases[MAX_CASES];
	struct CMUnitTest tests[MAX_CASES + 3];
	char err[LIST_LINE_MAX + 256];
	const char *src = getenv("MLAB_SRC");
	size_t n = 0, nt = 0;

	/* TESTLIST paths and the scenario path shown in report.json are
	 * relative to the repository. */
	if (src && src[0] && chdir(src) != 0) {
		fprintf(stderr, "test_golden: cannot enter MLAB_SRC=%s: %s\n", src, strerror(errno));
		return 1;
	}
	if (read_testlist(TESTLIST, cases, MAX_CASES, &n, err, sizeof err) != 0) {
		tests[nt++] = (struct CMUnitTest){"TESTLIST", test_testlist_broken, NULL, NULL, err};
		return _cmocka_run_group_tests("test_golden", tests, nt, NULL, NULL);
	}
	for (size_t i = 0; i < n; i++)
		tests[nt++] = (struct CMUnitTest){cases[i].name, test_golden_case, NULL, NULL, &cases[i]};
	if (!update_mode()) {
		tests[nt++] = (struct CMUnitTest){"harness: a changed expected report is a mismatch",
						  test_mismatch_detected, NULL, NULL, &cases[0]};
		tests[nt++] = (struct CMUnitTest){"harness: rendering is repeatable", test_render_repeatable, NULL,
						  NULL, &cases[0]};
	}
	int rc = _cmocka_run_group_tests("test_golden", tests, nt, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		free(cases[i].name);
		free(cases[i].scenario);
		free(cases[i].events);
		free(cases[i].text);
		free(cases[i].json);
	}
	return rc;
}
