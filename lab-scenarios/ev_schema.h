/* The event schema: one row per event of docs/events.md §2 — its name, who may
 * emit it, its typed fields, the text a view shows for it, its mark, whose
 * knowledge it is, and where it sits on the message ladder. The view model,
 * the report and the tests read this table; nothing else interprets event
 * names by hand (the judge and the views switch on the ids). Adding an event
 * is one row here plus its emitter (and its line in docs/events.md, which a
 * test compares with this table).
 *
 * Text templates (ev_render): literal text, and
 *   {f}          field f: a string (escaped, cut), a number, true/false, a list
 *   {f:FMT}      formatted: share (the first 16 hex digits…), key (a key id),
 *                who (an address or name as alice/bob/mallory), cipher (short
 *                name), snip (the message: the event's text, else its hex),
 *                ms (a number as "12.3 ms"), list (a list of names), whos
 *                (a list of addresses as alice+bob), change (mallory's change
 *                from original_hex to hex, the field name is ignored)
 *   {?f|TEXT}    TEXT (itself a template) when f is true or present
 *   {!f|TEXT}    TEXT when f is false or absent */
#ifndef LAB_EV_SCHEMA_H
#define LAB_EV_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Who may emit an event. */
#define EW_A 1u /* alice */
#define EW_B 2u /* bob */
#define EW_M 4u /* mallory */
#define EW_L 8u /* the lab runner */
#define EW_AB (EW_A | EW_B)

/* Whose knowledge an event is: the emitter's own view (shown in its column),
 * or the lab's ground truth (what only the runner sees: shown apart). */
enum ev_know { KN_OWN, KN_LAB };

enum ev_mark { EM_NONE, EM_OK, EM_FAIL, EM_WARN };

/* The message ladder: which protocol message an event is about, and what
 * the emitter did with it. SQ_ROLE: sent by the responder, received by the
 * initiator (the ServerHello is written when bob has negotiated). */
enum ev_msg {
	MSG_NONE,
	MSG_HELLO,
	MSG_SHELLO,
	MSG_SHARE,
	MSG_PREMASTER,
	MSG_CERT,
	MSG_SIG,
	MSG_FIN,
	MSG_DATA,
	MSG_CLOSE,
	MSG_ALERT,
	MSG_COUNT
};
enum ev_dir { SQ_NONE, SQ_SEND, SQ_RECV, SQ_ROLE, SQ_CHANGE, SQ_PASS };

/* X(id, name, emitters, knowledge, mark, ladder dir, ladder msg, fields, text)
 * fields: "name:T ..." with T one of s (string), i (integer), n (number),
 * b (boolean), a (array); every field an emitter may write. */
#define EV_SCHEMA(X)                                                                                                   \
	/* the handshake engine (lib/mlab_kex.c), docs/events.md §2.1 */                                              \
	X(EV_HELLO_SENT, "hello-sent", EW_A, KN_OWN, EM_NONE, SQ_SEND, MSG_HELLO,                                      \
	  "modes:a groups:a ciphers:a kinds:a client_auth:b",                                                          \
	  "offer {modes:list} / {groups:list}{?kinds| / {kinds:list}}{?client_auth| +mutual}")                         \
	X(EV_HELLO_RECEIVED, "hello-received", EW_B, KN_OWN, EM_NONE, SQ_RECV, MSG_HELLO,                              \
	  "modes:a groups:a ciphers:a kinds:a client_auth:b",                                                          \
	  "offered {modes:list} / {groups:list}{?kinds| / {kinds:list}}{?client_auth| +mutual}")                       \
	X(EV_NEGOTIATED, "negotiated", EW_AB, KN_OWN, EM_NONE, SQ_ROLE, MSG_SHELLO,                                    \
	  "mode:s group:s cipher:s kind:s client_auth:b scope:s validate_shares:b version:s proto:s",                  \
	  "negotiated {mode} {?kind|{kind}}{!kind|{group}} {cipher:cipher}{?client_auth| +mutual}")                    \
	X(EV_WEAKENED, "weakened", EW_AB, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "disabled:s", "{disabled} OFF")          \
	X(EV_PARAMS_RECEIVED, "params-received", EW_A, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                             \
	  "bits:i p:s g:s checked:b known:s",                                                                          \
	  "p {bits} bits{?known| = {known}}, g {g:share}{?checked| checking}{!checked| UNCHECKED}")                    \
	X(EV_SENTINEL_SET, "sentinel-set", EW_B, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "group:s",                        \
	  "downgrade sentinel set ({group})")                                                                          \
	X(EV_SENTINEL_SEEN, "sentinel-seen", EW_A, KN_OWN, EM_FAIL, SQ_NONE, MSG_NONE, "group:s",                      \
	  "DOWNGRADE sentinel seen ({group})")                                                                         \
	X(EV_SENTINEL_MATCHED, "sentinel-matched", EW_A, KN_OWN, EM_OK, SQ_NONE, MSG_NONE, "group:s",                  \
	  "sentinel \xe2\x9c\x94 over my own offer ({group})")                                                         \
	X(EV_SHARE_SENT, "share-sent", EW_AB, KN_OWN, EM_NONE, SQ_SEND, MSG_SHARE,                                     \
	  "group:s len:i share:s static:b parts:s", "share sent {?parts|[{parts}] }{share:share}{?static| (static)}")  \
	X(EV_PREMASTER_SENT, "premaster-sent", EW_A, KN_OWN, EM_NONE, SQ_SEND, MSG_PREMASTER, "len:i rsa_key:s",       \
	  "premaster sent, encrypted to {rsa_key:key}")                                                                \
	X(EV_PREMASTER_RECEIVED, "premaster-received", EW_B, KN_OWN, EM_NONE, SQ_RECV, MSG_PREMASTER, "len:i",         \
	  "premaster received ({len} bytes)")                                                                          \
	X(EV_SHARE_RECEIVED, "share-received", EW_AB, KN_OWN, EM_NONE, SQ_RECV, MSG_SHARE,                             \
	  "group:s len:i share:s parts:s", "share received {?parts|[{parts}] }{share:share}")                          \
	X(EV_SIGNATURE_SENT, "signature-sent", EW_AB, KN_OWN, EM_NONE, SQ_SEND, MSG_SIG, "scope:s signer_key:s",       \
	  "signature sent {signer_key:key}")                                                                           \
	X(EV_CERT_SENT, "cert-sent", EW_B, KN_OWN, EM_NONE, SQ_SEND, MSG_CERT, "n:i key_id:s",                         \
	  "certificate chain sent ({n}), leaf {key_id:key}")                                                           \
	X(EV_CERT_RECEIVED, "cert-received", EW_A, KN_OWN, EM_NONE, SQ_RECV, MSG_CERT, "n:i",                          \
	  "certificate chain received ({n})")                                                                          \
	X(EV_CERT_CHAIN, "cert-chain", EW_A, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                       \
	  "depth:i subject:s issuer:s san:s not_before:i not_after:i key_id:s",                                        \
	  "cert {depth}: {subject} by {issuer}{?san| names {san}}")                                                    \
	X(EV_CERT_CHECK, "cert-check", EW_A, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                       \
	  "check:s ok:b skipped:b detail:s error:s",                                                                   \
	  "{check} {?skipped|-}{!skipped|{?ok|\xe2\x9c\x94}{!ok|\xe2\x9c\x98}} {detail}")                              \
	X(EV_CERT_IGNORED, "cert-ignored", EW_A, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "error:s",                        \
	  "clicked through {error}")                                                                                   \
	X(EV_TOFU_NEW, "tofu-new", EW_A, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "name:s fingerprint:s store:s",           \
	  "first contact: trusting {name} {fingerprint}")                                                              \
	X(EV_TOFU_KNOWN, "tofu-known", EW_A, KN_OWN, EM_OK, SQ_NONE, MSG_NONE, "name:s fingerprint:s first_seen:i",    \
	  "{name}: the key of first contact")                                                                          \
	X(EV_TOFU_CHANGED, "tofu-changed", EW_A, KN_OWN, EM_FAIL, SQ_NONE, MSG_NONE,                                   \
	  "name:s fingerprint:s stored:s first_seen:i store:s line:i", "KEY CHANGED for {name}: {fingerprint}")        \
	X(EV_TOFU_ERROR, "tofu-error", EW_A, KN_OWN, EM_FAIL, SQ_NONE, MSG_NONE, "why:s", "TOFU store: {why}")         \
	X(EV_SIGNATURE_KEY, "signature-key", EW_AB, KN_OWN, EM_FAIL, SQ_RECV, MSG_SIG, "signer_key:s pinned_key:s",    \
	  "signer {signer_key:key} not pinned {pinned_key:key}")                                                       \
	X(EV_SPKI_PIN, "spki-pin", EW_A, KN_OWN, EM_NONE, SQ_RECV, MSG_CERT, "ok:b spki:s pinned:s",                   \
	  "{?ok|pinned key \xe2\x9c\x94}{!ok|pinned key \xe2\x9c\x98}")                                                \
	X(EV_SIGNATURE_VERIFIED, "signature-verified", EW_AB, KN_OWN, EM_OK, SQ_RECV, MSG_SIG,                         \
	  "scope:s signer_key:s trust:s", "signature \xe2\x9c\x94 {?trust|{trust}}{!trust|pinned} {signer_key:key}")   \
	X(EV_SESSION_KEY, "session-key", EW_AB | EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                             \
	  "key_id:s cipher:s with:s how:s", "{?with|key with {with:who} }{!with|session key }{key_id:key}")            \
	X(EV_FINISHED_SENT, "finished-sent", EW_AB, KN_OWN, EM_NONE, SQ_SEND, MSG_FIN, "", "Finished sent")            \
	X(EV_FINISHED_VERIFIED, "finished-verified", EW_AB, KN_OWN, EM_OK, SQ_RECV, MSG_FIN, "",                       \
	  "Finished \xe2\x9c\x94")                                                                                     \
	X(EV_HANDSHAKE_DONE, "handshake-done", EW_AB, KN_OWN, EM_OK, SQ_NONE, MSG_NONE,                                \
	  "key_id:s mode:s group:s cipher:s version:s", "handshake done")                                              \
	X(EV_ALERT_RECEIVED, "alert-received", EW_AB, KN_OWN, EM_WARN, SQ_RECV, MSG_ALERT, "error:s check:s code:i",   \
	  "alert: {error}")                                                                                            \
	X(EV_ERROR, "error", EW_AB | EW_M, KN_OWN, EM_FAIL, SQ_NONE, MSG_NONE,                                         \
	  "error:s check:s message:s code:i where:s detail:s", "{check} \xe2\x9c\x98 ({error})")                       \
	/* application data (peer/peer_conn.c), §2.2 */                                                               \
	X(EV_MESSAGE_SENT, "message-sent", EW_AB, KN_OWN, EM_NONE, SQ_SEND, MSG_DATA, "n:i len:i text:s hex:s",        \
	  "sent {?n|#{n} }{hex:snip}")                                                                                 \
	X(EV_MESSAGE_RECEIVED, "message-received", EW_AB, KN_OWN, EM_NONE, SQ_RECV, MSG_DATA,                          \
	  "n:i len:i text:s hex:s", "received {?n|#{n} }{hex:snip}")                                                   \
	X(EV_CLOSE_SENT, "close-sent", EW_AB, KN_OWN, EM_NONE, SQ_SEND, MSG_CLOSE, "", "close sent")                   \
	X(EV_CLOSE_RECEIVED, "close-received", EW_AB, KN_OWN, EM_NONE, SQ_RECV, MSG_CLOSE, "", "close received")       \
	/* alice (alice/alice.c), §2.3 */                                                                             \
	X(EV_CONNECTED, "connected", EW_A, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "peer:s", "connected to {peer}")        \
	X(EV_BULK_START, "bulk-start", EW_A, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "bytes:i",                            \
	  "bulk start: {bytes} bytes")                                                                                 \
	X(EV_BULK_DONE, "bulk-done", EW_A, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "bytes:i seconds:n mbit_s:n",           \
	  "bulk done: {mbit_s} Mbit/s")                                                                                \
	X(EV_DONE, "done", EW_A, KN_OWN, EM_OK, SQ_NONE, MSG_NONE, "sent:i received:i",                                \
	  "done: {sent} sent, {received} received")                                                                    \
	/* bob (bob/bob.c), §2.4 */                                                                                   \
	X(EV_LISTENING, "listening", EW_B, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "addr:s port:i max_clients:i",          \
	  "listening on {addr}")                                                                                       \
	X(EV_ACCEPTED, "accepted", EW_B, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "peer:s conn:i", "accepted {peer}")       \
	X(EV_BUSY, "busy", EW_B, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "peer:s active:i limit:i error:s",                \
	  "busy: refused {peer} ({active} of {limit})")                                                                \
	X(EV_SINK_DONE, "sink-done", EW_B, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "bytes:i records:i",                    \
	  "sink done: {bytes} bytes, {records} records")                                                               \
	X(EV_CONNECTION_END, "connection-end", EW_B, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "conn:i ok:b error:s",        \
	  "connection #{conn} ended{?ok| ok}{!ok|: {error}}")                                                          \
	X(EV_STOPPED, "stopped", EW_B | EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                      \
	  "connections:i frames:i messages_read:i records_unreadable:i dropped:i relayed:i arp_sent:i arp_answers:i "  \
	  "inject_errors:i",                                                                                           \
	  "stopped{?connections| after {connections} connection(s)}{?relayed|: {relayed} relayed}"                     \
	  "{?frames|: {frames} frames, {messages_read} read}")                                                         \
	/* mallory, sniff mode (mallory/sniff*.c), §2.6 */                                                            \
	X(EV_WARNING, "warning", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "message:s", "warning: {message}")          \
	X(EV_SNIFFING, "sniffing", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "iface:s port:i mac:s",                   \
	  "sniffing {iface} port {port}")                                                                              \
	X(EV_FRAME, "frame", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                                 \
	  "n:i len:i caplen:i dst_mac:s src_mac:s proto:s summary:s ts:n", "{summary}")                                \
	X(EV_HANDSHAKE_SEEN, "handshake-seen", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                               \
	  "msg:s from:s to:s modes:a groups:a ciphers:a client_auth:b mode:s group:s cipher:s share_len:i "            \
	  "signer_key:s certs:i premaster_len:i kind:s",                                                               \
	  "saw {msg} {from:who}\xe2\x86\x92{to:who}{?signer_key| {signer_key:key}}")                                   \
	X(EV_ALERT_SEEN, "alert-seen", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "from:s to:s error:s check:s code:i", \
	  "alert {from:who}\xe2\x86\x92{to:who} {error}")                                                              \
	X(EV_MESSAGE_READ, "message-read", EW_M, KN_OWN, EM_WARN, SQ_PASS, MSG_DATA,                                   \
	  "from:s to:s seq:i decrypted:b len:i hex:s text:s", "read {from:who}\xe2\x86\x92{to:who} {hex:snip}")        \
	X(EV_CLOSE_SEEN, "close-seen", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "from:s to:s seq:i decrypted:b",      \
	  "saw close {from:who}\xe2\x86\x92{to:who}")                                                                  \
	X(EV_RECORD_SEEN, "record-seen", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                     \
	  "from:s to:s seq:i len:i cipher:s readable:b", "record {from:who}\xe2\x86\x92{to:who} unreadable")           \
	X(EV_STREAM_GAP, "stream-gap", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "from:s to:s reason:s bytes:i",       \
	  "gap {from:who}\xe2\x86\x92{to:who} ({reason})")                                                             \
	X(EV_STREAM_ERROR, "stream-error", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "from:s to:s error:s message:s",  \
	  "lost {from:who}\xe2\x86\x92{to:who}: {error}")                                                              \
	/* mallory --decrypt (mallory/offline.c), §2.6 */                                                             \
	X(EV_DECRYPT_START, "decrypt-start", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                 \
	  "capture:s format:s snaplen:i port:i key:s", "reading {capture} port {port}")                                \
	X(EV_DECRYPT_DONE, "decrypt-done", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                   \
	  "frames:i connections:i records:i decrypted:i reason:s",                                                     \
	  "read {frames} frames: {records} records, {decrypted} decrypted ({reason})")                                 \
	/* mallory, active modes (mallory/active.c, mitm_flow.c, attack_dhmitm.c), §2.7 */                            \
	X(EV_REFUSED, "refused", EW_M, KN_OWN, EM_FAIL, SQ_NONE, MSG_NONE, "iface:s reason:s", "refused to transmit")  \
	X(EV_TARGET_RESOLVED, "target-resolved", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "ip:s mac:s",               \
	  "found {ip:who} at {mac}")                                                                                   \
	X(EV_POISONING, "poisoning", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE,                                         \
	  "targets:a mac:s interval_ms:i attack:s", "poisoning {targets:whos}")                                        \
	X(EV_RELAYING, "relaying", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "from:s to:s confirmed:b",                \
	  "relaying {from:who}\xe2\x86\x92{to:who}{?confirmed| (confirmed)}")                                          \
	X(EV_RESTORED, "restored", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "", "restored ARP")                       \
	X(EV_OFFER_EXPLICIT, "offer-explicit", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_HELLO, "toward:s",                \
	  "offer: explicit first")                                                                                     \
	X(EV_GENERATOR_REPLACED, "generator-replaced", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_SHARE,                    \
	  "toward:s g:s original:s bits:i", "g \xe2\x86\x92 {g} toward {toward:who}")                                  \
	X(EV_SECRET_GUESSED, "secret-guessed", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE,                               \
	  "with:s candidates:i secret:s", "{with:who}'s secret = {secret}")                                            \
	X(EV_OFFER_DOWNGRADED, "offer-downgraded", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_HELLO, "group:s toward:s",    \
	  "offer: {group} only")                                                                                       \
	X(EV_OFFER_STRIPPED, "offer-stripped", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_HELLO, "removed:s toward:s",      \
	  "offer: {removed} stripped")                                                                                 \
	X(EV_DOWNGRADE_RELAYED, "downgrade-relayed", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "group:s",              \
	  "{group} out of reach: relaying unchanged")                                                                  \
	X(EV_DLOG_SOLVED, "dlog-solved", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "group:s steps:i ms:n",             \
	  "dlog solved {group} ({ms:ms})")                                                                             \
	X(EV_SHARE_SWAPPED, "share-swapped", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_SHARE,                              \
	  "toward:s group:s share:s replaced:s", "share swapped \xe2\x86\x92 {toward:who}")                            \
	X(EV_CERT_FORWARDED, "cert-forwarded", EW_M, KN_OWN, EM_NONE, SQ_PASS, MSG_CERT, "toward:s n:i",               \
	  "certificate forwarded \xe2\x86\x92 {toward:who}")                                                           \
	X(EV_CERT_SUBSTITUTED, "cert-substituted", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_CERT,                         \
	  "toward:s n:i replaced:i key_id:s", "certificate replaced (mallory {key_id:key})")                           \
	X(EV_CERT_MINTED, "cert-minted", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "name:s issuer:s key_id:s",         \
	  "minted {name} with the stolen CA key")                                                                      \
	X(EV_RECORD_REPLAYED, "record-replayed", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "toward:s n:i seq:i",       \
	  "record #{seq} replayed to {toward:who}")                                                                    \
	X(EV_REPLAY_START, "replay-start", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "to:s frames:i cut:b",            \
	  "replaying alice's {frames} frames to {to:who}")                                                             \
	X(EV_REPLAY_DONE, "replay-done", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                     \
	  "sent:i answered:i reason:s error:s", "replay {reason}: {sent} sent, {answered} answered")                   \
	X(EV_SEED_FOUND, "seed-found", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "who:s rng:s seed:i tried:i",         \
	  "cracked {who}'s {rng} seed {seed}")                                                                         \
	X(EV_PART_BROKEN, "part-broken", EW_M, KN_OWN, EM_WARN, SQ_NONE, MSG_NONE, "group:s part:s steps:i ms:n",      \
	  "broke the {part} part ({ms:ms})")                                                                           \
	X(EV_PART_HELD, "part-held", EW_M, KN_OWN, EM_OK, SQ_NONE, MSG_NONE, "group:s part:s detail:s",                \
	  "the {part} part held")                                                                                      \
	X(EV_KEYS_UNRECOVERED, "keys-unrecovered", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "why:s detail:s",         \
	  "no keys: {detail}")                                                                                         \
	X(EV_SIGNATURE_FORWARDED, "signature-forwarded", EW_M, KN_OWN, EM_NONE, SQ_PASS, MSG_SIG,                      \
	  "toward:s signer_key:s", "signature forwarded \xe2\x86\x92 {toward:who}")                                    \
	X(EV_SIGNATURE_FORGED, "signature-forged", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_SIG,                          \
	  "toward:s signer_key:s scope:s", "signature forged (mallory {signer_key:key})")                              \
	X(EV_RELAY_ESTABLISHED, "relay-established", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                         \
	  "alice_key_id:s bob_key_id:s cipher:s", "relay established")                                                 \
	X(EV_MESSAGE_CHANGED, "message-changed", EW_M, KN_OWN, EM_WARN, SQ_CHANGE, MSG_DATA,                           \
	  "from:s to:s seq:i original_len:i len:i original_hex:s hex:s original_text:s text:s",                        \
	  "changed {hex:change}")                                                                                      \
	X(EV_TAMPER_SKIPPED, "tamper-skipped", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "from:s to:s seq:i reason:s", \
	  "left {from:who}\xe2\x86\x92{to:who} unchanged ({reason})")                                                  \
	X(EV_CLOSE_RELAYED, "close-relayed", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE, "from:s to:s seq:i",            \
	  "close relayed {from:who}\xe2\x86\x92{to:who}")                                                              \
	X(EV_STREAM_STATS, "stream-stats", EW_M, KN_OWN, EM_NONE, SQ_NONE, MSG_NONE,                                   \
	  "segments_in:i segments_out:i refused:i ooo_dropped:i ignored:i resent:i absorbed:i own_acks:i",             \
	  "TCP stats: {segments_in} in, {segments_out} out")                                                           \
	/* the lab runner (lab-scenarios/runner.c), §2.8: ground truth */                                             \
	X(EV_RUN_START, "run-start", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "scenario:s network:s run_dir:s",       \
	  "run {scenario} ({network})")                                                                                \
	X(EV_NETWORK_READY, "network-ready", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "ms:n kind:s",                  \
	  "network ready ({ms:ms})")                                                                                   \
	X(EV_STARTED, "started", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "program:s pid:i argv:a host:s",            \
	  "started {program}{?host| on {host}}")                                                                       \
	X(EV_EXIT, "exit", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "program:s status:i signal:i expected:b",         \
	  "{program} exited {status}{?signal| (signal {signal})}")                                                     \
	X(EV_TIMEOUT, "timeout", EW_L, KN_LAB, EM_FAIL, SQ_NONE, MSG_NONE, "limit_s:i waiting_for:s",                  \
	  "timeout after {limit_s} s, waiting for {waiting_for}")                                                      \
	X(EV_LAB_ERROR, "lab-error", EW_L, KN_LAB, EM_FAIL, SQ_NONE, MSG_NONE, "reason:s", "lab error: {reason}")      \
	X(EV_STATIC_ARP, "static-arp", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "hosts:a",                            \
	  "static ARP entries in place")                                                                               \
	X(EV_MALLORY_IP_FORWARD, "mallory-ip-forward", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "",                   \
	  "mallory's kernel forwards")                                                                                 \
	X(EV_PAUSED, "paused", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "ms:n",                                       \
	  "paused {ms:ms}, then the programs started")                                                                 \
	X(EV_POISONED, "poisoned", EW_L, KN_LAB, EM_WARN, SQ_NONE, MSG_NONE, "ms:n",                                   \
	  "both victims poisoned ({ms:ms})")                                                                           \
	X(EV_NEIGHBOUR, "neighbour", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE,                                         \
	  "phase:s host:s ip:s mac:s state:s poisoned:b true_mac:s",                                                   \
	  "{phase} {host}: {ip} at {mac}{?poisoned| POISONED}")                                                        \
	X(EV_BAD_EVENT, "bad-event", EW_L, KN_LAB, EM_WARN, SQ_NONE, MSG_NONE, "program:s line:s",                     \
	  "bad event from {program}")                                                                                  \
	X(EV_PHASE, "phase", EW_L, KN_LAB, EM_WARN, SQ_NONE, MSG_NONE,                                                 \
	  "phase:i leak:s computer:s kind:s remains:a wiped:a",                                                        \
	  "phase {phase}: {?leak|{leak} leaks to mallory}{?computer|mallory gets {computer}}")                         \
	X(EV_RUN_END, "run-end", EW_L, KN_LAB, EM_NONE, SQ_NONE, MSG_NONE, "ms:n net_release_ms:n", "run end ({ms:ms})")

enum ev_id {
	EV_UNKNOWN = -1,
#define EV_X_ENUM(id, ...) id,
	EV_SCHEMA(EV_X_ENUM)
#undef EV_X_ENUM
	    EV_COUNT
};

struct ev_row {
	enum ev_id id;
	const char *name;
	unsigned emitters;
	enum ev_know know;
	enum ev_mark mark;
	enum ev_dir dir;
	enum ev_msg msg;
	const char *fields; /* "name:T ..." */
	const char *text;   /* the step text template */
};

/* The row of an event id (NULL for EV_UNKNOWN or out of range). */
const struct ev_row *ev_row(enum ev_id id);
/* The id of an event name; EV_UNKNOWN for a name the schema does not have. */
enum ev_id ev_id_of(const char *name);
/* The id of a recorded event (an object with "event"); EV_UNKNOWN otherwise. */
enum ev_id ev_id_event(const json_t *e);
/* The emitter bit of an actor name (alice, bob, mallory, lab); 0 if none. */
unsigned ev_emitter_bit(const char *actor);
/* The type letter of field `field` of row r ('s', 'i', 'n', 'b', 'a'), or 0
 * when the row has no such field. */
char ev_field_type(const struct ev_row *r, const char *field);
/* Checks a recorded event against its row: a known name, an emitter allowed
 * to send it (actor), each field of the row that is present of the right
 * type. 0, or -1 with a sentence in why. Unknown fields are allowed (the
 * format may grow); t, actor and event are checked as docs/events.md §1. */
int ev_check(const json_t *e, char *why, size_t n);

/* Renders template tmpl over event e into buf (always terminated, cut to n).
 * ASCII-only output when ascii is set (arrows and marks as -> and the like). */
void ev_render(char *buf, size_t n, const char *tmpl, const json_t *e, bool ascii);
/* The step text of event e from its row; for an unknown event "unknown
 * event NAME" — never dropped. */
void ev_text(char *buf, size_t n, const json_t *e, bool ascii);
/* The ladder name of a message ("hello", "server-hello", "share", ...). */
const char *ev_msg_name(enum ev_msg m);

#endif
