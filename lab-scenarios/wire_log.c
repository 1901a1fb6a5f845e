/* The per-port capture and its pcapng file (see wire_log.h). pcapng is
 * written here because libpcap writes only the classic format, which has
 * neither interfaces nor comments. Format: draft-ietf-opsawg-pcapng, blocks
 * SHB, IDB and EPB, in this machine's byte order (the SHB's magic says which). */
#include "wire_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_version.h"

#define COMMENT_MAX 4096 /* an option's length is 16 bits; ours stay short */

void wire_log_init(struct wire_log *w)
{
	memset(w, 0, sizeof *w);
}

int wire_log_port(struct wire_log *w, const char *name)
{
	if (w->n_ports == WIRE_MAX_PORTS)
		return -1;
	w->names[w->n_ports] = name;
	return (int)w->n_ports++;
}

static bool grow(void **p, size_t *cap, size_t need, size_t unit)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * unit);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

void wire_log_add(struct wire_log *w, unsigned port, int64_t ts_us, uint32_t len, const uint8_t *bytes, uint32_t caplen)
{
	if (w->cut || port >= w->n_ports)
		return;
	if (w->n == WIRE_MAX_FRAMES || w->data_len + caplen > WIRE_MAX_BYTES ||
	    !grow((void **)&w->f, &w->cap, w->n + 1, sizeof *w->f) ||
	    !grow((void **)&w->data, &w->data_cap, w->data_len + caplen + 1, 1)) { /* + 1: never NULL */
		w->cut = true;
		return;
	}
	memcpy(w->data + w->data_len, bytes, caplen);
	w->f[w->n] = (struct wire_frame){
	    .port = port, .ts_us = ts_us, .len = len, .caplen = caplen, .off = w->data_len, .seq = w->n};
	w->data_len += caplen;
	w->n++;
}

static int by_time(const void *a, const void *b)
{
	const struct wire_frame *x = a, *y = b;
	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void wire_log_sort(struct wire_log *w)
{
	if (w->n)
		qsort(w->f, w->n, sizeof *w->f, by_time);
}

void wire_log_free(struct wire_log *w)
{
	free(w->f);
	free(w->data);
	wire_log_init(w);
}

/* --- pcapng --- */

struct blk {
	uint8_t buf[65536 + COMMENT_MAX + 256]; /* a whole frame and its comment */
	size_t len;
	bool over;
};

static void put(struct blk *b, const void *p, size_t n)
{
	if (b->over || b->len + n > sizeof b->buf) {
		b->over = true;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}
static void put32(struct blk *b, uint32_t v)
{
	put(b, &v, 4);
}
static void put16(struct blk *b, uint16_t v)
{
	put(b, &v, 2);
}
static void pad4(struct blk *b)
{
	static const uint8_t zero[3];
	put(b, zero, (4 - b->len % 4) % 4);
}
static void opt(struct blk *b, uint16_t code, const char *s, size_t n)
{
	if (n > COMMENT_MAX)
		n = COMMENT_MAX;
	put16(b, code);
	put16(b, (uint16_t)n);
	put(b, s, n);
	pad4(b);
}
static void opt_str(struct blk *b, uint16_t code, const char *s)
{
	opt(b, code, s, strlen(s));
}
static void opt_end(struct blk *b)
{
	put32(b, 0);
}

/* Starts a block of `type`: its length is filled in by finish(). */
static void begin(struct blk *b, uint32_t type)
{
	b->len = 0;
	b->over = false;
	put32(b, type);
	put32(b, 0);
}

static int finish(struct blk *b, FILE *f)
{
	uint32_t total = (uint32_t)(b->len + 4);
	put32(b, total);
	if (b->over)
		return -1;
	memcpy(b->buf + 4, &total, 4);
	return fwrite(b->buf, 1, b->len, f) == b->len ? 0 : -1;
}

int wire_pcapng_write(const char *path, const struct wire_log *w, char *const *comments, char *err, size_t errlen)
{
	struct blk *b = malloc(sizeof *b);
	FILE *f = b ? fopen(path, "we") : NULL;
	int rc = -1;
	char app[64];

	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		free(b);
		return -1;
	}
	begin(b, 0x0A0D0D0A);
	put32(b, 0x1A2B3C4D);
	put16(b, 1);
	put16(b, 0);
	put32(b, 0xFFFFFFFF); /* section length: not given */
	put32(b, 0xFFFFFFFF);
	snprintf(app, sizeof app, "mitmlab %s", MITMLAB_VERSION);
	opt_str(b, 4, app); /* shb_userappl */
	opt_str(b, 1,
		w->cut ? "mitmlab lab capture, one interface per switch port; CUT: a size limit was reached, later "
			 "frames are missing"
		       : "mitmlab lab capture, one interface per switch port (frames that host's link carried, both "
			 "directions); comments say what the lab knows about a frame");
	opt_end(b);
	if (finish(b, f) != 0)
		goto done;
	for (size_t i = 0; i < w->n_ports; i++) {
		char desc[128];
		begin(b, 1);
		put16(b, 1); /* LINKTYPE_ETHERNET */
		put16(b, 0);
		put32(b, 65535);
		opt_str(b, 2, w->names[i]); /* if_name */
		snprintf(desc, sizeof desc, "the switch port of %s's link: what %s sent and received", w->names[i],
			 w->names[i]);
		opt_str(b, 3, desc);
		opt_end(b);
		if (finish(b, f) != 0)
			goto done;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct wire_frame *fr = &w->f[i];
		uint64_t ts = (uint64_t)fr->ts_us;
		begin(b, 6);
		put32(b, fr->port);
		put32(b, (uint32_t)(ts >> 32));
		put32(b, (uint32_t)ts);
		put32(b, fr->caplen);
		put32(b, fr->len);
		put(b, wire_bytes(w, i), fr->caplen);
		pad4(b);
		if (comments && comments[i]) {
			opt_str(b, 1, comments[i]);
			opt_end(b);
		}
		if (finish(b, f) != 0)
			goto done;
	}
	rc = 0;
done:
	if (fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
	free(b);
	return rc;
}
