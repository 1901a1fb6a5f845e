/* A hostile TCP relay for tests: sits between alice and bob on loopback,
 * splits the byte stream into protocol frames, and alters one frame on the
 * way — the test-side stand-in for what mallory does on the lab network. */
#ifndef TEST_TAMPER_PROXY_H
#define TEST_TAMPER_PROXY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tamper_dir { TAMPER_TO_BOB, TAMPER_TO_ALICE };

enum tamper_action {
	TAMPER_NOTHING,
	TAMPER_FLIP_BIT,      /* flip bit `bit` of body byte `offset` (negative: from the end) */
	TAMPER_REPLACE_SHARE, /* KEY_SHARE: replace the share bytes with `data` (same length) */
	TAMPER_DUPLICATE,     /* send the frame twice */
	TAMPER_TRUNCATE,      /* one body byte less (the header's length follows) */
	TAMPER_APPEND,	      /* one trailing zero byte more (the length follows) */
	TAMPER_DROP,	      /* never forward it */
	TAMPER_RETYPE,	      /* send it as type data[0] (the body unchanged) */
	TAMPER_HUGE_LENGTH,   /* its header with length 0xFFFFFFFF, then nothing more that way */
	TAMPER_REFLECT,	      /* send it back to its sender, not on */
	TAMPER_HOLD,	      /* send it after the next frame of that direction (reorder) */
	TAMPER_EMPTY,	      /* the header with length 0, no body */
	TAMPER_REPLACE_BODY,  /* the body replaced by `data` (data_len bytes; the length follows) */
	TAMPER_CUT_HEADER,    /* its first 3 header bytes, then EOF that way (the relay shuts it down) */
	TAMPER_CUT_BODY,      /* its header and half its body, then EOF that way */
	TAMPER_STALL,	      /* its first `offset` bytes (0: none), then nothing more that way and that
			       * side's socket is never read again: the connection stays open, the sender's
			       * writes back up, the receiver waits (a drip that never completes, a peer
			       * that never reads) */
};

struct tamper {
	enum tamper_dir dir;
	uint8_t type; /* frame type to act on */
	unsigned nth; /* which occurrence of that type in that direction (0 = first) */
	enum tamper_action action;
	long offset;
	unsigned bit;
	uint8_t data[1024];
	size_t data_len;
};

struct tamper_proxy {
	pid_t pid;
	unsigned port;
};

/* Forks a relay that serves one connection to 127.0.0.1:bob_port. */
int tamper_proxy_start(struct tamper_proxy *tp, unsigned bob_port, const struct tamper *t);
/* Reaps it (kills it if still running after timeout_ms). Returns how many
 * frames it altered (its exit status), or -1. */
int tamper_proxy_wait(struct tamper_proxy *tp, int timeout_ms);

#endif
