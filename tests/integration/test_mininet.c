/* "Beyond one machine" (issue 14): tools/mininet/mitmlab-mininet runs catalog
 * scenarios on Mininet hosts, with the lab's binaries and options, and the
 * lab's judge must give the verdict the lab gives. Mininet only ever runs in
 * the private user, network, mount and PID namespaces the script makes: the
 * host's interfaces are the same before and after, and the topology refuses
 * to run anywhere else. A missing Mininet fails, never skips. Also `mitmlab
 * judge` on events collected per host, as on real machines. */
#include <fcntl.h>
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

#include "ev_fields.h"
#include "ev_schema.h"
#include "proc.h"

static char out[1 << 16];

static int run_cmd(const char *const *argv, char *buf, size_t len)
{
	int rc = proc_exec(argv, buf, len);
	assert_true(rc >= 0);
	return rc;
}

static char *tmpdir(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/mlab-mininet-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	return dir;
}

static json_t *load_report(const char *run)
{
	char path[400];
	snprintf(path, sizeof path, "%s/report.json", run);
	return json_load_file(path, 0, NULL);
}

static const char *vstr(const json_t *report, const char *field)
{
	const char *s = json_string_value(json_object_get(json_object_get(report, "verdict"), field));
	return s ? s : "";
}

/* The host's own interfaces (names), to show Mininet left them alone. */
static void host_links(char *buf, size_t len)
{
	const char *argv[] = {"ip", "-o", "link", "show", NULL};
	assert_int_equal(run_cmd(argv, buf, len), 0);
	/* drop the counters-free line details that change on their own: keep names */
	char *w = buf;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!a || !b)
			continue;
		size_t n = (size_t)(b - a - 1);
		memmove(w, a + 1, n);
		w += n;
		*w++ = '\n';
	}
	*w = '\0';
}

/* `mitmlab run NAME --headless --out DIR/lab`: the lab's own report. */
static json_t *lab_run(const char *dir, const char *name)
{
	char bin[4096], run[300];
	snprintf(run, sizeof run, "%s/lab", dir);
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "run", name, "--headless", "--out", run, NULL};
	int rc = run_cmd(argv, out, sizeof out);
	if (rc != 0)
		fail_msg("mitmlab run %s exited %d:\n%s", name, rc, out);
	return load_report(run);
}

/* tools/mininet/mitmlab-mininet [--topo TOPO] --out DIR/mn NAME (topo
 * "hand": --by-hand on one switch): its exit status; *report its run's
 * report.json. */
static int mininet_run(const char *dir, const char *topo, const char *name, json_t **report)
{
	char script[4096], bin[4096], run[300];
	bool hand = strcmp(topo, "hand") == 0;
	snprintf(run, sizeof run, "%s/mn", dir);
	const char *argv[] = {proc_src("tools/mininet/mitmlab-mininet", script, sizeof script),
			      "--topo",
			      hand ? "switch" : topo,
			      "--mitmlab",
			      proc_bin("mitmlab", bin, sizeof bin),
			      "--out",
			      run,
			      hand ? "--by-hand" : name,
			      hand ? name : NULL,
			      NULL};
	int rc = run_cmd(argv, out, sizeof out);
	*report = load_report(run);
	return rc;
}

/* Every line of the Mininet run's events.jsonl is an event of the schema;
 * returns how many lines contain both a and b. */
static size_t check_events(const char *dir, const char *a, const char *b)
{
	char path[400], line[1 << 16], why[256];
	size_t n = 0, hits = 0;
	snprintf(path, sizeof path, "%s/mn/events.jsonl", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		json_t *e = json_loads(line, 0, NULL);
		if (!e || ev_check(e, why, sizeof why) != 0)
			fail_msg("%s line %zu: %s: %s", path, n + 1, e ? why : "not JSON", line);
		json_decref(e);
		hits += strstr(line, a) && strstr(line, b);
		n++;
	}
	fclose(f);
	assert_true(n > 10);
	return hits;
}

static void test_mininet_installed(void **state)
{
	(void)state;
	const char *py[] = {"/usr/bin/python3", "-c", "import mininet.net, mininet.nodelib", NULL};
	const char *mnexec[] = {"sh", "-c", "command -v mnexec && command -v brctl && command -v unshare", NULL};
	if (run_cmd(py, out, sizeof out) != 0 || run_cmd(mnexec, out, sizeof out) != 0)
		fail_msg("Mininet is missing (python3 module, mnexec, brctl or unshare): run tools/install-deps.sh, "
			 "which installs Debian's mininet and bridge-utils\n%s",
			 out);
}

/* Scenario 06 on one Linux bridge: the lab's verdict, from the same command
 * lines, with mallory's reads genuine and both tables poisoned, then restored. */
static void test_switch_dh_mitm_as_in_the_lab(void **state)
{
	(void)state;
	static char before[8192], after[8192];
	const char *dir = tmpdir();
	json_t *lab = lab_run(dir, "06-dh-mitm"), *mn;
	host_links(before, sizeof before);
	int rc = mininet_run(dir, "switch", "06-dh-mitm", &mn);
	host_links(after, sizeof after);
	if (rc != 0 || !mn)
		fail_msg("mitmlab-mininet 06-dh-mitm exited %d (see %s/mn):\n%s", rc, dir, out);
	assert_string_equal(vstr(lab, "kind"), "attack-succeeded");
	assert_string_equal(vstr(mn, "kind"), vstr(lab, "kind"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(mn, "verdict"), "read_genuine")), 4);
	assert_true(json_is_true(json_object_get(mn, "matches")));
	assert_non_null(strstr(out, "VERDICT: attack-succeeded"));
	assert_non_null(strstr(out, "switch topology"));
	assert_string_equal(before, after); /* the host's network untouched */
	assert_int_equal(check_events(dir, "\"phase\":\"before-alice\"", "\"poisoned\":true"), 2);
	assert_int_equal(check_events(dir, "\"phase\":\"after-stop\"", "\"poisoned\":false"), 2);
	assert_int_equal(check_events(dir, "\"event\":\"started\"", "/mallory\",\"--iface\",\"eth0\""), 1);
	/* the same command lines as the lab's (the run directories differ) */
	char path[400], text[4096];
	snprintf(path, sizeof path, "%s/mn/commands.txt", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "--targets 10.0.0.10,10.0.0.20 --attack dh-mitm --events 3"));
	assert_non_null(strstr(text, "--connect 10.0.0.20:4433 --auth none --send 'hello bob'"));
	struct stat st;
	snprintf(path, sizeof path, "%s/mn/wire.pcap", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 1000); /* the neutral observer saw the attack */
	/* each host's link, with the lab's comments: mitmlab judge made wire.pcapng from the ports' captures */
	snprintf(path, sizeof path, "%s/mn/wire.pcapng", dir);
	const char *ts[] = {"tshark",	     "-r", path, "-T", "fields", "-e", "frame.interface_name", "-e",
			    "frame.comment", NULL};
	assert_int_equal(run_cmd(ts, out, sizeof out), 0);
	assert_non_null(strstr(out, "alice\tARP reply forged by mallory"));
	assert_non_null(strstr(out, "bob\tARP reply forged by mallory"));
	assert_non_null(strstr(out, "mallory\trelayed by mallory (alice\xe2\x86\x92"
				    "bob)"));
	json_decref(lab);
	json_decref(mn);
}

/* Scenario 08: blocked by the same peer and check as in the lab. */
static void test_switch_signed_blocked_as_in_the_lab(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	json_t *lab = lab_run(dir, "08-signed-dh-mitm"), *mn;
	int rc = mininet_run(dir, "switch", "08-signed-dh-mitm", &mn);
	if (rc != 0 || !mn)
		fail_msg("mitmlab-mininet 08-signed-dh-mitm exited %d (see %s/mn):\n%s", rc, dir, out);
	assert_string_equal(vstr(mn, "kind"), "blocked");
	assert_string_equal(vstr(mn, "kind"), vstr(lab, "kind"));
	assert_string_equal(vstr(mn, "peer"), vstr(lab, "peer"));
	assert_string_equal(vstr(mn, "check"), vstr(lab, "check"));
	json_decref(lab);
	json_decref(mn);
}

/* A later phase (40): bob's RSA key leaks, and mallory opens the Mininet
 * run's own wire.pcap with it, as in the lab. */
static void test_switch_later_phase(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	json_t *mn;
	int rc = mininet_run(dir, "switch", "40-transport-leak", &mn);
	if (rc != 0 || !mn)
		fail_msg("mitmlab-mininet 40-transport-leak exited %d (see %s/mn):\n%s", rc, dir, out);
	assert_string_equal(vstr(mn, "kind"), "attack-succeeded");
	assert_int_equal(check_events(dir, "\"event\":\"phase\"", "\"kind\":\"transport\""), 1);
	assert_int_equal(check_events(dir, "\"event\":\"started\"", "\"--decrypt\""), 1);
	char log[400];
	snprintf(log, sizeof log, "%s/mn/mallory-later.log", dir);
	assert_int_equal(access(log, R_OK), 0);
	json_decref(mn);
}

/* later = break-classical on Mininet (59): the stand-in for a quantum
 * computer breaks the lab-48 half of the hybrid, the ML-KEM half holds. */
static void test_switch_break_classical(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	json_t *mn;
	int rc = mininet_run(dir, "switch", "59-pq-record-hybrid", &mn);
	if (rc != 0 || !mn)
		fail_msg("mitmlab-mininet 59-pq-record-hybrid exited %d (see %s/mn):\n%s", rc, dir, out);
	assert_string_equal(vstr(mn, "kind"), "confidential");
	assert_int_equal(check_events(dir, "\"event\":\"phase\"", "quantum computer"), 1);
	assert_int_equal(check_events(dir, "\"event\":\"part-broken\"", "\"part\":\"lab-48\""), 1);
	assert_int_equal(check_events(dir, "\"event\":\"part-held\"", "\"part\":\"mlkem768\""), 1);
	json_decref(mn);
}

/* Two switches and a router: mallory on alice's LAN poisons alice and the
 * gateway, relays what alice sends beyond it, and holds both keys. */
static void test_router_dh_mitm(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	json_t *mn;
	int rc = mininet_run(dir, "router", "06-dh-mitm", &mn);
	if (rc != 0 || !mn)
		fail_msg("mitmlab-mininet --topo router 06-dh-mitm exited %d (see %s/mn):\n%s", rc, dir, out);
	assert_string_equal(vstr(mn, "kind"), "attack-succeeded");
	assert_non_null(strstr(out, "router topology"));
	assert_int_equal(check_events(dir, "\"host\":\"r\"", "\"poisoned\":true"), 2);
	assert_int_equal(check_events(dir, "\"ip\":\"10.0.0.1\"", "\"poisoned\":true"), 2);
	assert_int_equal(check_events(dir, "--targets\",\"10.0.0.10,10.0.0.1\"", "\"event\":\"started\""), 1);
	assert_int_equal(check_events(dir, "\"--listen\",\"10.0.1.20:4433\"", "\"host\":\"10.0.1.20\""), 1);
	json_decref(mn);
}

/* docs/running-on-real-hosts.md, step by step on Mininet hosts: cards of
 * their own (enp1s0, MACs not the lab's), mallory armed, each program's
 * events in its host's file, no runner; mitmlab judge DIR NAME merges and
 * judges them: the lab's verdict. */
static void test_by_hand_as_on_real_hosts(void **state)
{
	(void)state;
	const char *dir = tmpdir();
	json_t *mn;
	int rc = mininet_run(dir, "hand", "06-dh-mitm", &mn);
	if (rc != 0 || !mn)
		fail_msg("mitmlab-mininet --by-hand 06-dh-mitm exited %d (see %s/mn):\n%s", rc, dir, out);
	assert_string_equal(vstr(mn, "kind"), "attack-succeeded");
	assert_non_null(strstr(out, "by hand"));
	json_decref(mn);
	char path[400], text[4096];
	snprintf(path, sizeof path, "%s/mn/commands.txt", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "--iface enp1s0 --armed --targets 10.0.0.10,10.0.0.20 --attack dh-mitm --events 3 "
				     "3>>mallory.jsonl"));
	/* the hosts' own files, merged by the judge: no runner's word in them */
	assert_int_equal(check_events(dir, "\"actor\":\"lab\"", ""), 0);
	assert_int_equal(check_events(dir, "\"target-resolved\"", "52:54:00:00:00:0a"), 1);
	assert_int_equal(check_events(dir, "\"actor\":\"alice\"", "\"event\":\"done\""), 1);
}

/* The topology half refuses to run outside its own namespaces. Each case is
 * already inside a fresh user namespace, so that even a broken check could
 * not change the host's network. */
static void test_refuses_outside_its_namespaces(void **state)
{
	(void)state;
	char script[4096], ino[32];
	struct stat st;
	const char *dir = tmpdir();
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	snprintf(ino, sizeof ino, "%llu", (unsigned long long)st.st_ino);
	proc_src("tools/mininet/mitmlab-mininet", script, sizeof script);
	/* the caller's network namespace */
	const char *host_net[] = {"unshare", "-Ur", "/usr/bin/python3", script, "--inside", ino, "--out", dir,
				  "06",	     NULL};
	int rc = run_cmd(host_net, out, sizeof out);
	if (rc != 2 || !strstr(out, "refusing: this is the caller's network namespace"))
		fail_msg("expected a refusal in the caller's network namespace, got %d:\n%s", rc, out);
	/* a private network, but not the init of a PID namespace of its own */
	const char *no_pid[] = {"unshare", "-Urn", "/usr/bin/python3", script, "--inside", ino, "--out", dir,
				"06",	   NULL};
	rc = run_cmd(no_pid, out, sizeof out);
	if (rc != 2 || !strstr(out, "refusing: not the init of a private PID namespace"))
		fail_msg("expected a refusal outside a private PID namespace, got %d:\n%s", rc, out);
	char events[400];
	snprintf(events, sizeof events, "%s/events.jsonl", dir);
	assert_int_not_equal(access(events, F_OK), 0); /* nothing ran */
}

/* Real machines: each host's --events output copied into one directory;
 * `mitmlab judge DIR NAME` makes events.jsonl (each file's lines are its
 * host's, whatever they say), copies the scenario, judges as the lab. */
static void test_judge_collects_per_host_files(void **state)
{
	(void)state;
	char bin[4096], path[400], line[1 << 16];
	const char *dir = tmpdir();
	json_t *lab = lab_run(dir, "06-dh-mitm");
	assert_string_equal(vstr(lab, "kind"), "attack-succeeded");
	json_decref(lab);
	char hand[300];
	snprintf(hand, sizeof hand, "%s/hand", dir);
	assert_int_equal(mkdir(hand, 0755), 0);
	snprintf(path, sizeof path, "%s/lab/events.jsonl", dir);
	FILE *in = fopen(path, "r"), *files[3];
	static const char *const hosts[] = {"alice", "bob", "mallory"};
	assert_non_null(in);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s.jsonl", hand, hosts[i]);
		assert_non_null(files[i] = fopen(path, "w"));
	}
	while (fgets(line, sizeof line, in))
		for (int i = 0; i < 3; i++)
			if (strstr(line, hosts[i]) && strstr(line, "\"actor\":\"") &&
			    strncmp(strstr(line, "\"actor\":\"") + 9, hosts[i], strlen(hosts[i])) == 0)
				fputs(line, files[i]);
	/* mallory cannot speak as alice, and junk is dropped */
	fputs("{\"t\":1,\"actor\":\"alice\",\"event\":\"note\"}\nnot json\n", files[2]);
	fclose(in);
	for (int i = 0; i < 3; i++)
		fclose(files[i]);
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "judge", hand, "06-dh-mitm", NULL};
	int rc = run_cmd(argv, out, sizeof out);
	if (rc != 0 || !strstr(out, "VERDICT: attack-succeeded"))
		fail_msg("mitmlab judge exited %d:\n%s", rc, out);
	json_t *r = load_report(hand);
	assert_string_equal(vstr(r, "kind"), "attack-succeeded");
	json_decref(r);
	snprintf(path, sizeof path, "%s/06-dh-mitm.ini", hand);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s/events.jsonl", hand);
	in = fopen(path, "r");
	assert_non_null(in);
	size_t notes = 0;
	while (fgets(line, sizeof line, in))
		notes += strstr(line, "\"event\":\"note\"") && strstr(line, "\"actor\":\"mallory\"");
	fclose(in);
	assert_int_equal(notes, 1);
	/* judged again from its events.jsonl, without naming the scenario */
	const char *again[] = {proc_bin("mitmlab", bin, sizeof bin), "judge", hand, "--json", NULL};
	rc = run_cmd(again, out, sizeof out);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"kind\": \"attack-succeeded\""));
	/* a capture that is not one costs wire.pcapng, not the verdict */
	snprintf(path, sizeof path, "%s/alice.pcap", hand);
	FILE *junk = fopen(path, "w");
	assert_non_null(junk);
	fputs("not a capture\n", junk);
	fclose(junk);
	const char *bad_pcap[] = {proc_bin("mitmlab", bin, sizeof bin), "judge", hand, NULL};
	rc = run_cmd(bad_pcap, out, sizeof out);
	if (rc != 0 || !strstr(out, "no wire.pcapng: cannot read") || !strstr(out, "VERDICT: attack-succeeded"))
		fail_msg("expected the verdict and a sentence about alice.pcap, got %d:\n%s", rc, out);
	/* a Linux-cooked capture (tcpdump -i any) is refused by name */
	junk = fopen(path, "w");
	assert_non_null(junk);
	static const uint32_t sll[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 113}; /* pcap header, LINUX_SLL */
	assert_int_equal(fwrite(sll, sizeof sll, 1, junk), 1);
	fclose(junk);
	snprintf(path, sizeof path, "%s/wire.pcapng", hand);
	unlink(path);
	rc = run_cmd(bad_pcap, out, sizeof out);
	if (rc != 0 || !strstr(out, "alice.pcap is not an Ethernet capture (link type 113)"))
		fail_msg("expected alice.pcap refused as not Ethernet, got %d:\n%s", rc, out);
	assert_int_not_equal(access(path, F_OK), 0);
	/* a directory with nothing to judge */
	const char *empty[] = {proc_bin("mitmlab", bin, sizeof bin), "judge", dir, "06-dh-mitm", NULL};
	rc = run_cmd(empty, out, sizeof out);
	if (rc != 2 || !strstr(out, "neither events.jsonl nor alice.jsonl"))
		fail_msg("expected a usage error for a directory without events, got %d:\n%s", rc, out);
}

/* `mitmlab show NAME --json`: the plan the harness starts from. */
static void test_show_json(void **state)
{
	(void)state;
	char bin[4096];
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "show", "06", "--json", NULL};
	assert_int_equal(run_cmd(argv, out, sizeof out), 0);
	json_t *j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "scenario")), "06-dh-mitm");
	json_t *hosts = json_object_get(j, "hosts");
	assert_int_equal(json_array_size(hosts), 3);
	static const char *const order[][3] = {
	    {"bob", "10.0.0.20", "listening"}, {"mallory", "10.0.0.66", "poisoning"}, {"alice", "10.0.0.10", NULL}};
	for (size_t i = 0; i < 3; i++) {
		json_t *h = json_array_get(hosts, i);
		assert_string_equal(json_string_value(json_object_get(h, "name")), order[i][0]);
		assert_string_equal(json_string_value(json_object_get(h, "ip")), order[i][1]);
		if (order[i][2])
			assert_string_equal(json_string_value(json_object_get(h, "ready")), order[i][2]);
		else
			assert_true(json_is_null(json_object_get(h, "ready")));
		assert_true(json_array_size(json_object_get(h, "argv")) > 3);
	}
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mininet_installed),
	    cmocka_unit_test(test_show_json),
	    cmocka_unit_test(test_switch_dh_mitm_as_in_the_lab),
	    cmocka_unit_test(test_switch_signed_blocked_as_in_the_lab),
	    cmocka_unit_test(test_switch_later_phase),
	    cmocka_unit_test(test_switch_break_classical),
	    cmocka_unit_test(test_router_dh_mitm),
	    cmocka_unit_test(test_by_hand_as_on_real_hosts),
	    cmocka_unit_test(test_refuses_outside_its_namespaces),
	    cmocka_unit_test(test_judge_collects_per_host_files),
	};
	return cmocka_run_group_tests_name("mininet", tests, NULL, NULL);
}
