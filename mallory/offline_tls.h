/* mallory --decrypt CAPTURE --proto tls [--key FILE]: record now, decrypt
 * later, for real TLS. She does what an attacker with a leaked key does:
 * hands Wireshark's TLS dissector the capture and the key (tshark -o
 * uat:rsa_keys), and reports what it opens, record by record, as
 * message-read "decrypted": true — code nobody here wrote, so a lesson's
 * verdict does not rest on the lab's own TLS. A private RSA key opens every
 * TLS 1.2 session whose key exchange was RSA key transport; none whose key
 * exchange was ephemeral (EC)DHE, TLS 1.3's only kind: for each such
 * connection she says why (keys-unrecovered), from the cipher suite of its
 * ServerHello.
 *
 * tshark is run with argv (no shell), stdin and stderr closed, its output
 * read line by line within fixed bounds; a line or a field beyond them is
 * counted and skipped. Events: decrypt-start, message-read, keys-unrecovered,
 * decrypt-done, error. */
#ifndef OFFLINE_TLS_H
#define OFFLINE_TLS_H

#include <signal.h>

#include "mallory_opts.h"
#include "mlab_event.h"

/* Exit code: 0, MALLORY_EXIT_USAGE (a key that is no PEM private key, a
 * path tshark's option syntax cannot carry), MALLORY_EXIT_NETWORK (the
 * capture unreadable, tshark missing or failing). */
int offline_tls_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop);

#endif
