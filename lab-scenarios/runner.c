/* The runner (see runner.h). */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <pcap/pcap.h>

#include "ev_fields.h"
#include "lab_hold.h"
#include "lab_net.h"
#include "report.h"
#include "wire_log.h"
#include "wire_notes.h"

#define READY_MS 10000	    /* a program that is not ready by then is broken */
#define GRACE_MS 3000	    /* after SIGTERM, before SIGKILL */
#define POISON_WAIT_MS 2000 /* for both victims' tables to show mallory's MAC */

struct prog {
	const char *name;
	pid_t pid;
	int ev_fd;
	bool running, stop_requested;
	bool skipping; /* inside an over-long line: drop until its newline */
	char buf[65536];
	size_t len;
};

struct run {
	const struct scenario *sc;
	const struct run_opts *o;
	json_t *events;
	FILE *jsonl;
	struct prog progs[4]; /* bob, mallory, alice; mallory again in phase 2 */
	size_t n_progs;
	pcap_t *cap;
	pcap_dumper_t *dump;
	pcap_t *port_cap[WIRE_MAX_PORTS]; /* each host's switch port: wire.pcapng */
	struct wire_log wire;
	double deadline;
	bool timed_out, interrupted;
	bool cleaning_up; /* the time limit covers the scenario, not our own cleanup */
	bool later;	  /* phase 2 (a leaked key): its logs are NAME-later.log */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every event, the programs' and ours, goes through here: kept for the
 * judge, appended to events.jsonl, streamed to the live reader. */
static void record(struct run *r, json_t *ev)
{
	char *line = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (line) {
		fprintf(r->jsonl, "%s\n", line);
		fflush(r->jsonl);
		if (r->o->live_fd >= 0) {
			size_t n = strlen(line);
			line[n] = '\n'; /* json_dumps left room: we write n + 1 bytes below */
			ssize_t w = write(r->o->live_fd, line, n + 1);
			(void)w; /* a live reader that went away does not stop the run */
			line[n] = '\0';
		}
		free(line);
	}
	json_array_append_new(r->events, ev);
}

/* The stream arrives per program, so lines of different programs can come in
 * another order than they happened. At the end the run's events are put in
 * time order and events.jsonl is written again in that order (the live
 * reader, if any, saw them as they came). */
static void write_in_order(struct run *r)
{
	if (ev_sort_by_time(r->events) != 0 || fflush(r->jsonl) != 0 || ftruncate(fileno(r->jsonl), 0) != 0)
		return; /* the arrival-order file stays: readers sort again on load */
	rewind(r->jsonl);
	for (size_t i = 0; i < json_array_size(r->events); i++) {
		char *line = json_dumps(json_array_get(r->events, i), JSON_COMPACT | JSON_ENSURE_ASCII);
		if (line)
			fprintf(r->jsonl, "%s\n", line);
		free(line);
	}
	fflush(r->jsonl);
}

static void lab_event(struct run *r, const char *name, json_t *fields)
{
	json_t *ev = json_pack("{s:f,s:s,s:s}", "t", now_s(), "actor", "lab", "event", name);
	if (fields)
		json_object_update(ev, fields);
	json_decref(fields);
	record(r, ev);
}

/* A line from a program. The actor is who we know sent it, whatever the
 * line says: mallory cannot speak as alice. */
static void program_line(struct run *r, struct prog *p, const char *line, size_t n)
{
	json_t *ev = json_loadb(line, n, 0, NULL);
	if (!json_is_object(ev)) {
		char shown[201];
		size_t k = 0;
		for (; k < n && k < 200; k++) /* ASCII only: a cut line is never broken UTF-8 */
			shown[k] = line[k] >= 0x20 && line[k] < 0x7f ? line[k] : '?';
		shown[k] = '\0';
		json_decref(ev);
		lab_event(r, "bad-event", json_pack("{s:s,s:s}", "program", p->name, "line", shown));
		return;
	}
	json_object_set_new(ev, "actor", json_string(p->name));
	if (!json_is_number(json_object_get(ev, "t")))
		json_object_set_new(ev, "t", json_real(now_s()));
	record(r, ev);
}

static void read_events(struct run *r, struct prog *p)
{
	ssize_t n = read(p->ev_fd, p->buf + p->len, sizeof p->buf - p->len);
	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		close(p->ev_fd);
		p->ev_fd = -1;
		return;
	}
	p->len += (size_t)n;
	size_t off = 0;
	char *nl;
	while ((nl = memchr(p->buf + off, '\n', p->len - off))) {
		size_t line = (size_t)(nl - (p->buf + off));
		if (!p->skipping)
			program_line(r, p, p->buf + off, line);
		p->skipping = false;
		off += line + 1;
	}
	memmove(p->buf, p->buf + off, p->len - off);
	p->len -= off;
	if (p->len == sizeof p->buf) { /* one absurdly long line: drop it, up to its end */
		if (!p->skipping)
			lab_event(r, "bad-event", json_pack("{s:s,s:s}", "program", p->name, "line", "(over 64 KiB)"));
		p->skipping = true;
		p->len = 0;
	}
}

static void capture_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	pcap_dump(user, h, bytes);
}

struct port_ctx {
	struct wire_log *w;
	unsigned port;
};

static void port_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	const struct port_ctx *c = (const struct port_ctx *)user;
	wire_log_add(c->w, c->port, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, h->len, bytes, h->caplen);
}

static void drain_ports(struct run *r)
{
	for (unsigned i = 0; i < r->wire.n_ports; i++)
		if (r->port_cap[i]) {
			struct port_ctx c = {.w = &r->wire, .port = i};
			(void)pcap_dispatch(r->port_cap[i], -1, port_cb, (u_char *)&c);
		}
}

static void reap(struct run *r)
{
	for (size_t i = 0; i < r->n_progs; i++) {
		struct prog *p = &r->progs[i];
		int status;
		if (!p->running || waitpid(p->pid, &status, WNOHANG) != p->pid)
			continue;
		p->running = false;
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		/* Expected: stopped by us, or ended by itself with one of the
		 * programs' documented statuses (0-5). */
		bool expected = p->stop_requested || (code >= 0 && code <= 5);
		lab_event(r, "exit",
			  json_pack("{s:s,s:i,s:i,s:b}", "program", p->name, "status", code, "signal", sig, "expected",
				    expected));
	}
}

/* One turn of the loop: events, wire, exits; at most wait_ms. */
static void pump(struct run *r, int wait_ms)
{
	struct pollfd pf[4 + WIRE_MAX_PORTS];
	struct prog *who[4 + WIRE_MAX_PORTS];
	nfds_t n = 0;

	for (size_t i = 0; i < r->n_progs; i++)
		if (r->progs[i].ev_fd >= 0) {
			pf[n] = (struct pollfd){.fd = r->progs[i].ev_fd, .events = POLLIN};
			who[n++] = &r->progs[i];
		}
	int cap_fd = r->cap ? pcap_get_selectable_fd(r->cap) : -1;
	if (cap_fd >= 0) {
		pf[n] = (struct pollfd){.fd = cap_fd, .events = POLLIN};
		who[n++] = NULL;
	}
	for (unsigned i = 0; i < r->wire.n_ports; i++)
		if (r->port_cap[i]) {
			pf[n] = (struct pollfd){.fd = pcap_get_selectable_fd(r->port_cap[i]), .events = POLLIN};
			who[n++] = NULL;
		}
	if (poll(pf, n, wait_ms) > 0)
		for (nfds_t i = 0; i < n; i++)
			if (pf[i].revents && who[i])
				read_events(r, who[i]);
	if (r->cap)
		(void)pcap_dispatch(r->cap, -1, capture_cb, (u_char *)r->dump);
	drain_ports(r);
	reap(r);
	if (!r->timed_out && !r->cleaning_up && now_s() > r->deadline) {
		r->timed_out = true;
		const char *waiting = "the run";
		for (size_t i = 0; i < r->n_progs; i++)
			if (r->progs[i].running)
				waiting = r->progs[i].name; /* the last one started still running */
		lab_event(r, "timeout",
			  json_pack("{s:i,s:s}", "limit_s", (int)r->sc->timeout_s, "waiting_for", waiting));
	}
	if (!r->interrupted && r->o->stop && *r->o->stop) {
		r->interrupted = true;
		lab_event(r, "lab-error", json_pack("{s:s}", "reason", "interrupted by the user"));
	}
}

static bool must_end(const struct run *r)
{
	return r->timed_out || r->interrupted;
}

/* Index of the next event named `name` from `actor` at or after *from. */
static bool seen(struct run *r, const char *actor, const char *name, size_t *from)
{
	for (; *from < json_array_size(r->events); (*from)++) {
		json_t *ev = json_array_get(r->events, *from);
		const char *a = json_string_value(json_object_get(ev, "actor"));
		const char *e = json_string_value(json_object_get(ev, "event"));
		if (a && e && strcmp(a, actor) == 0 && strcmp(e, name) == 0)
			return true;
	}
	return false;
}

/* Waits until p says one of `ready` (NULL-terminated); returns its index, or
 * -1 when it died or time ran out. */
static int wait_ready(struct run *r, struct prog *p, const char *const *ready)
{
	double limit = now_s() + READY_MS / 1000.0;
	for (;;) {
		for (int i = 0; ready[i]; i++) {
			size_t from = 0;
			if (seen(r, p->name, ready[i], &from))
				return i;
		}
		if (!p->running || must_end(r) || now_s() > limit)
			break;
		pump(r, 50);
	}
	char why[PATH_MAX + 256];
	if (r->sc->command && strcmp(p->name, "mallory") == 0) /* an attacker of one's own: say what it owes */
		snprintf(why, sizeof why, /* what to do first: the verdict's reason keeps only the start */
			 "the [mallory] command did not become ready (no \"poisoning\" or \"sniffing\" event on "
			 "descriptor 3: %s); see mallory.log (%s)",
			 !p->running   ? "it ended first"
			 : must_end(r) ? "the run ended first"
				       : "none within 10 s",
			 r->sc->command[0]);
	else
		snprintf(why, sizeof why, "%s did not become ready (no \"%s\" event); see %s.log", p->name, ready[0],
			 p->name);
	lab_event(r, "lab-error", json_pack("{s:s}", "reason", why));
	return -1;
}

static void wait_exit(struct run *r, struct prog *p, int ms)
{
	double limit = now_s() + ms / 1000.0;
	while (p->running && now_s() < limit && (!must_end(r) || p->stop_requested))
		pump(r, 50);
}

static void stop(struct run *r, struct prog *p)
{
	if (!p->running)
		return;
	p->stop_requested = true;
	kill(p->pid, SIGTERM);
	wait_exit(r, p, GRACE_MS);
	if (p->running) {
		kill(p->pid, SIGKILL);
		wait_exit(r, p, GRACE_MS);
	}
}

/* Starts argv in host name's namespace. envp is a [mallory] command's
 * environment (lab_command_env), NULL for the lab's own programs. */
/* make check-asan: LeakSanitizer stops a process's threads through
 * /proc/PID/task, but the lab's PID namespace keeps the host's /proc, where
 * the PID a lab program sees for itself is another process or none. Its leak
 * check would then fail for that reason alone: inside the lab it is left off
 * (the programs' leaks are checked outside it: unit and loopback suites). */
static void sanitizer_env(void)
{
	const char *a = getenv("ASAN_OPTIONS");
	char self[32], opts[1024];
	ssize_t n = readlink("/proc/self", self, sizeof self - 1);
	if (!a || n <= 0)
		return;
	self[n] = '\0';
	if (strtol(self, NULL, 10) == (long)getpid())
		return; /* /proc is this namespace's: leaks can be checked */
	snprintf(opts, sizeof opts, "%s:detect_leaks=0", a);
	setenv("ASAN_OPTIONS", opts, 1);
}

static int spawn(struct run *r, const struct lab_net *net, const char *name, char **argv, char **envp)
{
	struct prog *p = &r->progs[r->n_progs];
	const struct lab_host *h = lab_net_host(net, name);
	char log[PATH_MAX], why[2 * PATH_MAX];
	int pfd[2];

	if (envp ? lab_command_problem(r->sc, why, sizeof why) : access(argv[0], X_OK) != 0) {
		if (!envp)
			snprintf(why, sizeof why, "missing program %s: build it with make", argv[0]);
		lab_event(r, "lab-error", json_pack("{s:s}", "reason", why));
		return -1;
	}
	snprintf(log, sizeof log, "%s/%s%s.log", r->o->run_dir, name, r->later ? "-later" : "");
	int log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pid_t parent = getpid(), pid = -1;
	pfd[0] = pfd[1] = -1;
	if (log_fd < 0 || pipe2(pfd, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		snprintf(why, sizeof why, "cannot start %s: %s", name, strerror(errno));
		lab_event(r, "lab-error", json_pack("{s:s}", "reason", why));
		for (int i = 0; i < 2; i++)
			if (pfd[i] >= 0)
				close(pfd[i]);
		if (log_fd >= 0)
			close(log_fd);
		return -1;
	}
	if (pid == 0) {
		/* Dies with the runner, however the runner dies. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int in = strcmp(name, "alice") == 0 && r->o->alice_stdin >= 0 ? r->o->alice_stdin : devnull;
		if (setns(h->ns_fd, CLONE_NEWNET) != 0 || devnull < 0 || dup2(in, 0) < 0 || dup2(log_fd, 1) < 0 ||
		    dup2(log_fd, 2) < 0)
			_exit(127);
		/* fd 3 is the event channel; dup2 onto itself would keep O_CLOEXEC. */
		if (pfd[1] == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(pfd[1], 3) < 0)
			_exit(127);
		/* Nothing else of the runner's: not the capture socket on the bridge,
		 * not wire.pcap, not events.jsonl, not the namespace descriptors. */
		if (close_range(4, ~0U, 0) != 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sanitizer_env();
		if (envp)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	close(log_fd);
	*p = (struct prog){.name = name, .pid = pid, .ev_fd = pfd[0], .running = true};
	r->n_progs++;
	json_t *args = json_array();
	for (size_t i = 0; argv[i]; i++)
		json_array_append_new(args, json_string(argv[i]));
	lab_event(r, "started",
		  json_pack("{s:s,s:i,s:o,s:s}", "program", name, "pid", (int)pid, "argv", args, "host", h->ip));
	return 0;
}

static const char *nud_name(uint16_t s)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} t[] = {{NUD_PERMANENT, "permanent"},	 {NUD_REACHABLE, "reachable"}, {NUD_STALE, "stale"},
		 {NUD_DELAY, "delay"},		 {NUD_PROBE, "probe"},	       {NUD_FAILED, "failed"},
		 {NUD_INCOMPLETE, "incomplete"}, {NUD_NOARP, "noarp"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (s & t[i].bit)
			return t[i].name;
	return "none";
}

/* What each victim's neighbour table says about the other, read from the
 * victims' own namespaces: ground truth for "poisoned". Returns how many of
 * the two point at mallory. */
static int neigh_snapshot(struct run *r, const struct lab_net *net, const char *phase, bool emit)
{
	static const char *const pair[2][2] = {{"alice", "bob"}, {"bob", "alice"}};
	const struct lab_host *m = lab_net_host(net, "mallory");
	int poisoned = 0;
	char mac_s[18], true_s[18];

	for (int i = 0; i < 2; i++) {
		const struct lab_host *h = lab_net_host(net, pair[i][0]), *o = lab_net_host(net, pair[i][1]);
		uint8_t mac[6];
		uint16_t state = 0;
		if (!h || !o)
			continue;
		snprintf(true_s, sizeof true_s, "%02x:%02x:%02x:%02x:%02x:%02x", o->mac[0], o->mac[1], o->mac[2],
			 o->mac[3], o->mac[4], o->mac[5]);
		if (lab_neigh_get(net, pair[i][0], o->ip, mac, &state) != 0) {
			if (emit)
				lab_event(r, "neighbour",
					  json_pack("{s:s,s:s,s:s,s:n,s:s,s:b,s:s}", "phase", phase, "host", pair[i][0],
						    "ip", o->ip, "mac", "state", "none", "poisoned", 0, "true_mac",
						    true_s));
			continue;
		}
		bool bad = m && memcmp(mac, m->mac, 6) == 0;
		poisoned += bad;
		if (!emit)
			continue;
		snprintf(mac_s, sizeof mac_s, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
			 mac[5]);
		lab_event(r, "neighbour",
			  json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "phase", phase, "host", pair[i][0], "ip", o->ip,
				    "mac", mac_s, "state", nud_name(state), "poisoned", bad, "true_mac", true_s));
	}
	return poisoned;
}

/* The rest of the run becomes PID 1 of the PID namespace lab_userns_enter
 * made: when it ends — normally or killed — the kernel kills every process
 * left in the lab, even ones our programs might have forked. This process
 * stays outside: it waits, passes a stop request on, and exits with the
 * run's status. Returns only in the new PID 1 (0), or -1 if fork failed. */
static int become_init(const struct run *r)
{
	int alive[2];
	fflush(NULL);
	if (pipe2(alive, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Our parent is outside the PID namespace, so getppid() says 0:
		 * whether it is still alive is told by its end of the pipe. */
		close(alive[1]);
		struct pollfd pf = {.fd = alive[0], .events = POLLIN};
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || poll(&pf, 1, 0) != 0)
			_exit(127);
		close(alive[0]);
		/* As init, restart slow calls after a stop request (the netlink
		 * exchanges); the run's loops poll and look at the flag. */
		struct sigaction sa;
		for (int sig = SIGINT; sig <= SIGTERM; sig += SIGTERM - SIGINT)
			if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL) {
				sa.sa_flags |= SA_RESTART;
				sigaction(sig, &sa, NULL);
			}
		return 0;
	}
	close(alive[0]);
	int status = 0;
	bool forwarded = false;
	for (;;) {
		if (waitpid(pid, &status, 0) == pid)
			break;
		if (errno != EINTR)
			_exit(5);
		if (r->o->stop && *r->o->stop && !forwarded) {
			kill(pid, SIGTERM);
			forwarded = true;
		}
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 3);
}

static int open_capture(struct run *r, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE], path[PATH_MAX];
	FILE *f = NULL;

	snprintf(path, sizeof path, "%s/wire.pcap", r->o->run_dir);
	/* The bridge in promiscuous mode gets a copy of every frame it switches:
	 * the neutral observer's view of the wire. */
	if (!(r->cap = pcap_create(LAB_BRIDGE, ebuf)) || pcap_set_snaplen(r->cap, 65535) != 0 ||
	    pcap_set_promisc(r->cap, 1) != 0 || pcap_set_immediate_mode(r->cap, 1) != 0 ||
	    pcap_set_timeout(r->cap, 50) != 0 || pcap_activate(r->cap) < 0 || pcap_setnonblock(r->cap, 1, ebuf) != 0 ||
	    fcntl(pcap_get_selectable_fd(r->cap), F_SETFD, FD_CLOEXEC) != 0 || !(f = fopen(path, "we")) ||
	    !(r->dump = pcap_dump_fopen(r->cap, f))) {
		if (f && !r->dump)
			fclose(f);
		snprintf(err, errlen, "capturing on %s: %s", LAB_BRIDGE, r->cap ? pcap_geterr(r->cap) : ebuf);
		return -1;
	}
	return 0;
}

/* One capture per switch port (sw-alice, …), both directions: what that
 * host's link carried. Kept in memory, written as wire.pcapng at the end. */
static int open_port_captures(struct run *r, const struct lab_net *net, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE], port[32];
	for (size_t i = 0; i < net->n_hosts; i++) {
		int k = wire_log_port(&r->wire, net->hosts[i].name);
		if (k < 0)
			break;
		snprintf(port, sizeof port, "sw-%.8s", net->hosts[i].name); /* lab_net.c's port names */
		pcap_t *c = pcap_create(port, ebuf);
		if (!c || pcap_set_snaplen(c, 65535) != 0 || pcap_set_immediate_mode(c, 1) != 0 ||
		    pcap_set_timeout(c, 50) != 0 || pcap_activate(c) < 0 || pcap_setnonblock(c, 1, ebuf) != 0 ||
		    fcntl(pcap_get_selectable_fd(c), F_SETFD, FD_CLOEXEC) != 0) {
			snprintf(err, errlen, "capturing on %s: %s", port, c ? pcap_geterr(c) : ebuf);
			if (c)
				pcap_close(c);
			return -1;
		}
		r->port_cap[k] = c;
	}
	return 0;
}

static void close_port_captures(struct run *r)
{
	drain_ports(r);
	for (unsigned i = 0; i < WIRE_MAX_PORTS; i++)
		if (r->port_cap[i]) {
			pcap_close(r->port_cap[i]);
			r->port_cap[i] = NULL;
		}
}

/* wire.pcapng: the ports' frames in time order, with what the lab knows of
 * each (wire_notes.h). A failure here costs the file, not the run. */
static void write_pcapng(struct run *r)
{
	char path[PATH_MAX], err[256];
	if (!r->wire.n_ports)
		return;
	wire_log_sort(&r->wire);
	char **notes = wire_notes(&r->wire, r->events);
	snprintf(path, sizeof path, "%s/wire.pcapng", r->o->run_dir);
	if (wire_pcapng_write(path, &r->wire, notes, err, sizeof err) != 0)
		fprintf(stderr, "mitmlab: %s\n", err);
	wire_notes_free(notes, r->wire.n);
}

/* A [mallory] command's line starts with env and the lab's MITMLAB_
 * variables (mallory_env), so it can be repeated by hand too. */
static void write_commands(const char *run_dir, char *argvs[3][LAB_MAX_ARGV], const char *const names[3],
			   char **mallory_env)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/commands.txt", run_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs("# The exact command lines of this run, one per host (run inside that host's namespace).\n", f);
	for (int i = 0; i < 3; i++)
		if (argvs[i][0]) {
			const struct lab_host *h = lab_plan(names[i]);
			fprintf(f, "# %s (%s)\n", names[i], h ? h->ip : "?");
			char *line[2 * LAB_MAX_ARGV];
			size_t n = 0;
			if (i == 1 && mallory_env) {
				line[n++] = "env";
				for (size_t k = 0; mallory_env[k] && n < LAB_MAX_ARGV; k++)
					if (strncmp(mallory_env[k], "MITMLAB_", 8) == 0)
						line[n++] = mallory_env[k];
			}
			for (size_t k = 0; argvs[i][k]; k++)
				line[n++] = argvs[i][k];
			line[n] = NULL;
			lab_argv_print(f, line);
		}
	fclose(f);
}

/* The scenario file itself, so `mitmlab replay DIR` shows the same run
 * anywhere, without the catalog. */
static void copy_scenario(const struct scenario *sc, const char *run_dir)
{
	char path[PATH_MAX], buf[8192];
	size_t n;
	snprintf(path, sizeof path, "%s/%s.ini", run_dir, sc->name); /* the name comes from the file name */
	FILE *in = sc->path ? fopen(sc->path, "r") : NULL, *out = in ? fopen(path, "we") : NULL;
	while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* --interactive: alice's scenario messages give way to what is typed. */
static void drop_sends(char **argv)
{
	size_t w = 0;
	for (size_t i = 0; argv[i]; i++) {
		if (argv[i + 1] && (strcmp(argv[i], "--send") == 0 || strcmp(argv[i], "--repeat") == 0)) {
			free(argv[i]);
			free(argv[i + 1]);
			i++;
			continue;
		}
		argv[w++] = argv[i];
	}
	argv[w] = NULL;
}

/* alice's trust-on-first-use store lives in the run directory, so a run
 * never changes the catalog's seed: `tofu = new` starts empty, `tofu = FILE`
 * from a copy of FILE (bounded: a store is small). */
#define TOFU_SEED_MAX (1 << 20)
static int seed_tofu(char **argv, const char *run_dir, char *err, size_t errlen)
{
	for (size_t i = 1; argv[i]; i++) {
		if (strcmp(argv[i - 1], "--tofu") != 0)
			continue;
		char path[PATH_MAX], buf[8192];
		size_t n, total = 0;
		int bad = 0;
		snprintf(path, sizeof path, "%s/alice.tofu", run_dir);
		if (strcmp(argv[i], "new") != 0) {
			FILE *in = fopen(argv[i], "re"), *out = in ? fopen(path, "wxe") : NULL;
			while (out && !bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
				bad = (total += n) > TOFU_SEED_MAX || fwrite(buf, 1, n, out) != n;
			if (!in || !out || bad || ferror(in) || fclose(out) != 0) {
				snprintf(err, errlen, "cannot copy the trust-on-first-use seed %s to %s%s", argv[i],
					 path, bad ? " (larger than 1 MiB?)" : "");
				if (in)
					fclose(in);
				return -1;
			}
			fclose(in);
		}
		free(argv[i]);
		if (!(argv[i] = strdup(path)))
			abort();
	}
	return 0;
}

/* The kind bob negotiated (absent in the event: ephemeral). */
static const char *bob_kind(const struct run *r)
{
	size_t i;
	json_t *ev;
	const char *kind = NULL;
	json_array_foreach(r->events, i, ev)
	{
		const char *a = json_string_value(json_object_get(ev, "actor"));
		const char *e = json_string_value(json_object_get(ev, "event"));
		if (a && e && strcmp(a, "bob") == 0 && strcmp(e, "negotiated") == 0) {
			const char *k = json_string_value(json_object_get(ev, "kind"));
			kind = k ? k : "ephemeral";
		}
	}
	return kind;
}

/* Phase 2 with later = break-classical: mallory "gets the computer". The
 * lab has no quantum computer; its stand-in is mallory's discrete-log solver,
 * which really breaks the lab groups (and nothing stronger). The phase event
 * says so, and which secrets exist: the recording, and no key at all. */
static json_t *computer_phase(bool hybrid)
{
	json_t *remains = json_array(), *wiped = json_array();
	json_array_append_new(remains, json_string("the recording of phase 1: both key shares, every record"));
	json_array_append_new(wiped, json_string("both ephemeral key pairs, wiped after the handshake"));
	if (hybrid)
		json_array_append_new(wiped, json_string("bob's ML-KEM-768 decapsulation key: the secret alice "
							 "encapsulated never travelled, and only that key opens it"));
	json_array_append_new(wiped, json_string("the session keys, wiped when the session closed"));
	return json_pack("{s:i,s:s,s:s,s:o,s:o}", "phase", 2, "computer",
			 "a discrete-log solver, the lab's stand-in for a quantum computer", "kind", "ephemeral",
			 "remains", remains, "wiped", wiped);
}

/* The group bob negotiated in phase 1, or NULL. */
static const char *bob_group(const struct run *r)
{
	size_t i;
	json_t *ev;
	const char *group = NULL;
	json_array_foreach(r->events, i, ev)
	{
		const char *a = json_string_value(json_object_get(ev, "actor"));
		const char *e = json_string_value(json_object_get(ev, "event"));
		if (a && e && strcmp(a, "bob") == 0 && strcmp(e, "negotiated") == 0)
			group = json_string_value(json_object_get(ev, "group"));
	}
	return group;
}

/* Phase 2: the conversation is over, and a long-term key of bob's leaks to
 * mallory. She opens phase 1's recording with it (mallory --decrypt), in her
 * namespace, with no network to use. The lab says first which secrets still
 * exist: that, not the attacker's skill, decides what she can read. */
static void later(struct run *r, const struct lab_net *net, const struct lab_paths *paths)
{
	const char *kind = bob_kind(r), *group = bob_group(r);
	char pcap[PATH_MAX];
	char *key = r->sc->leak ? lab_key_file(paths, r->sc->leak) : NULL, *bin = NULL;
	size_t nb = strlen(paths->bin_dir) + sizeof "/mallory";
	json_t *remains = json_array(), *wiped = json_array();

	bool tls = scenario_speaks_tls(&r->sc->mallory), transport = kind && strcmp(kind, "transport") == 0;
	if (transport)
		json_array_append_new(remains,
				      json_string("bob's RSA private key (it decrypts every recorded premaster)"));
	else if (kind && strcmp(kind, "static") == 0)
		json_array_append_new(remains,
				      json_string("bob's static DH key (it recomputes every recorded secret)"));
	else
		json_array_append_new(wiped,
				      json_string(tls ? "both ephemeral (EC)DHE key pairs, wiped after the "
							"handshake"
						      : "both ephemeral DH key pairs, wiped after the handshake"));
	if (tls && !transport)
		json_array_append_new(remains, json_string("bob's certificate key (in an (EC)DHE handshake it only "
							   "signed: it decrypts nothing)"));
	else if (!tls)
		json_array_append_new(remains, json_string("bob's Ed25519 signing key (it proves who bob was; it "
							   "decrypts nothing)"));
	json_array_append_new(wiped, json_string("the session keys, wiped when the session closed"));
	if (r->sc->break_classical) {
		json_decref(remains);
		json_decref(wiped);
		lab_event(r, "phase", computer_phase(group && strstr(group, "mlkem")));
	} else {
		lab_event(r, "phase",
			  json_pack("{s:i,s:s,s:s,s:o,s:o}", "phase", 2, "leak", r->sc->leak, "kind",
				    kind ? kind : "none", "remains", remains, "wiped", wiped));
	}
	snprintf(pcap, sizeof pcap, "%s/wire.pcap", r->o->run_dir);
	if ((bin = malloc(nb)) != NULL) {
		snprintf(bin, nb, "%s/mallory", paths->bin_dir);
		char *argv[12] = {bin, "--decrypt", pcap};
		size_t n = 3;
		if (key) {
			argv[n++] = "--key";
			argv[n++] = key;
		} else {
			argv[n++] = "--break-classical";
		}
		argv[n++] = "--events";
		argv[n++] = "3";
		if (tls) {
			argv[n++] = "--proto";
			argv[n++] = "tls";
		}
		r->later = true;
		if (spawn(r, net, "mallory", argv, NULL) == 0) {
			struct prog *p = &r->progs[r->n_progs - 1];
			while (p->running && !must_end(r))
				pump(r, 50);
			stop(r, p);
		}
	}
	free(bin);
	free(key);
}

/* One line to the front end, which tells the user what it means. */
static void notice(const struct run *r, json_t *msg)
{
	char *line = msg ? json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	if (line) /* a front end that went away does not stop the lab: its end does */
		(void)dprintf(r->o->notice_fd, "%s\n", line);
	free(line);
	json_decref(msg);
}

static json_t *hold_notice(const char *what, const struct lab_holders *h)
{
	json_t *hosts = json_array();
	for (size_t i = 0; i < h->st.n_hosts; i++)
		json_array_append_new(hosts, json_string(h->st.hosts[i].name));
	return json_pack("{s:s,s:s,s:i,s:i,s:o}", "notice", what, "state", h->path, "lab_pid", (int)h->st.lab_pid,
			 "idle_s", h->st.idle_s, "hosts", hosts);
}

/* --paused: the network is up and nobody runs in it yet. One byte from the
 * front end (Enter or SIGUSR1 there) starts the scenario; its time limit
 * starts then. The capture is already on: what shells send now is on the
 * wire, and in wire.pcap. false: stopped (or the front end went away). */
static bool pause_lab(struct run *r, struct lab_holders *h)
{
	double t0 = now_s();
	bool go = false, gone = false;

	r->deadline = t0 + 1e9;
	notice(r, hold_notice("paused", h));
	while (!go && !gone && !must_end(r)) {
		struct pollfd pf = {.fd = r->o->ctl_fd, .events = POLLIN};
		if (poll(&pf, 1, 0) > 0) {
			char c;
			ssize_t n = read(r->o->ctl_fd, &c, 1);
			go = n == 1;
			gone = n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN);
		}
		pump(r, 100);
		(void)lab_hold_reap(h);
	}
	if (gone && !must_end(r))
		lab_event(r, "lab-error", json_pack("{s:s}", "reason", "the pause ended without a go-ahead"));
	if (go && !must_end(r)) {
		lab_event(r, "paused", json_pack("{s:f}", "ms", (now_s() - t0) * 1e3));
		notice(r, json_pack("{s:s}", "notice", "resumed"));
	}
	r->deadline = now_s() + (r->o->alice_stdin >= 0 ? INTERACTIVE_LIMIT_S : r->sc->timeout_s);
	return go && !must_end(r);
}

/* --hold: the run is over and judged; its namespaces stay for mitmlab
 * shell until a stop request, or until idle_s have passed with nobody
 * inside (counted from the hold's start, or the last time someone was). */
static void hold_lab(struct run *r, struct lab_holders *h)
{
	double last = now_s(), next_scan = 0;
	const char *why = "stopped";

	notice(r, hold_notice("held", h));
	while (!(r->o->stop && *r->o->stop)) {
		double t = now_s();
		if (!lab_hold_reap(h)) {
			why = "a holder process ended";
			break;
		}
		if (t >= next_scan) {
			if (lab_hold_inside(h) > 0)
				last = t;
			next_scan = t + 1.0;
		}
		if (r->o->idle_s > 0 && t - last >= r->o->idle_s) {
			why = "idle";
			break;
		}
		(void)poll(NULL, 0, 200);
	}
	notice(r, json_pack("{s:s,s:s,s:i}", "notice", "released", "why", why, "idle_s", r->o->idle_s));
}

static void write_reports(const struct run *r, const struct verdict *v)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/report.txt", r->o->run_dir);
	FILE *f = fopen(path, "w");
	if (f) {
		report_text(f, r->sc, r->events, v, r->o->run_dir);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/report.json", r->o->run_dir);
	json_t *j = report_json(r->sc, r->events, v, r->o->run_dir);
	if (j) {
		json_dump_file(j, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		json_decref(j);
	}
}

int lab_run(const struct scenario *sc, const struct lab_paths *paths, const struct run_opts *o, struct verdict *v,
	    struct run_times *times, char *err, size_t errlen)
{
	bool conversation = false; /* phase 1 ran to alice's end: phase 2 may follow */
	static const char *const names[3] = {"bob", "mallory", "alice"};
	struct run *r = calloc(1, sizeof *r);
	char *argvs[3][LAB_MAX_ARGV] = {{NULL}};
	char **mallory_env = NULL; /* a [mallory] command's */
	char path[PATH_MAX];
	const char *hosts[3] = {"alice", "bob", "mallory"};
	struct lab_net net = {.switch_fd = -1};
	struct lab_holders holders = {.n = 0};
	double t0 = now_s(), t;
	int rc = -1;

	memset(times, 0, sizeof *times);
	if (!r)
		return -1;
	r->sc = sc;
	r->o = o;
	r->events = json_array();
	r->deadline = t0 + (o->alice_stdin >= 0 ? INTERACTIVE_LIMIT_S : sc->timeout_s);
	snprintf(path, sizeof path, "%s/events.jsonl", o->run_dir);
	if (!(r->jsonl = fopen(path, "we"))) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	for (int i = 0; i < 3; i++)
		if (strcmp(names[i], "mallory") != 0 || sc->mallory.present) {
			int argc = lab_argv(sc, paths, names[i], argvs[i], LAB_MAX_ARGV - 4);
			if (argc < 0) {
				snprintf(err, errlen, "too many arguments for %s", names[i]);
				goto out;
			}
			if (i == 1 && sc->command) /* its descriptor 3 is in its environment */
				continue;
			bool is_m = strcmp(names[i], "mallory") == 0;
			if (!is_m || (scenario_speaks_tls(&sc->mallory) &&
				      lab_is_active(sc))) { /* the run's sessions, for Wireshark */
				char kl[PATH_MAX];
				snprintf(kl, sizeof kl, "%s/%s", o->run_dir, is_m ? "mallory-keys.log" : "keys.log");
				argvs[i][argc++] = strdup("--keylog");
				argvs[i][argc++] = strdup(kl);
			}
			/* Each program's private event channel is its descriptor 3. */
			argvs[i][argc] = strdup("--events");
			argvs[i][argc + 1] = strdup("3");
			argvs[i][argc + 2] = NULL;
			if (!argvs[i][argc] || !argvs[i][argc + 1])
				abort();
		}
	for (int i = 0; i < 3; i++)
		if (strcmp(names[i], "alice") == 0 && seed_tofu(argvs[i], o->run_dir, err, errlen) != 0)
			goto out;
	if (o->alice_stdin >= 0) /* the person at the keyboard writes alice's messages */
		for (int i = 0; i < 3; i++)
			if (strcmp(names[i], "alice") == 0)
				drop_sends(argvs[i]);
	if (sc->command)
		mallory_env = lab_command_env(o->run_dir);
	write_commands(o->run_dir, argvs, names, mallory_env);
	copy_scenario(sc, o->run_dir);
	lab_event(r, "run-start",
		  json_pack("{s:s,s:s,s:s}", "scenario", sc->name, "network", scenario_network_name(sc->network),
			    "run_dir", o->run_dir));

	if (lab_userns_enter(err, errlen) != 0)
		goto out;
	if (become_init(r) != 0) {
		snprintf(err, errlen, "cannot start the lab's init process: %s", strerror(errno));
		goto out;
	}
	t = now_s();
	if (lab_net_build(&net, sc->network, hosts, sc->mallory.present ? 3 : 2, err, errlen) != 0)
		goto out;
	times->net_build_ms = (now_s() - t) * 1e3;
	lab_event(r, "network-ready",
		  json_pack("{s:f,s:s}", "ms", times->net_build_ms, "kind", scenario_network_name(sc->network)));
	/* Enterable from now on: holders, and the state file mitmlab shell reads. */
	if (o->hold_path) {
		struct lab_hold_state base = {.mitmlab_pid = o->mitmlab_pid, .idle_s = o->idle_s};
		char abs[PATH_MAX];
		snprintf(base.scenario, sizeof base.scenario, "%s", sc->name);
		snprintf(base.run_dir, sizeof base.run_dir, "%s", realpath(o->run_dir, abs) ? abs : o->run_dir);
		if (lab_hold_start(&holders, &net, &base, o->hold_path, err, errlen) != 0)
			goto out;
	}
	if (open_capture(r, err, errlen) != 0 || open_port_captures(r, &net, err, errlen) != 0)
		goto out;

	/* The layer-2 defense: each victim knows the other's MAC for good. */
	if (sc->static_arp) {
		const struct lab_host *a = lab_net_host(&net, "alice"), *b = lab_net_host(&net, "bob");
		if (lab_neigh_set_permanent(&net, "alice", b->ip, b->mac) != 0 ||
		    lab_neigh_set_permanent(&net, "bob", a->ip, a->mac) != 0) {
			snprintf(err, errlen, "cannot install the static ARP entries: %s", strerror(errno));
			goto out;
		}
		lab_event(r, "static-arp", json_pack("{s:[s,s]}", "hosts", "alice", "bob"));
	}

	/* make bench's baseline only: mallory's kernel forwards what poisoning
	 * brings her (no redirects, which would tell alice the direct way). */
	if (sc->mallory_ip_forward && sc->mallory.present) {
		if (lab_net_sysctl(&net, "mallory", "/proc/sys/net/ipv4/conf/all/send_redirects", "0") != 0 ||
		    lab_net_sysctl(&net, "mallory", "/proc/sys/net/ipv4/conf/eth0/send_redirects", "0") != 0 ||
		    lab_net_sysctl(&net, "mallory", "/proc/sys/net/ipv4/ip_forward", "1") != 0) {
			snprintf(err, errlen, "cannot turn on forwarding in mallory's namespace");
			goto out;
		}
		lab_event(r, "mallory-ip-forward", NULL);
	}

	/* bob, then mallory, then alice: each waits for the one before. */
	rc = 0;
	bool active = sc->mallory.present && lab_is_active(sc);
	static const char *const listening[] = {"listening", NULL}, *const poisoning[] = {"poisoning", NULL},
				 *const sniffing[] = {"sniffing", NULL},
				 *const either[] = {"poisoning", "sniffing", NULL};
	if (o->hold_path && o->paused && !pause_lab(r, &holders))
		goto finish;
	if (spawn(r, &net, "bob", argvs[0], NULL) != 0 || wait_ready(r, &r->progs[0], listening) < 0)
		goto finish;
	double mallory_started = now_s();
	if (sc->mallory.present) {
		/* A command says by its ready event whether it attacks. */
		int got = -1;
		if (spawn(r, &net, "mallory", argvs[1], mallory_env) != 0 ||
		    (got = wait_ready(r, &r->progs[1],
				      sc->command ? either
				      : active	  ? poisoning
						  : sniffing)) < 0)
			goto finish;
		if (sc->command)
			active = got == 0;
	}
	/* Poisoning is confirmed in the victims' own tables, not assumed; if it
	 * does not take (static entries), the run goes on: that is the lesson. */
	if (active) {
		double limit = now_s() + POISON_WAIT_MS / 1000.0;
		int got;
		while ((got = neigh_snapshot(r, &net, "poll", false)) < 2 && now_s() < limit && !must_end(r))
			pump(r, 2);
		if (got == 2) /* from mallory's start to both tables confirmed poisoned */
			lab_event(r, "poisoned", json_pack("{s:f}", "ms", (now_s() - mallory_started) * 1e3));
		neigh_snapshot(r, &net, "before-alice", true);
	}
	if (spawn(r, &net, "alice", argvs[2], NULL) != 0)
		goto finish;
	struct prog *alice = &r->progs[r->n_progs - 1];
	while (alice->running && !must_end(r))
		pump(r, 50);
	conversation = true;
	/* bob ends by himself after his one connection. */
	wait_exit(r, &r->progs[0], GRACE_MS);
finish:
	r->cleaning_up = true;
	if (active)
		neigh_snapshot(r, &net, "end", true);
	for (size_t i = r->n_progs; i-- > 0;)
		stop(r, &r->progs[i]);
	/* mallory restored the true mappings when she stopped: check it. */
	if (active)
		neigh_snapshot(r, &net, "after-stop", true);
	/* The last lines in the pipes; bounded, in case something kept one open. */
	for (double limit = now_s() + 1.0; now_s() < limit;) {
		bool open_pipe = false;
		for (size_t i = 0; i < r->n_progs; i++)
			open_pipe |= r->progs[i].ev_fd >= 0;
		if (!open_pipe)
			break;
		pump(r, 20);
	}
	for (size_t i = 0; i < r->n_progs; i++)
		if (r->progs[i].ev_fd >= 0) {
			close(r->progs[i].ev_fd);
			r->progs[i].ev_fd = -1;
		}
	pump(r, 0);
	t = now_s();
	if (r->dump)
		pcap_dump_close(r->dump);
	if (r->cap)
		pcap_close(r->cap);
	r->dump = NULL;
	r->cap = NULL;
	close_port_captures(r);
	if (rc == 0 && conversation && (sc->leak || sc->break_classical) && sc->mallory.present && !must_end(r)) {
		r->cleaning_up = false;
		later(r, &net, paths);
		for (double limit = now_s() + 1.0; now_s() < limit && r->progs[r->n_progs - 1].ev_fd >= 0;)
			pump(r, 20);
		if (r->progs[r->n_progs - 1].ev_fd >= 0) {
			close(r->progs[r->n_progs - 1].ev_fd);
			r->progs[r->n_progs - 1].ev_fd = -1;
		}
		t = now_s();
	}
	/* Held, the network outlives the run's record: its release is not timed. */
	bool keep = o->hold_path && o->hold && !r->interrupted;
	if (!keep) {
		lab_hold_stop(&holders);
		lab_net_release(&net);
	}
	times->net_release_ms = keep ? 0 : (now_s() - t) * 1e3;
	times->total_ms = (now_s() - t0) * 1e3;
	lab_event(r, "run-end", json_pack("{s:f,s:f}", "ms", times->total_ms, "net_release_ms", times->net_release_ms));
	write_in_order(r);
	write_pcapng(r);
	judge_run(r->events, v);
	write_reports(r, v);
	if (keep)
		hold_lab(r, &holders);
out:
	if (rc != 0 && r->jsonl) {
		lab_event(r, "lab-error", json_pack("{s:s}", "reason", err));
		write_in_order(r);
		judge_run(r->events, v);
		write_reports(r, v);
	}
	for (int i = 0; i < 3; i++)
		if (argvs[i][0])
			lab_argv_free(argvs[i]);
	if (mallory_env)
		lab_argv_free(mallory_env);
	free(mallory_env);
	if (r->dump)
		pcap_dump_close(r->dump);
	if (r->cap)
		pcap_close(r->cap);
	close_port_captures(r);
	wire_log_free(&r->wire);
	lab_hold_stop(&holders);
	lab_net_release(&net);
	if (r->jsonl)
		fclose(r->jsonl);
	json_decref(r->events);
	free(r);
	return rc;
}
