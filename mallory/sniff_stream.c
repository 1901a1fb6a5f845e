/* Passive per-direction TCP reassembly and protocol decoding (see sniff_stream.h).
 *
 * Why it looks the way it does:
 * - Sequence numbers are compared modulo 2^32 (signed difference), as TCP does.
 * - A segment partly before the expected sequence number (a retransmission
 *   that also carries new bytes) contributes only its new bytes.
 * - The stream is parsed after every append, so what stays buffered is at
 *   most one incomplete frame (< MLAB_MAX_FRAME): a buffer of twice that never
 *   fills with well-formed input; the overflow branch is a guard.
 * - After lost bytes, or when a connection is first seen mid-stream, nothing is
 *   parsed until a segment starts with a valid frame header: peers write each
 *   flight and each record with one write, so frames usually start segments. */
#include "sniff_stream.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_group.h"

#define SNIFF_ENDPOINT_STR 24 /* "255.255.255.255:65535" */

struct sniff_dir {
	bool seq_known; /* next_seq is meaningful */
	bool sync;	/* the buffer starts at a frame boundary */
	bool failed;	/* stream-error reported: nothing more is parsed */
	bool fin;	/* FIN seen in order */
	uint32_t next_seq;
	unsigned ahead; /* segments ahead of next_seq in a row */
	size_t len;
	uint8_t *buf; /* SNIFF_BUF_CAP bytes, owned by the flow slot */
};

struct sniff_flow {
	bool used;
	uint64_t id; /* sniff_conn.id */
	uint8_t cli_ip[DISSECT_IP4_LEN], srv_ip[DISSECT_IP4_LEN];
	uint16_t cli_port, srv_port;
	uint64_t last;	/* s->clock when last seen */
	uint8_t cipher; /* chosen in the server hello; 0 until seen */
	char cli[SNIFF_ENDPOINT_STR], srv[SNIFF_ENDPOINT_STR];
	struct sniff_dir d[2];
};

struct sniff_stream {
	uint16_t port;
	struct mlab_ev *ev;
	uint64_t clock;
	struct sniff_stats st;
	struct sniff_observer obs;
	struct sniff_flow flows[SNIFF_MAX_FLOWS];
	char hex[2 * MLAB_MAX_PLAINTEXT + 1]; /* scratch for message-read */
};

struct sniff_stream *sniff_stream_new(uint16_t port, struct mlab_ev *ev)
{
	struct sniff_stream *s = calloc(1, sizeof *s);
	if (s) {
		s->port = port;
		s->ev = ev;
	}
	return s;
}

void sniff_stream_free(struct sniff_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < SNIFF_MAX_FLOWS; i++)
		for (int d = 0; d < 2; d++)
			free(s->flows[i].d[d].buf);
	free(s);
}

const struct sniff_stats *sniff_stream_stats(const struct sniff_stream *s)
{
	return &s->st;
}

void sniff_stream_observe(struct sniff_stream *s, const struct sniff_observer *o)
{
	if (o)
		s->obs = *o;
	else
		memset(&s->obs, 0, sizeof s->obs);
}

size_t sniff_stream_flows(const struct sniff_stream *s)
{
	size_t n = 0;
	for (size_t i = 0; i < SNIFF_MAX_FLOWS; i++)
		n += s->flows[i].used;
	return n;
}

void sniff_printable(const uint8_t *data, size_t len, char *out, size_t out_len)
{
	size_t o = 0, i;

	if (out_len == 0)
		return;
	/* Room for one escape (4), the "..." marker (3) and the NUL. */
	for (i = 0; i < len && o + 8 <= out_len; i++) {
		if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\')
			out[o++] = (char)data[i];
		else
			o += (size_t)snprintf(out + o, out_len - o, "\\x%02x", data[i]);
	}
	if (i < len && o + 4 <= out_len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < out_len ? o : out_len - 1] = '\0';
}

/* ---------------------------------------------------------------- flows */

static void dir_clear(struct sniff_dir *D)
{
	uint8_t *buf = D->buf;
	memset(D, 0, sizeof *D);
	D->buf = buf;
}

static void flow_clear(struct sniff_flow *fl)
{
	dir_clear(&fl->d[0]);
	dir_clear(&fl->d[1]);
	fl->used = false;
	fl->cipher = 0;
}

static bool flow_closed(const struct sniff_flow *fl)
{
	return (fl->d[0].fin || fl->d[0].failed) && (fl->d[1].fin || fl->d[1].failed);
}

static bool flow_is(const struct sniff_flow *fl, const uint8_t cli_ip[4], uint16_t cli_port, const uint8_t srv_ip[4],
		    uint16_t srv_port)
{
	return fl->used && fl->cli_port == cli_port && fl->srv_port == srv_port &&
	       memcmp(fl->cli_ip, cli_ip, DISSECT_IP4_LEN) == 0 && memcmp(fl->srv_ip, srv_ip, DISSECT_IP4_LEN) == 0;
}

/* The flow of a segment and its direction; NULL when not tracked. */
static struct sniff_flow *flow_find(struct sniff_stream *s, const struct dissect_frame *f, int *dir)
{
	const struct dissect_ip4 *ip = &f->ip4;
	const struct dissect_tcp *t = &f->tcp;

	for (size_t i = 0; i < SNIFF_MAX_FLOWS; i++) {
		struct sniff_flow *fl = &s->flows[i];
		if (flow_is(fl, ip->src, t->sport, ip->dst, t->dport)) {
			*dir = SNIFF_C2S;
			return fl;
		}
		if (flow_is(fl, ip->dst, t->dport, ip->src, t->sport)) {
			*dir = SNIFF_S2C;
			return fl;
		}
	}
	return NULL;
}

/* A slot for a new flow: a free one, else the longest idle finished one,
 * else the longest idle one. */
static struct sniff_flow *flow_slot(struct sniff_stream *s)
{
	struct sniff_flow *best = NULL;
	bool best_closed = false;

	for (size_t i = 0; i < SNIFF_MAX_FLOWS; i++) {
		struct sniff_flow *fl = &s->flows[i];
		bool closed = flow_closed(fl);
		if (!fl->used)
			return fl;
		if (!best || (closed && !best_closed) || (closed == best_closed && fl->last < best->last)) {
			best = fl;
			best_closed = closed;
		}
	}
	return best;
}

static void endpoint_str(const uint8_t ip[4], uint16_t port, char out[SNIFF_ENDPOINT_STR])
{
	snprintf(out, SNIFF_ENDPOINT_STR, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], port);
}

/* The server is the endpoint on the protocol port (the destination when both are). */
static struct sniff_flow *flow_new(struct sniff_stream *s, const struct dissect_frame *f, int *dir)
{
	const struct dissect_ip4 *ip = &f->ip4;
	const struct dissect_tcp *t = &f->tcp;
	struct sniff_flow *fl = flow_slot(s);
	bool to_server = t->dport == s->port;

	for (int d = 0; d < 2; d++)
		if (!fl->d[d].buf && !(fl->d[d].buf = malloc(SNIFF_BUF_CAP)))
			return NULL;
	if (fl->used)
		s->st.evicted++;
	flow_clear(fl);
	fl->used = true;
	fl->id = ++s->st.connections;
	memcpy(fl->cli_ip, to_server ? ip->src : ip->dst, DISSECT_IP4_LEN);
	memcpy(fl->srv_ip, to_server ? ip->dst : ip->src, DISSECT_IP4_LEN);
	fl->cli_port = to_server ? t->sport : t->dport;
	fl->srv_port = to_server ? t->dport : t->sport;
	endpoint_str(fl->cli_ip, fl->cli_port, fl->cli);
	endpoint_str(fl->srv_ip, fl->srv_port, fl->srv);
	*dir = to_server ? SNIFF_C2S : SNIFF_S2C;
	return fl;
}

static const char *from_of(const struct sniff_flow *fl, int d)
{
	return d == SNIFF_C2S ? fl->cli : fl->srv;
}

static const char *to_of(const struct sniff_flow *fl, int d)
{
	return d == SNIFF_C2S ? fl->srv : fl->cli;
}

/* {"from": ..., "to": ...} to which an event adds its own fields. */
static json_t *ends_json(const struct sniff_flow *fl, int d)
{
	return json_pack("{s:s,s:s}", "from", from_of(fl, d), "to", to_of(fl, d));
}

/* -------------------------------------------------------------- reports */

static void stream_error(struct sniff_stream *s, struct sniff_flow *fl, int d, int err)
{
	struct sniff_dir *D = &fl->d[d];
	json_t *j = ends_json(fl, d);

	D->failed = true;
	D->len = 0;
	s->st.stream_errors++;
	json_object_set_new(j, "error", json_string(mlab_err_name(err)));
	json_object_set_new(j, "message", json_string(mlab_err_text(err)));
	mlab_ev_emit(s->ev, "stream-error", j, "cannot follow %s > %s: %s (%s); ignoring the rest of that direction",
		     from_of(fl, d), to_of(fl, d), mlab_err_name(err), mlab_err_text(err));
}

/* Drops what is buffered and waits for the next frame boundary. */
static void dir_resync(struct sniff_stream *s, struct sniff_flow *fl, int d, uint32_t next_seq, const char *reason,
		       uint64_t bytes)
{
	struct sniff_dir *D = &fl->d[d];
	json_t *j;

	D->len = 0;
	D->sync = false;
	D->ahead = 0;
	D->next_seq = next_seq;
	if (D->failed)
		return; /* given up on already: nothing to resynchronise */
	s->st.gaps++;
	j = ends_json(fl, d);
	json_object_set_new(j, "reason", json_string(reason));
	json_object_set_new(j, "bytes", json_integer((json_int_t)bytes));
	mlab_ev_emit(s->ev, "stream-gap", j, "%s > %s: %s (%llu bytes); resynchronising at the next frame",
		     from_of(fl, d), to_of(fl, d), reason, (unsigned long long)bytes);
}

/* A u64 in JSON: jansson's integers are signed. */
static json_t *json_u64(uint64_t v)
{
	return v <= (uint64_t)LLONG_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

/* An id by name; one this side does not know is given as its integer value
 * (as alice and bob do in their events). buf holds the text form then. */
static const char *id_text(const char *name, unsigned id, char buf[8])
{
	if (name)
		return name;
	snprintf(buf, 8, "%u", id & 0xffff);
	return buf;
}

static json_t *id_json(const char *name, unsigned id)
{
	return name ? json_string(name) : json_integer((json_int_t)id);
}

static const char *group_name(unsigned id)
{
	const struct mlab_group *g = mlab_group_by_id((uint16_t)id);
	return g ? g->name : NULL;
}

static const char *mode_name(unsigned id)
{
	return mlab_mode_name(id);
}

static const char *cipher_name(unsigned id)
{
	return mlab_cipher_name(id);
}

/* An offer list into a JSON array and a comma-separated line. */
static json_t *offer_names(const void *ids, size_t n, size_t width, const char *(*name)(unsigned), char *line,
			   size_t line_len)
{
	json_t *a = json_array();
	size_t o = 0;

	line[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char buf[8];
		unsigned id = width == 1 ? ((const uint8_t *)ids)[i] : ((const uint16_t *)ids)[i];
		json_array_append_new(a, id_json(name(id), id));
		if (o < line_len) {
			int k = snprintf(line + o, line_len - o, "%s%s", i ? "," : "", id_text(name(id), id, buf));
			o += k > 0 ? (size_t)k : 0;
		}
	}
	return a;
}

/* The fields every handshake-seen starts with. */
static json_t *hs_json(const struct sniff_flow *fl, int d, uint8_t type)
{
	return json_pack("{s:s,s:s,s:s}", "msg", mlab_msg_name(type), "from", from_of(fl, d), "to", to_of(fl, d));
}

static void handshake_seen(struct sniff_stream *s, const struct sniff_flow *fl, int d, uint8_t type, json_t *j,
			   const char *detail)
{
	s->st.handshake_seen++;
	mlab_ev_emit(s->ev, "handshake-seen", j, "%s %s > %s%s%s", mlab_msg_name(type), from_of(fl, d), to_of(fl, d),
		     detail[0] ? ": " : "", detail);
}

static int on_client_hello(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_client_hello m;
	char modes[128], groups[128], ciphers[128], line[420];
	json_t *j;
	int e = mlab_client_hello_decode(body, len, &m);

	if (e != 0)
		return e;
	j = hs_json(fl, d, MLAB_MSG_CLIENT_HELLO);
	json_object_set_new(j, "modes", offer_names(m.modes, m.n_modes, 1, mode_name, modes, sizeof modes));
	json_object_set_new(j, "groups", offer_names(m.groups, m.n_groups, 2, group_name, groups, sizeof groups));
	json_object_set_new(j, "ciphers", offer_names(m.ciphers, m.n_ciphers, 1, cipher_name, ciphers, sizeof ciphers));
	json_object_set_new(j, "client_auth", json_boolean(m.flags & MLAB_FLAG_CLIENT_AUTH));
	snprintf(line, sizeof line, "offers modes %s; groups %s; ciphers %s", modes, groups, ciphers);
	handshake_seen(s, fl, d, MLAB_MSG_CLIENT_HELLO, j, line);
	return 0;
}

static int on_server_hello(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_server_hello m;
	char b1[8], b2[8], b3[8], line[128];
	json_t *j;
	int e = mlab_server_hello_decode(body, len, &m);

	if (e != 0)
		return e;
	fl->cipher = m.cipher;
	j = hs_json(fl, d, MLAB_MSG_SERVER_HELLO);
	json_object_set_new(j, "mode", id_json(mode_name(m.mode), m.mode));
	json_object_set_new(j, "group", id_json(group_name(m.group), m.group));
	json_object_set_new(j, "cipher", id_json(cipher_name(m.cipher), m.cipher));
	json_object_set_new(j, "client_auth", json_boolean(m.flags & MLAB_FLAG_CLIENT_AUTH));
	if (m.kind != MLAB_KIND_EPHEMERAL) /* as on the wire: absent means ephemeral */
		json_object_set_new(
		    j, "kind", mlab_kind_name(m.kind) ? json_string(mlab_kind_name(m.kind)) : json_integer(m.kind));
	snprintf(line, sizeof line, "chose mode %s, group %s, cipher %s%s%s", id_text(mode_name(m.mode), m.mode, b1),
		 id_text(group_name(m.group), m.group, b2), id_text(cipher_name(m.cipher), m.cipher, b3),
		 m.kind == MLAB_KIND_TRANSPORT ? ", key transport"
		 : m.kind == MLAB_KIND_STATIC  ? ", static DH"
					       : "",
		 m.cipher == MLAB_CIPHER_NONE ? " (records will be readable)" : "");
	handshake_seen(s, fl, d, MLAB_MSG_SERVER_HELLO, j, line);
	return 0;
}

static int on_key_share(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_key_share m;
	char b[8], line[64];
	json_t *j;
	int e = mlab_key_share_decode(body, len, &m);

	if (e != 0)
		return e;
	j = hs_json(fl, d, MLAB_MSG_KEY_SHARE);
	json_object_set_new(j, "group", id_json(group_name(m.group), m.group));
	json_object_set_new(j, "share_len", json_integer(m.len));
	snprintf(line, sizeof line, "%s share, %u bytes", id_text(group_name(m.group), m.group, b), m.len);
	handshake_seen(s, fl, d, MLAB_MSG_KEY_SHARE, j, line);
	return 0;
}

/* Kind transport: the premaster travels encrypted to bob's RSA key; she
 * sees its length (and, with that key leaked, --decrypt's hooks see it all). */
static int on_premaster(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_premaster m;
	char line[64];
	json_t *j;
	int e = mlab_premaster_decode(body, len, &m);

	if (e != 0)
		return e;
	j = hs_json(fl, d, MLAB_MSG_PREMASTER);
	json_object_set_new(j, "premaster_len", json_integer(m.len));
	snprintf(line, sizeof line, "RSA-encrypted premaster, %u bytes", m.len);
	handshake_seen(s, fl, d, MLAB_MSG_PREMASTER, j, line);
	return 0;
}

static int on_signature(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_signature m;
	char id[9], line[64];
	json_t *j;
	int e = mlab_signature_decode(body, len, &m);

	if (e == 0)
		e = mlab_key_id(m.pub, sizeof m.pub, id);
	if (e != 0)
		return e;
	j = hs_json(fl, d, MLAB_MSG_SIGNATURE);
	json_object_set_new(j, "signer_key", json_string(id));
	snprintf(line, sizeof line, "signed by key %s", id);
	handshake_seen(s, fl, d, MLAB_MSG_SIGNATURE, j, line);
	return 0;
}

/* Certificates travel in the clear: she sees who claims to be whom (the
 * certificates' contents are alice's to check, not hers to parse here). */
static int on_certificate(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_certificate m;
	char line[64];
	json_t *j;
	int e = mlab_certificate_decode(body, len, &m);

	if (e != 0)
		return e;
	j = hs_json(fl, d, MLAB_MSG_CERTIFICATE);
	json_object_set_new(j, "certs", json_integer(m.n));
	snprintf(line, sizeof line, "chain of %u certificates, %zu bytes", (unsigned)m.n, len);
	handshake_seen(s, fl, d, MLAB_MSG_CERTIFICATE, j, line);
	return 0;
}

static int on_finished(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_finished m;
	int e = mlab_finished_decode(body, len, &m);

	if (e == 0)
		handshake_seen(s, fl, d, MLAB_MSG_FINISHED, hs_json(fl, d, MLAB_MSG_FINISHED), "");
	return e;
}

static int on_alert(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len)
{
	struct mlab_alert m;
	json_t *j;
	int err, e = mlab_alert_decode(body, len, &m);

	if (e != 0)
		return e;
	err = -(int)m.code;
	j = ends_json(fl, d);
	json_object_set_new(j, "error", json_string(mlab_err_name(err)));
	json_object_set_new(j, "check", json_string(mlab_err_check(err)));
	json_object_set_new(j, "code", json_integer(err));
	mlab_ev_emit(s->ev, "alert-seen", j, "alert %s > %s: %s (%s)", from_of(fl, d), to_of(fl, d), mlab_err_name(err),
		     mlab_err_text(err));
	return 0;
}

/* A record's content, read in clear (cipher none) or given by the observer
 * (decrypted). */
static int report_plain(struct sniff_stream *s, struct sniff_flow *fl, int d, uint64_t seq, uint8_t content,
			const uint8_t *data, size_t n, bool decrypted)
{
	char shown[256];
	json_t *j, *text;

	if (n > MLAB_MAX_PLAINTEXT)
		return MLAB_E_TOO_LONG;
	j = ends_json(fl, d);
	json_object_set_new(j, "seq", json_u64(seq));
	if (decrypted)
		json_object_set_new(j, "decrypted", json_true());
	switch (content) {
	case MLAB_CONTENT_DATA:
		s->st.messages_read++;
		s->st.records_decrypted += decrypted;
		mlab_hex(data, n, s->hex);
		json_object_set_new(j, "len", json_integer((json_int_t)n));
		json_object_set_new(j, "hex", json_string(s->hex));
		if ((text = json_stringn((const char *)data, n)) != NULL) /* NULL unless valid UTF-8 */
			json_object_set_new(j, "text", text);
		sniff_printable(data, n, shown, sizeof shown);
		mlab_ev_emit(s->ev, "message-read", j, "read \"%s\" (record #%llu, %s > %s)", shown,
			     (unsigned long long)seq, from_of(fl, d), to_of(fl, d));
		return 0;
	case MLAB_CONTENT_CLOSE:
		if (n != 0)
			break;
		s->st.records_decrypted += decrypted;
		mlab_ev_emit(s->ev, "close-seen", j, "close notification (record #%llu, %s > %s)",
			     (unsigned long long)seq, from_of(fl, d), to_of(fl, d));
		return 0;
	default:
		break;
	}
	json_decref(j);
	return MLAB_E_BAD_FIELD;
}

static int on_plain_record(struct sniff_stream *s, struct sniff_flow *fl, int d, uint64_t seq, struct mlab_rd *r)
{
	uint8_t content;
	const uint8_t *data;
	size_t n;

	if (mlab_rd_u8(r, &content) != 0)
		return MLAB_E_TRUNCATED;
	n = mlab_rd_left(r);
	(void)mlab_rd_view(r, &data, n);
	return report_plain(s, fl, d, seq, content, data, n, false);
}

static int on_record(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *body, size_t len,
		     const struct sniff_plain *plain)
{
	struct mlab_rd r;
	uint64_t seq;
	char b[8], why[64];
	json_t *j;

	mlab_rd_init(&r, body, len);
	if (mlab_rd_u64(&r, &seq) != 0)
		return MLAB_E_TRUNCATED;
	if (fl->cipher == MLAB_CIPHER_NONE)
		return on_plain_record(s, fl, d, seq, &r);
	if (plain)
		return report_plain(s, fl, d, seq, plain->content, plain->data, plain->len, true);
	/* AEAD, or a cipher never seen (joined after the server hello: then
	 * nothing is assumed about the layout beyond the sequence number). */
	if (fl->cipher && mlab_rd_left(&r) < 1 + MLAB_TAG_LEN)
		return MLAB_E_TRUNCATED;
	s->st.records_unreadable++;
	j = ends_json(fl, d);
	json_object_set_new(j, "seq", json_u64(seq));
	json_object_set_new(j, "len", json_integer((json_int_t)(MLAB_FRAME_HDR + len)));
	json_object_set_new(j, "cipher",
			    fl->cipher ? id_json(cipher_name(fl->cipher), fl->cipher) : json_string("unknown"));
	json_object_set_new(j, "readable", json_false());
	if (fl->cipher)
		snprintf(why, sizeof why, "encrypted (%s)", id_text(cipher_name(fl->cipher), fl->cipher, b));
	else
		snprintf(why, sizeof why, "cipher unknown (no server-hello seen)");
	mlab_ev_emit(s->ev, "record-seen", j, "record #%llu, %zu bytes: %s, unreadable (%s > %s)",
		     (unsigned long long)seq, MLAB_FRAME_HDR + len, why, from_of(fl, d), to_of(fl, d));
	return 0;
}

/* Shows the frame to the observer; the plaintext it gave for a record, or NULL. */
static const struct sniff_plain *observe(struct sniff_stream *s, struct sniff_flow *fl, int d, uint8_t type,
					 const uint8_t *body, size_t len, struct sniff_plain *plain)
{
	struct sniff_conn c = {.id = fl->id,
			       .slot = (unsigned)(fl - s->flows),
			       .client = fl->cli,
			       .server = fl->srv,
			       .cipher = fl->cipher};
	bool got;

	if (!s->obs.frame)
		return NULL;
	memset(plain, 0, sizeof *plain);
	got = s->obs.frame(s->obs.arg, &c, d, type, body, len, plain);
	return got && type == MLAB_MSG_RECORD && fl->cipher != MLAB_CIPHER_NONE ? plain : NULL;
}

static int on_frame(struct sniff_stream *s, struct sniff_flow *fl, int d, uint8_t type, const uint8_t *body, size_t len)
{
	struct sniff_plain plain;
	const struct sniff_plain *got = observe(s, fl, d, type, body, len, &plain);

	s->st.frames++;
	switch (type) {
	case MLAB_MSG_CLIENT_HELLO:
		return on_client_hello(s, fl, d, body, len);
	case MLAB_MSG_SERVER_HELLO:
		return on_server_hello(s, fl, d, body, len);
	case MLAB_MSG_KEY_SHARE:
		return on_key_share(s, fl, d, body, len);
	case MLAB_MSG_PREMASTER:
		return on_premaster(s, fl, d, body, len);
	case MLAB_MSG_SIGNATURE:
		return on_signature(s, fl, d, body, len);
	case MLAB_MSG_CERTIFICATE:
		return on_certificate(s, fl, d, body, len);
	case MLAB_MSG_FINISHED:
		return on_finished(s, fl, d, body, len);
	case MLAB_MSG_RECORD:
		return on_record(s, fl, d, body, len, got);
	case MLAB_MSG_ALERT:
		return on_alert(s, fl, d, body, len);
	default:
		return MLAB_E_UNKNOWN_TYPE; /* mlab_frame_next lets only known types through */
	}
}

/* Splits and reports every complete frame in the buffer; keeps the rest. */
static void dir_parse(struct sniff_stream *s, struct sniff_flow *fl, int d)
{
	struct sniff_dir *D = &fl->d[d];
	struct mlab_rd r;
	const uint8_t *body;
	uint8_t type;
	uint32_t len;
	int e;

	mlab_rd_init(&r, D->buf, D->len);
	for (;;) {
		e = mlab_frame_next(&r, &type, &body, &len);
		if (e == MLAB_E_TRUNCATED)
			break; /* the rest of the frame is still on its way */
		if (e == 0)
			e = on_frame(s, fl, d, type, body, len);
		if (e != 0) {
			stream_error(s, fl, d, e);
			return;
		}
	}
	if (r.off > 0) {
		memmove(D->buf, D->buf + r.off, D->len - r.off);
		D->len -= r.off;
	}
}

/* In-order bytes of direction d. seg_start: they begin a TCP segment. */
static void dir_feed(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *p, size_t n, bool seg_start)
{
	struct sniff_dir *D = &fl->d[d];
	uint8_t type;
	uint32_t len;

	if (D->failed || n == 0)
		return;
	if (!D->sync) {
		if (!seg_start || n < MLAB_FRAME_HDR || mlab_frame_check(p, &type, &len) != 0) {
			s->st.skipped_bytes += n;
			return;
		}
		D->sync = true;
	}
	while (n > 0 && !D->failed && D->sync) {
		size_t room = SNIFF_BUF_CAP - D->len, k = n < room ? n : room;
		if (room == 0) {
			/* Unreachable with the parse-after-append below; kept as a guard. */
			dir_resync(s, fl, d, D->next_seq, "overflow", D->len);
			s->st.skipped_bytes += n;
			return;
		}
		memcpy(D->buf + D->len, p, k);
		D->len += k;
		p += k;
		n -= k;
		dir_parse(s, fl, d);
	}
}

/* ---------------------------------------------------------------- input */

/* Half sessions (sniff_observer.report_partial, sniff_stream_finish): a
 * stream-gap that, unlike dir_resync's, drops nothing. */
static json_t *partial_gap(struct sniff_stream *s, struct sniff_flow *fl, int d, const char *reason, uint64_t bytes)
{
	json_t *j = ends_json(fl, d);

	s->st.gaps++;
	json_object_set_new(j, "reason", json_string(reason));
	json_object_set_new(j, "bytes", json_integer((json_int_t)bytes));
	return j;
}

/* bytes: what the first segment carries before a frame boundary (all of it
 * unless it starts with a valid frame header, as dir_feed decides). */
static void report_joined(struct sniff_stream *s, struct sniff_flow *fl, int d, const uint8_t *p, size_t n)
{
	uint8_t type;
	uint32_t len;
	bool starts = n >= MLAB_FRAME_HDR && mlab_frame_check(p, &type, &len) == 0;

	mlab_ev_emit(s->ev, "stream-gap", partial_gap(s, fl, d, "joined", starts ? 0 : n),
		     "%s > %s: joined mid-connection, its start is not here (%zu bytes before a frame boundary); "
		     "reading from the next frame",
		     from_of(fl, d), to_of(fl, d), starts ? (size_t)0 : n);
}

void sniff_stream_finish(struct sniff_stream *s)
{
	for (size_t i = 0; i < SNIFF_MAX_FLOWS; i++) {
		struct sniff_flow *fl = &s->flows[i];
		for (int d = 0; fl->used && d < 2; d++) {
			struct sniff_dir *D = &fl->d[d];
			if (D->seq_known && !D->fin && !D->failed)
				mlab_ev_emit(s->ev, "stream-gap", partial_gap(s, fl, d, "unfinished", D->len),
					     "%s > %s: the input ends before this direction closed (%zu bytes of an "
					     "unfinished frame)",
					     from_of(fl, d), to_of(fl, d), D->len);
		}
	}
}

static void on_segment(struct sniff_stream *s, struct sniff_flow *fl, int d, const struct dissect_tcp *t)
{
	struct sniff_dir *D = &fl->d[d], *O = &fl->d[!d];
	uint32_t seq = t->seq;
	const uint8_t *p = t->payload;
	size_t n = t->payload_len;
	bool seg_start = true;

	fl->last = ++s->clock;
	/* The other side acknowledges bytes this capture never saw: they are
	 * lost to us (nobody will retransmit them). */
	if ((t->flags & DISSECT_TCP_ACK) && O->seq_known && (int32_t)(t->ack - O->next_seq) > 0)
		dir_resync(s, fl, !d, t->ack, "missed", t->ack - O->next_seq);

	if (t->flags & DISSECT_TCP_SYN) {
		if (D->seq_known && D->next_seq == seq + 1) {
			s->st.retransmits++; /* the same SYN again */
			return;
		}
		if (D->seq_known) {
			/* A new connection on the same four-tuple: start over. */
			if (d == SNIFF_C2S && !(t->flags & DISSECT_TCP_ACK)) {
				dir_clear(O);
				fl->cipher = 0;
				fl->id = ++s->st.connections;
			}
		}
		dir_clear(D);
		D->seq_known = true;
		D->sync = true;
		seq++; /* the SYN takes one sequence number; data (if any) follows it */
		D->next_seq = seq;
	}
	if (!D->seq_known) {
		/* First sight of this direction without its SYN: joined mid-stream. */
		D->seq_known = true;
		D->next_seq = seq;
		D->sync = false;
		if (s->obs.report_partial)
			report_joined(s, fl, d, p, n);
	}
	if (n > 0) {
		int32_t off = (int32_t)(seq - D->next_seq);
		if (off > 0) {
			s->st.out_of_order++;
			if (++D->ahead < SNIFF_MAX_AHEAD)
				return;
			dir_resync(s, fl, d, seq, "missed", (uint32_t)off);
		} else if (off < 0) {
			size_t old = (size_t)(-(int64_t)off);
			if (old >= n) {
				s->st.retransmits++;
				return;
			}
			p += old; /* a retransmission that also carries new bytes */
			n -= old;
			seg_start = false;
		}
		D->ahead = 0;
		D->next_seq += (uint32_t)n;
		dir_feed(s, fl, d, p, n, seg_start);
	}
	if ((t->flags & DISSECT_TCP_FIN) && seq + (uint32_t)t->payload_len == D->next_seq) {
		D->next_seq++;
		D->fin = true;
	}
}

int sniff_stream_input(struct sniff_stream *s, const struct dissect_frame *f)
{
	const struct dissect_tcp *t = &f->tcp;
	struct sniff_flow *fl;
	int d;

	if (f->proto != DISSECT_IPV4_TCP || (t->sport != s->port && t->dport != s->port))
		return 0;
	s->st.segments++;
	if (f->ip4.fragment) {
		s->st.fragments++;
		return 0;
	}
	if (!(fl = flow_find(s, f, &d))) {
		/* Only a SYN or data starts tracking: a stray ACK or RST does not. */
		if (!(t->flags & DISSECT_TCP_SYN) && t->payload_len == 0)
			return 0;
		if (t->flags & DISSECT_TCP_RST)
			return 0;
		if (!(fl = flow_new(s, f, &d)))
			return MLAB_E_NOMEM;
	}
	if (t->flags & DISSECT_TCP_RST) {
		flow_clear(fl); /* the connection is gone; its buffers stay with the slot */
		return 0;
	}
	on_segment(s, fl, d, t);
	return 0;
}
