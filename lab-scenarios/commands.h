/* The command lines of a scenario's programs: what the runner executes
 * inside each host and what `mitmlab show` prints for a trainee. */
#ifndef LAB_COMMANDS_H
#define LAB_COMMANDS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "scenario.h"

#define LAB_PORT "4433"
#define LAB_MAX_ARGV (SC_MAX_ARGS + 16)

struct lab_paths {
	char bin_dir[PATH_MAX];	    /* alice, bob, mallory */
	char keys_dir[PATH_MAX];    /* the demo keys */
	char catalog_dir[PATH_MAX]; /* *.ini */
};

/* Finds the programs, keys and catalog next to this executable (or from
 * MITMLAB_BIN, MITMLAB_KEYS, MITMLAB_SCENARIOS). */
int lab_paths_find(struct lab_paths *p);
/* argv for prog ("alice", "bob", "mallory") in scenario sc: the runner's own
 * flags (addresses, interface) then the scenario's, with key names resolved
 * in keys_dir — or, for mallory in a scenario with a [mallory] command, that
 * command as it is. Strings are allocated; free with lab_argv_free. Returns argc. */
int lab_argv(const struct scenario *sc, const struct lab_paths *p, const char *prog, char **argv, size_t max);
void lab_argv_free(char **argv);
/* A scenario's key file name resolved in keys_dir (allocated). */
char *lab_key_file(const struct lab_paths *p, const char *name);
/* mallory attacks (poisons and relays) rather than only listening. Always
 * false for a [mallory] command: it says so itself, by its ready event. */
bool lab_is_active(const struct scenario *sc);
/* A [mallory] command's environment (docs/scenarios.md, "Bring your own
 * attacker"): the caller's, less any MITMLAB_* variable of its own, plus the
 * lab's facts MITMLAB_IFACE, _TARGETS, _ALICE_IP, ..., _EVENTS_FD and _RUN_DIR.
 * NULL-terminated and allocated: free with lab_argv_free, then free(). */
char **lab_command_env(const char *run_dir);
/* Why sc's [mallory] command cannot be started (not there, not a regular
 * file, not executable), written into why; false when it can. */
bool lab_command_problem(const struct scenario *sc, char *why, size_t n);
/* One shell-quoted line. */
void lab_argv_print(FILE *f, char *const *argv);

#endif
