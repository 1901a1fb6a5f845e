/* Two kex engines talking in memory, every frame logged in order with its
 * direction (what a passive mallory records), each side's events captured.
 * An edit hook may change or drop a frame on the way, as an active mallory
 * would. Engines get heap copies of exactly a frame's length (ASan catches an
 * over-read). No cmocka here: the benchmarks use it too. */
#ifndef TEST_KEX_SESSION_H
#define TEST_KEX_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mlab_kex.h"

enum { KS_A2B = 0, KS_B2A = 1 };

struct ks_frame {
	int dir; /* KS_A2B or KS_B2A */
	uint8_t type;
	uint8_t *body; /* heap, exactly len bytes (one byte when len is 0) */
	size_t len;
};

struct ks_party {
	struct mlab_kex k;
	struct mlab_ev ev;
	json_t *events; /* deep copies of every event, in order; NULL when not captured */
	uint8_t *obuf;
	struct mlab_wr out;
	int err;	 /* the first error an engine call of this side returned */
	uint8_t content; /* the last record opened */
	uint8_t *data;
	size_t data_len, n_opened;
};

/* May change the frame's type, its body (cap bytes of room) and *len in
 * place; false drops the frame. */
typedef bool (*ks_edit_fn)(void *arg, int dir, uint8_t *type, uint8_t *body, size_t *len, size_t cap);

struct ks_session {
	struct ks_party a, b; /* alice the initiator, bob the responder */
	struct ks_frame *log; /* as delivered, after the edit hook */
	size_t n_log, cap_log;
	ks_edit_fn edit;
	void *edit_arg;
	uint8_t *tmp; /* room for the frame being edited */
};

/* Events go to each side's list when capture is set (else no events at all:
 * the benchmarks). 0, MLAB_E_NOMEM, or alice's then bob's mlab_kex_init
 * error. ks_free is safe after any return. */
int ks_init(struct ks_session *s, const struct mlab_kex_config *ca, const struct mlab_kex_config *cb, bool capture);
/* alice starts; frames go back and forth until neither side has any. 0 when
 * both are connected, else the error of the side that failed first (not the
 * peer-alert of the other), or -1 when the handshake just stopped. */
int ks_handshake(struct ks_session *s);
/* Delivers whatever the sides have written until neither has anything. */
int ks_pump(struct ks_session *s);
/* The side of dir seals one record (MLAB_CONTENT_*) and it is delivered. */
int ks_send(struct ks_session *s, int dir, uint8_t content, const void *data, size_t len);
void ks_free(struct ks_session *s);

/* The nth (from 0) frame of a type in a direction, or NULL. */
const struct ks_frame *ks_find(const struct ks_session *s, int dir, uint8_t type, size_t nth);
size_t ks_count_frames(const struct ks_session *s, int dir, uint8_t type);

/* A sink that appends a deep copy of every event to arr. */
void ks_capture(struct mlab_ev *ev, const char *actor, json_t *arr);
/* The nth (from 0) event of that name in a captured list, or NULL. */
json_t *ks_event(const json_t *events, const char *name, size_t nth);
size_t ks_count(const json_t *events, const char *name);
/* A string field of an event, or NULL. */
const char *ks_str(const json_t *event, const char *field);

#endif
