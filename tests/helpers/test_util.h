/* Assertions shared by the cmocka suites (include after <cmocka.h>). */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include "mlab_err.h"

/* Compares error codes and names both in the failure message. */
#define assert_err(got, want)                                                                                          \
	do {                                                                                                           \
		int got_ = (got), want_ = (want);                                                                      \
		if (got_ != want_)                                                                                     \
			fail_msg("%s returned %d (%s), expected %d (%s)", #got, got_, mlab_err_name(got_), want_,      \
				 mlab_err_name(want_));                                                                \
	} while (0)

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif
