/* The capture per switch port (issue 14): every run writes wire.pcapng with
 * one interface per host's port and frame comments from the events. Read
 * back with tshark, nobody's code but Wireshark's: the interfaces are named,
 * the frames entering the switch are the same as the bridge's wire.pcap, and
 * the comments name mallory's swap in 06, her change in 07 and her forged
 * ARP, on the right ports — and say nothing of mallory where she is absent. */
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

#include "proc.h"

static char out[1 << 20];
static char run06[128], run07[128], run01[128], run48[128];

static int run_cmd(const char *const *argv)
{
	int rc = proc_exec(argv, out, sizeof out);
	assert_true(rc >= 0);
	return rc;
}

/* `mitmlab run NAME --headless --out DIR`, once per scenario for all tests. */
static void lab_run(const char *name, char *dir, size_t n)
{
	char bin[4096];
	snprintf(dir, n, "/tmp/mlab-pcapng-XXXXXX");
	assert_non_null(mkdtemp(dir));
	strncat(dir, "/run", n - strlen(dir) - 1);
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "run", name, "--headless", "--out", dir, NULL};
	int rc = run_cmd(argv);
	if (rc != 0)
		fprintf(stderr, "%s", out);
	assert_int_equal(rc, 0);
}

static int setup(void **state)
{
	(void)state;
	lab_run("06-dh-mitm", run06, sizeof run06);
	lab_run("07-dh-mitm-tamper", run07, sizeof run07);
	lab_run("01-baseline", run01, sizeof run01);
	lab_run("48-record-replay", run48, sizeof run48);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *dirs[] = {run06, run07, run01, run48};
	for (size_t i = 0; i < 4; i++) {
		char *slash = strrchr(dirs[i], '/'); /* DIR/run: remove DIR */
		if (!slash)
			continue;
		*slash = '\0';
		const char *argv[] = {"rm", "-rf", dirs[i], NULL};
		(void)proc_exec(argv, out, sizeof out);
	}
	return 0;
}

/* tshark over a run's capture: `fields` printed for the frames of `filter`. */
static void tshark(const char *dir, const char *file, const char *filter, const char *const *fields)
{
	char path[256];
	const char *argv[32];
	size_t n = 0;
	snprintf(path, sizeof path, "%s/%s", dir, file);
	argv[n++] = "tshark";
	argv[n++] = "-n";
	argv[n++] = "-r";
	argv[n++] = path;
	if (filter) {
		argv[n++] = "-Y";
		argv[n++] = filter;
	}
	argv[n++] = "-T";
	argv[n++] = "fields";
	for (size_t i = 0; fields[i] && n < 28; i++) {
		argv[n++] = "-e";
		argv[n++] = fields[i];
	}
	argv[n] = NULL;
	assert_int_equal(run_cmd(argv), 0);
	/* tshark's warning when run as root is not a frame */
	char *w = strstr(out, "Running as user \"root\"");
	if (w) {
		char *e = strchr(w, '\n');
		memmove(w, e ? e + 1 : w + strlen(w), strlen(e ? e + 1 : w + strlen(w)) + 1);
	}
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *l = s; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (len && (!needle || memmem(l, len, needle, strlen(needle))))
			n++;
		l += len + (e ? 1 : 0);
	}
	return n;
}

static void interfaces_named(void **state)
{
	(void)state;
	const char *f[] = {"frame.interface_name", NULL};
	tshark(run06, "wire.pcapng", NULL, f);
	assert_true(count_lines(out, "alice") > 0);
	assert_true(count_lines(out, "bob") > 0);
	assert_true(count_lines(out, "mallory") > 0);
	assert_int_equal(count_lines(out, NULL),
			 count_lines(out, "alice") + count_lines(out, "bob") + count_lines(out, "mallory"));
	tshark(run01, "wire.pcapng", NULL, f);
	assert_true(count_lines(out, "alice") > 0 && count_lines(out, "bob") > 0);
	assert_int_equal(count_lines(out, "mallory"), 0);
}

/* What entered the switch at a host's port is what the bridge saw that host
 * send: the two captures agree frame for frame (count of each sender). */
static void ports_agree_with_bridge(void **state)
{
	(void)state;
	static const char *const macs[] = {"02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:66"};
	static const char *const names[] = {"alice", "bob", "mallory"};
	for (size_t i = 0; i < 3; i++) {
		char filter[128];
		const char *f[] = {"frame.number", NULL};
		snprintf(filter, sizeof filter, "eth.src == %s", macs[i]);
		tshark(run07, "wire.pcap", filter, f);
		size_t bridge = count_lines(out, NULL);
		snprintf(filter, sizeof filter, "eth.src == %s && frame.interface_name == \"%s\"", macs[i], names[i]);
		tshark(run07, "wire.pcapng", filter, f);
		assert_true(bridge > 0);
		assert_int_equal(count_lines(out, NULL), bridge);
	}
}

static void swap_commented(void **state)
{
	(void)state;
	const char *f[] = {"frame.interface_name", "frame.comment", NULL};
	tshark(run06, "wire.pcapng", "frame.comment contains \"mallory swapped the share toward bob\"", f);
	assert_true(count_lines(out, "bob\t") >= 1);	 /* as bob received it */
	assert_true(count_lines(out, "mallory\t") >= 1); /* as she sent it */
	assert_int_equal(count_lines(out, "alice\t"), 0);
	tshark(run06, "wire.pcapng", "frame.comment contains \"mallory swapped the share toward alice\"", f);
	assert_true(count_lines(out, "alice\t") >= 1);
	assert_int_equal(count_lines(out, "bob\t"), 0);
	/* alice's own share, on her port, is named as hers */
	tshark(run06, "wire.pcapng", "frame.comment contains \"alice's key share\"", f);
	assert_true(count_lines(out, "alice\t") >= 1);
	assert_int_equal(count_lines(out, "bob\t"), 0);
}

static void change_commented(void **state)
{
	(void)state;
	const char *f[] = {"frame.interface_name", "frame.comment", NULL};
	tshark(run07, "wire.pcapng", "frame.comment contains \"record #1 altered by mallory\"", f);
	assert_true(count_lines(out, "bob\t") >= 1);
	assert_non_null(strstr(out, "\"transfer 100 to carol\" \xe2\x86\x92 \"transfer 9999 to carol\""));
	assert_int_equal(count_lines(out, "alice\t"), 0);
}

static void arp_commented(void **state)
{
	(void)state;
	const char *f[] = {"frame.interface_name", "arp.src.proto_ipv4", NULL};
	tshark(run06, "wire.pcapng", "arp && frame.comment contains \"forged by mallory\"", f);
	/* alice is told bob's address is at mallory's MAC, and bob alice's */
	assert_true(count_lines(out, "alice\t10.0.0.20") >= 1);
	assert_true(count_lines(out, "bob\t10.0.0.10") >= 1);
	/* and her restoring replies are told apart */
	tshark(run06, "wire.pcapng", "arp && frame.comment contains \"restoring the truth\"", f);
	assert_true(count_lines(out, NULL) >= 1);
}

/* 48: the copy she sends bob is named at bob's port, and bob's abort. */
static void replay_and_abort_commented(void **state)
{
	(void)state;
	const char *f[] = {"frame.interface_name", "eth.src", NULL};
	tshark(run48, "wire.pcapng", "frame.comment contains \"record #1 replayed by mallory\"", f);
	assert_int_equal(count_lines(out, NULL), 1);
	assert_non_null(strstr(out, "bob\t02:00:00:00:00:66"));
	tshark(run48, "wire.pcapng", "frame.comment contains \"bob aborts the connection: replay\"", f);
	assert_true(count_lines(out, "bob\t02:00:00:00:00:0b") == 1);
}

static void baseline_says_nothing_of_mallory(void **state)
{
	(void)state;
	const char *f[] = {"frame.comment", NULL};
	tshark(run01, "wire.pcapng", "frame.comment contains \"mallory\"", f);
	assert_int_equal(count_lines(out, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(interfaces_named),
	    cmocka_unit_test(ports_agree_with_bridge),
	    cmocka_unit_test(swap_commented),
	    cmocka_unit_test(change_commented),
	    cmocka_unit_test(arp_commented),
	    cmocka_unit_test(replay_and_abort_commented),
	    cmocka_unit_test(baseline_says_nothing_of_mallory),
	};
	return cmocka_run_group_tests_name("pcapng", tests, setup, teardown);
}
