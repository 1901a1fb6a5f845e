/* The TLS downgrade move (`--proto tls --tls-downgrade`): alice's ClientHello
 * record, with its supported_versions extension (RFC 8446 section 4.2.1)
 * removed and every length above it fixed, so that a TLS 1.3 server sees a
 * TLS 1.2 hello. Real OpenSSL on both ends is what stops it: bob, able to do
 * 1.3, puts the section 4.1.3 sentinel in his ServerHello random, and alice
 * refuses it. A parser of attacker-controlled bytes (her victims' are as
 * hostile as anyone's): every length is checked against what holds it. */
#ifndef TLS_HELLO_H
#define TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#define TLS_EXT_SUPPORTED_VERSIONS 0x002b

/* rec is one whole TLS record (header included). When it holds a whole
 * ClientHello with supported_versions, writes the record without it to out
 * (cap >= len is enough: it only shrinks) and returns 1. Returns 0 when it
 * is no such record (nothing written), -1 when a length in it is wrong. */
int tls_hello_strip_versions(const uint8_t *rec, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
