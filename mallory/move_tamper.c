/* Move "tamper": rewriting application data — lesson 07 (dh-mitm-tamper);
 * `--tamper FROM=>TO`, repeatable.
 *
 * Once she holds both legs' keys, a record is plaintext to her: opened with
 * the sender's keys, it can be changed at will and sealed with the other
 * leg's keys and her own sequence number there, so its MAC verifies at the
 * receiver. Authenticated encryption protects a record only against whoever
 * does not hold the key; with an unauthenticated key exchange that includes
 * nobody. Every occurrence of FROM becomes TO (shorter, longer or empty),
 * rule after rule; a result too long for one record is left as it was. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dhmitm_core.h"
#include "mlab_err.h"
#include "sniff_stream.h"

#define MAX_RULES 64

struct tamper {
	struct dhmitm_rule rules[MAX_RULES]; /* owned copies */
	size_t n_rules;
	uint8_t tmp[MLAB_MAX_PLAINTEXT];
};

int dhmitm_rule_parse(const char *spec, struct dhmitm_rule *r)
{
	const char *sep = spec ? strstr(spec, "=>") : NULL;

	if (!sep || sep == spec || !r)
		return MLAB_E_ARG;
	r->from = (const uint8_t *)spec;
	r->from_len = (size_t)(sep - spec);
	r->to = (const uint8_t *)sep + 2;
	r->to_len = strlen(sep + 2);
	return 0;
}

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->n_rules != 0;
}

static void wipe(void *st)
{
	struct tamper *t = st;
	if (!t)
		return;
	OPENSSL_cleanse(t->tmp, sizeof t->tmp);
}

static void tamper_free(void *st)
{
	struct tamper *t = st;
	if (!t)
		return;
	wipe(t);
	for (size_t i = 0; i < t->n_rules; i++) {
		free((void *)t->rules[i].from);
		free((void *)t->rules[i].to);
	}
	free(t);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

/* The rules are copied: the caller's storage may go. */
static int init(struct dhmitm *m, const struct dhmitm_config *cfg, void **st)
{
	struct tamper *t;

	(void)m;
	if (cfg->n_rules > MAX_RULES || !cfg->rules)
		return MLAB_E_ARG;
	for (size_t i = 0; i < cfg->n_rules; i++)
		if (!cfg->rules[i].from || !cfg->rules[i].from_len || (cfg->rules[i].to_len && !cfg->rules[i].to) ||
		    cfg->rules[i].from_len > MLAB_MAX_PLAINTEXT || cfg->rules[i].to_len > MLAB_MAX_PLAINTEXT)
			return MLAB_E_ARG;
	if (!(t = calloc(1, sizeof *t)))
		return MLAB_E_NOMEM;
	for (size_t i = 0; i < cfg->n_rules; i++, t->n_rules++) {
		const struct dhmitm_rule *r = &cfg->rules[i];
		t->rules[i] = (struct dhmitm_rule){dup_bytes(r->from, r->from_len), r->from_len,
						   dup_bytes(r->to, r->to_len), r->to_len};
		if (!t->rules[i].from || !t->rules[i].to) {
			t->n_rules++; /* so that tamper_free frees this one too */
			tamper_free(t);
			return MLAB_E_NOMEM;
		}
	}
	*st = t;
	return 0;
}

int dhmitm_rules_apply(const struct dhmitm_rule *rules, size_t n_rules, const uint8_t *in, size_t n, uint8_t *alt,
		       uint8_t *tmp, size_t *out_n)
{
	size_t cur_n = n;
	bool changed = false;

	if (n)
		memcpy(alt, in, n);
	for (size_t r = 0; r < n_rules; r++) {
		const struct dhmitm_rule *ru = &rules[r];
		size_t i = 0, o = 0;
		while (i < cur_n) {
			const uint8_t *piece = alt + i;
			size_t piece_n = 1;
			if (cur_n - i >= ru->from_len && memcmp(alt + i, ru->from, ru->from_len) == 0) {
				piece = ru->to;
				piece_n = ru->to_len;
				i += ru->from_len;
				changed = true;
			} else {
				i++;
			}
			if (piece_n > MLAB_MAX_PLAINTEXT - o)
				return MLAB_E_TOO_LONG;
			if (piece_n)
				memcpy(tmp + o, piece, piece_n);
			o += piece_n;
		}
		if (o)
			memcpy(alt, tmp, o);
		cur_n = o;
	}
	*out_n = cur_n;
	return changed ? 1 : 0;
}

void dhmitm_report_changed(struct mlab_ev *ev, enum dhmitm_dir d, uint64_t seq, const uint8_t *p, size_t n,
			   const uint8_t *q, size_t qn)
{
	json_t *j = dhmitm_ends_json(d);
	char was[128], now[128], *hex = malloc(2 * n + 1), *alt_hex = malloc(2 * qn + 1);

	if (!hex || !alt_hex) {
		free(hex);
		free(alt_hex);
		json_decref(j);
		return;
	}
	mlab_hex(p, n, hex);
	mlab_hex(q, qn, alt_hex);
	json_object_set_new(j, "seq", dhmitm_json_u64(seq));
	json_object_set_new(j, "original_len", json_integer((json_int_t)n));
	json_object_set_new(j, "len", json_integer((json_int_t)qn));
	json_object_set_new(j, "original_hex", json_string(hex));
	json_object_set_new(j, "hex", json_string(alt_hex));
	OPENSSL_cleanse(hex, 2 * n + 1);
	OPENSSL_cleanse(alt_hex, 2 * qn + 1);
	free(hex);
	free(alt_hex);
	dhmitm_add_text(j, "original_text", p, n);
	dhmitm_add_text(j, "text", q, qn);
	sniff_printable(p, n, was, sizeof was);
	sniff_printable(q, qn, now, sizeof now);
	mlab_ev_emit(ev, "message-changed", j, "changed \"%s\" into \"%s\" (%s > %s)", was, now, dhmitm_from_name(d),
		     dhmitm_to_name(d));
}

static int rewrite_record(struct dhmitm *m, void *st, enum dhmitm_dir d, uint64_t seq, const uint8_t *in, size_t n,
			  uint8_t *alt, size_t *alt_n)
{
	struct tamper *t = st;
	int e = dhmitm_rules_apply(t->rules, t->n_rules, in, n, alt, t->tmp, alt_n);

	OPENSSL_cleanse(t->tmp, sizeof t->tmp);
	if (e == 1) {
		dhmitm_report_changed(m->ev, d, seq, in, n, alt, *alt_n);
		return 0;
	}
	if (e == MLAB_E_TOO_LONG) {
		json_t *j = dhmitm_ends_json(d);
		json_object_set_new(j, "seq", dhmitm_json_u64(seq));
		json_object_set_new(j, "reason", json_string("too-long"));
		mlab_ev_emit(m->ev, "tamper-skipped", j,
			     "left record #%llu (%s > %s) as it was: rewritten it would exceed %d bytes",
			     (unsigned long long)seq, dhmitm_from_name(d), dhmitm_to_name(d), MLAB_MAX_PLAINTEXT);
	}
	return e < 0 && e != MLAB_E_TOO_LONG ? e : DHMITM_NEXT;
}

const struct dhmitm_move dhmitm_move_tamper = {
    .name = "tamper",
    .wanted = wanted,
    .init = init,
    .wipe = wipe,
    .free = tamper_free,
    .rewrite_record = rewrite_record,
};
