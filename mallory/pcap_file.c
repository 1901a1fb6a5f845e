/* Recorded captures through libpcap (see pcap_file.h). libpcap parses the
 * formats; this file decides what it may be given (a bounded regular file)
 * and distrusts what comes back (every packet header checked again). */
#include "pcap_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "mlab_err.h"

#define PCAPNG_MAGIC 0x0a0d0d0au /* a section header block, any byte order */
#define SIZE_CHECK_EVERY 1024	 /* packets between two looks at the read offset */
#define PCAP_FILE_NAME_LEN 256	 /* of the name kept for messages */

struct pcap_file {
	pcap_t *p;
	FILE *fp; /* owned by p once p is open */
	bool pcapng;
	unsigned snaplen;
	uint64_t packets;
	char name[PCAP_FILE_NAME_LEN];
};

__attribute__((format(printf, 2, 3))) static void say(char msg[PCAP_FILE_MSG_LEN], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, PCAP_FILE_MSG_LEN, fmt, ap);
	va_end(ap);
}

/* Only regular files: a FIFO or a device could block or never end, a
 * directory is a mistake worth naming. */
static int check_stat(int fd, const char *name, char msg[PCAP_FILE_MSG_LEN])
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		say(msg, "%s: cannot examine it: %s", name, strerror(errno));
		return MLAB_E_IO;
	}
	if (S_ISDIR(st.st_mode)) {
		say(msg, "%s is a directory: give the capture file inside it (a run's wire.pcap)", name);
		return MLAB_E_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		say(msg, "%s is not a regular file (%s): mallory reads capture files only", name,
		    S_ISFIFO(st.st_mode)   ? "a FIFO"
		    : S_ISSOCK(st.st_mode) ? "a socket"
		    : S_ISCHR(st.st_mode)  ? "a character device"
		    : S_ISBLK(st.st_mode)  ? "a block device"
					   : "not a file");
		return MLAB_E_IO;
	}
	if ((unsigned long long)st.st_size > PCAP_FILE_MAX_SIZE) {
		say(msg, "%s is %lld bytes, more than the %llu mallory reads (1 GiB): cut it first (editcap -c)", name,
		    (long long)st.st_size, PCAP_FILE_MAX_SIZE);
		return MLAB_E_IO;
	}
	if (st.st_size == 0) {
		say(msg, "%s: not a pcap capture: the file is empty", name);
		return MLAB_E_IO;
	}
	return 0;
}

/* The file's first four bytes tell pcapng from pcap (for messages and the
 * start event only: libpcap decides for itself). */
static bool is_pcapng(int fd)
{
	uint8_t m[4];
	return pread(fd, m, sizeof m, 0) == (ssize_t)sizeof m &&
	       ((uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3]) == PCAPNG_MAGIC;
}

int pcap_file_fdopen(int fd, const char *name, struct pcap_file **out, char msg[PCAP_FILE_MSG_LEN])
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_file *f = NULL;
	int e, dlt, fl;

	*out = NULL;
	msg[0] = '\0';
	if ((e = check_stat(fd, name, msg)) != 0)
		goto fail;
	/* O_NONBLOCK was for the open only: a regular file reads as usual. */
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	e = MLAB_E_NOMEM;
	if (!(f = calloc(1, sizeof *f))) {
		say(msg, "out of memory");
		goto fail;
	}
	snprintf(f->name, sizeof f->name, "%s", name);
	f->pcapng = is_pcapng(fd);
	if (!(f->fp = fdopen(fd, "rb"))) {
		say(msg, "%s: cannot read it: %s", name, strerror(errno));
		goto fail;
	}
	fd = -1; /* the stream has it now */
	e = MLAB_E_IO;
	if (!(f->p = pcap_fopen_offline_with_tstamp_precision(f->fp, PCAP_TSTAMP_PRECISION_NANO, errbuf))) {
		say(msg, "%s: not a pcap capture (libpcap: %s)", name, errbuf);
		goto fail;
	}
	f->fp = NULL; /* pcap_close closes it */
	if ((dlt = pcap_datalink(f->p)) != DLT_EN10MB) {
		/* By name: libpcap gives its DLT_ number, which is not always the file's (101 reads as 12). */
		const char *dn = pcap_datalink_val_to_name(dlt), *dd = pcap_datalink_val_to_description(dlt);
		say(msg,
		    "%s: link type %s (%s, DLT %d) is not Ethernet: mallory decodes Ethernet captures only "
		    "(EN10MB, as mitmlab's wire.pcap; with tcpdump, capture on one interface, not -i any)",
		    name, dn ? dn : "unknown", dd ? dd : "no description", dlt);
		goto fail;
	}
	f->snaplen = pcap_snapshot(f->p) > 0 ? (unsigned)pcap_snapshot(f->p) : PCAP_FILE_MAX_CAPLEN;
	*out = f;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	pcap_file_close(f);
	return e;
}

int pcap_file_open(const char *path, struct pcap_file **out, char msg[PCAP_FILE_MSG_LEN])
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	*out = NULL;
	msg[0] = '\0';
	if (fd < 0) {
		if (errno == ELOOP)
			say(msg, "%s is a symbolic link: give the capture file itself", path);
		else if (errno == ENOENT)
			say(msg, "%s: no such file", path);
		else
			say(msg, "%s: cannot open it: %s", path, strerror(errno));
		return MLAB_E_IO;
	}
	return pcap_file_fdopen(fd, path, out, msg);
}

/* What libpcap's read error means: a file cut short (its own words), or
 * anything else, which is a corrupt packet header. */
static bool truncation(const char *why)
{
	return strncmp(why, "truncated", 9) == 0;
}

int pcap_file_read(struct pcap_file *f, pcap_file_cb cb, void *arg, enum pcap_file_end *end,
		   char msg[PCAP_FILE_MSG_LEN])
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	msg[0] = '\0';
	*end = PCAP_FILE_END;
	while ((r = pcap_next_ex(f->p, &h, &data)) == 1) {
		uint64_t n = f->packets + 1;
		struct pcap_file_pkt pkt = {.data = data,
					    .caplen = h->caplen,
					    .len = h->len,
					    .sec = (int64_t)h->ts.tv_sec,
					    .nsec = (uint32_t)h->ts.tv_usec}; /* nanoseconds: see the open */
		if (h->caplen > f->snaplen || h->caplen > PCAP_FILE_MAX_CAPLEN) {
			say(msg,
			    "%s: packet %llu claims %u captured bytes, more than the capture's snapshot length %u: "
			    "the file is corrupt from there on",
			    f->name, (unsigned long long)n, h->caplen, f->snaplen);
			return MLAB_E_IO;
		}
		if (h->caplen > h->len) {
			say(msg,
			    "%s: packet %llu claims %u captured bytes of a %u-byte packet: the file is corrupt from "
			    "there on",
			    f->name, (unsigned long long)n, h->caplen, h->len);
			return MLAB_E_IO;
		}
		f->packets = n;
		if (n % SIZE_CHECK_EVERY == 0) {
			/* A file that grows while it is read (a capture still being
			 * written) is bounded as one that was large from the start. */
			long off = ftell(pcap_file(f->p));
			if (off < 0 || (unsigned long long)off > PCAP_FILE_MAX_SIZE) {
				say(msg, "%s grew past the %llu bytes mallory reads (1 GiB) while she read it", f->name,
				    PCAP_FILE_MAX_SIZE);
				return MLAB_E_IO;
			}
		}
		if (!cb(arg, &pkt)) {
			*end = PCAP_FILE_STOPPED;
			return 0;
		}
	}
	if (r == PCAP_ERROR_BREAK)
		return 0; /* the end of the file, between two packets */
	if (r == PCAP_ERROR && truncation(pcap_geterr(f->p))) {
		say(msg, "%s: the capture ends in the middle of a packet (libpcap: %s); read %llu packet%s before it",
		    f->name, pcap_geterr(f->p), (unsigned long long)f->packets, f->packets == 1 ? "" : "s");
		*end = PCAP_FILE_TRUNCATED;
		return 0;
	}
	say(msg, "%s: packet %llu cannot be read (libpcap: %s): the file is corrupt from there on", f->name,
	    (unsigned long long)f->packets + 1, r == PCAP_ERROR ? pcap_geterr(f->p) : "unexpected result");
	return MLAB_E_IO;
}

const char *pcap_file_format(const struct pcap_file *f)
{
	return f->pcapng ? "pcapng" : "pcap";
}

unsigned pcap_file_snaplen(const struct pcap_file *f)
{
	return f->snaplen;
}

uint64_t pcap_file_packets(const struct pcap_file *f)
{
	return f->packets;
}

void pcap_file_close(struct pcap_file *f)
{
	if (!f)
		return;
	if (f->p)
		pcap_close(f->p);
	else if (f->fp)
		fclose(f->fp);
	free(f);
}
