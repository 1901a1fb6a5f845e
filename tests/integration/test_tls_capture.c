/* The TLS lessons' captures, read by Wireshark's own TLS dissector through
 * tshark (code nobody here wrote): each run's wire.pcapng, one interface per
 * switch port, split into alice's and bob's ports, then decrypted with the
 * run's key logs (-o tls.keylog_file). 50: alice's plaintext on both legs
 * and mallory's change on bob's only, with the peers' keys.log and with
 * mallory's own; nothing without a key log. 51: nothing of alice's reaches
 * bob. 54: the hello that left alice offers TLS 1.3, the one bob got does
 * not, and bob's ServerHello random ends with RFC 8446's sentinel. 55 and
 * 56, recorded on a hub: bob's leaked RSA key opens TLS 1.2's key
 * transport (and nothing without it), not TLS 1.3. Fails
 * when tshark is not installed. Traffic stays in the namespaces the lab
 * makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"

static char out[1 << 17];
static char base[] = "/tmp/mlab-tlscap-XXXXXX";

/* tshark with the given arguments (NULL-terminated); its output in out. */
static void tshark(const char *first, ...)
{
	const char *argv[24] = {"tshark", first};
	size_t n = 2;
	va_list ap;
	va_start(ap, first);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 23;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	int rc = proc_exec(argv, out, sizeof out);
	if (rc != 0)
		fail_msg("tshark %s ... exited %d:\n%s", first, rc, out);
}

/* The run directory of scenario name (run once per suite). */
static const char *run(const char *name)
{
	static char dir[320];
	char bin[4096], pcapng[400];
	if (base[sizeof base - 2] == 'X') {
		assert_non_null(mkdtemp(base));
		chmod(base, 0755);
	}
	snprintf(dir, sizeof dir, "%s/%s", base, name);
	snprintf(pcapng, sizeof pcapng, "%s/wire.pcapng", dir);
	if (access(pcapng, R_OK) == 0)
		return dir;
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "run", name, "--headless", "--out", dir, NULL};
	int rc = proc_exec(argv, out, sizeof out);
	if (rc != 0 && rc != 1) /* 1: the verdict differs from attack-succeeded; the test looks itself */
		fail_msg("mitmlab run %s exited %d:\n%s", name, rc, out);
	return dir;
}

/* dir/wire.pcapng's frames at one switch port, as dir/port.pcapng. */
static const char *port_of(const char *dir, const char *port, char *path, size_t len)
{
	char in[400], filter[64];
	snprintf(in, sizeof in, "%s/wire.pcapng", dir);
	snprintf(path, len, "%s/%s.pcapng", dir, port);
	snprintf(filter, sizeof filter, "frame.interface_name == \"%s\"", port);
	if (access(path, R_OK) != 0)
		tshark("-r", in, "-Y", filter, "-w", path, NULL);
	return path;
}

/* The decrypted application data of the capture's first TLS stream, as
 * tshark's "follow tls" prints it (one line a record), with keylog (or
 * none: NULL). */
static void follow(const char *pcap, const char *keylog)
{
	char opt[420];
	snprintf(opt, sizeof opt, "tls.keylog_file:%s", keylog ? keylog : "");
	tshark("-r", pcap, "-o", opt, "-q", "-z", "follow,tls,ascii,0", NULL);
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static void both_legs(const char *keys)
{
	const char *dir = run("50-tls-intercept-insecure");
	char a[400], b[400], kl[400];
	snprintf(kl, sizeof kl, "%s/%s", dir, keys);
	follow(port_of(dir, "alice", a, sizeof a), kl);
	if (!has_line(out, "hello bob") || !has_line(out, "transfer 100 to carol") ||
	    !has_line(out, "bob got: transfer 9999 to carol") || has_line(out, "transfer 9999 to carol"))
		fail_msg("50, alice's port with %s: expected what alice sent and bob's answer:\n%s", keys, out);
	follow(port_of(dir, "bob", b, sizeof b), kl);
	if (!has_line(out, "hello bob") || !has_line(out, "transfer 9999 to carol") ||
	    has_line(out, "transfer 100 to carol"))
		fail_msg("50, bob's port with %s: expected mallory's transfer 9999 only:\n%s", keys, out);
}

static void test_intercepted_peers_keylog(void **state)
{
	(void)state;
	both_legs("keys.log");
}

/* She holds both legs' secrets: her own log opens both. */
static void test_intercepted_mallory_keylog(void **state)
{
	(void)state;
	both_legs("mallory-keys.log");
}

/* Without a key log Wireshark reads nothing: the records are encrypted. */
static void test_intercepted_without_keylog(void **state)
{
	(void)state;
	char a[400];
	const char *dir = run("50-tls-intercept-insecure");
	follow(port_of(dir, "alice", a, sizeof a), NULL);
	if (strstr(out, "hello bob") || strstr(out, "transfer"))
		fail_msg("50 without a key log: plaintext visible:\n%s", out);
}

/* 51: alice refuses mallory's certificate: no application data of hers
 * ever reaches bob's port, with every key log of the run. */
static void test_refused_nothing_reaches_bob(void **state)
{
	(void)state;
	char b[400], kl[400];
	const char *dir = run("51-tls-intercept-verified");
	snprintf(kl, sizeof kl, "%s/keys.log", dir);
	follow(port_of(dir, "bob", b, sizeof b), kl);
	if (strstr(out, "hello bob"))
		fail_msg("51: alice's message on bob's port:\n%s", out);
}

/* 54: mallory's rewrite, and bob's answer, as Wireshark reads them. */
static void test_downgrade_on_the_wire(void **state)
{
	(void)state;
	char a[400], b[400];
	const char *dir = run("54-tls-version-downgrade");
	port_of(dir, "alice", a, sizeof a);
	port_of(dir, "bob", b, sizeof b);
	tshark("-r", a, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e",
	       "tls.handshake.extensions.supported_version", NULL);
	if (!strstr(out, "0x0304"))
		fail_msg("54: alice's ClientHello does not offer TLS 1.3:\n%s", out);
	tshark("-r", b, "-Y", "tls.handshake.type == 1", "-T", "fields", "-e",
	       "tls.handshake.extensions.supported_version", "-e", "tls.handshake.version", NULL);
	if (strstr(out, "0x0304") || !strstr(out, "0x0303"))
		fail_msg("54: bob's ClientHello still offers TLS 1.3:\n%s", out);
	tshark("-r", b, "-Y", "tls.handshake.type == 2", "-T", "fields", "-e", "tls.handshake.version", "-e",
	       "tls.handshake.random", NULL);
	if (!strstr(out, "0x0303\t") || !strstr(out, "444f574e47524401\n")) /* "DOWNGRD" 01 */
		fail_msg("54: bob's ServerHello is not TLS 1.2 with the sentinel:\n%s", out);
	tshark("-r", a, "-Y", "tls.alert_message && ip.src == 10.0.0.10", "-T", "fields", "-e",
	       "tls.alert_message.desc", NULL);
	if (!has_line(out, "47")) /* illegal_parameter, RFC 8446 section 4.1.3 */
		fail_msg("54: alice did not send illegal_parameter:\n%s", out);
}

/* tshark alone, with bob's leaked RSA key (uat:rsa_keys), on a hub
 * recording (one leg): what it opens of the first stream. */
static void follow_rsa(const char *scenario)
{
	char pcap[400], key[4096], uat[4200];
	const char *dir = run(scenario);
	snprintf(pcap, sizeof pcap, "%s/wire.pcap", dir);
	snprintf(uat, sizeof uat, "uat:rsa_keys:\"%s\",\"\"", proc_bin("keys/bob-rsa.key", key, sizeof key));
	tshark("-r", pcap, "-o", uat, "-q", "-z", "follow,tls,ascii,0", NULL);
}

/* 55: TLS 1.2 with RSA key transport, recorded: the key opens it all. */
static void test_rsa_leak_opens_tls12(void **state)
{
	(void)state;
	follow_rsa("55-tls12-rsa-leak");
	if (!has_line(out, "transfer 100 to carol") || !has_line(out, "bob got: hello bob"))
		fail_msg("55: bob's RSA key does not open the recording:\n%s", out);
	char pcap[400];
	snprintf(pcap, sizeof pcap, "%s/wire.pcap", run("55-tls12-rsa-leak"));
	follow(pcap, NULL); /* and without it, nothing */
	if (strstr(out, "transfer"))
		fail_msg("55 without the key: plaintext visible:\n%s", out);
}

/* 56: the same key against TLS 1.3: nothing opens (forward secrecy). */
static void test_rsa_leak_closed_tls13(void **state)
{
	(void)state;
	follow_rsa("56-tls13-rsa-leak");
	if (strstr(out, "hello bob") || strstr(out, "transfer"))
		fail_msg("56: bob's RSA key opened TLS 1.3:\n%s", out);
}

/* mallory --decrypt --proto tls refuses what it cannot read, with the
 * documented exit status (2 usage, 3 the capture or tshark) and a sentence
 * that says what to do. */
static void test_decrypt_failures(void **state)
{
	(void)state;
	char pcap[400], mallory[400], key[400];
	snprintf(pcap, sizeof pcap, "%s/wire.pcap", run("55-tls12-rsa-leak"));
	proc_bin("keys/bob-rsa.key", key, sizeof key);
	const char *missing[] = {"mallory", "--decrypt", "/nonexistent/wire.pcap", "--proto", "tls", NULL};
	int rc = proc_run(missing, out, sizeof out);
	if (rc != 3 || !strstr(out, "No such file"))
		fail_msg("a missing capture: exit %d (want 3):\n%s", rc, out);
	const char *not_pem[] = {"mallory", "--decrypt", pcap, "--proto", "tls", "--key", pcap, NULL};
	rc = proc_run(not_pem, out, sizeof out);
	if (rc != 2 || !strstr(out, "cannot read a PEM private key"))
		fail_msg("a capture as the key: exit %d (want 2):\n%s", rc, out);
	const char *no_tshark[] = {"env",
				   "PATH=/nonexistent",
				   proc_bin("mallory", mallory, sizeof mallory),
				   "--decrypt",
				   pcap,
				   "--proto",
				   "tls",
				   "--key",
				   key,
				   NULL};
	rc = proc_exec(no_tshark, out, sizeof out);
	if (rc != 3 || !strstr(out, "tshark is not installed"))
		fail_msg("without tshark in PATH: exit %d (want 3):\n%s", rc, out);
}

static int have_tshark(void)
{
	const char *argv[] = {"tshark", "--version", NULL};
	return proc_exec(argv, out, sizeof out) == 0;
}

int main(void)
{
	if (!have_tshark()) {
		fprintf(stderr, "tshark is not installed (tools/install-deps.sh installs it)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intercepted_peers_keylog),   cmocka_unit_test(test_intercepted_mallory_keylog),
	    cmocka_unit_test(test_intercepted_without_keylog), cmocka_unit_test(test_refused_nothing_reaches_bob),
	    cmocka_unit_test(test_downgrade_on_the_wire),      cmocka_unit_test(test_rsa_leak_opens_tls12),
	    cmocka_unit_test(test_rsa_leak_closed_tls13),      cmocka_unit_test(test_decrypt_failures),
	};
	int r = cmocka_run_group_tests_name("tls_capture", tests, NULL, NULL);
	const char *rm[] = {"rm", "-rf", base, NULL};
	if (base[sizeof base - 2] != 'X' && proc_exec(rm, out, sizeof out) != 0)
		fprintf(stderr, "could not remove %s\n", base);
	return r;
}
