/* mallory's Diffie-Hellman man in the middle (see attack_dhmitm.h): its life
 * cycle and its entry point. The relay itself is mallory/dhmitm_core.c, each
 * lesson's move a mallory/move_*.c (dhmitm_core.h says how they fit). */
#include "attack_dhmitm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dhmitm_core.h"
#include "mlab_err.h"

/* Every move there is, in the order their hooks are asked. */
static const struct dhmitm_move *const moves[] = {
#define DHMITM_X_REF(n) &dhmitm_move_##n,
    DHMITM_MOVES(DHMITM_X_REF)
#undef DHMITM_X_REF
};

int dhmitm_new(struct dhmitm **out, const struct dhmitm_config *cfg, struct mlab_ev *ev)
{
	struct dhmitm *m;
	int e = 0;

	if (!out || !cfg)
		return MLAB_E_ARG;
	*out = NULL;
	if (cfg->n_groups > MLAB_MAX_OFFERS)
		return MLAB_E_ARG;
	for (size_t i = 0; i < cfg->n_groups; i++)
		if (!mlab_group_by_id(cfg->groups[i]))
			return MLAB_E_ARG;
	if (!(m = calloc(1, sizeof *m)))
		return MLAB_E_NOMEM;
	m->ev = ev;
	m->n_groups = cfg->n_groups;
	memcpy(m->groups, cfg->groups, cfg->n_groups * sizeof m->groups[0]);
	m->leg[DHMITM_ALICE].peer = "alice";
	m->leg[DHMITM_BOB].peer = "bob";
	if ((e = mlab_transcript_init(&m->leg[DHMITM_ALICE].tr)) != 0 ||
	    (e = mlab_transcript_init(&m->leg[DHMITM_BOB].tr)) != 0)
		goto out;
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
		const struct dhmitm_move *mv = moves[i];
		void *st = NULL;
		if (mv->wanted && !mv->wanted(cfg))
			continue;
		if (mv->init && (e = mv->init(m, cfg, &st)) != 0)
			goto out;
		m->on[m->n_on++] = (struct dhmitm_active){mv, st};
	}
	m->st = ST_WAIT_CLIENT_HELLO;
	if ((m->replay_record = cfg->replay_record) != 0)
		m->st = ST_TRANSPARENT; /* she attacks the records, not the handshake */
out:
	if (e != 0)
		dhmitm_free(m);
	else
		*out = m;
	return e;
}

void dhmitm_free(struct dhmitm *m)
{
	if (!m)
		return;
	dhmitm_wipe_all(m);
	for (size_t i = 0; i < m->n_on; i++)
		if (m->on[i].mv->free)
			m->on[i].mv->free(m->on[i].st);
	for (int i = 0; i < 2; i++)
		mlab_transcript_free(&m->leg[i].tr);
	OPENSSL_cleanse(m, sizeof *m);
	free(m);
}

int dhmitm_on_frame(struct dhmitm *m, enum dhmitm_dir dir, uint8_t type, const uint8_t *body, size_t len,
		    struct mlab_wr *out)
{
	enum dhmitm_state was;
	size_t start;
	int e;

	if (!m || !out || (len && !body) || (dir != DHMITM_TO_BOB && dir != DHMITM_TO_ALICE))
		return MLAB_E_ARG;
	if (len > UINT32_MAX)
		return MLAB_E_TOO_LONG;
	/* Room for the largest thing one frame can turn into, checked before
	 * anything changes, so that a short buffer never costs the attack. */
	if (out->cap < out->len || out->cap - out->len < DHMITM_OUT_ROOM(len))
		return MLAB_E_NOSPACE;
	start = out->len;
	if (m->st == ST_TRANSPARENT) {
		if ((e = dhmitm_put_raw(out, type, body, len)) != 0 || !m->replay_record || dir != DHMITM_TO_BOB ||
		    type != MLAB_MSG_RECORD || ++m->records_to_bob != m->replay_record)
			return e;
		/* The same bytes again: a record bob has already accepted. */
		if (out->cap - out->len < MLAB_FRAME_HDR + len || dhmitm_put_raw(out, type, body, len) != 0) {
			out->len = start + MLAB_FRAME_HDR + len;
			return 0;
		}
		uint64_t seq = 0;
		for (size_t i = 0; i < 8 && i < len; i++)
			seq = seq << 8 | body[i];
		json_t *j = json_pack("{s:s,s:i}", "toward", "bob", "n", (int)m->replay_record);
		json_object_set_new(j, "seq", dhmitm_json_u64(seq));
		mlab_ev_emit(m->ev, "record-replayed", j,
			     "sent alice's record #%llu (her %u%s record) to bob a second time, byte for byte",
			     (unsigned long long)seq, m->replay_record,
			     m->replay_record == 1   ? "st"
			     : m->replay_record == 2 ? "nd"
			     : m->replay_record == 3 ? "rd"
						     : "th");
		return 0;
	}
	if (type == MLAB_MSG_ALERT) {
		/* Whatever the state: the peer aborts, the other one should know. */
		dhmitm_on_alert(m, dir, body, len);
		return dhmitm_put_raw(out, type, body, len);
	}
	was = m->st;
	if ((e = dhmitm_step(m, dir, type, body, len, out)) == 0)
		return 0;
	/* She cannot follow: the frame that stopped her goes on unchanged too. */
	out->len = start;
	dhmitm_give_up(m, dir, type, e, was);
	return dhmitm_put_raw(out, type, body, len);
}

bool dhmitm_transparent(const struct dhmitm *m)
{
	return m && m->st == ST_TRANSPARENT;
}

bool dhmitm_relaying(const struct dhmitm *m)
{
	return m && m->st == ST_RELAYING;
}

const struct mlab_keys *dhmitm_keys(const struct dhmitm *m, enum dhmitm_dir toward)
{
	const struct dhmitm_leg *l;

	if (!m || (toward != DHMITM_TO_BOB && toward != DHMITM_TO_ALICE))
		return NULL;
	l = &m->leg[toward == DHMITM_TO_BOB ? DHMITM_BOB : DHMITM_ALICE];
	return l->have_keys ? &l->keys : NULL;
}

const char *dhmitm_key_id(const struct dhmitm *m, enum dhmitm_dir toward)
{
	const struct mlab_keys *k = dhmitm_keys(m, toward);
	return k ? k->key_id : NULL;
}
