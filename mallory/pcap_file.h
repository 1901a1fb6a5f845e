/* A recorded capture, read with libpcap (mallory --decrypt): a pcap file as
 * the lab runner writes wire.pcap (DLT_EN10MB, snaplen 65535), or a pcapng
 * file, which libpcap 1.10 reads too. The file is hostile input:
 * - opened with O_NOFOLLOW | O_NONBLOCK (a FIFO must not block the open) and
 *   fstat'ed: a regular file of at most PCAP_FILE_MAX_SIZE bytes, nothing else;
 * - Ethernet (DLT_EN10MB) only: any other link type is refused by name;
 * - every packet checked again here (caplen <= snaplen, caplen <= len,
 *   caplen <= PCAP_FILE_MAX_CAPLEN), whatever libpcap let through, and no more
 *   bytes read in all than the size cap.
 * Failures come back as a negative MLAB_E_* code plus a sentence for a person
 * in the caller's buffer (what is wrong with which file). Reading only:
 * nothing here opens an interface. */
#ifndef PCAP_FILE_H
#define PCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAP_FILE_MAX_SIZE (1ull << 30) /* 1 GiB */
#define PCAP_FILE_MAX_CAPLEN 262144	/* libpcap's own limit for Ethernet */
#define PCAP_FILE_MSG_LEN 512

struct pcap_file;

/* One packet: caplen bytes at data, len on the wire, its capture time. */
struct pcap_file_pkt {
	const uint8_t *data;
	size_t caplen, len;
	int64_t sec;
	uint32_t nsec;
};

/* Called once per packet, in file order; data is valid during the call.
 * Return false to stop reading. */
typedef bool (*pcap_file_cb)(void *arg, const struct pcap_file_pkt *pkt);

/* How a read ended (pcap_file_read). */
enum pcap_file_end {
	PCAP_FILE_END = 0,   /* every packet was read */
	PCAP_FILE_STOPPED,   /* the callback returned false */
	PCAP_FILE_TRUNCATED, /* the file ends in the middle of a packet: msg says so */
};

/* Opens path. MLAB_E_IO with msg set when it is missing, not a regular file,
 * too large, not a capture, or not Ethernet; MLAB_E_NOMEM. */
int pcap_file_open(const char *path, struct pcap_file **out, char msg[PCAP_FILE_MSG_LEN]);
/* The same over a descriptor open for reading (it is taken over: closed by
 * pcap_file_close, or here on failure); name is what messages call it. */
int pcap_file_fdopen(int fd, const char *name, struct pcap_file **out, char msg[PCAP_FILE_MSG_LEN]);

/* Reads the packets from where the last call stopped, calling cb for each.
 * Returns 0 with *end set, or MLAB_E_IO with msg set when a packet header is
 * corrupt (the packets before it were delivered). */
int pcap_file_read(struct pcap_file *f, pcap_file_cb cb, void *arg, enum pcap_file_end *end,
		   char msg[PCAP_FILE_MSG_LEN]);

/* "pcap" or "pcapng". */
const char *pcap_file_format(const struct pcap_file *f);
/* The snapshot length the file declares (for pcapng, libpcap's reading of it). */
unsigned pcap_file_snaplen(const struct pcap_file *f);
/* Packets delivered so far. */
uint64_t pcap_file_packets(const struct pcap_file *f);
void pcap_file_close(struct pcap_file *f);

#endif
