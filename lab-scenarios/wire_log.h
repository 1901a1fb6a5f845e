/* The capture per switch port: every frame each host's link carried, in both
 * directions, kept in memory while the lab runs and written at the end as
 * RUN/wire.pcapng (one interface per port, comments from the events:
 * wire_notes.h). The bridge's own capture, wire.pcap, stays as it was: the
 * neutral observer's copy that `mallory --decrypt` reads. */
#ifndef LAB_WIRE_LOG_H
#define LAB_WIRE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX_PORTS 3
#define WIRE_MAX_FRAMES 100000		   /* a lab run sends a few hundred */
#define WIRE_MAX_BYTES (32u * 1024 * 1024) /* beyond: the file says it was cut */

struct wire_frame {
	unsigned port;	 /* index into names */
	int64_t ts_us;	 /* capture time, microseconds since the epoch */
	uint32_t len;	 /* on the wire */
	uint32_t caplen; /* kept (snaplen) */
	size_t off;	 /* into data */
	size_t seq;	 /* arrival order: ties in time keep it */
};

struct wire_log {
	const char *names[WIRE_MAX_PORTS]; /* the host at each port: "alice" */
	size_t n_ports;
	struct wire_frame *f;
	size_t n, cap;
	uint8_t *data;
	size_t data_len, data_cap;
	bool cut; /* a limit was reached: later frames are missing */
};

void wire_log_init(struct wire_log *w);
/* Returns the port's index, or -1 when there are already WIRE_MAX_PORTS. */
int wire_log_port(struct wire_log *w, const char *name);
void wire_log_add(struct wire_log *w, unsigned port, int64_t ts_us, uint32_t len, const uint8_t *bytes,
		  uint32_t caplen);
/* Puts the frames in time order (stable). */
void wire_log_sort(struct wire_log *w);
static inline const uint8_t *wire_bytes(const struct wire_log *w, size_t i)
{
	return w->data + w->f[i].off;
}
void wire_log_free(struct wire_log *w);

/* Writes w as pcapng (Ethernet, one interface per port named after its host,
 * microsecond timestamps); comments[i], when not NULL, becomes frame i's
 * opt_comment. 0, or -1 with err set. */
int wire_pcapng_write(const char *path, const struct wire_log *w, char *const *comments, char *err, size_t errlen);

#endif
