/* The dashboard's view model: everything the screen shows, built from the
 * run's events — plain C, no curses (docs/dashboard.md), unit-tested without a
 * terminal. The ncurses layer (dashboard.c) only draws it.
 *
 * Playback: vm_build(m, ..., k) gives the picture after the first k events
 * (0 <= k <= number of events); the dashboard moves k with the keys. The
 * verdict (from the judge, over all events) is shown once k reaches the end. */
#ifndef UI_VIEWMODEL_H
#define UI_VIEWMODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "judge.h"
#include "scenario.h"

#define VM_MAX_STEPS 64
#define VM_TEXT 112
#define VM_TIMELINE 200
#define VM_TRUTH 24
#define VM_ARROWS 96

enum vm_col { VM_ALICE, VM_MALLORY, VM_BOB, VM_COLS };

enum vm_mark {
	VM_MARK_NONE, /* a plain step */
	VM_MARK_OK,   /* a check passed: ✔ (ASCII "ok") */
	VM_MARK_FAIL, /* a check failed, an abort, an altered message: ✘ (ASCII "FAIL") */
	VM_MARK_WARN, /* something a trainee must notice: unauthenticated mode, a swapped share, a read */
};

struct vm_step {
	char text[VM_TEXT]; /* "negotiated none / x25519 / chacha20-poly1305", "sent #1 \"hello bob\"" */
	enum vm_mark mark;
	size_t event; /* index of the event it came from (for details) */
};

struct vm_column {
	bool present;
	char name[16]; /* alice, mallory, bob */
	char ip[16];
	char mac[18];
	char key_id[9];	 /* alice/bob: the session key id; mallory: her key with alice */
	char key_id2[9]; /* mallory: her key with bob */
	bool aborted;
	char error[48], check[32];
	struct vm_step steps[VM_MAX_STEPS];
	size_t n_steps; /* the newest are kept when there are more */
};

/* What victim `host` believes about the other's IP (the lab's neighbour events). */
struct vm_neigh {
	bool known;
	char host[16], ip[16], mac[18], phase[16];
	bool poisoned;
	/* An earlier check up to the cursor found the table poisoned, with this
	 * MAC (the latest check, after-stop, normally shows it restored). */
	bool was_poisoned;
	char poisoned_mac[18];
};

struct vm_line {
	double t; /* seconds since the first event */
	char actor[16];
	char text[VM_TEXT];
	size_t event;
	bool truth; /* the lab's ground truth (actor lab), not a party's own view */
};

/* The lab's view: facts no single party could know from its own bytes —
 * whose share really arrived, that a message was altered, that a cache is
 * poisoned, that a claim of mallory's matches nothing sent. The dashboard
 * draws them apart from the parties' columns. */
struct vm_truth {
	char text[VM_TEXT];
	enum vm_mark mark;
	size_t event;
};

/* The sequence view: one arrow per protocol message and leg, in the order
 * they happened. With mallory in the middle each message is two arrows
 * (sender → mallory, mallory → receiver); changed marks what she altered. */
struct vm_arrow {
	int from, to;	 /* enum vm_col */
	char label[40];	 /* "hello", "share", "#2 \"transfer…\"" */
	char change[40]; /* what she changed: "share swapped", "sign stripped"; "" when unchanged */
	bool changed;
	size_t event;
};

struct vm {
	/* the scenario (empty strings when unknown) */
	int number;
	char name[64], title[128], network[16], expect[96], teaching[2048];
	/* playback */
	size_t n_events, cursor;
	struct vm_column col[VM_COLS];
	struct vm_neigh neigh[2]; /* [0] alice about bob, [1] bob about alice */
	struct vm_line timeline[VM_TIMELINE];
	size_t n_timeline; /* lines up to the cursor (the newest VM_TIMELINE) */
	struct vm_truth truth[VM_TRUTH];
	size_t n_truth; /* the newest VM_TRUTH up to the cursor */
	struct vm_arrow arrows[VM_ARROWS];
	size_t n_arrows; /* the newest VM_ARROWS up to the cursor */
	bool mitm;	 /* mallory relays between them: messages go through her */
	/* the outcome, valid when finished */
	bool finished;		/* cursor == n_events */
	char verdict[24];	/* "attack-succeeded", "blocked", ... */
	char verdict_line[256]; /* "blocked — alice's signature check stopped it" */
	char peer[16], check[32];
	bool matches;	    /* the scenario's expectation holds */
	char key_line[256]; /* "alice 1a2b3c4d · mallory 1a2b3c4d / 5e6f7a8b · bob 5e6f7a8b — ..." */
};

/* The picture after the first k events (k is clamped to the count). sc may
 * be NULL (then the names come from the run-start event). events is the
 * run's array (events.jsonl in order). */
void vm_build(struct vm *m, const struct scenario *sc, const json_t *events, size_t k);
/* A readable description of event k with its bytes decoded (message text,
 * hex dump of shares and records): for the "d" key. */
void vm_event_detail(const json_t *events, size_t k, char *buf, size_t n);
/* Loads DIR/events.jsonl into a new array (NULL and err set on failure). */
json_t *vm_load_run(const char *dir, char *err, size_t errlen);

#endif
