/* mallory/: the attacker. Her main is this file; the rest of the directory,
 * one concept a file:
 *   mallory_opts  the command line and exit codes
 *   capture       the libpcap edge (live capture on one interface)
 *   dissect       one Ethernet frame into a summary (pure)
 *   sniff_stream  passive TCP reassembly and protocol decoding (pure)
 *   sniff         the sniff mode's loop
 *   arp_poison    forged ARP frames (libnet) and their restoration
 *   netsum        checksums of re-emitted frames
 *   lab_guard     the safety rail: transmit only inside a lab namespace
 *   active        the active modes' loop: poison, relay, attack, restore
 *   pcap_file     a recorded capture file (libpcap), checked as hostile input
 *   offline       the --decrypt mode: a recorded capture through the sniffing path
 *
 * Sniff mode never transmits: it opens a capture and nothing else, so it
 * needs no --armed (docs/events.md §2.6) and is safe on any interface. The active
 * modes refuse to transmit outside a lab namespace unless armed. --decrypt
 * reads a file and opens neither an interface nor a socket. */
#include <signal.h>
#include <stdio.h>

#include "active.h"
#include "mallory_opts.h"
#include "mlab_event.h"
#include "offline.h"
#include "sniff.h"

/* Set by SIGINT/SIGTERM; the poll loop looks at it, the handler does nothing else. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int main(int argc, char **argv)
{
	struct mallory_opts o;
	struct mlab_ev ev;
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll() must wake up */
	int r;

	if ((r = mallory_opts_parse(&o, argc, argv)) >= 0)
		return r;
	mlab_ev_init(&ev, "mallory", o.events_fd, o.quiet ? NULL : stderr);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	switch (o.mode) {
	case MALLORY_MODE_SNIFF:
		return sniff_run(&o, &ev, &stop_requested);
	case MALLORY_MODE_ATTACK:
		return active_run(&o, &ev, &stop_requested);
	case MALLORY_MODE_DECRYPT:
		return decrypt_run(&o, &ev, &stop_requested);
	case MALLORY_MODE_NONE:
		break;
	}
	return MALLORY_EXIT_USAGE; /* mallory_opts_parse refuses a missing mode */
}
