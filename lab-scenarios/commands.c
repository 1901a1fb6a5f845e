/* Scenario command lines (see commands.h). */
#include <stdio.h>

#include "commands.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab_net.h"
#include "mlab_tls.h"

/* A catalog is a directory with scenario files in it (build/asan/ has a
 * lab-scenarios/ of object files: not one). */
static int is_catalog(const char *p)
{
	char **files;
	size_t n = 0;
	if (scenario_paths(p, &files, &n) != 0)
		return 0;
	scenario_paths_free(files, n);
	return n > 0;
}

static void copy(char *dst, const char *src)
{
	size_t n = strnlen(src, PATH_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int lab_paths_find(struct lab_paths *p)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *env;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	copy(p->bin_dir, (env = getenv("MITMLAB_BIN")) && *env ? env : exe);
	/* Demo keys: made at build time next to the programs, or installed. */
	snprintf(cand, sizeof cand, "%s/keys", p->bin_dir);
	if (access(cand, R_OK | X_OK) != 0)
		snprintf(cand, sizeof cand, "%s/../share/mitmlab/keys", p->bin_dir);
	copy(p->keys_dir, (env = getenv("MITMLAB_KEYS")) && *env ? env : cand);
	if ((env = getenv("MITMLAB_SCENARIOS")) && *env) {
		copy(p->catalog_dir, env);
		return 0;
	}
	/* A source tree (bin/, or build/asan/bin/), else an installed share/. */
	static const char *const rel[] = {"..", "../..", "../../.."};
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		snprintf(cand, sizeof cand, "%s/%s/lab-scenarios", p->bin_dir, rel[i]);
		if (is_catalog(cand)) {
			copy(p->catalog_dir, cand);
			return 0;
		}
	}
	snprintf(cand, sizeof cand, "%s/../share/mitmlab/lab-scenarios", p->bin_dir);
	copy(p->catalog_dir, cand);
	return 0;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = malloc(n);
	if (!s)
		abort();
	snprintf(s, n, "%s/%s", dir, name);
	return s;
}

/* Flags whose value names a key or certificate file (or, for the pair
 * flags, two of them: A:B); --tofu names a store to seed (or "new"). */
static int is_key_flag(const char *flag)
{
	static const char *const flags[] = {"--key",	 "--peer-key", "--forge-key",	"--cert",
					    "--ca",	 "--tofu",     "--impersonate", "--mint",
					    "--rsa-key", "--peer-rsa", "--static-key",	"--pin-spki"};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (strcmp(flag, flags[i]) == 0)
			return 1;
	return 0;
}

/* A file name of a scenario, in keys_dir unless it is absolute or starts
 * with ./ or ../ (pki/bob.chain.pem is the lab PKI's). */
static char *key_path(const char *keys_dir, const char *name)
{
	if (name[0] == '/' || strncmp(name, "./", 2) == 0 || strncmp(name, "../", 3) == 0)
		return xstrdup(name);
	return path_join(keys_dir, name);
}

char *lab_key_file(const struct lab_paths *p, const char *name)
{
	return key_path(p->keys_dir, name);
}

/* A flag's file value resolved; A:B pairs each half. */
static char *key_value(const char *keys_dir, const char *flag, const char *v)
{
	const char *colon = strrchr(v, ':');
	uint8_t pin[32];
	if ((strcmp(flag, "--tofu") == 0 && strcmp(v, "new") == 0) ||
	    (strcmp(flag, "--pin-spki") == 0 && mlab_tls_parse_pin(v, pin) == 0))
		return xstrdup(v); /* a word, not a file */
	if ((strcmp(flag, "--impersonate") != 0 && strcmp(flag, "--mint") != 0) || !colon)
		return key_path(keys_dir, v);
	char *a = strndup(v, (size_t)(colon - v));
	if (!a)
		abort();
	char *pa = key_path(keys_dir, a), *pb = key_path(keys_dir, colon + 1);
	size_t n = strlen(pa) + strlen(pb) + 2;
	char *s = malloc(n);
	if (!s)
		abort();
	snprintf(s, n, "%s:%s", pa, pb);
	free(a);
	free(pa);
	free(pb);
	return s;
}

bool lab_is_active(const struct scenario *sc)
{
	if (sc->command)
		return false;
	for (size_t i = 0; i < sc->mallory.n_args; i++)
		if (strcmp(sc->mallory.args[i], "--attack") == 0)
			return true;
	return false;
}

int lab_argv(const struct scenario *sc, const struct lab_paths *p, const char *prog, char **argv, size_t max)
{
	const struct sc_prog *sp = strcmp(prog, "alice") == 0 ? &sc->alice
				   : strcmp(prog, "bob") == 0 ? &sc->bob
							      : &sc->mallory;
	const struct lab_host *bob = lab_plan("bob");
	char addr[64];
	size_t n = 0;

	if (sp == &sc->mallory && sc->command) { /* the attacker's own: its interface is its environment */
		for (; sc->command[n]; n++) {
			if (n + 1 >= max) {
				argv[n] = NULL;
				lab_argv_free(argv);
				return -1;
			}
			argv[n] = xstrdup(sc->command[n]);
		}
		argv[n] = NULL;
		return (int)n;
	}
	if (max < 8 + sp->n_args)
		return -1;
	argv[n++] = path_join(p->bin_dir, prog);
	snprintf(addr, sizeof addr, "%s:%s", bob->ip, LAB_PORT);
	if (strcmp(prog, "alice") == 0) {
		argv[n++] = xstrdup("--connect");
		argv[n++] = xstrdup(addr);
	} else if (strcmp(prog, "bob") == 0) {
		argv[n++] = xstrdup("--listen");
		argv[n++] = xstrdup(addr);
		/* one conversation per run, and mallory's replay of it */
		bool replay = false;
		for (size_t i = 0; i < sc->mallory.n_args; i++)
			replay |= strcmp(sc->mallory.args[i], "--replay") == 0;
		argv[n++] = xstrdup("--max-conns");
		argv[n++] = xstrdup(replay ? "2" : "1");
	} else {
		argv[n++] = xstrdup("--iface");
		argv[n++] = xstrdup(LAB_HOST_IF);
		if (lab_is_active(sc)) {
			snprintf(addr, sizeof addr, "%s,%s", lab_plan("alice")->ip, bob->ip);
			argv[n++] = xstrdup("--targets");
			argv[n++] = xstrdup(addr);
		}
	}
	for (size_t i = 0; i < sp->n_args; i++) {
		const char *a = sp->args[i];
		if (i > 0 && is_key_flag(sp->args[i - 1]))
			argv[n++] = key_value(p->keys_dir, sp->args[i - 1], a);
		else
			argv[n++] = xstrdup(a);
	}
	argv[n] = NULL;
	return (int)n;
}

static char *mac_text(const uint8_t m[6])
{
	char s[18];
	snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return xstrdup(s);
}

static char *env_var(const char *name, const char *value)
{
	char *s;
	if (asprintf(&s, "MITMLAB_%s=%s", name, value) < 0)
		abort();
	return s;
}

char **lab_command_env(const char *run_dir)
{
	static const char *const who[3] = {"alice", "bob", "mallory"};
	static const char *const key[3][2] = {
	    {"ALICE_IP", "ALICE_MAC"}, {"BOB_IP", "BOB_MAC"}, {"MALLORY_IP", "MALLORY_MAC"}};
	extern char **environ;
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 16, sizeof *env);
	if (!env)
		abort();
	/* Ours only: a MITMLAB_ variable of the caller's (MITMLAB_BIN, ...) would
	 * read as a fact about the lab. */
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "MITMLAB_", 8) != 0)
			env[k++] = xstrdup(environ[i]);
	char targets[64], *abs = realpath(run_dir, NULL);
	snprintf(targets, sizeof targets, "%s,%s", lab_plan("alice")->ip, lab_plan("bob")->ip);
	env[k++] = env_var("IFACE", LAB_HOST_IF);
	env[k++] = env_var("TARGETS", targets);
	for (int i = 0; i < 3; i++) {
		const struct lab_host *h = lab_plan(who[i]);
		char *mac = mac_text(h->mac);
		env[k++] = env_var(key[i][0], h->ip);
		env[k++] = env_var(key[i][1], mac);
		free(mac);
	}
	env[k++] = env_var("PORT", LAB_PORT);
	env[k++] = env_var("EVENTS_FD", "3");
	env[k++] = env_var("RUN_DIR", abs ? abs : run_dir);
	env[k] = NULL;
	free(abs);
	return env;
}

bool lab_command_problem(const struct scenario *sc, char *why, size_t n)
{
	struct stat st;
	const char *prog = sc->command ? sc->command[0] : NULL;
	const char *what = !prog		     ? "no [mallory] command"
			   : stat(prog, &st) != 0    ? strerror(errno)
			   : !S_ISREG(st.st_mode)    ? "not a regular file"
			   : access(prog, X_OK) != 0 ? "not executable (chmod +x it)"
						     : NULL;
	if (what)
		/* the cause first: the verdict's reason keeps only the start of it */
		snprintf(why, n, "the [mallory] command cannot be started (%s): %s, in %s", what, prog ? prog : "-",
			 sc->path ? sc->path : "the scenario");
	return what != NULL;
}

void lab_argv_free(char **argv)
{
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	argv[0] = NULL;
}

void lab_argv_print(FILE *f, char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		fputs(i ? " " : "", f);
		if (a[0] &&
		    strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,=+@") == strlen(a)) {
			fputs(a, f);
			continue;
		}
		fputc('\'', f);
		for (; *a; a++)
			if (*a == '\'')
				fputs("'\\''", f);
			else
				fputc(*a, f);
		fputc('\'', f);
	}
	fputc('\n', f);
}
