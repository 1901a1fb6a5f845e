/* mallory --decrypt end to end: a lab run's wire.pcap (scenario 04, DH with an
 * AEAD cipher, seen on a hub) read back by the built mallory, whose events
 * must be the ones she emitted live during the run; and the binary's exit
 * status for captures it cannot read. The lab's traffic stays in the
 * namespaces it makes; mallory --decrypt opens no interface. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

static char out[1 << 16];

static char *tmpdir(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/mlab-decrypt-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Removes dir and the files in it (a run directory holds no subdirectory). */
static void remove_dir(const char *dir)
{
	char path[4096];
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		remove(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* The events of mallory (actor) in a JSON-lines file, without the ones only
 * one mode has and without their times. */
static json_t *story(const char *path)
{
	static const char *const skip[] = {"frame", "sniffing", "stopped", "decrypt-start", "decrypt-done"};
	json_t *a = json_array();
	char line[1 << 14];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		json_t *e = json_loads(line, 0, NULL);
		const char *name = proc_str(e, "event");
		bool keep = e && strcmp(proc_str(e, "actor"), "mallory") == 0;
		for (size_t i = 0; keep && i < sizeof skip / sizeof skip[0]; i++)
			keep = strcmp(name, skip[i]) != 0;
		if (keep) {
			json_object_del(e, "t");
			json_array_append(a, e);
		}
		json_decref(e);
	}
	fclose(f);
	return a;
}

static void test_wire_pcap_of_a_run_tells_the_same_story(void **state)
{
	char dir[256], path[300], evpath[300];
	const char *top = tmpdir();
	(void)state;

	snprintf(dir, sizeof dir, "%s/run", top);
	const char *argv[] = {"mitmlab", "run", "04-sniff-dh-hub", "--headless", "--out", dir, NULL};
	int rc = proc_run(argv, out, sizeof out);
	if (rc != 0)
		fail_msg("mitmlab run 04-sniff-dh-hub exited %d:\n%s", rc, out);

	/* --events 3 --quiet are added by proc_start. */
	struct proc p;
	snprintf(path, sizeof path, "%s/wire.pcap", dir);
	const char *m[] = {"mallory", "--decrypt", path, NULL};
	assert_int_equal(proc_start(&p, m), 0);
	assert_int_equal(proc_wait(&p, 20000), 0);
	const json_t *start = proc_event(&p, "decrypt-start", 0);
	assert_non_null(start);
	assert_string_equal(proc_str(start, "format"), "pcap");
	assert_int_equal(json_integer_value(json_object_get(start, "snaplen")), 65535);
	/* Mode none, an AEAD: every handshake message, no readable record. */
	assert_int_equal(proc_count(&p, "handshake-seen"), 6);
	assert_string_equal(proc_str(proc_event(&p, "handshake-seen", 0), "msg"), "client-hello");
	assert_true(proc_count(&p, "record-seen") >= 2);
	assert_int_equal(proc_count(&p, "message-read"), 0);
	assert_int_equal(proc_count(&p, "stream-gap"), 0); /* the lab captures whole connections */
	assert_int_equal(proc_count(&p, "error"), 0);
	const json_t *done = proc_event(&p, "decrypt-done", 0);
	assert_non_null(done);
	assert_string_equal(proc_str(done, "reason"), "end");
	assert_int_equal(json_integer_value(json_object_get(done, "connections")), 1);
	assert_int_equal(json_integer_value(json_object_get(done, "records")), proc_count(&p, "record-seen"));
	assert_int_equal(json_integer_value(json_object_get(done, "decrypted")), 0);

	/* Event for event what she said live during the run (frames apart: the
	 * bridge and her interface do not capture exactly the same frames). */
	snprintf(evpath, sizeof evpath, "%s/decrypt.jsonl", dir);
	FILE *f = fopen(evpath, "w");
	assert_non_null(f);
	for (size_t i = 0; i < p.n_events; i++) {
		char *s = json_dumps(p.events[i], JSON_COMPACT);
		fprintf(f, "%s\n", s);
		free(s);
	}
	fclose(f);
	proc_free(&p);
	snprintf(path, sizeof path, "%s/events.jsonl", dir);
	json_t *live = story(path), *offline = story(evpath);
	if (!json_equal(live, offline)) {
		char *a = json_dumps(live, JSON_INDENT(1)), *b = json_dumps(offline, JSON_INDENT(1));
		fail_msg("live:\n%s\noffline:\n%s", a, b);
	}
	assert_true(json_array_size(live) >= 8);
	json_decref(live);
	json_decref(offline);
	remove_dir(dir);
	rmdir(top);
}

static void test_exit_status(void **state)
{
	char path[300];
	const char *dir = tmpdir();
	(void)state;

	const char *help[] = {"mallory", "--help", NULL};
	assert_int_equal(proc_run(help, out, sizeof out), 0);
	assert_non_null(strstr(out, "--decrypt CAPTURE"));
	const char *missing[] = {"mallory", "--decrypt", "/nonexistent/wire.pcap", NULL};
	assert_int_equal(proc_run(missing, out, sizeof out), 3);
	assert_non_null(strstr(out, "no such file"));
	const char *directory[] = {"mallory", "--decrypt", dir, "--quiet", NULL};
	assert_int_equal(proc_run(directory, out, sizeof out), 3);
	assert_non_null(strstr(out, "is a directory")); /* --quiet still says why */
	snprintf(path, sizeof path, "%s/notes.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("not a capture\n", f);
	fclose(f);
	const char *text[] = {"mallory", "--decrypt", path, NULL};
	assert_int_equal(proc_run(text, out, sizeof out), 3);
	assert_non_null(strstr(out, "not a pcap capture (libpcap: "));
	const char *both[] = {"mallory", "--decrypt", path, "--sniff", NULL};
	assert_int_equal(proc_run(both, out, sizeof out), 2);
	const char *iface[] = {"mallory", "--decrypt", path, "--iface", "lo", NULL};
	assert_int_equal(proc_run(iface, out, sizeof out), 2);
	remove(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire_pcap_of_a_run_tells_the_same_story),
	    cmocka_unit_test(test_exit_status),
	};
	return cmocka_run_group_tests_name("decrypt", tests, NULL, NULL);
}
