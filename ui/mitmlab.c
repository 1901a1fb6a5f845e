/* ui/: mitmlab, the front end — catalog commands, running and checking
 * scenarios, and (next) the ncurses dashboard. The lab itself lives in
 * lab-scenarios/; a run happens in a child process (lab_child.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "judge.h"
#include "lab_child.h"
#include "lab_net.h"
#include "scenario.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_LAB = 3 };

static int usage(FILE *f, int code)
{
	fputs("usage: mitmlab COMMAND [options]\n\n"
	      "  list                         the catalog: number, name, network, expected verdict, title\n"
	      "  show NAME                    what the scenario teaches and the command lines to run by hand\n"
	      "  run NAME [--out DIR] [--json] [--headless]\n"
	      "                               build the private network, run the scenario, judge it, print the report\n"
	      "                               (the run directory keeps events.jsonl, wire.pcap, reports, logs)\n"
	      "  check [NAME...] [--out DIR]  run scenarios (default: all) and compare with their expected verdicts;\n"
	      "                               the last line reads \"N passed, M failed\"\n\n"
	      "NAME is a catalog name (01-baseline), its number (1) or suffix (baseline), or a path to an .ini file.\n"
	      "No root needed: the lab lives in a private user namespace and vanishes when mitmlab exits.\n\n"
	      "exit status: 0 success; 1 check: a verdict differed (or a scenario could not run), run: the verdict\n"
	      "is \"error\"; 2 usage or a bad scenario file; 3 the lab could not be built (e.g. user namespaces\n"
	      "disabled: the message says how); 130 interrupted (Ctrl-C)\n",
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

static int cmd_list(const struct lab_paths *paths)
{
	char **files;
	size_t n;
	int bad = 0;

	if (scenario_paths(paths->catalog_dir, &files, &n) != 0) {
		fprintf(stderr, "mitmlab: cannot read the catalog in %s\n", paths->catalog_dir);
		return EXIT_LAB;
	}
	for (size_t i = 0; i < n; i++) {
		struct scenario sc;
		if (load(files[i], paths, &sc) != 0) {
			bad = 1;
			continue;
		}
		char expect[96];
		if (sc.expect_peer)
			snprintf(expect, sizeof expect, "%s (%s, %s)", sc.expect, sc.expect_peer, sc.expect_check);
		else
			snprintf(expect, sizeof expect, "%s", sc.expect);
		printf("%02d  %-28s %-6s  %-24s  %s\n", scenario_number(&sc), sc.name,
		       scenario_network_name(sc.network), expect, sc.title);
		scenario_free(&sc);
	}
	scenario_paths_free(files, n);
	return bad ? EXIT_USAGE : EXIT_OK;
}

static int cmd_show(const struct lab_paths *paths, const char *name)
{
	static const char *const progs[] = {"bob", "mallory", "alice"};
	struct scenario sc;

	if (load(name, paths, &sc) != 0)
		return EXIT_USAGE;
	printf("%s — %s\n\nnetwork: %s    expected verdict: %s", sc.name, sc.title, scenario_network_name(sc.network),
	       sc.expect);
	if (sc.expect_peer)
		printf(" (%s, %s check)", sc.expect_peer, sc.expect_check);
	printf("\n\n%s\n\n", sc.teaching);
	printf("Run it:  mitmlab run %s\n\nBy hand, one terminal per host (each inside that host's network namespace,\n"
	       "addresses from the lab plan: alice 10.0.0.10, bob 10.0.0.20, mallory 10.0.0.66), in this order:\n\n",
	       sc.name);
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
		lab_argv_print(stdout, argv);
		lab_argv_free(argv);
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

static int cmd_run(const struct lab_paths *paths, const char *name, const char *out, int json, int headless)
{
	struct scenario sc;
	struct child_result res;
	char dir[PATH_MAX], err[1024];

	(void)headless; /* the dashboard comes with the next issue: every run is headless for now */
	if (load(name, paths, &sc) != 0)
		return EXIT_USAGE;
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
	struct child_opts co = {.run_dir = dir, .print_report = !json, .print_json = json != 0};
	int rc = ui_run_child(&sc, paths, &co, &res);
	scenario_free(&sc);
	if (rc == 0 && res.interrupted) {
		json_decref(res.verdict);
		return 130;
	}
	if (rc != 0 || res.status != 0) {
		fprintf(stderr, "mitmlab: %s\n", res.error[0] ? res.error : "the lab could not run");
		json_decref(res.verdict);
		return EXIT_LAB;
	}
	int verdict_error = strcmp(jstr(res.verdict, "kind"), "error") == 0;
	json_decref(res.verdict);
	if (res.interrupted)
		return 130;
	return verdict_error ? EXIT_FAIL : EXIT_OK;
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

static int cmd_check(const struct lab_paths *paths, char **names, size_t n_names, const char *out)
{
	char base[PATH_MAX], err[1024] = "";
	char **files = NULL;
	size_t n_files = 0, passed = 0, failed = 0;

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
	for (size_t i = 0; i < n_names; i++) {
		struct scenario sc;
		struct child_result res;
		char dir[PATH_MAX + 128];

		if (load(names[i], paths, &sc) != 0) {
			printf("FAIL %-28s bad scenario file\n", names[i]);
			failed++;
			continue;
		}
		snprintf(dir, sizeof dir, "%s/%s", base, sc.name);
		struct child_opts co = {.run_dir = dir};
		snprintf(err, sizeof err, "cannot start the lab process");
		if (ui_make_run_dir(dir, err, sizeof err) != 0 || ui_run_child(&sc, paths, &co, &res) != 0) {
			printf("FAIL %-28s %s\n", sc.name, err);
			failed++;
			scenario_free(&sc);
			continue;
		}
		char expect[96], got[96];
		snprintf(expect, sizeof expect, "%s%s%s%s%s%s", sc.expect, sc.expect_peer ? " (" : "",
			 sc.expect_peer ? sc.expect_peer : "", sc.expect_peer ? ", " : "",
			 sc.expect_check ? sc.expect_check : "", sc.expect_peer ? ")" : "");
		if (res.verdict && strcmp(jstr(res.verdict, "kind"), "blocked") == 0)
			snprintf(got, sizeof got, "blocked (%s, %s)", jstr(res.verdict, "peer"), jstr(res.verdict, "check"));
		else
			snprintf(got, sizeof got, "%s", res.verdict ? jstr(res.verdict, "kind") : "no verdict");
		if (res.status == 0 && res.verdict && matches(&sc, res.verdict)) {
			printf("ok   %-28s %-32s %6.2f s\n", sc.name, got, res.total_ms / 1000.0);
			passed++;
		} else {
			printf("FAIL %-28s expected %s, got %s: %s\n", sc.name, expect, got,
			       res.verdict ? jstr(res.verdict, "reason") : res.error);
			printf("     details: %s/report.txt\n", dir);
			failed++;
		}
		fflush(stdout);
		json_decref(res.verdict);
		scenario_free(&sc);
		if (res.interrupted)
			break;
	}
	if (files)
		scenario_paths_free(files, n_files);
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct lab_paths paths;
	const char *out = NULL;
	char *names[256];
	size_t n_names = 0;
	int json = 0, headless = 0;

	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout, EXIT_OK);
	if (lab_paths_find(&paths) != 0) {
		fprintf(stderr, "mitmlab: cannot find my own directory (/proc/self/exe)\n");
		return EXIT_LAB;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strncmp(argv[i], "--out=", 6) == 0)
			out = argv[i] + 6;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--headless") == 0)
			headless = 1;
		else if (strcmp(argv[i], "--help") == 0)
			return usage(stdout, EXIT_OK);
		else if (argv[i][0] == '-') {
			fprintf(stderr, "mitmlab: unknown option %s\n", argv[i]);
			return usage(stderr, EXIT_USAGE);
		} else if (n_names < sizeof names / sizeof names[0])
			names[n_names++] = argv[i];
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "list") == 0 && n_names == 0)
		return cmd_list(&paths);
	if (strcmp(cmd, "show") == 0 && n_names == 1)
		return cmd_show(&paths, names[0]);
	if (strcmp(cmd, "run") == 0 && n_names == 1)
		return cmd_run(&paths, names[0], out, json, headless);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(&paths, names, n_names, out);
	fprintf(stderr, "mitmlab: '%s' needs %s\n", cmd,
		strcmp(cmd, "show") == 0 || strcmp(cmd, "run") == 0 ? "exactly one scenario NAME" : "a known command");
	return usage(stderr, EXIT_USAGE);
}
