/* mallory's command line: one mode flag plus the options every mode shares,
 * and her exit codes (the same numbers as alice's and bob's). */
#ifndef MALLORY_OPTS_H
#define MALLORY_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mallory_exit {
	MALLORY_EXIT_OK = 0,
	MALLORY_EXIT_USAGE = 2,	   /* bad command line, --events not writable */
	MALLORY_EXIT_NETWORK = 3,  /* the capture could not be opened or failed (--decrypt: read) */
	MALLORY_EXIT_INTERNAL = 5, /* out of memory */
};

enum mallory_mode {
	MALLORY_MODE_NONE = 0,
	MALLORY_MODE_SNIFF,   /* passive: capture and report, never transmit */
	MALLORY_MODE_ATTACK,  /* active: poison ARP caches, relay, run an attack */
	MALLORY_MODE_DECRYPT, /* offline: read a recorded capture (mallory/offline.h), never transmit */
};

enum mallory_attack {
	MALLORY_ATTACK_RELAY = 1, /* transparent relay: read what is readable */
	MALLORY_ATTACK_DH_MITM,	  /* swap DH shares, re-encrypt, tamper */
	MALLORY_ATTACK_POISON,	  /* poison only, relay nothing: the kernel-forwarding baseline of make bench */
};

#define MALLORY_MAX_TAMPER 8

struct mallory_opts {
	enum mallory_mode mode;
	const char *iface;
	uint16_t port; /* the protocol's TCP port */
	int events_fd; /* -1: none */
	bool quiet;
	uint64_t max_frames; /* 0: until SIGINT/SIGTERM */
	enum mallory_attack attack;
	uint32_t targets[2];			/* the two victims, network byte order */
	bool armed;				/* may transmit outside a lab namespace */
	unsigned interval_ms;			/* re-poisoning period */
	const char *forge_key;			/* dh-mitm in signed mode: re-sign with this key */
	const char *impersonate;		/* dh-mitm in mode cert: CHAIN:KEY toward alice */
	const char *mint;			/* dh-mitm in mode cert: CA-KEY:CA-CERT to mint bob.lab */
	const char *tamper[MALLORY_MAX_TAMPER]; /* "FROM=>TO" */
	bool key_fixing;			/* dh-mitm: fix both secrets to 0 instead of swapping shares */
	int malicious_g;			/* dh-mitm: enum dhmitm_g, 0 off */
	bool small_subgroup;			/* dh-mitm: an order-2 share toward alice */
	bool strip_auth;			/* dh-mitm: remove "sign" from alice's offer */
	uint16_t downgrade_group;		/* dh-mitm: force this weak group and break it live (0: off) */
	size_t n_tamper;
	const char *capture;	/* --decrypt: the recorded capture */
	const char *key;	/* --decrypt: the leaked key for key recovery (NULL: none) */
	bool replay;		/* --sniff: play the first session's client frames back to its server */
	unsigned replay_record; /* dh-mitm: alice's Nth record to send twice (0: off) */
	bool tls;		/* dh-mitm --proto tls: intercept real TLS (tls_mitm.h) */
	bool tls_downgrade;	/* --proto tls: strip supported_versions from alice's hello */
	const char *keylog;	/* --proto tls: SSLKEYLOGFILE of both legs (NULL: none) */
	bool break_classical;	/* --decrypt: the stand-in for a quantum computer breaks the lab groups */
	int crack_rng;		/* --sniff or --decrypt: search a weak generator's seed (enum mlab_rng_kind; 0: no) */
};

/* Parses argv into o (defaults first). Returns -1 to go on, or an exit code
 * (0 after --help). Refuses an --events descriptor not open for writing. */
int mallory_opts_parse(struct mallory_opts *o, int argc, char **argv);

#endif
