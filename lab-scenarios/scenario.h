/* lab-scenarios/: the catalog (*.ini) and the lab engine — scenario files,
 * the private network, the runner and the judge.
 * This file: scenario files (INI, parsed with libinih; docs/scenarios.md).
 *
 *   [scenario]  name, title, network = switch|hub, expect = VERDICT,
 *               expect-peer = alice|bob, expect-check = CHECK (for blocked),
 *               timeout = SECONDS (default 20), static-arp = yes|no,
 *               teaching = TEXT (continuation lines indented)
 *   [alice] [bob] [mallory]   one key per command-line flag of that program:
 *               "auth = sign" -> "--auth sign", "mutual = yes" -> "--mutual";
 *               repeatable keys (send, reply) keep their order.
 *   [mallory] command = PROGRAM ARGS   an attacker of one's own, run in
 *               mallory's place; no other [mallory] key with it. */
#ifndef LAB_SCENARIO_H
#define LAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#define SC_MAX_ARGS 96

enum sc_network { SC_SWITCH, SC_HUB };

struct sc_prog {
	bool present;		 /* the section exists */
	char *args[SC_MAX_ARGS]; /* flags as argv entries, e.g. "--auth", "sign" */
	size_t n_args;
};

struct scenario {
	char *path; /* file it came from */
	char *name; /* "01-baseline" (default: file name without .ini) */
	char *title;
	char *teaching; /* may hold newlines */
	enum sc_network network;
	char *expect;	    /* verdict name: attack-succeeded, blocked, confidential, disrupted */
	char *expect_peer;  /* blocked only: alice or bob */
	char *expect_check; /* blocked only: the check (an error's check name) */
	unsigned timeout_s;
	bool static_arp;	 /* victims get permanent neighbour entries: ARP poisoning cannot work */
	bool mallory_ip_forward; /* her kernel forwards (make bench's baseline only) */
	/* Phase 2 (NULL: none): after the conversation this long-term key of
	 * bob's leaks to mallory, who opens phase 1's recording with it. */
	char *leak;
	/* Phase 2 without a leak: `later = break-classical`, mallory gets the
	 * lab's stand-in for a quantum computer (a discrete-log solver for the
	 * lab groups) and opens phase 1's recording with it. */
	bool break_classical;
	struct sc_prog alice, bob, mallory;
	/* [mallory] command (NULL: bin/mallory runs): the attacker's own program
	 * and its arguments, split on blanks, NULL-terminated; the program is
	 * resolved against the scenario file's directory unless absolute. */
	char **command;
};

/* Loads a scenario by path (anything containing '/' or ending in .ini) or by
 * name or number from catalog_dir ("01-baseline", "01", "1"). On failure
 * returns -1 and writes a message naming file, line, key and what was
 * expected into err. */
int scenario_load(const char *name_or_path, const char *catalog_dir, struct scenario *sc, char *err, size_t errlen);
/* The same for a file's text already in memory (len bytes, no terminator
 * needed, at most the 256 KiB a file may have): path is only its name, for
 * messages, the default scenario name and resolving a [mallory] command. */
int scenario_load_text(const char *path, const char *text, size_t len, struct scenario *sc, char *err, size_t errlen);
void scenario_free(struct scenario *sc);
/* The catalog's files (*.ini), sorted by name; free with scenario_paths_free. */
int scenario_paths(const char *catalog_dir, char ***paths, size_t *n);
void scenario_paths_free(char **paths, size_t n);
/* The number at the front of the name ("01-baseline" -> 1), or 0. */
int scenario_number(const struct scenario *sc);
const char *scenario_network_name(enum sc_network n);

/* True when the program's options say --proto tls (the last one given). */
bool scenario_speaks_tls(const struct sc_prog *p);

#endif
