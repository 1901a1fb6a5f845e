/* "Bring your own attacker" end to end (issue 13): `[mallory] command` runs a
 * program of one's own in mallory's namespace instead of bin/mallory. The
 * scapy example (examples/05-scapy.ini) must do scenario 05's attack and have
 * its reads judged genuine; a command's claims are checked like mallory's; a
 * command that is missing or never ready ends the run as the lab's error.
 * Every run stays in the namespaces the lab makes. */
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

#include "ev_fields.h"
#include "ev_schema.h"
#include "proc.h"

static char out[1 << 16];

/* argv with stdout+stderr captured (proc_exec); its exit status. */
static int run_cmd(const char *const *argv, char *buf, size_t len)
{
	int rc = proc_exec(argv, buf, len);
	assert_true(rc >= 0);
	return rc;
}

static char *tmpdir(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/mlab-byoa-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	return dir;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* `mitmlab run FILE --headless --out DIR/run`: its exit status, and the run's
 * report.json (NULL when there is none). */
static int run_scenario(const char *file, const char *dir, json_t **report)
{
	char bin[4096], run[300], path[400];
	snprintf(run, sizeof run, "%s/run", dir);
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "run", file, "--headless", "--out", run, NULL};
	int rc = run_cmd(argv, out, sizeof out);
	snprintf(path, sizeof path, "%s/report.json", run);
	*report = json_load_file(path, 0, NULL);
	return rc;
}

static const char *verdict_of(const json_t *report)
{
	return json_string_value(json_object_get(json_object_get(report, "verdict"), "kind"));
}

static json_int_t verdict_int(const json_t *report, const char *field)
{
	return json_integer_value(json_object_get(json_object_get(report, "verdict"), field));
}

/* Every line of events.jsonl is an event of the schema, from an actor allowed
 * to emit it: the command's lines too, since the runner makes them mallory's. */
static size_t check_events(const char *dir, const char *actor, const char *event)
{
	char path[400], line[1 << 16], why[256];
	size_t n = 0, hits = 0;
	snprintf(path, sizeof path, "%s/run/events.jsonl", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		json_t *e = json_loads(line, 0, NULL);
		if (!e || ev_check(e, why, sizeof why) != 0)
			fail_msg("%s line %zu: %s: %s", path, n + 1, e ? why : "not JSON", line);
		const char *a, *name;
		hits += ev_head(e, &a, &name) && strcmp(a, actor) == 0 && strcmp(name, event) == 0;
		json_decref(e);
		n++;
	}
	fclose(f);
	return hits;
}

static size_t count_lines(const char *dir, const char *a, const char *b)
{
	char path[400], line[8192];
	size_t n = 0;
	snprintf(path, sizeof path, "%s/run/events.jsonl", dir);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f))
		n += strstr(line, a) && strstr(line, b);
	if (f)
		fclose(f);
	return n;
}

/* The example needs Debian's python3-scapy: a missing scapy is a failure that
 * says how to get it, never a skip. */
static void test_scapy_installed(void **state)
{
	(void)state;
	const char *argv[] = {"/usr/bin/python3", "-c", "import scapy.all", NULL};
	if (run_cmd(argv, out, sizeof out) != 0)
		fail_msg("scapy is missing for /usr/bin/python3 (examples/scapy_arp_relay.py needs it): run "
			 "tools/install-deps.sh, which installs Debian's python3-scapy\n%s",
			 out);
}

/* Scenario 05's attack by the scapy example: poisoned, relayed, every
 * message read and judged genuine, the true mappings restored. */
static void test_scapy_example_reads_every_message(void **state)
{
	(void)state;
	char ini[4096];
	const char *dir = tmpdir();
	json_t *report;
	int rc = run_scenario(proc_src("examples/05-scapy.ini", ini, sizeof ini), dir, &report);
	if (rc != 0 || !report || strcmp(verdict_of(report) ? verdict_of(report) : "", "attack-succeeded") != 0)
		fail_msg("mitmlab run examples/05-scapy.ini exited %d (see %s/run/mallory.log):\n%s", rc, dir, out);
	/* alice's two messages and bob's two answers, each read once, none made up */
	assert_int_equal(verdict_int(report, "read_genuine"), 4);
	assert_int_equal(verdict_int(report, "read_bogus"), 0);
	assert_true(json_is_true(json_object_get(report, "matches")));
	json_decref(report);
	assert_int_equal(check_events(dir, "mallory", "message-read"), 4);
	assert_int_equal(count_lines(dir, "\"event\":\"started\"", "examples/scapy_arp_relay.py"), 1);
	assert_int_equal(count_lines(dir, "\"phase\":\"before-alice\"", "\"poisoned\":true"), 2);
	assert_int_equal(count_lines(dir, "\"phase\":\"after-stop\"", "\"poisoned\":false"), 2);
	assert_int_equal(count_lines(dir, "\"program\":\"mallory\"", "\"status\":0"), 1);
}

/* A scenario file and its command in a fresh directory. */
static const char *with_command(const char *dir, const char *script, const char *sections)
{
	static char ini[300];
	char prog[300], text[1024];
	snprintf(prog, sizeof prog, "%s/attacker.sh", dir);
	if (script)
		write_file(prog, script, 0755);
	snprintf(ini, sizeof ini, "%s/01-mine.ini", dir);
	snprintf(text, sizeof text,
		 "[scenario]\ntitle = mine\nexpect = attack-succeeded\nteaching = t\n%s[mallory]\ncommand = "
		 "./attacker.sh\n",
		 sections);
	write_file(ini, text, 0644);
	return ini;
}

#define PLAIN "[alice]\nauth = none\ncipher = none\nsend = hello bob\n[bob]\nauth = none\ncipher = none\n"

/* A command's claims are checked as mallory's are: it says it is sniffing
 * and that it read a message nobody sent; alice and bob talk undisturbed on
 * the switch, so the made-up read counts for nothing. */
static void test_claims_are_checked(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	const char *script =
	    "#!/bin/sh\n"
	    "echo '{\"event\":\"sniffing\",\"iface\":\"'$MITMLAB_IFACE'\",\"port\":'$MITMLAB_PORT'}' >&3\n"
	    "echo '{\"event\":\"message-read\",\"from\":\"x\",\"to\":\"y\",\"seq\":0,\"len\":9,"
	    "\"hex\":\"68656c6c6f20626f63\"}' >&3\n"
	    "exec sleep 30\n";
	json_t *report;
	int rc = run_scenario(with_command(dir, script, PLAIN), dir, &report);
	if (rc != 0 || !report || strcmp(verdict_of(report) ? verdict_of(report) : "", "confidential") != 0)
		fail_msg("expected confidential, the read judged bogus; exit %d:\n%s", rc, out);
	assert_int_equal(verdict_int(report, "read_genuine"), 0);
	assert_int_equal(verdict_int(report, "read_bogus"), 1);
	json_decref(report);
	/* passive by its own word: no neighbour tables read */
	assert_int_equal(count_lines(dir, "\"event\":\"neighbour\"", ""), 0);
}

/* Never ready (it ends without a word), or not there at all: the lab's
 * error, saying why and where to look. */
static void test_not_ready_or_missing_is_the_labs_error(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	json_t *report;
	int rc = run_scenario(with_command(dir, "#!/bin/sh\necho 'I forgot the event' >&2\n", PLAIN), dir, &report);
	if (rc != 1 || !strstr(out, "VERDICT: error") || !strstr(out, "did not become ready") ||
	    !strstr(out, "\"poisoning\" or \"sniffing\"") || !strstr(out, "mallory.log"))
		fail_msg("expected verdict error naming the ready events and mallory.log, got %d:\n%s", rc, out);
	json_decref(report);
	char log[300], text[256] = "";
	snprintf(log, sizeof log, "%s/run/mallory.log", dir);
	FILE *f = fopen(log, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof text, f));
	fclose(f);
	assert_non_null(strstr(text, "I forgot the event"));

	dir = tmpdir();
	rc = run_scenario(with_command(dir, NULL, PLAIN), dir, &report);
	if (rc != 1 || !strstr(out, "VERDICT: error") ||
	    !strstr(out, "[mallory] command cannot be started (No such file or directory)"))
		fail_msg("expected verdict error naming the missing command, got %d:\n%s", rc, out);
	json_decref(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scapy_installed),
	    cmocka_unit_test(test_scapy_example_reads_every_message),
	    cmocka_unit_test(test_claims_are_checked),
	    cmocka_unit_test(test_not_ready_or_missing_is_the_labs_error),
	};
	return cmocka_run_group_tests_name("byoa", tests, NULL, NULL);
}
