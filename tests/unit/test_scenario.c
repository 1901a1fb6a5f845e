/* Unit tests for lab-scenarios/scenario.c: scenario files (docs/scenarios.md).
 *
 * The catalog in lab-scenarios/ is loaded as shipped ($MLAB_SRC/lab-scenarios,
 * or ./lab-scenarios when MLAB_SRC is unset). Everything else is a fixture
 * file written into a fresh mkdtemp directory. Every error case asserts that
 * scenario_load returns -1 and that the message names the file, the line (when
 * there is one), the key and what was expected. */
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

#include "peer_optab.h"
#include "scenario.h"

static char tmpdir[] = "/tmp/mlab-scenario-XXXXXX";
static char fixture_path[512];
static char catalog_dir[1024];

/* A valid [scenario] section (4 lines) and the two required peers (2 lines). */
#define HEAD "[scenario]\ntitle = T\nexpect = confidential\nteaching = text\n"
#define PEERS "[alice]\n[bob]\n"

static const char *catalog(void)
{
	const char *src = getenv("MLAB_SRC");
	if (src && *src)
		snprintf(catalog_dir, sizeof catalog_dir, "%s/lab-scenarios", src);
	else
		snprintf(catalog_dir, sizeof catalog_dir, "lab-scenarios");
	return catalog_dir;
}

/* Writes text into the fixture directory; returns its path (valid until the
 * next call). */
static const char *fixture(const char *name, const char *text)
{
	snprintf(fixture_path, sizeof fixture_path, "%s/%s", tmpdir, name);
	FILE *f = fopen(fixture_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return fixture_path;
}

static void remove_fixture(const char *name)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	unlink(p);
}

static void load_ok(const char *q, const char *dir, struct scenario *sc)
{
	char err[1024] = "";
	int r = scenario_load(q, dir, sc, err, sizeof err);
	if (r != 0)
		fail_msg("scenario_load(%s) failed: %s", q, err);
}

/* Loads text as file `name` and expects failure with every substring (a
 * NULL-terminated list) in the message. The file name is always expected. */
static void load_fails(const char *name, const char *text, ...)
{
	struct scenario sc;
	char err[1024] = "";
	va_list ap;

	const char *path = fixture(name, text);
	int r = scenario_load(path, NULL, &sc, err, sizeof err);
	if (r != -1)
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
	/* a failed load leaves nothing to free, and freeing is still safe */
	assert_null(sc.path);
	assert_null(sc.name);
	assert_int_equal(sc.alice.n_args, 0);
	scenario_free(&sc);
	remove_fixture(name);
}

static void assert_args(const struct sc_prog *sp, const char *const *want, size_t n)
{
	if (sp->n_args != n) {
		for (size_t i = 0; i < sp->n_args; i++)
			print_message("  arg %zu: '%s'\n", i, sp->args[i]);
		fail_msg("%zu args, expected %zu", sp->n_args, n);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(sp->args[i], want[i]);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char **paths;
	size_t n;
	if (scenario_paths(tmpdir, &paths, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			unlink(paths[i]);
		scenario_paths_free(paths, n);
	}
	return rmdir(tmpdir);
}

/* ======================================================================
 * The catalog as shipped
 * ====================================================================== */

static void test_catalog_every_file_loads_named_after_its_file(void **state)
{
	(void)state;
	char **paths;
	size_t n;
	int last = 0;

	assert_int_equal(scenario_paths(catalog(), &paths, &n), 0);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		struct scenario sc;
		load_ok(paths[i], NULL, &sc);
		const char *base = strrchr(paths[i], '/') + 1;
		assert_int_equal(strlen(base), strlen(sc.name) + 4);
		assert_memory_equal(base, sc.name, strlen(sc.name));
		int num = scenario_number(&sc);
		assert_true(num > last); /* numbered in teaching order, one number each */
		last = num;
		assert_true(sc.alice.present && sc.bob.present);
		assert_non_null(strchr(sc.teaching, '\n')); /* several lines for the trainee */
		assert_true(sc.timeout_s >= 1 && sc.timeout_s <= 600);
		scenario_free(&sc);
	}
	scenario_paths_free(paths, n);
}

static void test_catalog_01_baseline(void **state)
{
	(void)state;
	struct scenario sc;
	static const char *const alice[] = {"--auth", "sign",	   "--peer-key", "bob.pub",
					    "--send", "hello bob", "--send",	 "transfer 100 to carol"};
	static const char *const bob[] = {"--auth", "sign", "--key", "bob.key"};

	load_ok("01-baseline", catalog(), &sc);
	assert_string_equal(sc.name, "01-baseline");
	assert_non_null(strstr(sc.path, "lab-scenarios/01-baseline.ini"));
	assert_int_equal(sc.network, SC_SWITCH);
	assert_string_equal(sc.expect, "confidential");
	assert_null(sc.expect_peer);
	assert_null(sc.expect_check);
	assert_int_equal(sc.timeout_s, 20);
	assert_args(&sc.alice, alice, N_OF(alice));
	assert_args(&sc.bob, bob, N_OF(bob));
	assert_false(sc.mallory.present);
	assert_int_equal(sc.mallory.n_args, 0);
	assert_int_equal(scenario_number(&sc), 1);
	scenario_free(&sc);
}

static void test_catalog_02_sniff_plaintext_hub(void **state)
{
	(void)state;
	struct scenario sc;
	static const char *const alice[] = {"--auth", "none",	   "--cipher", "none",
					    "--send", "hello bob", "--send",   "transfer 100 to carol"};
	static const char *const bob[] = {"--auth", "none", "--cipher", "none"};
	static const char *const mallory[] = {"--sniff"};

	load_ok("2", catalog(), &sc);
	assert_string_equal(sc.name, "02-sniff-plaintext-hub");
	assert_int_equal(sc.network, SC_HUB);
	assert_string_equal(sc.expect, "attack-succeeded");
	assert_args(&sc.alice, alice, N_OF(alice));
	assert_args(&sc.bob, bob, N_OF(bob));
	assert_true(sc.mallory.present);
	assert_args(&sc.mallory, mallory, N_OF(mallory));
	scenario_free(&sc);
}

static void test_catalog_03_sniff_plaintext_switch(void **state)
{
	(void)state;
	struct scenario sc;
	static const char *const bob[] = {"--auth", "none", "--cipher", "none"};
	static const char *const mallory[] = {"--sniff"};

	load_ok("sniff-plaintext-switch", catalog(), &sc);
	assert_string_equal(sc.name, "03-sniff-plaintext-switch");
	assert_int_equal(sc.network, SC_SWITCH);
	assert_string_equal(sc.expect, "confidential");
	assert_args(&sc.bob, bob, N_OF(bob));
	assert_args(&sc.mallory, mallory, N_OF(mallory));
	assert_non_null(strstr(sc.teaching, "ARP"));
	assert_non_null(strstr(sc.teaching, "switch"));
	scenario_free(&sc);
}

static void test_catalog_04_sniff_dh_hub(void **state)
{
	(void)state;
	struct scenario sc;
	static const char *const bob[] = {"--auth", "none"};
	static const char *const mallory[] = {"--sniff"};

	load_ok("04", catalog(), &sc);
	assert_string_equal(sc.name, "04-sniff-dh-hub");
	assert_int_equal(sc.network, SC_HUB);
	assert_string_equal(sc.expect, "confidential");
	for (size_t i = 0; i < sc.alice.n_args; i++)
		assert_string_not_equal(sc.alice.args[i], "--cipher"); /* the default AEAD ciphers */
	assert_string_equal(sc.alice.args[0], "--auth");
	assert_string_equal(sc.alice.args[1], "none");
	assert_args(&sc.bob, bob, N_OF(bob));
	assert_args(&sc.mallory, mallory, N_OF(mallory));
	assert_non_null(strstr(sc.teaching, "06"));
	scenario_free(&sc);
}

/* ======================================================================
 * Finding a scenario
 * ====================================================================== */

static void test_lookup_by_name_number_suffix_and_path(void **state)
{
	(void)state;
	static const char *const queries[] = {"01-baseline", "1", "01", "001", "baseline"};
	char path[1200];

	for (size_t i = 0; i < N_OF(queries); i++) {
		struct scenario sc;
		load_ok(queries[i], catalog(), &sc);
		assert_string_equal(sc.name, "01-baseline");
		scenario_free(&sc);
	}
	/* a path: anything with '/' or ending in .ini; the catalog is not consulted */
	snprintf(path, sizeof path, "%s/01-baseline.ini", catalog());
	struct scenario sc;
	load_ok(path, "/nonexistent", &sc);
	assert_string_equal(sc.path, path);
	assert_string_equal(sc.name, "01-baseline");
	scenario_free(&sc);
}

static void test_lookup_exact_name_wins_and_ambiguity_is_an_error(void **state)
{
	(void)state;
	struct scenario sc;
	char err[1024];

	fixture("07-alpha.ini", HEAD PEERS);
	fixture("07-beta.ini", HEAD PEERS);
	fixture("alpha.ini", HEAD "name = 08-alpha-by-name\n" PEERS);

	/* "alpha" is both alpha.ini and 07-alpha.ini's short name: the file called alpha.ini wins */
	load_ok("alpha", tmpdir, &sc);
	assert_string_equal(sc.name, "08-alpha-by-name");
	scenario_free(&sc);
	load_ok("beta", tmpdir, &sc);
	assert_string_equal(sc.name, "07-beta");
	scenario_free(&sc);

	assert_int_equal(scenario_load("7", tmpdir, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "'7' matches more than one scenario"));
	assert_non_null(strstr(err, "07-alpha.ini, 07-beta.ini"));

	assert_int_equal(scenario_load("gamma", tmpdir, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "no scenario 'gamma'"));
	assert_non_null(strstr(err, tmpdir));
	assert_int_equal(scenario_load("9", tmpdir, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "no scenario '9'"));
	/* a short name is the whole rest of the name, not a prefix of it */
	assert_int_equal(scenario_load("alph", tmpdir, &sc, err, sizeof err), -1);
	assert_int_equal(scenario_load("baseline", "/nonexistent-catalog", &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent-catalog"));
	assert_int_equal(scenario_load("baseline", NULL, &sc, err, sizeof err), -1);
	assert_int_equal(scenario_load("", tmpdir, &sc, err, sizeof err), -1);

	remove_fixture("07-alpha.ini");
	remove_fixture("07-beta.ini");
	remove_fixture("alpha.ini");
}

static void test_paths_sorted_ini_files_only(void **state)
{
	(void)state;
	char **paths, sub[600];
	size_t n;
	static const char *const names[] = {"10-j.ini", "02-b.ini", "01-a.ini", "zz.ini"};

	for (size_t i = 0; i < N_OF(names); i++)
		fixture(names[i], HEAD PEERS);
	fixture("notes.txt", "x");
	fixture(".hidden.ini", "x");
	fixture("x.ini.bak", "x");
	snprintf(sub, sizeof sub, "%s/dir.ini", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);

	assert_int_equal(scenario_paths(tmpdir, &paths, &n), 0);
	assert_int_equal(n, 4);
	static const char *const sorted[] = {"01-a.ini", "02-b.ini", "10-j.ini", "zz.ini"};
	for (size_t i = 0; i < n; i++) {
		char want[600];
		snprintf(want, sizeof want, "%s/%s", tmpdir, sorted[i]);
		assert_string_equal(paths[i], want);
	}
	scenario_paths_free(paths, n);

	assert_int_equal(rmdir(sub), 0);
	for (size_t i = 0; i < N_OF(names); i++)
		remove_fixture(names[i]);
	remove_fixture("notes.txt");
	remove_fixture(".hidden.ini");
	remove_fixture("x.ini.bak");

	assert_int_equal(scenario_paths("/nonexistent-catalog", &paths, &n), -1);
	assert_null(paths);
	assert_int_equal(n, 0);
}

static void test_catalog_paths_sorted(void **state)
{
	(void)state;
	char **paths;
	size_t n;
	assert_int_equal(scenario_paths(catalog(), &paths, &n), 0);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(paths[i - 1], paths[i]) < 0);
	assert_non_null(strstr(paths[0], "/01-baseline.ini"));
	scenario_paths_free(paths, n);
}

/* ======================================================================
 * Values that load
 * ====================================================================== */

static void test_defaults_and_every_scenario_key(void **state)
{
	(void)state;
	struct scenario sc;

	load_ok(fixture("05-x.ini", HEAD PEERS), NULL, &sc);
	assert_string_equal(sc.name, "05-x");
	assert_string_equal(sc.title, "T");
	assert_string_equal(sc.teaching, "text");
	assert_int_equal(sc.network, SC_SWITCH);
	assert_int_equal(sc.timeout_s, 20);
	assert_true(sc.alice.present);
	assert_true(sc.bob.present);
	assert_false(sc.mallory.present);
	assert_int_equal(sc.alice.n_args + sc.bob.n_args + sc.mallory.n_args, 0);
	scenario_free(&sc);

	load_ok(fixture("any-file-name.ini", "[scenario]\n"
					     "name = 42-my-own-lesson\n"
					     "title = Blocked by the pin\n"
					     "network = hub\n"
					     "expect = blocked\n"
					     "expect-peer = alice\n"
					     "expect-check = pinned-key\n"
					     "timeout = 600\n"
					     "teaching = short\n" PEERS),
		NULL, &sc);
	assert_string_equal(sc.name, "42-my-own-lesson");
	assert_int_equal(scenario_number(&sc), 42);
	assert_int_equal(sc.network, SC_HUB);
	assert_string_equal(sc.expect, "blocked");
	assert_string_equal(sc.expect_peer, "alice");
	assert_string_equal(sc.expect_check, "pinned-key");
	assert_int_equal(sc.timeout_s, 600);
	scenario_free(&sc);
	remove_fixture("05-x.ini");
	remove_fixture("any-file-name.ini");
}

static void test_every_check_name_of_interest_is_an_expectation(void **state)
{
	(void)state;
	static const char *const checks[] = {"signature", "pinned-key",	 "finished", "share", "record",
					     "replay",	  "negotiation", "framing",  "order"};
	char text[512];
	for (size_t i = 0; i < N_OF(checks); i++) {
		struct scenario sc;
		snprintf(text, sizeof text,
			 "[scenario]\ntitle = t\nexpect = blocked\nexpect-peer = bob\nexpect-check = %s\nteaching = x\n"
			 "[alice]\n[bob]\n",
			 checks[i]);
		load_ok(fixture("06-c.ini", text), NULL, &sc);
		assert_string_equal(sc.expect_check, checks[i]);
		assert_string_equal(sc.expect_peer, "bob");
		scenario_free(&sc);
	}
	remove_fixture("06-c.ini");
}

static void test_every_peer_key_becomes_its_flag_in_file_order(void **state)
{
	(void)state;
	struct scenario sc;
	static const char *const alice[] = {
	    "--send",		"first",    "--auth",		"sign,none",	"--groups",
	    "ffdhe3072,x25519", "--cipher", "aes-256-gcm,none", "--sign-scope", "params",
	    "--mutual",		"--key",    "alice.key",	"--peer-key",	"bob.pub",
	    "--timeout",	"5",	    "--no-share-check", "--send",	"second = with an equals sign"};
	static const char *const bob[] = {"--idle", "86400", "--reply", "ok", "--reply", "ok", "--timeout", "1"};
	static const char *const mallory[] = {"--port", "65535"};

	load_ok(fixture("09-all.ini", HEAD "[alice]\n"
					   "send = first\n"
					   "auth = sign,none\n"
					   "groups = ffdhe3072 , x25519\n"
					   "cipher=aes-256-gcm,none\n"
					   "sign-scope = params\n"
					   "mutual = yes\n"
					   "key = alice.key\n"
					   "peer-key = bob.pub\n"
					   "timeout = 5\n"
					   "no-share-check = true\n"
					   "send = second = with an equals sign\n"
					   "[bob]\n"
					   "idle = 86400\n"
					   "reply = ok\n"
					   "reply = ok\n"
					   "timeout = 1\n"
					   "[mallory]\n"
					   "sniff = no\n"
					   "port = 65535\n"),
		NULL, &sc);
	assert_args(&sc.alice, alice, N_OF(alice));
	assert_args(&sc.bob, bob, N_OF(bob));
	assert_args(&sc.mallory, mallory, N_OF(mallory));
	scenario_free(&sc);
	remove_fixture("09-all.ini");
}

static void test_booleans(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool set;
	} cases[] = {{"yes", true}, {"true", true},   {"on", true},   {"YES", true}, {"True", true},
		     {"no", false}, {"false", false}, {"off", false}, {"NO", false}, {"Off", false}};
	char text[256];

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct scenario sc;
		snprintf(text, sizeof text, HEAD "[alice]\nmutual = %s\n[bob]\n[mallory]\nsniff = %s\n", cases[i].v,
			 cases[i].v);
		load_ok(fixture("10-b.ini", text), NULL, &sc);
		assert_int_equal(sc.alice.n_args, cases[i].set ? 1 : 0);
		assert_int_equal(sc.mallory.n_args, cases[i].set ? 1 : 0);
		if (cases[i].set) {
			assert_string_equal(sc.alice.args[0], "--mutual");
			assert_string_equal(sc.mallory.args[0], "--sniff");
		}
		assert_true(sc.mallory.present); /* present even when it adds no flag */
		scenario_free(&sc);
	}
	remove_fixture("10-b.ini");
	load_fails("10-b.ini", HEAD "[alice]\nmutual = maybe\n[bob]\n", "10-b.ini:6:", "[alice] mutual", "yes or no",
		   "got 'maybe'", NULL);
	load_fails("10-b.ini", HEAD "[alice]\n[bob]\n[mallory]\nsniff =\n", "10-b.ini:8:", "[mallory] sniff",
		   "yes or no", "got ''", NULL);
}

static void test_teaching_continuation_lines_joined_with_newlines(void **state)
{
	(void)state;
	struct scenario sc;

	load_ok(fixture("11-t.ini", "[scenario]\n"
				    "title = T\n"
				    "teaching = First line.\n"
				    "    Second line, indented with spaces.\n"
				    "\tThird, with a tab; and a semicolon.\n"
				    "\n"
				    "    Fourth, after a blank line (blank lines are skipped).\n"
				    "expect = confidential\n" PEERS),
		NULL, &sc);
	assert_string_equal(sc.teaching, "First line.\n"
					 "Second line, indented with spaces.\n"
					 "Third, with a tab; and a semicolon.\n"
					 "Fourth, after a blank line (blank lines are skipped).");
	assert_string_equal(sc.expect, "confidential");
	scenario_free(&sc);

	/* the text may start on the line after "teaching =" */
	load_ok(fixture("11-t.ini", "[scenario]\ntitle = T\nexpect = confidential\nteaching =\n  one\n  two\n" PEERS),
		NULL, &sc);
	assert_string_equal(sc.teaching, "one\ntwo");
	scenario_free(&sc);
	remove_fixture("11-t.ini");
}

static void test_empty_sections_mallory_optional(void **state)
{
	(void)state;
	struct scenario sc;

	/* an empty [mallory] means: run her with her defaults */
	load_ok(fixture("12-e.ini", HEAD "[alice]\n[bob]\n[mallory]\n"), NULL, &sc);
	assert_true(sc.mallory.present);
	assert_int_equal(sc.mallory.n_args, 0);
	scenario_free(&sc);
	/* section order is free; comments are comments */
	load_ok(fixture("12-e.ini", "; a comment\n# another\n[bob]\n[alice]\nsend = hi\n" HEAD), NULL, &sc);
	assert_true(sc.alice.present && sc.bob.present);
	assert_int_equal(sc.alice.n_args, 2);
	scenario_free(&sc);
	remove_fixture("12-e.ini");
}

static void test_crlf_and_bom_accepted(void **state)
{
	(void)state;
	struct scenario sc;

	load_ok(fixture("13-crlf.ini", "\xEF\xBB\xBF[scenario]\r\ntitle = T\r\nexpect = disrupted\r\nteaching = a\r\n"
				       "  b\r\n[alice]\r\n[bob]\r\n[mallory]\r\n"),
		NULL, &sc);
	assert_string_equal(sc.title, "T");
	assert_string_equal(sc.expect, "disrupted");
	assert_string_equal(sc.teaching, "a\nb");
	assert_true(sc.mallory.present);
	scenario_free(&sc);
	remove_fixture("13-crlf.ini");
}

/* ======================================================================
 * Long lines: Debian's libinih cuts lines at 200 bytes without a word
 * ====================================================================== */

static void test_long_line_is_an_error_not_truncated(void **state)
{
	(void)state;
	char text[1024], value[300];

	memset(value, 'a', 250);
	value[250] = '\0';
	snprintf(text, sizeof text, HEAD "[alice]\nsend = %s\n[bob]\n", value);
	load_fails("14-long.ini", text, "14-long.ini:6: line too long (limit 199 characters, this one has 257)",
		   "split the value over continuation lines", NULL);

	/* what inih alone would turn into a key of its own: "aaa...aaa x=y" -> x = y */
	memset(value, 'a', 192);
	snprintf(value + 192, sizeof value - 192, "   mutual=yes");
	snprintf(text, sizeof text, HEAD "[alice]\nsend = %s\n[bob]\n", value);
	load_fails("14-long.ini", text, "14-long.ini:6: line too long", NULL);

	/* a long line in the teaching text, and one after the first error-free lines */
	memset(value, 'b', 230);
	value[230] = '\0';
	snprintf(text, sizeof text, "[scenario]\ntitle = T\nexpect = confidential\nteaching = x\n    %s\n" PEERS,
		 value);
	load_fails("14-long.ini", text, "14-long.ini:5: line too long", NULL);
}

static void test_line_at_the_limit_loads_intact(void **state)
{
	(void)state;
	struct scenario sc;
	char text[1024], value[300];

	/* "send = " + 192 characters = 199 characters, the longest line that fits */
	memset(value, 'c', 192);
	value[192] = '\0';
	snprintf(text, sizeof text, HEAD "[alice]\nsend = %s\n[bob]\n", value);
	load_ok(fixture("15-edge.ini", text), NULL, &sc);
	assert_int_equal(sc.alice.n_args, 2);
	assert_string_equal(sc.alice.args[1], value);
	scenario_free(&sc);
	remove_fixture("15-edge.ini");

	/* one more and it is refused */
	value[192] = 'c';
	value[193] = '\0';
	snprintf(text, sizeof text, HEAD "[alice]\nsend = %s\n[bob]\n", value);
	load_fails("15-edge.ini", text, "15-edge.ini:6: line too long (limit 199 characters, this one has 200)", NULL);
}

/* ======================================================================
 * Errors: structure
 * ====================================================================== */

static void test_unknown_section(void **state)
{
	(void)state;
	load_fails("20-s.ini", HEAD PEERS "[eve]\nsniff = yes\n", "20-s.ini:7:", "[eve]",
		   "one of the sections [scenario], [alice], [bob], [mallory]", "got '[eve]'", NULL);
	/* even when the section is empty */
	load_fails("20-s.ini", HEAD PEERS "[Alice]\n", "20-s.ini:7:", "got '[Alice]'", NULL);
}

static void test_unknown_key_lists_the_known_keys(void **state)
{
	(void)state;
	load_fails(
	    "21-k.ini", HEAD "[alice]\nauth = sign\ncolour = red\n[bob]\n", "21-k.ini:7:", "[alice] colour",
	    "a key of [alice] (proto, tls-version, auth, groups, cipher, kex, sign-scope, mutual, key, peer-key, "
	    "timeout, no-share-check, send, repeat, min-security, bulk, downgrade-sentinel, peer-rsa, weak-rng, ca, "
	    "peer-name, now, tofu, insecure, no-name-check, pin-spki)",
	    "got the unknown key 'colour'", NULL);
	load_fails("21-k.ini", HEAD PEERS "send = hi\n", "21-k.ini:7:", "[bob] send",
		   "(proto, tls-version, auth, groups, cipher, kex, sign-scope, mutual, key, peer-key, timeout, idle, "
		   "no-share-check, "
		   "reply, sink, "
		   "min-security, explicit-from, downgrade-sentinel, cert, static-key, rsa-key, fixed-nonce, weak-rng, "
		   "max-clients)",
		   NULL);
	load_fails(
	    "21-k.ini", HEAD PEERS "[mallory]\nrelay = yes\n", "21-k.ini:8:", "[mallory] relay",
	    "a key of [mallory] (sniff, port, attack, interval, tamper, forge-key, impersonate, mint, key-fixing, "
	    "strip-auth, "
	    "downgrade-group, "
	    "malicious-g, small-subgroup, crack-rng, replay, replay-record, proto, tls-downgrade, command)",
	    NULL);
	load_fails("21-k.ini", "[scenario]\ntitel = T\n", "21-k.ini:2:", "[scenario] titel",
		   "(name, title, network, expect, expect-peer, expect-check, timeout, teaching, static-arp, "
		   "mallory-ip-forward, leak, later)",
		   NULL);
}

static void test_runner_flags_are_not_keys(void **state)
{
	(void)state;
	/* section, key, what the message says the runner sets for that program (from its option table) */
	static const char *const cases[][3] = {
	    {"alice", "connect", "mitmlab adds --connect, --events, --keylog itself"},
	    {"bob", "listen", "mitmlab adds --listen, --max-conns, --events, --keylog itself"},
	    {"mallory", "iface", "mitmlab adds --iface, --targets, --events, --keylog itself"},
	    {"alice", "events", "mitmlab adds --connect, --events, --keylog itself"},
	    {"bob", "max-conns", "mitmlab adds --listen, --max-conns, --events, --keylog itself"},
	    {"mallory", "targets", "mitmlab adds --iface, --targets, --events, --keylog itself"}};
	char text[256], want[64];
	for (size_t i = 0; i < N_OF(cases); i++) {
		/* the section first (line 5, key on line 6), then whichever peer sections are still needed */
		snprintf(text, sizeof text, HEAD "[%s]\n%s = x\n%s%s", cases[i][0], cases[i][1],
			 strcmp(cases[i][0], "alice") ? "[alice]\n" : "", strcmp(cases[i][0], "bob") ? "[bob]\n" : "");
		snprintf(want, sizeof want, "[%s] %s", cases[i][0], cases[i][1]);
		load_fails("22-r.ini", text, "22-r.ini:6:", want, cases[i][2], NULL);
	}
	/* the safety rail and the like are never scenario keys */
	load_fails("22-r.ini", HEAD "[mallory]\narmed = yes\n[alice]\n[bob]\n", "22-r.ini:6:", "[mallory] armed",
		   "--armed is for a person at a terminal, not a scenario file", NULL);
}

/* The scenario's limits are the programs' own (peer_optab, mallory_optab):
 * mallory refuses --interval below 10 ms, so a file does too; alice takes
 * --bulk up to 16 GiB, so a file does too (11 digits). */
static void test_limits_come_from_the_programs(void **state)
{
	(void)state;
	load_fails("24-l.ini", HEAD "[mallory]\nattack = relay\ninterval = 5\n[alice]\n[bob]\n",
		   "24-l.ini:7:", "[mallory] interval", "a whole number from 10 to 60000 (milliseconds)", NULL);
	char text[512];
	struct scenario sc;
	snprintf(text, sizeof text, HEAD "[alice]\nbulk = %llu\n[bob]\nsink = yes\n", peer_opt_max("bulk"));
	load_ok(fixture("24-l.ini", text), NULL, &sc);
	scenario_free(&sc);
	remove_fixture("24-l.ini");
	snprintf(text, sizeof text, HEAD "[alice]\nbulk = %llu\n[bob]\n", peer_opt_max("bulk") + 1);
	load_fails("24-l.ini", text, "24-l.ini:6:", "[alice] bulk", "a whole number from 1 to 17179869184", NULL);
}

static void test_repeated_key(void **state)
{
	(void)state;
	load_fails("23-d.ini", HEAD "[alice]\nauth = sign\ncipher = none\nauth = none\n[bob]\n",
		   "23-d.ini:8:", "[alice] auth", "one value (it was set on line 6)", "got a second one 'none'", NULL);
	load_fails("23-d.ini", HEAD "title = again\n" PEERS, "23-d.ini:5:", "[scenario] title", "it was set on line 2",
		   NULL);
	load_fails("23-d.ini", HEAD "[alice]\nmutual = no\nmutual = yes\n[bob]\n", "23-d.ini:7:", "[alice] mutual",
		   NULL);
}

static void test_repeated_section(void **state)
{
	(void)state;
	load_fails("24-d.ini", HEAD "[alice]\nauth = sign\n[bob]\n[alice]\nsend = x\n", "24-d.ini:8:", "[alice]",
		   "one [alice] section (it started on line 5)", NULL);
	load_fails("24-d.ini", HEAD PEERS "[bob]\n", "24-d.ini:7:", "(it started on line 6)", NULL);
}

static void test_missing_sections_and_required_keys(void **state)
{
	(void)state;
	load_fails("25-m.ini", HEAD "[alice]\n", "25-m.ini: section [bob] is required", NULL);
	load_fails("25-m.ini", HEAD "[bob]\n", "25-m.ini: section [alice] is required", NULL);
	load_fails("25-m.ini", PEERS, "25-m.ini: section [scenario] is required", NULL);
	load_fails("25-m.ini", "[scenario]\nexpect = confidential\nteaching = x\n" PEERS,
		   "25-m.ini: [scenario] title is required: a one-line title", NULL);
	load_fails("25-m.ini", "[scenario]\ntitle = T\nteaching = x\n" PEERS,
		   "25-m.ini: [scenario] expect is required: the expected verdict", NULL);
	load_fails("25-m.ini", "[scenario]\ntitle = T\nexpect = confidential\n" PEERS,
		   "25-m.ini: [scenario] teaching is required: text for the trainee", NULL);
	load_fails("25-m.ini", "[scenario]\ntitle = T\nexpect = confidential\nteaching =\n" PEERS,
		   "25-m.ini:4: [scenario] teaching: text for the trainee", "got ''", NULL);
}

static void test_blocked_needs_peer_and_check_and_only_blocked_has_them(void **state)
{
	(void)state;
	load_fails("26-b.ini",
		   "[scenario]\ntitle = T\nexpect = blocked\nexpect-check = signature\nteaching = x\n" PEERS,
		   "26-b.ini: [scenario] expect-peer is required when expect = blocked: who stops the attack: alice or "
		   "bob",
		   NULL);
	load_fails("26-b.ini", "[scenario]\ntitle = T\nexpect = blocked\nexpect-peer = alice\nteaching = x\n" PEERS,
		   "26-b.ini: [scenario] expect-check is required when expect = blocked", NULL);
	load_fails("26-b.ini", HEAD "expect-peer = bob\n" PEERS, "26-b.ini:5:", "[scenario] expect-peer",
		   "only with expect = blocked (here expect = confidential)", "got 'bob'", NULL);
	load_fails("26-b.ini", HEAD "expect-check = finished\n" PEERS, "26-b.ini:5:", "[scenario] expect-check",
		   "only with expect = blocked", NULL);
}

static void test_key_outside_any_section(void **state)
{
	(void)state;
	load_fails("27-o.ini", "auth = sign\n" HEAD PEERS, "27-o.ini:1:", "auth: a section header first",
		   "got 'auth = sign'", NULL);
}

static void test_syntax_error_line_numbers_count_file_lines(void **state)
{
	(void)state;
	/* after three section headers, to show that the lines inih sees map back to file lines */
	load_fails("28-x.ini", HEAD PEERS "[mallory]\nthis is not a key\n",
		   "28-x.ini:8:", "a [section] header, a 'key = value' line or an indented continuation line",
		   "got 'this is not a key'", NULL);
	/* the first error in the file wins, whichever part finds it */
	load_fails("28-x.ini", HEAD "oops\n[alice]\ncolour = red\n[bob]\n", "28-x.ini:5:", "got 'oops'", NULL);
	load_fails("28-x.ini", HEAD "[alice\n[bob]\n", "28-x.ini:5:", "got '[alice'", NULL);
	load_fails("28-x.ini", HEAD "[alice]\ncolour = red\n[bob]\noops\n", "28-x.ini:6:", "[alice] colour", NULL);
}

static void test_continuation_of_a_single_line_key(void **state)
{
	(void)state;
	load_fails("29-c.ini", HEAD "[alice]\nauth = sign\n  none\n[bob]\n", "29-c.ini:7:", "[alice] auth",
		   "a value on one line", "got the indented line 'none'", NULL);
	load_fails("29-c.ini", "[scenario]\ntitle = A\n  B\n", "29-c.ini:3:", "[scenario] title", NULL);
}

static void test_unreadable_files(void **state)
{
	(void)state;
	struct scenario sc;
	char err[1024], path[600];

	snprintf(path, sizeof path, "%s/nonexistent.ini", tmpdir);
	assert_int_equal(scenario_load(path, NULL, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "cannot open"));

	char text[] = HEAD PEERS "x";
	text[3] = '\0'; /* "[sc\0nario]" */
	const char *p = fixture("30-nul.ini", "");
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
	fclose(f);
	assert_int_equal(scenario_load(p, NULL, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "30-nul.ini:1: a NUL byte"));
	remove_fixture("30-nul.ini");

	/* a small error buffer is filled, not overrun, and NULL is allowed */
	char small[16];
	assert_int_equal(scenario_load(path, NULL, &sc, small, sizeof small), -1);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_int_equal(scenario_load(path, NULL, &sc, NULL, 0), -1);
}

/* ======================================================================
 * From memory (scenario_load_text, what fuzz_scenario feeds)
 * ====================================================================== */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	char *buf = malloc((size_t)n ? (size_t)n : 1); /* no terminator: an over-read shows under ASan */
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void assert_prog_equal(const struct sc_prog *a, const struct sc_prog *b)
{
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->n_args, b->n_args);
	for (size_t i = 0; i < a->n_args; i++)
		assert_string_equal(a->args[i], b->args[i]);
}

static void test_load_text_is_load_of_the_file(void **state)
{
	(void)state;
	char **paths;
	size_t n, len;
	char err[1024];

	assert_int_equal(scenario_paths(catalog(), &paths, &n), 0);
	for (size_t i = 0; i < n; i++) {
		struct scenario a, b;
		char *text = slurp(paths[i], &len);
		load_ok(paths[i], NULL, &a);
		if (scenario_load_text(paths[i], text, len, &b, err, sizeof err) != 0)
			fail_msg("scenario_load_text(%s) failed: %s", paths[i], err);
		assert_string_equal(a.path, b.path);
		assert_string_equal(a.name, b.name);
		assert_string_equal(a.title, b.title);
		assert_string_equal(a.teaching, b.teaching);
		assert_string_equal(a.expect, b.expect);
		assert_int_equal(a.network, b.network);
		assert_int_equal(a.timeout_s, b.timeout_s);
		assert_int_equal(a.static_arp, b.static_arp);
		assert_int_equal(a.break_classical, b.break_classical);
		assert_true((a.leak == NULL) == (b.leak == NULL));
		assert_prog_equal(&a.alice, &b.alice);
		assert_prog_equal(&a.bob, &b.bob);
		assert_prog_equal(&a.mallory, &b.mallory);
		scenario_free(&a);
		scenario_free(&b);
		free(text);
	}
	scenario_paths_free(paths, n);
}

static void test_load_text_errors_are_the_files(void **state)
{
	(void)state;
	struct scenario sc;
	char err[1024], ferr[1024];
	static const char bad[] = HEAD PEERS "[alice]\nauth = nonsense\n";

	const char *p = fixture("31-bad.ini", bad);
	assert_int_equal(scenario_load(p, NULL, &sc, ferr, sizeof ferr), -1);
	assert_int_equal(scenario_load_text(p, bad, sizeof bad - 1, &sc, err, sizeof err), -1);
	assert_string_equal(err, ferr);
	assert_null(sc.path);
	remove_fixture("31-bad.ini");

	/* the name comes from the path given, as for a file */
	static const char good[] = HEAD PEERS;
	assert_int_equal(scenario_load_text("/nowhere/32-from-memory.ini", good, sizeof good - 1, &sc, err, sizeof err),
			 0);
	assert_string_equal(sc.name, "32-from-memory");
	scenario_free(&sc);
	assert_int_equal(scenario_load_text("/nowhere/bad name.ini", good, sizeof good - 1, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "from the file name"));

	/* only len bytes are read: what follows is not the file */
	assert_int_equal(scenario_load_text("/nowhere/33-cut.ini", good, strlen(HEAD), &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "section [alice] is required"));

	/* a NUL, the size limit, no text */
	assert_int_equal(scenario_load_text("/nowhere/34-nul.ini", good, sizeof good, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "a NUL byte"));
	size_t big = 256 * 1024 + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '\n', big);
	assert_int_equal(scenario_load_text("/nowhere/35-big.ini", huge, big, &sc, err, sizeof err), -1);
	assert_non_null(strstr(err, "too large for a scenario file (limit 256 KiB)"));
	assert_int_equal(scenario_load_text("/nowhere/35-big.ini", huge, big - 1, &sc, err, sizeof err), -1);
	assert_null(strstr(err, "too large"));
	free(huge);
	assert_int_equal(scenario_load_text("/nowhere/36-none.ini", NULL, 0, &sc, err, sizeof err), -1);
	assert_int_equal(scenario_load_text(NULL, good, sizeof good - 1, &sc, NULL, 0), -1);
}

/* ======================================================================
 * Errors: values
 * ====================================================================== */

static void test_bad_lists(void **state)
{
	(void)state;
	load_fails("31-l.ini", HEAD "[alice]\nauth = sgn\n[bob]\n", "31-l.ini:6:", "[alice] auth",
		   "a comma-separated list of authentication modes (none, sign, cert); 'sgn' is not one", "got 'sgn'",
		   NULL);
	load_fails("31-l.ini", HEAD "[alice]\n[bob]\ncipher = chacha20-poly1305,none,chacha20-poly1305\n",
		   "31-l.ini:7:", "[bob] cipher", "(chacha20-poly1305, aes-256-gcm, none), each at most once",
		   "got 'chacha20-poly1305,none,chacha20-poly1305'", NULL);
	load_fails("31-l.ini", HEAD "[alice]\ngroups = x25519,,ffdhe2048\n[bob]\n", "31-l.ini:6:", "[alice] groups",
		   "(x25519, ffdhe2048, ffdhe3072, lab-32, lab-48, lab-64-smooth, mlkem768, x25519-mlkem768, "
		   "lab-48-mlkem768), with no empty entry",
		   NULL);
	load_fails("31-l.ini", HEAD "[alice]\ngroups = p256\n[bob]\n", "31-l.ini:6:", "'p256' is not one", NULL);
	load_fails("31-l.ini", HEAD "[alice]\nauth =\n[bob]\n", "31-l.ini:6:", "[alice] auth", "got ''", NULL);
	load_fails("31-l.ini", HEAD "[alice]\nauth = SIGN\n[bob]\n", "31-l.ini:6:", "'SIGN' is not one", NULL);
}

static void test_bad_words(void **state)
{
	(void)state;
	load_fails("32-w.ini", HEAD "[alice]\nsign-scope = all\n[bob]\n", "32-w.ini:6:", "[alice] sign-scope",
		   "one of transcript, params", "got 'all'", NULL);
	load_fails("32-w.ini", HEAD "network = star\n" PEERS, "32-w.ini:5:", "[scenario] network", "one of switch, hub",
		   "got 'star'", NULL);
	load_fails("32-w.ini", "[scenario]\ntitle = T\nexpect = error\n", "32-w.ini:3:", "[scenario] expect",
		   "one of attack-succeeded, blocked, confidential, disrupted", "it cannot be expected", "got 'error'",
		   NULL);
	load_fails("32-w.ini", "[scenario]\ntitle = T\nexpect = win\n", "32-w.ini:3:", "got 'win'", NULL);
	load_fails("32-w.ini", "[scenario]\nexpect-peer = mallory\n", "32-w.ini:2:", "[scenario] expect-peer",
		   "one of alice, bob", "got 'mallory'", NULL);
}

static void test_bad_checks(void **state)
{
	(void)state;
	static const char *const bad[] = {"signature-invalid", "internal", "io", "setup", "peer", "Signature"};
	char text[256];
	for (size_t i = 0; i < N_OF(bad); i++) {
		snprintf(text, sizeof text, "[scenario]\nexpect = blocked\nexpect-check = %s\n", bad[i]);
		char got[64];
		snprintf(got, sizeof got, "got '%s'", bad[i]);
		load_fails("33-c.ini", text, "33-c.ini:3:", "[scenario] expect-check",
			   "one of framing, order, negotiation, share, signature, pinned-key, finished, record, replay",
			   got, NULL);
	}
}

static void test_bad_numbers(void **state)
{
	(void)state;
	static const char *const bad[] = {"0", "-1", "+5", "abc", "5s", " ", "601", "99999999999", "1.5"};
	char text[256];
	for (size_t i = 0; i < N_OF(bad); i++) {
		snprintf(text, sizeof text, "[scenario]\ntimeout = %s\n", bad[i]);
		load_fails("34-n.ini", text, "34-n.ini:2:", "[scenario] timeout",
			   "a whole number from 1 to 600 (seconds)", NULL);
	}
	load_fails("34-n.ini", HEAD "[alice]\ntimeout = 86401\n[bob]\n", "34-n.ini:6:", "[alice] timeout",
		   "from 1 to 86400 (seconds)", "got '86401'", NULL);
	load_fails("34-n.ini", HEAD PEERS "idle = 0\n", "34-n.ini:7:", "[bob] idle", "got '0'", NULL);
	load_fails("34-n.ini", HEAD PEERS "[mallory]\nport = 65536\n", "34-n.ini:8:", "[mallory] port",
		   "a whole number from 1 to 65535 (TCP port)", "got '65536'", NULL);
}

static void test_bad_texts(void **state)
{
	(void)state;
	load_fails("35-t.ini", "[scenario]\ntitle =\n", "35-t.ini:2:", "[scenario] title", "a text (not empty)",
		   "got ''", NULL);
	load_fails("35-t.ini", HEAD "[alice]\nsend =\n[bob]\n", "35-t.ini:6:", "[alice] send", "a message", NULL);
	load_fails("35-t.ini", HEAD "[alice]\npeer-key =\n[bob]\n", "35-t.ini:6:", "[alice] peer-key",
		   "a key file name", NULL);
}

static void test_bad_names(void **state)
{
	(void)state;
	static const char *const bad[] = {"baseline",	 "1-baseline",	 "01-",		"01_baseline",
					  "01-Baseline", "01-base line", "001-baseline"};
	char text[256];
	for (size_t i = 0; i < N_OF(bad); i++) {
		snprintf(text, sizeof text, "[scenario]\nname = %s\n", bad[i]);
		load_fails("36-n.ini", text, "36-n.ini:2:", "[scenario] name", "a name like 07-my-lesson", NULL);
	}
	/* no name key: the file's name must do */
	load_fails("my-lesson.ini", HEAD PEERS, "my-lesson.ini: [scenario] name", "got 'my-lesson' from the file name",
		   NULL);
}

static void test_too_many_words_for_a_program(void **state)
{
	(void)state;
	char *text = malloc(8192);
	size_t off;
	assert_non_null(text);
	off = (size_t)snprintf(text, 8192, HEAD "[bob]\n[alice]\n");
	for (int i = 0; i < SC_MAX_ARGS / 2 + 1; i++)
		off += (size_t)snprintf(text + off, 8192 - off, "send = m%d\n", i);
	load_fails("37-m.ini", text, "37-m.ini:55:", "[alice]", "too many options (at most 96", NULL);
	free(text);
}

/* --proto tls at load: both peers or neither, by certificate; mallory's
 * interceptor speaks theirs, with TLS's moves only (mallory_opts.c). */
/* later = break-classical: a phase 2 of its own, with its rules at load. */
static void test_later_rules(void **state)
{
	(void)state;
#define LATER_HEAD "[scenario]\ntitle = T\nexpect = confidential\nteaching = t\n"
	load_fails("51-a.ini", LATER_HEAD "later = quantum\n" PEERS "[mallory]\nsniff = yes\n",
		   "51-a.ini:5:", "[scenario] later", "break-classical", NULL);
	load_fails("51-b.ini", LATER_HEAD "later = break-classical\n" PEERS, "51-b.ini:5:", "add [mallory] with", NULL);
	load_fails("51-c.ini", LATER_HEAD "leak = bob.key\nlater = break-classical\n" PEERS "[mallory]\nsniff = yes\n",
		   "51-c.ini:6:", "one phase 2 only", "(line 5)", NULL);
	load_fails("51-d.ini",
		   LATER_HEAD "later = break-classical\n[alice]\nproto = tls\nca = pki/root.pem\n[bob]\nproto = "
			      "tls\ncert = pki/bob.chain.pem\nkey = bob.key\n[mallory]\nsniff = yes\nproto = tls\n",
		   "51-d.ini:5:", "not of TLS", NULL);
	struct scenario sc;
	const char *ok = fixture("51-e.ini", LATER_HEAD "later = break-classical\n" PEERS "[mallory]\nsniff = yes\n");
	load_ok(ok, NULL, &sc);
	assert_true(sc.break_classical);
	assert_null(sc.leak);
	scenario_free(&sc);
	remove_fixture("51-e.ini");
#undef LATER_HEAD
}

static void test_tls_rules(void **state)
{
	(void)state;
#define TLS_PEERS "[alice]\nproto = tls\nca = pki/root.pem\n[bob]\nproto = tls\ncert = c.pem\nkey = bob.key\n"
#define MITM "[mallory]\nattack = dh-mitm\n"
	load_fails("61-t.ini", HEAD "[alice]\nproto = tls\nca = pki/root.pem\n[bob]\n",
		   "61-t.ini:6:", "alice and bob must speak the same protocol", NULL);
	load_fails("62-t.ini", HEAD TLS_PEERS "auth = sign\n", "62-t.ini:12:", "[bob] auth",
		   "authenticated by his certificate only", NULL);
	load_fails("63-t.ini", HEAD TLS_PEERS MITM "impersonate = a.pem:b.key\n", "63-t.ini:13:", "[mallory] attack",
		   "add 'proto = tls'", NULL);
	load_fails("64-t.ini", HEAD PEERS MITM "proto = tls\nimpersonate = a.pem:b.key\n",
		   "64-t.ini:9:", "[mallory] proto", "speak the lab protocol", NULL);
	load_fails("65-t.ini", HEAD TLS_PEERS MITM "proto = tls\n", "65-t.ini:14:", "[mallory] proto",
		   "needs the certificate she shows alice", NULL);
	load_fails("66-t.ini", HEAD TLS_PEERS MITM "proto = tls\nmint = k:c\nkey-fixing = yes\n",
		   "66-t.ini:16:", "[mallory] key-fixing", "not against TLS", NULL);
	load_fails("67-t.ini", HEAD TLS_PEERS MITM "proto = tls\ntls-downgrade = yes\ntamper = a=>b\n",
		   "67-t.ini:15:", "[mallory] tls-downgrade", "remove tamper", NULL);
	load_fails("68-t.ini", HEAD PEERS MITM "tls-downgrade = yes\n", "68-t.ini:9:", "only with proto = tls", NULL);
	load_fails("69-t.ini", HEAD TLS_PEERS "[mallory]\nattack = relay\nproto = tls\n",
		   "69-t.ini:14:", "[mallory] proto", "sniff = yes", NULL);
	/* and what is right loads */
	struct scenario sc;
	char err[512] = "";
	const char *path = fixture("70-t.ini", HEAD TLS_PEERS MITM "proto = tls\ntls-downgrade = yes\n");
	if (scenario_load(path, NULL, &sc, err, sizeof err) != 0)
		fail_msg("%s", err);
	scenario_free(&sc);
#undef TLS_PEERS
#undef MITM
}

static void test_network_names(void **state)
{
	(void)state;
	assert_string_equal(scenario_network_name(SC_SWITCH), "switch");
	assert_string_equal(scenario_network_name(SC_HUB), "hub");
	struct scenario sc;
	memset(&sc, 0, sizeof sc);
	assert_int_equal(scenario_number(&sc), 0);
	scenario_free(&sc);
	scenario_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_catalog_every_file_loads_named_after_its_file),
	    cmocka_unit_test(test_catalog_01_baseline),
	    cmocka_unit_test(test_catalog_02_sniff_plaintext_hub),
	    cmocka_unit_test(test_catalog_03_sniff_plaintext_switch),
	    cmocka_unit_test(test_catalog_04_sniff_dh_hub),
	    cmocka_unit_test(test_catalog_paths_sorted),
	    cmocka_unit_test(test_lookup_by_name_number_suffix_and_path),
	    cmocka_unit_test(test_lookup_exact_name_wins_and_ambiguity_is_an_error),
	    cmocka_unit_test(test_paths_sorted_ini_files_only),
	    cmocka_unit_test(test_defaults_and_every_scenario_key),
	    cmocka_unit_test(test_every_check_name_of_interest_is_an_expectation),
	    cmocka_unit_test(test_every_peer_key_becomes_its_flag_in_file_order),
	    cmocka_unit_test(test_booleans),
	    cmocka_unit_test(test_teaching_continuation_lines_joined_with_newlines),
	    cmocka_unit_test(test_empty_sections_mallory_optional),
	    cmocka_unit_test(test_crlf_and_bom_accepted),
	    cmocka_unit_test(test_long_line_is_an_error_not_truncated),
	    cmocka_unit_test(test_line_at_the_limit_loads_intact),
	    cmocka_unit_test(test_unknown_section),
	    cmocka_unit_test(test_unknown_key_lists_the_known_keys),
	    cmocka_unit_test(test_runner_flags_are_not_keys),
	    cmocka_unit_test(test_limits_come_from_the_programs),
	    cmocka_unit_test(test_repeated_key),
	    cmocka_unit_test(test_repeated_section),
	    cmocka_unit_test(test_missing_sections_and_required_keys),
	    cmocka_unit_test(test_blocked_needs_peer_and_check_and_only_blocked_has_them),
	    cmocka_unit_test(test_key_outside_any_section),
	    cmocka_unit_test(test_syntax_error_line_numbers_count_file_lines),
	    cmocka_unit_test(test_continuation_of_a_single_line_key),
	    cmocka_unit_test(test_unreadable_files),
	    cmocka_unit_test(test_load_text_is_load_of_the_file),
	    cmocka_unit_test(test_load_text_errors_are_the_files),
	    cmocka_unit_test(test_bad_lists),
	    cmocka_unit_test(test_bad_words),
	    cmocka_unit_test(test_bad_checks),
	    cmocka_unit_test(test_bad_numbers),
	    cmocka_unit_test(test_bad_texts),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_too_many_words_for_a_program),
	    cmocka_unit_test(test_network_names),
	    cmocka_unit_test(test_tls_rules),
	    cmocka_unit_test(test_later_rules),
	};
	return cmocka_run_group_tests_name("scenario", tests, setup, teardown);
}
