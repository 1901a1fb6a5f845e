/* The runner: one scenario, start to verdict, in the calling process.
 *
 * It enters a user namespace, builds the network, captures the wire on the
 * bridge, starts bob, mallory (if any) and alice in their hosts in that order
 * — each next one only after the previous said it is ready — collects every
 * event, stops everything at the end or at the time limit, and judges.
 * Call it in a fresh child process: a process enters a user namespace once.
 * With --paused the programs start only when the front end says so; with
 * --hold the lab outlives the verdict (run_opts below). */
#ifndef LAB_RUNNER_H
#define LAB_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "commands.h"
#include "judge.h"
#include "scenario.h"

struct run_opts {
	const char *run_dir;	     /* exists, empty */
	int live_fd;		     /* -1, or where each event line is also written as it arrives */
	volatile sig_atomic_t *stop; /* set by the caller's signal handler: end the run now */
	/* --interactive: alice reads her messages from this descriptor (a
	 * person typing) instead of the scenario's `send` lines, and the run
	 * may last up to INTERACTIVE_LIMIT_S. -1: the scenario's messages. */
	int alice_stdin;
	/* An enterable lab (lab_hold.h; mitmlab run --hold / --paused): with
	 * hold_path set, holders and the state file there from the moment the
	 * network is up; each step is told on notice_fd as one JSON line
	 * {"notice":"paused"|"resumed"|"held"|"released",...}. Without
	 * hold_path the other fields are not used. */
	const char *hold_path;
	bool paused;	   /* before bob starts, wait for one byte on ctl_fd (or a stop) */
	bool hold;	   /* after the verdict, keep the lab up until a stop, or idle_s with nobody inside */
	int idle_s;	   /* 0: no idle limit */
	int ctl_fd;	   /* read end, from the front end */
	int notice_fd;	   /* write end, to the front end */
	pid_t mitmlab_pid; /* named in the state file: the process to signal */
};

#define INTERACTIVE_LIMIT_S 900

struct run_times {
	double net_build_ms, net_release_ms, total_ms;
};

/* Returns 0 when the run produced a verdict (possibly "error" with a reason),
 * -1 when not even that was possible (err says why). Writes events.jsonl,
 * wire.pcap, commands.txt, the programs' logs, report.txt and report.json
 * into run_dir. */
int lab_run(const struct scenario *sc, const struct lab_paths *paths, const struct run_opts *o, struct verdict *v,
	    struct run_times *times, char *err, size_t errlen);

#endif
