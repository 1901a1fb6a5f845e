/* The Wireshark dissector tools/wireshark/mitmlab.lua, through tshark: its
 * alert names against lib/mlab_err.h, a made-up capture with frames split
 * across segments and several in one segment (on port 4433 and, through the
 * heuristic, on another port), and the captures of real lab runs (every
 * payload decoded, and the fields each scenario is about). Skipped when
 * tshark is not installed. Traffic stays in the namespaces the lab makes. */
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

#include "mlab_err.h"
#include "proc.h"

static char out[1 << 18];

/* argv with stdout+stderr captured (proc_exec); its exit status. */
static int run_cmd(const char *const *argv, char *buf, size_t len)
{
	int rc = proc_exec(argv, buf, len);
	assert_true(rc >= 0);
	return rc;
}

static const char *script(void)
{
	static char path[4096];
	return proc_src("tools/wireshark/mitmlab.lua", path, sizeof path);
}

/* tshark -r PCAP -X lua_script:mitmlab.lua with sequence analysis off, then
 * the further arguments up to a NULL; its output (without the "Running as
 * root" warning) in out. Fails on a Lua error or a malformed message. */
static void tshark(const char *pcap, ...)
{
	char x[4200];
	const char *argv[16] = {"tshark", "-r", pcap, "-X", x, "-o", "tcp.analyze_sequence_numbers:FALSE"};
	size_t n = 7;
	va_list ap;
	va_start(ap, pcap);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 15;)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	snprintf(x, sizeof x, "lua_script:%s", script());
	int rc = run_cmd(argv, out, sizeof out);
	char *w = strstr(out, "Running as user");
	if (w) { /* tshark's warning as root: drop its line */
		char *nl = strchr(w, '\n');
		char *rest = nl ? nl + 1 : w + strlen(w);
		memmove(w, rest, strlen(rest) + 1);
	}
	if (rc != 0 || strstr(out, "Lua Error") || strstr(out, "Malformed"))
		fail_msg("tshark -r %s %s %s exited %d:\n%s", pcap, n > 8 ? argv[7] : "", n > 8 ? argv[8] : "", rc,
			 out);
}

static int have_tshark(void)
{
	const char *argv[] = {"tshark", "--version", NULL};
	return run_cmd(argv, out, sizeof out) == 0;
}

/* Every alert name in the dissector's table is mlab_err_name of the negated
 * code, and the table has no entry past the last code. */
static void test_alert_names_match(void **state)
{
	(void)state;
	FILE *f = fopen(script(), "r");
	assert_non_null(f);
	static char lua[1 << 17];
	size_t n = fread(lua, 1, sizeof lua - 1, f);
	fclose(f);
	lua[n] = '\0';
	char *table = strstr(lua, "local alert_names = {");
	assert_non_null(table);
	char *end = strstr(table, "\n}");
	assert_non_null(end);
	*end = '\0';
	int code = 1;
	for (; strcmp(mlab_err_name(-code), "unknown-error") != 0; code++) {
		char want[128];
		snprintf(want, sizeof want, "[%d] = \"%s\",", code, mlab_err_name(-code));
		if (!strstr(table, want))
			fail_msg("mitmlab.lua's alert_names lacks %s (lib/mlab_err.h)", want);
	}
	char extra[32];
	snprintf(extra, sizeof extra, "[%d] =", code);
	if (strstr(table, extra))
		fail_msg("mitmlab.lua's alert_names has %s, past the last code of lib/mlab_err.h", extra);
	assert_true(code > 50);
}

/* A minimal pcap writer: Ethernet, IPv4, TCP. */
static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void pcap_packet(FILE *f, int to_server, unsigned cport, unsigned sport, uint32_t seq, uint32_t ack,
			const uint8_t *data, size_t len)
{
	static unsigned no;
	uint8_t p[1600] = {0};
	size_t total = 14 + 20 + 20 + len;
	assert_true(total <= sizeof p);
	const uint8_t mac_c[6] = {2, 0, 0, 0, 0, 0x0a}, mac_s[6] = {2, 0, 0, 0, 0, 0x0b};
	memcpy(p, to_server ? mac_s : mac_c, 6);
	memcpy(p + 6, to_server ? mac_c : mac_s, 6);
	put16(p + 12, 0x0800);
	uint8_t *ip = p + 14;
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(total - 14));
	put16(ip + 4, ++no);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, to_server ? 0x0a00000a : 0x0a000014);
	put32(ip + 16, to_server ? 0x0a000014 : 0x0a00000a);
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
	uint8_t *tcp = ip + 20;
	put16(tcp, to_server ? cport : sport);
	put16(tcp + 2, to_server ? sport : cport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* PSH, ACK */
	put16(tcp + 14, 64240);
	memcpy(tcp + 20, data, len);
	uint8_t rec[16] = {0};
	put32(rec, 1700000000 + no);
	put32(rec + 8, (uint32_t)total);
	put32(rec + 12, (uint32_t)total);
	assert_int_equal(fwrite(rec, 1, 16, f), 16);
	assert_int_equal(fwrite(p, 1, total, f), total);
}

static size_t frame(uint8_t *at, uint8_t type, const uint8_t *body, size_t len)
{
	at[0] = type;
	put32(at + 1, (uint32_t)len);
	memcpy(at + 5, body, len);
	return 5 + len;
}

/* One exchange on (cport, sport): the ClientHello (with a kinds list) split in
 * two segments; the ServerHello (cipher none, kind transport) and the first 10
 * bytes of a record in one segment; the rest of the record and an Alert in the
 * next. */
static void write_exchange(FILE *f, unsigned cport, unsigned sport)
{
	uint8_t ch[64], sh[64], rec[64], al[2] = {0, 28}, c[128], s[256];
	size_t n = 0;
	ch[n++] = 1;
	memset(ch + n, 0x11, 32);
	n += 32;
	const uint8_t offers[] = {0, 1, 1, 1, 0x00, 0x1d, 1, 3, 1, 3};
	memcpy(ch + n, offers, sizeof offers);
	n += sizeof offers;
	size_t cl = frame(c, 1, ch, n);
	n = 0;
	sh[n++] = 1;
	memset(sh + n, 0x22, 32);
	n += 32;
	const uint8_t chosen[] = {0, 1, 0x00, 0x1d, 3, 3};
	memcpy(sh + n, chosen, sizeof chosen);
	n += sizeof chosen;
	size_t sl = frame(s, 2, sh, n);
	memset(rec, 0, 8);
	rec[8] = 1;
	memcpy(rec + 9, "split secret", 12);
	size_t rl = frame(s + sl, 6, rec, 21);
	size_t al_len = frame(s + sl + rl, 7, al, sizeof al);
	pcap_packet(f, 1, cport, sport, 1000, 5000, c, 20);
	pcap_packet(f, 1, cport, sport, 1020, 5000, c + 20, cl - 20);
	pcap_packet(f, 0, cport, sport, 5000, 1000 + (uint32_t)cl, s, sl + 10);
	pcap_packet(f, 0, cport, sport, 5000 + (uint32_t)(sl + 10), 1000 + (uint32_t)cl, s + sl + 10, rl - 10 + al_len);
}

static void test_made_up_capture(void **state)
{
	(void)state;
	char dir[] = "/tmp/mlab-ws-XXXXXX", pcap[64];
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof pcap, "%s/made-up.pcap", dir);
	FILE *f = fopen(pcap, "wb");
	assert_non_null(f);
	uint8_t hdr[24] = {0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4};
	put32(hdr + 16, 65535);
	put32(hdr + 20, 1); /* Ethernet */
	assert_int_equal(fwrite(hdr, 1, sizeof hdr, f), sizeof hdr);
	write_exchange(f, 40000, 4433);
	write_exchange(f, 40001, 5555); /* not the port: found by the heuristic */
	assert_int_equal(fclose(f), 0);

	for (int port = 0; port < 2; port++) {
		char filter[64];
		snprintf(filter, sizeof filter, "tcp.port == %d", port ? 5555 : 4433);
		tshark(pcap, "-Y", filter, "-T", "fields", "-e", "mitmlab.type", NULL);
		/* segments: half a ClientHello, the rest, ServerHello + part of a
		 * Record, the rest of it + Alert */
		if (strcmp(out, "\n1\n2\n6,7\n") != 0)
			fail_msg("%s: expected the ClientHello and the Record reassembled, the Alert after the "
				 "Record:\n%s",
				 filter, out);
		tshark(pcap, "-Y", filter, "-T", "fields", "-e", "mitmlab.data", "-e", "mitmlab.alert_name", NULL);
		if (!strstr(out, "split secret") || !strstr(out, "signature-invalid"))
			fail_msg("%s: expected the cipher-none record's data and the alert's name:\n%s", filter, out);
		tshark(pcap, "-Y", filter, "-T", "fields", "-e", "mitmlab.kind", "-e", "mitmlab.cipher", NULL);
		if (strcmp(out, "\t\n3\t3\n3\t3\n\t\n") != 0)
			fail_msg("%s: expected the ClientHello's kinds and the ServerHello's kind and cipher:\n%s",
				 filter, out);
	}
	unlink(pcap);
	rmdir(dir);
}

/* Runs a scenario (once: a later call reuses its capture) and leaves its
 * capture's path in pcap. */
static void run_scenario(const char *name, char *pcap, size_t len)
{
	char bin[4096], dir[256];
	static char base[] = "/tmp/mlab-ws-XXXXXX";
	if (base[sizeof base - 2] == 'X') {
		assert_non_null(mkdtemp(base));
		chmod(base, 0755);
	}
	snprintf(dir, sizeof dir, "%s/%s", base, name);
	snprintf(pcap, len, "%s/wire.pcap", dir);
	if (access(pcap, R_OK) == 0)
		return;
	const char *argv[] = {proc_bin("mitmlab", bin, sizeof bin), "run", name, "--headless", "--out", dir, NULL};
	int rc = run_cmd(argv, out, sizeof out);
	if (rc != 0)
		fail_msg("mitmlab run %s exited %d:\n%s", name, rc, out);
	snprintf(pcap, len, "%s/wire.pcap", dir);
}

/* Every TCP payload on port 4433 is decoded, and the field the scenario is
 * about has the expected value. Sequence analysis is off so that mallory's
 * rewritten copies, which reuse the segments' sequence numbers, are decoded
 * too instead of being taken for retransmissions. */
static void test_scenario(void **state)
{
	const char *const *t = *state; /* name, display filter, fields, expected substring */
	char pcap[300];
	run_scenario(t[0], pcap, sizeof pcap);
	tshark(pcap, "-Y", "tcp.port == 4433 && tcp.len > 0 && !mitmlab", NULL);
	if (out[0] != '\0')
		fail_msg("%s: payloads left undecoded:\n%s", t[0], out);
	tshark(pcap, "-Y", "mitmlab", NULL);
	if (!strstr(out, "ClientHello") || !strstr(out, "Finished") || !strstr(out, "Record"))
		fail_msg("%s: expected the handshake and records:\n%s", t[0], out);
	tshark(pcap, "-Y", t[1], "-T", "fields", "-e", t[2], NULL);
	if (!strstr(out, t[3]))
		fail_msg("%s: -Y '%s' -e %s: expected %s in:\n%s", t[0], t[1], t[2], t[3], out);
}

static const char *const s01[] = {"01-baseline", "mitmlab.share", "mitmlab.group", "0x001d"};
static const char *const s02[] = {"02-sniff-plaintext-hub", "mitmlab.content == 1", "mitmlab.data", "hello bob"};
static const char *const s06[] = {"06-dh-mitm", "mitmlab.share_len == 32", "mitmlab.share", "\n"};
static const char *const s19[] = {"19-malicious-g-1", "mitmlab.group == 0xfe00 && mitmlab.p_len == 256", "mitmlab.g",
				  "0001\n"};
static const char *const s26[] = {"26-cert-baseline", "mitmlab.cert", "mitmlab.cert_count", "2"};
static const char *const s39[] = {"39-transport-baseline", "mitmlab.premaster_len == 256", "mitmlab.type", "9"};

/* In a relayed session alice and bob each see mallory's share, not the other's:
 * four distinct shares on the wire. */
static void test_mitm_shares(void **state)
{
	(void)state;
	char pcap[300];
	run_scenario("06-dh-mitm", pcap, sizeof pcap);
	tshark(pcap, "-Y", "mitmlab.share", "-T", "fields", "-e", "mitmlab.share", NULL);
	char *lines[16];
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && n < 16; l = strtok_r(NULL, "\n", &save)) {
		size_t i = 0;
		while (i < n && strcmp(lines[i], l) != 0)
			i++;
		if (i == n)
			lines[n++] = l;
	}
	if (n < 4)
		fail_msg("06-dh-mitm: expected 4 distinct shares (alice, bob, mallory's two), got %zu", n);
}

int main(void)
{
	if (!have_tshark()) { /* a missing tool is a failure, never a skipped test */
		fprintf(stderr, "test_dissector: tshark is not installed: run tools/install-deps.sh\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alert_names_match),
	    cmocka_unit_test(test_made_up_capture),
	    {"01-baseline: x25519 share", test_scenario, NULL, NULL, (void *)s01},
	    {"02-sniff-plaintext-hub: hello bob in clear", test_scenario, NULL, NULL, (void *)s02},
	    {"06-dh-mitm: shares", test_scenario, NULL, NULL, (void *)s06},
	    {"19-malicious-g-1: explicit p, g = 1", test_scenario, NULL, NULL, (void *)s19},
	    {"26-cert-baseline: two certificates", test_scenario, NULL, NULL, (void *)s26},
	    {"39-transport-baseline: encrypted premaster", test_scenario, NULL, NULL, (void *)s39},
	    cmocka_unit_test(test_mitm_shares),
	};
	return cmocka_run_group_tests_name("dissector", tests, NULL, NULL);
}
