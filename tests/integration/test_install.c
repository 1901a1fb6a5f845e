/* make install into a DESTDIR, then a scenario run from the installed tree
 * alone: the programs find their catalog, keys and PKI under
 * PREFIX/share/mitmlab; the man pages, completion and dissector are there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char out[1 << 16], tmp[] = "/tmp/mlab-install-XXXXXX";

static int sh(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
	out[n] = '\0';
	return p ? pclose(p) : -1;
}

static void test_install_and_run(void **state)
{
	(void)state;
	const char *src = getenv("MLAB_SRC"), *bin = getenv("MLAB_BIN");
	char cmd[8192];
	/* the programs as built for this test run (plain or sanitized): not rebuilt */
	snprintf(cmd, sizeof cmd,
		 "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C '%s' -o all install DESTDIR='%s/root' PREFIX=/usr "
		 "BIN='%s' 2>&1",
		 src, tmp, bin);
	if (sh(cmd) != 0)
		fail_msg("make install failed:\n%s", out);
	static const char *const files[] = {"usr/bin/mitmlab",
					    "usr/bin/alice",
					    "usr/bin/bob",
					    "usr/bin/mallory",
					    "usr/bin/mitmlab-keygen",
					    "usr/share/mitmlab/lab-scenarios/06-dh-mitm.ini",
					    "usr/share/mitmlab/keys/bob.key",
					    "usr/share/mitmlab/keys/pki/root.pem",
					    "usr/share/mitmlab/exercises/01-stop-06.ini",
					    "usr/share/mitmlab/wireshark/mitmlab.lua",
					    "usr/share/mitmlab/wireshark/crypto/mitmlab_crypto.so",
					    "usr/share/man/man1/mitmlab.1",
					    "usr/share/man/man8/mallory.8",
					    "usr/share/man/man5/mitmlab-scenario.5",
					    "usr/share/bash-completion/completions/mitmlab"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/root/%s", tmp, files[i]);
		if (access(path, R_OK) != 0)
			fail_msg("not installed: %s", files[i]);
	}
	snprintf(cmd, sizeof cmd, "cd / && '%s/root/usr/bin/mitmlab' run 06-dh-mitm --headless --out '%s/run' 2>&1",
		 tmp, tmp);
	if (sh(cmd) != 0 || !strstr(out, "VERDICT: attack-succeeded"))
		fail_msg("the installed mitmlab did not run 06:\n%s", out);
	/* the installed dissector finds its crypto module beside it and opens
	 * the run's records with its key log */
	snprintf(cmd, sizeof cmd,
		 "MITMLAB_DISSECTOR='%s/root/usr/share/mitmlab/wireshark/mitmlab.lua' "
		 "tshark -X 'lua_script:%s/root/usr/share/mitmlab/wireshark/mitmlab.lua' -o "
		 "tcp.analyze_sequence_numbers:FALSE -o 'mitmlab.keylog_file:%s/run/keys.log' -r '%s/run/wire.pcap' "
		 "-Y mitmlab.plaintext -T fields -e mitmlab.keys_of -e mitmlab.plaintext 2>&1",
		 tmp, tmp, tmp, tmp);
	if (sh(cmd) != 0 || !strstr(out, "alice\ttransfer 100 to carol\n") ||
	    !strstr(out, "bob\ttransfer 100 to carol\n"))
		fail_msg("the installed dissector did not decrypt 06's records:\n%s", out);
	/* installed where Wireshark looks by itself: the global Lua plugin folder
	 * by default, and for one user, ~/.local/lib/wireshark/plugins, which
	 * tshark then loads with no -X (HOME points into the DESTDIR) */
	snprintf(cmd, sizeof cmd,
		 "d=$(tshark -G folders 2>/dev/null | sed -n 's/^Global Lua Plugins:[[:space:]]*//p') && "
		 "test -n \"$d\" && test -r '%s/root'\"$d\"/mitmlab/mitmlab.lua && "
		 "test -x '%s/root'\"$d\"/mitmlab/crypto/mitmlab_crypto.so",
		 tmp, tmp);
	if (sh(cmd) != 0)
		fail_msg("the dissector is not in Wireshark's global Lua plugin folder:\n%s", out);
	snprintf(cmd, sizeof cmd,
		 "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C '%s' -o all install DESTDIR='%s/root' PREFIX=/usr "
		 "BIN='%s' WIRESHARK_LUA_DIR=/home/t/.local/lib/wireshark/plugins 2>&1 && "
		 "HOME='%s/root/home/t' tshark -o tcp.analyze_sequence_numbers:FALSE -o "
		 "'mitmlab.keylog_file:%s/run/keys.log' "
		 "-r '%s/run/wire.pcap' -Y mitmlab.plaintext -T fields -e mitmlab.keys_of -e mitmlab.plaintext 2>&1",
		 src, tmp, bin, tmp, tmp, tmp);
	if (sh(cmd) != 0 || !strstr(out, "alice\ttransfer 100 to carol\n"))
		fail_msg("tshark did not load the dissector installed for the user:\n%s", out);
	snprintf(cmd, sizeof cmd, "'%s/root/usr/bin/mitmlab' --version", tmp);
	assert_int_equal(sh(cmd), 0);
	assert_non_null(strstr(out, "mitmlab (mitmlab)"));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_install_and_run)};
	return cmocka_run_group_tests_name("install", tests, setup, teardown);
}
