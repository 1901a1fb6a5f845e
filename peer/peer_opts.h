/* Command-line options shared by alice and bob, and their exit codes. */
#ifndef PEER_OPTS_H
#define PEER_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "mlab_kex.h"
#include "mlab_tls.h"

/* Exit codes of alice and bob (documented in their --help). */
enum peer_exit {
	PEER_EXIT_OK = 0,
	PEER_EXIT_CHECK = 1,	/* a check failed or the peer aborted: see the error event */
	PEER_EXIT_USAGE = 2,	/* bad command line */
	PEER_EXIT_NETWORK = 3,	/* cannot listen/connect, timeout, connection lost */
	PEER_EXIT_SETUP = 4,	/* key files */
	PEER_EXIT_INTERNAL = 5, /* out of memory, crypto library failure */
};

#define PEER_MAX_MESSAGES 64

struct peer_opts {
	enum mlab_role role;
	const char *prog;
	const char *addr;
	struct mlab_kex_config kex;
	const char *key_path, *peer_key_path;
	int events_fd;
	int timeout_ms; /* each handshake step and each reply */
	int idle_ms;	/* bob: wait for alice's next message */
	bool quiet;
	unsigned max_conns;		     /* bob: 0 = serve until stopped */
	unsigned max_clients;		     /* bob: connections served at once (beyond: refused, server-busy) */
	const char *msgs[PEER_MAX_MESSAGES]; /* alice --send / bob --reply */
	size_t n_msgs;
	unsigned repeat;	 /* alice: send the message list this many times (default 1) */
	unsigned long long bulk; /* alice: then stream this many bytes without waiting for replies */
	bool sink;		 /* bob: answer nothing, only count (bulk transfers) */
	/* mode cert and trust on first use (peer_trust.c) */
	const char *cert_path;			     /* bob --cert */
	const char *ca_path, *tofu_path, *peer_name; /* alice --ca, --tofu, --peer-name */
	const char *now_arg;			     /* alice --now */
	bool insecure, no_name_check;		     /* alice: WEAKENED */
	/* key establishment (peer_kind.c) */
	const char *static_key_path, *rsa_key_path; /* bob --static-key, --rsa-key */
	const char *peer_rsa_path;		    /* alice --peer-rsa */
	int weak_rng;				    /* --weak-rng: enum mlab_rng_kind, 0 (os) by default */
	const char *keylog; /* --keylog FILE: each session's keys appended (docs/protocol.md §12.6) */
	struct mlab_rng rng;
	struct mlab_chain chain;
	struct mlab_trust trust;
	/* --proto tls (peer_tls.c) */
	bool tls, auth_given;
	int tls_version; /* --tls-version: 12 or 13, 0 both */
	bool pin;	 /* alice --pin-spki */
	uint8_t pin_spki[32];
	struct mlab_tls_config tls_cfg;
};

/* Parses argv. Returns -1 to go on, or an exit code (after --help: 0). */
int peer_opts_parse(struct peer_opts *o, enum mlab_role role, int argc, char **argv);
/* Loads --key and --peer-key into o->kex, then the trust options
 * (peer_trust.c); prints what to do on failure. */
int peer_opts_load_keys(struct peer_opts *o);
void peer_opts_free(struct peer_opts *o);
/* Everything a peer's main does first: parse, check --events, load keys, and
 * set up the event emitter. Returns -1 to go on, or an exit code. */
int peer_setup(struct peer_opts *o, enum mlab_role role, int argc, char **argv, struct mlab_ev *ev);
/* "prog: " and fmt (one %s: arg) on stderr; returns code. */
int peer_say(const struct peer_opts *o, int code, const char *fmt, const char *arg);
/* Whether the --auth list holds mode / the --kex list holds kind. */
bool peer_offers_mode(const struct peer_opts *o, uint8_t mode);
bool peer_offers_kind(const struct peer_opts *o, uint8_t kind);
/* The exit code for an error: network trouble or a failed check. */
int peer_exit_for(int err);
/* Refuses an --events descriptor that is not open for writing. */
int peer_opts_check_events(const struct peer_opts *o);

#endif
