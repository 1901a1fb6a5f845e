/* Option tables: what each program's command-line flags are — name, kind,
 * limits, who takes it — exported as data so the programs' parsers and the
 * scenario files (lab-scenarios/scenario.c) read one source. Pure data: the
 * tables live beside their programs (peer/peer_optab.c, mallory/mallory_optab.c)
 * and link into mitmlab without any of the programs' I/O. */
#ifndef MLAB_OPTAB_H
#define MLAB_OPTAB_H

#include <stdbool.h>
#include <stddef.h>

enum mlab_optkind {
	MO_FLAG,    /* no value */
	MO_UINT,    /* min..max */
	MO_MODES,   /* comma list of modes (mlab_mode_from_name) */
	MO_GROUPS,  /* comma list of groups */
	MO_CIPHERS, /* comma list of ciphers */
	MO_KINDS,   /* comma list of key establishment kinds */
	MO_WORD,    /* one of words[] */
	MO_FILE,    /* a file name */
	MO_TEXT,    /* a non-empty word or text, checked by the program */
	MO_MESSAGE, /* an application message (may be empty) */
	MO_ADDR,    /* HOST:PORT or the like */
};

/* who */
#define MO_ALICE 1u
#define MO_BOB 2u
#define MO_MALLORY 4u
/* flags */
#define MO_REPEAT 1u /* may be given more than once, order kept */
#define MO_RUNNER 2u /* the lab sets it for each program: not a scenario key */
#define MO_NOFILE 4u /* never from a scenario file (a person's choice at a real terminal) */

struct mlab_opt {
	const char *name; /* the flag without its dashes */
	enum mlab_optkind kind;
	unsigned who, flags;
	unsigned long long min, max; /* MO_UINT */
	const char *unit;	     /* MO_UINT, for messages */
	const char *const *words;    /* MO_WORD, NULL-terminated */
};

/* The entry of table (ended by a NULL name) for name taken by `who` (0: any);
 * NULL when there is none. */
const struct mlab_opt *mlab_opt_find(const struct mlab_opt *table, const char *name, unsigned who);

#endif
