/* A lab others can enter (`mitmlab run --hold` / `--paused`, `mitmlab
 * shell`; docs/scenarios.md §6.2).
 *
 * While a lab is enterable, one holder process sleeps in each host's network
 * namespace (and one in the switch's), children of the lab's init, so they
 * die with it however it ends. A private state file, held.json, names the
 * processes and the inodes of the namespaces they are in; `mitmlab shell`
 * opens /proc/PID/ns/{user,net,pid} of a holder and enters the lab only when
 * those are the very namespaces the file names. A file left by a lab that was
 * killed (SIGKILL) names namespaces that no longer exist: it is stale, and
 * removed by whoever finds it. */
#ifndef LAB_HOLD_H
#define LAB_HOLD_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <jansson.h>

#include "lab_net.h"

#define LAB_HOLD_FILE "held.json"
#define LAB_HOLD_MAX_BYTES 16384
#define LAB_HOLD_MAX_HOSTS (LAB_MAX_HOSTS + 1) /* the hosts and the switch */
#define LAB_HOLD_IDLE_DEFAULT 600
#define LAB_HOLD_IDLE_MAX 86400

struct lab_ns_id {
	uint64_t dev, ino;
};

struct lab_hold_host {
	char name[16]; /* "alice", ..., "switch" */
	char ip[16];   /* "" for the switch */
	pid_t pid;     /* a holder in that host's network namespace */
	struct lab_ns_id net;
};

struct lab_hold_state {
	pid_t mitmlab_pid; /* the `mitmlab run` to signal to end the lab */
	pid_t lab_pid;	   /* the lab's init (PID 1 of its PID namespace), as seen from outside */
	char scenario[128];
	char run_dir[PATH_MAX];
	int idle_s; /* 0: no idle limit */
	struct lab_ns_id user, pidns;
	struct lab_hold_host hosts[LAB_HOLD_MAX_HOSTS];
	size_t n_hosts;
};

/* The state file's path: $XDG_RUNTIME_DIR/mitmlab/held.json when
 * XDG_RUNTIME_DIR is an absolute path, else /tmp/mitmlab-UID/held.json. With
 * create, the directory is made (0700). It must be a real directory of ours
 * closed to everyone else. 0; -ENOENT (no directory, without create); other
 * negative errno with err. Call it outside the lab (UID is the real one). */
int lab_hold_path(char *out, size_t len, bool create, char *err, size_t errlen);

/* The file's JSON and back. Parsing checks every field (types, ranges, known
 * host names, no duplicates, no control characters): 0 or -EINVAL with err. */
json_t *lab_hold_json(const struct lab_hold_state *st);
int lab_hold_parse(const char *text, size_t len, struct lab_hold_state *st, char *err, size_t errlen);

/* Reads and checks the file: a regular file (not a link), ours, mode 0600,
 * at most LAB_HOLD_MAX_BYTES. file_st (may be NULL) receives its identity,
 * for lab_hold_remove. 0; -ENOENT when there is none; other negative errno
 * with err. */
int lab_hold_read(const char *path, struct lab_hold_state *st, struct stat *file_st, char *err, size_t errlen);

/* Removes the file only if it is still the one file_st describes. */
void lab_hold_remove(const char *path, const struct stat *file_st);

/* Opens host h's user, network and PID namespaces through its holder and
 * checks each against the file; also that the user namespace is not ours
 * and is owned by us. 0 with fds[3] open; -ESRCH when the lab of the file
 * is gone (err says so); other negative errno with err. */
int lab_hold_open_host(const struct lab_hold_state *st, const struct lab_hold_host *h, int fds[3], char *err,
		       size_t errlen);

/* Is the lab of a file that could be read still there (its first host's
 * namespaces are the file's)? */
bool lab_hold_alive(const struct lab_hold_state *st);

const struct lab_hold_host *lab_hold_host(const struct lab_hold_state *st, const char *name);

/* The runner's side: holders and the state file. */
struct lab_holders {
	pid_t inner[LAB_HOLD_MAX_HOSTS]; /* the holders, as the lab's init sees them */
	size_t n;
	struct lab_hold_state st;
	char path[PATH_MAX];
	struct stat file_st;
	bool written;
};

/* In the lab's init, after lab_net_build: one holder per host and one for
 * the switch, then the state file at path (refused if one exists). base
 * gives mitmlab_pid, scenario, run_dir and idle_s. 0 or -1 with err; on
 * failure whatever was started is stopped again. */
int lab_hold_start(struct lab_holders *h, const struct lab_net *net, const struct lab_hold_state *base,
		   const char *path, char *err, size_t errlen);
/* How many processes are in the lab's PID namespace besides its init and
 * the holders: the shells entered with `mitmlab shell` and what they run. */
size_t lab_hold_inside(const struct lab_holders *h);
/* Reaps what ended in the lab (the init inherits orphans of the shells);
 * false once a holder has died. */
bool lab_hold_reap(struct lab_holders *h);
/* Removes the state file, kills and reaps the holders. Idempotent. */
void lab_hold_stop(struct lab_holders *h);

#endif
