/* mallory's options (see mallory_opts.h), in the house style of peer/peer_opts.c:
 * long options only, every value checked, a usage error names the culprit. */
#include "mallory_opts.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_SNIFF = 256,
	OPT_IFACE,
	OPT_PORT,
	OPT_EVENTS,
	OPT_QUIET,
	OPT_MAX_FRAMES,
	OPT_HELP,
};

static const struct option long_opts[] = {
    {"sniff", no_argument, NULL, OPT_SNIFF},	 {"iface", required_argument, NULL, OPT_IFACE},
    {"port", required_argument, NULL, OPT_PORT}, {"events", required_argument, NULL, OPT_EVENTS},
    {"quiet", no_argument, NULL, OPT_QUIET},	 {"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
    {"help", no_argument, NULL, OPT_HELP},	 {NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fputs("usage: mallory --sniff [options]\n\n"
	      "mallory, the attacker of the lab. Choose one mode:\n"
	      "  --sniff                 passive eavesdropping: capture every frame on --iface, follow the\n"
	      "                          protocol's TCP connections and report what she learns (every handshake\n"
	      "                          message; the content of records sent with cipher none). Never transmits.\n"
	      "                          (ARP poisoning and relaying come in later versions.)\n\n"
	      "  --iface IF              the interface to capture on (default eth0); capturing needs CAP_NET_RAW:\n"
	      "                          run inside the lab (mitmlab run) or as root\n"
	      "  --port N                the protocol's TCP port (default 4433)\n"
	      "  --events FD             write JSON-lines events to descriptor FD (docs/events.md)\n"
	      "  --max-frames N          stop after N captured frames (default: until SIGINT/SIGTERM)\n"
	      "  --quiet                 no readable log on stderr\n"
	      "  --help                  this text\n\n"
	      "exit status: 0 success (also after SIGINT/SIGTERM), 2 usage, 3 capture failed (no such interface,\n"
	      "             no permission, interface down), 5 internal error (out of memory)\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("mallory: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\nTry 'mallory --help'.\n", stderr);
	va_end(ap);
	return MALLORY_EXIT_USAGE;
}

static int parse_uint(const char *arg, unsigned long long min, unsigned long long max, unsigned long long *v)
{
	char *end;
	errno = 0;
	*v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' || *v < min || *v > max)
		return bad("not a number in range: %s", arg);
	return -1;
}

static int parse_one(struct mallory_opts *o, int opt, const char *arg)
{
	unsigned long long v;
	int r;

	switch (opt) {
	case OPT_SNIFF:
		o->mode = MALLORY_MODE_SNIFF;
		return -1;
	case OPT_IFACE:
		if (arg[0] == '\0')
			return bad("--iface: empty interface name");
		o->iface = arg;
		return -1;
	case OPT_PORT:
		if ((r = parse_uint(arg, 1, 65535, &v)) >= 0)
			return r;
		o->port = (uint16_t)v;
		return -1;
	case OPT_EVENTS:
		if ((r = parse_uint(arg, 0, INT_MAX, &v)) >= 0)
			return r;
		o->events_fd = (int)v;
		return -1;
	case OPT_QUIET:
		o->quiet = true;
		return -1;
	case OPT_MAX_FRAMES:
		if ((r = parse_uint(arg, 1, UINT64_MAX, &v)) >= 0)
			return r;
		o->max_frames = v;
		return -1;
	case OPT_HELP:
		usage(stdout);
		return MALLORY_EXIT_OK;
	default:
		fputs("Try 'mallory --help'.\n", stderr);
		return MALLORY_EXIT_USAGE;
	}
}

int mallory_opts_parse(struct mallory_opts *o, int argc, char **argv)
{
	int opt, r;

	memset(o, 0, sizeof *o);
	o->mode = MALLORY_MODE_NONE;
	o->iface = "eth0";
	o->port = 4433;
	o->events_fd = -1;

	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if ((r = parse_one(o, opt, optarg)) >= 0)
			return r;
	if (optind < argc)
		return bad("unexpected argument: %s", argv[optind]);
	if (o->mode == MALLORY_MODE_NONE)
		return bad("choose a mode: --sniff (passive capture); ARP poisoning and relaying are not "
			   "implemented yet");
	if (o->events_fd >= 0) {
		int fl = fcntl(o->events_fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
			fprintf(stderr, "mallory: --events %d: that descriptor is not open for writing\n",
				o->events_fd);
			return MALLORY_EXIT_USAGE;
		}
	}
	return -1;
}
