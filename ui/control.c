/* The control run (docs/events.md §6): see control.h. */
#include "control.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char *vstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* The control of a blocked run: the same peers without mallory. A defense
 * earns the verdict only if they talk when nobody attacks. NULL: they do;
 * else why not (into why). */
const char *ui_control(const struct scenario *sc, const struct lab_paths *paths, const char *dir, char *why, size_t n)
{
	struct scenario c = *sc; /* a shallow copy: only the copy's flags change */
	struct child_result res;
	char cdir[PATH_MAX + 160], err[1024] = "";
	c.mallory.present = false;
	c.leak = NULL;
	c.break_classical = false;
	snprintf(cdir, sizeof cdir, "%s-control", dir);
	struct child_opts co = {.run_dir = cdir};
	if (ui_make_run_dir(cdir, err, sizeof err) != 0 || ui_run_child(&c, paths, &co, &res) != 0) {
		snprintf(why, n, "the control run (without mallory) could not run: %s", err);
		return why;
	}
	const char *kind = res.verdict ? vstr(res.verdict, "kind") : "no verdict";
	if (res.status == 0 && strcmp(kind, "confidential") == 0) {
		json_decref(res.verdict);
		return NULL;
	}
	snprintf(
	    why, n,
	    "misconfigured: without mallory the same peers do not talk either (control: %.40s: %.600s; see %.600s)",
	    kind, res.verdict ? vstr(res.verdict, "reason") : res.error, cdir);
	json_decref(res.verdict);
	return why;
}
