/* make bench: how long a handshake takes. Prints medians and spreads; asserts
 * nothing (machines here are noisy: compare ratios, not absolute numbers).
 *
 *  1. engine:   both state machines in one process, no I/O — the crypto cost.
 *  2. loopback: real bob and alice processes over TCP on 127.0.0.1; the time
 *               from alice's "connected" event to her "handshake-done". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "bench_util.h"
#include "kex_pump.h"
#include "mlab_kex.h"
#include "proc.h"

/* Frames and bytes in w (whole frames, as the engines wrote them). */
static void count(const struct mlab_wr *w, size_t *frames, size_t *bytes)
{
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;
	mlab_rd_init(&r, w->p, w->len);
	while (mlab_frame_next(&r, &type, &body, &len) == 0)
		++*frames;
	*bytes += w->len;
}

/* One handshake in memory; the frames and bytes it took into *frames and
 * *bytes when they are not NULL. */
static int engine_handshake_counted(const struct mlab_kex_config *ci, const struct mlab_kex_config *cr, size_t *frames,
				    size_t *bytes)
{
	static uint8_t b1[2 * MLAB_MAX_FRAME], b2[2 * MLAB_MAX_FRAME];
	struct mlab_kex a, b;
	struct mlab_wr wa, wb;
	int e;

	mlab_wr_init(&wa, b1, sizeof b1);
	mlab_wr_init(&wb, b2, sizeof b2);
	if ((e = mlab_kex_init(&a, ci, NULL)) == 0 && (e = mlab_kex_init(&b, cr, NULL)) == 0 &&
	    (e = mlab_kex_start(&a, &wa)) == 0) {
		for (int i = 0; e == 0 && i < 4 && !(mlab_kex_connected(&a) && mlab_kex_connected(&b)); i++) {
			if (frames)
				count(&wa, frames, bytes);
			if ((e = kex_deliver(&wa, &b, &wb)) == 0) {
				if (frames)
					count(&wb, frames, bytes);
				e = kex_deliver(&wb, &a, &wa);
			}
		}
		if (e == 0 && !(mlab_kex_connected(&a) && mlab_kex_connected(&b)))
			e = -1;
	}
	mlab_kex_free(&a);
	mlab_kex_free(&b);
	return e;
}

static int engine_handshake(const struct mlab_kex_config *ci, const struct mlab_kex_config *cr)
{
	return engine_handshake_counted(ci, cr, NULL, NULL);
}

static void config(struct mlab_kex_config *c, enum mlab_role role, uint8_t mode, uint16_t group, EVP_PKEY *own,
		   EVP_PKEY *peer)
{
	*c = kex_cfg(role, mode, group, MLAB_CIPHER_CHACHA20_POLY1305);
	c->own_key = own;
	c->peer_key = peer;
}

static double event_t(const struct proc *p, const char *name)
{
	return json_real_value(json_object_get(proc_event(p, name, 0), "t"));
}

int main(void)
{
	static const struct {
		const char *mode_name, *group_name;
		uint8_t mode;
		uint16_t group;
		size_t n;
	} cases[] = {
	    {"none", "x25519", MLAB_MODE_NONE, MLAB_GROUP_X25519, 300},
	    {"sign", "x25519", MLAB_MODE_SIGN, MLAB_GROUP_X25519, 300},
	    {"none", "ffdhe2048", MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048, 40},
	    {"sign", "ffdhe2048", MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, 40},
	    {"none", "ffdhe3072", MLAB_MODE_NONE, MLAB_GROUP_FFDHE3072, 20},
	    {"sign", "ffdhe3072", MLAB_MODE_SIGN, MLAB_GROUP_FFDHE3072, 20},
	    {"sign", "mlkem768", MLAB_MODE_SIGN, MLAB_GROUP_MLKEM768, 300},
	    {"sign", "x25519-mlkem768", MLAB_MODE_SIGN, MLAB_GROUP_X25519_MLKEM768, 300},
	};
	EVP_PKEY *bob_key = NULL, *bob_pub = NULL;
	uint8_t raw[32];
	double v[300];
	char what[64];

	if (mlab_ed25519_generate(&bob_key) || mlab_ed25519_raw_public(bob_key, raw) ||
	    mlab_ed25519_from_raw_public(raw, &bob_pub)) {
		fprintf(stderr, "bench: cannot make keys\n");
		return 1;
	}
	puts("handshake, engine only (both sides in one process, no I/O):");
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct mlab_kex_config ci, cr;
		config(&ci, MLAB_INITIATOR, cases[c].mode, cases[c].group, NULL, bob_pub);
		config(&cr, MLAB_RESPONDER, cases[c].mode, cases[c].group, bob_key, NULL);
		for (size_t i = 0; i < cases[c].n; i++) {
			double t0 = bench_now_us();
			if (engine_handshake(&ci, &cr) != 0) {
				fprintf(stderr, "bench: handshake failed\n");
				return 1;
			}
			v[i] = bench_now_us() - t0;
		}
		snprintf(what, sizeof what, "%s / %s", cases[c].mode_name, cases[c].group_name);
		bench_report_us(what, v, cases[c].n);
	}
	puts("handshake messages on the wire (frames and bytes, both directions, up to both Finished):");
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct mlab_kex_config ci, cr;
		size_t frames = 0, bytes = 0;
		config(&ci, MLAB_INITIATOR, cases[c].mode, cases[c].group, NULL, bob_pub);
		config(&cr, MLAB_RESPONDER, cases[c].mode, cases[c].group, bob_key, NULL);
		if (engine_handshake_counted(&ci, &cr, &frames, &bytes) != 0) {
			fprintf(stderr, "bench: handshake failed\n");
			return 1;
		}
		snprintf(what, sizeof what, "%s / %s", cases[c].mode_name, cases[c].group_name);
		printf("  %-34s %2zu frames %6zu bytes\n", what, frames, bytes);
	}

	puts("handshake over loopback TCP, real processes (alice: connected -> handshake-done):");
	char bob_keyf[4200], bob_pubf[4200];
	proc_bin("keys/bob.key", bob_keyf, sizeof bob_keyf);
	proc_bin("keys/bob.pub", bob_pubf, sizeof bob_pubf);
	static const size_t loopback[] = {0, 1, 2, 3, 7};
	for (size_t li = 0; li < sizeof loopback / sizeof loopback[0]; li++) {
		size_t c = loopback[li];
		const size_t n = 31;
		struct proc bob;
		const char *bargv[] = {
		    "bob",    "--listen",	  "127.0.0.1:0", "--max-conns",	      "31", "--key", bob_keyf,
		    "--auth", cases[c].mode_name, "--groups",	 cases[c].group_name, NULL};
		if (proc_start(&bob, bargv) != 0 || !proc_wait_event(&bob, "listening", 5000)) {
			fprintf(stderr, "bench: bob did not start\n");
			return 1;
		}
		char addr[64];
		snprintf(addr, sizeof addr, "127.0.0.1:%d",
			 (int)json_integer_value(json_object_get(proc_event(&bob, "listening", 0), "port")));
		for (size_t i = 0; i < n; i++) {
			struct proc alice;
			const char *aargv[] = {"alice",
					       "--connect",
					       addr,
					       "--peer-key",
					       bob_pubf,
					       "--auth",
					       cases[c].mode_name,
					       "--groups",
					       cases[c].group_name,
					       "--send",
					       "x",
					       NULL};
			int rc = proc_start(&alice, aargv) != 0 ? -1 : proc_wait(&alice, 10000);
			if (rc != 0) {
				fprintf(stderr, "bench: alice #%zu failed (exit %d, %s)\n", i, rc,
					proc_str(proc_event(&alice, "error", 0), "error"));
				return 1;
			}
			v[i] = (event_t(&alice, "handshake-done") - event_t(&alice, "connected")) * 1e6;
			proc_free(&alice);
			/* Drain bob's events: a full pipe would (rightly) stall him. */
			(void)proc_wait_event(&bob, "connection-end", 5000);
		}
		proc_wait(&bob, 10000);
		proc_free(&bob);
		snprintf(what, sizeof what, "%s / %s", cases[c].mode_name, cases[c].group_name);
		bench_report_us(what, v, n);
	}
	EVP_PKEY_free(bob_key);
	EVP_PKEY_free(bob_pub);
	return 0;
}
