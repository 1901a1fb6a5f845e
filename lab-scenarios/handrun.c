/* Runs made outside the lab (see handrun.h). */
#include "handrun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ev_fields.h"
#include "lab_net.h"
#include "report.h"
#include "wire_log.h"
#include "wire_notes.h"

json_t *lab_plan_json(const struct scenario *sc, const struct lab_paths *p)
{
	static const char *const progs[] = {"bob", "mallory", "alice"};
	bool active = sc->mallory.present && lab_is_active(sc);
	json_t *hosts = json_array();
	char *key = sc->leak ? lab_key_file(p, sc->leak) : NULL;
	json_t *j = json_pack("{s:s,s:s?,s:s,s:s,s:s,s:s?,s:s?,s:i,s:b,s:b,s:s?,s:s?,s:b,s:s,s:o}", "scenario",
			      sc->name, "path", sc->path, "title", sc->title, "network",
			      scenario_network_name(sc->network), "expect", sc->expect, "expect_peer", sc->expect_peer,
			      "expect_check", sc->expect_check, "timeout_s", (int)sc->timeout_s, "static_arp",
			      sc->static_arp, "mallory_ip_forward", sc->mallory_ip_forward, "leak", sc->leak,
			      "leak_key", key, "command", sc->command != NULL, "bin_dir", p->bin_dir, "hosts", hosts);
	free(key);
	if (!j)
		return NULL;
	json_object_set_new(j, "later", sc->break_classical ? json_string("break-classical") : json_null());
	for (size_t i = 0; i < 3; i++) {
		char *argv[LAB_MAX_ARGV], mac[18];
		const struct lab_host *h = lab_plan(progs[i]);
		if ((strcmp(progs[i], "mallory") == 0 && !sc->mallory.present) ||
		    lab_argv(sc, p, progs[i], argv, LAB_MAX_ARGV) < 0)
			continue;
		json_t *args = json_array();
		for (size_t k = 0; argv[k]; k++)
			json_array_append_new(args, json_string(argv[k]));
		lab_argv_free(argv);
		snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3],
			 h->mac[4], h->mac[5]);
		/* What the runner waits for before starting the next one; a
		 * [mallory] command says either (docs/events.md §2.9). */
		const char *ready = strcmp(progs[i], "bob") == 0     ? "listening"
				    : strcmp(progs[i], "alice") == 0 ? NULL
				    : sc->command		     ? "poisoning|sniffing"
				    : active			     ? "poisoning"
								     : "sniffing";
		json_array_append_new(hosts, json_pack("{s:s,s:s,s:s,s:o,s:s?}", "name", progs[i], "ip", h->ip, "mac",
						       mac, "argv", args, "ready", ready));
	}
	return j;
}

int lab_collect_events(const char *dir, char *err, size_t errlen)
{
	static const char *const hosts[] = {"alice", "bob", "mallory"};
	char path[PATH_MAX];
	json_t *all = NULL;
	int rc = -1, found = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/events.jsonl", dir) >= sizeof path) {
		snprintf(err, errlen, "run directory name too long");
		return -1;
	}
	if (access(path, F_OK) == 0)
		return 0;
	if (!(all = json_array()))
		goto nomem;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		char one[PATH_MAX + 16];
		snprintf(one, sizeof one, "%s/%s.jsonl", dir, hosts[i]);
		if (access(one, F_OK) != 0)
			continue;
		json_t *evs = ev_load_jsonl(one, err, errlen), *ev;
		size_t k;
		if (!evs)
			goto out;
		found++;
		json_array_foreach(evs, k, ev)
		{
			/* Who wrote the file is who speaks, whatever a line says. */
			json_object_set_new(ev, "actor", json_string(hosts[i]));
			if (json_array_append(all, ev) != 0) {
				json_decref(evs);
				goto nomem;
			}
		}
		json_decref(evs);
	}
	if (!found) {
		snprintf(err, errlen, "%s has neither events.jsonl nor alice.jsonl, bob.jsonl, mallory.jsonl", dir);
		goto out;
	}
	if (ev_sort_by_time(all) != 0)
		goto nomem;
	FILE *f = fopen(path, "wxe");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < json_array_size(all); i++) {
		char *line = json_dumps(json_array_get(all, i), JSON_COMPACT | JSON_ENSURE_ASCII);
		if (line)
			fprintf(f, "%s\n", line);
		free(line);
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 1;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory collecting the events of %s", dir);
out:
	json_decref(all);
	return rc;
}

/* One host's capture into port k of w. */
static int read_port(struct wire_log *w, unsigned k, const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	int n;
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);

	if (!p) {
		snprintf(err, errlen, "cannot read %s: %s", path, ebuf);
		return -1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errlen, "%s is not an Ethernet capture (link type %d): capture on the host's interface",
			 path, pcap_datalink(p));
		pcap_close(p);
		return -1;
	}
	/* A file cut short (PCAP_ERROR) keeps the frames before the cut. */
	while ((n = pcap_next_ex(p, &h, &bytes)) == 1)
		wire_log_add(w, k, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, h->len, bytes, h->caplen);
	pcap_close(p);
	return 0;
}

int lab_collect_ports(const char *dir, const json_t *events, char *err, size_t errlen)
{
	static const char *const hosts[] = {"alice", "bob", "mallory"};
	char path[PATH_MAX + 16];
	struct wire_log w;
	int rc = 0;

	snprintf(path, sizeof path, "%s/wire.pcapng", dir);
	if (access(path, F_OK) == 0)
		return 0;
	wire_log_init(&w);
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0] && rc == 0; i++) {
		snprintf(path, sizeof path, "%s/%s.pcap", dir, hosts[i]);
		if (access(path, F_OK) != 0)
			continue;
		int k = wire_log_port(&w, hosts[i]);
		rc = k < 0 ? -1 : read_port(&w, (unsigned)k, path, err, errlen);
	}
	if (rc == 0 && w.n_ports > 0) {
		wire_log_sort(&w);
		char **notes = wire_notes(&w, events);
		snprintf(path, sizeof path, "%s/wire.pcapng", dir);
		rc = wire_pcapng_write(path, &w, notes, err, errlen) == 0 ? 1 : -1;
		wire_notes_free(notes, w.n);
	}
	wire_log_free(&w);
	return rc;
}

void lab_write_reports(const char *dir, const struct scenario *sc, const json_t *events, const struct verdict *v)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/report.txt", dir);
	FILE *f = fopen(path, "we");
	if (f) {
		report_text(f, sc, events, v, dir);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/report.json", dir);
	json_t *j = report_json(sc, events, v, dir);
	if (j) {
		json_dump_file(j, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		json_decref(j);
	}
}
