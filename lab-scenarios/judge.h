/* The judge: the verdict of a run, computed from ground truth (docs/events.md §6).
 *
 * Input is the run's event stream only (every program's JSON events plus the
 * runner's own, actor "lab"). What alice and bob actually sent and received
 * is the truth; mallory's claims count only where they match it. Pure code:
 * no I/O, unit-tested on recorded streams. */
#ifndef LAB_JUDGE_H
#define LAB_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum verdict_kind { V_ATTACK_SUCCEEDED, V_BLOCKED, V_CONFIDENTIAL, V_DISRUPTED, V_MISCONFIGURED, V_ERROR };

struct party {
	bool present;	     /* it emitted any event */
	bool handshake_done; /* "handshake-done" */
	char key_id[9];	     /* its (first) session key id, "" if none */
	bool aborted;	     /* it emitted an "error" event */
	char error[48];	     /* first error's name */
	char check[32];	     /* first error's check */
	bool peer_alert;     /* the first error was only the peer's alert */
	size_t sent, received;
	size_t received_intact;	  /* received messages equal to one the other side sent */
	size_t received_altered;  /* received messages the other side never sent */
	size_t received_replayed; /* received more often than the other side sent them: a replay */
	int exit_status;	  /* from the runner's "exit" event, -1 unknown */
};

struct verdict {
	enum verdict_kind kind;
	char peer[16];	/* blocked: who stopped it */
	char check[32]; /* blocked: which check */
	char reason[512];
	struct party alice, bob, mallory;
	size_t read_genuine;	  /* mallory's "message-read" claims that match a sent message */
	size_t read_bogus;	  /* claims that match nothing sent: ignored */
	size_t mallory_keys_held; /* mallory's key ids equal to alice's or bob's */
	/* What shows an attack was attempted: the victims' own bytes disagree
	 * (a share or an offer one received is not what the other sent), or
	 * mallory says she changed or injected something. Empty: none. */
	char attempt[96];
};

/* events: a JSON array of event objects, in arrival order. Always fills *v;
 * a stream that is not an array, or no memory, gives V_ERROR. Entries that
 * are not objects, and fields that are missing or of the wrong type, are
 * treated as absent. Returns 0, or -1 when v is NULL, events is not an array
 * or memory ran out (then v, if any, holds that error verdict). */
int judge_run(const json_t *events, struct verdict *v);

/* What the judge made of one event, so the report marks messages exactly as
 * the verdict counted them. Matching is by bytes (hex) against a multiset:
 * each message sent vouches for at most one received message and at most
 * one of mallory's read claims. */
enum judge_mark {
	JM_NONE,     /* not a message the judge classifies */
	JM_INTACT,   /* alice's/bob's "message-received": the other side sent these bytes */
	JM_ALTERED,  /* ... the other side never sent these bytes: tampering */
	JM_REPLAYED, /* ... the other side sent these bytes, but fewer times: a replay */
	JM_GENUINE,  /* mallory's "message-read": alice or bob really sent these bytes */
	JM_BOGUS,    /* ... nothing sent matches: her claim is ignored */
};
/* Fills marks[0..n) for the entries of events (n must be at least
 * json_array_size(events)). Returns 0, or -1 (not an array, n too small, no
 * memory; marks are then all JM_NONE where they could be written). */
int judge_marks(const json_t *events, enum judge_mark *marks, size_t n);

/* What a runner "exit" event means — the one reading of exit statuses that
 * the judge, the report and the dashboard share (docs/events.md §5, §6). */
enum judge_exit_kind {
	JX_UNKNOWN,    /* no status */
	JX_OK,	       /* status 0 */
	JX_OUTCOME,    /* alice or bob 1..63: a check stopped it, the network failed */
	JX_STOPPED,    /* a signal the runner sent on purpose */
	JX_LAB_FAILED, /* a crash, 127 (not started), >= 64 (sanitizer), mallory failing */
};
/* why (may be NULL) gets the sentence for JX_LAB_FAILED. */
enum judge_exit_kind judge_exit(const json_t *exit_event, char *why, size_t n);

const char *verdict_name(enum verdict_kind k);
/* 0 if the name is a verdict, with *k set; -1 otherwise. */
int verdict_from_name(const char *name, enum verdict_kind *k);
json_t *verdict_json(const struct verdict *v);

#endif
