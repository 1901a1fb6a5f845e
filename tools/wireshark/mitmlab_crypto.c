/* mitmlab_crypto: the AEAD open and the SHA-256 that tools/wireshark/mitmlab.lua
 * needs to decrypt records and check downgrade sentinels; Wireshark's Lua has
 * no crypto of its own. A Lua 5.2 C module over OpenSSL 3 EVP, loaded by the
 * dissector with package.loadlib from crypto/mitmlab_crypto.so beside it.
 *
 *   local c = package.loadlib(path, "luaopen_mitmlab_crypto")()
 *   c.aead_open(cipher, key, nonce, aad, ciphertext, tag) -> plaintext | nil, why
 *   c.sha256(data) -> 32 bytes
 *
 * cipher is the wire id of docs/protocol.md §4.4 (1 chacha20-poly1305, 2
 * aes-256-gcm). Every argument comes from a capture or a key log, so each
 * length is checked; a tag that does not verify gives nil and never any
 * plaintext. Not linked against liblua: the symbols are Wireshark's own. */
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <openssl/evp.h>

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define MAX_AAD 64
/* A record's ciphertext: content type and up to 16384 data bytes (§2.1). */
#define MAX_CT (1 + 16384)
/* The sentinel input is 30 + 32 + 1 + 2 * 255 bytes at most; leave room. */
#define MAX_HASH_IN (1 << 20)

static const EVP_CIPHER *cipher_of(lua_Integer id)
{
	switch (id) {
	case 1:
		return EVP_chacha20_poly1305();
	case 2:
		return EVP_aes_256_gcm();
	default:
		return NULL;
	}
}

static int fail(lua_State *L, const char *why)
{
	lua_pushnil(L);
	lua_pushstring(L, why);
	return 2;
}

/* All Lua calls that may raise (argument checks, the scratch buffer) come
 * before the cipher context exists, so an error never leaks it. */
static int l_aead_open(lua_State *L)
{
	size_t key_len, nonce_len, aad_len, ct_len, tag_len;
	lua_Integer id = luaL_checkinteger(L, 1);
	const char *key = luaL_checklstring(L, 2, &key_len);
	const char *nonce = luaL_checklstring(L, 3, &nonce_len);
	const char *aad = luaL_checklstring(L, 4, &aad_len);
	const char *ct = luaL_checklstring(L, 5, &ct_len);
	const char *tag = luaL_checklstring(L, 6, &tag_len);
	const EVP_CIPHER *cipher = cipher_of(id);
	if (!cipher)
		return fail(L, "unknown cipher");
	if (key_len != KEY_LEN || nonce_len != NONCE_LEN || tag_len != TAG_LEN)
		return fail(L, "key, nonce or tag of the wrong length");
	if (aad_len > MAX_AAD || ct_len > MAX_CT)
		return fail(L, "additional data or ciphertext too long");
	/* userdata, not malloc: freed by the collector even if a later call raises */
	unsigned char *pt = lua_newuserdata(L, ct_len + 1);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok = ctx != NULL;
	ok = ok && EVP_DecryptInit_ex(ctx, cipher, NULL, NULL, NULL) == 1;
	ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, NONCE_LEN, NULL) == 1;
	ok = ok && EVP_DecryptInit_ex(ctx, NULL, NULL, (const unsigned char *)key, (const unsigned char *)nonce) == 1;
	ok = ok && (aad_len == 0 || EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)aad_len) == 1);
	ok = ok && EVP_DecryptUpdate(ctx, pt, &n, (const unsigned char *)ct, (int)ct_len) == 1;
	ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)tag) == 1;
	ok = ok && EVP_DecryptFinal_ex(ctx, pt + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok || n < 0 || fin < 0 || (size_t)n + (size_t)fin != ct_len) {
		OPENSSL_cleanse(pt, ct_len + 1);
		return fail(L, "the tag does not verify");
	}
	lua_pushlstring(L, (const char *)pt, ct_len);
	return 1;
}

static int l_sha256(lua_State *L)
{
	size_t len;
	const char *data = luaL_checklstring(L, 1, &len);
	if (len > MAX_HASH_IN)
		return fail(L, "input too long");
	unsigned char md[32];
	unsigned int md_len = 0;
	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != sizeof md)
		return fail(L, "SHA-256 failed");
	lua_pushlstring(L, (const char *)md, sizeof md);
	return 1;
}

static const luaL_Reg functions[] = {
    {"aead_open", l_aead_open},
    {"sha256", l_sha256},
    {NULL, NULL},
};

/* Exported for package.loadlib; the only symbol the module needs to show. */
int luaopen_mitmlab_crypto(lua_State *L);
int luaopen_mitmlab_crypto(lua_State *L)
{
	luaL_newlib(L, functions);
	lua_pushliteral(L, "1");
	lua_setfield(L, -2, "version");
	return 1;
}
