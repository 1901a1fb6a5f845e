/* Reading Project Wycheproof vector files (tests/vectors/wycheproof/) in the
 * cmocka suites — test_wycheproof, test_rsa, test_mlkem: one loader, one hex
 * decoder and one tally, so that each suite says only what a case means for
 * its own wrapper. Include after <cmocka.h>.
 *
 * Files are found under $MLAB_SRC (set by `make test` to the repository
 * root), or under the current directory when MLAB_SRC is unset. */
#ifndef TEST_WYCHEPROOF_H
#define TEST_WYCHEPROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum wp_result { WP_VALID, WP_INVALID, WP_ACCEPTABLE, WP_UNKNOWN };

struct wp_tally {
	const char *file;
	unsigned total; /* cases in the file */
	unsigned run;	/* cases given to the wrapper (suites that skip shapes it cannot express) */
	unsigned valid, invalid, acceptable;
	unsigned unrepresentable; /* shapes the wrapper's API cannot express */
	unsigned disagree;	  /* the wrapper's answer differs from the vector */
};

/* The file, parsed; fails the test when it is missing, not JSON, or has no
 * testGroups array. json_decref it. */
json_t *wp_load(const char *name);
/* The hex string field key of obj in a fresh buffer of exactly its length
 * (one byte for "", so empty inputs reach the wrappers as real pointers, and
 * ASan sees any over-read); *len its length. NULL (*len 0) when the field is
 * missing or not hex. free() it. */
uint8_t *wp_hex(const json_t *obj, const char *key, size_t *len);
/* The test's "result" field. */
enum wp_result wp_result(const json_t *test);
/* True when the test's "flags" array holds flag. */
bool wp_flag(const json_t *test, const char *flag);
long long wp_tc_id(const json_t *test);
/* Counts one case of the file in t by its result, which it returns. */
enum wp_result wp_count(struct wp_tally *t, const json_t *test);
/* One disagreement: counted, and printed with the vector's tcId, result and
 * comment, then fmt. */
void wp_disagree(struct wp_tally *t, const json_t *test, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The file's numberOfTests against the cases counted: a mismatch (a group or
 * case walked past unseen) is printed and counted as a disagreement. */
void wp_check_total(struct wp_tally *t, const json_t *root);

#endif
