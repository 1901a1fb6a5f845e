/* libFuzzer harness (make fuzz-scenario): arbitrary bytes as the INI files a
 * trainee or an instructor hands mitmlab, each read through libinih:
 *   1. a scenario file (scenario_load_text, the parser of scenario_load),
 *      then what the runner and `mitmlab show` make of a loaded one: every
 *      program's command line (lab_argv, lab_argv_print);
 *   2. an exercise file (exercise_load);
 *   3. a submission to exercise 01 over scenario 06, as `mitmlab grade`
 *      takes it: ex_ini_read, exercise_apply, and the scenario it writes
 *      loaded again.
 * Any crash, leak, hang or sanitizer report is a bug, and so is a broken
 * invariant (a trap): a load returns 0 or -1; a failed one leaves an empty
 * scenario and a message naming the file; a loaded one has its required
 * fields, a verdict it can expect, at most SC_MAX_ARGS arguments per
 * program, and loads the same way twice; command lines end in NULL within
 * LAB_MAX_ARGV. For the submission, the exercise's locks hold: the scenario
 * that would run has base 06's [scenario], [mallory] and every locked key of
 * alice and bob, whatever the submission says — and the file written is
 * itself a submission that changes nothing locked.
 *
 * Files are memfds (ex_ini_read and exercise_apply want paths:
 * /proc/self/fd/N), so nothing touches the disk. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"
#include "exercise.h"
#include "judge.h"
#include "scenario.h"

#define SC_PATH "/fuzz/07-fuzz.ini"
#define BASE_PATH "/fuzz/06-dh-mitm.ini"
#define OUT_MAX (2u << 20)

/* Scenario 06 and exercise 01 as shipped (lab-scenarios/06-dh-mitm.ini,
 * exercises/01-stop-06.ini), comments left out. */
static const char base_text[] =
    "[scenario]\n"
    "title = Unauthenticated Diffie-Hellman: mallory in the middle holds both keys\n"
    "network = switch\n"
    "expect = attack-succeeded\n"
    "teaching =\n"
    "  alice and bob now use real cryptography: a Diffie-Hellman key exchange (X25519) and\n"
    "  encrypted, authenticated records (ChaCha20-Poly1305). But nobody proves who they are\n"
    "  (auth = none). That is the picture of a relay attack.\n"
    "\n"
    "[alice]\n"
    "auth = none\n"
    "send = hello bob\n"
    "send = transfer 100 to carol\n"
    "\n"
    "[bob]\n"
    "auth = none\n"
    "\n"
    "[mallory]\n"
    "attack = dh-mitm\n";
static const char exercise_text[] = "[exercise]\n"
				    "title = Stop the man in the middle of 06\n"
				    "base = 06-dh-mitm\n"
				    "goal = blocked\n"
				    "allow = alice.auth, alice.peer-key, bob.auth, bob.key\n"
				    "points = 10\n"
				    "hint = In 06 nothing proves who is at the other end.\n";
/* The flags exercise 01 unlocks (each takes a value). */
static const char *const alice_open[] = {"--auth", "--peer-key", NULL};
static const char *const bob_open[] = {"--auth", "--key", NULL};

struct fx {
	int in, out, out2; /* memfds */
	char in_path[64], out_path[64], out2_path[64];
	struct exercise x;
	struct ex_ini base;
	struct scenario base_sc;
	struct lab_paths paths;
	FILE *devnull;
	char *text; /* OUT_MAX bytes: what exercise_apply wrote */
};

static void trap_if(bool bad)
{
	if (bad)
		__builtin_trap();
}

static void set_file(int fd, const uint8_t *data, size_t size)
{
	trap_if(ftruncate(fd, 0) != 0);
	for (size_t off = 0; off < size;) {
		ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
		trap_if(w <= 0);
		off += (size_t)w;
	}
}

static size_t get_file(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	for (;;) {
		ssize_t r = pread(fd, buf + n, cap - n, (off_t)n);
		trap_if(r < 0);
		if (r == 0)
			return n;
		n += (size_t)r;
		trap_if(n == cap); /* exercise_apply wrote more than it was given */
	}
}

static int make_fd(const char *name, char *path, size_t n)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	trap_if(fd < 0);
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

static bool terminated(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

static void check_prog(const struct sc_prog *p)
{
	trap_if(p->n_args > SC_MAX_ARGS);
	trap_if(!p->present && p->n_args != 0);
	for (size_t i = 0; i < p->n_args; i++)
		trap_if(!p->args[i]);
}

static void check_argv(const struct fx *f, const struct scenario *sc)
{
	static const char *const progs[] = {"alice", "bob", "mallory"};
	char *argv[LAB_MAX_ARGV + 1];
	for (size_t i = 0; i < 3; i++) {
		int n = lab_argv(sc, &f->paths, progs[i], argv, LAB_MAX_ARGV);
		if (n < 0)
			continue;
		trap_if((size_t)n >= LAB_MAX_ARGV || argv[n] != NULL);
		for (int k = 0; k < n; k++)
			trap_if(!argv[k]);
		lab_argv_print(f->devnull, argv);
		lab_argv_free(argv);
	}
	(void)lab_is_active(sc);
}

/* One load: 0 or -1, and the invariants of either outcome. */
static int load(const struct fx *f, const char *path, const char *text, size_t len, struct scenario *sc)
{
	char err[1024];
	enum verdict_kind k;
	int r = scenario_load_text(path, text, len, sc, err, sizeof err);
	trap_if(r != 0 && r != -1);
	trap_if(!terminated(err, sizeof err));
	if (r != 0) {
		trap_if(strncmp(err, path, strlen(path)) != 0); /* the message names the file */
		trap_if(sc->path || sc->name || sc->title || sc->command || sc->alice.n_args || sc->mallory.n_args);
		return r;
	}
	trap_if(!sc->path || !sc->name || !sc->title || !sc->teaching || !sc->expect);
	trap_if(verdict_from_name(sc->expect, &k) != 0);
	bool blocked = k == V_BLOCKED;
	trap_if(blocked != (sc->expect_peer != NULL) || blocked != (sc->expect_check != NULL));
	trap_if(sc->network != SC_SWITCH && sc->network != SC_HUB);
	trap_if(!scenario_network_name(sc->network));
	trap_if(sc->timeout_s == 0);
	trap_if(sc->leak && sc->break_classical);
	check_prog(&sc->alice);
	check_prog(&sc->bob);
	check_prog(&sc->mallory);
	if (sc->command) {
		size_t n = 0;
		while (sc->command[n])
			n++;
		trap_if(n == 0 || n > SC_MAX_ARGS || sc->mallory.n_args != 0);
		char why[512];
		(void)lab_command_problem(sc, why, sizeof why);
		trap_if(!terminated(why, sizeof why));
	}
	(void)scenario_number(sc);
	(void)scenario_speaks_tls(&sc->alice);
	(void)scenario_speaks_tls(&sc->mallory);
	check_argv(f, sc);
	return 0;
}

static bool streq_opt(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_args(const struct sc_prog *a, const struct sc_prog *b)
{
	if (a->present != b->present || a->n_args != b->n_args)
		return false;
	for (size_t i = 0; i < a->n_args; i++)
		if (strcmp(a->args[i], b->args[i]) != 0)
			return false;
	return true;
}

static bool is_open(const char *flag, const char *const *open)
{
	for (; *open; open++)
		if (strcmp(flag, *open) == 0)
			return true;
	return false;
}

/* The arguments of p without the unlocked flags and their values. */
static size_t locked_args(const struct sc_prog *p, const char *const *open, const char **out)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n_args; i++) {
		if (is_open(p->args[i], open)) {
			i++;
			continue;
		}
		out[n++] = p->args[i];
	}
	return n;
}

static bool same_locked(const struct sc_prog *a, const struct sc_prog *b, const char *const *open)
{
	const char *la[SC_MAX_ARGS], *lb[SC_MAX_ARGS];
	size_t na = locked_args(a, open, la), nb = locked_args(b, open, lb);
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(la[i], lb[i]) != 0)
			return false;
	return true;
}

/* What a submission turns into, and that the exercise's locks hold. */
static void submission(struct fx *f, const uint8_t *data, size_t size)
{
	struct ex_ini sub, again;
	char why[2048];
	set_file(f->in, data, size);
	int r = ex_ini_read(f->in_path, &sub, why, sizeof why);
	trap_if(r != 0 && r != -1);
	if (r != 0)
		return;
	trap_if(sub.n > EX_MAX_ENTRIES);
	for (size_t i = 0; i < sub.n; i++)
		trap_if(!sub.e[i].sec || !sub.e[i].key || !sub.e[i].val);
	r = exercise_apply(&f->x, &f->base, &sub, f->out_path, why, sizeof why);
	ex_ini_free(&sub);
	trap_if(!terminated(why, sizeof why));
	if (r != 0)
		return;
	size_t n = get_file(f->out, f->text, OUT_MAX);
	trap_if(n > 2 * (size_t)size + sizeof base_text + 4096);
	/* what was written is a submission that changes nothing locked */
	if (ex_ini_read(f->out_path, &again, why, sizeof why) == 0) {
		trap_if(exercise_apply(&f->x, &f->base, &again, f->out2_path, why, sizeof why) != 0);
		ex_ini_free(&again);
	}
	struct scenario sc;
	if (load(f, BASE_PATH, f->text, n, &sc) != 0)
		return;
	const struct scenario *b = &f->base_sc;
	trap_if(!streq_opt(sc.title, b->title) || !streq_opt(sc.teaching, b->teaching) ||
		!streq_opt(sc.expect, b->expect) || sc.network != b->network || sc.timeout_s != b->timeout_s ||
		sc.static_arp != b->static_arp || !streq_opt(sc.leak, b->leak) ||
		sc.break_classical != b->break_classical || sc.command);
	trap_if(!same_args(&sc.mallory, &b->mallory));
	trap_if(!same_locked(&sc.alice, &b->alice, alice_open) || !same_locked(&sc.bob, &b->bob, bob_open));
	scenario_free(&sc);
}

static struct fx *setup(void)
{
	struct fx *f = calloc(1, sizeof *f);
	char err[1024];
	trap_if(!f || !(f->text = malloc(OUT_MAX)) || !(f->devnull = fopen("/dev/null", "w")));
	f->in = make_fd("fuzz-in", f->in_path, sizeof f->in_path);
	f->out = make_fd("fuzz-out", f->out_path, sizeof f->out_path);
	f->out2 = make_fd("fuzz-out2", f->out2_path, sizeof f->out2_path);
	snprintf(f->paths.bin_dir, sizeof f->paths.bin_dir, "/fuzz/bin");
	snprintf(f->paths.keys_dir, sizeof f->paths.keys_dir, "/fuzz/keys");
	snprintf(f->paths.catalog_dir, sizeof f->paths.catalog_dir, "/fuzz/catalog");
	set_file(f->in, (const uint8_t *)exercise_text, sizeof exercise_text - 1);
	trap_if(exercise_load(f->in_path, &f->x, err, sizeof err) != 0);
	set_file(f->in, (const uint8_t *)base_text, sizeof base_text - 1);
	trap_if(ex_ini_read(f->in_path, &f->base, err, sizeof err) != 0);
	trap_if(scenario_load_text(BASE_PATH, base_text, sizeof base_text - 1, &f->base_sc, err, sizeof err) != 0);
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx *f;
	struct scenario a, b;
	struct exercise x;
	char err[1024];

	if (!f)
		f = setup();

	/* 1. a scenario file, twice: the same outcome */
	int ra = load(f, SC_PATH, (const char *)data, size, &a);
	int rb = load(f, SC_PATH, (const char *)data, size, &b);
	trap_if(ra != rb);
	if (ra == 0) {
		trap_if(strcmp(a.name, b.name) != 0 || strcmp(a.expect, b.expect) != 0 ||
			!same_args(&a.alice, &b.alice) || !same_args(&a.bob, &b.bob) ||
			!same_args(&a.mallory, &b.mallory));
		scenario_free(&a);
		scenario_free(&b);
	}

	/* 2. an exercise file */
	set_file(f->in, data, size);
	int r = exercise_load(f->in_path, &x, err, sizeof err);
	trap_if(r != 0 && r != -1);
	trap_if(!terminated(err, sizeof err));
	if (r == 0) {
		trap_if(!x.path || !x.title || !x.base || !x.goal || !x.hint);
		trap_if(x.n_allow > EX_MAX_ALLOW || x.points > 1000);
		for (size_t i = 0; i < x.n_allow; i++)
			trap_if(!strchr(x.allow[i], '.') ||
				(strncmp(x.allow[i], "alice.", 6) != 0 && strncmp(x.allow[i], "bob.", 4) != 0 &&
				 strncmp(x.allow[i], "mallory.", 8) != 0));
		exercise_free(&x);
	}

	/* 3. a submission to exercise 01 */
	submission(f, data, size);
	return 0;
}
