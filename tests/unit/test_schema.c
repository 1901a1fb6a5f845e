/* The event schema (lab-scenarios/ev_schema.h) against docs/events.md, its
 * template renderer, the check of recorded events, and time order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ev_fields.h"
#include "ev_schema.h"

#define DOC_MAX 256

/* docs/events.md §2: every table row whose first cell is a backticked event
 * name and that has three cells (event, who/when, fields). */
struct doc_row {
	char name[48];
	char fields[4096]; /* the fields cells of every row of that name, joined */
};

static size_t read_doc(struct doc_row *rows, size_t max)
{
	const char *src = getenv("MLAB_SRC");
	char path[4096], line[8192];
	size_t n = 0;
	bool in2 = false;
	snprintf(path, sizeof path, "%s/docs/events.md", src && *src ? src : ".");
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (set MLAB_SRC)", path);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "## ", 3) == 0)
			in2 = strncmp(line, "## 2.", 5) == 0;
		if (!in2 || strncmp(line, "| `", 3) != 0)
			continue;
		/* three cells exactly: | `name` | when | fields | */
		char *c1 = line + 1, *c2 = strchr(c1, '|'), *c3 = c2 ? strchr(c2 + 1, '|') : NULL;
		char *c4 = c3 ? strchr(c3 + 1, '|') : NULL;
		if (!c4 || strchr(c4 + 1, '|'))
			continue;
		char name[48];
		if (sscanf(c1, " `%47[a-z0-9-]`", name) != 1)
			continue;
		if (c2 - c1 > (ptrdiff_t)strlen(name) + 6) /* "`a` / `b`" rows of readable lines */
			continue;
		size_t k = 0;
		while (k < n && strcmp(rows[k].name, name) != 0)
			k++;
		if (k == n) {
			assert_true(n < max);
			snprintf(rows[n].name, sizeof rows[n].name, "%s", name);
			rows[n].fields[0] = '\0';
			n++;
		}
		size_t l = strlen(rows[k].fields);
		snprintf(rows[k].fields + l, sizeof rows[k].fields - l, " %.*s", (int)(c4 - c3 - 1), c3 + 1);
	}
	fclose(f);
	return n;
}

static void test_schema_matches_docs(void **state)
{
	(void)state;
	static struct doc_row rows[DOC_MAX];
	size_t n = read_doc(rows, DOC_MAX);
	assert_true(n > 50);
	/* every documented event is in the schema ... */
	for (size_t i = 0; i < n; i++)
		if (ev_id_of(rows[i].name) == EV_UNKNOWN)
			fail_msg("docs/events.md documents \"%s\", which the schema lacks", rows[i].name);
	/* ... every schema row is documented, with each of its fields */
	for (int id = 0; id < EV_COUNT; id++) {
		const struct ev_row *r = ev_row((enum ev_id)id);
		size_t k = 0;
		while (k < n && strcmp(rows[k].name, r->name) != 0)
			k++;
		if (k == n)
			fail_msg("the schema has \"%s\", which docs/events.md §2 does not document", r->name);
		if (r->id == EV_ERROR)
			continue; /* its fields are §3's */
		char f[48];
		for (const char *p = r->fields; sscanf(p, " %47[a-z_0-9]:", f) == 1;) {
			char want[64];
			snprintf(want, sizeof want, "`%s`", f);
			if (!strstr(rows[k].fields, want))
				fail_msg("docs/events.md does not document field %s of \"%s\"", want, r->name);
			p = strchr(p, ':') + 2;
		}
		assert_non_null(r->text);
		assert_true(r->emitters != 0);
	}
}

static void test_rows_are_consistent(void **state)
{
	(void)state;
	for (int id = 0; id < EV_COUNT; id++) {
		const struct ev_row *r = ev_row((enum ev_id)id);
		assert_int_equal(r->id, id);
		assert_int_equal(ev_id_of(r->name), id);
		/* the runner's events are the lab's ground truth; the others a party's own view */
		assert_int_equal(r->know == KN_LAB, r->emitters == EW_L);
		/* every field a template names is a field of the row */
		for (const char *p = r->text; (p = strchr(p, '{'));) {
			p++;
			if (*p == '?' || *p == '!')
				p++;
			char f[48];
			if (sscanf(p, "%47[a-z_0-9]", f) == 1)
				if (!ev_field_type(r, f))
					fail_msg("the text of \"%s\" names field %s, which the row lacks", r->name, f);
		}
	}
	assert_int_equal(ev_id_of("no-such-event"), EV_UNKNOWN);
	assert_null(ev_row(EV_UNKNOWN));
	assert_int_equal(ev_field_type(ev_row(EV_SHARE_SENT), "len"), 'i');
	assert_int_equal(ev_field_type(ev_row(EV_SHARE_SENT), "le"), 0);
}

static void text_of(char *buf, size_t n, const char *json)
{
	json_t *e = json_loads(json, JSON_ALLOW_NUL, NULL);
	assert_non_null(e);
	ev_text(buf, n, e, false);
	json_decref(e);
}

static void test_render(void **state)
{
	(void)state;
	char b[160];
	text_of(b, sizeof b,
		"{\"event\":\"negotiated\",\"mode\":\"sign\",\"group\":\"x25519\",\"cipher\":\"chacha20-poly1305\","
		"\"client_auth\":true}");
	assert_string_equal(b, "negotiated sign x25519 chacha20 +mutual");
	text_of(b, sizeof b,
		"{\"event\":\"negotiated\",\"mode\":\"none\",\"group\":\"x25519\",\"cipher\":\"none\","
		"\"client_auth\":false}");
	assert_string_equal(b, "negotiated none x25519 none");
	text_of(b, sizeof b, "{\"event\":\"connection-end\",\"conn\":2,\"ok\":false,\"error\":\"record-auth\"}");
	assert_string_equal(b, "connection #2 ended: record-auth");
	text_of(b, sizeof b, "{\"event\":\"message-sent\",\"n\":1,\"hex\":\"610062\",\"text\":\"a\\u0000b\"}");
	assert_string_equal(b, "sent #1 \"a\\x00b\"");
	text_of(b, sizeof b, "{\"event\":\"share-swapped\",\"toward\":\"10.0.0.10\"}");
	assert_string_equal(b, "share swapped \xe2\x86\x92 alice");
	text_of(b, sizeof b, "{\"event\":\"poisoning\",\"targets\":[\"10.0.0.10\",\"10.0.0.20\"]}");
	assert_string_equal(b, "poisoning alice+bob");
	/* hostile values: escaped, and an unknown event is shown, never dropped */
	text_of(b, sizeof b, "{\"event\":\"connected\",\"peer\":\"\\u001b[2Jx\"}");
	assert_string_equal(b, "connected to \\x1b[2Jx");
	text_of(b, sizeof b, "{\"event\":\"from-the-future\"}");
	assert_string_equal(b, "unknown event from-the-future");
	text_of(b, sizeof b, "{\"event\":\"connected\"}");
	assert_string_equal(b, "connected to ?");
	/* cut, with the ellipsis */
	text_of(b, 12, "{\"event\":\"connected\",\"peer\":\"10.0.0.20:4433\"}");
	assert_string_equal(b, "connecte\xe2\x80\xa6");
	/* ASCII */
	json_t *e = json_pack("{s:s,s:s}", "event", "share-swapped", "toward", "bob");
	ev_text(b, sizeof b, e, true);
	assert_string_equal(b, "share swapped -> bob");
	json_decref(e);
}

static void test_check(void **state)
{
	(void)state;
	char why[256];
	json_t *e = json_pack("{s:f,s:s,s:s,s:s,s:i,s:s}", "t", 1.0, "actor", "alice", "event", "share-sent", "group",
			      "x25519", "len", 32, "share", "00");
	assert_int_equal(ev_check(e, why, sizeof why), 0);
	json_object_set_new(e, "len", json_string("32")); /* wrong type */
	assert_int_equal(ev_check(e, why, sizeof why), -1);
	assert_non_null(strstr(why, "len"));
	json_decref(e);
	e = json_pack("{s:f,s:s,s:s}", "t", 1.0, "actor", "mallory", "event", "hello-sent"); /* not hers to emit */
	assert_int_equal(ev_check(e, why, sizeof why), -1);
	assert_non_null(strstr(why, "may not emit"));
	json_decref(e);
	e = json_pack("{s:f,s:s,s:s}", "t", 1.0, "actor", "bob", "event", "new-thing");
	assert_int_equal(ev_check(e, why, sizeof why), -1);
	assert_non_null(strstr(why, "not in the schema"));
	json_decref(e);
	e = json_pack("{s:s,s:s}", "actor", "bob", "event", "listening"); /* no t */
	assert_int_equal(ev_check(e, why, sizeof why), -1);
	json_decref(e);
}

static void test_sort_by_time(void **state)
{
	(void)state;
	/* bob's line came in first but happened later; a line without t keeps
	 * its place after the one it came after; ties keep arrival order */
	json_t *a = json_loads("[{\"t\":2.0,\"actor\":\"bob\",\"event\":\"hello-received\"},"
			       "{\"t\":1.0,\"actor\":\"alice\",\"event\":\"hello-sent\"},"
			       "{\"actor\":\"lab\",\"event\":\"x\"},"
			       "{\"t\":2.0,\"actor\":\"mallory\",\"event\":\"offer-stripped\"},"
			       "{\"t\":0.5,\"actor\":\"lab\",\"event\":\"run-start\"}]",
			       0, NULL);
	assert_non_null(a);
	assert_int_equal(ev_sort_by_time(a), 0);
	const char *want[] = {"run-start", "hello-sent", "x", "hello-received", "offer-stripped"};
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(ev_str(json_array_get(a, i), "event"), want[i]);
	json_decref(a);
	assert_int_equal(ev_sort_by_time(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema_matches_docs),
	    cmocka_unit_test(test_rows_are_consistent),
	    cmocka_unit_test(test_render),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_sort_by_time),
	};
	return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
