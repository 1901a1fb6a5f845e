/* See report_cert.h. Certificate fields come from the peer's certificate,
 * whoever made it: lib/mlab_cert.c already cut them to printable ASCII, and
 * they are cut again here to the width a report line has. */
#include "report_cert.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ev_fields.h"
#include "ev_schema.h"

#define TEXT_MAX 640

/* A field as text: printable ASCII, at most max characters, "?" if absent. */
static const char *clean(char *buf, size_t n, const json_t *e, const char *key, size_t max)
{
	const char *s = ev_str(e, key);
	size_t o = 0;
	if (!s)
		s = "?";
	for (; *s && o + 1 < n && o < max; s++)
		buf[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	buf[o] = '\0';
	return buf;
}

static void day(char *buf, size_t n, const json_t *e, const char *key)
{
	long long t;
	struct tm tm;
	time_t tt;
	if (!ev_int(e, key, &t) || (tt = (time_t)t, !gmtime_r(&tt, &tm)) ||
	    strftime(buf, n, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, n, "?");
}

static void chain_line(const json_t *e, report_line_fn line, void *arg)
{
	char t[TEXT_MAX], lab[16], s[140], i[140], san[140], nb[32], na[32], k[16];
	long long depth = 0;
	(void)ev_int(e, "depth", &depth);
	snprintf(lab, sizeof lab, "cert %lld", depth);
	snprintf(t, sizeof t, "%s, issued by %s", clean(s, sizeof s, e, "subject", 128),
		 clean(i, sizeof i, e, "issuer", 128));
	line(arg, lab, t);
	day(nb, sizeof nb, e, "not_before");
	day(na, sizeof na, e, "not_after");
	clean(san, sizeof san, e, "san", 128);
	snprintf(t, sizeof t, "names %s; valid %s .. %s; key %s", san[0] ? san : "(no DNS name)", nb, na,
		 clean(k, sizeof k, e, "key_id", 8));
	line(arg, "", t);
}

static void check_line(const json_t *e, bool *first, report_line_fn line, void *arg)
{
	char t[TEXT_MAX + 40], c[32], d[TEXT_MAX];
	const char *mark = ev_true(e, "skipped") ? "-" : ev_true(e, "ok") ? "\xe2\x9c\x94" : "\xe2\x9c\x98";
	snprintf(t, sizeof t, "%s %s: %s", mark, clean(c, sizeof c, e, "check", 24),
		 clean(d, sizeof d, e, "detail", 480));
	line(arg, *first ? "checks" : "", t);
	*first = false;
}

void report_cert_lines(const json_t *events, const char *actor, report_line_fn line, void *arg)
{
	char t[TEXT_MAX], a[80], b[80], c[16];
	bool first_check = true;
	size_t i;
	const json_t *e;

	json_array_foreach(events, i, e)
	{
		const char *who, *name;
		if (!ev_head(e, &who, &name) || !streq(who, actor))
			continue;
		long long n = 0, ln = 0;
		switch (ev_id_of(name)) {
		case EV_CERT_SENT:
			(void)ev_int(e, "n", &n);
			snprintf(t, sizeof t, "sent its chain of %lld, leaf key %s", n,
				 clean(c, sizeof c, e, "key_id", 8));
			line(arg, "certificate", t);
			break;
		case EV_CERT_RECEIVED:
			(void)ev_int(e, "n", &n);
			snprintf(t, sizeof t, "received a chain of %lld — as it saw it:", n);
			line(arg, "certificate", t);
			break;
		case EV_CERT_CHAIN:
			chain_line(e, line, arg);
			break;
		case EV_CERT_CHECK:
			check_line(e, &first_check, line, arg);
			break;
		case EV_CERT_IGNORED:
			snprintf(t, sizeof t, "%s failed and was clicked through (WEAKENED: --insecure)",
				 clean(a, sizeof a, e, "error", 40));
			line(arg, "clicked", t);
			break;
		case EV_TOFU_NEW:
			snprintf(t, sizeof t, "first contact with %s: stored its key %s, trusted blindly",
				 clean(a, sizeof a, e, "name", 64), clean(b, sizeof b, e, "fingerprint", 60));
			line(arg, "tofu", t);
			break;
		case EV_TOFU_KNOWN:
			snprintf(t, sizeof t, "%s presents the key stored on first contact, %s",
				 clean(a, sizeof a, e, "name", 64), clean(b, sizeof b, e, "fingerprint", 60));
			line(arg, "tofu", t);
			break;
		case EV_TOFU_CHANGED:
			(void)ev_int(e, "line", &ln);
			snprintf(t, sizeof t, "\xe2\x9c\x98 KEY CHANGED: %s presents %s",
				 clean(a, sizeof a, e, "name", 64), clean(b, sizeof b, e, "fingerprint", 60));
			line(arg, "tofu", t);
			snprintf(t, sizeof t, "the store (line %lld) holds %s", ln,
				 clean(b, sizeof b, e, "stored", 60));
			line(arg, "", t);
			break;
		case EV_TOFU_ERROR:
			snprintf(t, sizeof t, "store error: %s", clean(b, sizeof b, e, "why", 78));
			line(arg, "tofu", t);
			break;
		default:
			break;
		}
	}
}

/* Who sent what: bob's certified and signing keys, and what alice got. */
struct keys_seen {
	const char *bob_cert, *alice_cert, *bob_sig, *alice_sig, *mallory_cert;
	bool alice_stored, minted;
};

static void keys_seen(const json_t *events, struct keys_seen *k)
{
	size_t i;
	const json_t *e;
	memset(k, 0, sizeof *k);
	json_array_foreach(events, i, e)
	{
		const char *who, *name;
		long long depth = -1;
		if (!ev_head(e, &who, &name))
			continue;
		switch (ev_id_of(name)) {
		case EV_CERT_SENT:
			if (streq(who, "bob"))
				k->bob_cert = ev_key_id(e, "key_id");
			break;
		case EV_CERT_CHAIN:
			if (streq(who, "alice") && ev_int(e, "depth", &depth) && depth == 0)
				k->alice_cert = ev_key_id(e, "key_id");
			break;
		case EV_CERT_SUBSTITUTED:
			k->mallory_cert = ev_key_id(e, "key_id");
			break;
		case EV_CERT_MINTED:
			k->minted = true;
			break;
		case EV_SIGNATURE_SENT:
			if (streq(who, "bob"))
				k->bob_sig = ev_key_id(e, "signer_key");
			break;
		case EV_SIGNATURE_VERIFIED:
			if (streq(who, "alice"))
				k->alice_sig = ev_key_id(e, "signer_key");
			break;
		case EV_TOFU_NEW:
			k->alice_stored = k->alice_stored || streq(who, "alice");
			break;
		default:
			break;
		}
	}
}

/* Phase 2: the leaked key, and which secrets were still there for it. */
static void phase_truth(const json_t *events, report_line_fn line, void *arg)
{
	size_t i;
	const json_t *e;
	char t[TEXT_MAX], a[80], b[16];
	json_array_foreach(events, i, e)
	{
		const char *who, *name;
		if (!ev_head(e, &who, &name) || ev_id_of(name) != EV_PHASE)
			continue;
		if (json_is_string(json_object_get(e, "computer"))) {
			char c[96];
			snprintf(t, sizeof t, "later: mallory gets %s (phase 1's key establishment: %s)",
				 clean(c, sizeof c, e, "computer", 90), clean(b, sizeof b, e, "kind", 12));
		} else {
			snprintf(t, sizeof t, "later: %s leaks to mallory (phase 1's key establishment: %s)",
				 clean(a, sizeof a, e, "leak", 64), clean(b, sizeof b, e, "kind", 12));
		}
		line(arg, "phase 2", t);
		const char *keys[] = {"remains", "wiped"};
		for (int k = 0; k < 2; k++) {
			const json_t *l = json_object_get(e, keys[k]);
			for (size_t j = 0; j < json_array_size(l); j++) {
				const char *s = json_string_value(json_array_get(l, j));
				if (!s)
					continue;
				snprintf(t, sizeof t, "%s %.300s", k ? "gone:" : "still exists:", s);
				line(arg, "", t);
			}
		}
	}
}

void report_cert_truth(const json_t *events, report_line_fn line, void *arg)
{
	phase_truth(events, line, arg);
	struct keys_seen k;
	char t[TEXT_MAX];
	keys_seen(events, &k);
	if (k.alice_cert && k.bob_cert) {
		if (streq(k.alice_cert, k.bob_cert))
			snprintf(t, sizeof t, "alice received bob's own chain (leaf key %.8s)", k.bob_cert);
		else
			snprintf(t, sizeof t, "alice received %s chain (leaf key %.8s), not bob's (leaf key %.8s)%s",
				 streq(k.alice_cert, k.mallory_cert) ? "mallory's" : "another", k.alice_cert,
				 k.bob_cert, k.minted ? " — minted with the stolen CA key" : "");
		line(arg, "certificate", t);
	}
	if (k.alice_stored && k.alice_sig && k.bob_sig && !streq(k.alice_sig, k.bob_sig)) {
		snprintf(t, sizeof t, "alice stored mallory's key %.8s as bob.lab's (bob's is %.8s)", k.alice_sig,
			 k.bob_sig);
		line(arg, "tofu", t);
	}
}

static json_t *strfield(const json_t *e, const char *key)
{
	const char *s = ev_str(e, key);
	return s ? json_string(s) : json_null();
}

json_t *report_cert_json(const json_t *events, const char *actor)
{
	json_t *o = json_object(), *chain = json_array(), *checks = json_array();
	bool any = false;
	size_t i;
	const json_t *e;

	json_array_foreach(events, i, e)
	{
		const char *who, *name;
		if (!ev_head(e, &who, &name) || !streq(who, actor))
			continue;
		long long v;
		switch (ev_id_of(name)) {
		case EV_CERT_CHAIN: {
			json_t *c = json_object();
			static const char *const keys[] = {"subject", "issuer", "san", "key_id"};
			for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
				json_object_set_new(c, keys[k], strfield(e, keys[k]));
			if (ev_int(e, "not_before", &v))
				json_object_set_new(c, "not_before", json_integer(v));
			if (ev_int(e, "not_after", &v))
				json_object_set_new(c, "not_after", json_integer(v));
			json_array_append_new(chain, c);
			any = true;
			break;
		}
		case EV_CERT_CHECK:
			json_array_append_new(checks,
					      json_pack("{s:o,s:b,s:b,s:o}", "check", strfield(e, "check"), "ok",
							ev_true(e, "ok"), "skipped", ev_true(e, "skipped"), "detail",
							strfield(e, "detail")));
			any = true;
			break;
		case EV_CERT_SENT:
			json_object_set_new(o, "sent_key_id", strfield(e, "key_id"));
			any = true;
			break;
		case EV_CERT_IGNORED:
			json_object_set_new(o, "clicked_through", strfield(e, "error"));
			any = true;
			break;
		case EV_TOFU_NEW:
		case EV_TOFU_KNOWN:
		case EV_TOFU_CHANGED:
			json_object_set_new(o, "tofu",
					    json_pack("{s:s,s:o}", "verdict",
						      ev_id_of(name) == EV_TOFU_NEW	? "first-contact"
						      : ev_id_of(name) == EV_TOFU_KNOWN ? "known"
											: "changed",
						      "fingerprint", strfield(e, "fingerprint")));
			any = true;
			break;
		default:
			break;
		}
	}
	if (json_array_size(chain))
		json_object_set(o, "chain", chain);
	if (json_array_size(checks))
		json_object_set(o, "checks", checks);
	json_decref(chain);
	json_decref(checks);
	if (!any) {
		json_decref(o);
		return NULL;
	}
	return o;
}
