/* Assertions shared by the cmocka suites (include after <cmocka.h>). */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"

/* Compares error codes and names both in the failure message. */
#define assert_err(got, want)                                                                                          \
	do {                                                                                                           \
		int got_ = (got), want_ = (want);                                                                      \
		if (got_ != want_)                                                                                     \
			fail_msg("%s returned %d (%s), expected %d (%s)", #got, got_, mlab_err_name(got_), want_,      \
				 mlab_err_name(want_));                                                                \
	} while (0)

/* An exact-size heap copy: one byte more would hide an over-read from ASan. */
static inline uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	assert_non_null(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif
