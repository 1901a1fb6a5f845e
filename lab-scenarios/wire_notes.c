/* Frame comments from the events (see wire_notes.h). Every byte read here is
 * a captured frame, so every read is bounded by the frame's captured length;
 * a frame that does not parse simply gets no comment. */
#include "wire_notes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_schema.h"
#include "ev_text.h"
#include "lab_net.h"
#include "mlab_crypto.h"

#define NOTE_MAX 3000	/* all of a frame's comments together */
#define NEEDLE_MAX 1024 /* MLAB_MAX_SHARE */

struct pkt {
	const uint8_t *dst, *src; /* Ethernet addresses */
	bool arp, tcp;
	uint16_t arp_op;
	const uint8_t *sha, *spa; /* ARP sender */
	uint8_t ip_src[4], ip_dst[4];
	const uint8_t *pl; /* TCP payload */
	size_t pl_len;
};

static bool parse(const uint8_t *b, size_t n, struct pkt *p)
{
	memset(p, 0, sizeof *p);
	if (n < 14)
		return false;
	p->dst = b;
	p->src = b + 6;
	unsigned et = (unsigned)b[12] << 8 | b[13];
	b += 14;
	n -= 14;
	if (et == 0x0806) { /* Ethernet/IPv4 ARP only */
		if (n < 28 || b[0] != 0 || b[1] != 1 || b[2] != 8 || b[3] != 0 || b[4] != 6 || b[5] != 4)
			return false;
		p->arp = true;
		p->arp_op = (uint16_t)(b[6] << 8 | b[7]);
		p->sha = b + 8;
		p->spa = b + 14;
		return true;
	}
	if (et != 0x0800 || n < 20 || (b[0] >> 4) != 4)
		return false;
	size_t ihl = (size_t)(b[0] & 15) * 4, total = (size_t)b[2] << 8 | b[3];
	if (ihl < 20 || total < ihl + 20 || total > n || b[9] != 6 || (b[6] & 0x3f) || b[7])
		return false; /* not TCP, or a fragment: the lab sends neither */
	memcpy(p->ip_src, b + 12, 4);
	memcpy(p->ip_dst, b + 16, 4);
	const uint8_t *t = b + ihl;
	size_t tn = total - ihl, doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > tn)
		return false;
	p->tcp = true;
	p->pl = t + doff;
	p->pl_len = tn - doff;
	return true;
}

/* The next whole lab frame of a segment, read from its first byte (a segment
 * that starts inside a frame yields none: comments need no reassembly). */
static bool lab_next(const struct pkt *p, size_t *off, uint8_t *type, const uint8_t **body, size_t *len)
{
	if (!p->tcp || p->pl_len < 5 || *off > p->pl_len - 5)
		return false;
	const uint8_t *h = p->pl + *off;
	size_t l = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
	if (h[0] < 1 || h[0] > 9 || l == 0 || l > p->pl_len - *off - 5)
		return false;
	*type = h[0];
	*body = h + 5;
	*len = l;
	*off += 5 + l;
	return true;
}

/* Does p carry a lab message of `type` whose body holds needle (if given),
 * or, for a Record, has sequence number seq (if >= 0)? */
static bool carries(const struct pkt *p, uint8_t want, const uint8_t *needle, size_t nlen, long long seq)
{
	size_t off = 0, len;
	uint8_t type;
	const uint8_t *body;
	while (lab_next(p, &off, &type, &body, &len)) {
		if (type != want)
			continue;
		if (needle && (nlen == 0 || !memmem(body, len, needle, nlen)))
			continue;
		if (seq >= 0) {
			unsigned long long s = 0;
			if (len < 8)
				continue;
			for (int k = 0; k < 8; k++)
				s = s << 8 | body[k];
			if (s != (unsigned long long)seq)
				continue;
		}
		return true;
	}
	return false;
}

/* <arpa/inet.h> would bring MSG_* names that clash with the schema's. */
static bool ip_is(const uint8_t ip[4], const struct lab_host *h)
{
	unsigned a, b, c, d;
	return h && sscanf(h->ip, "%u.%u.%u.%u", &a, &b, &c, &d) == 4 && ip[0] == a && ip[1] == b && ip[2] == c &&
	       ip[3] == d;
}

static bool mac_is(const uint8_t *mac, const struct lab_host *h)
{
	return mac && h && memcmp(mac, h->mac, 6) == 0; /* mac: NULL for a frame too short to parse */
}

static const char *const lab_names[] = {"alice", "bob", "mallory"};

static const char *name_of_ip(const uint8_t ip[4])
{
	for (size_t i = 0; i < 3; i++)
		if (ip_is(ip, lab_plan(lab_names[i])))
			return lab_names[i];
	return NULL;
}

static void note(char **c, size_t i, const char *text)
{
	size_t old = c[i] ? strlen(c[i]) : 0, add = strlen(text);
	if ((c[i] && strstr(c[i], text)) || old + add + 3 > NOTE_MAX)
		return;
	char *p = realloc(c[i], old + add + 3);
	if (!p)
		return;
	if (old) {
		memcpy(p + old, "; ", 2);
		old += 2;
	}
	memcpy(p + old, text, add + 1);
	c[i] = p;
}

struct ctx {
	const struct wire_log *w;
	struct pkt *p; /* parsed, per frame */
	char **c;
	const struct lab_host *m; /* mallory */
};

/* What the frames themselves say, with the lab plan: mallory's ARP and the
 * frames she relays. */
static void frame_notes(struct ctx *x)
{
	char t[256];
	for (size_t i = 0; i < x->w->n; i++) {
		const struct pkt *p = &x->p[i];
		if (p->arp && mac_is(p->src, x->m)) {
			char ip[16];
			snprintf(ip, sizeof ip, "%u.%u.%u.%u", p->spa[0], p->spa[1], p->spa[2], p->spa[3]);
			const char *owner = name_of_ip(p->spa), *op = p->arp_op == 2 ? "reply" : "request";
			if (mac_is(p->sha, x->m) && !ip_is(p->spa, x->m))
				snprintf(t, sizeof t,
					 "ARP %s forged by mallory: %s (%s) is-at %02x:%02x:%02x:%02x:%02x:%02x, "
					 "mallory's own MAC",
					 op, ip, owner ? owner : "?", p->sha[0], p->sha[1], p->sha[2], p->sha[3],
					 p->sha[4], p->sha[5]);
			else if (!mac_is(p->sha, x->m))
				snprintf(t, sizeof t,
					 "ARP %s sent by mallory restoring the truth: %s (%s) is-at the real MAC", op,
					 ip, owner ? owner : "?");
			else
				continue;
			note(x->c, i, t);
		} else if (p->tcp) {
			const char *from = name_of_ip(p->ip_src), *to = name_of_ip(p->ip_dst);
			if (!from || !to || strcmp(from, "mallory") == 0 || strcmp(to, "mallory") == 0)
				continue;
			if (mac_is(p->src, x->m))
				snprintf(t, sizeof t, "relayed by mallory (%s" U_ARROW "%s)", from, to);
			else if (mac_is(p->dst, x->m))
				snprintf(t, sizeof t,
					 "%s" U_ARROW "%s sent to mallory's MAC: %s's ARP cache is poisoned", from, to,
					 from);
			else
				continue;
			note(x->c, i, t);
		}
	}
}

static const char *other(const char *who)
{
	return who && strcmp(who, "alice") == 0 ? "bob" : "alice";
}

/* A share's first 8 hex digits, or for a small number (leading zeros) its
 * last 8, marked: "…00000001" says g = 1 better than "00000000". */
static void hex8(char out[16], const char *hex)
{
	size_t n = hex ? strlen(hex) : 0;
	if (n > 8 && strncmp(hex, "00000000", 8) == 0)
		snprintf(out, 16, U_ELLIPSIS "%s", hex + n - 8);
	else
		snprintf(out, 16, "%.8s%s", hex ? hex : "?", n > 8 ? U_ELLIPSIS : "");
}

/* share-swapped: the KeyShare mallory sent, and the one it replaced. */
static void swapped(struct ctx *x, const json_t *e)
{
	const char *toward = json_string_value(json_object_get(e, "toward"));
	const char *sh = json_string_value(json_object_get(e, "share"));
	const char *rep = json_string_value(json_object_get(e, "replaced"));
	uint8_t s[NEEDLE_MAX], r[NEEDLE_MAX];
	size_t sn = 0, rn = 0;
	char t[256], s8[16], r8[16];
	if (!toward || !sh || mlab_unhex(sh, s, sizeof s, &sn) != 0)
		return;
	if (!rep || mlab_unhex(rep, r, sizeof r, &rn) != 0)
		rn = 0;
	hex8(s8, sh);
	hex8(r8, rep);
	const struct lab_host *to = lab_plan(toward), *from = lab_plan(other(toward));
	for (size_t i = 0; i < x->w->n; i++) {
		const struct pkt *p = &x->p[i];
		/* by sender too: with a weak g, both of mallory's shares can be the same number */
		if (mac_is(p->src, x->m) && ip_is(p->ip_dst, to) && carries(p, 3, s, sn, -1)) {
			snprintf(
			    t, sizeof t,
			    "mallory swapped the share toward %s: this key share (%s) is hers, in place of %s's (%s)",
			    toward, s8, other(toward), r8);
			note(x->c, i, t);
		} else if (rn && mac_is(p->src, from) && carries(p, 3, r, rn, -1)) {
			snprintf(t, sizeof t, "%s's key share (%s): mallory keeps it and sends %s her own",
				 other(toward), r8, toward);
			note(x->c, i, t);
		}
	}
}

/* message-changed: the record as its sender sent it, and as mallory did. */
static void changed(struct ctx *x, const json_t *e)
{
	const char *from = json_string_value(json_object_get(e, "from"));
	const char *to = json_string_value(json_object_get(e, "to"));
	json_t *sq = json_object_get(e, "seq");
	const struct lab_host *f = from ? lab_plan(from) : NULL, *d = to ? lab_plan(to) : NULL;
	char orig[160], now[160], t[512];
	struct tb a, b;
	if (!f || !d || !json_is_integer(sq) || json_integer_value(sq) < 0)
		return;
	tb_init(&a, orig, sizeof orig);
	tb_field(&a, e, "original_text", 60);
	tb_end(&a);
	tb_init(&b, now, sizeof now);
	tb_field(&b, e, "text", 60);
	tb_end(&b);
	long long seq = json_integer_value(sq);
	for (size_t i = 0; i < x->w->n; i++) {
		const struct pkt *p = &x->p[i];
		if (!p->tcp || !ip_is(p->ip_src, f) || !ip_is(p->ip_dst, d) || !carries(p, 6, NULL, 0, seq))
			continue;
		if (mac_is(p->src, x->m))
			snprintf(t, sizeof t, "record #%lld altered by mallory: \"%s\" " U_ARROW " \"%s\"", seq, orig,
				 now);
		else if (mac_is(p->src, f))
			snprintf(t, sizeof t, "%s's record #%lld (\"%s\"): mallory alters it toward %s", from, seq,
				 orig, to);
		else
			continue;
		note(x->c, i, t);
	}
}

/* The n-th Record of p with sequence number seq: its body. */
static bool record_at(const struct pkt *p, long long seq, size_t n, const uint8_t **body, size_t *len)
{
	size_t off = 0;
	uint8_t type;
	while (lab_next(p, &off, &type, body, len)) {
		unsigned long long s = 0;
		if (type != 6 || *len < 8)
			continue;
		for (int k = 0; k < 8; k++)
			s = s << 8 | (*body)[k];
		if (s == (unsigned long long)seq && n-- == 0)
			return true;
	}
	return false;
}

/* record-replayed: at the victim's port, a record identical to one it was
 * already sent (in an earlier segment, or in the same one). */
static void replayed(struct ctx *x, const json_t *e)
{
	const char *toward = json_string_value(json_object_get(e, "toward"));
	json_t *sq = json_object_get(e, "seq");
	const struct lab_host *d = toward ? lab_plan(toward) : NULL;
	if (!d || !json_is_integer(sq) || json_integer_value(sq) < 0)
		return;
	long long seq = json_integer_value(sq);
	const uint8_t *first = NULL;
	size_t first_len = 0;
	char t[160];
	snprintf(t, sizeof t, "record #%lld replayed by mallory: a byte-for-byte copy of the one %s already received",
		 seq, toward);
	for (size_t i = 0; i < x->w->n; i++) {
		const struct pkt *p = &x->p[i];
		const uint8_t *body;
		size_t len;
		if (strcmp(x->w->names[x->w->f[i].port], toward) != 0 || !p->tcp || !ip_is(p->ip_dst, d))
			continue;
		for (size_t k = 0; record_at(p, seq, k, &body, &len); k++) {
			if (!first) {
				first = body;
				first_len = len;
			} else if (len == first_len && memcmp(body, first, len) == 0 && mac_is(p->src, x->m)) {
				note(x->c, i, t);
			}
		}
	}
}

/* A message mallory rewrote or made up, toward a victim: the first of its
 * type that left her for that victim (at each port that carried it). */
static void rewritten(struct ctx *x, const json_t *e, uint8_t type, const char *what)
{
	const char *toward = json_string_value(json_object_get(e, "toward"));
	const struct lab_host *d = toward ? lab_plan(toward) : NULL;
	char text[200], t[320];
	if (!d)
		return;
	ev_text(text, sizeof text, e, false);
	snprintf(t, sizeof t, "%s by mallory toward %s (%s)", what, toward, text);
	bool first_done[WIRE_MAX_PORTS] = {false};
	for (size_t i = 0; i < x->w->n; i++) {
		const struct pkt *p = &x->p[i];
		unsigned port = x->w->f[i].port;
		if (first_done[port] || !p->tcp || !mac_is(p->src, x->m) || !ip_is(p->ip_dst, d) ||
		    !carries(p, type, NULL, 0, -1))
			continue;
		note(x->c, i, t);
		first_done[port] = true;
	}
}

/* replay-start: mallory's own connection to bob, with alice's hello. */
static void replay_start(struct ctx *x)
{
	for (size_t i = 0; i < x->w->n; i++)
		if (x->p[i].tcp && ip_is(x->p[i].ip_src, x->m) && carries(&x->p[i], 1, NULL, 0, -1))
			note(x->c, i,
			     "mallory plays back alice's recorded frames, byte for byte, from a connection of her own "
			     "(replay)");
}

/* An honest peer's error: the Alert it sent about it. */
static void aborted(struct ctx *x, const json_t *e, const char *who)
{
	const struct lab_host *h = lab_plan(who);
	char text[200], t[300];
	ev_text(text, sizeof text, e, false);
	snprintf(t, sizeof t, "%s aborts the connection: %s", who, text);
	bool first_done[WIRE_MAX_PORTS] = {false};
	for (size_t i = 0; i < x->w->n; i++) {
		unsigned port = x->w->f[i].port;
		if (!first_done[port] && mac_is(x->p[i].src, h) && carries(&x->p[i], 7, NULL, 0, -1)) {
			note(x->c, i, t);
			first_done[port] = true;
		}
	}
}

static void event_notes(struct ctx *x, const json_t *events)
{
	size_t k;
	json_t *e;
	json_array_foreach(events, k, e)
	{
		const char *actor = json_string_value(json_object_get(e, "actor"));
		if (!actor)
			continue;
		bool m = strcmp(actor, "mallory") == 0;
		switch (ev_id_event(e)) {
		case EV_SHARE_SWAPPED:
			if (m)
				swapped(x, e);
			break;
		case EV_MESSAGE_CHANGED:
			if (m)
				changed(x, e);
			break;
		case EV_RECORD_REPLAYED:
			if (m)
				replayed(x, e);
			break;
		case EV_OFFER_STRIPPED:
		case EV_OFFER_DOWNGRADED:
		case EV_OFFER_EXPLICIT:
			if (m)
				rewritten(x, e, 1, "ClientHello rewritten");
			break;
		case EV_CERT_SUBSTITUTED:
			if (m)
				rewritten(x, e, 8, "certificate chain substituted");
			break;
		case EV_SIGNATURE_FORGED:
			if (m)
				rewritten(x, e, 4, "signature forged");
			break;
		case EV_GENERATOR_REPLACED:
			if (m)
				rewritten(x, e, 3, "generator replaced");
			break;
		case EV_REPLAY_START:
			if (m)
				replay_start(x);
			break;
		case EV_ERROR:
			if (strcmp(actor, "alice") == 0 || strcmp(actor, "bob") == 0)
				aborted(x, e, actor);
			break;
		default:
			break;
		}
	}
}

char **wire_notes(const struct wire_log *w, const json_t *events)
{
	struct ctx x = {.w = w, .m = lab_plan("mallory")};
	x.c = calloc(w->n ? w->n : 1, sizeof *x.c);
	x.p = calloc(w->n ? w->n : 1, sizeof *x.p);
	if (!x.c || !x.p) {
		free(x.c);
		free(x.p);
		return NULL;
	}
	for (size_t i = 0; i < w->n; i++)
		parse(wire_bytes(w, i), w->f[i].caplen, &x.p[i]);
	if (json_is_array(events)) /* what the events tell first: it matters most */
		event_notes(&x, events);
	frame_notes(&x);
	free(x.p);
	return x.c;
}

void wire_notes_free(char **c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++)
		free(c[i]);
	free(c);
}
