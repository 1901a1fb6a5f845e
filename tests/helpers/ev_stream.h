/* Building recorded event streams in tests (judge, report): the same shape
 * the runner records. Include after <cmocka.h>. */
#ifndef TEST_EV_STREAM_H
#define TEST_EV_STREAM_H

#include <stddef.h>

#include <jansson.h>

/* Appends {"t", "actor", "event", ...fields}; fmt is a json_pack format for
 * the fields, or NULL. */
void ev(json_t *s, double t, const char *actor, const char *event, const char *fmt, ...);
/* Lowercase hex of a text (n bytes of room, checked). */
void to_hex(const char *text, char *hex, size_t n);
/* A message-sent / message-received event with n, len, text and hex. */
void msg(json_t *s, double t, const char *who, const char *event, int n, const char *text);

#endif
