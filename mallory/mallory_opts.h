/* mallory's command line: one mode flag plus the options every mode shares,
 * and her exit codes (the same numbers as alice's and bob's). */
#ifndef MALLORY_OPTS_H
#define MALLORY_OPTS_H

#include <stdbool.h>
#include <stdint.h>

enum mallory_exit {
	MALLORY_EXIT_OK = 0,
	MALLORY_EXIT_USAGE = 2,	   /* bad command line, --events not writable */
	MALLORY_EXIT_NETWORK = 3,  /* the capture could not be opened or failed */
	MALLORY_EXIT_INTERNAL = 5, /* out of memory */
};

enum mallory_mode {
	MALLORY_MODE_NONE = 0,
	MALLORY_MODE_SNIFF, /* passive: capture and report, never transmit */
};

struct mallory_opts {
	enum mallory_mode mode;
	const char *iface;
	uint16_t port; /* the protocol's TCP port */
	int events_fd; /* -1: none */
	bool quiet;
	uint64_t max_frames; /* 0: until SIGINT/SIGTERM */
};

/* Parses argv into o (defaults first). Returns -1 to go on, or an exit code
 * (0 after --help). Refuses an --events descriptor not open for writing. */
int mallory_opts_parse(struct mallory_opts *o, int argc, char **argv);

#endif
