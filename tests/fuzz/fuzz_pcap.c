/* libFuzzer harness (make fuzz): arbitrary bytes as a capture file for
 * mallory --decrypt. The input is written to a memfd (a regular file, as
 * pcap_file insists) and read through offline_run: libpcap's pcap and pcapng
 * readers, the packet checks of mallory/pcap_file.c, the dissector, the TCP
 * reassembly and protocol decoding, the half-session reports, and the
 * key-recovery hooks, one of which "decrypts" every record into its own bytes
 * so the decrypted-record path is fuzzed too. Any crash, leak, hang or
 * sanitizer report is a bug: hostile input must only ever end in an error. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mlab_wire.h"
#include "offline.h"

struct fuzz_state {
	unsigned sum; /* read every byte shown to the hooks, so ASan sees an over-read */
	uint8_t plain[MLAB_MAX_PLAINTEXT];
};

static void on_hs(void *arg, const struct sniff_conn *flow, int dir, double ts, uint8_t type, const uint8_t *body,
		  size_t len)
{
	struct fuzz_state *s = arg;
	(void)ts;
	s->sum += (unsigned)(flow->slot + (unsigned)dir + type + strlen(flow->client) + strlen(flow->server));
	for (size_t i = 0; i < len; i++)
		s->sum += body[i];
}

/* The record's bytes after its sequence number as plaintext; the first of them
 * as the content type, so bad types and lengths reach the reporter too. */
static bool on_record(void *arg, const struct sniff_conn *flow, int dir, double ts, const uint8_t *body, size_t len,
		      struct sniff_plain *plain)
{
	struct fuzz_state *s = arg;
	(void)ts;
	(void)flow;
	(void)dir;
	if (len < MLAB_SEQ_LEN + 1)
		return false;
	plain->content = body[MLAB_SEQ_LEN];
	plain->len = len - MLAB_SEQ_LEN - 1;
	if (plain->len > sizeof s->plain)
		plain->len = sizeof s->plain + (body[0] & 1); /* one past the limit: refused */
	memcpy(s->plain, body + MLAB_SEQ_LEN + 1, plain->len < sizeof s->plain ? plain->len : sizeof s->plain);
	plain->data = s->plain;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	static struct fuzz_state st;
	struct offline_hooks hooks = {.arg = &st, .on_handshake_frame = on_hs, .on_record = on_record};
	struct mlab_ev ev;
	size_t off = 0;
	int fd;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		return 0;
	/* Readable lines are formatted (their code runs) and thrown away. */
	mlab_ev_init(&ev, "mallory", -1, devnull);
	if ((fd = memfd_create("fuzz-capture", MFD_CLOEXEC)) < 0)
		return 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			close(fd);
			return 0;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	struct offline_config c = {.capture = "fuzz-capture", .fd = fd, .port = 4433, .hooks = &hooks};
	(void)offline_run(&c, &ev); /* takes fd over */
	return 0;
}
