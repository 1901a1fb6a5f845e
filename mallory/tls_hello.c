/* Stripping supported_versions from a ClientHello (see tls_hello.h). */
#include "tls_hello.h"

#include <string.h>

#define REC_HDR 5
#define HS_HDR 4
#define TLS_HANDSHAKE 22
#define TLS_CLIENT_HELLO 1

static size_t be16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

/* Skips a vector with an n-byte length at *off within [0, end). */
static int skip_vec(const uint8_t *p, size_t end, size_t *off, int n)
{
	if (*off + (size_t)n > end)
		return -1;
	size_t l = n == 1 ? p[*off] : be16(p + *off);
	if (*off + (size_t)n + l > end)
		return -1;
	*off += (size_t)n + l;
	return 0;
}

int tls_hello_strip_versions(const uint8_t *rec, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	if (len < REC_HDR + HS_HDR || rec[0] != TLS_HANDSHAKE || rec[REC_HDR] != TLS_CLIENT_HELLO)
		return 0;
	size_t rec_len = be16(rec + 3);
	const uint8_t *hs = rec + REC_HDR;
	size_t hs_len = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
	if (rec_len != len - REC_HDR || hs_len != rec_len - HS_HDR)
		return rec_len != len - REC_HDR ? -1 : 0; /* a hello over several records: left alone */
	const uint8_t *b = hs + HS_HDR;
	size_t end = hs_len, off = 2 + 32; /* legacy_version, random */
	if (off > end || skip_vec(b, end, &off, 1) || skip_vec(b, end, &off, 2) || skip_vec(b, end, &off, 1))
		return -1;
	if (off == end)
		return 0; /* no extensions at all */
	if (off + 2 > end || off + 2 + be16(b + off) != end)
		return -1;
	size_t ext_start = off + 2, cut = 0, cut_len = 0;
	for (size_t e = ext_start; e < end;) {
		if (e + 4 > end || e + 4 + be16(b + e + 2) > end)
			return -1;
		size_t el = 4 + be16(b + e + 2);
		if (be16(b + e) == TLS_EXT_SUPPORTED_VERSIONS) {
			if (cut_len)
				return -1; /* twice: RFC 8446 section 4.2 forbids it */
			cut = e;
			cut_len = el;
		}
		e += el;
	}
	if (!cut_len)
		return 0;
	if (cap < len - cut_len)
		return -1;
	size_t head = REC_HDR + HS_HDR + cut, tail = len - head - cut_len;
	memcpy(out, rec, head);
	memcpy(out + head, rec + head + cut_len, tail);
	put16(out + 3, rec_len - cut_len);
	put24(out + REC_HDR + 1, hs_len - cut_len);
	put16(out + REC_HDR + HS_HDR + ext_start - 2, end - ext_start - cut_len);
	*out_len = len - cut_len;
	return 1;
}
