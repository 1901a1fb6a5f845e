/* ui/: mitmlab, the front end — catalog commands, running and checking
 * scenarios, and the ncurses dashboard (dashboard.c, drawn from the view
 * model in viewmodel.c). The lab itself lives in lab-scenarios/; a run
 * happens in a child process (lab_child.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "dashboard.h"
#include "judge.h"
#include "control.h"
#include "grade.h"
#include "handrun.h"
#include "mlab_version.h"
#include "jobs.h"
#include "lab_child.h"
#include "lab_hold.h"
#include "lab_net.h"
#include "report.h"
#include "scenario.h"
#include "shell.h"
#include "viewmodel.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_LAB = 3 };

static int usage(FILE *f, int code)
{
	fputs(
	    "usage: mitmlab COMMAND [options]\n\n"
	    "  list                         the catalog: number, name, network, expected verdict, title\n"
	    "  show NAME [--json]           what the scenario teaches and the command lines to run by hand;\n"
	    "                               --json: the same as data (hosts, addresses, argv, ready events), for\n"
	    "                               other harnesses such as tools/mininet\n"
	    "  run NAME [--out DIR] [--json] [--headless] [--ascii] [--interactive] [--hold [--idle S]] [--paused]\n"
	    "                               build the private network, run the scenario, judge it, print the report\n"
	    "                               (the run directory keeps events.jsonl, wire.pcap, reports, logs); on a\n"
	    "                               terminal (without --json, --headless or --hold) the dashboard then plays\n"
	    "                               the run back at teaching pace, and the report is printed when you quit\n"
	    "                               it; --interactive: you type alice's messages on the dashboard while the\n"
	    "                               lab runs (Enter sends, Ctrl-D ends them) and watch them live.\n"
	    "                               --hold: print the report, then keep the lab up for `mitmlab shell` until\n"
	    "                               Ctrl-C, SIGTERM, or S seconds (default 600, 0: no limit) with nobody\n"
	    "                               inside. --paused: once the network is up, wait for Enter (or SIGUSR1)\n"
	    "                               before starting the programs; the lab can be entered meanwhile\n"
	    "  shell HOST [-- COMMAND...]   enter host alice, bob, mallory or switch of your held lab (from another\n"
	    "                               terminal, no root): $SHELL or COMMAND in its network namespace, where\n"
	    "                               ip, tcpdump, tshark and python3 work; exit status COMMAND's, 2 usage,\n"
	    "                               3 no held lab, 126/127 COMMAND cannot run / not found\n"
	    "  replay DIR [--ascii]         the dashboard on a run directory: no lab, no privileges needed;\n"
	    "                               without a terminal, print the run's text report instead\n"
	    "  judge DIR [NAME] [--json]    judge a run made outside the lab (real hosts, tools/mininet): its\n"
	    "                               events.jsonl, or made from alice.jsonl, bob.jsonl, mallory.jsonl; its\n"
	    "                               scenario from DIR/*.ini or NAME (then copied there); writes report.txt,\n"
	    "                               report.json (and wire.pcapng from alice.pcap, bob.pcap, mallory.pcap),\n"
	    "                               prints the report (--json: report.json); exit 0 when the verdict is the\n"
	    "                               scenario's expected one, 1 when not\n"
	    "  check [NAME...] [--out DIR] [--jobs N]\n"
	    "                               run scenarios (default: all) and compare with their expected verdicts,\n"
	    "                               a blocked one only if the same peers talk without mallory (the control\n"
	    "                               run); N labs at once (default: the cores); the last line reads\n"
	    "                               \"N passed, M failed\"\n"
	    "  grade EXERCISE SUBMISSION... [--out DIR] [--jobs N]\n"
	    "                               run each submission of an exercise (exercises/*.ini), refuse changes to\n"
	    "                               locked keys, run the control, and write a table, grades.json, "
	    "grades.csv\n\n"
	    "NAME is a catalog name (01-baseline), its number (1) or suffix (baseline), or a path to an .ini file.\n"
	    "Dashboard keys: space pause/play, n/p one event forward/back, +/- speed, Home/End, d details, t what it\n"
	    "teaches, r run again live, s next scenario, ? help, q quit. --ascii: no UTF-8 symbols (also when the\n"
	    "locale is not UTF-8); NO_COLOR=1 turns colour off.\n"
	    "mitmlab --version: the version. No root needed: the lab lives in a private user namespace and vanishes\n"
	    "when mitmlab exits.\n\n"
	    "exit status: 0 success; 1 check: a verdict differed (or a scenario could not run), run: the verdict\n"
	    "is \"error\"; 2 usage, a bad scenario file or an unreadable run directory; 3 the lab could not be\n"
	    "built (e.g. user namespaces disabled: the message says how); 130 interrupted (Ctrl-C)\n",
	    f);
	return code;
}

static int load(const char *name, const struct lab_paths *paths, struct scenario *sc)
{
	char err[1024];
	if (scenario_load(name, paths->catalog_dir, sc, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		return -1;
	}
	return 0;
}

/* A column of width w (names are ASCII): padded, or cut with "…" so the
 * columns after it stay aligned. */
#define NAME_COL_MIN 28
#define NAME_COL_MAX 40
static const char *col(char *out, size_t n, const char *s, size_t w)
{
	size_t l = strlen(s);
	if (l <= w)
		snprintf(out, n, "%-*s", (int)w, s);
	else
		snprintf(out, n, "%.*s\xe2\x80\xa6", (int)(w - 1), s);
	return out;
}

/* The name column's width for these names (file names, less ".ini"). */
static size_t name_width(char **names, size_t n)
{
	size_t w = NAME_COL_MIN;
	for (size_t i = 0; i < n; i++) {
		const char *b = strrchr(names[i], '/');
		size_t l = strlen(b ? b + 1 : names[i]);
		if (l > 4 && strcmp(names[i] + strlen(names[i]) - 4, ".ini") == 0)
			l -= 4;
		if (l > w)
			w = l;
	}
	return w < NAME_COL_MAX ? w : NAME_COL_MAX;
}

static int cmd_list(const struct lab_paths *paths)
{
	char **files;
	size_t n;
	int bad = 0;

	if (scenario_paths(paths->catalog_dir, &files, &n) != 0) {
		fprintf(stderr, "mitmlab: cannot read the catalog in %s\n", paths->catalog_dir);
		return EXIT_LAB;
	}
	size_t w = name_width(files, n);
	for (size_t i = 0; i < n; i++) {
		struct scenario sc;
		char nc[NAME_COL_MAX * 4];
		if (load(files[i], paths, &sc) != 0) {
			bad = 1;
			continue;
		}
		char expect[96];
		if (sc.expect_peer)
			snprintf(expect, sizeof expect, "%s (%s, %s)", sc.expect, sc.expect_peer, sc.expect_check);
		else
			snprintf(expect, sizeof expect, "%s", sc.expect);
		printf("%02d  %s %-6s  %-34s  %s\n", scenario_number(&sc), col(nc, sizeof nc, sc.name, w),
		       scenario_network_name(sc.network), expect, sc.title);
		scenario_free(&sc);
	}
	scenario_paths_free(files, n);
	return bad ? EXIT_USAGE : EXIT_OK;
}

static int cmd_show(const struct lab_paths *paths, const char *name, int json)
{
	static const char *const progs[] = {"bob", "mallory", "alice"};
	struct scenario sc;

	if (load(name, paths, &sc) != 0)
		return EXIT_USAGE;
	if (json) {
		json_t *j = lab_plan_json(&sc, paths);
		scenario_free(&sc);
		if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0)
			return json_decref(j), EXIT_LAB;
		json_decref(j);
		putchar('\n');
		return EXIT_OK;
	}
	printf("%s — %s\n\nnetwork: %s    expected verdict: %s", sc.name, sc.title, scenario_network_name(sc.network),
	       sc.expect);
	if (sc.expect_peer)
		printf(" (%s, %s check)", sc.expect_peer, sc.expect_check);
	printf("\n\n%s\n\n", sc.teaching);
	/* a file outside the catalog runs by its path: its name may be in the catalog too, or nowhere */
	bool by_path = strchr(name, '/') || (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".ini") == 0);
	char quoted[PATH_MAX * 4 + 3];
	size_t q = 0;
	quoted[q++] = '\'';
	for (const char *c = by_path ? name : sc.name; *c && q + 5 < sizeof quoted; c++) {
		if (*c == '\'') {
			memcpy(quoted + q, "'\\''", 4);
			q += 4;
		} else {
			quoted[q++] = *c;
		}
	}
	quoted[q++] = '\'';
	quoted[q] = '\0';
	printf("Run it:  mitmlab run %s\n\nBy hand, one terminal per host (each inside that host's network namespace,\n"
	       "addresses from the lab plan: alice 10.0.0.10, bob 10.0.0.20, mallory 10.0.0.66), in this order:\n\n",
	       by_path ? quoted : sc.name);
	if (sc.static_arp) {
		const struct lab_host *a = lab_plan("alice"), *b = lab_plan("bob");
		printf("  # static ARP, before anything starts (alice, then bob)\n"
		       "  ip neigh replace %s lladdr 02:00:00:00:00:%02x nud permanent dev eth0\n"
		       "  ip neigh replace %s lladdr 02:00:00:00:00:%02x nud permanent dev eth0\n",
		       b->ip, b->mac[5], a->ip, a->mac[5]);
	}
	for (size_t i = 0; i < 3; i++) {
		char *argv[LAB_MAX_ARGV];
		if (strcmp(progs[i], "mallory") == 0 && !sc.mallory.present)
			continue;
		if (lab_argv(&sc, paths, progs[i], argv, LAB_MAX_ARGV) < 0)
			continue;
		printf("  # %s (%s)\n  ", progs[i], lab_plan(progs[i])->ip);
		/* alice's trust-on-first-use store is hers to write: an empty one
		 * or a copy of the seed in the current directory, as the runner
		 * makes in the run's; the seed itself is never written. */
		for (size_t k = 1; argv[k]; k++) {
			if (strcmp(argv[k - 1], "--tofu") != 0)
				continue;
			if (strcmp(argv[k], "new") == 0) {
				printf("rm -f alice.tofu\n  ");
			} else {
				printf("cp ");
				lab_argv_print(stdout, (char *[]){argv[k], "alice.tofu", NULL});
				printf("  ");
			}
			free(argv[k]);
			if (!(argv[k] = strdup("alice.tofu")))
				abort();
		}
		lab_argv_print(stdout, argv);
		lab_argv_free(argv);
	}
	if (sc.leak || sc.break_classical) { /* phase 2, as the runner starts it */
		char *key = sc.leak ? lab_key_file(paths, sc.leak) : NULL, mallory[PATH_MAX + 16];
		bool tls = scenario_speaks_tls(&sc.mallory);
		snprintf(mallory, sizeof mallory, "%s/mallory", paths->bin_dir);
		char *argv[] = {
		    mallory, "--decrypt", "wire.pcap", key ? "--key" : "--break-classical", key, tls ? "--proto" : NULL,
		    "tls",   NULL};
		if (!key) { /* --break-classical takes no value */
			argv[4] = tls ? "--proto" : NULL;
			argv[5] = tls ? "tls" : NULL;
			argv[6] = NULL;
		}
		printf("  # later, phase 2 (mallory, once the conversation is over: wire.pcap is what she recorded,\n"
		       "  # e.g. tcpdump -w wire.pcap on her eth0, or any run's wire.pcap)\n  ");
		lab_argv_print(stdout, argv);
		free(key);
	}
	scenario_free(&sc);
	return EXIT_OK;
}

/* runs/<what>-<time>, created here: mkdir succeeds for exactly one of two
 * runs started in the same second, the other takes the next suffix. */
static int default_dir(char *out, size_t len, const char *what)
{
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
	if (mkdir("runs", 0755) != 0 && errno != EEXIST)
		return -1;
	snprintf(out, len, "runs/%s-%s", what, stamp);
	for (int i = 2; mkdir(out, 0755) != 0; i++) {
		if (errno != EEXIST || i > 1000)
			return -1;
		snprintf(out, len, "runs/%s-%s-%d", what, stamp, i);
	}
	return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The text report of a run directory: report.txt as the runner wrote it,
 * or, in ASCII, made again from the events (the verdict comes out the same:
 * the report judges them itself). */
static void print_run_report(const char *dir, const struct scenario *sc, int ascii)
{
	char path[PATH_MAX + 16], buf[4096], err[1024];
	size_t n;

	if (ascii) {
		json_t *events = vm_load_run(dir, err, sizeof err);
		if (!events) {
			fprintf(stderr, "mitmlab: %s\n", err);
			return;
		}
		report_text_ascii(stdout, sc, events, NULL, dir);
		json_decref(events);
		fflush(stdout);
		return;
	}
	snprintf(path, sizeof path, "%s/report.txt", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mitmlab: cannot read %s: %s\n", path, strerror(errno));
		return;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	fflush(stdout);
}

/* What the dashboard's r and s keys need: the catalog, and the scenario
 * shown (owned here; s replaces it). */
struct live_ctx {
	const struct lab_paths *paths;
	struct scenario sc;
	bool have_sc;
};

/* A new run directory beside the one shown: PARENT/NAME-TIME[-N], created
 * here (so two runs never share one). */
static int sibling_dir(const char *cur, const char *name, char *out, size_t len)
{
	char parent[PATH_MAX], stamp[32];
	size_t l = strlen(cur);

	while (l > 1 && cur[l - 1] == '/')
		l--;
	snprintf(parent, sizeof parent, "%.*s", (int)l, cur);
	char *slash = strrchr(parent, '/');
	if (!slash)
		snprintf(parent, sizeof parent, ".");
	else
		slash[slash == parent] = '\0';
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
	if ((size_t)snprintf(out, len, "%s/%s-%s", parent, name, stamp) >= len)
		return errno = ENAMETOOLONG, -1;
	for (int i = 2; mkdir(out, 0755) != 0; i++) {
		if (errno != EEXIST || i > 1000)
			return -1;
		if ((size_t)snprintf(out, len, "%s/%s-%s-%d", parent, name, stamp, i) >= len)
			return errno = ENAMETOOLONG, -1;
	}
	return 0;
}

/* Runs the context's scenario live (printing nothing: the dashboard owns
 * the terminal) and points src at the new run. */
static int live_run(struct live_ctx *c, struct dashboard_src *src, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct child_result res;

	if (sibling_dir(src->run_dir, c->sc.name, dir, sizeof dir) != 0) {
		snprintf(err, errlen, "cannot create a run directory beside %s: %s", src->run_dir, strerror(errno));
		return -1;
	}
	struct child_opts co = {.run_dir = dir};
	if (ui_run_child(&c->sc, c->paths, &co, &res) != 0) {
		snprintf(err, errlen, "cannot start the lab process: %s", strerror(errno));
		return -1;
	}
	json_decref(res.verdict);
	if (res.interrupted) {
		snprintf(err, errlen, "interrupted (the unfinished run is in %s)", dir);
		return -1;
	}
	if (res.status != 0) {
		snprintf(err, errlen, "%s", res.error[0] ? res.error : "the lab could not run");
		return -1;
	}
	snprintf(src->run_dir, sizeof src->run_dir, "%s", dir);
	return 0;
}

static int dash_rerun(struct dashboard_src *src, char *err, size_t errlen)
{
	struct live_ctx *c = src->ctx;
	if (!c->have_sc) {
		snprintf(err, errlen, "this run directory holds no scenario file to run again");
		return -1;
	}
	return live_run(c, src, err, errlen);
}

/* The scenario after the one shown, in catalog order (after the last: the
 * first again; with none shown: the first). */
static int dash_next(struct dashboard_src *src, char *err, size_t errlen)
{
	struct live_ctx *c = src->ctx;
	struct scenario nsc, old;
	char **files;
	size_t n, next = 0;

	if (scenario_paths(c->paths->catalog_dir, &files, &n) != 0 || n == 0) {
		if (n == 0)
			scenario_paths_free(files, n);
		snprintf(err, errlen, "cannot read the catalog in %s", c->paths->catalog_dir);
		return -1;
	}
	for (size_t i = 0; c->have_sc && i < n; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		size_t bl = strlen(base);
		if (bl > 4 && strcmp(base + bl - 4, ".ini") == 0)
			bl -= 4;
		if (strlen(c->sc.name) == bl && strncmp(base, c->sc.name, bl) == 0)
			next = (i + 1) % n;
	}
	int rc = scenario_load(files[next], c->paths->catalog_dir, &nsc, err, errlen);
	scenario_paths_free(files, n);
	if (rc != 0)
		return -1;
	old = c->sc;
	bool had = c->have_sc;
	c->sc = nsc;
	c->have_sc = true;
	if (live_run(c, src, err, errlen) != 0) {
		scenario_free(&c->sc);
		c->sc = old;
		c->have_sc = had;
		return -1;
	}
	if (had)
		scenario_free(&old);
	src->sc = &c->sc;
	return 0;
}

/* The dashboard wants both ends of the conversation on a terminal. */
static int on_terminal(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/* --interactive: the lab runs beside the dashboard, which polls it. */
struct live_run {
	struct child_handle h;
	struct child_result res;
	bool over;
};

static int live_poll(struct dashboard_src *src, int ms)
{
	struct live_run *lr = src->ctx;
	if (!lr->over && ui_child_poll(&lr->h, ms, false, &lr->res) == 1)
		lr->over = true;
	return lr->over ? 1 : 0;
}

/* mitmlab run NAME --interactive: alice's messages are typed on the
 * dashboard while the lab runs; it shows them sent, read, altered, live. */
static int cmd_run_interactive(const struct lab_paths *paths, struct scenario *sc, const char *dir, int ascii)
{
	int pfd[2];
	struct live_run lr = {.over = false};
	if (!on_terminal()) {
		fprintf(stderr,
			"mitmlab: --interactive needs a terminal: alice's messages are typed on the dashboard\n");
		return EXIT_USAGE;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		fprintf(stderr, "mitmlab: %s\n", strerror(errno));
		return EXIT_LAB;
	}
	signal(SIGPIPE, SIG_IGN);
	struct child_opts co = {.run_dir = dir, .interactive = true, .alice_stdin = pfd[0], .alice_stdin_w = pfd[1]};
	if (ui_child_start(sc, paths, &co, &lr.h) != 0) {
		fprintf(stderr, "mitmlab: cannot start the lab process: %s\n", strerror(errno));
		return EXIT_LAB;
	}
	close(pfd[0]);
	struct dashboard_src src = {
	    .sc = sc, .ascii = ascii != 0, .live = true, .input_fd = pfd[1], .poll = live_poll, .ctx = &lr};
	snprintf(src.run_dir, sizeof src.run_dir, "%s", dir);
	int drc = dashboard_run(&src);
	if (src.input_fd >= 0)
		close(src.input_fd);
	while (!lr.over) /* quit early: the lab is stopped, as by Ctrl-C */
		if (ui_child_poll(&lr.h, 100, true, &lr.res) == 1)
			lr.over = true;
	bool ok = lr.res.status == 0 && lr.res.verdict && strcmp(jstr(lr.res.verdict, "kind"), "error") != 0;
	json_decref(lr.res.verdict);
	if (lr.res.status == 0)
		print_run_report(dir, sc, ascii);
	else
		fprintf(stderr, "mitmlab: %s\n", lr.res.error[0] ? lr.res.error : "the lab could not run");
	if (drc > 128)
		return 130;
	return ok ? EXIT_OK : lr.res.status == 0 ? EXIT_FAIL : EXIT_LAB;
}

/* mitmlab run --hold [--idle S] / --paused: an enterable lab (ui/shell.c). */
struct hold_cli {
	int hold, paused, idle_s;
};

/* With --hold and --ascii, the report once the lab is held. */
struct ascii_ctx {
	const char *dir;
	const struct scenario *sc;
};

static void print_ascii_report(void *ctx)
{
	const struct ascii_ctx *a = ctx;
	print_run_report(a->dir, a->sc, 1);
}

static int cmd_run(const struct lab_paths *paths, const char *name, const char *out, int json, int headless, int ascii,
		   int interactive, const struct hold_cli *hc)
{
	struct scenario sc;
	struct child_result res;
	char dir[PATH_MAX], err[1024], hold_path[PATH_MAX];
	/* On a terminal the run happens first, as headless, then the dashboard
	 * plays it back; the report is printed after it, so it stays on screen.
	 * A held lab prints its report when it is held, and shows no dashboard. */
	int dash = !json && !headless && !hc->hold && on_terminal();

	if (load(name, paths, &sc) != 0)
		return EXIT_USAGE;
	/* One held lab at a time, refused before anything is made. */
	if ((hc->hold || hc->paused) && ui_hold_prepare(hold_path, sizeof hold_path, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		scenario_free(&sc);
		return EXIT_LAB;
	}
	int made = 0;
	if (out)
		snprintf(dir, sizeof dir, "%s", out);
	else if (default_dir(dir, sizeof dir, sc.name) == 0)
		made = 1;
	else
		snprintf(dir, sizeof dir, "runs");
	if (!made && ui_make_run_dir(dir, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		scenario_free(&sc);
		return EXIT_USAGE;
	}
	if (interactive) {
		int irc = cmd_run_interactive(paths, &sc, dir, ascii);
		scenario_free(&sc);
		return irc;
	}
	struct child_opts co = {
	    .run_dir = dir, .print_report = !json && !dash && !ascii, .print_json = json != 0, .ascii = ascii != 0};
	struct ascii_ctx actx = {.dir = dir, .sc = &sc};
	if (hc->hold || hc->paused) {
		co.hold_path = hold_path;
		co.hold = hc->hold != 0;
		co.paused = hc->paused != 0;
		co.idle_s = hc->idle_s;
		if (!json && ascii) {
			co.on_held = print_ascii_report;
			co.ctx = &actx;
		}
	}
	int rc = ui_run_child(&sc, paths, &co, &res);
	if (rc == 0 && res.interrupted) {
		scenario_free(&sc);
		json_decref(res.verdict);
		return 130;
	}
	if (rc != 0 || res.status != 0) {
		fprintf(stderr, "mitmlab: %s\n", res.error[0] ? res.error : "the lab could not run");
		scenario_free(&sc);
		json_decref(res.verdict);
		return EXIT_LAB;
	}
	int verdict_error = strcmp(jstr(res.verdict, "kind"), "error") == 0;
	json_decref(res.verdict);
	if (!dash) {
		if (!json && ascii && !res.held)
			print_run_report(dir, &sc, ascii);
		scenario_free(&sc);
		return verdict_error ? EXIT_FAIL : EXIT_OK;
	}
	/* The exit status stays that of this run, whatever r and s run later. */
	struct live_ctx lc = {.paths = paths, .sc = sc, .have_sc = true};
	struct dashboard_src src = {
	    .sc = &lc.sc, .ascii = ascii != 0, .autoplay = true, .rerun = dash_rerun, .next = dash_next, .ctx = &lc};
	snprintf(src.run_dir, sizeof src.run_dir, "%s", dir);
	int drc = dashboard_run(&src);
	print_run_report(src.run_dir, src.sc, ascii);
	scenario_free(&lc.sc);
	if (drc > 128)
		return 130;
	return verdict_error ? EXIT_FAIL : EXIT_OK;
}

/* The scenario file the runner copied into a run directory (DIR/NAME.ini;
 * the first by name if there are several). */
static int find_ini(const char *dir, char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char best[256] = "";

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && l < sizeof best && strcmp(de->d_name + l - 4, ".ini") == 0 && de->d_name[0] != '.' &&
		    (!best[0] || strcmp(de->d_name, best) < 0))
			snprintf(best, sizeof best, "%s", de->d_name);
	}
	closedir(d);
	if (!best[0] || (size_t)snprintf(out, len, "%s/%s", dir, best) >= len)
		return -1;
	return 0;
}

/* A recorded run, shown again: only files are read, nothing is built (r
 * and s in the dashboard do run the lab, like `mitmlab run`). */
static int cmd_replay(const struct lab_paths *paths, const char *dir, int ascii)
{
	char err[1024], ini[PATH_MAX + 256];
	struct live_ctx lc = {.paths = paths};
	int rc = EXIT_OK;

	json_t *events = vm_load_run(dir, err, sizeof err);
	if (!events) {
		fprintf(stderr, "mitmlab: %s\n", err);
		return EXIT_USAGE;
	}
	if (find_ini(dir, ini, sizeof ini) == 0) {
		if (scenario_load(ini, paths->catalog_dir, &lc.sc, err, sizeof err) == 0)
			lc.have_sc = true;
		else
			fprintf(stderr, "mitmlab: %s (showing the run without its scenario)\n", err);
	}
	if (on_terminal()) {
		struct dashboard_src src = {.sc = lc.have_sc ? &lc.sc : NULL,
					    .ascii = ascii != 0,
					    .autoplay = true,
					    .rerun = dash_rerun,
					    .next = dash_next,
					    .ctx = &lc};
		snprintf(src.run_dir, sizeof src.run_dir, "%s", dir);
		int drc = dashboard_run(&src);
		if (drc < 0) /* the terminal could not be used: what a script would get */
			report_text_opts(stdout, lc.have_sc ? &lc.sc : NULL, events, NULL, dir,
					 ascii ? REPORT_ASCII : 0);
		else if (drc > 128)
			rc = 130;
	} else {
		report_text_opts(stdout, lc.have_sc ? &lc.sc : NULL, events, NULL, dir, ascii ? REPORT_ASCII : 0);
	}
	json_decref(events);
	if (lc.have_sc)
		scenario_free(&lc.sc);
	return rc;
}

/* A run made elsewhere (docs/running-on-real-hosts.md, tools/mininet),
 * judged and reported exactly as the runner does its own. */
static int cmd_judge(const struct lab_paths *paths, const char *dir, const char *name, int json)
{
	char err[1024], ini[PATH_MAX + 256];
	struct scenario sc;
	struct verdict v;

	if (lab_collect_events(dir, err, sizeof err) < 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		return EXIT_USAGE;
	}
	bool have_ini = find_ini(dir, ini, sizeof ini) == 0;
	if (!name && !have_ini) {
		fprintf(stderr, "mitmlab: %s has no scenario file: name it (mitmlab judge %s NAME)\n", dir, dir);
		return EXIT_USAGE;
	}
	if (scenario_load(name ? name : ini, paths->catalog_dir, &sc, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		return EXIT_USAGE;
	}
	if (!have_ini && sc.path) { /* so that `mitmlab replay DIR` shows it too */
		snprintf(ini, sizeof ini, "%s/%s.ini", dir, sc.name);
		FILE *in = fopen(sc.path, "re"), *out = in ? fopen(ini, "wxe") : NULL;
		char buf[4096];
		size_t n;
		while (out && (n = fread(buf, 1, sizeof buf, in)) > 0)
			fwrite(buf, 1, n, out);
		if (out)
			fclose(out);
		if (in)
			fclose(in);
	}
	json_t *events = vm_load_run(dir, err, sizeof err);
	if (!events) {
		fprintf(stderr, "mitmlab: %s\n", err);
		scenario_free(&sc);
		return EXIT_USAGE;
	}
	if (lab_collect_ports(dir, events, err, sizeof err) < 0) /* the capture is extra: the verdict still comes */
		fprintf(stderr, "mitmlab: no wire.pcapng: %s\n", err);
	judge_run(events, &v);
	lab_write_reports(dir, &sc, events, &v);
	if (json) {
		json_t *j = report_json(&sc, events, &v, dir);
		if (j)
			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(j);
	} else {
		report_text_opts(stdout, &sc, events, &v, dir, 0);
	}
	int rc = report_matches(&sc, &v) ? EXIT_OK : EXIT_FAIL;
	json_decref(events);
	scenario_free(&sc);
	return rc;
}

/* Does the verdict match what the scenario file expects? */
static int matches(const struct scenario *sc, const json_t *v)
{
	if (strcmp(jstr(v, "kind"), sc->expect) != 0)
		return 0;
	if (strcmp(sc->expect, "blocked") != 0)
		return 1;
	return strcmp(jstr(v, "peer"), sc->expect_peer) == 0 && strcmp(jstr(v, "check"), sc->expect_check) == 0;
}

struct check_ctx {
	const struct lab_paths *paths;
	char **names;
	const char *base;
	size_t w;
};

#define OUTF(...)                                                                                                      \
	(off += (size_t)snprintf(text + off, off < cap ? cap - off : 0, __VA_ARGS__), off = off < cap ? off : cap)

/* One scenario of mitmlab check (in a worker process of its own). */
static bool check_one(size_t i, char *text, size_t cap, void *arg)
{
	const struct check_ctx *x = arg;
	struct scenario sc;
	struct child_result res;
	char dir[PATH_MAX + 128], nc[NAME_COL_MAX * 4], err[1024] = "", why[1600];
	size_t off = 0;
	bool ok = false;

	if (load(x->names[i], x->paths, &sc) != 0) {
		OUTF("FAIL %s bad scenario file\n", col(nc, sizeof nc, x->names[i], x->w));
		return false;
	}
	snprintf(dir, sizeof dir, "%s/%s", x->base, sc.name);
	struct child_opts co = {.run_dir = dir};
	snprintf(err, sizeof err, "cannot start the lab process");
	if (ui_make_run_dir(dir, err, sizeof err) != 0 || ui_run_child(&sc, x->paths, &co, &res) != 0) {
		OUTF("FAIL %s %s\n", col(nc, sizeof nc, sc.name, x->w), err);
		scenario_free(&sc);
		return false;
	}
	char expect[96], got[96];
	snprintf(expect, sizeof expect, "%s%s%s%s%s%s", sc.expect, sc.expect_peer ? " (" : "",
		 sc.expect_peer ? sc.expect_peer : "", sc.expect_peer ? ", " : "",
		 sc.expect_check ? sc.expect_check : "", sc.expect_peer ? ")" : "");
	bool blocked = res.verdict && strcmp(jstr(res.verdict, "kind"), "blocked") == 0;
	if (blocked)
		snprintf(got, sizeof got, "blocked (%s, %s)", jstr(res.verdict, "peer"), jstr(res.verdict, "check"));
	else
		snprintf(got, sizeof got, "%s", res.verdict ? jstr(res.verdict, "kind") : "no verdict");
	const char *ctl = NULL;
	if (res.status == 0 && blocked && !res.interrupted)
		ctl = ui_control(&sc, x->paths, dir, why, sizeof why);
	if (ctl)
		snprintf(got, sizeof got, "misconfigured");
	if (res.status == 0 && res.verdict && !ctl && matches(&sc, res.verdict)) {
		OUTF("ok   %s %-32s %6.2f s\n", col(nc, sizeof nc, sc.name, x->w), got, res.total_ms / 1000.0);
		ok = true;
	} else {
		OUTF("FAIL %s expected %s, got %s: %s\n", col(nc, sizeof nc, sc.name, x->w), expect, got,
		     ctl	   ? ctl
		     : res.verdict ? jstr(res.verdict, "reason")
				   : res.error);
		OUTF("     details: %s/report.txt\n", dir);
	}
	json_decref(res.verdict);
	scenario_free(&sc);
	return ok;
}

static int cmd_check(const struct lab_paths *paths, char **names, size_t n_names, const char *out, unsigned jobs)
{
	char base[PATH_MAX];
	char **files = NULL;
	size_t n_files = 0;

	if (out && !out[0]) {
		fprintf(stderr, "mitmlab: --out needs a directory\n");
		return EXIT_USAGE;
	}
	if (out)
		snprintf(base, sizeof base, "%s", out);
	else if (default_dir(base, sizeof base, "check") != 0) {
		fprintf(stderr, "mitmlab: cannot create a run directory under runs/: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (n_names == 0) {
		if (scenario_paths(paths->catalog_dir, &files, &n_files) != 0) {
			fprintf(stderr, "mitmlab: cannot read the catalog in %s\n", paths->catalog_dir);
			return EXIT_LAB;
		}
		names = files;
		n_names = n_files;
	}
	/* the width of the names as loaded (a number given on the command line is a short name) */
	size_t w = name_width(names, n_names);
	for (size_t i = 0; i < n_names; i++) {
		struct scenario pre;
		char e2[256];
		if (scenario_load(names[i], paths->catalog_dir, &pre, e2, sizeof e2) == 0) {
			size_t l = strlen(pre.name);
			w = l > w ? (l < NAME_COL_MAX ? l : NAME_COL_MAX) : w;
			scenario_free(&pre);
		}
	}
	struct check_ctx x = {.paths = paths, .names = names, .base = base, .w = w};
	struct jobs_result jr;
	jobs_run(n_names, jobs, check_one, &x, &jr);
	if (files)
		scenario_paths_free(files, n_files);
	if (jr.interrupted)
		jr.failed += n_names - jr.passed - jr.failed;
	printf("%zu passed, %zu failed\n", jr.passed, jr.failed);
	return jr.failed ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct lab_paths paths;
	const char *out = NULL;
	char *names[256];
	size_t n_names = 0;
	int json = 0, headless = 0, ascii = 0, interactive = 0;
	unsigned jobs = jobs_default();
	struct hold_cli hc = {.idle_s = LAB_HOLD_IDLE_DEFAULT};
	bool idle_given = false;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		mlab_print_version("mitmlab");
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout, EXIT_OK);
	/* Its own command line: everything after "--" is the command to run. */
	if (strcmp(argv[1], "shell") == 0)
		return ui_shell(argc - 2, argv + 2);
	if (lab_paths_find(&paths) != 0) {
		fprintf(stderr, "mitmlab: cannot find my own directory (/proc/self/exe)\n");
		return EXIT_LAB;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strncmp(argv[i], "--out=", 6) == 0)
			out = argv[i] + 6;
		else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v < 1 || v > 64 || argv[i][0] == '-') {
				fprintf(stderr, "mitmlab: --jobs: a number from 1 to 64, not '%s'\n", argv[i]);
				return EXIT_USAGE;
			}
			jobs = (unsigned)v;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--headless") == 0)
			headless = 1;
		else if (strcmp(argv[i], "--ascii") == 0)
			ascii = 1;
		else if (strcmp(argv[i], "--interactive") == 0)
			interactive = 1;
		else if (strcmp(argv[i], "--hold") == 0)
			hc.hold = 1;
		else if (strcmp(argv[i], "--paused") == 0)
			hc.paused = 1;
		else if ((strcmp(argv[i], "--idle") == 0 && i + 1 < argc) || strncmp(argv[i], "--idle=", 7) == 0) {
			const char *v = argv[i][6] == '=' ? argv[i] + 7 : argv[++i];
			char *end;
			long s = strtol(v, &end, 10);
			if (!*v || *end || s < 0 || s > LAB_HOLD_IDLE_MAX) {
				fprintf(stderr, "mitmlab: --idle needs a number of seconds, 0 to %d (0: no limit)\n",
					LAB_HOLD_IDLE_MAX);
				return EXIT_USAGE;
			}
			hc.idle_s = (int)s;
			idle_given = true;
		} else if (strcmp(argv[i], "--help") == 0)
			return usage(stdout, EXIT_OK);
		else if (argv[i][0] == '-') {
			fprintf(stderr, "mitmlab: unknown option %s\n", argv[i]);
			return usage(stderr, EXIT_USAGE);
		} else if (n_names < sizeof names / sizeof names[0])
			names[n_names++] = argv[i];
	}
	const char *cmd = argv[1];
	if ((hc.hold || hc.paused || idle_given) && strcmp(cmd, "run") != 0) {
		fprintf(stderr, "mitmlab: --hold, --idle and --paused go with run\n");
		return EXIT_USAGE;
	}
	if (idle_given && !hc.hold) {
		fprintf(stderr, "mitmlab: --idle goes with --hold\n");
		return EXIT_USAGE;
	}
	if ((hc.hold || hc.paused) && interactive) {
		fprintf(stderr, "mitmlab: --interactive does not go with --hold or --paused\n");
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "list") == 0 && n_names == 0)
		return cmd_list(&paths);
	if (strcmp(cmd, "show") == 0 && n_names == 1)
		return cmd_show(&paths, names[0], json);
	if (strcmp(cmd, "run") == 0 && n_names == 1)
		return cmd_run(&paths, names[0], out, json, headless, ascii, interactive, &hc);
	if (strcmp(cmd, "replay") == 0 && n_names == 1)
		return cmd_replay(&paths, names[0], ascii);
	if (strcmp(cmd, "judge") == 0 && (n_names == 1 || n_names == 2))
		return cmd_judge(&paths, names[0], n_names == 2 ? names[1] : NULL, json);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&paths, names, n_names, out, jobs);
	if (strcmp(cmd, "grade") == 0 && n_names >= 2)
		return cmd_grade(&paths, names[0], names + 1, n_names - 1, out, jobs);
	fprintf(stderr, "mitmlab: '%s' needs %s\n", cmd,
		strcmp(cmd, "show") == 0 || strcmp(cmd, "run") == 0 ? "exactly one scenario NAME"
		: strcmp(cmd, "replay") == 0			    ? "exactly one run DIR"
		: strcmp(cmd, "judge") == 0			    ? "a run DIR and at most one scenario NAME"
								    : "a known command");
	return usage(stderr, EXIT_USAGE);
}
