/* See wycheproof.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wycheproof.h"

#include "mlab_crypto.h"

json_t *wp_load(const char *name)
{
	const char *src = getenv("MLAB_SRC");
	char path[4096];
	json_error_t err;

	if (!src || !*src)
		src = ".";
	int n = snprintf(path, sizeof path, "%s/tests/vectors/wycheproof/%s", src, name);
	if (n < 0 || (size_t)n >= sizeof path)
		fail_msg("path too long for %s", name);
	json_t *root = json_load_file(path, 0, &err);
	if (!root)
		fail_msg("cannot load %s: %s (line %d)", path, err.text, err.line);
	if (!json_is_array(json_object_get(root, "testGroups"))) {
		json_decref(root);
		fail_msg("%s: no testGroups array", path);
	}
	return root;
}

uint8_t *wp_hex(const json_t *obj, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(obj, key));
	*len = 0;
	if (!s)
		return NULL;
	size_t n = strlen(s);
	uint8_t *p = malloc(n / 2 ? n / 2 : 1);
	if (p && mlab_unhex(s, p, n / 2, len) != 0) {
		free(p);
		*len = 0;
		return NULL;
	}
	return p;
}

enum wp_result wp_result(const json_t *test)
{
	const char *r = json_string_value(json_object_get(test, "result"));
	if (!r)
		return WP_UNKNOWN;
	if (strcmp(r, "valid") == 0)
		return WP_VALID;
	if (strcmp(r, "invalid") == 0)
		return WP_INVALID;
	if (strcmp(r, "acceptable") == 0)
		return WP_ACCEPTABLE;
	return WP_UNKNOWN;
}

bool wp_flag(const json_t *test, const char *flag)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(test, "flags"), i, f)
	{
		if (json_is_string(f) && strcmp(json_string_value(f), flag) == 0)
			return true;
	}
	return false;
}

long long wp_tc_id(const json_t *test)
{
	return (long long)json_integer_value(json_object_get(test, "tcId"));
}

enum wp_result wp_count(struct wp_tally *t, const json_t *test)
{
	enum wp_result x = wp_result(test);
	t->total++;
	t->valid += x == WP_VALID;
	t->invalid += x == WP_INVALID;
	t->acceptable += x == WP_ACCEPTABLE;
	return x;
}

void wp_disagree(struct wp_tally *t, const json_t *test, const char *fmt, ...)
{
	const char *comment = json_string_value(json_object_get(test, "comment"));
	const char *result = json_string_value(json_object_get(test, "result"));
	va_list ap;

	t->disagree++;
	fprintf(stderr, "# %s tcId %lld (%s, \"%s\"): ", t->file, wp_tc_id(test), result ? result : "?",
		comment ? comment : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void wp_check_total(struct wp_tally *t, const json_t *root)
{
	json_int_t declared = json_integer_value(json_object_get(root, "numberOfTests"));
	if (declared != (json_int_t)t->total) {
		fprintf(stderr, "# %s: numberOfTests says %lld, walked %u\n", t->file, (long long)declared, t->total);
		t->disagree++;
	}
}
