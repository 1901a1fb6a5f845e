/* --proto tls against code nobody here wrote, over 127.0.0.1: bob with
 * `openssl s_client` (which verifies bob.lab's chain itself), alice with
 * `openssl s_server -rev` (whose chain alice checks with the lab's checks),
 * and bob with alice: the same key id on both sides, both TLS versions, the
 * lab's certificate checks stopping a chain under another root, the SPKI pin,
 * and SSLKEYLOGFILE lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "proc.h"

#define T_MS 15000

static char out[1 << 16];

static const char *pki(const char *name, char *buf, size_t n)
{
	char bin[4096];
	snprintf(buf, n, "%s/keys/%s", proc_bin("", bin, sizeof bin), name);
	return buf;
}

/* bob --proto tls on an ephemeral port; returns the port. */
static unsigned start_bob(struct proc *bob, const char *chain, const char *key, const char *keylog)
{
	char c[4200], k[4200];
	const char *argv[20] = {"bob",
				"--proto",
				"tls",
				"--listen",
				"127.0.0.1:0",
				"--max-conns",
				"1",
				"--cert",
				pki(chain, c, sizeof c),
				"--key",
				pki(key, k, sizeof k),
				"--timeout",
				"5"};
	size_t n = 13;
	if (keylog) {
		argv[n++] = "--keylog";
		argv[n++] = keylog;
	}
	argv[n] = NULL;
	assert_int_equal(proc_start(bob, argv), 0);
	json_t *ev = proc_wait_event(bob, "listening", T_MS);
	assert_non_null(ev);
	return (unsigned)json_integer_value(json_object_get(ev, "port"));
}

/* alice --proto tls to port with extra flags; her exit status. */
static int run_alice(struct proc *alice, unsigned port, const char *const *extra)
{
	char addr[32], ca[4200];
	const char *argv[30] = {
	    "alice", "--proto", "tls", "--connect", addr, "--ca", pki("pki/root.pem", ca, sizeof ca), "--timeout", "5"};
	size_t n = 9;
	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	assert_int_equal(proc_start(alice, argv), 0);
	return proc_wait(alice, T_MS);
}

static const char *key_id(const struct proc *p)
{
	return proc_str(proc_event(p, "handshake-done", 0), "key_id");
}

static void agree(const char *version)
{
	struct proc bob, alice;
	const char *extra[] = {"--tls-version", version, "--send", "transfer 100 to carol", NULL};
	unsigned port = start_bob(&bob, "pki/bob.chain.pem", "bob.key", NULL);
	assert_int_equal(run_alice(&alice, port, extra), 0);
	assert_int_equal(proc_wait(&bob, T_MS), 0);
	assert_int_equal(strlen(key_id(&alice)), 8);
	assert_string_equal(key_id(&alice), key_id(&bob));
	assert_string_equal(proc_str(proc_event(&alice, "handshake-done", 0), "version"),
			    strcmp(version, "1.2") == 0 ? "TLSv1.2" : "TLSv1.3");
	assert_string_equal(proc_str(proc_event(&bob, "message-received", 0), "text"), "transfer 100 to carol");
	assert_int_equal(proc_count(&alice, "cert-check"), 4);
	proc_free(&alice);
	proc_free(&bob);
}

static void test_alice_bob_tls13(void **state)
{
	(void)state;
	agree("1.3");
}

static void test_alice_bob_tls12(void **state)
{
	(void)state;
	agree("1.2");
}

/* OpenSSL's own client verifies bob's chain and hostname and talks to him. */
static void test_s_client_to_bob(void **state)
{
	(void)state;
	struct proc bob;
	char cmd[9000], ca[4200];
	unsigned port = start_bob(&bob, "pki/bob.chain.pem", "bob.key", NULL);
	snprintf(cmd, sizeof cmd,
		 "printf 'hello from openssl\\n' | timeout 10 openssl s_client -connect 127.0.0.1:%u -CAfile '%s' "
		 "-verify_hostname bob.lab -verify_return_error -servername bob.lab -quiet",
		 port, pki("pki/root.pem", ca, sizeof ca));
	const char *argv[] = {"sh", "-c", cmd, NULL};
	int rc = proc_exec(argv, out, sizeof out);
	if (!strstr(out, "bob got: hello from openssl") || !strstr(out, "verify return:1"))
		fail_msg("s_client (status %d) did not verify bob and get his answer:\n%s", rc, out);
	proc_wait(&bob, T_MS);
	assert_string_equal(proc_str(proc_event(&bob, "handshake-done", 0), "version"), "TLSv1.3");
	assert_string_equal(proc_str(proc_event(&bob, "message-received", 0), "text"), "hello from openssl\n");
	proc_free(&bob);
}

static unsigned free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &l), 0);
	close(s);
	return ntohs(a.sin_port);
}

/* alice checks OpenSSL's server's chain with the lab's checks; s_server -rev
 * answers each line reversed. */
static void test_alice_to_s_server(void **state)
{
	(void)state;
	char crt[4200], key[4200], inter[4200], port_s[16];
	unsigned port = free_port();
	snprintf(port_s, sizeof port_s, "127.0.0.1:%u", port);
	const char *argv[] = {"openssl",
			      "s_server",
			      "-accept",
			      port_s,
			      "-naccept",
			      "1",
			      "-rev",
			      "-cert",
			      pki("pki/bob.crt", crt, sizeof crt),
			      "-key",
			      pki("bob.key", key, sizeof key),
			      "-cert_chain",
			      pki("pki/inter.pem", inter, sizeof inter),
			      NULL};
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "r", stdin);
		execvp("openssl", (char *const *)argv);
		_exit(127);
	}
	struct proc alice;
	const char *extra[] = {"--send", "hello bob\n", NULL};
	int rc = 1;
	for (int i = 0; i < 50 && rc != 0; i++) { /* until s_server listens */
		usleep(100000);
		rc = run_alice(&alice, port, extra);
		if (rc != 0 && proc_count(&alice, "connected") == 0) {
			proc_free(&alice);
			continue;
		}
		break;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(proc_str(proc_event(&alice, "message-received", 0), "text"), "bob olleh\n");
	assert_int_equal(proc_count(&alice, "cert-check"), 4);
	proc_free(&alice);
	int st;
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

/* A chain under the rogue root: alice's cert-issuer, bob gets the alert. */
static void test_rogue_chain_refused(void **state)
{
	(void)state;
	struct proc bob, alice;
	unsigned port = start_bob(&bob, "pki/rogue-bob.chain.pem", "mallory.key", NULL);
	const char *extra[] = {"--send", "x", NULL};
	assert_int_not_equal(run_alice(&alice, port, extra), 0);
	proc_wait(&bob, T_MS);
	json_t *err = proc_event(&alice, "error", 0);
	assert_string_equal(proc_str(err, "error"), "cert-issuer");
	assert_null(proc_event(&alice, "handshake-done", 0));
	assert_string_equal(proc_str(proc_event(&bob, "error", 0), "error"), "peer-alert");
	proc_free(&alice);
	proc_free(&bob);
}

/* --pin-spki with bob's real key passes; one bit off is pinned-key-mismatch. */
static void test_pin(void **state)
{
	(void)state;
	char crt[4200], cmd[9000];
	snprintf(cmd, sizeof cmd,
		 "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -r",
		 pki("pki/bob.crt", crt, sizeof crt));
	const char *sh[] = {"sh", "-c", cmd, NULL};
	assert_int_equal(proc_exec(sh, out, sizeof out), 0);
	char pin[65];
	memcpy(pin, out, 64);
	pin[64] = '\0';
	struct proc bob, alice;
	unsigned port = start_bob(&bob, "pki/bob.chain.pem", "bob.key", NULL);
	const char *good[] = {"--pin-spki", pin, "--send", "x", NULL};
	assert_int_equal(run_alice(&alice, port, good), 0);
	proc_wait(&bob, T_MS);
	proc_free(&alice);
	proc_free(&bob);
	pin[0] = pin[0] == '0' ? '1' : '0';
	port = start_bob(&bob, "pki/bob.chain.pem", "bob.key", NULL);
	assert_int_not_equal(run_alice(&alice, port, good), 0);
	proc_wait(&bob, T_MS);
	assert_string_equal(proc_str(proc_event(&alice, "error", 0), "error"), "pinned-key-mismatch");
	proc_free(&alice);
	proc_free(&bob);
}

/* Both sides' SSLKEYLOGFILE lines, for tshark. */
static void test_keylog(void **state)
{
	(void)state;
	char path[] = "/tmp/mlab-tls-keys-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct proc bob, alice;
	unsigned port = start_bob(&bob, "pki/bob.chain.pem", "bob.key", path);
	const char *extra[] = {"--keylog", path, "--send", "x", NULL};
	assert_int_equal(run_alice(&alice, port, extra), 0);
	proc_wait(&bob, T_MS);
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof line, f))
		n += strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0 ||
		     strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0;
	if (f)
		fclose(f);
	unlink(path);
	assert_int_equal(n, 4); /* each side writes both directions' secrets */
	proc_free(&alice);
	proc_free(&bob);
}

/* The lab protocol's own options are refused with --proto tls, clearly. */
static void test_lab_options_refused(void **state)
{
	(void)state;
	const char *argv[] = {"alice", "--proto", "tls", "--auth", "sign", NULL};
	assert_int_equal(proc_run(argv, out, sizeof out), 2);
	assert_non_null(strstr(out, "--proto tls authenticates bob by certificate only"));
	const char *argv2[] = {"alice", "--proto", "tls", "--insecure", "--groups", "lab-48", NULL};
	assert_int_equal(proc_run(argv2, out, sizeof out), 2);
	assert_non_null(strstr(out, "lab's weak groups"));
	const char *argv3[] = {"alice", "--pin-spki", "00", NULL};
	assert_int_equal(proc_run(argv3, out, sizeof out), 2);
	const char *argv4[] = {"bob", "--proto", "quic", NULL};
	assert_int_equal(proc_run(argv4, out, sizeof out), 2);
	assert_non_null(strstr(out, "expected lab or tls"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alice_bob_tls13),
	    cmocka_unit_test(test_alice_bob_tls12),
	    cmocka_unit_test(test_s_client_to_bob),
	    cmocka_unit_test(test_alice_to_s_server),
	    cmocka_unit_test(test_rogue_chain_refused),
	    cmocka_unit_test(test_pin),
	    cmocka_unit_test(test_keylog),
	    cmocka_unit_test(test_lab_options_refused),
	};
	return cmocka_run_group_tests_name("tls-interop", tests, NULL, NULL);
}
