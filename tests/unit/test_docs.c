/* The docs against the code, where a doc restates what the code has and
 * would otherwise drift: docs/scenarios.md's `expect-check` row must name
 * every distinct check of lib/mlab_err.h, each once, split the way the
 * scenario parser splits them (detections accepted, the others refused); the
 * README's status table must count the catalog's scenarios as they are;
 * tests/HOSTILE-INPUT-MAP must name only tests that exist.
 * The repository is found through MLAB_SRC (set by make test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mlab_err.h"
#include "scenario.h"

#define MAX_CHECKS 64
#define NAME_LEN 32

struct names {
	char v[MAX_CHECKS][NAME_LEN];
	size_t n;
};

static bool has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

/* Adds a name; one listed twice is a doc error. */
static void add(struct names *s, const char *name, size_t len)
{
	char w[NAME_LEN];
	assert_true(len > 0 && len < NAME_LEN);
	assert_true(s->n < MAX_CHECKS);
	memcpy(w, name, len);
	w[len] = '\0';
	if (has(s, w))
		fail_msg("'%s' is listed twice", w);
	memcpy(s->v[s->n++], w, len + 1);
}

/* The file's text, NUL-terminated; free() it. */
static char *slurp(const char *rel)
{
	const char *src = getenv("MLAB_SRC");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", src && *src ? src : ".", rel);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (set MLAB_SRC to the repository)", path);
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The `backticked` words of [from, to), file names (with '/' or '.') left out. */
static void backticked(const char *from, const char *to, struct names *out)
{
	for (const char *p = from; p < to && (p = strchr(p, '`')) && p < to;) {
		const char *q = strchr(p + 1, '`');
		assert_non_null(q);
		size_t len = (size_t)(q - p - 1);
		if (!memchr(p + 1, '/', len) && !memchr(p + 1, '.', len))
			add(out, p + 1, len);
		p = q + 1;
	}
}

/* The row's value cell: what it says are detections, and the other checks. */
static void doc_checks(struct names *detect, struct names *other)
{
	char *doc = slurp("docs/scenarios.md");
	const char *row = strstr(doc, "\n| `expect-check` |");
	assert_non_null(row);
	const char *end = strchr(row + 1, '\n');
	assert_non_null(end);
	const char *intro = "the check names of `lib/mlab_err.h`";
	const char *cell = strstr(row, intro), *split = strstr(row, "The other checks");
	if (!cell || !split || cell > split || split > end)
		fail_msg("docs/scenarios.md: the expect-check row no longer reads '%s ... The other checks ...'; "
			 "update this test with it",
			 intro);
	backticked(cell + strlen(intro), split, detect);
	backticked(split, end, other);
	free(doc);
}

/* Every distinct check of lib/mlab_err.h's table. */
static void err_checks(struct names *all)
{
	for (int e = -1; e > MLAB_E_LAST; e--) {
		const char *c = mlab_err_check(e);
		if (!has(all, c)) /* each check once, though many codes share it */
			add(all, c, strlen(c));
	}
}

static void test_expect_check_list_is_the_err_table(void **state)
{
	(void)state;
	struct names detect = {0}, other = {0}, all = {0};

	doc_checks(&detect, &other);
	err_checks(&all);
	assert_true(detect.n > 0 && other.n > 0);
	for (size_t i = 0; i < detect.n; i++) {
		if (!has(&all, detect.v[i]))
			fail_msg("docs/scenarios.md names '%s', not a check of lib/mlab_err.h", detect.v[i]);
		if (has(&other, detect.v[i]))
			fail_msg("docs/scenarios.md lists '%s' as a detection and as not one", detect.v[i]);
	}
	for (size_t i = 0; i < other.n; i++)
		if (!has(&all, other.v[i]))
			fail_msg("docs/scenarios.md names '%s', not a check of lib/mlab_err.h", other.v[i]);
	for (size_t i = 0; i < all.n; i++)
		if (!has(&detect, all.v[i]) && !has(&other, all.v[i]))
			fail_msg("lib/mlab_err.h has the check '%s', which docs/scenarios.md's expect-check row does "
				 "not name",
				 all.v[i]);
	assert_int_equal(detect.n + other.n, all.n);
}

/* The split is the parser's: a file expecting a detection loads, one
 * expecting any other check is refused. */
static void test_expect_check_split_is_the_parsers(void **state)
{
	(void)state;
	struct names detect = {0}, other = {0};
	char dir[] = "/tmp/mlab-docs-XXXXXX", path[256], err[512];

	doc_checks(&detect, &other);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/07-check.ini", dir);
	for (size_t k = 0; k < 2; k++) {
		const struct names *s = k == 0 ? &detect : &other;
		for (size_t i = 0; i < s->n; i++) {
			struct scenario sc;
			FILE *f = fopen(path, "w");
			assert_non_null(f);
			fprintf(f,
				"[scenario]\ntitle = T\nexpect = blocked\nexpect-peer = alice\nexpect-check = %s\n"
				"teaching = text\n[alice]\n[bob]\n",
				s->v[i]);
			assert_int_equal(fclose(f), 0);
			int r = scenario_load(path, NULL, &sc, err, sizeof err);
			if (r == 0)
				scenario_free(&sc);
			if (k == 0 && r != 0)
				fail_msg("docs/scenarios.md lists '%s' as a detection, but the parser refuses it: %s",
					 s->v[i], err);
			if (k == 1 && r == 0)
				fail_msg("docs/scenarios.md says '%s' is refused, but the parser accepts it", s->v[i]);
		}
	}
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* README's status table: "the N scenarios of the catalog", and the attack
 * row's "scenarios 11-M" ending at the last one. */
static void test_readme_counts_the_catalog(void **state)
{
	(void)state;
	const char *src = getenv("MLAB_SRC");
	char dir[4096], **paths = NULL;
	size_t n = 0;
	snprintf(dir, sizeof dir, "%s/lab-scenarios", src && *src ? src : ".");
	assert_int_equal(scenario_paths(dir, &paths, &n), 0);
	assert_true(n > 0);
	const char *last = strrchr(paths[n - 1], '/');
	int last_num = atoi(last ? last + 1 : paths[n - 1]);
	scenario_paths_free(paths, n);

	char *readme = slurp("README.md");
	const char *row = strstr(readme, "\n| the lab:");
	assert_non_null(row);
	const char *what = strstr(row, " scenarios of the catalog"), *end = strchr(row + 1, '\n');
	if (!what || !end || what > end)
		fail_msg(
		    "README.md: the status table's lab row no longer reads 'the N scenarios of the catalog'; update "
		    "this test with it");
	const char *num = what;
	while (num > row && num[-1] >= '0' && num[-1] <= '9')
		num--;
	long said = strtol(num, NULL, 10);
	if (said != (long)n)
		fail_msg("README.md's status table says %ld scenarios, the catalog has %zu", said, n);
	/* The status rows name the lessons they cover, "(scenarios A-B)": the
	 * highest B must be the catalog's last. */
	const char *table_end = strstr(row, "\n\n");
	long upto = 0;
	for (const char *att = row; (att = strstr(att, "(scenarios ")) && (!table_end || att < table_end); att++) {
		const char *dash = strchr(att, '-');
		long b = dash ? strtol(dash + 1, NULL, 10) : 0;
		if (b > upto)
			upto = b;
	}
	if (upto != last_num)
		fail_msg("README.md's status table covers scenarios up to %ld, the catalog ends at %d", upto, last_num);
	free(readme);
}

/* The man pages pass mandoc -T lint (warnings and worse), and every program
 * has one. */
static void test_man_pages_lint_clean(void **state)
{
	(void)state;
	static const char *const pages[] = {"mitmlab.1", "alice.1", "bob.1", "mallory.8", "mitmlab-scenario.5"};
	const char *src = getenv("MLAB_SRC");
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		char cmd[4096], out[4096];
		snprintf(cmd, sizeof cmd, "mandoc -T lint -W warning '%s/man/%s' 2>&1", src && *src ? src : ".",
			 pages[i]);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		size_t n = fread(out, 1, sizeof out - 1, p);
		out[n] = '\0';
		int rc = pclose(p);
		if (rc != 0 || n)
			fail_msg("mandoc -T lint %s (status %d; mandoc missing? run tools/install-deps.sh):\n%s",
				 pages[i], rc, out);
	}
}

/* tests/HOSTILE-INPUT-MAP, ../shared/HOSTILE-INPUT.md case by case: every
 * reference "FILE: NAME" names a file of the repository holding the test
 * function NAME ("static void NAME(") or the quoted case name NAME of one of
 * its tables; every case covers bob and alice (bob:/alice: lines, or both:)
 * or says GAP or N/A for the role, with no reference beside it. A test
 * renamed or removed fails here; the GAP and N/A lines are counted and
 * printed. The format is the file's own header. */
enum { MAP_BOB, MAP_ALICE, MAP_ROLES };

struct map_case {
	const char *title;
	unsigned line;
	bool ref[MAP_ROLES], mark[MAP_ROLES];
};

/* The case is complete: each role is covered or marked, never both. */
static void map_case_done(const struct map_case *c, unsigned *covered)
{
	static const char *const role[MAP_ROLES] = {"bob", "alice"};
	if (!c->title)
		return;
	for (int r = 0; r < MAP_ROLES; r++) {
		if (!c->ref[r] && !c->mark[r])
			fail_msg("tests/HOSTILE-INPUT-MAP:%u: '%s' names no test against %s, and no GAP or N/A for it",
				 c->line, c->title, role[r]);
		if (c->ref[r] && c->mark[r])
			fail_msg("tests/HOSTILE-INPUT-MAP:%u: '%s' has tests against %s and a GAP or N/A for it too",
				 c->line, c->title, role[r]);
	}
	if (c->ref[MAP_BOB] && c->ref[MAP_ALICE])
		(*covered)++;
}

static bool is_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* "FILE: NAME" of line no exists. */
static void map_check_ref(unsigned no, const char *ref)
{
	const char *colon = strstr(ref, ": ");
	char file[256], want[256];
	if (!colon || colon == ref || (size_t)(colon - ref) >= sizeof file)
		fail_msg("tests/HOSTILE-INPUT-MAP:%u: '%s' is not FILE: NAME", no, ref);
	memcpy(file, ref, (size_t)(colon - ref));
	file[colon - ref] = '\0';
	const char *name = colon + 2;
	size_t nl = strlen(name);
	if (name[0] == '"') {
		if (nl < 3 || name[nl - 1] != '"' || memchr(name + 1, '"', nl - 2))
			fail_msg("tests/HOSTILE-INPUT-MAP:%u: %s is not one quoted case name", no, name);
		snprintf(want, sizeof want, "%s", name);
	} else {
		if (nl == 0 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != nl)
			fail_msg("tests/HOSTILE-INPUT-MAP:%u: '%s' is neither a function name nor a quoted case name",
				 no, name);
		snprintf(want, sizeof want, "static void %s(", name);
	}
	const char *src = getenv("MLAB_SRC");
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", src && *src ? src : ".", file);
	if (access(path, R_OK) != 0)
		fail_msg("tests/HOSTILE-INPUT-MAP:%u: %s does not exist", no, file);
	char *text = slurp(file);
	bool found = strstr(text, want) != NULL;
	/* A function is run too: named again besides its definition (in
	 * main's table, or a macro that makes its cases). */
	unsigned uses = 0;
	for (const char *t = text; name[0] != '"' && (t = strstr(t, name)); t += nl)
		uses += (t == text || !is_ident(t[-1])) && !is_ident(t[nl]);
	free(text);
	if (!found)
		fail_msg("tests/HOSTILE-INPUT-MAP:%u: %s has no %s %s (renamed or removed? update the map)", no, file,
			 name[0] == '"' ? "case" : "test", name);
	if (name[0] != '"' && uses < 2)
		fail_msg("tests/HOSTILE-INPUT-MAP:%u: %s defines %s but never runs it", no, file, name);
}

static void test_hostile_input_map(void **state)
{
	(void)state;
	static const char *const sections[] = {
	    "Framing",	"Order", "Negotiation", "Key shares", "Certificates and signatures", "Finished and records",
	    "Resources"};
	enum { N_SECTIONS = sizeof sections / sizeof sections[0] };
	unsigned seen[N_SECTIONS] = {0}, no = 0, n_cases = 0, covered = 0, gaps = 0, nas = 0;
	struct map_case c = {0};
	char *map = slurp("tests/HOSTILE-INPUT-MAP");

	for (char *line = map, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		no++;
		size_t len = strlen(line);
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		if (line[0] != ' ') { /* "Section: case" */
			map_case_done(&c, &covered);
			size_t s = 0;
			while (s < N_SECTIONS && !(strncmp(line, sections[s], strlen(sections[s])) == 0 &&
						   line[strlen(sections[s])] == ':'))
				s++;
			if (s == N_SECTIONS)
				fail_msg("tests/HOSTILE-INPUT-MAP:%u: '%s' is not 'Section: case' of a section of "
					 "HOSTILE-INPUT.md",
					 no, line);
			seen[s]++;
			n_cases++;
			c = (struct map_case){.title = line, .line = no};
			continue;
		}
		const char *p = line + strspn(line, " ");
		if (*p == '#')
			continue;
		if (!c.title)
			fail_msg("tests/HOSTILE-INPUT-MAP:%u: a reference before the first case", no);
		int who = -1;
		if (strncmp(p, "bob:", 4) == 0)
			who = MAP_BOB, p += 4;
		else if (strncmp(p, "alice:", 6) == 0)
			who = MAP_ALICE, p += 6;
		else if (strncmp(p, "both:", 5) == 0)
			who = MAP_ROLES, p += 5;
		else
			fail_msg("tests/HOSTILE-INPUT-MAP:%u: '%s' starts with none of bob:, alice:, both:", no, p);
		p += strspn(p, " ");
		bool gap = strncmp(p, "GAP", 3) == 0, na = strncmp(p, "N/A", 3) == 0;
		if (gap || na) {
			if (strlen(p) < 8) /* "GAP — " and a reason */
				fail_msg("tests/HOSTILE-INPUT-MAP:%u: a %s without its reason", no,
					 gap ? "GAP" : "N/A");
			print_message("%s\n    %s\n", c.title, line + strspn(line, " "));
			gaps += gap;
			nas += na;
		} else {
			map_check_ref(no, p);
		}
		for (int r = 0; r < MAP_ROLES; r++)
			if (who == r || who == MAP_ROLES) {
				c.ref[r] = c.ref[r] || !(gap || na);
				c.mark[r] = c.mark[r] || gap || na;
			}
	}
	map_case_done(&c, &covered);
	for (size_t s = 0; s < N_SECTIONS; s++)
		if (!seen[s])
			fail_msg("tests/HOSTILE-INPUT-MAP has no case of HOSTILE-INPUT.md's section %s", sections[s]);
	print_message("tests/HOSTILE-INPUT-MAP: %u cases, %u with tests against both bob and alice; %u GAP and %u "
		      "N/A lines\n",
		      n_cases, covered, gaps, nas);
	assert_true(n_cases >= 40);
	free(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expect_check_list_is_the_err_table),
	    cmocka_unit_test(test_expect_check_split_is_the_parsers),
	    cmocka_unit_test(test_readme_counts_the_catalog),
	    cmocka_unit_test(test_man_pages_lint_clean),
	    cmocka_unit_test(test_hostile_input_map),
	};
	return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}
