/* Grading (see grade.h). Each submission runs in a worker of its own: the
 * changes are checked against what the exercise locks, the scenario the
 * submission stands for is written by us and loaded like any scenario, the
 * lab runs, a blocked verdict must survive the control run, and the points
 * are the exercise's when the verdict is its goal. */
#include "grade.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "control.h"
#include "exercise.h"
#include "jobs.h"
#include "lab_child.h"
#include "scenario.h"

struct grade_ctx {
	const struct lab_paths *paths;
	const struct exercise *x;
	const char *base_path; /* the base scenario's file */
	char **subs;
	const char *out;
};

static const char *vstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* One result line (JSON) into text. */
static bool result(char *text, size_t cap, const char *name, const char *verdict, const char *control, unsigned points,
		   const char *why)
{
	json_t *j = json_pack("{s:s,s:s,s:s,s:i,s:s}", "name", name, "verdict", verdict, "control", control, "points",
			      (int)points, "why", why);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	snprintf(text, cap, "%s", s ? s : "{}");
	free(s);
	json_decref(j);
	return points > 0;
}

static bool grade_one(size_t i, char *text, size_t cap, void *arg)
{
	const struct grade_ctx *g = arg;
	const char *name = base_name(g->subs[i]);
	char dir[PATH_MAX], path[PATH_MAX + 300], rdir[PATH_MAX + 16], why[2048] = "", err[1024] = "";
	struct ex_ini base, sub;
	struct scenario sc;
	struct child_result res;

	snprintf(dir, sizeof dir, "%s/%03zu-%.200s", g->out, i + 1, name);
	if (ui_make_run_dir(dir, err, sizeof err) != 0)
		return result(text, cap, name, "error", "-", 0, err);
	if (ex_ini_read(g->base_path, &base, err, sizeof err) != 0)
		return result(text, cap, name, "error", "-", 0, err);
	if (ex_ini_read(g->subs[i], &sub, why, sizeof why) != 0) {
		ex_ini_free(&base);
		return result(text, cap, name, "refused", "-", 0, why);
	}
	char bname[256];
	snprintf(bname, sizeof bname, "%s", base_name(g->base_path));
	snprintf(path, sizeof path, "%s/%s", dir, bname);
	int a = exercise_apply(g->x, &base, &sub, path, why, sizeof why);
	ex_ini_free(&base);
	ex_ini_free(&sub);
	if (a != 0)
		return result(text, cap, name, "refused", "-", 0, why);
	if (scenario_load(path, g->paths->catalog_dir, &sc, why, sizeof why) != 0)
		return result(text, cap, name, "refused", "-", 0, why);
	snprintf(rdir, sizeof rdir, "%s/run", dir);
	struct child_opts co = {.run_dir = rdir};
	if (ui_make_run_dir(rdir, err, sizeof err) != 0 || ui_run_child(&sc, g->paths, &co, &res) != 0 ||
	    !res.verdict) {
		scenario_free(&sc);
		return result(text, cap, name, "error", "-", 0, res.error[0] ? res.error : err);
	}
	const char *kind = vstr(res.verdict, "kind"), *ctl = "-";
	char reason[1200];
	snprintf(reason, sizeof reason, "%s", vstr(res.verdict, "reason"));
	bool ok = strcmp(kind, g->x->goal) == 0;
	if (strcmp(kind, "blocked") == 0) {
		const char *c = ui_control(&sc, g->paths, rdir, why, sizeof why);
		ctl = c ? "failed" : "ok";
		if (c) {
			ok = false;
			snprintf(reason, sizeof reason, "%s", c);
			kind = "misconfigured";
		}
	}
	char because[1400];
	if (ok)
		snprintf(because, sizeof because, "%s", reason);
	else
		snprintf(because, sizeof because, "goal %s, got %s: %s", g->x->goal, kind, reason);
	bool r = result(text, cap, name, kind, ctl, ok ? g->x->points : 0, because);
	json_decref(res.verdict);
	scenario_free(&sc);
	return r;
}

static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

int cmd_grade(const struct lab_paths *paths, const char *exercise, char **subs, size_t n_subs, const char *out,
	      unsigned jobs)
{
	struct exercise x;
	struct scenario base;
	char err[1024], dir[PATH_MAX];

	if (exercise_load(exercise, &x, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		return 3;
	}
	if (scenario_load(x.base, paths->catalog_dir, &base, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s: base %s: %s\n", exercise, x.base, err);
		exercise_free(&x);
		return 3;
	}
	if (out)
		snprintf(dir, sizeof dir, "%s", out);
	else {
		time_t now = time(NULL);
		char stamp[32];
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
		mkdir("runs", 0755);
		snprintf(dir, sizeof dir, "runs/grade-%s", stamp);
	}
	if (ui_make_run_dir(dir, err, sizeof err) != 0) {
		fprintf(stderr, "mitmlab: %s\n", err);
		scenario_free(&base);
		exercise_free(&x);
		return 2;
	}
	struct grade_ctx g = {.paths = paths, .x = &x, .base_path = base.path, .subs = subs, .out = dir};
	char **texts = calloc(n_subs ? n_subs : 1, sizeof *texts);
	bool *oks = calloc(n_subs ? n_subs : 1, sizeof *oks);
	struct jobs_result jr;
	if (!texts || !oks) {
		free(texts);
		free(oks);
		return 3;
	}
	printf("exercise: %s (%s; goal %s, %u points; base %s)\n", x.title, exercise, x.goal, x.points, base.name);
	jobs_collect(n_subs, jobs, grade_one, &g, texts, oks, &jr);
	json_t *all = json_array();
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/grades.csv", dir);
	FILE *csv = fopen(path, "w");
	if (csv)
		fputs("name,verdict,control,points,why\n", csv);
	printf("%-28s %-17s %-8s %6s  %s\n", "submission", "verdict", "control", "points", "why");
	unsigned total = 0;
	for (size_t i = 0; i < n_subs; i++) {
		json_t *j = texts[i] ? json_loads(texts[i], 0, NULL) : NULL;
		if (!j)
			j = json_pack("{s:s,s:s,s:s,s:i,s:s}", "name", base_name(subs[i]), "verdict", "error",
				      "control", "-", "points", 0, "why", "the grading process ended without a result");
		int pts = (int)json_integer_value(json_object_get(j, "points"));
		total += (unsigned)pts;
		printf("%-28.28s %-17s %-8s %6d  %s\n", vstr(j, "name"), vstr(j, "verdict"), vstr(j, "control"), pts,
		       vstr(j, "why"));
		if (csv) {
			csv_field(csv, vstr(j, "name"));
			fputc(',', csv);
			csv_field(csv, vstr(j, "verdict"));
			fputc(',', csv);
			csv_field(csv, vstr(j, "control"));
			fprintf(csv, ",%d,", pts);
			csv_field(csv, vstr(j, "why"));
			fputc('\n', csv);
		}
		json_array_append_new(all, j);
		free(texts[i]);
	}
	if (csv)
		fclose(csv);
	json_t *doc = json_pack("{s:s,s:s,s:s,s:i,s:o}", "exercise", exercise, "title", x.title, "goal", x.goal,
				"points", (int)x.points, "submissions", all);
	snprintf(path, sizeof path, "%s/grades.json", dir);
	json_dump_file(doc, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(doc);
	printf("%zu submission%s, %u point%s in all; %s/grades.json, %s/grades.csv\n", n_subs, n_subs == 1 ? "" : "s",
	       total, total == 1 ? "" : "s", dir, dir);
	free(texts);
	free(oks);
	scenario_free(&base);
	exercise_free(&x);
	return 0;
}
