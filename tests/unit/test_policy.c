/* The minimum-security policy (--min-security): a responder never picks a
 * group below it, an initiator refuses a responder that does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kex_pump.h"
#include "mlab_kex.h"
#include "test_util.h"

static struct mlab_kex_config cfg(enum mlab_role role, const uint16_t *groups, size_t n, unsigned min)
{
	struct mlab_kex_config c = kex_cfg(role, MLAB_MODE_NONE, groups[0], MLAB_CIPHER_CHACHA20_POLY1305);
	memcpy(c.groups, groups, n * sizeof groups[0]);
	c.n_groups = n;
	c.min_security = min;
	return c;
}

/* Runs a handshake; returns the first error of (initiator, responder). */
static void handshake(const struct mlab_kex_config *ci, const struct mlab_kex_config *cr, int *ei, int *er,
		      uint16_t *group)
{
	static uint8_t b1[2 * MLAB_MAX_FRAME], b2[2 * MLAB_MAX_FRAME];
	struct mlab_kex a, b;
	struct mlab_wr wa, wb;
	mlab_wr_init(&wa, b1, sizeof b1);
	mlab_wr_init(&wb, b2, sizeof b2);
	assert_err(mlab_kex_init(&a, ci, NULL), 0);
	assert_err(mlab_kex_init(&b, cr, NULL), 0);
	assert_err(mlab_kex_start(&a, &wa), 0);
	for (int i = 0; i < 4; i++) {
		(void)kex_deliver(&wa, &b, &wb);
		(void)kex_deliver(&wb, &a, &wa);
	}
	*ei = a.err;
	*er = b.err;
	*group = mlab_kex_connected(&a) ? a.group : 0;
	mlab_kex_free(&a);
	mlab_kex_free(&b);
}

static void test_responder_skips_weak_groups(void **state)
{
	(void)state;
	const uint16_t offer[] = {MLAB_GROUP_LAB48, MLAB_GROUP_X25519};
	struct mlab_kex_config ci = cfg(MLAB_INITIATOR, offer, 2, 0), cr = cfg(MLAB_RESPONDER, offer, 2, 100);
	int ei, er;
	uint16_t g;
	handshake(&ci, &cr, &ei, &er, &g);
	assert_err(ei, 0);
	assert_err(er, 0);
	assert_int_equal(g, MLAB_GROUP_X25519); /* alice preferred lab-48; bob's policy skipped it */
}

static void test_responder_with_only_weak_offered_refuses(void **state)
{
	(void)state;
	const uint16_t weak[] = {MLAB_GROUP_LAB48};
	const uint16_t both[] = {MLAB_GROUP_X25519, MLAB_GROUP_LAB48};
	struct mlab_kex_config ci = cfg(MLAB_INITIATOR, weak, 1, 0), cr = cfg(MLAB_RESPONDER, both, 2, 100);
	int ei, er;
	uint16_t g;
	handshake(&ci, &cr, &ei, &er, &g);
	assert_err(er, MLAB_E_NO_COMMON_GROUP);
	assert_err(ei, MLAB_E_PEER_ALERT);
}

/* The initiator never offers what its own policy forbids: with lab-32
 * filtered out, a bob who allows only lab-32 has nothing to choose. */
static void test_initiator_does_not_offer_weak_groups(void **state)
{
	(void)state;
	const uint16_t both[] = {MLAB_GROUP_LAB32, MLAB_GROUP_X25519};
	const uint16_t weak[] = {MLAB_GROUP_LAB32};
	struct mlab_kex_config ci = cfg(MLAB_INITIATOR, both, 2, 100), cr = cfg(MLAB_RESPONDER, weak, 1, 0);
	int ei, er;
	uint16_t g;
	handshake(&ci, &cr, &ei, &er, &g);
	assert_err(er, MLAB_E_NO_COMMON_GROUP);
	assert_err(ei, MLAB_E_PEER_ALERT);
	assert_int_equal(g, 0);
}

/* Nothing left to offer: the initiator refuses to start. */
static void test_initiator_with_only_weak_groups_refuses_to_start(void **state)
{
	(void)state;
	const uint16_t weak[] = {MLAB_GROUP_LAB48};
	struct mlab_kex_config ci = cfg(MLAB_INITIATOR, weak, 1, 100);
	struct mlab_kex a;
	uint8_t buf[MLAB_MAX_FRAME];
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_kex_init(&a, &ci, NULL), 0);
	assert_err(mlab_kex_start(&a, &w), MLAB_E_WEAK_GROUP);
	mlab_kex_free(&a);
}

static void test_security_levels(void **state)
{
	(void)state;
	assert_int_equal(mlab_group_by_id(MLAB_GROUP_X25519)->sec_bits, 128);
	assert_true(mlab_group_by_id(MLAB_GROUP_FFDHE2048)->sec_bits >= 100);
	assert_true(mlab_group_by_id(MLAB_GROUP_LAB48)->sec_bits < 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_responder_skips_weak_groups),
	    cmocka_unit_test(test_responder_with_only_weak_offered_refuses),
	    cmocka_unit_test(test_initiator_does_not_offer_weak_groups),
	    cmocka_unit_test(test_initiator_with_only_weak_groups_refuses_to_start),
	    cmocka_unit_test(test_security_levels),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
