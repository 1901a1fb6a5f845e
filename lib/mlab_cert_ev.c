/* Certificate checks as events (see mlab_cert_ev.h). */
#include "mlab_cert_ev.h"

#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"

static void emit_chain(struct mlab_ev *ev, const struct mlab_cert_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct mlab_cert_info *in = &r->info[i];
		mlab_ev_emit(ev, "cert-chain",
			     json_pack("{s:i,s:s,s:s,s:s,s:I,s:I,s:s}", "depth", (int)i, "subject", in->subject,
				       "issuer", in->issuer, "san", in->san, "not_before", (json_int_t)in->not_before,
				       "not_after", (json_int_t)in->not_after, "key_id", in->key_id),
			     "certificate %zu: %s, issued by %s%s%s, key %s", i, in->subject, in->issuer,
			     in->san[0] ? ", names " : "", in->san, in->key_id);
	}
	for (int c = 0; c < MLAB_CC_N; c++) {
		bool ok = r->err[c] == 0;
		json_t *f = json_pack("{s:s,s:b,s:b,s:s}", "check", mlab_cert_check_name((enum mlab_cert_check)c), "ok",
				      ok, "skipped", r->skipped[c], "detail", r->detail[c]);
		if (!ok)
			json_object_set_new(f, "error", json_string(mlab_err_name(r->err[c])));
		mlab_ev_emit(ev, "cert-check", f, "%s %s: %s",
			     r->skipped[c] ? "-"
			     : ok	   ? "✔"
					   : "✘",
			     mlab_cert_check_name((enum mlab_cert_check)c), r->detail[c]);
	}
}

/* The errors of the four checks (not of the message, the parse or the
 * library): only these can be shown as checks, and clicked through. */
static bool cert_check_failure(int e)
{
	return e == MLAB_E_CERT_ISSUER || e == MLAB_E_CERT_EXPIRED || e == MLAB_E_CERT_NOT_YET ||
	       e == MLAB_E_CERT_NAME || e == MLAB_E_CERT_USAGE;
}

int mlab_cert_check_ev(const struct mlab_trust *t, const struct mlab_certificate *m, struct mlab_ev *ev,
		       uint8_t leaf_pub[32])
{
	struct mlab_cert_result *r = calloc(1, sizeof *r);
	if (!r)
		return MLAB_E_NOMEM;
	mlab_ev_emit(ev, "cert-received", json_pack("{s:i}", "n", (int)m->n),
		     "received a certificate chain of %u certificates", (unsigned)m->n);
	int e = mlab_cert_verify(t, m, r);
	/* A chain that did not parse (or in order, or with an unknown critical
	 * extension) was never checked: no chain or check events, no click-through. */
	bool ran = e == 0 || cert_check_failure(e);
	if (ran)
		emit_chain(ev, r);
	if (e != 0 && ran && t->insecure) {
		mlab_ev_emit(ev, "cert-ignored", json_pack("{s:s}", "error", mlab_err_name(e)),
			     "WEAKENED: %s — clicked through the warning and went on", mlab_err_text(e));
		e = 0;
	}
	if (e == 0)
		memcpy(leaf_pub, r->leaf_pub, 32);
	free(r);
	return e;
}
