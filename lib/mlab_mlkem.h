/* ML-KEM-768, the module-lattice key-encapsulation mechanism of FIPS 203
 * (August 2024), written from the standard for the post-quantum lessons:
 * Debian 12's OpenSSL 3.0 has none. SHA3-256, SHA3-512, SHAKE128 and SHAKE256
 * come from OpenSSL's EVP; everything else is here (lib/mlab_mlkem.c), one
 * function per algorithm of the standard, named after it.
 *
 * Every function returns 0 or a negative lib/mlab_err.h code. The inputs are
 * checked as FIPS 203 §7 requires: an encapsulation key its length and the
 * modulus check (§7.2), a decapsulation key its length and the hash check, a
 * ciphertext its length (§7.3). A ciphertext of the right length is never an
 * error: Decaps' implicit rejection returns the pseudorandom K̄ = J(z ‖ c)
 * for one that does not re-encrypt to itself, in constant time. */
#ifndef MLAB_MLKEM_H
#define MLAB_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#define MLAB_MLKEM768_EK_LEN 1184 /* 384·k + 32 */
#define MLAB_MLKEM768_DK_LEN 2400 /* 768·k + 96 */
#define MLAB_MLKEM768_CT_LEN 1088 /* 32·(du·k + dv) */
#define MLAB_MLKEM_SS_LEN 32
#define MLAB_MLKEM_SEED_LEN 64 /* d ‖ z */

/* ML-KEM.KeyGen_internal(d, z) (Algorithm 16), seed = d ‖ z (the 64-byte form
 * of a decapsulation key: another length is MLAB_E_MLKEM_DK). */
int mlab_mlkem768_keygen_seed(const uint8_t *seed, size_t seed_len, uint8_t ek[MLAB_MLKEM768_EK_LEN],
			      uint8_t dk[MLAB_MLKEM768_DK_LEN]);
/* ML-KEM.KeyGen (Algorithm 19): d and z from the OS generator. */
int mlab_mlkem768_keygen(uint8_t ek[MLAB_MLKEM768_EK_LEN], uint8_t dk[MLAB_MLKEM768_DK_LEN]);
/* The §7.2 checks, then ML-KEM.Encaps_internal(ek, m) (Algorithm 17). */
int mlab_mlkem768_encaps_m(const uint8_t *ek, size_t ek_len, const uint8_t m[32], uint8_t ct[MLAB_MLKEM768_CT_LEN],
			   uint8_t ss[MLAB_MLKEM_SS_LEN]);
/* ML-KEM.Encaps (Algorithm 20): m from the OS generator. */
int mlab_mlkem768_encaps(const uint8_t *ek, size_t ek_len, uint8_t ct[MLAB_MLKEM768_CT_LEN],
			 uint8_t ss[MLAB_MLKEM_SS_LEN]);
/* The §7.3 checks, then ML-KEM.Decaps_internal(dk, c) (Algorithm 18). */
int mlab_mlkem768_decaps(const uint8_t *dk, size_t dk_len, const uint8_t *ct, size_t ct_len,
			 uint8_t ss[MLAB_MLKEM_SS_LEN]);
/* The §7.2 encapsulation-key checks alone: length, then the modulus check. */
int mlab_mlkem768_check_ek(const uint8_t *ek, size_t ek_len);

#endif
