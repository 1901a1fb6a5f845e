/* The programs' command lines: --help, exit codes, and failure messages that
 * tell the user what to do. Runs the built binaries; no network beyond a
 * refused connection to 127.0.0.1. */
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

#include "proc.h"

/* A program's exit status and all it printed (proc_run). */
static int run(const char *const *argv, char *buf, size_t len)
{
	int rc = proc_run(argv, buf, len);
	assert_true(rc >= 0);
	return rc;
}

static char out[65536];

static void test_help(void **state)
{
	(void)state;
	const char *progs[] = {"alice", "bob", "mitmlab-keygen"};
	for (size_t i = 0; i < 3; i++) {
		const char *argv[] = {progs[i], "--help", NULL};
		assert_int_equal(run(argv, out, sizeof out), 0);
		assert_non_null(strstr(out, "usage:"));
		if (i < 2)
			assert_non_null(strstr(out, "exit status"));
	}
}

/* Every program says which version it is, and exits 0. */
static void test_version(void **state)
{
	(void)state;
	const char *progs[] = {"alice", "bob", "mallory", "mitmlab", "mitmlab-keygen"};
	for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		const char *argv[] = {progs[i], "--version", NULL};
		assert_int_equal(run(argv, out, sizeof out), 0);
		char want[64];
		snprintf(want, sizeof want, "%s (mitmlab) ", progs[i]);
		if (strncmp(out, want, strlen(want)) != 0 || !strstr(out, "OpenSSL"))
			fail_msg("%s --version printed:\n%s", progs[i], out);
	}
}

/* Bash completion offers the commands, the catalog's names, shell's hosts
 * and each program's options (tools/completion/mitmlab.bash). */
static void test_bash_completion(void **state)
{
	(void)state;
	const char *bin = getenv("MLAB_BIN"), *src = getenv("MLAB_SRC");
	char cmd[8192];
	snprintf(cmd, sizeof cmd,
		 "bash -c 'source \"%s/tools/completion/mitmlab.bash\"; PATH=\"%s:$PATH\"; "
		 "COMP_WORDS=(mitmlab r); COMP_CWORD=1; _mitmlab; echo \"${COMPREPLY[*]}\"; "
		 "COMP_WORDS=(mitmlab run 06); COMP_CWORD=2; _mitmlab; echo \"${COMPREPLY[*]}\"; "
		 "COMP_WORDS=(mitmlab shell b); COMP_CWORD=2; _mitmlab; echo \"${COMPREPLY[*]}\"; "
		 "COMP_WORDS=(mallory --crack); COMP_CWORD=1; _mitmlab_prog mallory; echo \"${COMPREPLY[*]}\"' 2>&1",
		 src && *src ? src : ".", bin && *bin ? bin : "bin");
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	if (!strstr(out, "run replay") || !strstr(out, "06-dh-mitm") || !strstr(out, "bob") ||
	    !strstr(out, "--crack-rng"))
		fail_msg("completion offered:\n%s", out);
}

static void test_unknown_option_is_usage_error(void **state)
{
	(void)state;
	const char *a[] = {"alice", "--frobnicate", NULL};
	assert_int_equal(run(a, out, sizeof out), 2);
	assert_non_null(strstr(out, "--help"));
	const char *b[] = {"bob", "--send", "x", NULL}; /* alice's option */
	assert_int_equal(run(b, out, sizeof out), 2);
	assert_non_null(strstr(out, "not an option of this program"));
	const char *c[] = {"alice", "--groups", "x25519,p256", NULL};
	assert_int_equal(run(c, out, sizeof out), 2);
	assert_non_null(strstr(out, "unknown value 'p256'"));
	const char *d[] = {"alice", "--groups", "x25519,x25519", NULL};
	assert_int_equal(run(d, out, sizeof out), 2);
	const char *e[] = {"bob", "--timeout", "0", NULL};
	assert_int_equal(run(e, out, sizeof out), 2);
	const char *f[] = {"alice", "--sign-scope", "everything", NULL};
	assert_int_equal(run(f, out, sizeof out), 2);
}

/* The downgrade lessons' options refuse what they cannot mean, with exit 2
 * and a message naming the choices. */
static void test_attack_and_defense_options_checked(void **state)
{
	(void)state;
	static const struct {
		const char *argv[8];
		const char *says;
	} cases[] = {
	    {{"bob", "--explicit-from", "x25519", NULL}, "not a finite-field group"},
	    {{"alice", "--explicit-from", "ffdhe2048", NULL}, "not an option of this program"},
	    {{"mallory", "--attack", "dh-mitm", "--targets", "10.0.0.10,10.0.0.20", "--malicious-g", "2", NULL},
	     "expected 1, p or p-1"},
	    {{"mallory", "--attack", "relay", "--targets", "10.0.0.10,10.0.0.20", "--malicious-g", "p", NULL},
	     "--malicious-g belongs to --attack dh-mitm"},
	    {{"mallory", "--attack", "relay", "--targets", "10.0.0.10,10.0.0.20", "--small-subgroup", NULL},
	     "--small-subgroup belongs to --attack dh-mitm"},
	    {{"mallory", "--attack", "dh-mitm", "--targets", "10.0.0.10,10.0.0.20", "--downgrade-group",
	      "x25519-mlkem768", NULL},
	     "expected the group to force"},
	    {{"mallory", "--attack", "dh-mitm", "--targets", "10.0.0.10,10.0.0.20", "--downgrade-group", "x448", NULL},
	     "expected the group to force"},
	    {{"mallory", "--sniff", "--break-classical", NULL}, "--break-classical belongs to --decrypt"},
	    {{"mallory", "--decrypt", "x.pcap", "--break-classical", "--key", "k", NULL},
	     "--break-classical and --key are two lessons"},
	    {{"mallory", "--decrypt", "x.pcap", "--break-classical", "--proto", "tls", NULL},
	     "--break-classical belongs to the lab protocol"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(run(cases[i].argv, out, sizeof out), 2);
		if (!strstr(out, cases[i].says))
			fail_msg("case %zu: no \"%s\" in: %s", i, cases[i].says, out);
	}
	/* And the spellings the lessons use are accepted (--help exits 0 after parsing them). */
	const char *ok[] = {"bob",
			    "--groups",
			    "explicit,x25519",
			    "--explicit-from",
			    "lab-48",
			    "--downgrade-sentinel",
			    "--no-validate-share",
			    "--help",
			    NULL};
	assert_int_equal(run(ok, out, sizeof out), 0);
}

static void test_sign_needs_keys(void **state)
{
	(void)state;
	const char *a[] = {"bob", "--auth", "sign", NULL};
	assert_int_equal(run(a, out, sizeof out), 2);
	assert_non_null(strstr(out, "--key FILE"));
	assert_non_null(strstr(out, "mitmlab-keygen"));
	const char *b[] = {"alice", "--auth", "sign", NULL};
	assert_int_equal(run(b, out, sizeof out), 2);
	assert_non_null(strstr(out, "--peer-key FILE"));
	const char *c[] = {"alice", "--auth", "sign", "--peer-key", "/nonexistent/bob.pub", NULL};
	assert_int_equal(run(c, out, sizeof out), 4);
	assert_non_null(strstr(out, "cannot read an Ed25519 public key"));
}

/* Mode cert and trust on first use: what is missing or contradictory is
 * named before anything connects, with the file to use. */
static void test_trust_options_checked(void **state)
{
	(void)state;
	const char *bin = getenv("MLAB_BIN");
	char chain[4200], bkey[4200], mkey[4200];
	snprintf(chain, sizeof chain, "%s/keys/pki/bob.chain.pem", bin && *bin ? bin : "bin");
	snprintf(bkey, sizeof bkey, "%s/keys/bob.key", bin && *bin ? bin : "bin");
	snprintf(mkey, sizeof mkey, "%s/keys/mallory.key", bin && *bin ? bin : "bin");
	static const char *const T = "10.0.0.10,10.0.0.20";
	const struct {
		const char *argv[12];
		int status;
		const char *says;
	} cases[] = {
	    {{"alice", "--auth", "cert", NULL}, 2, "--ca FILE"},
	    {{"alice", "--ca", "/x.pem", NULL}, 2, "belong to --auth cert"},
	    {{"alice", "--auth", "cert", "--ca", "/nonexistent/root.pem", NULL}, 4, "cannot read a PEM certificate"},
	    {{"alice", "--auth", "cert", "--insecure", "--now", "yesterday", NULL}, 2, "--now: expected"},
	    {{"alice", "--auth", "cert", "--insecure", "--now", "2026-02-30", NULL}, 2, "--now: expected"},
	    {{"alice", "--peer-name", "bob..lab", NULL}, 2, "not a host name"},
	    {{"alice", "--auth", "none", "--tofu", "/tmp/x", NULL}, 2, "needs --auth sign"},
	    {{"alice", "--auth", "sign", "--tofu", "/tmp/x", "--peer-key", "/tmp/y", NULL}, 2, "give one"},
	    {{"bob", "--ca", "/x.pem", NULL}, 2, "not an option of this program"},
	    {{"alice", "--cert", "/x.pem", NULL}, 2, "not an option of this program"},
	    {{"bob", "--auth", "cert", "--key", bkey, NULL}, 2, "--cert FILE"},
	    {{"bob", "--auth", "cert", "--cert", chain, "--key", mkey, NULL}, 4, "certifies another key"},
	    {{"bob", "--auth", "cert", "--cert", bkey, "--key", bkey, NULL}, 4, "cannot read a PEM certificate chain"},
	    {{"bob", "--cert", chain, "--key", bkey, NULL}, 2, "add cert to --auth"},
	    {{"mallory", "--attack", "relay", "--targets", T, "--impersonate", "a:b", NULL},
	     2,
	     "belongs to --attack dh-mitm"},
	    {{"mallory", "--attack", "dh-mitm", "--targets", T, "--impersonate", "nocolon", NULL}, 2, "CHAIN:KEY"},
	    {{"mallory", "--attack", "dh-mitm", "--targets", T, "--mint", "a:b", "--impersonate", "c:d", NULL},
	     2,
	     "give one"},
	    {{"mallory", "--attack", "dh-mitm", "--targets", T, "--mint", "a:b", "--forge-key", "k", NULL},
	     2,
	     "leave out --forge-key"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int st = run(cases[i].argv, out, sizeof out);
		if (st != cases[i].status || !strstr(out, cases[i].says))
			fail_msg("case %zu (%s %s): status %d, wanted %d with \"%s\" in: %s", i, cases[i].argv[0],
				 cases[i].argv[1], st, cases[i].status, cases[i].says, out);
	}
	/* By hand, alice writes a copy of a scenario's TOFU seed, never the seed. */
	const char *show[] = {"mitmlab", "show", "35", NULL};
	assert_int_equal(run(show, out, sizeof out), 0);
	if (!strstr(out, "known-bob.tofu alice.tofu\n") || !strstr(out, "--tofu alice.tofu "))
		fail_msg("mitmlab show 35 does not copy the seed for alice:\n%s", out);
	/* A good bob in mode cert gets past its checks: --help after them exits 0. */
	const char *ok[] = {"alice",	   "--auth",  "cert",  "--ca",	      "/x",
			    "--peer-name", "bob.lab", "--now", "@1800000000", "--no-name-check",
			    "--insecure",  "--help",  NULL};
	assert_int_equal(run(ok, out, sizeof out), 0);
}

static void test_connect_refused_is_network_error(void **state)
{
	(void)state;
	/* Port 1 on loopback: nothing listens there in a test machine. */
	const char *a[] = {"alice", "--connect", "127.0.0.1:1", "--send", "x", NULL};
	assert_int_equal(run(a, out, sizeof out), 3);
	assert_non_null(strstr(out, "is bob listening"));
	const char *b[] = {"alice", "--connect", "no-port-here", NULL};
	assert_int_equal(run(b, out, sizeof out), 2);
	assert_non_null(strstr(out, "HOST:PORT"));
}

static void test_keygen_writes_pair_and_refuses_overwrite(void **state)
{
	(void)state;
	char dir[] = "/tmp/mlab-keygen-XXXXXX", key[256], pub[256];
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof key, "%s/t.key", dir);
	snprintf(pub, sizeof pub, "%s/t.pub", dir);
	const char *a[] = {"mitmlab-keygen", key, NULL};
	assert_int_equal(run(a, out, sizeof out), 0);
	assert_non_null(strstr(out, "key id"));
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* private key: owner only */
	assert_int_equal(stat(pub, &st), 0);
	assert_int_equal(run(a, out, sizeof out), 2); /* no silent overwrite */
	assert_non_null(strstr(out, "--force"));
	const char *b[] = {"mitmlab-keygen", "--force", "--quiet", key, NULL};
	assert_int_equal(run(b, out, sizeof out), 0);
	assert_string_equal(out, "");
	/* The public file is not a private key: bob refuses it as --key. */
	const char *c[] = {"bob", "--auth", "sign", "--key", pub, NULL};
	assert_int_equal(run(c, out, sizeof out), 4);
	unlink(key);
	unlink(pub);
	rmdir(dir);
}

/* The safety rail: outside a lab namespace mallory refuses to transmit, and
 * arming her needs the interface named explicitly. Nothing is sent here:
 * the refusal comes before any socket is opened. */
static void test_mallory_refuses_outside_the_lab(void **state)
{
	(void)state;
	const char *a[] = {"mallory", "--attack", "relay", "--targets", "10.0.0.10,10.0.0.20", "--iface", "lo", NULL};
	assert_int_equal(run(a, out, sizeof out), 2);
	assert_non_null(strstr(out, "refusing to transmit on lo"));
	assert_non_null(strstr(out, "--armed"));
	const char *b[] = {"mallory", "--attack", "relay", "--targets", "10.0.0.10,10.0.0.20", "--armed", NULL};
	assert_int_equal(run(b, out, sizeof out), 2);
	assert_non_null(strstr(out, "--iface IF given explicitly"));
	const char *c[] = {"mallory", "--attack", "relay", NULL};
	assert_int_equal(run(c, out, sizeof out), 2);
	assert_non_null(strstr(out, "--targets"));
	/* --replay transmits too (a connection of her own to bob): the same rail,
	 * before any capture is opened */
	const char *d[] = {"mallory", "--sniff", "--replay", "--iface", "lo", NULL};
	assert_int_equal(run(d, out, sizeof out), 2);
	assert_non_null(strstr(out, "refusing to transmit on lo"));
	assert_null(strstr(out, "sniffing on"));
}

/* A scenario file whose options contradict each other is refused by show and
 * by run with exit 2 and FILE:LINE of the offending key, before any lab. */
static void refused_at(const char *name, const char *body, unsigned line, const char *words)
{
	char dir[] = "/tmp/mlab-cli-XXXXXX", path[256], out_dir[300], want[320];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(out_dir, sizeof out_dir, "%s/runs", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	snprintf(want, sizeof want, "%s:%u: ", path, line);
	const char *show[] = {"mitmlab", "show", path, NULL};
	assert_int_equal(run(show, out, sizeof out), 2);
	if (!strstr(out, want) || !strstr(out, words))
		fail_msg("show %s: no \"%s...%s\" in:\n%s", name, want, words, out);
	const char *runv[] = {"mitmlab", "run", path, "--headless", "--out", out_dir, NULL};
	assert_int_equal(run(runv, out, sizeof out), 2);
	if (!strstr(out, want) || !strstr(out, words))
		fail_msg("run %s: no \"%s...%s\" in:\n%s", name, want, words, out);
	assert_int_not_equal(access(out_dir, F_OK), 0); /* nothing was run */
	unlink(path);
	rmdir(dir);
}

static void test_contradicting_options_refused_at_load(void **state)
{
	(void)state;
	refused_at("91-sign-without-pin.ini",
		   "[scenario]\ntitle = t\nexpect = confidential\nteaching = x\n\n[alice]\nauth = sign\nsend = hi\n\n"
		   "[bob]\nauth = sign\nkey = bob.key\n",
		   7, "[alice] auth: signed mode needs");
	refused_at("92-tamper-relay.ini",
		   "[scenario]\ntitle = t\nexpect = attack-succeeded\nteaching = x\n\n[alice]\n\n[bob]\n\n[mallory]\n"
		   "attack = relay\ntamper = a=>b\n",
		   12, "[mallory] tamper: only with attack = dh-mitm");
	refused_at("93-bob-sign-no-key.ini",
		   "[scenario]\ntitle = t\nexpect = confidential\nteaching = x\n\n[alice]\n\n[bob]\nauth = none,sign\n",
		   9, "[bob] auth: signed mode needs bob's own key");
	refused_at("94-strip-sniffing.ini",
		   "[scenario]\ntitle = t\nexpect = confidential\nteaching = x\n\n[alice]\n\n[bob]\n\n[mallory]\n"
		   "sniff = yes\nstrip-auth = yes\n",
		   12, "[mallory] strip-auth: only with attack = dh-mitm");
}

/* list: the columns after the name line up whatever the names' lengths;
 * show on a file outside the catalog prints a run command for that file. */
static void test_list_columns_and_show_by_path(void **state)
{
	(void)state;
	const char *list[] = {"mitmlab", "list", NULL};
	assert_int_equal(run(list, out, sizeof out), 0);
	long col = -1;
	size_t rows = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *net = strstr(line, " switch ");
		if (!net)
			net = strstr(line, " hub ");
		assert_non_null(net);
		/* the network column starts at the same offset in every row */
		long c = (long)(net - line);
		if (col < 0)
			col = c;
		if (c != col)
			fail_msg("list: the network column moves (%ld, then %ld) at: %s", col, c, line);
		rows++;
	}
	assert_true(rows >= 25);

	char dir[] = "/tmp/mlab-cli-XXXXXX", path[256], want[300];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/42-my-own-lesson.ini", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("[scenario]\ntitle = mine\nexpect = confidential\nteaching = x\n\n[alice]\nsend = hi\n\n[bob]\n", f);
	fclose(f);
	const char *show[] = {"mitmlab", "show", path, NULL};
	assert_int_equal(run(show, out, sizeof out), 0);
	snprintf(want, sizeof want, "Run it:  mitmlab run '%s'\n", path);
	if (!strstr(out, want))
		fail_msg("show by path does not print \"%s\":\n%s", want, out);
	const char *show_cat[] = {"mitmlab", "show", "06", NULL}; /* from the catalog: by name */
	assert_int_equal(run(show_cat, out, sizeof out), 0);
	assert_non_null(strstr(out, "Run it:  mitmlab run 06-dh-mitm\n"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_bash_completion),
	    cmocka_unit_test(test_unknown_option_is_usage_error),
	    cmocka_unit_test(test_attack_and_defense_options_checked),
	    cmocka_unit_test(test_sign_needs_keys),
	    cmocka_unit_test(test_trust_options_checked),
	    cmocka_unit_test(test_contradicting_options_refused_at_load),
	    cmocka_unit_test(test_list_columns_and_show_by_path),
	    cmocka_unit_test(test_connect_refused_is_network_error),
	    cmocka_unit_test(test_keygen_writes_pair_and_refuses_overwrite),
	    cmocka_unit_test(test_mallory_refuses_outside_the_lab),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
