/* The Wireshark dissector tools/wireshark/mitmlab.lua, through tshark: its
 * alert names against lib/mlab_err.h, a made-up capture with frames split
 * across segments and several in one segment (on port 4433 and, through the
 * heuristic, on another port), and the captures of real lab runs (every
 * payload decoded, and the fields each scenario is about); decryption with
 * the runs' key logs (through its crypto module, and without it), hostile key
 * logs, and the expert infos on shares and downgrades (real runs, and a
 * made-up capture of every out-of-range share against lib/mlab_group.c's
 * primes). Fails when tshark is not installed. Traffic stays in the
 * namespaces the lab makes. */
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
#include <openssl/bn.h>
#include <openssl/evp.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_kex.h"
#include "mlab_record.h"
#include "mlab_wire.h"
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
	const char *argv[32] = {"tshark", "-r", pcap, "-X", x, "-o", "tcp.analyze_sequence_numbers:FALSE"};
	size_t n = 7;
	va_list ap;
	va_start(ap, pcap);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 31;)
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
static const char *const s57[] = {"57-pq-hybrid", "mitmlab.share_len == 1216", "mitmlab.group", "0x11ec"};

/* 57: the hybrid's two parts, each its own field, on each side's share:
 * bob's encapsulation key and alice's ciphertext, each with its X25519 part. */
static void test_hybrid_parts(void **state)
{
	(void)state;
	char pcap[300];
	run_scenario("57-pq-hybrid", pcap, sizeof pcap);
	tshark(pcap, "-Y", "mitmlab.share_kem", "-V", NULL);
	if (!strstr(out, "ML-KEM-768 encapsulation key (1184 bytes)") ||
	    !strstr(out, "ML-KEM-768 ciphertext (1088 bytes)") || !strstr(out, "X25519 share (32 bytes)"))
		fail_msg("57: the hybrid shares' parts are not shown:\n%.3000s", out);
	tshark(pcap, "-Y", "mitmlab.share.range || mitmlab.share.low_order || mitmlab.share.length", NULL);
	if (out[0])
		fail_msg("57: an honest hybrid session raised a share expert info:\n%s", out);
}

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

/* The key log beside a run's wire.pcap. */
static void keylog_of(const char *pcap, char *keys, size_t len)
{
	const char *slash = strrchr(pcap, '/');
	assert_non_null(slash);
	snprintf(keys, len, "%.*s/keys.log", (int)(slash - pcap), pcap);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* 07: alice's record "transfer 100" opens with alice's keys on her leg, and
 * mallory's rewrite "transfer 9999" with bob's keys on his; every record of
 * the capture opens with one of them. */
static void test_decrypt_tamper(void **state)
{
	(void)state;
	char pcap[300], keys[320], opt[400];
	run_scenario("07-dh-mitm-tamper", pcap, sizeof pcap);
	keylog_of(pcap, keys, sizeof keys);
	snprintf(opt, sizeof opt, "mitmlab.keylog_file:%s", keys);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.plaintext", "-T", "fields", "-e", "mitmlab.keys_of", "-e",
	       "mitmlab.content", "-e", "mitmlab.plaintext", NULL);
	if (!strstr(out, "alice\t1\ttransfer 100 to carol\n") || !strstr(out, "bob\t1\ttransfer 9999 to carol\n"))
		fail_msg("07: expected alice's transfer 100 and bob's transfer 9999:\n%s", out);
	if (strstr(out, "alice\t1\ttransfer 9999 to carol\n") || strstr(out, "bob\t1\ttransfer 100 to carol\n"))
		fail_msg("07: a record opened with the other leg's keys:\n%s", out);
	/* hello bob, its answer, transfer, its answer: on both legs */
	if (count_lines(out) != 8)
		fail_msg("07: expected 8 data records decrypted:\n%s", out);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.type == 6", "-T", "fields", "-e", "_ws.col.Info", NULL);
	if (!strstr(out, "Record \"transfer 9999 to carol\" (bob's keys)\n") ||
	    !strstr(out, "Record close (alice's keys)\n"))
		fail_msg("07: expected the plaintext and the keys in the Info column:\n%s", out);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.decrypt.no_key || mitmlab.decrypt.no_module || mitmlab.decrypt.keylog",
	       NULL);
	if (out[0] != '\0')
		fail_msg("07: a record that the key log does not open:\n%s", out);
	/* wire.pcapng, one interface per switch port: mallory's port sees both
	 * legs, so each record twice, every one opened by its leg's keys */
	char pcapng[310];
	snprintf(pcapng, sizeof pcapng, "%sng", pcap);
	tshark(pcapng, "-o", opt, "-Y", "mitmlab.plaintext", "-T", "fields", "-e", "frame.interface_name", "-e",
	       "mitmlab.keys_of", "-e", "mitmlab.plaintext", NULL);
	if (!strstr(out, "alice\talice\ttransfer 100 to carol\n") ||
	    !strstr(out, "mallory\talice\ttransfer 100 to carol\n") ||
	    !strstr(out, "mallory\tbob\ttransfer 9999 to carol\n") ||
	    !strstr(out, "bob\tbob\ttransfer 9999 to carol\n") || count_lines(out) != 16)
		fail_msg("07's wire.pcapng: expected 16 data records decrypted:\n%s", out);
	/* what alice sent is not what bob received: each at its own port */
	if (strstr(out, "alice\talice\ttransfer 9999") || strstr(out, "bob\tbob\ttransfer 100 "))
		fail_msg("07's wire.pcapng: a port shows the other leg's text:\n%s", out);
}

/* 01, no relay: alice's and bob's lines hold the same keys, and both open
 * every record. */
static void test_decrypt_baseline(void **state)
{
	(void)state;
	char pcap[300], keys[320], opt[400];
	run_scenario("01-baseline", pcap, sizeof pcap);
	keylog_of(pcap, keys, sizeof keys);
	snprintf(opt, sizeof opt, "mitmlab.keylog_file:%s", keys);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.plaintext", "-T", "fields", "-e", "mitmlab.keys_of", "-e",
	       "mitmlab.plaintext", NULL);
	if (!strstr(out, "alice,bob\ttransfer 100 to carol\n") || count_lines(out) != 4)
		fail_msg("01: expected 4 records opened by both parties' keys:\n%s", out);
}

/* Without a key log nothing is decrypted and nothing is said; with another
 * run's key log nothing opens and each record says so. */
static void test_decrypt_wrong_keylog(void **state)
{
	(void)state;
	char pcap[300], other[300], keys[320], opt[400];
	run_scenario("06-dh-mitm", other, sizeof other);
	run_scenario("07-dh-mitm-tamper", pcap, sizeof pcap);
	tshark(pcap, "-Y", "mitmlab.plaintext || mitmlab.keys_of || _ws.expert.group == 0x0c000000", NULL);
	if (out[0] != '\0')
		fail_msg("07 without a key log: expected no plaintext and no note:\n%s", out);
	keylog_of(other, keys, sizeof keys);
	snprintf(opt, sizeof opt, "mitmlab.keylog_file:%s", keys);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.plaintext", NULL);
	if (out[0] != '\0')
		fail_msg("07 with 06's key log: expected no plaintext:\n%s", out);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.decrypt.no_key", "-T", "fields", "-e", "_ws.expert.message", NULL);
	if (count_lines(out) != 12 || !strstr(out, "no key in the key log opens this record\n"))
		fail_msg("07 with 06's key log: expected the note on each of the 12 records:\n%s", out);
	tshark(pcap, "-o", "mitmlab.keylog_file:/nonexistent/keys.log", "-Y", "mitmlab.decrypt.keylog", "-T", "fields",
	       "-e", "_ws.expert.message", NULL);
	if (count_lines(out) != 1 || !strstr(out, "cannot be read"))
		fail_msg("07 with a missing key log: expected one note:\n%s", out);
}

/* A key log of junk around alice's one genuine line: an overlong line, bad
 * hex, binary bytes, bob's line with CRLF, cut short, with its directions
 * swapped, with a field too many. tshark neither fails nor opens anything
 * but alice's leg; a key log over the size limit is read only that far. */
static void test_decrypt_hostile_keylog(void **state)
{
	(void)state;
	char pcap[300], keys[320], opt[512], alice[512] = "", bob[512] = "";
	run_scenario("07-dh-mitm-tamper", pcap, sizeof pcap);
	keylog_of(pcap, keys, sizeof keys);
	FILE *f = fopen(keys, "r");
	assert_non_null(f);
	for (char line[512]; fgets(line, sizeof line, f);)
		snprintf(strncmp(line, "MITMLAB_KEYS alice ", 19) == 0 ? alice : bob, sizeof alice, "%s", line);
	fclose(f);
	assert_true(strlen(alice) > 200 && strlen(bob) > 200);
	bob[strcspn(bob, "\n")] = '\0';

	char path[400];
	snprintf(path, sizeof path, "%s.hostile", keys);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%.*s", 60, bob); /* overlong: bob's start, then 100000 hex digits */
	for (int i = 0; i < 50000; i++)
		fputs("ab", f);
	fputc('\n', f);
	char bad[512];
	snprintf(bad, sizeof bad, "%s", bob);
	memcpy(bad + 17, "zz", 2); /* bad hex in the nonce */
	fprintf(f, "%s\n", bad);
	for (unsigned i = 0; i < 4096; i++) /* binary junk, NUL bytes included */
		fputc((int)((i * 2654435761u) >> 13 & 0xff), f);
	fputc('\n', f);
	fprintf(f, "%s\r\n", bob);			 /* CRLF: not the format */
	fprintf(f, "%.*s\n", (int)strlen(bob) - 3, bob); /* key id cut short */
	fprintf(f, "%s extra\n", bob);			 /* a field too many */
	/* the directions swapped: c2s and s2c key and iv exchanged */
	char *fld[9];
	char copy[512];
	snprintf(copy, sizeof copy, "%s", bob);
	size_t nf = 0;
	for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && nf < 9; t = strtok_r(NULL, " ", &save))
		fld[nf++] = t;
	assert_int_equal(nf, 9);
	fprintf(f, "%s %s %s %s %s %s %s %s %s\n", fld[0], fld[1], fld[2], fld[3], fld[6], fld[7], fld[4], fld[5],
		fld[8]);
	fputs(alice, f);
	fputs("MITMLAB_KEYS\n\n \nMITMLAB_KEYS bob\n", f);
	assert_int_equal(fclose(f), 0);

	snprintf(opt, sizeof opt, "mitmlab.keylog_file:%s", path);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.plaintext", "-T", "fields", "-e", "mitmlab.keys_of", "-e",
	       "mitmlab.plaintext", NULL);
	int others = 0;
	for (const char *l = out; *l; l = strchr(l, '\n') + 1) {
		others += strncmp(l, "alice\t", 6) != 0;
		if (!strchr(l, '\n'))
			break;
	}
	if (!strstr(out, "alice\ttransfer 100 to carol\n") || others || strstr(out, "\ttransfer 9999 to carol\n") ||
	    count_lines(out) != 4)
		fail_msg("hostile key log: expected alice's leg only (4 records):\n%s", out);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.decrypt.keylog", "-T", "fields", "-e", "_ws.expert.message", NULL);
	/* lines: the 7 junk ones, the binary junk (and whatever newline its
	 * bytes held), the 4 at the end; the swapped line is well formed */
	if (count_lines(out) != 1 || !strstr(out, "2 sessions read") || !strstr(out, "malformed lines ignored"))
		fail_msg("hostile key log: expected one note counting the malformed lines:\n%s", out);

	/* 2 MiB of junk first: alice's line lies past the limit */
	f = fopen(path, "w");
	assert_non_null(f);
	for (unsigned i = 0; i < (2u << 20) / 64; i++)
		fputs("MITMLAB_KEYS alice 0123456789abcdef0123456789abcdef0123456789\n", f);
	fputs(alice, f);
	assert_int_equal(fclose(f), 0);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.plaintext || mitmlab.decrypt.keylog", "-T", "fields", "-e",
	       "mitmlab.plaintext", "-e", "_ws.expert.message", NULL);
	if (count_lines(out) != 1 || !strstr(out, "read only its first 1048576 bytes"))
		fail_msg("oversized key log: expected no plaintext and one note:\n%s", out);
	unlink(path);
}

/* Without the crypto module: everything still dissected, no plaintext, and
 * one note (once in the capture) that decryption needs it. */
static void test_decrypt_without_module(void **state)
{
	(void)state;
	char pcap[300], keys[320], opt[400];
	run_scenario("07-dh-mitm-tamper", pcap, sizeof pcap);
	keylog_of(pcap, keys, sizeof keys);
	snprintf(opt, sizeof opt, "mitmlab.keylog_file:%s", keys);
	assert_int_equal(setenv("MITMLAB_CRYPTO", "/nonexistent/mitmlab_crypto.so", 1), 0);
	tshark(pcap, "-o", opt, "-Y", "tcp.port == 4433 && tcp.len > 0 && !mitmlab", NULL);
	if (out[0] != '\0')
		fail_msg("07 without the module: payloads left undecoded:\n%s", out);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.plaintext || mitmlab.decrypt.no_module", "-T", "fields", "-e",
	       "mitmlab.plaintext", "-e", "_ws.expert.message", NULL);
	unsetenv("MITMLAB_CRYPTO");
	if (count_lines(out) != 1 || !strstr(out, "\tdecryption needs the mitmlab_crypto module"))
		fail_msg("07 without the module: expected one note and no plaintext:\n%s", out);
}

/* The expert infos of a scenario: -Y FILTER shows the expected message (and
 * exactly `lines` frames with it). */
static void expect_expert(const char *scenario, const char *filter, const char *message, size_t lines)
{
	char pcap[300];
	run_scenario(scenario, pcap, sizeof pcap);
	tshark(pcap, "-Y", filter, "-T", "fields", "-e", "_ws.expert.message", NULL);
	if (!strstr(out, message) || (lines && count_lines(out) != lines))
		fail_msg("%s: -Y %s: expected %s (%zu frames):\n%s", scenario, filter, message, lines, out);
}

#define SECURITY_EXPERTS                                                                                               \
	"mitmlab.share.range || mitmlab.share.low_order || mitmlab.share.length || mitmlab.params.generator || "       \
	"mitmlab.downgrade.weaker_group || mitmlab.downgrade.offer_changed || "                                        \
	"mitmlab.downgrade.sentinel_mismatch || mitmlab.downgrade.sentinel"

static void test_expert_key_fixing(void **state)
{
	(void)state;
	/* mallory's p to alice and to bob; validating alice stops at the first */
	expect_expert("11-key-fixing", "mitmlab.share.range", "key share out of range: y = p, outside 2..p-2", 2);
	expect_expert("12-key-fixing-validated", "mitmlab.share.range", "y = p, outside 2..p-2", 1);
	expect_expert("19-malicious-g-1", "mitmlab.params.generator", "generator g = 1, outside 2..p-2", 1);
}

static void test_expert_downgrade(void **state)
{
	(void)state;
	expect_expert("15-downgrade-group", "mitmlab.downgrade.offer_changed",
		      "but another offer (groups changed): rewritten on the way", 1);
	expect_expert("15-downgrade-group", "mitmlab.downgrade.weaker_group",
		      "ServerHello chose lab-48 (WEAK) (24 bits) though frame ", 0);
	expect_expert("15-downgrade-group", "mitmlab.downgrade.weaker_group", " offered x25519 (128 bits)", 0);
	expect_expert("18-downgrade-group-sentinel", "mitmlab.downgrade.sentinel_mismatch",
		      "the group offer was changed on the way (downgrade-detected)", 0);
}

/* Honest runs and a relay that changes no share or offer raise none of them. */
static void test_expert_quiet(void **state)
{
	(void)state;
	const char *quiet[] = {"01-baseline", "06-dh-mitm", "26-cert-baseline"};
	for (size_t i = 0; i < sizeof quiet / sizeof *quiet; i++) {
		char pcap[300];
		run_scenario(quiet[i], pcap, sizeof pcap);
		tshark(pcap, "-Y", SECURITY_EXPERTS, NULL);
		if (out[0] != '\0')
			fail_msg("%s: expected no security expert info:\n%s", quiet[i], out);
	}
}

static FILE *pcap_create(const char *path)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	uint8_t hdr[24] = {0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4};
	put32(hdr + 16, 65535);
	put32(hdr + 20, 1); /* Ethernet */
	assert_int_equal(fwrite(hdr, 1, sizeof hdr, f), sizeof hdr);
	return f;
}

/* A group's p (big-endian, its share length) from lib/mlab_group.c, plus d. */
static size_t group_p(uint16_t id, long d, uint8_t *out_p, size_t len)
{
	BIGNUM *p = NULL, *q = NULL, *g = NULL;
	assert_int_equal(mlab_group_params(mlab_group_by_id(id), &p, &q, &g), 0);
	if (d < 0)
		assert_int_equal(BN_sub_word(p, (BN_ULONG)-d), 1);
	else
		assert_int_equal(BN_add_word(p, (BN_ULONG)d), 1);
	size_t n = mlab_group_by_id(id)->share_len;
	assert_true(n <= len);
	assert_int_equal(BN_bn2binpad(p, out_p, (int)n), (int)n);
	BN_free(p);
	BN_free(q);
	BN_free(g);
	return n;
}

/* KeyShares of every kind the dissector refuses, in one made-up stream: the
 * primes it embeds must be lib/mlab_group.c's, to the last byte. */
static void test_expert_shares_made_up(void **state)
{
	(void)state;
	char dir[] = "/tmp/mlab-ws-XXXXXX", pcap[64];
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof pcap, "%s/shares.pcap", dir);
	FILE *f = pcap_create(pcap);
	struct {
		uint16_t group;
		long d;	    /* share = p + d, or with small: that number */
		int small;  /* 1: share = d itself, left-padded; 2: raw bytes below */
		size_t cut; /* bytes left off the share's end */
		const char *expect;
	} shares[] = {
	    {0x0100, -1, 0, 0, "y = p-1, outside"},
	    {0x0100, 2, 1, 0, NULL},
	    {0x0101, 0, 0, 0, "y = p, outside"},
	    {0xff00, 0, 0, 0, "y = p, outside"},
	    {0xff01, 1, 0, 0, "y = above p, outside"},
	    {0xff02, 1, 1, 0, "y = 1, outside"},
	    {0xff02, 0, 1, 0, "y = 0, outside"},
	    {0xff01, 2, 1, 1, "share of 5 bytes, p has 6 (share-length)"},
	    {0x001d, 0, 2, 0, "X25519 share of low order (u = order 8)"},
	    {0x001d, 0, 3, 0, NULL},
	    {0x001d, 0, 3, 1, "X25519 share of 31 bytes, not 32"},
	};
	uint32_t seq = 5000;
	for (size_t i = 0; i < sizeof shares / sizeof *shares; i++) {
		uint8_t y[400] = {0}, body[420], fr[430];
		size_t n;
		if (shares[i].small == 2) { /* a low-order point, top bit set (X25519 ignores it) */
			const uint8_t low[32] = {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
						 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
						 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x80};
			memcpy(y, low, 32);
			n = 32;
		} else if (shares[i].small == 3) { /* the base point: a valid share */
			y[0] = 9;
			n = 32;
		} else if (shares[i].small == 1) {
			n = mlab_group_by_id(shares[i].group)->share_len;
			y[n - 1] = (uint8_t)shares[i].d;
		} else {
			n = group_p(shares[i].group, shares[i].d, y, sizeof y);
		}
		n -= shares[i].cut;
		put16(body, shares[i].group);
		put16(body + 2, (unsigned)n);
		memcpy(body + 4, y, n);
		size_t fl = frame(fr, 3, body, 4 + n);
		pcap_packet(f, 0, 40100, 4433, seq, 1000, fr, fl);
		seq += (uint32_t)fl;
	}
	assert_int_equal(fclose(f), 0);
	tshark(pcap, "-Y", "mitmlab.type == 3", "-T", "fields", "-e", "_ws.expert.message", NULL);
	const char *at = out;
	for (size_t i = 0; i < sizeof shares / sizeof *shares; i++) {
		const char *nl = strchr(at, '\n');
		if (!nl)
			fail_msg("share %zu: no line for it in:\n%s", i, out);
		size_t len = (size_t)(nl - at);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), at);
		if (shares[i].expect ? !strstr(line, shares[i].expect) : line[0] != '\0')
			fail_msg("share %zu (group 0x%04x): expected \"%s\", got \"%s\"", i, shares[i].group,
				 shares[i].expect ? shares[i].expect : "", line);
		at = nl + 1;
	}
	unlink(pcap);
	rmdir(dir);
}

static void hex_out(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/* Records sealed by lib/mlab_record.c with AES-256-GCM under made-up keys, in
 * both directions, one with a sequence number that fills all 8 bytes (the
 * nonce is iv XOR seq) and one whose tag was changed: each opens with its
 * direction's key, the changed one with none. */
static void test_decrypt_gcm_made_up(void **state)
{
	(void)state;
	char dir[] = "/tmp/mlab-ws-XXXXXX", pcap[64], keys[64], opt[128];
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof pcap, "%s/gcm.pcap", dir);
	snprintf(keys, sizeof keys, "%s/keys.log", dir);
	struct mlab_dir_keys c2s, s2c;
	memset(c2s.key, 0x01, sizeof c2s.key);
	memset(c2s.iv, 0x02, sizeof c2s.iv);
	memset(s2c.key, 0x03, sizeof s2c.key);
	memset(s2c.iv, 0x04, sizeof s2c.iv);
	uint8_t nonce[32];
	memset(nonce, 0x33, sizeof nonce);
	FILE *k = fopen(keys, "w");
	assert_non_null(k);
	fputs("MITMLAB_KEYS alice ", k);
	hex_out(k, nonce, sizeof nonce);
	fputs(" aes-256-gcm ", k);
	hex_out(k, c2s.key, sizeof c2s.key);
	fputc(' ', k);
	hex_out(k, c2s.iv, sizeof c2s.iv);
	fputc(' ', k);
	hex_out(k, s2c.key, sizeof s2c.key);
	fputc(' ', k);
	hex_out(k, s2c.iv, sizeof s2c.iv);
	fputs(" 0badc0de\n", k);
	assert_int_equal(fclose(k), 0);

	FILE *f = pcap_create(pcap);
	uint8_t ch[64], buf[256];
	size_t n = 0;
	ch[n++] = 1;
	memcpy(ch + n, nonce, 32);
	n += 32;
	const uint8_t offers[] = {0, 1, 1, 1, 0x00, 0x1d, 1, MLAB_CIPHER_AES_256_GCM};
	memcpy(ch + n, offers, sizeof offers);
	n += sizeof offers;
	size_t cl = frame(buf, 1, ch, n);
	uint32_t cseq = 1000, sseq = 5000;
	pcap_packet(f, 1, 40200, 4433, cseq, sseq, buf, cl);
	cseq += (uint32_t)cl;
	struct mlab_rec rc, rs;
	mlab_rec_init(&rc, MLAB_CIPHER_AES_256_GCM, &c2s);
	mlab_rec_init(&rs, MLAB_CIPHER_AES_256_GCM, &s2c);
	const struct {
		int to_server;
		uint64_t seq;
		const char *text;
		int flip;
	} recs[] = {
	    {1, 0, "gcm one", 0},  {1, 1, "gcm two", 0}, {1, 0x0102030405060708u, "seq far", 0},
	    {0, 0, "gcm back", 0}, {1, 9, "flipped", 1},
	};
	for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
		struct mlab_rec *r = recs[i].to_server ? &rc : &rs;
		r->seq = recs[i].seq;
		struct mlab_wr w;
		mlab_wr_init(&w, buf, sizeof buf);
		assert_int_equal(mlab_rec_seal(r, 1, (const uint8_t *)recs[i].text, strlen(recs[i].text), &w), 0);
		if (recs[i].flip)
			buf[w.len - 1] ^= 1;
		uint32_t *sq = recs[i].to_server ? &cseq : &sseq;
		pcap_packet(f, recs[i].to_server, 40200, 4433, *sq, recs[i].to_server ? sseq : cseq, buf, w.len);
		*sq += (uint32_t)w.len;
	}
	mlab_rec_wipe(&rc);
	mlab_rec_wipe(&rs);
	assert_int_equal(fclose(f), 0);

	snprintf(opt, sizeof opt, "mitmlab.keylog_file:%s", keys);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.type == 6", "-T", "fields", "-e", "mitmlab.plaintext", "-e",
	       "mitmlab.key_id", NULL);
	if (strcmp(out, "gcm one\t0badc0de\ngcm two\t0badc0de\nseq far\t0badc0de\ngcm back\t0badc0de\n\t\n") != 0)
		fail_msg("made-up AES-256-GCM records: expected four opened, the changed one not:\n%s", out);
	tshark(pcap, "-o", opt, "-Y", "mitmlab.decrypt.no_key", "-T", "fields", "-e", "mitmlab.seq", NULL);
	if (strcmp(out, "9\n") != 0)
		fail_msg("made-up AES-256-GCM records: expected the note on the changed record only:\n%s", out);
	unlink(pcap);
	unlink(keys);
	rmdir(dir);
}

/* The downgrade sentinel of protocol.md §5 in made-up ServerHellos choosing
 * lab-48 from x25519,lab-48: with the offer's digest (an honest mark, a note),
 * and with one byte of it changed (the warning). */
static void test_sentinel_made_up(void **state)
{
	(void)state;
	char dir[] = "/tmp/mlab-ws-XXXXXX", pcap[64];
	assert_non_null(mkdtemp(dir));
	snprintf(pcap, sizeof pcap, "%s/sentinel.pcap", dir);
	FILE *f = pcap_create(pcap);
	for (unsigned bad = 0; bad < 2; bad++) {
		uint8_t ch[64], sh[64], buf[128], in[128];
		size_t n = 0;
		ch[n++] = 1;
		memset(ch + n, 0x44 + (int)bad, 32);
		n += 32;
		const uint8_t offers[] = {0, 1, 1, 2, 0x00, 0x1d, 0xff, 0x01, 1, 1};
		memcpy(ch + n, offers, sizeof offers);
		n += sizeof offers;
		size_t cl = frame(buf, 1, ch, n);
		pcap_packet(f, 1, 40300 + bad, 4433, 1000, 5000, buf, cl);

		size_t il = strlen(MLAB_SENTINEL_LABEL) + 1;
		memcpy(in, MLAB_SENTINEL_LABEL, il); /* with its NUL */
		memcpy(in + il, ch + 1, 32);
		il += 32;
		memcpy(in + il, offers + 3, 5); /* n_groups, groups[] */
		il += 5;
		uint8_t md[32];
		assert_int_equal(EVP_Digest(in, il, md, NULL, EVP_sha256(), NULL), 1);
		n = 0;
		sh[n++] = 1;
		memset(sh + n, 0x55, 16);
		memcpy(sh + n + 16, md, 8);
		sh[n + 16] ^= (uint8_t)bad;
		memcpy(sh + n + 24, MLAB_SENTINEL, 8);
		n += 32;
		const uint8_t chosen[] = {0, 1, 0xff, 0x01, 1};
		memcpy(sh + n, chosen, sizeof chosen);
		n += sizeof chosen;
		size_t sl = frame(buf, 2, sh, n);
		pcap_packet(f, 0, 40300 + bad, 4433, 5000, 1000 + (uint32_t)cl, buf, sl);
	}
	assert_int_equal(fclose(f), 0);
	tshark(pcap, "-Y", "mitmlab.type == 2", "-T", "fields", "-e", "_ws.expert.message", NULL);
	const char *ok = strstr(out, "downgrade sentinel set and its digest matches the offer");
	const char *bad = strstr(out, "downgrade sentinel: its digest matches no group offer seen in this stream");
	if (count_lines(out) != 2 || !ok || !bad || ok > bad || !strstr(out, "ServerHello chose lab-48"))
		fail_msg("made-up sentinels: expected the honest mark, then the changed one:\n%s", out);
	unlink(pcap);
	rmdir(dir);
}

int main(void)
{
	if (!have_tshark()) { /* a missing tool is a failure, never a skipped test */
		fprintf(stderr, "test_dissector: tshark is not installed: run tools/install-deps.sh\n");
		return 1;
	}
	/* The tree's script, even where a copy is installed among Wireshark's
	 * plugins (which would load first and keep the protocol's name). */
	if (setenv("MITMLAB_DISSECTOR", script(), 1) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alert_names_match),
	    cmocka_unit_test(test_made_up_capture),
	    {"01-baseline: x25519 share", test_scenario, NULL, NULL, (void *)s01},
	    {"02-sniff-plaintext-hub: hello bob in clear", test_scenario, NULL, NULL, (void *)s02},
	    {"06-dh-mitm: shares", test_scenario, NULL, NULL, (void *)s06},
	    {"19-malicious-g-1: explicit p, g = 1", test_scenario, NULL, NULL, (void *)s19},
	    {"26-cert-baseline: two certificates", test_scenario, NULL, NULL, (void *)s26},
	    {"39-transport-baseline: encrypted premaster", test_scenario, NULL, NULL, (void *)s39},
	    {"57-pq-hybrid: x25519-mlkem768 shares", test_scenario, NULL, NULL, (void *)s57},
	    cmocka_unit_test(test_hybrid_parts),
	    cmocka_unit_test(test_mitm_shares),
	    cmocka_unit_test(test_decrypt_tamper),
	    cmocka_unit_test(test_decrypt_baseline),
	    cmocka_unit_test(test_decrypt_wrong_keylog),
	    cmocka_unit_test(test_decrypt_hostile_keylog),
	    cmocka_unit_test(test_decrypt_without_module),
	    cmocka_unit_test(test_expert_key_fixing),
	    cmocka_unit_test(test_expert_downgrade),
	    cmocka_unit_test(test_expert_quiet),
	    cmocka_unit_test(test_expert_shares_made_up),
	    cmocka_unit_test(test_decrypt_gcm_made_up),
	    cmocka_unit_test(test_sentinel_made_up),
	};
	return cmocka_run_group_tests_name("dissector", tests, NULL, NULL);
}
