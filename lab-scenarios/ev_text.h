/* Bounded text for people, shared by the dashboard's view model and the
 * schema's templates: a string builder that cuts with "…", and the formatters
 * of event fields (escaped strings, shares, key ids, message snippets, diffs).
 * Everything copied from an event is escaped to printable ASCII (\xNN); the
 * only non-ASCII written is ✔ ✘ → … — (U+2714, U+2718, U+2192, U+2026,
 * U+2014). */
#ifndef LAB_EV_TEXT_H
#define LAB_EV_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Kept as separate literals: a hex escape must not run into the next letter. */
#define U_CHECK "\xe2\x9c\x94"
#define U_CROSS "\xe2\x9c\x98"
#define U_ARROW "\xe2\x86\x92"
#define U_ELLIPSIS "\xe2\x80\xa6"
#define U_DASH "\xe2\x80\x94"

struct tb {
	char *p;
	size_t n, len;
	bool cut;
};

/* A short machine word (name, address, MAC): printable ASCII, else '?'. */
void tb_copy_token(char *dst, size_t n, const char *src);
/* Free text: printable ASCII, newlines when asked, the five characters above. */
void tb_copy_text(char *dst, size_t n, const char *src, bool newlines);
void tb_init(struct tb *s, char *p, size_t n);
void tb_putn(struct tb *s, const char *str, size_t len);
void tb_put(struct tb *s, const char *str);
void tb_printf(struct tb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the text: when something was cut, its tail becomes "…". */
void tb_end(struct tb *s);
/* Bytes escaped (\xNN), at most max columns, then "…". */
void tb_esc(struct tb *s, const void *data, size_t len, size_t max);
/* A string escaped, or "?". */
void tb_str(struct tb *s, const char *str, size_t max);
void tb_field(struct tb *s, const json_t *e, const char *key, size_t max);
/* alice/bob/mallory for a name or lab address ("10.0.0.10:4433"); NULL otherwise. */
const char *ev_who(const char *addr);
void tb_who(struct tb *s, const char *addr);
/* "alice→bob" from the from/to fields. */
void tb_route(struct tb *s, const json_t *e);
/* A message "\"hello bob\"" (cut) from hexkey, else textkey; "?" without. */
void tb_snip(struct tb *s, const json_t *e, const char *hexkey, const char *textkey);
/* mallory's change: `"transfer 100…" → "transfer 9999…"`. */
void tb_change(struct tb *s, const json_t *e);
/* A list of names "none,sign" (an unknown id as its number). */
void tb_list(struct tb *s, const json_t *a);
void tb_cipher(struct tb *s, const char *c);
/* The first 8 hex digits of a share, then "…". */
void tb_share(struct tb *s, const char *hex);

#endif
