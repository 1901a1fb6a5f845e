/* Runs made outside mitmlab's own lab — by hand on real hosts, or by
 * tools/mininet — described and judged with the lab's own code: the plan as
 * data for other harnesses, and a run directory's verdict and reports. */
#ifndef LAB_HANDRUN_H
#define LAB_HANDRUN_H

#include <stddef.h>

#include <jansson.h>

#include "commands.h"
#include "judge.h"
#include "scenario.h"

/* `mitmlab show NAME --json`: the scenario's facts (with, for a later phase,
 * the leaked key as the scenario names it and resolved) and, per host in start
 * order (bob, mallory, alice), its lab-plan address and MAC, the exact argv
 * the runner would start (without the runner's own --events and --keylog)
 * and the event that says it is ready. New reference, NULL when out of
 * memory. */
json_t *lab_plan_json(const struct scenario *sc, const struct lab_paths *p);

/* Makes DIR/events.jsonl from DIR/alice.jsonl, DIR/bob.jsonl and
 * DIR/mallory.jsonl (each host's own --events output) when it is missing:
 * every line's actor becomes the file's host, as the runner does for its
 * pipes, and the lines are put in time order. Returns 1 when it wrote the
 * file, 0 when events.jsonl was already there, -1 with err set otherwise. */
int lab_collect_events(const char *dir, char *err, size_t errlen);

/* Makes DIR/wire.pcapng, as the runner's (wire_log.h), from DIR/alice.pcap,
 * DIR/bob.pcap and DIR/mallory.pcap — each host's own link, captured on the
 * host or at its switch port (Ethernet, pcap or pcapng) — with the comments
 * wire_notes finds for its frames in events. Returns 1 when it wrote the
 * file, 0 when there was nothing to do (wire.pcapng already there, or no
 * per-host capture), -1 with err set otherwise. */
int lab_collect_ports(const char *dir, const json_t *events, char *err, size_t errlen);

/* DIR/report.txt and DIR/report.json, as the runner writes them. */
void lab_write_reports(const char *dir, const struct scenario *sc, const json_t *events, const struct verdict *v);

#endif
