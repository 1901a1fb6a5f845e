/* Recorded event streams for tests (see ev_stream.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ev_stream.h"

void ev(json_t *s, double t, const char *actor, const char *event, const char *fmt, ...)
{
	json_t *e;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		e = json_vpack_ex(NULL, 0, fmt, ap);
		va_end(ap);
	} else {
		e = json_object();
	}
	assert_non_null(e);
	json_object_set_new(e, "t", json_real(t));
	json_object_set_new(e, "actor", json_string(actor));
	json_object_set_new(e, "event", json_string(event));
	assert_int_equal(json_array_append_new(s, e), 0);
}

void to_hex(const char *text, char *hex, size_t n)
{
	size_t len = strlen(text);
	assert_true(2 * len + 1 <= n);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)text[i]);
	hex[2 * len] = '\0';
}

void msg(json_t *s, double t, const char *who, const char *event, int n, const char *text)
{
	char hex[2048];
	to_hex(text, hex, sizeof hex);
	ev(s, t, who, event, "{s:i,s:i,s:s,s:s}", "n", n, "len", (int)strlen(text), "text", text, "hex", hex);
}
