/* Message codec: frames and the handshake messages (byte layout in docs/protocol.md). */
#include "mlab_wire.h"

#include <string.h>

#include "mlab_err.h"

static const char *const msg_names[] = {
    [MLAB_MSG_CLIENT_HELLO] = "client-hello",
    [MLAB_MSG_SERVER_HELLO] = "server-hello",
    [MLAB_MSG_KEY_SHARE] = "key-share",
    [MLAB_MSG_SIGNATURE] = "signature",
    [MLAB_MSG_FINISHED] = "finished",
    [MLAB_MSG_RECORD] = "record",
    [MLAB_MSG_ALERT] = "alert",
    [MLAB_MSG_CERTIFICATE] = "certificate",
    [MLAB_MSG_PREMASTER] = "encrypted-premaster",
};

const char *mlab_msg_name(uint8_t type)
{
	if (type < sizeof msg_names / sizeof msg_names[0] && msg_names[type])
		return msg_names[type];
	return "unknown";
}

int mlab_frame_check(const uint8_t hdr[MLAB_FRAME_HDR], uint8_t *type, uint32_t *len)
{
	uint32_t n = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4];
	uint32_t max;

	switch (hdr[0]) {
	case MLAB_MSG_CLIENT_HELLO:
	case MLAB_MSG_SERVER_HELLO:
	case MLAB_MSG_KEY_SHARE:
	case MLAB_MSG_SIGNATURE:
	case MLAB_MSG_FINISHED:
	case MLAB_MSG_ALERT:
	case MLAB_MSG_PREMASTER:
		max = MLAB_MAX_HS_BODY;
		break;
	case MLAB_MSG_RECORD:
		max = MLAB_MAX_RECORD_BODY;
		break;
	case MLAB_MSG_CERTIFICATE:
		max = MLAB_MAX_CERT_BODY;
		break;
	default:
		return MLAB_E_UNKNOWN_TYPE;
	}
	if (n > max)
		return MLAB_E_TOO_LONG;
	if (n == 0)
		return MLAB_E_EMPTY;
	*type = hdr[0];
	*len = n;
	return 0;
}

int mlab_frame_next(struct mlab_rd *r, uint8_t *type, const uint8_t **body, uint32_t *len)
{
	struct mlab_rd save = *r;
	const uint8_t *hdr;
	int e = mlab_rd_view(r, &hdr, MLAB_FRAME_HDR);

	if (e == 0)
		e = mlab_frame_check(hdr, type, len);
	if (e == 0)
		e = mlab_rd_view(r, body, *len);
	if (e != 0)
		*r = save;
	return e;
}

int mlab_frame_put_hdr(struct mlab_wr *w, uint8_t type, size_t len)
{
	if (len > UINT32_MAX)
		return MLAB_E_TOO_LONG;
	int e = mlab_wr_u8(w, type);
	return e ? e : mlab_wr_u32(w, (uint32_t)len);
}

/* Encoders write the header first with a zero length and patch it at the end,
 * so a body is written exactly once. */
static int frame_begin(struct mlab_wr *w, uint8_t type, size_t *start)
{
	*start = w->len;
	return mlab_frame_put_hdr(w, type, 0);
}

static int frame_end(struct mlab_wr *w, size_t start, int e)
{
	if (e != 0) {
		w->len = start;
		return e;
	}
	size_t n = w->len - start - MLAB_FRAME_HDR;
	for (int i = 0; i < 4; i++)
		w->p[start + 4 - (size_t)i] = (uint8_t)(n >> (8 * i));
	return 0;
}

int mlab_client_hello_encode(struct mlab_wr *w, const struct mlab_client_hello *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_CLIENT_HELLO, &s);

	if (e == 0 && (m->n_modes > MLAB_MAX_OFFERS || m->n_groups > MLAB_MAX_OFFERS || m->n_ciphers > MLAB_MAX_OFFERS))
		e = MLAB_E_TOO_LONG;
	if (e == 0 && (e = mlab_wr_u8(w, m->version)) == 0 && (e = mlab_wr_bytes(w, m->nonce, MLAB_NONCE_LEN)) == 0 &&
	    (e = mlab_wr_u8(w, m->flags)) == 0 && (e = mlab_wr_u8(w, m->n_modes)) == 0)
		e = mlab_wr_bytes(w, m->modes, m->n_modes);
	if (e == 0)
		e = mlab_wr_u8(w, m->n_groups);
	for (size_t i = 0; e == 0 && i < m->n_groups; i++)
		e = mlab_wr_u16(w, m->groups[i]);
	if (e == 0 && (e = mlab_wr_u8(w, m->n_ciphers)) == 0)
		e = mlab_wr_bytes(w, m->ciphers, m->n_ciphers);
	/* The kinds only when they say more than "ephemeral alone". */
	bool kinds = m->n_kinds > 1 || (m->n_kinds == 1 && m->kinds[0] != MLAB_KIND_EPHEMERAL);
	if (e == 0 && kinds && m->n_kinds > MLAB_MAX_OFFERS)
		e = MLAB_E_TOO_LONG;
	if (e == 0 && kinds && (e = mlab_wr_u8(w, m->n_kinds)) == 0)
		e = mlab_wr_bytes(w, m->kinds, m->n_kinds);
	return frame_end(w, s, e);
}

/* An offer list: count (1..MLAB_MAX_OFFERS), then the entries, none twice. */
static int rd_offer_count(struct mlab_rd *r, uint8_t *n)
{
	int e = mlab_rd_u8(r, n);
	if (e == 0 && *n == 0)
		e = MLAB_E_EMPTY;
	if (e == 0 && *n > MLAB_MAX_OFFERS)
		e = MLAB_E_TOO_LONG;
	return e;
}

static int has_dup(const void *list, size_t n, size_t width)
{
	const uint8_t *p = list;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (memcmp(p + i * width, p + j * width, width) == 0)
				return MLAB_E_DUPLICATE_OFFER;
	return 0;
}

static int check_flags(uint8_t flags)
{
	return (flags & ~MLAB_FLAG_CLIENT_AUTH) ? MLAB_E_BAD_FIELD : 0;
}

int mlab_client_hello_decode(const uint8_t *body, size_t len, struct mlab_client_hello *m)
{
	struct mlab_rd r;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_u8(&r, &m->version)) != 0)
		return e;
	if (m->version != MLAB_VERSION)
		return MLAB_E_BAD_VERSION;
	if ((e = mlab_rd_bytes(&r, m->nonce, MLAB_NONCE_LEN)) != 0 || (e = mlab_rd_u8(&r, &m->flags)) != 0 ||
	    (e = check_flags(m->flags)) != 0 || (e = rd_offer_count(&r, &m->n_modes)) != 0 ||
	    (e = mlab_rd_bytes(&r, m->modes, m->n_modes)) != 0 || (e = rd_offer_count(&r, &m->n_groups)) != 0)
		return e;
	for (size_t i = 0; i < m->n_groups; i++)
		if ((e = mlab_rd_u16(&r, &m->groups[i])) != 0)
			return e;
	if ((e = rd_offer_count(&r, &m->n_ciphers)) != 0 || (e = mlab_rd_bytes(&r, m->ciphers, m->n_ciphers)) != 0)
		return e;
	m->n_kinds = 0;
	if (mlab_rd_left(&r) &&
	    ((e = rd_offer_count(&r, &m->n_kinds)) != 0 || (e = mlab_rd_bytes(&r, m->kinds, m->n_kinds)) != 0))
		return e;
	if (m->n_kinds == 1 && m->kinds[0] == MLAB_KIND_EPHEMERAL)
		return MLAB_E_BAD_FIELD; /* the absent list's second spelling */
	if (!m->n_kinds) {
		m->n_kinds = 1;
		m->kinds[0] = MLAB_KIND_EPHEMERAL;
	}
	if ((e = mlab_rd_end(&r)) != 0)
		return e;
	if ((e = has_dup(m->modes, m->n_modes, 1)) != 0 || (e = has_dup(m->groups, m->n_groups, 2)) != 0 ||
	    (e = has_dup(m->kinds, m->n_kinds, 1)) != 0)
		return e;
	return has_dup(m->ciphers, m->n_ciphers, 1);
}

int mlab_server_hello_encode(struct mlab_wr *w, const struct mlab_server_hello *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_SERVER_HELLO, &s);

	if (e == 0 && (e = mlab_wr_u8(w, m->version)) == 0 && (e = mlab_wr_bytes(w, m->nonce, MLAB_NONCE_LEN)) == 0 &&
	    (e = mlab_wr_u8(w, m->flags)) == 0 && (e = mlab_wr_u8(w, m->mode)) == 0 &&
	    (e = mlab_wr_u16(w, m->group)) == 0)
		e = mlab_wr_u8(w, m->cipher);
	if (e == 0 && m->kind && m->kind != MLAB_KIND_EPHEMERAL)
		e = mlab_wr_u8(w, m->kind);
	return frame_end(w, s, e);
}

int mlab_server_hello_decode(const uint8_t *body, size_t len, struct mlab_server_hello *m)
{
	struct mlab_rd r;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_u8(&r, &m->version)) != 0)
		return e;
	if (m->version != MLAB_VERSION)
		return MLAB_E_BAD_VERSION;
	if ((e = mlab_rd_bytes(&r, m->nonce, MLAB_NONCE_LEN)) != 0 || (e = mlab_rd_u8(&r, &m->flags)) != 0 ||
	    (e = check_flags(m->flags)) != 0 || (e = mlab_rd_u8(&r, &m->mode)) != 0 ||
	    (e = mlab_rd_u16(&r, &m->group)) != 0 || (e = mlab_rd_u8(&r, &m->cipher)) != 0)
		return e;
	m->kind = MLAB_KIND_EPHEMERAL;
	/* A kind byte that says "ephemeral" would be a second spelling of its
	 * absence: refused, so every hello has one encoding. */
	if (mlab_rd_left(&r) && ((e = mlab_rd_u8(&r, &m->kind)) != 0 || m->kind == MLAB_KIND_EPHEMERAL))
		return e ? e : MLAB_E_BAD_FIELD;
	return mlab_rd_end(&r);
}

int mlab_key_share_encode(struct mlab_wr *w, const struct mlab_key_share *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_KEY_SHARE, &s);

	if (e == 0 && (e = mlab_wr_u16(w, m->group)) == 0 && m->group == MLAB_GROUP_EXPLICIT &&
	    (e = mlab_wr_vec16(w, m->p, m->p_len)) == 0)
		e = mlab_wr_vec16(w, m->g, m->g_len);
	if (e == 0)
		e = mlab_wr_vec16(w, m->share, m->len);
	return frame_end(w, s, e);
}

int mlab_key_share_decode(const uint8_t *body, size_t len, struct mlab_key_share *m)
{
	struct mlab_rd r;
	size_t n;
	int e;

	mlab_rd_init(&r, body, len);
	m->p = m->g = NULL;
	m->p_len = m->g_len = 0;
	if ((e = mlab_rd_u16(&r, &m->group)) != 0)
		return e;
	if (m->group == MLAB_GROUP_EXPLICIT) {
		size_t pn, gn;
		if ((e = mlab_rd_vec16(&r, &m->p, &pn, MLAB_MAX_SHARE)) != 0 ||
		    (e = mlab_rd_vec16(&r, &m->g, &gn, MLAB_MAX_SHARE)) != 0)
			return e;
		m->p_len = (uint16_t)pn;
		m->g_len = (uint16_t)gn;
	}
	if ((e = mlab_rd_vec16(&r, &m->share, &n, MLAB_MAX_SHARE)) != 0)
		return e;
	if (n == 0)
		return MLAB_E_EMPTY;
	m->len = (uint16_t)n;
	return mlab_rd_end(&r);
}

int mlab_signature_encode(struct mlab_wr *w, const struct mlab_signature *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_SIGNATURE, &s);

	if (e == 0 && (e = mlab_wr_u16(w, m->scheme)) == 0 && (e = mlab_wr_vec16(w, m->pub, sizeof m->pub)) == 0)
		e = mlab_wr_vec16(w, m->sig, sizeof m->sig);
	return frame_end(w, s, e);
}

int mlab_signature_decode(const uint8_t *body, size_t len, struct mlab_signature *m)
{
	struct mlab_rd r;
	const uint8_t *pub, *sig;
	size_t npub, nsig;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_u16(&r, &m->scheme)) != 0)
		return e;
	if (m->scheme != MLAB_SIG_ED25519)
		return MLAB_E_SIG_SCHEME;
	if ((e = mlab_rd_vec16(&r, &pub, &npub, MLAB_MAX_HS_BODY)) != 0 ||
	    (e = mlab_rd_vec16(&r, &sig, &nsig, MLAB_MAX_HS_BODY)) != 0 || (e = mlab_rd_end(&r)) != 0)
		return e;
	if (npub != sizeof m->pub || nsig != sizeof m->sig)
		return MLAB_E_SIG_LENGTH;
	memcpy(m->pub, pub, npub);
	memcpy(m->sig, sig, nsig);
	return 0;
}

int mlab_certificate_encode(struct mlab_wr *w, const struct mlab_certificate *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_CERTIFICATE, &s);

	if (e == 0 && (m->n == 0 || m->n > MLAB_MAX_CHAIN))
		e = m->n ? MLAB_E_TOO_LONG : MLAB_E_EMPTY;
	if (e == 0)
		e = mlab_wr_u8(w, m->n);
	for (size_t i = 0; e == 0 && i < m->n; i++)
		e = m->len[i] > MLAB_MAX_CERT ? MLAB_E_TOO_LONG : mlab_wr_vec16(w, m->der[i], m->len[i]);
	if (e == 0 && w->len - s - MLAB_FRAME_HDR > MLAB_MAX_CERT_BODY)
		e = MLAB_E_TOO_LONG;
	return frame_end(w, s, e);
}

/* Count first (1..8), then each certificate (1..8192 bytes), then the end:
 * no length is trusted before it is checked against what is left. */
int mlab_certificate_decode(const uint8_t *body, size_t len, struct mlab_certificate *m)
{
	struct mlab_rd r;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_u8(&r, &m->n)) != 0)
		return e;
	if (m->n == 0)
		return MLAB_E_EMPTY;
	if (m->n > MLAB_MAX_CHAIN)
		return MLAB_E_TOO_LONG;
	for (size_t i = 0; i < m->n; i++) {
		size_t n;
		if ((e = mlab_rd_vec16(&r, &m->der[i], &n, MLAB_MAX_CERT)) != 0)
			return e;
		if (n == 0)
			return MLAB_E_EMPTY;
		m->len[i] = (uint16_t)n;
	}
	return mlab_rd_end(&r);
}

int mlab_premaster_encode(struct mlab_wr *w, const struct mlab_premaster *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_PREMASTER, &s);

	if (e == 0 && (m->len == 0 || m->len > MLAB_MAX_PREMASTER_CT))
		e = m->len ? MLAB_E_TOO_LONG : MLAB_E_EMPTY;
	if (e == 0)
		e = mlab_wr_vec16(w, m->ct, m->len);
	return frame_end(w, s, e);
}

int mlab_premaster_decode(const uint8_t *body, size_t len, struct mlab_premaster *m)
{
	struct mlab_rd r;
	size_t n;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_vec16(&r, &m->ct, &n, MLAB_MAX_PREMASTER_CT)) != 0)
		return e;
	if (n == 0)
		return MLAB_E_EMPTY;
	m->len = (uint16_t)n;
	return mlab_rd_end(&r);
}

int mlab_finished_encode(struct mlab_wr *w, const struct mlab_finished *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_FINISHED, &s);
	if (e == 0)
		e = mlab_wr_bytes(w, m->mac, sizeof m->mac);
	return frame_end(w, s, e);
}

int mlab_finished_decode(const uint8_t *body, size_t len, struct mlab_finished *m)
{
	struct mlab_rd r;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_bytes(&r, m->mac, sizeof m->mac)) != 0)
		return e;
	return mlab_rd_end(&r);
}

int mlab_alert_encode(struct mlab_wr *w, const struct mlab_alert *m)
{
	size_t s;
	int e = frame_begin(w, MLAB_MSG_ALERT, &s);
	if (e == 0)
		e = mlab_wr_u16(w, m->code);
	return frame_end(w, s, e);
}

int mlab_alert_decode(const uint8_t *body, size_t len, struct mlab_alert *m)
{
	struct mlab_rd r;
	int e;

	mlab_rd_init(&r, body, len);
	if ((e = mlab_rd_u16(&r, &m->code)) != 0)
		return e;
	return mlab_rd_end(&r);
}

struct id_name {
	unsigned id;
	const char *name;
};

static const struct id_name mode_names[] = {
    {MLAB_MODE_NONE, "none"}, {MLAB_MODE_SIGN, "sign"}, {MLAB_MODE_CERT, "cert"}};
static const struct id_name kind_names[] = {
    {MLAB_KIND_EPHEMERAL, "ephemeral"}, {MLAB_KIND_STATIC, "static"}, {MLAB_KIND_TRANSPORT, "transport"}};
static const struct id_name cipher_names[] = {
    {MLAB_CIPHER_CHACHA20_POLY1305, "chacha20-poly1305"},
    {MLAB_CIPHER_AES_256_GCM, "aes-256-gcm"},
    {MLAB_CIPHER_NONE, "none"},
};

static const char *id_to_name(const struct id_name *t, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

static int name_to_id(const struct id_name *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return (int)t[i].id;
	return 0;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
const char *mlab_mode_name(unsigned mode)
{
	return id_to_name(mode_names, N_OF(mode_names), mode);
}
const char *mlab_cipher_name(unsigned c)
{
	return id_to_name(cipher_names, N_OF(cipher_names), c);
}
int mlab_mode_from_name(const char *name)
{
	return name_to_id(mode_names, N_OF(mode_names), name);
}
int mlab_cipher_from_name(const char *name)
{
	return name_to_id(cipher_names, N_OF(cipher_names), name);
}
const char *mlab_kind_name(unsigned kind)
{
	return id_to_name(kind_names, N_OF(kind_names), kind);
}
int mlab_kind_from_name(const char *name)
{
	return name_to_id(kind_names, N_OF(kind_names), name);
}
